//! `/api/v1` routes of the campaign's end: the summary report and its documents, the notice,
//! ledgers (direct and as background jobs), statistics, cloning and comparing years. Listed in
//! the OpenAPI document with the rest of the API.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use super::pages::official_file;
use crate::error::AppResult;
use crate::http::common::{base_url, xlsx_download, ApiActor, Caller, Created, ErrorBody};
use crate::services::report::{self, paperwork, Draft, RenderedBlock};
use crate::services::{jobs, ledgers, statistics, yearly, App};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/campaigns/{id}/report", get(get_report).post(save_report))
        .route("/campaigns/{id}/report/regenerate", post(regenerate_report))
        .route("/campaigns/{id}/report/overrides", post(override_figure))
        .route("/campaigns/{id}/documents/{file}", get(document))
        .route("/campaigns/{id}/paperwork", get(get_paperwork).put(put_paperwork))
        .route("/campaigns/{id}/ledger.xlsx", get(ledger_xlsx))
        .route("/campaigns/{id}/ledger-jobs", post(start_ledger_job))
        .route("/jobs/{id}", get(get_job))
        .route("/jobs/{id}/download", get(job_download))
        .route("/campaigns/{id}/statistics", get(get_statistics))
        .route("/campaigns/{id}/clone", post(clone_campaign))
        .route("/compare", get(compare))
}

#[derive(OpenApi)]
#[openapi(paths(
    get_report,
    save_report,
    regenerate_report,
    override_figure,
    document,
    get_paperwork,
    put_paperwork,
    ledger_xlsx,
    start_ledger_job,
    get_job,
    job_download,
    get_statistics,
    clone_campaign,
    compare
))]
pub(super) struct Doc;

/// The draft, its rendering (figures with their sources) and its plain text.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReportView {
    pub draft: Draft,
    pub rendered: Vec<RenderedBlock>,
    pub text: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Saved {
    pub version: i64,
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/report", tag = "report", params(("id" = i64, Path)),
    responses((status = 200, body = ReportView), (status = 403, body = ErrorBody)))]
async fn get_report(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<ReportView>> {
    let draft = report::draft(&app, &actor, id).await?;
    Ok(Json(ReportView { rendered: draft.render(), text: draft.text(), draft }))
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/report", tag = "report", params(("id" = i64, Path)),
    request_body = report::DraftEdit,
    responses((status = 200, body = Saved), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn save_report(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(edit): Json<report::DraftEdit>,
) -> AppResult<Json<Saved>> {
    Ok(Json(Saved { version: report::save(&app, &actor, id, edit).await? }))
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/report/regenerate", tag = "report", params(("id" = i64, Path)),
    responses((status = 200, body = Saved)))]
async fn regenerate_report(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Saved>> {
    Ok(Json(Saved { version: report::regenerate(&app, &actor, id).await? }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct OverrideInput {
    pub key: String,
    /// Absent or null removes the override.
    pub value: Option<i64>,
    #[serde(default)]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/report/overrides", tag = "report", params(("id" = i64, Path)),
    request_body = OverrideInput, responses((status = 200, body = Saved), (status = 422, body = ErrorBody)))]
async fn override_figure(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(o): Json<OverrideInput>,
) -> AppResult<Json<Saved>> {
    Ok(Json(Saved { version: report::override_figure(&app, &actor, id, &o.key, o.value, &o.reason).await? }))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/documents/{file}", tag = "report",
    params(("id" = i64, Path), ("file" = String, Path, description = "report.docx, report.pdf, notice.docx or notice.pdf")),
    responses((status = 200, description = "The summary report or the notice as DOCX (GB/T 9704-2012) or PDF"),
        (status = 404, body = ErrorBody), (status = 415, body = ErrorBody, description = "No Chinese font for a PDF")))]
async fn document(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path((id, file)): Path<(i64, String)>,
) -> AppResult<Response> {
    official_file(&app, &actor, id, &file).await
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/paperwork", tag = "report", params(("id" = i64, Path)),
    responses((status = 200, body = paperwork::Paperwork), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_paperwork(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<paperwork::Paperwork>> {
    actor.require_organiser()?;
    Ok(Json(paperwork::get(&app, id).await?))
}

/// Sets the furniture of the notice and the report (版头, 主送, 署名, 版记); returns it as stored.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}/paperwork", tag = "report", params(("id" = i64, Path)),
    request_body = paperwork::Paperwork,
    responses((status = 200, body = paperwork::Paperwork), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn put_paperwork(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(p): Json<paperwork::Paperwork>,
) -> AppResult<Json<paperwork::Paperwork>> {
    Ok(Json(paperwork::set(&app, &actor, id, p).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct LedgerQuery {
    /// One activity; or
    pub activity: Option<i64>,
    /// one unit and those below it; neither: the whole campaign.
    pub unit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/ledger.xlsx", tag = "report", params(("id" = i64, Path), LedgerQuery),
    responses((status = 200, description = "The ledger workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
async fn ledger_xlsx(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<LedgerQuery>,
) -> AppResult<Response> {
    let scope = ledgers::Scope::of(q.activity, q.unit);
    let base = base_url(&headers, &caller);
    let bytes = ledgers::workbook(&app, &actor, id, scope, &base, &ledgers::Silent).await?;
    Ok(xlsx_download(&format!("ledger-{id}"), bytes))
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/ledger-jobs", tag = "report", params(("id" = i64, Path)),
    responses((status = 200, body = Created)))]
async fn start_ledger_job(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: jobs::start_ledger(&app, &actor, id, base_url(&headers, &caller)).await? }))
}

#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "report", params(("id" = i64, Path)),
    responses((status = 200, body = jobs::Job), (status = 404, body = ErrorBody)))]
async fn get_job(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<jobs::Job>> {
    Ok(Json(jobs::get(&app, &actor, id).await?))
}

#[utoipa::path(get, path = "/api/v1/jobs/{id}/download", tag = "report", params(("id" = i64, Path)),
    responses((status = 200, description = "The finished file"), (status = 404, body = ErrorBody)))]
async fn job_download(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (name, bytes) = jobs::result(&app, &actor, id).await?;
    Ok(xlsx_download(name.trim_end_matches(".xlsx"), bytes))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct StatisticsQuery {
    /// Only this activity (0 or absent: all).
    pub activity: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/statistics", tag = "report", params(("id" = i64, Path), StatisticsQuery),
    responses((status = 200, body = statistics::Statistics)))]
async fn get_statistics(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Query(q): Query<StatisticsQuery>,
) -> AppResult<Json<statistics::Statistics>> {
    Ok(Json(statistics::statistics(&app, &actor, id, q.activity.unwrap_or(0)).await?))
}

#[utoipa::path(post, path = "/api/v1/campaigns/{id}/clone", tag = "report", params(("id" = i64, Path)),
    request_body = yearly::CloneInput, responses((status = 200, body = Created), (status = 422, body = ErrorBody)))]
async fn clone_campaign(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(input): Json<yearly::CloneInput>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: yearly::clone_to_year(&app, &actor, id, input).await? }))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct CompareQuery {
    pub a: i64,
    pub b: i64,
}

#[utoipa::path(get, path = "/api/v1/compare", tag = "report", params(CompareQuery),
    responses((status = 200, body = yearly::Comparison)))]
async fn compare(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Query(q): Query<CompareQuery>,
) -> AppResult<Json<yearly::Comparison>> {
    Ok(Json(yearly::compare(&app, &actor, q.a, q.b).await?))
}
