//! Delivery of notices: what each channel has sent, what waits, and what could not be
//! delivered, with the organiser's "send again".

mod api;
mod pages;

pub(super) const FEATURE: super::Feature =
    super::Feature { pages: pages::routes, api: api::routes, doc: <api::Doc as utoipa::OpenApi>::openapi };
