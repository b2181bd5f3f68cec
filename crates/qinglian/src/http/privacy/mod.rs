//! 个人信息保护: the public list of privacy notices, the organiser's answer to a person asking
//! for his data, how long a campaign keeps the public's data, and anonymising it when due.

mod api;
mod pages;

pub(super) const FEATURE: super::Feature =
    super::Feature { pages: pages::routes, api: api::routes, doc: <api::Doc as utoipa::OpenApi>::openapi };
