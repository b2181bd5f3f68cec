//! `/api/v1` routes of the knowledge tests: the question bank, tests, taking one (start, save
//! answers, hand in) and the results.

use axum::extract::{Multipart, Path, Query, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use crate::error::{AppError, AppResult};
use crate::http::common::{read_multipart, ApiActor, Caller, Created, ErrorBody, SpreadsheetUpload};
use crate::i18n::Msg;
use crate::services::quiz::{self, bank, results};
use crate::services::App;

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/campaigns/{id}/questions", get(list_questions).post(add_question))
        .route("/campaigns/{id}/questions/import", post(import_questions))
        .route("/questions/{id}", put(revise_question))
        .route("/questions/{id}/retire", post(retire_question))
        .route("/activities/{id}/quizzes", post(create_quiz))
        .route("/quizzes/{id}", get(get_quiz))
        .route("/quizzes/{id}/start", post(start_quiz))
        .route("/quizzes/{id}/results", get(quiz_results))
        .route("/quizzes/{id}/ledger", post(quiz_ledger))
        .route("/quiz-papers/{secret}", get(get_paper))
        .route("/quiz-papers/{secret}/answers", put(save_answer))
        .route("/quiz-papers/{secret}/submit", post(submit_paper))
        .route("/me/quizzes", get(my_quizzes))
}

#[derive(OpenApi)]
#[openapi(paths(
    list_questions,
    add_question,
    import_questions,
    revise_question,
    retire_question,
    create_quiz,
    get_quiz,
    start_quiz,
    quiz_results,
    quiz_ledger,
    get_paper,
    save_answer,
    submit_paper,
    my_quizzes
))]
pub(super) struct Doc;

#[derive(Deserialize, utoipa::IntoParams)]
struct CategoryQuery {
    /// Only this category.
    category: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/questions", tag = "quizzes", params(("id" = i64, Path), CategoryQuery),
    responses((status = 200, body = [bank::Question]), (status = 403, body = ErrorBody)))]
async fn list_questions(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Query(q): Query<CategoryQuery>,
) -> AppResult<Json<Vec<bank::Question>>> {
    Ok(Json(bank::list(&app, &actor, id, q.category.as_deref()).await?))
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/questions", tag = "quizzes", params(("id" = i64, Path)),
    request_body = bank::QuestionInput, responses((status = 200, body = Created), (status = 422, body = ErrorBody)))]
async fn add_question(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<bank::QuestionInput>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: bank::add(&app, &actor, id, &req).await? }))
}

#[derive(Deserialize, utoipa::IntoParams)]
struct ImportQuery {
    /// The category of rows that name none (default 综合).
    category: Option<String>,
}

/// Multipart with one file field (XLSX, XLS or CSV): every row is imported, or none.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/questions/import", tag = "quizzes", params(("id" = i64, Path), ImportQuery),
    request_body(content_type = "multipart/form-data", content = SpreadsheetUpload),
    responses((status = 200, body = bank::BankImport), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import_questions(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Query(q): Query<ImportQuery>,
    mp: Multipart,
) -> AppResult<Json<bank::BankImport>> {
    let (_, mut files) = read_multipart(mp).await?;
    let file = files.pop().ok_or_else(|| AppError::invalid("file", Msg::new("err.file_required")))?;
    let category = q.category.unwrap_or_default();
    Ok(Json(bank::import(&app, &actor, id, (&file.file_name, &file.bytes), &category).await?))
}

#[utoipa::path(put, path = "/api/v1/questions/{id}", tag = "quizzes", params(("id" = i64, Path)),
    request_body = bank::QuestionInput, responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn revise_question(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<bank::QuestionInput>,
) -> AppResult<axum::http::StatusCode> {
    bank::revise(&app, &actor, id, &req).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
struct Retire {
    /// true: out of the draw; false: back in it.
    retired: bool,
}

#[utoipa::path(post, path = "/api/v1/questions/{id}/retire", tag = "quizzes", params(("id" = i64, Path)),
    request_body = Retire, responses((status = 204), (status = 404, body = ErrorBody)))]
async fn retire_question(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<Retire>,
) -> AppResult<axum::http::StatusCode> {
    bank::retire(&app, &actor, id, req.retired).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/activities/{id}/quizzes", tag = "quizzes", params(("id" = i64, Path)),
    request_body = quiz::QuizInput, responses((status = 200, body = Created), (status = 422, body = ErrorBody)))]
