//! `/api/v1` routes of social publicity: placements (JSON or multipart with photos), totals and
//! the spreadsheet import.

use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::header;
use axum::routing::{get, post};
use axum::{Json, Router};
use utoipa::OpenApi;

use crate::error::{AppError, AppResult};
use crate::http::common::{read_multipart, ApiActor, Created, ErrorBody, SpreadsheetUpload};
use crate::i18n::{self, Msg};
use crate::services::{placements, App, Page, Paging};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/campaigns/{id}/placements", get(list_placements).post(create_placement))
        .route("/campaigns/{id}/placements/totals", get(placement_totals))
        .route("/campaigns/{id}/placements/import", post(import_placements))
        .route("/placements/{id}", axum::routing::put(update_placement).delete(delete_placement))
}

#[derive(OpenApi)]
#[openapi(paths(
    list_placements,
    create_placement,
    placement_totals,
    import_placements,
    update_placement,
    delete_placement
))]
pub(super) struct Doc;

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/placements", tag = "publicity", params(("id" = i64, Path), Paging),
    responses((status = 200, body = Page<placements::PlacementRow>)))]
async fn list_placements(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Query(p): Query<Paging>,
) -> AppResult<Json<Page<placements::PlacementRow>>> {
    Ok(Json(placements::list(&app, &actor, id, p).await?))
}

/// JSON (no photos), or multipart/form-data with the same fields plus `photos`.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/placements", tag = "publicity", params(("id" = i64, Path)),
    request_body = placements::PlacementInput,
    responses((status = 200, body = Created), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_placement(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    req: Request,
) -> AppResult<Json<Created>> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let (input, photos) = if is_json {
        let Json(input) = Json::<placements::PlacementInput>::from_request(req, &())
            .await
            .map_err(|e| AppError::invalid("body", Msg::new("err.bad_json").arg("detail", e.body_text())))?;
        (input, Vec::new())
    } else {
        let mp = Multipart::from_request(req, &())
            .await
            .map_err(|_| AppError::UnsupportedType(Msg::new("err.body_type")))?;
        let (fields, photos) = read_multipart(mp).await?;
        (super::pages::input_from(&fields)?, photos)
    };
    Ok(Json(Created { id: placements::create(&app, &actor, id, input, photos).await? }))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/placements/totals", tag = "publicity", params(("id" = i64, Path)),
    responses((status = 200, body = placements::Totals)))]
async fn placement_totals(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<placements::Totals>> {
    Ok(Json(placements::totals(&app, &actor, id).await?))
}

/// Multipart with one spreadsheet file; nothing is written if any row is wrong.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/placements/import", tag = "publicity", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", content = SpreadsheetUpload),
    responses((status = 200, body = placements::ImportReport), (status = 415, body = ErrorBody)))]
async fn import_placements(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    mp: Multipart,
) -> AppResult<Json<placements::ImportReport>> {
    let (_, mut files) = read_multipart(mp).await?;
    let file = files.pop().ok_or_else(|| AppError::invalid("file", Msg::new("err.file_required")))?;
    Ok(Json(placements::import(&app, &actor, id, &file.bytes, i18n::current()).await?))
}

/// Corrects a placement of the caller's units while its campaign is open; its photos stay.
#[utoipa::path(put, path = "/api/v1/placements/{id}", tag = "publicity", params(("id" = i64, Path)), request_body = placements::PlacementInput,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_placement(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<placements::PlacementInput>,
) -> AppResult<axum::http::StatusCode> {
    placements::update(&app, &actor, id, req).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Deletes a placement recorded by mistake while its campaign is open.
#[utoipa::path(delete, path = "/api/v1/placements/{id}", tag = "publicity", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_placement(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<axum::http::StatusCode> {
    placements::delete(&app, &actor, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
