//! Calls for works and the public portal: submission without an account, the receipt check,
//! moderation, the blind jury, prizes, the column and news, the portal and its search.

mod api;
mod pages;

pub(super) const FEATURE: super::Feature =
    super::Feature { pages: pages::routes, api: api::routes, doc: <api::Doc as utoipa::OpenApi>::openapi };
