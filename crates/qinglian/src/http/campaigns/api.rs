//! `/api/v1` routes of campaigns and their ledger: campaigns, activities, the board, tasks,
//! entries with evidence (JSON or multipart), review, resubmission and evidence files.

use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::OpenApi;

use crate::error::{AppError, AppResult};
use crate::http::common::{read_multipart, ApiActor, Caller, Created, ErrorBody};
use crate::i18n::Msg;
use crate::services::{board, campaigns, ledger, App, Page, Paging};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/campaigns", get(list_campaigns).post(create_campaign))
        .route("/campaigns/{id}", get(get_campaign).put(update_campaign))
        .route("/campaigns/{id}/status", post(set_campaign_status))
        .route("/campaigns/{id}/activities", post(add_activity))
        .route("/campaigns/{id}/board", get(get_board))
        .route("/activities/{id}", get(get_activity).put(update_activity).delete(delete_activity))
        .route("/activities/{id}/assignments", get(list_assignments).post(assign))
        .route("/assignments/{id}", axum::routing::put(update_assignment))
        .route("/activities/{id}/entries", get(activity_entries).post(file_activity_entry))
        .route("/tasks", get(list_tasks))
        .route("/tasks/{id}", get(get_task))
        .route("/tasks/{id}/withdraw", post(withdraw_task))
        .route("/tasks/{id}/entries", get(task_entries).post(file_entry))
        .route("/entries/{id}", get(get_entry))
        .route("/entries/{id}/review", post(review_entry))
        .route("/entries/{id}/resubmit", post(resubmit_entry))
        .route("/files/{id}", get(file))
}

#[derive(OpenApi)]
#[openapi(paths(
    list_campaigns,
    create_campaign,
    get_campaign,
    update_campaign,
    set_campaign_status,
    add_activity,
    get_board,
    get_activity,
    update_activity,
    delete_activity,
    assign,
    list_assignments,
    update_assignment,
    withdraw_task,
    activity_entries,
    file_activity_entry,
    list_tasks,
    get_task,
    task_entries,
    file_entry,
    get_entry,
    review_entry,
    resubmit_entry,
    file
))]
pub(super) struct Doc;

#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", responses((status = 200, body = Vec<campaigns::CampaignSummary>)))]
async fn list_campaigns(
    State(app): State<App>,
    _actor: ApiActor,
) -> AppResult<Json<Vec<campaigns::CampaignSummary>>> {
    Ok(Json(campaigns::list(&app).await?))
}

#[utoipa::path(post, path = "/api/v1/campaigns", tag = "campaigns", request_body = campaigns::CampaignInput,
    responses((status = 200, body = Created), (status = 422, body = ErrorBody)))]
async fn create_campaign(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Json(req): Json<campaigns::CampaignInput>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: campaigns::create(&app, &actor, req).await? }))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = campaigns::Campaign), (status = 404, body = ErrorBody)))]
async fn get_campaign(
    State(app): State<App>,
    _actor: ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<campaigns::Campaign>> {
    Ok(Json(campaigns::get(&app, id).await?))
}

/// Replaces the campaign's fields; `themes`, when given, become exactly its theme tags.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}", tag = "campaigns", params(("id" = i64, Path)), request_body = campaigns::CampaignInput,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_campaign(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<campaigns::CampaignInput>,
) -> AppResult<Response> {
    campaigns::update(&app, &actor, id, req).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct StatusChange {
    /// published or closed.
    pub status: String,
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/status", tag = "campaigns", params(("id" = i64, Path)), request_body = StatusChange,
    responses((status = 204), (status = 409, body = ErrorBody)))]
async fn set_campaign_status(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<StatusChange>,
) -> AppResult<Response> {
    campaigns::set_status(&app, &actor, id, &req.status).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/activities", tag = "campaigns", params(("id" = i64, Path)), request_body = campaigns::ActivityInput,
    responses((status = 200, body = Created), (status = 422, body = ErrorBody)))]
async fn add_activity(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<campaigns::ActivityInput>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: campaigns::add_activity(&app, &actor, id, req).await? }))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/board", tag = "progress", params(("id" = i64, Path), board::BoardFilter, Paging),
    responses((status = 200, body = board::Board)))]
