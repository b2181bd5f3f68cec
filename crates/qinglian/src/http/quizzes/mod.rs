//! Knowledge tests: the question bank, tests of an activity, taking one (answers saved as they
//! are given, scored on the server), results, their workbook and ledger entry.

mod api;
mod pages;

pub(super) const FEATURE: super::Feature =
    super::Feature { pages: pages::routes, api: api::routes, doc: <api::Doc as utoipa::OpenApi>::openapi };
