//! Accounts: signing in and out, changing one's password, integration tokens, and the
//! administrators' user list (roles, resets, disabling, linking a roster entry, ending sessions).

mod api;
mod pages;

pub(super) const FEATURE: super::Feature =
    super::Feature { pages: pages::routes, api: api::routes, doc: <api::Doc as utoipa::OpenApi>::openapi };
