//! Pages of the audit log: the filtered list and its CSV export.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::http::common::{render, Ctx, PageActor, PageResult};
use crate::services::{audit, App, Paging};

pub(super) fn routes() -> Router<App> {
    Router::new().route("/audit", get(audit_page)).route("/audit/export.csv", get(audit_export))
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    list: crate::services::Page<audit::AuditEntry>,
    f: AuditQuery,
    query: String,
}

#[derive(Deserialize, Default, Clone)]
struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    outcome: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<i64>,
}

impl AuditQuery {
    fn filter(&self) -> audit::AuditFilter {
        audit::AuditFilter {
            actor: self.actor.clone(),
            action: self.action.clone(),
            entity: None,
            outcome: self.outcome.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }
    fn query_string(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("actor", &self.actor),
            ("action", &self.action),
            ("outcome", &self.outcome),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if let Some(v) = v {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }
}

async fn audit_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    let list = audit::list(&app, &actor, &q.filter(), Paging { page: q.page, per_page: Some(50) }).await?;
    let query = q.query_string();
    Ok(render(&AuditPage { ctx: Ctx::new(&caller, None), list, f: q, query }))
}

async fn audit_export(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    let csv = audit::export_csv(&app, &actor, &q.filter()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"audit-log.csv\""),
        ],
        csv,
    )
        .into_response())
}
