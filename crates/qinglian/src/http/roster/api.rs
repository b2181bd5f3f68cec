//! `/api/v1` routes of units and people: the unit tree, the roster list and its import, and
//! corrections (moving, leaving, merging).

use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::OpenApi;

use crate::error::{AppError, AppResult};
use crate::http::common::{read_multipart, ApiActor, ErrorBody, Reason, SpreadsheetUpload};
use crate::i18n::{self, Msg};
use crate::services::{people, roster, units, App, Page, Paging};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/units", get(list_units).post(create_unit))
        .route("/units/{id}", axum::routing::put(update_unit))
        .route("/people", get(list_people))
        .route("/people/{id}", get(get_person).put(update_person))
        .route("/people/{id}/leave", post(leave_person))
        .route("/people/{id}/rejoin", post(rejoin_person))
        .route("/people/{id}/merge", post(merge_person))
        .route("/units/{id}/merge", post(merge_unit))
        .route("/people/import", post(import_people))
}

#[derive(OpenApi)]
#[openapi(paths(
    list_units,
    create_unit,
    update_unit,
    list_people,
    get_person,
    update_person,
    leave_person,
    rejoin_person,
    merge_person,
    merge_unit,
    import_people
))]
pub(super) struct Doc;

#[utoipa::path(get, path = "/api/v1/units", tag = "units", responses((status = 200, body = Vec<units::Unit>)))]
async fn list_units(State(app): State<App>, ApiActor(actor): ApiActor) -> AppResult<Json<Vec<units::Unit>>> {
    Ok(Json(units::visible(&app, &actor).await?))
}

#[utoipa::path(post, path = "/api/v1/units", tag = "units", request_body = units::NewUnit,
    responses((status = 200, body = units::Unit), (status = 422, body = ErrorBody)))]
async fn create_unit(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Json(req): Json<units::NewUnit>,
) -> AppResult<Json<units::Unit>> {
    Ok(Json(units::create(&app, &actor, req).await?))
}

/// Renames a unit or moves it, with its subtree, under another parent.
#[utoipa::path(put, path = "/api/v1/units/{id}", tag = "units", params(("id" = i64, Path)), request_body = units::UnitChange,
    responses((status = 200, body = units::Unit), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_unit(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<units::UnitChange>,
) -> AppResult<Json<units::Unit>> {
    Ok(Json(units::update(&app, &actor, id, req).await?))
}

/// Merges a unit into another (撤并): what named it names the kept unit, and it is removed.
#[utoipa::path(post, path = "/api/v1/units/{id}/merge", tag = "units", params(("id" = i64, Path)), request_body = Merge,
    responses((status = 200, body = units::Unit), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn merge_unit(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<Merge>,
) -> AppResult<Json<units::Unit>> {
    Ok(Json(units::merge(&app, &actor, id, req.into).await?))
}

#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = people::PersonDetail), (status = 404, body = ErrorBody)))]
async fn get_person(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<people::PersonDetail>> {
    Ok(Json(people::get(&app, &actor, id).await?))
}

/// Corrects a person or moves him to another unit the caller administers.
#[utoipa::path(put, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path)), request_body = people::PersonInput,
    responses((status = 200, body = people::PersonDetail), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_person(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<people::PersonInput>,
) -> AppResult<Json<people::PersonDetail>> {
    Ok(Json(people::update(&app, &actor, id, req).await?))
}

/// Records that a person left: what addressed him before still counts him; nothing later does.
#[utoipa::path(post, path = "/api/v1/people/{id}/leave", tag = "people", params(("id" = i64, Path)), request_body = Reason,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn leave_person(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<Reason>,
) -> AppResult<Response> {
    people::leave(&app, &actor, id, &req.reason).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// Puts a person who left back on the roster, expected again from now on.
#[utoipa::path(post, path = "/api/v1/people/{id}/rejoin", tag = "people", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn rejoin_person(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    people::rejoin(&app, &actor, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Merge {
    /// The record kept; the one in the path is merged into it.
    pub into: i64,
}

/// Merges a duplicate into the person kept: what the duplicate did counts for him from now on.
#[utoipa::path(post, path = "/api/v1/people/{id}/merge", tag = "people", params(("id" = i64, Path)), request_body = Merge,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn merge_person(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<Merge>,
) -> AppResult<Response> {
    people::merge(&app, &actor, id, req.into).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/api/v1/people", tag = "people", params(people::PeopleFilter, Paging),
    responses((status = 200, body = Page<people::Person>)))]
async fn list_people(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Query(f): Query<people::PeopleFilter>,
    Query(p): Query<Paging>,
) -> AppResult<Json<Page<people::Person>>> {
    Ok(Json(people::list(&app, &actor, &f, p).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ImportParams {
    /// preview (default), all, or valid_only.
    pub mode: Option<String>,
}

/// Multipart with one file field (XLSX, XLS or CSV).
#[utoipa::path(post, path = "/api/v1/people/import", tag = "people", params(ImportParams),
    request_body(content_type = "multipart/form-data", content = SpreadsheetUpload),
    responses((status = 200, body = roster::ImportReport), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import_people(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Query(q): Query<ImportParams>,
    mp: Multipart,
) -> AppResult<Json<roster::ImportReport>> {
    let (_, mut files) = read_multipart(mp).await?;
    let upload = files.pop().map(|u| (u.file_name, u.bytes));
    let (name, bytes) = upload.ok_or_else(|| AppError::invalid("file", Msg::new("err.file_required")))?;
    if bytes.len() > app.config.max_upload_bytes {
        return Err(AppError::TooLarge(
            Msg::new("err.file_too_large")
                .arg("name", &name)
                .arg("mb", app.config.max_upload_bytes / 1024 / 1024),
        ));
    }
    let mode = roster::ImportMode::parse(q.mode.as_deref().unwrap_or("preview"));
    Ok(Json(roster::import(&app, &actor, &bytes, &name, mode, i18n::current()).await?))
}