async fn get_board(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Query(f): Query<board::BoardFilter>,
    Query(p): Query<Paging>,
) -> AppResult<Json<board::Board>> {
    Ok(Json(board::board(&app, &actor, id, &f, p).await?))
}

#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = campaigns::Activity), (status = 404, body = ErrorBody)))]
async fn get_activity(
    State(app): State<App>,
    _actor: ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<campaigns::Activity>> {
    Ok(Json(campaigns::activity(&app, id).await?))
}

/// Corrects an activity; `co_unit_ids` and `theme_ids` become exactly its units and themes.
#[utoipa::path(put, path = "/api/v1/activities/{id}", tag = "campaigns", params(("id" = i64, Path)), request_body = campaigns::ActivityInput,
    responses((status = 200, body = campaigns::Activity), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_activity(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<campaigns::ActivityInput>,
) -> AppResult<Json<campaigns::Activity>> {
    Ok(Json(campaigns::update_activity(&app, &actor, id, req).await?))
}

/// Deletes an activity while nothing (tasks, entries, sittings, materials, pledges, calls) hangs on it.
#[utoipa::path(delete, path = "/api/v1/activities/{id}", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_activity(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    campaigns::delete_activity(&app, &actor, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(post, path = "/api/v1/activities/{id}/assignments", tag = "progress", params(("id" = i64, Path)), request_body = campaigns::AssignmentInput,
    responses((status = 200, body = campaigns::AssignmentCreated), (status = 422, body = ErrorBody)))]
async fn assign(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<campaigns::AssignmentInput>,
) -> AppResult<Json<campaigns::AssignmentCreated>> {
    Ok(Json(campaigns::assign(&app, &actor, id, req).await?))
}

