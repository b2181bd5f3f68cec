//! Supervision inspections: recording an inspection with its findings, statistics,
//! overdue rectifications, closing a finding with evidence.

mod api;
mod pages;

pub(super) const FEATURE: super::Feature =
    super::Feature { pages: pages::routes, api: api::routes, doc: <api::Doc as utoipa::OpenApi>::openapi };
