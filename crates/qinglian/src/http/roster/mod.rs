//! The city's units and people: the unit tree, the roster list with masked phones, and the
//! spreadsheet import (preview, then write) scoped to the importer's units.

mod api;
mod pages;

pub(super) const FEATURE: super::Feature =
    super::Feature { pages: pages::routes, api: api::routes, doc: <api::Doc as utoipa::OpenApi>::openapi };
