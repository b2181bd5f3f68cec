//! The append-only audit log: the list with filters, its CSV export, and the check of its
//! SM3 chain.

mod api;
mod pages;

pub(super) const FEATURE: super::Feature =
    super::Feature { pages: pages::routes, api: api::routes, doc: <api::Doc as utoipa::OpenApi>::openapi };
