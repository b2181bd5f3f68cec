//! `/api/v1` routes of the dashboard: its figures as JSON, for other screens.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

use crate::error::AppResult;
use crate::http::common::{ApiActor, ErrorBody};
use crate::services::{dashboard, App};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/campaigns/{id}/dashboard", get(campaign_dashboard))
        .route("/portal/campaigns/{id}/dashboard", get(public_dashboard))
}

#[derive(OpenApi)]
#[openapi(paths(campaign_dashboard, public_dashboard))]
pub(super) struct Doc;

/// The campaign's figures now, as the leadership's screen shows them (organisers).
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/dashboard", tag = "dashboard", params(("id" = i64, Path)),
    responses((status = 200, body = dashboard::Snapshot), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn campaign_dashboard(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<dashboard::Snapshot>> {
    Ok(Json((*dashboard::snapshot(&app, Some(&actor), id, false).await?).clone()))
}

/// A published campaign's figures, as the portal's screen shows them: public pledges' signers only.
#[utoipa::path(get, path = "/api/v1/portal/campaigns/{id}/dashboard", tag = "dashboard", params(("id" = i64, Path)), security(()),
    responses((status = 200, body = dashboard::Snapshot), (status = 404, body = ErrorBody)))]
async fn public_dashboard(
    State(app): State<App>,
    Path(id): Path<i64>,
) -> AppResult<Json<dashboard::Snapshot>> {
    Ok(Json((*dashboard::snapshot(&app, None, id, true).await?).clone()))
}
