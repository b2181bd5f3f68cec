//! The live dashboard (数据大屏): a full-screen page at 1920 × 1080 fed by server-sent events,
//! for the leadership (organisers) and, with only what is public, for the portal.

mod api;
mod pages;

pub(super) const FEATURE: super::Feature =
    super::Feature { pages: pages::routes, api: api::routes, doc: <api::Doc as utoipa::OpenApi>::openapi };