async fn create_quiz(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<quiz::QuizInput>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: quiz::create(&app, &actor, id, req).await? }))
}

/// A test, for its audience (a public test: anyone) and those who run it.
#[utoipa::path(get, path = "/api/v1/quizzes/{id}", tag = "quizzes", params(("id" = i64, Path)), security(()),
    responses((status = 200, body = quiz::Quiz), (status = 404, body = ErrorBody)))]
async fn get_quiz(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
) -> AppResult<Json<quiz::Quiz>> {
    Ok(Json(quiz::for_taker(&app, caller.actor.as_ref(), id).await?.0))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Started {
    /// The paper's secret: `/api/v1/quiz-papers/{secret}`. Starting again while the paper is
    /// open gives it a new secret (and the old one stops working).
    pub secret: String,
}

/// Starts an attempt: a member of the audience as his roster entry; the public of a public
/// test by name, phone and consent.
#[utoipa::path(post, path = "/api/v1/quizzes/{id}/start", tag = "quizzes", params(("id" = i64, Path)), security(()),
    request_body = quiz::PublicTaker,
    responses((status = 200, body = Started), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn start_quiz(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<quiz::PublicTaker>,
) -> AppResult<Json<Started>> {
    Ok(Json(Started { secret: quiz::start(&app, caller.actor.as_ref(), id, &req, &caller.ip).await? }))
}

#[utoipa::path(get, path = "/api/v1/quiz-papers/{secret}", tag = "quizzes", params(("secret" = String, Path)), security(()),
    responses((status = 200, body = quiz::Paper), (status = 404, body = ErrorBody)))]
async fn get_paper(State(app): State<App>, Path(secret): Path<String>) -> AppResult<Json<quiz::Paper>> {
    Ok(Json(quiz::paper(&app, &secret).await?))
}

/// Saves one answer as it is given.
#[utoipa::path(put, path = "/api/v1/quiz-papers/{secret}/answers", tag = "quizzes", params(("secret" = String, Path)), security(()),
    request_body = quiz::Answer, responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn save_answer(
    State(app): State<App>,
    Path(secret): Path<String>,
    Json(req): Json<quiz::Answer>,
) -> AppResult<axum::http::StatusCode> {
    quiz::save(&app, &secret, &req).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct Submission {
    /// Answers not saved yet; those saved stand.
    #[serde(default)]
    pub answers: Vec<quiz::Answer>,
}

/// Hands the paper in and scores it; the paper comes back with its result and explanations.
#[utoipa::path(post, path = "/api/v1/quiz-papers/{secret}/submit", tag = "quizzes", params(("secret" = String, Path)), security(()),
    request_body = Submission, responses((status = 200, body = quiz::Paper), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn submit_paper(
    State(app): State<App>,
    caller: Caller,
    Path(secret): Path<String>,
    Json(req): Json<Submission>,
) -> AppResult<Json<quiz::Paper>> {
    Ok(Json(quiz::submit(&app, &secret, &req.answers, &caller.ip).await?))
}

#[utoipa::path(get, path = "/api/v1/quizzes/{id}/results", tag = "quizzes", params(("id" = i64, Path)),
    responses((status = 200, body = results::Results), (status = 404, body = ErrorBody)))]
async fn quiz_results(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<results::Results>> {
    let (_, r) = results::results(&app, &actor, id).await?;
    crate::services::audit::bulk_read(&app.db, &actor, "quiz_results", ("quiz", id), r.people.len() as u32)
        .await?;
    Ok(Json(r))
}

/// Files the host unit's ledger entry for the activity from the results, once.
#[utoipa::path(post, path = "/api/v1/quizzes/{id}/ledger", tag = "quizzes", params(("id" = i64, Path)),
    responses((status = 200, body = Created), (status = 409, body = ErrorBody)))]
async fn quiz_ledger(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: results::file_ledger(&app, &actor, id).await? }))
}

#[utoipa::path(get, path = "/api/v1/me/quizzes", tag = "quizzes", responses((status = 200, body = [quiz::MyQuiz])))]
async fn my_quizzes(State(app): State<App>, ApiActor(actor): ApiActor) -> AppResult<Json<Vec<quiz::MyQuiz>>> {
    Ok(Json(quiz::mine(&app, &actor).await?))
}
