//! `/api/v1` routes of personal data protection.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::OpenApi;

use crate::error::AppResult;
use crate::http::common::{ApiActor, ErrorBody};
use crate::services::{privacy, App};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/privacy/notices", get(list_notices))
        .route("/privacy/export", post(export_personal_data))
        .route("/privacy/anonymise", post(anonymise_due))
        .route("/campaigns/{id}/retention", put(set_retention))
}

#[derive(OpenApi)]
#[openapi(paths(list_notices, export_personal_data, anonymise_due, set_retention))]
pub(super) struct Doc;

/// Every version of every public form's notice on personal data: what a consent's `notice`
/// (`pledge/1`) agreed to.
#[utoipa::path(get, path = "/api/v1/privacy/notices", tag = "privacy", security(()),
    responses((status = 200, body = Vec<privacy::Notice>)))]
async fn list_notices() -> Json<Vec<privacy::Notice>> {
    Json(privacy::notices(crate::i18n::current()))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PersonalDataRequest {
    /// The mobile number of the person asking.
    #[schema(min_length = 1, max_length = 30)]
    pub phone: String,
}

/// Everything held about the holder of a mobile number, for him (organisers; the password given
/// within the last minutes). Sent in the body so the number stays out of logs; audited.
#[utoipa::path(post, path = "/api/v1/privacy/export", tag = "privacy", request_body = PersonalDataRequest,
    responses((status = 200, body = privacy::PersonalData), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn export_personal_data(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Json(req): Json<PersonalDataRequest>,
) -> AppResult<Json<privacy::PersonalData>> {
    Ok(Json(privacy::export(&app, &actor, &req.phone).await?))
}

/// Anonymises now what every campaign's retention has made due (the servers also do it hourly).
#[utoipa::path(post, path = "/api/v1/privacy/anonymise", tag = "privacy",
    responses((status = 200, body = privacy::Anonymised), (status = 403, body = ErrorBody)))]
async fn anonymise_due(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
) -> AppResult<Json<privacy::Anonymised>> {
    Ok(Json(privacy::anonymise_now(&app, &actor).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RetentionInput {
    /// Days after the campaign's end, 30 to 3650.
    #[schema(minimum = 30, maximum = 3650)]
    pub retention_days: i64,
}

/// How long a campaign keeps the public's personal data after its end (organisers, any state).
#[utoipa::path(put, path = "/api/v1/campaigns/{id}/retention", tag = "privacy", params(("id" = i64, Path)),
    request_body = RetentionInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_retention(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<RetentionInput>,
) -> AppResult<StatusCode> {
    privacy::set_retention(&app, &actor, id, req.retention_days).await?;
    Ok(StatusCode::NO_CONTENT)
}
