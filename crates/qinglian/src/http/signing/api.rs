//! `/api/v1` routes of study materials and pledges: publishing, reading, signing, progress,
//! reminders, paper delivery, ledgers, the wall, signature checks, withdrawal and the chain.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use utoipa::OpenApi;

use crate::error::{AppError, AppResult};
use crate::http::common::{ApiActor, Caller, ClerkCheckin, Created, ErrorBody, Reason};
use crate::i18n::Msg;
use crate::services::{materials, pledges, reach, revisions, signatures, App};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/activities/{id}/materials", post(create_material))
        .route("/materials/{id}", get(get_material).put(revise_material))
        .route("/materials/{id}/versions", get(material_versions))
        .route("/materials/{id}/open", post(open_material))
        .route("/materials/{id}/sign", post(sign_material))
        .route("/materials/{id}/progress", get(material_progress))
        .route("/materials/{id}/remind", post(remind_material))
        .route("/materials/{id}/paper", post(paper_material))
        .route("/me/materials", get(my_materials))
        .route("/pledges", get(list_pledges).post(create_pledge))
        .route("/pledges/{id}", get(get_pledge).put(revise_pledge))
        .route("/pledges/{id}/versions", get(pledge_versions))
        .route("/pledges/{id}/sign", post(sign_pledge))
        .route("/pledges/{id}/wall", get(pledge_wall))
        .route("/signatures/{code}", get(check_signature))
        .route("/signatures/{code}/withdraw", post(withdraw_signature))
        .route("/chain", get(verify_chain))
        .route("/materials/{id}/ledger", post(material_ledger))
        .route("/pledges/{id}/progress", get(pledge_progress))
        .route("/pledges/{id}/ledger", post(pledge_ledger))
}

#[derive(OpenApi)]
#[openapi(paths(
    create_material,
    get_material,
    revise_material,
    material_versions,
    open_material,
    sign_material,
    material_progress,
    remind_material,
    paper_material,
    my_materials,
    list_pledges,
    create_pledge,
    get_pledge,
    revise_pledge,
    pledge_versions,
    sign_pledge,
    pledge_wall,
    check_signature,
    withdraw_signature,
    verify_chain,
    material_ledger,
    pledge_progress,
    pledge_ledger
))]
pub(super) struct Doc;

#[utoipa::path(post, path = "/api/v1/activities/{id}/materials", tag = "materials", params(("id" = i64, Path)),
    request_body = materials::MaterialInput, responses((status = 200, body = Created), (status = 422, body = ErrorBody)))]
async fn create_material(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<materials::MaterialInput>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: materials::create(&app, &actor, id, req, None).await? }))
}

#[utoipa::path(get, path = "/api/v1/materials/{id}", tag = "materials", params(("id" = i64, Path)),
    responses((status = 200, body = materials::Material), (status = 404, body = ErrorBody)))]
async fn get_material(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<materials::Material>> {
    Ok(Json(materials::for_reader(&app, &actor, id).await?.0))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Opened {
    pub opened_at: i64,
}

/// The reader opens the material (the first opening counts for the reading time).
#[utoipa::path(post, path = "/api/v1/materials/{id}/open", tag = "materials", params(("id" = i64, Path)),
    responses((status = 200, body = Opened), (status = 409, body = ErrorBody)))]
