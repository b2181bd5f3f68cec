//! `/api/v1` routes of calls for works, the jury, the column, news and the public portal with its
//! search. Submitting, checking a receipt, the portal and search need no account.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use crate::error::AppResult;
use crate::http::common::{ApiActor, Caller, Created, ErrorBody};
use crate::services::{jury, portal, search, works, App};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/calls", post(create_call))
        .route("/calls/{id}", get(get_call))
        .route("/calls/{id}/works", get(list_works).post(submit_work))
        .route("/calls/{id}/jury", get(jury_works))
        .route("/calls/{id}/standings", get(standings))
        .route("/calls/{id}/publish", post(publish))
        .route("/calls/{id}/closing", post(set_closing))
        .route("/receipts", get(check_receipt).post(edit_by_receipt))
        .route("/works/{id}/moderation", post(moderate))
        .route("/works/{id}/conflict", post(conflict))
        .route("/works/{id}/scores", post(score))
        .route("/works/{id}/prize", post(prize))
        .route("/banned-words", get(get_banned_words).post(set_banned_words))
        .route("/campaigns/{id}/news", post(add_news))
        .route("/campaigns/{id}/column", get(column))
        .route("/campaigns/{id}/column/invitations", post(invite))
        .route("/campaigns/{id}/column/reminders", post(remind))
        .route("/column/{id}", post(save_piece))
        .route("/column/{id}/schedule", post(schedule))
        .route("/portal", get(portal_home))
        .route("/search", get(search_portal))
}

#[derive(OpenApi)]
#[openapi(paths(
    create_call,
    get_call,
    list_works,
    submit_work,
    jury_works,
    standings,
    publish,
    set_closing,
    check_receipt,
    edit_by_receipt,
    moderate,
    conflict,
    score,
    prize,
    get_banned_words,
    set_banned_words,
    add_news,
    column,
    invite,
    remind,
    save_piece,
    schedule,
    portal_home,
    search_portal
))]
pub(super) struct Doc;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Done {
    pub count: i64,
}

#[utoipa::path(post, path = "/api/v1/calls", tag = "works", request_body = works::CallInput,
    responses((status = 200, body = Created), (status = 422, body = ErrorBody)))]
async fn create_call(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Json(input): Json<works::CallInput>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: works::create_call(&app, &actor, input).await? }))
}

