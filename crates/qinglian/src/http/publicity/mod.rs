//! Social publicity: placements recorded on a phone with photos or imported from a
//! spreadsheet, totals by channel, material and district.

mod api;
mod pages;

pub(super) const FEATURE: super::Feature =
    super::Feature { pages: pages::routes, api: api::routes, doc: <api::Doc as utoipa::OpenApi>::openapi };
