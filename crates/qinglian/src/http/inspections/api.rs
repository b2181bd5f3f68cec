//! `/api/v1` routes of supervision inspections: recording, statistics, findings and closing
//! them.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::OpenApi;

use crate::error::AppResult;
use crate::http::common::{ApiActor, Created, ErrorBody};
use crate::services::{inspections, App, Page, Paging};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/campaigns/{id}/inspections", post(create_inspection))
        .route("/campaigns/{id}/inspections/statistics", get(inspection_statistics))
        .route("/campaigns/{id}/findings", get(list_findings))
        .route("/findings/{id}/close", post(close_finding))
}

#[derive(OpenApi)]
#[openapi(paths(create_inspection, inspection_statistics, list_findings, close_finding))]
pub(super) struct Doc;

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/inspections", tag = "inspections", params(("id" = i64, Path)),
    request_body = inspections::InspectionInput, responses((status = 200, body = Created), (status = 422, body = ErrorBody)))]
async fn create_inspection(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<inspections::InspectionInput>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: inspections::create(&app, &actor, id, req).await? }))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/inspections/statistics", tag = "inspections", params(("id" = i64, Path)),
    responses((status = 200, body = inspections::Statistics)))]
async fn inspection_statistics(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<inspections::Statistics>> {
    Ok(Json(inspections::statistics(&app, &actor, id).await?))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/findings", tag = "inspections", params(("id" = i64, Path), inspections::FindingFilter, Paging),
    responses((status = 200, body = Page<inspections::Finding>)))]
async fn list_findings(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Query(f): Query<inspections::FindingFilter>,
    Query(p): Query<Paging>,
) -> AppResult<Json<Page<inspections::Finding>>> {
    Ok(Json(inspections::findings(&app, &actor, id, &f, p).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Rectified {
    /// What was done; required.
    #[schema(min_length = 1, max_length = 2000)]
    pub evidence: String,
}

#[utoipa::path(post, path = "/api/v1/findings/{id}/close", tag = "inspections", params(("id" = i64, Path)),
    request_body = Rectified, responses((status = 204), (status = 422, body = ErrorBody)))]
async fn close_finding(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<Rectified>,
) -> AppResult<Response> {
    inspections::close(&app, &actor, id, &req.evidence).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}
