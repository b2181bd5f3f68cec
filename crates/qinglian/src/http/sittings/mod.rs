//! Sittings: scheduling (one or a series), the venue screen with its rotating QR code, the
//! phone sign-in (no account needed), the clerk's desk, registration, attendance, certificates.

mod api;
mod pages;

pub(crate) use pages::{fence_fields, NO_FENCE};

pub(super) const FEATURE: super::Feature =
    super::Feature { pages: pages::routes, api: api::routes, doc: <api::Doc as utoipa::OpenApi>::openapi };
