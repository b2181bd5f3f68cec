//! `/api/v1` routes of the audit log: the filtered list and the check of its chain.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

use crate::error::{AppError, AppResult};
use crate::http::common::{ApiActor, ErrorBody};
use crate::services::{audit, App, Page, Paging};

pub(super) fn routes() -> Router<App> {
    Router::new().route("/audit", get(list_audit)).route("/audit/chain", get(verify_audit_chain))
}

#[derive(OpenApi)]
#[openapi(paths(list_audit, verify_audit_chain))]
pub(super) struct Doc;

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(audit::AuditFilter, Paging),
    responses((status = 200, body = Page<audit::AuditEntry>), (status = 403, body = ErrorBody)))]
async fn list_audit(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Query(f): Query<audit::AuditFilter>,
    Query(p): Query<Paging>,
) -> AppResult<Json<Page<audit::AuditEntry>>> {
    Ok(Json(audit::list(&app, &actor, &f, p).await?))
}

/// Walks the audit log's chain (auditors and administrators).
#[utoipa::path(get, path = "/api/v1/audit/chain", tag = "audit",
    responses((status = 200, body = crate::services::audit::AuditChainReport), (status = 403, body = ErrorBody)))]
async fn verify_audit_chain(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
) -> AppResult<Json<crate::services::audit::AuditChainReport>> {
    if !actor.can_read_audit() {
        return Err(AppError::Forbidden);
    }
    Ok(Json(crate::services::audit::verify_chain(&app.db).await?))
}
