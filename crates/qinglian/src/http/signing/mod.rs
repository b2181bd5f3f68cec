//! Study materials and pledges: publishing, reading and signing (drawn or typed), the public
//! pledge page and wall, progress and reminders, signed copies, verification and the signature chain.

mod api;
mod pages;

pub(super) const FEATURE: super::Feature =
    super::Feature { pages: pages::routes, api: api::routes, doc: <api::Doc as utoipa::OpenApi>::openapi };