#[utoipa::path(get, path = "/api/v1/calls/{id}", tag = "works", security(()), params(("id" = i64, Path)), responses((status = 200, body = works::Call)))]
async fn get_call(State(app): State<App>, Path(id): Path<i64>) -> AppResult<Json<works::Call>> {
    Ok(Json(works::call(&app, id).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct StatusQuery {
    /// submitted, held or rejected; all when absent.
    pub status: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/calls/{id}/works", tag = "works", params(("id" = i64, Path), StatusQuery),
    responses((status = 200, body = Vec<works::WorkRow>)))]
async fn list_works(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Query(q): Query<StatusQuery>,
) -> AppResult<Json<Vec<works::WorkRow>>> {
    Ok(Json(works::works(&app, &actor, id, q.status.as_deref()).await?))
}

#[utoipa::path(post, path = "/api/v1/calls/{id}/works", tag = "works", security(()), params(("id" = i64, Path)), request_body = works::SubmissionInput,
    responses((status = 200, body = works::Receipt), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn submit_work(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(input): Json<works::SubmissionInput>,
) -> AppResult<Json<works::Receipt>> {
    Ok(Json(works::submit(&app, id, input, &caller.ip).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ReceiptQuery {
    pub code: String,
}

#[utoipa::path(get, path = "/api/v1/receipts", tag = "works", security(()), params(ReceiptQuery),
    responses((status = 200, body = works::ReceiptStatus), (status = 404, body = ErrorBody)))]
async fn check_receipt(
    State(app): State<App>,
    Query(q): Query<ReceiptQuery>,
) -> AppResult<Json<works::ReceiptStatus>> {
    Ok(Json(works::check(&app, &q.code).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReceiptEdit {
    pub code: String,
    #[serde(flatten)]
    pub work: works::SubmissionInput,
}

#[utoipa::path(post, path = "/api/v1/receipts", tag = "works", security(()), request_body = ReceiptEdit,
    responses((status = 200, body = works::ReceiptStatus), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn edit_by_receipt(
    State(app): State<App>,
    caller: Caller,
    Json(e): Json<ReceiptEdit>,
) -> AppResult<Json<works::ReceiptStatus>> {
    Ok(Json(works::edit(&app, &e.code, e.work, &caller.ip).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Moderation {
    /// true: on to the jury; false: rejected.
    pub release: bool,
}

#[utoipa::path(post, path = "/api/v1/works/{id}/moderation", tag = "works", params(("id" = i64, Path)), request_body = Moderation,
    responses((status = 204), (status = 409, body = ErrorBody)))]
async fn moderate(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(m): Json<Moderation>,
) -> AppResult<axum::http::StatusCode> {
    works::moderate(&app, &actor, id, m.release).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Words {
    /// One word a line.
    pub words: String,
}

#[utoipa::path(get, path = "/api/v1/banned-words", tag = "works", responses((status = 200, body = Vec<String>)))]
async fn get_banned_words(State(app): State<App>, ApiActor(actor): ApiActor) -> AppResult<Json<Vec<String>>> {
    actor.require_organiser()?;
    Ok(Json(works::banned_words(&app).await?))
}

#[utoipa::path(post, path = "/api/v1/banned-words", tag = "works", request_body = Words, responses((status = 200, body = Done)))]
async fn set_banned_words(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Json(w): Json<Words>,
) -> AppResult<Json<Done>> {
    Ok(Json(Done { count: works::set_banned_words(&app, &actor, &w.words).await? as i64 }))
}

#[utoipa::path(get, path = "/api/v1/calls/{id}/jury", tag = "jury", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<jury::BlindWork>), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn jury_works(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<jury::BlindWork>>> {
    Ok(Json(jury::my_works(&app, &actor, id).await?.1))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ConflictInput {
    #[serde(default)]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/works/{id}/conflict", tag = "jury", params(("id" = i64, Path)), request_body = ConflictInput,
    responses((status = 204), (status = 409, body = ErrorBody)))]
async fn conflict(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(c): Json<ConflictInput>,
) -> AppResult<axum::http::StatusCode> {
    jury::declare_conflict(&app, &actor, id, &c.reason).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/works/{id}/scores", tag = "jury", params(("id" = i64, Path)), request_body = jury::ScoreInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn score(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(s): Json<jury::ScoreInput>,
) -> AppResult<axum::http::StatusCode> {
    jury::score(&app, &actor, id, s).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/calls/{id}/standings", tag = "jury", params(("id" = i64, Path)), responses((status = 200, body = jury::Standings)))]
async fn standings(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<jury::Standings>> {
    Ok(Json(jury::standings(&app, &actor, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PrizeInput {
    /// 一等奖, 二等奖, 三等奖, 优秀奖, or "" for none.
    #[schema(pattern = "^(|一等奖|二等奖|三等奖|优秀奖)$")]
    pub prize: String,
}

#[utoipa::path(post, path = "/api/v1/works/{id}/prize", tag = "jury", params(("id" = i64, Path)), request_body = PrizeInput,
    responses((status = 204), (status = 422, body = ErrorBody)))]
async fn prize(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(p): Json<PrizeInput>,
) -> AppResult<axum::http::StatusCode> {
    jury::decide(&app, &actor, id, &p.prize).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Closing {
    /// "2022-06-30 18:00", China time, later than now: extends the call or reopens it. Absent or
    /// null closes it now.
    pub closes_at: Option<String>,
}

/// Extends, reopens or closes a call early; refused once published or once judging has begun.
#[utoipa::path(post, path = "/api/v1/calls/{id}/closing", tag = "works", params(("id" = i64, Path)), request_body = Closing,
    responses((status = 200, body = works::Call), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_closing(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<Closing>,
) -> AppResult<Json<works::Call>> {
    Ok(Json(works::set_closing(&app, &actor, id, req.closes_at.as_deref()).await?))
}

#[utoipa::path(post, path = "/api/v1/calls/{id}/publish", tag = "jury", params(("id" = i64, Path)),
    responses((status = 200, body = Done), (status = 409, body = ErrorBody)))]
async fn publish(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Done>> {
    Ok(Json(Done { count: jury::publish(&app, &actor, id).await? }))
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/news", tag = "portal", params(("id" = i64, Path)), request_body = portal::NewsInput,
    responses((status = 200, body = Created)))]
async fn add_news(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(n): Json<portal::NewsInput>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: portal::add_news(&app, &actor, id, n).await? }))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/column", tag = "portal", params(("id" = i64, Path)), responses((status = 200, body = Vec<portal::Piece>)))]
async fn column(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<portal::Piece>>> {
    Ok(Json(portal::pieces(&app, &actor, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Invitation {
    pub unit_ids: Vec<i64>,
    pub due_date: String,
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/column/invitations", tag = "portal", params(("id" = i64, Path)), request_body = Invitation,
    responses((status = 200, body = Done)))]
async fn invite(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(i): Json<Invitation>,
) -> AppResult<Json<Done>> {
    Ok(Json(Done { count: portal::invite(&app, &actor, id, &i.unit_ids, &i.due_date).await? as i64 }))
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/column/reminders", tag = "portal", params(("id" = i64, Path)), responses((status = 200, body = Done)))]
async fn remind(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Done>> {
    Ok(Json(Done { count: portal::remind_overdue(&app, &actor, id).await? }))
}

#[utoipa::path(post, path = "/api/v1/column/{id}", tag = "portal", params(("id" = i64, Path)), request_body = portal::PieceInput,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn save_piece(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(p): Json<portal::PieceInput>,
) -> AppResult<axum::http::StatusCode> {
    portal::save_piece(&app, &actor, id, p).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ScheduleInput {
    /// The first day it may appear (default today); the first free day from it is taken.
    pub from: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Scheduled {
    pub publish_on: String,
}

#[utoipa::path(post, path = "/api/v1/column/{id}/schedule", tag = "portal", params(("id" = i64, Path)), request_body = ScheduleInput,
    responses((status = 200, body = Scheduled), (status = 409, body = ErrorBody)))]
async fn schedule(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(s): Json<ScheduleInput>,
) -> AppResult<Json<Scheduled>> {
    Ok(Json(Scheduled { publish_on: portal::schedule(&app, &actor, id, s.from.as_deref()).await? }))
}

#[utoipa::path(get, path = "/api/v1/portal", tag = "portal", security(()), responses((status = 200, body = portal::Home)))]
async fn portal_home(State(app): State<App>) -> AppResult<Json<portal::Home>> {
    Ok(Json(portal::home(&app).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct SearchQuery {
    pub q: String,
}

#[utoipa::path(get, path = "/api/v1/search", tag = "portal", security(()), params(SearchQuery), responses((status = 200, body = Vec<search::Hit>)))]
async fn search_portal(
    State(app): State<App>,
    Query(q): Query<SearchQuery>,
) -> AppResult<Json<Vec<search::Hit>>> {
    let q: String = q.q.chars().take(50).collect();
    Ok(Json(search::search(&app, &q, 30).await?))
}
