//! The campaign and its ledger: the home page, a campaign's settings and activities, the
//! progress board, tasks assigned to units, entries with evidence, their review, and evidence files.

mod api;
mod pages;

pub(super) const FEATURE: super::Feature =
    super::Feature { pages: pages::routes, api: api::routes, doc: <api::Doc as utoipa::OpenApi>::openapi };
