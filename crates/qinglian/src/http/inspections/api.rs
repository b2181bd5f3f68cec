//! `/api/v1` routes of supervision inspections: recording, statistics, findings and closing
//! them.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::OpenApi;

use crate::error::AppResult;
use crate::http::common::{ApiActor, Created, ErrorBody, Reason};
use crate::services::{inspections, App, Page, Paging};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/campaigns/{id}/inspections", post(create_inspection))
        .route("/campaigns/{id}/inspections/statistics", get(inspection_statistics))
        .route("/campaigns/{id}/findings", get(list_findings))
        .route("/findings/{id}/close", post(close_finding))
        .route("/inspections/{id}", get(get_inspection).put(update_inspection).delete(delete_inspection))
        .route("/findings/{id}", axum::routing::put(update_finding).delete(delete_finding))
        .route("/findings/{id}/reopen", post(reopen_finding))
}

#[derive(OpenApi)]
#[openapi(paths(
    create_inspection,
    inspection_statistics,
    list_findings,
    close_finding,
    get_inspection,
    update_inspection,
    delete_inspection,
    update_finding,
    delete_finding,
    reopen_finding
))]
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

/// An inspection's own record (organisers).
#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "inspections", params(("id" = i64, Path)),
    responses((status = 200, body = inspections::Inspection), (status = 404, body = ErrorBody)))]
async fn get_inspection(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<inspections::Inspection>> {
    Ok(Json(inspections::get(&app, &actor, id).await?))
}

/// Corrects an inspection's date, unit, focus, team, summary and theme, until its campaign closes.
#[utoipa::path(put, path = "/api/v1/inspections/{id}", tag = "inspections", params(("id" = i64, Path)),
    request_body = inspections::InspectionRecord,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_inspection(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<inspections::InspectionRecord>,
) -> AppResult<Response> {
    inspections::update(&app, &actor, id, req).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// Deletes an inspection recorded by mistake, with its findings, while none is rectified.
#[utoipa::path(delete, path = "/api/v1/inspections/{id}", tag = "inspections", params(("id" = i64, Path)),
    responses((status = 204), (status = 409, body = ErrorBody)))]
async fn delete_inspection(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    inspections::delete(&app, &actor, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// Corrects an open finding: category, severity, description, owner unit, deadline.
#[utoipa::path(put, path = "/api/v1/findings/{id}", tag = "inspections", params(("id" = i64, Path)),
    request_body = inspections::FindingInput,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_finding(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<inspections::FindingInput>,
) -> AppResult<Response> {
    inspections::update_finding(&app, &actor, id, req).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// Deletes an open finding recorded by mistake.
#[utoipa::path(delete, path = "/api/v1/findings/{id}", tag = "inspections", params(("id" = i64, Path)),
    responses((status = 204), (status = 409, body = ErrorBody)))]
async fn delete_finding(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    inspections::delete_finding(&app, &actor, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// Reopens a rectification closed without enough done.
#[utoipa::path(post, path = "/api/v1/findings/{id}/reopen", tag = "inspections", params(("id" = i64, Path)),
    request_body = Reason, responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reopen_finding(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<Reason>,
) -> AppResult<Response> {
    inspections::reopen_finding(&app, &actor, id, &req.reason).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}
