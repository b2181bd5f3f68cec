//! `/api/v1` routes of integrity units: checklists, applications, evaluation and the list of
//! recognised units.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::OpenApi;

use crate::error::AppResult;
use crate::http::common::{ApiActor, Created, ErrorBody, Reason};
use crate::services::{integrity, App};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/integrity/types", get(integrity_types).post(create_integrity_type))
        .route("/integrity/applications", get(integrity_applications).post(apply_integrity))
        .route("/integrity/applications/{id}", get(integrity_application).put(correct_integrity))
        .route("/integrity/applications/{id}/withdraw", post(withdraw_integrity))
        .route("/integrity/applications/{id}/reopen", post(reopen_integrity))
        .route("/integrity/applications/{id}/evaluate", post(evaluate_integrity))
        .route("/integrity/recognised", get(integrity_recognised))
}

#[derive(OpenApi)]
#[openapi(paths(
    integrity_types,
    create_integrity_type,
    integrity_applications,
    apply_integrity,
    integrity_application,
    correct_integrity,
    withdraw_integrity,
    reopen_integrity,
    evaluate_integrity,
    integrity_recognised
))]
pub(super) struct Doc;

#[utoipa::path(get, path = "/api/v1/integrity/types", tag = "integrity", responses((status = 200, body = Vec<integrity::IntegrityType>)))]
async fn integrity_types(
    State(app): State<App>,
    _actor: ApiActor,
) -> AppResult<Json<Vec<integrity::IntegrityType>>> {
    Ok(Json(integrity::types(&app).await?))
}

/// A checklist; the same code again makes its next version.
#[utoipa::path(post, path = "/api/v1/integrity/types", tag = "integrity", request_body = integrity::TypeInput,
    responses((status = 200, body = Created), (status = 422, body = ErrorBody)))]
async fn create_integrity_type(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Json(req): Json<integrity::TypeInput>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: integrity::create_type(&app, &actor, req).await? }))
}

#[utoipa::path(get, path = "/api/v1/integrity/applications", tag = "integrity", responses((status = 200, body = Vec<integrity::ApplicationRow>)))]
async fn integrity_applications(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
) -> AppResult<Json<Vec<integrity::ApplicationRow>>> {
    Ok(Json(integrity::applications(&app, &actor).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct IntegrityApplicationInput {
    pub type_id: i64,
    pub unit_id: i64,
    /// The campaign and its theme tag (四个结合) the unit's creation serves.
    #[serde(flatten)]
    pub tag: integrity::Tag,
    pub items: Vec<integrity::ItemInput>,
}

#[utoipa::path(post, path = "/api/v1/integrity/applications", tag = "integrity", request_body = IntegrityApplicationInput,
    responses((status = 200, body = Created), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn apply_integrity(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Json(req): Json<IntegrityApplicationInput>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created {
        id: integrity::apply(&app, &actor, req.type_id, req.unit_id, req.tag, req.items, Vec::new()).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/integrity/applications/{id}", tag = "integrity", params(("id" = i64, Path)),
    responses((status = 200, body = integrity::Application), (status = 404, body = ErrorBody)))]
async fn integrity_application(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<integrity::Application>> {
    Ok(Json(integrity::application(&app, &actor, id).await?))
}

#[utoipa::path(post, path = "/api/v1/integrity/applications/{id}/evaluate", tag = "integrity", params(("id" = i64, Path)),
    request_body = integrity::Evaluation, responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn evaluate_integrity(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<integrity::Evaluation>,
) -> AppResult<Response> {
    integrity::evaluate(&app, &actor, id, req).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// Public: the units named.
#[utoipa::path(get, path = "/api/v1/integrity/recognised", tag = "integrity", security(()),
    responses((status = 200, body = Vec<integrity::ApplicationRow>)))]
async fn integrity_recognised(State(app): State<App>) -> AppResult<Json<Vec<integrity::ApplicationRow>>> {
    Ok(Json(integrity::recognised(&app).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Answers {
    /// Every criterion answered again; evidence files stay as they were.
    pub items: Vec<integrity::ItemInput>,
}

/// The applicant corrects his answers while the application awaits evaluation.
#[utoipa::path(put, path = "/api/v1/integrity/applications/{id}", tag = "integrity", params(("id" = i64, Path)),
    request_body = Answers, responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn correct_integrity(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<Answers>,
) -> AppResult<Response> {
    integrity::correct(&app, &actor, id, req.items).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// The applicant withdraws an application awaiting evaluation; the unit may apply again.
#[utoipa::path(post, path = "/api/v1/integrity/applications/{id}/withdraw", tag = "integrity", params(("id" = i64, Path)),
    request_body = Reason, responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn withdraw_integrity(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<Reason>,
) -> AppResult<Response> {
    integrity::withdraw(&app, &actor, id, &req.reason).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// An organiser sets aside a decision made in error; the application awaits evaluation again.
#[utoipa::path(post, path = "/api/v1/integrity/applications/{id}/reopen", tag = "integrity", params(("id" = i64, Path)),
    request_body = Reason, responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reopen_integrity(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<Reason>,
) -> AppResult<Response> {
    integrity::reopen(&app, &actor, id, &req.reason).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}
