//! The campaign's end: the summary report (draft, editing, figures, versions, DOCX/PDF), the
//! notice, ledger workbooks (direct or as background jobs), statistics, next year's campaign.

mod api;
mod pages;

pub(super) const FEATURE: super::Feature =
    super::Feature { pages: pages::routes, api: api::routes, doc: <api::Doc as utoipa::OpenApi>::openapi };