#[utoipa::path(get, path = "/api/v1/activities/{id}/assignments", tag = "progress", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<campaigns::AssignmentRow>)))]
async fn list_assignments(
    State(app): State<App>,
    _actor: ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<campaigns::AssignmentRow>>> {
    campaigns::activity(&app, id).await?;
    Ok(Json(campaigns::assignments(&app, id).await?))
}

/// Corrects an assignment's title and text, or moves its deadline for every unit.
#[utoipa::path(put, path = "/api/v1/assignments/{id}", tag = "progress", params(("id" = i64, Path)), request_body = campaigns::AssignmentChange,
    responses((status = 200, body = campaigns::AssignmentRow), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_assignment(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<campaigns::AssignmentChange>,
) -> AppResult<Json<campaigns::AssignmentRow>> {
    Ok(Json(campaigns::update_assignment(&app, &actor, id, req).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TaskWithdrawal {
    /// Kept in the audit log.
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
}

/// Withdraws a task from its unit while the unit has filed nothing and held no sitting for it.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/withdraw", tag = "progress", params(("id" = i64, Path)), request_body = TaskWithdrawal,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn withdraw_task(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<TaskWithdrawal>,
) -> AppResult<Response> {
    campaigns::withdraw_task(&app, &actor, id, &req.reason).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/api/v1/activities/{id}/entries", tag = "ledger", params(("id" = i64, Path), Paging),
    responses((status = 200, body = Page<ledger::EntrySummary>)))]
async fn activity_entries(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Query(p): Query<Paging>,
) -> AppResult<Json<Page<ledger::EntrySummary>>> {
    Ok(Json(ledger::entries_of_activity(&app, &actor, id, p).await?))
}

/// An entry for the activity itself (not for a task), on behalf of a unit the caller administers.
#[utoipa::path(post, path = "/api/v1/activities/{id}/entries", tag = "ledger", params(("id" = i64, Path)),
    request_body(content = ActivityEntryInput, description = "JSON, or multipart/form-data with the same fields plus `files`"),
    responses((status = 200, body = Created), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn file_activity_entry(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    body: EntryBody,
) -> AppResult<Json<Created>> {
    let unit_id = body.unit_id.ok_or_else(|| AppError::invalid("unit_id", Msg::new("err.required")))?;
    Ok(Json(Created {
        id: ledger::file_for_activity(&app, &actor, id, unit_id, body.input, body.files).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/tasks", tag = "progress", params(ledger::TaskFilter, Paging), responses((status = 200, body = Page<ledger::Task>)))]
async fn list_tasks(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Query(f): Query<ledger::TaskFilter>,
    Query(p): Query<Paging>,
) -> AppResult<Json<Page<ledger::Task>>> {
    Ok(Json(ledger::tasks(&app, &actor, &f, p).await?))
}

#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "progress", params(("id" = i64, Path)),
    responses((status = 200, body = ledger::Task), (status = 404, body = ErrorBody)))]
async fn get_task(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<ledger::Task>> {
    Ok(Json(ledger::task(&app, &actor, id).await?))
}

#[utoipa::path(get, path = "/api/v1/tasks/{id}/entries", tag = "ledger", params(("id" = i64, Path)), responses((status = 200, body = Vec<ledger::Entry>)))]
async fn task_entries(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<ledger::Entry>>> {
    Ok(Json(ledger::entries_of_task(&app, &actor, id).await?))
}

/// A ledger entry from either a JSON body (no files) or a multipart form (fields and `files`);
/// `unit_id` says for which unit when the entry is for an activity rather than a task.
struct EntryBody {
    unit_id: Option<i64>,
    input: ledger::EntryInput,
    files: Vec<ledger::Upload>,
}

// The documented shape of an activity entry's JSON body; `EntryJson` is what reads it.
#[derive(Deserialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ActivityEntryInput {
    pub unit_id: i64,
    #[serde(flatten)]
    pub entry: ledger::EntryInput,
}

#[derive(Deserialize)]
struct EntryJson {
    unit_id: Option<i64>,
    #[serde(flatten)]
    entry: ledger::EntryInput,
}

impl<S: Send + Sync> FromRequest<S> for EntryBody {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if is_json {
            let Json(body) = Json::<EntryJson>::from_request(req, state).await.map_err(|e| {
                AppError::invalid("body", Msg::new("err.bad_json").arg("detail", e.body_text()))
            })?;
            Ok(EntryBody { unit_id: body.unit_id, input: body.entry, files: Vec::new() })
        } else {
            let mp = Multipart::from_request(req, state)
                .await
                .map_err(|_| AppError::UnsupportedType(Msg::new("err.body_type")))?;
            let (fields, files) = read_multipart(mp).await?;
            let unit_id = Some(fields.get("unit_id"))
                .filter(|s| !s.is_empty())
                .map(|_| fields.int("unit_id", "err.unit_unknown"))
                .transpose()?;
            Ok(EntryBody { unit_id, input: fields.entry()?, files })
        }
    }
}

#[utoipa::path(post, path = "/api/v1/tasks/{id}/entries", tag = "ledger", params(("id" = i64, Path)),
    request_body(content = ledger::EntryInput, description = "JSON, or multipart/form-data with the same fields plus `files`"),
    responses((status = 200, body = Created), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn file_entry(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    EntryBody { input, files, .. }: EntryBody,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: ledger::file_for_task(&app, &actor, id, input, files).await? }))
}

#[utoipa::path(get, path = "/api/v1/entries/{id}", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 200, body = ledger::Entry), (status = 404, body = ErrorBody)))]
async fn get_entry(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<ledger::Entry>> {
    Ok(Json(ledger::get(&app, &actor, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReviewRequest {
    pub decision: ledger::Decision,
    /// Required when returning.
    #[serde(default)]
    pub comment: String,
}

#[utoipa::path(post, path = "/api/v1/entries/{id}/review", tag = "ledger", params(("id" = i64, Path)), request_body = ReviewRequest,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn review_entry(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<ReviewRequest>,
) -> AppResult<Response> {
    ledger::review(&app, &actor, id, req.decision, &req.comment).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(post, path = "/api/v1/entries/{id}/resubmit", tag = "ledger", params(("id" = i64, Path)), request_body = ledger::EntryInput,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn resubmit_entry(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    EntryBody { input, files, .. }: EntryBody,
) -> AppResult<Response> {
    ledger::resubmit(&app, &actor, id, input, files).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// An uploaded file (ledger evidence, a placement's photo, an integrity unit's evidence) for
/// those who may read its record. Pictures come inline; PDFs and other files as attachments.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 200, description = "the file", content_type = "application/octet-stream"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn file(state: State<App>, caller: Caller, id: Path<i64>) -> Result<Response, AppError> {
    super::pages::file(state, caller, id).await
}