async fn open_material(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Opened>> {
    let (_, person) = materials::for_reader(&app, &actor, id).await?;
    let person = person.ok_or(AppError::Conflict(Msg::new("err.not_addressed")))?;
    Ok(Json(Opened { opened_at: materials::open(&app, id, person).await? }))
}

#[utoipa::path(post, path = "/api/v1/materials/{id}/sign", tag = "materials", params(("id" = i64, Path)),
    request_body = materials::ReaderSignature, responses((status = 200, body = signatures::Signed), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn sign_material(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<materials::ReaderSignature>,
) -> AppResult<Json<signatures::Signed>> {
    Ok(Json(materials::sign(&app, &actor, id, &req).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Revised {
    /// The version now current: raised when the wording changed.
    pub version: i64,
}

/// Corrects a material; a new wording is a new version, and signatures on the old one stand.
#[utoipa::path(put, path = "/api/v1/materials/{id}", tag = "materials", params(("id" = i64, Path)),
    request_body = materials::MaterialRevision,
    responses((status = 200, body = Revised), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn revise_material(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<materials::MaterialRevision>,
) -> AppResult<Json<Revised>> {
    Ok(Json(Revised { version: materials::revise(&app, &actor, id, req).await? }))
}

/// The material's wordings, with the standing signatures on each.
#[utoipa::path(get, path = "/api/v1/materials/{id}/versions", tag = "materials", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<revisions::Version>), (status = 404, body = ErrorBody)))]
async fn material_versions(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<revisions::Version>>> {
    Ok(Json(materials::with_versions(&app, &actor, id).await?.1))
}

#[utoipa::path(get, path = "/api/v1/materials/{id}/progress", tag = "materials", params(("id" = i64, Path)),
    responses((status = 200, body = reach::Progress)))]
async fn material_progress(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<reach::Progress>> {
    Ok(Json(materials::progress(&app, &actor, id).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Reminded {
    pub reminded: u64,
}

#[utoipa::path(post, path = "/api/v1/materials/{id}/remind", tag = "materials", params(("id" = i64, Path)),
    responses((status = 200, body = Reminded)))]
async fn remind_material(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Reminded>> {
    Ok(Json(Reminded { reminded: materials::remind(&app, &actor, id).await? }))
}

#[utoipa::path(post, path = "/api/v1/materials/{id}/paper", tag = "materials", params(("id" = i64, Path)),
    request_body = ClerkCheckin, responses((status = 204), (status = 422, body = ErrorBody)))]
async fn paper_material(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<ClerkCheckin>,
) -> AppResult<Response> {
    materials::deliver_paper(&app, &actor, id, req.person_id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/api/v1/me/materials", tag = "materials", responses((status = 200, body = Vec<materials::MyMaterial>)))]
async fn my_materials(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
) -> AppResult<Json<Vec<materials::MyMaterial>>> {
    Ok(Json(materials::mine(&app, &actor).await?))
}

#[utoipa::path(get, path = "/api/v1/pledges", tag = "pledges", responses((status = 200, body = Vec<pledges::PledgeRow>)))]
async fn list_pledges(State(app): State<App>, _actor: ApiActor) -> AppResult<Json<Vec<pledges::PledgeRow>>> {
    Ok(Json(pledges::list(&app).await?))
}

#[utoipa::path(post, path = "/api/v1/pledges", tag = "pledges", request_body = pledges::PledgeInput,
    responses((status = 200, body = Created), (status = 422, body = ErrorBody)))]
async fn create_pledge(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Json(req): Json<pledges::PledgeInput>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: pledges::create(&app, &actor, req).await? }))
}

/// Public: the pledge's text, for its signing page.
#[utoipa::path(get, path = "/api/v1/pledges/{id}", tag = "pledges", params(("id" = i64, Path)), security(()),
    responses((status = 200, body = pledges::Pledge), (status = 404, body = ErrorBody)))]
async fn get_pledge(State(app): State<App>, Path(id): Path<i64>) -> AppResult<Json<pledges::Pledge>> {
    Ok(Json(pledges::get(&app, id).await?))
}

/// Corrects a pledge's wording: a new version, and signatures on the old one stand.
#[utoipa::path(put, path = "/api/v1/pledges/{id}", tag = "pledges", params(("id" = i64, Path)),
    request_body = pledges::PledgeRevision,
    responses((status = 200, body = Revised), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn revise_pledge(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<pledges::PledgeRevision>,
) -> AppResult<Json<Revised>> {
    Ok(Json(Revised { version: pledges::revise(&app, &actor, id, req).await? }))
}

/// The pledge's wordings, with the standing signatures on each.
#[utoipa::path(get, path = "/api/v1/pledges/{id}/versions", tag = "pledges", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<revisions::Version>), (status = 404, body = ErrorBody)))]
async fn pledge_versions(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<revisions::Version>>> {
    Ok(Json(pledges::with_versions(&app, &actor, id).await?.1))
}

/// Public: signs a pledge. Rate-limited per address and per phone.
#[utoipa::path(post, path = "/api/v1/pledges/{id}/sign", tag = "pledges", params(("id" = i64, Path)), security(()),
    request_body = pledges::SignInput,
    responses((status = 200, body = signatures::Signed), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn sign_pledge(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<pledges::SignInput>,
) -> AppResult<Json<signatures::Signed>> {
    Ok(Json(pledges::sign(&app, id, req, caller.actor.as_ref(), &caller.ip).await?))
}

#[utoipa::path(get, path = "/api/v1/pledges/{id}/wall", tag = "pledges", params(("id" = i64, Path)), security(()),
    responses((status = 200, body = pledges::Wall)))]
async fn pledge_wall(State(app): State<App>, Path(id): Path<i64>) -> AppResult<Json<pledges::Wall>> {
    Ok(Json(pledges::wall(&app, id).await?))
}

/// Public: checks a signed copy's verification code (the signer's name comes masked).
#[utoipa::path(get, path = "/api/v1/signatures/{code}", tag = "pledges", params(("code" = String, Path)), security(()),
    responses((status = 200, body = signatures::SignatureView), (status = 404, body = ErrorBody)))]
async fn check_signature(
    State(app): State<App>,
    Path(code): Path<String>,
) -> AppResult<Json<signatures::SignatureView>> {
    Ok(Json(signatures::by_code(&app, &code).await?))
}

/// Administrators only; the signature stays in the chain, marked withdrawn, and the audit log says why.
#[utoipa::path(post, path = "/api/v1/signatures/{code}/withdraw", tag = "pledges", params(("code" = String, Path)),
    request_body = Reason, responses((status = 204), (status = 403, body = ErrorBody)))]
async fn withdraw_signature(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(code): Path<String>,
    Json(req): Json<Reason>,
) -> AppResult<Response> {
    pledges::withdraw(&app, &actor, &code, &req.reason).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// Walks the whole signature chain (administrators).
#[utoipa::path(get, path = "/api/v1/chain", tag = "pledges", responses((status = 200, body = signatures::ChainReport)))]
async fn verify_chain(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
) -> AppResult<Json<signatures::ChainReport>> {
    actor.require_admin()?;
    Ok(Json(signatures::verify_chain(&app).await?))
}

/// Files the host unit's ledger entry for the activity from the material's reach (once).
#[utoipa::path(post, path = "/api/v1/materials/{id}/ledger", tag = "materials", params(("id" = i64, Path)),
    responses((status = 200, body = Created), (status = 409, body = ErrorBody)))]
async fn material_ledger(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: materials::file_ledger(&app, &actor, id).await? }))
}

#[utoipa::path(get, path = "/api/v1/pledges/{id}/progress", tag = "pledges", params(("id" = i64, Path)),
    responses((status = 200, body = reach::Progress), (status = 409, body = ErrorBody)))]
async fn pledge_progress(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<reach::Progress>> {
    Ok(Json(pledges::progress(&app, &actor, id).await?))
}

#[utoipa::path(post, path = "/api/v1/pledges/{id}/ledger", tag = "pledges", params(("id" = i64, Path)),
    responses((status = 200, body = Created), (status = 409, body = ErrorBody)))]
async fn pledge_ledger(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: pledges::file_ledger(&app, &actor, id).await? }))
}
