//! `/api/v1`: the same use cases as the pages, as JSON. Every route is listed in the OpenAPI
//! document (`/api/openapi.json`) through its `#[utoipa::path]`.

use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use super::auth::{ApiActor, Caller};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Msg};
use crate::services::{
    audit, auth, board, campaigns, inspections, integrity, ledger, materials, people, placements, pledges,
    reach, roster, series, signatures, sittings, units, users, Actor, App, Page, Paging,
};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/me", get(me))
        .route("/me/password", post(change_password))
        .route("/tokens", post(create_token))
        .route("/units", get(list_units).post(create_unit))
        .route("/people", get(list_people))
        .route("/people/import", post(import_people))
        .route("/campaigns", get(list_campaigns).post(create_campaign))
        .route("/campaigns/{id}", get(get_campaign).put(update_campaign))
        .route("/campaigns/{id}/status", post(set_campaign_status))
        .route("/campaigns/{id}/activities", post(add_activity))
        .route("/campaigns/{id}/board", get(get_board))
        .route("/activities/{id}", get(get_activity))
        .route("/activities/{id}/assignments", post(assign))
        .route("/activities/{id}/entries", get(activity_entries).post(file_activity_entry))
        .route("/tasks", get(list_tasks))
        .route("/tasks/{id}", get(get_task))
        .route("/tasks/{id}/entries", get(task_entries).post(file_entry))
        .route("/entries/{id}", get(get_entry))
        .route("/entries/{id}/review", post(review_entry))
        .route("/entries/{id}/resubmit", post(resubmit_entry))
        .route("/files/{id}", get(file))
        .route("/audit", get(list_audit))
        .route("/activities/{id}/sittings", get(list_sittings).post(create_sitting))
        .route("/activities/{id}/series", post(create_series))
        .route("/sittings/{id}", get(get_sitting))
        .route("/sittings/{id}/attendance", get(sitting_attendance))
        .route("/sittings/{id}/attendees", get(sitting_attendees))
        .route("/sittings/{id}/qr", get(sitting_qr))
        .route("/sittings/{id}/checkins", post(clerk_checkin))
        .route("/sittings/{id}/registrations", post(register))
        .route("/sittings/{id}/registrations/cancel", post(cancel_registration))
        .route("/sittings/{id}/ledger", post(sitting_ledger))
        .route("/signin", post(sign_in))
        .route("/series/{id}", get(series_progress))
        .route("/series/{id}/certificates", post(issue_certificates))
        .route("/certificates/{code}", get(verify_certificate))
        .route("/me/sittings", get(my_sittings))
        .route("/activities/{id}/materials", post(create_material))
        .route("/materials/{id}", get(get_material))
        .route("/materials/{id}/open", post(open_material))
        .route("/materials/{id}/sign", post(sign_material))
        .route("/materials/{id}/progress", get(material_progress))
        .route("/materials/{id}/remind", post(remind_material))
        .route("/materials/{id}/paper", post(paper_material))
        .route("/me/materials", get(my_materials))
        .route("/pledges", get(list_pledges).post(create_pledge))
        .route("/pledges/{id}", get(get_pledge))
        .route("/pledges/{id}/sign", post(sign_pledge))
        .route("/pledges/{id}/wall", get(pledge_wall))
        .route("/signatures/{code}", get(check_signature))
        .route("/signatures/{code}/withdraw", post(withdraw_signature))
        .route("/chain", get(verify_chain))
        .route("/audit/chain", get(verify_audit_chain))
        .route("/campaigns/{id}/placements", get(list_placements).post(create_placement))
        .route("/campaigns/{id}/placements/totals", get(placement_totals))
        .route("/campaigns/{id}/placements/import", post(import_placements))
        .route("/campaigns/{id}/inspections", post(create_inspection))
        .route("/campaigns/{id}/inspections/statistics", get(inspection_statistics))
        .route("/campaigns/{id}/findings", get(list_findings))
        .route("/findings/{id}/close", post(close_finding))
        .route("/integrity/types", get(integrity_types).post(create_integrity_type))
        .route("/integrity/applications", get(integrity_applications).post(apply_integrity))
        .route("/integrity/applications/{id}", get(integrity_application))
        .route("/integrity/applications/{id}/evaluate", post(evaluate_integrity))
        .route("/integrity/recognised", get(integrity_recognised))
        .route("/materials/{id}/ledger", post(material_ledger))
        .route("/pledges/{id}/progress", get(pledge_progress))
        .route("/pledges/{id}/ledger", post(pledge_ledger))
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}/password-reset", post(reset_user_password))
        .route("/users/{id}/roles", post(grant_role))
        .route("/users/{id}/roles/{grant_id}", axum::routing::delete(revoke_role))
        .route("/users/{id}/disabled", post(set_user_disabled))
        .route("/users/{id}/person", post(link_user_person))
        .route("/users/{id}/sessions", get(user_sessions).delete(end_user_sessions))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Qinglian API", version = "1", description = "清廉建设平台接口。Errors are `{\"error\": {\"code\", \"message\", \"fields\"}}`; lists take `page` and `per_page` and return `total`."),
    paths(
        login, logout, me, change_password, create_token, list_units, create_unit, list_people, import_people,
        list_campaigns, create_campaign, get_campaign, update_campaign, set_campaign_status, add_activity, get_board, get_activity,
        assign, activity_entries, file_activity_entry, list_tasks, get_task, task_entries, file_entry, get_entry, review_entry, resubmit_entry, list_audit,
        list_sittings, create_sitting, create_series, get_sitting, sitting_attendance, sitting_attendees, sitting_qr,
        series_progress, issue_certificates, verify_certificate,
        create_material, get_material, open_material, sign_material, material_progress, remind_material, paper_material, my_materials,
        list_pledges, create_pledge, get_pledge, sign_pledge, pledge_wall, check_signature, withdraw_signature, verify_chain, verify_audit_chain,
        material_ledger, pledge_progress, pledge_ledger,
        list_placements, create_placement, placement_totals, import_placements,
        create_inspection, inspection_statistics, list_findings, close_finding,
        integrity_types, create_integrity_type, integrity_applications, apply_integrity, integrity_application, evaluate_integrity,
        integrity_recognised,
        clerk_checkin, register, cancel_registration, sitting_ledger, sign_in, my_sittings,
        list_users, create_user, reset_user_password, grant_role, revoke_role, set_user_disabled, link_user_person, user_sessions, end_user_sessions, file,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security =
            Some(vec![utoipa::openapi::security::SecurityRequirement::new("bearer", Vec::<String>::new())]);
    }
}

pub async fn openapi_json() -> Response {
    Json(openapi()).into_response()
}

/// The whole document, with the refusals every operation can answer (malformed or oversized
/// bodies, sign-in, scope, throttles) stated on each, all in the one error shape.
pub fn openapi() -> serde_json::Value {
    let mut doc = ApiDoc::openapi();
    doc.merge(super::report_api::ReportApiDoc::openapi());
    doc.merge(super::works_api::WorksApiDoc::openapi());
    let mut doc = serde_json::to_value(doc).unwrap_or_default();
    const REFUSALS: &[(&str, &str)] = &[
        ("400", "The request is malformed (JSON syntax, a path or query value of the wrong type)."),
        ("401", "Not signed in, or the session has ended."),
        ("403", "The role or unit scope does not cover it, or a password change is required."),
        ("404", "No such record (or it is outside the caller's scope)."),
        ("405", "The path does not take this method."),
        ("409", "Valid, but the current state does not allow it."),
        ("413", "The body is larger than the limit."),
        ("415", "The body's content type is not one this operation takes."),
        ("422", "The input fails validation; `fields` says where."),
        ("429", "Too many attempts; try again later."),
    ];
    if let Some(paths) = doc["paths"].as_object_mut() {
        for operation in paths.values_mut().filter_map(|p| p.as_object_mut()).flat_map(|p| p.values_mut()) {
            let Some(responses) = operation.get_mut("responses").and_then(|r| r.as_object_mut()) else {
                continue;
            };
            for (code, description) in REFUSALS {
                responses.entry(code.to_string()).or_insert_with(|| {
                    serde_json::json!({"description": description, "content": {"application/json":
                        {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}})
                });
            }
        }
    }
    doc
}

/// The error body of every failed request.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code: unauthorized, forbidden, not_found, validation, conflict, csrf, …
    pub code: String,
    /// Human message in the request's language.
    pub message: String,
    /// Per-field messages for `validation`.
    pub fields: std::collections::HashMap<String, String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer …`, or use the session cookie set alongside.
    pub token: String,
    /// Echo as `X-CSRF-Token` on writes made with the cookie.
    pub csrf_token: String,
    pub must_change_password: bool,
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", security(()), request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(State(app): State<App>, caller: Caller, Json(req): Json<LoginRequest>) -> AppResult<Response> {
    let s = auth::login(&app, &req.username, &req.password, &caller.ip).await?;
    let cookie = super::pages::session_cookie(&s.token, caller.secure);
    Ok((
        [(header::SET_COOKIE, cookie)],
        Json(LoginResponse {
            token: s.token,
            csrf_token: s.csrf_token,
            must_change_password: s.must_change_password,
        }),
    )
        .into_response())
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
async fn logout(State(app): State<App>, caller: Caller, ApiActor(actor): ApiActor) -> AppResult<Response> {
    if let Some(t) = caller.secret() {
        auth::logout(&app, &actor, t).await?;
    }
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = Actor), (status = 401, body = ErrorBody)))]
async fn me(ApiActor(actor): ApiActor) -> Json<Actor> {
    Json(actor)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    pub current: String,
    pub password: String,
}

/// Also allowed while a password change is required (it is how one gets out of that state).
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", request_body = PasswordChange,
    responses((status = 204), (status = 422, body = ErrorBody)))]
async fn change_password(
    State(app): State<App>,
    caller: Caller,
    Json(req): Json<PasswordChange>,
) -> AppResult<Response> {
    let actor = caller.actor.clone().ok_or(AppError::Unauthorized)?;
    auth::change_password(&app, &actor, &req.current, &req.password, caller.secret()).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    pub name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    /// Shown once; store it safely.
    pub token: String,
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "auth", request_body = TokenRequest, responses((status = 200, body = TokenResponse)))]
async fn create_token(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Json(req): Json<TokenRequest>,
) -> AppResult<Json<TokenResponse>> {
    Ok(Json(TokenResponse { token: auth::create_api_token(&app, &actor, &req.name).await? }))
}

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
    request_body(content_type = "multipart/form-data", content = String),
    responses((status = 200, body = roster::ImportReport), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn import_people(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Query(q): Query<ImportParams>,
    mp: Multipart,
) -> AppResult<Json<roster::ImportReport>> {
    let (_, mut files) = super::form::read_multipart(mp).await?;
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

#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", responses((status = 200, body = Vec<campaigns::CampaignSummary>)))]
async fn list_campaigns(
    State(app): State<App>,
    _actor: ApiActor,
) -> AppResult<Json<Vec<campaigns::CampaignSummary>>> {
    Ok(Json(campaigns::list(&app).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
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

#[derive(Deserialize, utoipa::ToSchema)]
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
            let (fields, files) = super::form::read_multipart(mp).await?;
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

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(audit::AuditFilter, Paging),
    responses((status = 200, body = Page<audit::AuditEntry>), (status = 403, body = ErrorBody)))]
async fn list_audit(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Query(f): Query<audit::AuditFilter>,
    Query(p): Query<Paging>,
) -> AppResult<Json<Page<audit::AuditEntry>>> {
    Ok(Json(audit::list(&app, &actor, &f, p).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct UserQuery {
    /// Part of a user name or display name.
    pub q: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", params(UserQuery, Paging),
    responses((status = 200, body = Page<users::User>), (status = 403, body = ErrorBody)))]
async fn list_users(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Query(q): Query<UserQuery>,
    Query(p): Query<Paging>,
) -> AppResult<Json<Page<users::User>>> {
    Ok(Json(users::list(&app, &actor, q.q.as_deref(), p).await?))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", request_body = users::NewUser,
    responses((status = 200, body = users::Issued), (status = 422, body = ErrorBody)))]
async fn create_user(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Json(req): Json<users::NewUser>,
) -> AppResult<Json<users::Issued>> {
    Ok(Json(users::add(&app, &actor, req).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordReset {
    /// Left out, a random password is made and must be changed at next sign-in.
    pub password: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/users/{id}/password-reset", tag = "accounts", params(("id" = i64, Path)),
    request_body = PasswordReset, responses((status = 200, body = users::Issued)))]
async fn reset_user_password(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<PasswordReset>,
) -> AppResult<Json<users::Issued>> {
    Ok(Json(users::reset_password(&app, &actor, id, req.password.as_deref()).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RoleRequest {
    /// admin, organiser, auditor, unit_admin or member.
    pub role: String,
    /// Required for unit_admin.
    pub unit_id: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/users/{id}/roles", tag = "accounts", params(("id" = i64, Path)),
    request_body = RoleRequest, responses((status = 204), (status = 422, body = ErrorBody)))]
async fn grant_role(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<RoleRequest>,
) -> AppResult<Response> {
    let role = crate::domain::Role::parse(&req.role)
        .ok_or_else(|| AppError::invalid("role", Msg::new("err.role")))?;
    users::grant(&app, &actor, id, role, req.unit_id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(delete, path = "/api/v1/users/{id}/roles/{grant_id}", tag = "accounts",
    params(("id" = i64, Path), ("grant_id" = i64, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
async fn revoke_role(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path((id, grant_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    users::revoke(&app, &actor, id, grant_id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DisabledRequest {
    pub disabled: bool,
}

/// Disabling ends the user's sessions and revokes his integration tokens.
#[utoipa::path(post, path = "/api/v1/users/{id}/disabled", tag = "accounts", params(("id" = i64, Path)),
    request_body = DisabledRequest, responses((status = 204), (status = 409, body = ErrorBody)))]
async fn set_user_disabled(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<DisabledRequest>,
) -> AppResult<Response> {
    users::set_disabled(&app, &actor, id, req.disabled).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/api/v1/activities/{id}/sittings", tag = "sittings", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<sittings::SittingRow>)))]
async fn list_sittings(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<sittings::SittingRow>>> {
    Ok(Json(sittings::list_for_activity(&app, &actor, id).await?))
}

#[utoipa::path(post, path = "/api/v1/activities/{id}/sittings", tag = "sittings", params(("id" = i64, Path)),
    request_body = sittings::SittingInput, responses((status = 200, body = Created), (status = 422, body = ErrorBody)))]
async fn create_sitting(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<sittings::SittingInput>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: sittings::create(&app, &actor, id, req).await? }))
}

/// A multi-day training: one sitting per day, completed by attending `min_days` (0: all).
#[utoipa::path(post, path = "/api/v1/activities/{id}/series", tag = "sittings", params(("id" = i64, Path)),
    request_body = sittings::SeriesInput, responses((status = 200, body = Created), (status = 422, body = ErrorBody)))]
async fn create_series(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<sittings::SeriesInput>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: sittings::create_series(&app, &actor, id, req).await? }))
}

#[utoipa::path(get, path = "/api/v1/sittings/{id}", tag = "sittings", params(("id" = i64, Path)),
    responses((status = 200, body = sittings::Sitting), (status = 404, body = ErrorBody)))]
async fn get_sitting(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<sittings::Sitting>> {
    Ok(Json(sittings::get(&app, &actor, id).await?))
}

#[utoipa::path(get, path = "/api/v1/sittings/{id}/attendance", tag = "sittings", params(("id" = i64, Path)),
    responses((status = 200, body = sittings::Attendance)))]
async fn sitting_attendance(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<sittings::Attendance>> {
    Ok(Json(sittings::attendance(&app, &actor, id).await?))
}

#[utoipa::path(get, path = "/api/v1/sittings/{id}/attendees", tag = "sittings", params(("id" = i64, Path), sittings::AttendeeFilter, Paging),
    responses((status = 200, body = Page<sittings::AttendeeRow>)))]
async fn sitting_attendees(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Query(f): Query<sittings::AttendeeFilter>,
    Query(p): Query<Paging>,
) -> AppResult<Json<Page<sittings::AttendeeRow>>> {
    Ok(Json(sittings::attendees(&app, &actor, id, &f, p).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct QrCode {
    /// The code as the QR image carries it (the last part of `/s/{code}`).
    pub code: String,
    /// Seconds until the next code replaces it (each is accepted for one more period).
    pub refresh_in: i64,
}

#[utoipa::path(get, path = "/api/v1/sittings/{id}/qr", tag = "sittings", params(("id" = i64, Path)),
    responses((status = 200, body = QrCode)))]
async fn sitting_qr(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<QrCode>> {
    sittings::get(&app, &actor, id).await?;
    let t = crate::db::now();
    let period = crate::signing::QR_PERIOD;
    Ok(Json(QrCode { code: app.signer.qr_token(id, t), refresh_in: period - t.rem_euclid(period) }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SignInRequest {
    /// The scanned QR code, or
    pub code: Option<String>,
    /// the pass the sign-in page was given for it.
    pub pass: Option<String>,
    pub name: String,
    /// Last four digits of the phone.
    pub last4: String,
}

/// Public: a person signs himself in with the code on the venue screen.
#[utoipa::path(post, path = "/api/v1/signin", tag = "sittings", request_body = SignInRequest, security(()),
    responses((status = 200, body = sittings::CheckinOutcome), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn sign_in(
    State(app): State<App>,
    caller: Caller,
    Json(req): Json<SignInRequest>,
) -> AppResult<Json<sittings::CheckinOutcome>> {
    let s = match (&req.pass, &req.code) {
        (Some(pass), _) => sittings::open_pass(&app, pass).await?,
        (None, Some(code)) => sittings::scan(&app, code).await?.0,
        (None, None) => return Err(AppError::invalid("code", Msg::new("err.qr_invalid"))),
    };
    let who = sittings::identify(&app, &s, &req.name, &req.last4, req.pass.as_deref(), &caller.ip).await?;
    Ok(Json(sittings::check_in(&app, &s, &who, "qr", None, &caller.ip).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ClerkCheckin {
    pub person_id: i64,
}

#[utoipa::path(post, path = "/api/v1/sittings/{id}/checkins", tag = "sittings", params(("id" = i64, Path)), request_body = ClerkCheckin,
    responses((status = 200, body = sittings::CheckinOutcome), (status = 422, body = ErrorBody)))]
async fn clerk_checkin(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<ClerkCheckin>,
) -> AppResult<Json<sittings::CheckinOutcome>> {
    Ok(Json(sittings::clerk_check_in(&app, &actor, id, req.person_id).await?))
}

/// Public: registration for a sitting that asks for it.
#[utoipa::path(post, path = "/api/v1/sittings/{id}/registrations", tag = "sittings", params(("id" = i64, Path)),
    request_body = sittings::RegistrationInput, security(()),
    responses((status = 200, body = sittings::RegistrationOutcome), (status = 409, body = ErrorBody)))]
async fn register(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<sittings::RegistrationInput>,
) -> AppResult<Json<sittings::RegistrationOutcome>> {
    Ok(Json(sittings::register(&app, id, req, caller.actor.as_ref(), &caller.ip).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CancelRegistration {
    /// The receipt given when registering.
    pub receipt: String,
}

#[utoipa::path(post, path = "/api/v1/sittings/{id}/registrations/cancel", tag = "sittings", params(("id" = i64, Path)),
    request_body = CancelRegistration, security(()), responses((status = 204), (status = 404, body = ErrorBody)))]
async fn cancel_registration(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(req): Json<CancelRegistration>,
) -> AppResult<Response> {
    sittings::cancel_registration(&app, id, &req.receipt, &caller.ip).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// Files the host unit's ledger entry from the attendance (once).
#[utoipa::path(post, path = "/api/v1/sittings/{id}/ledger", tag = "sittings", params(("id" = i64, Path)),
    responses((status = 200, body = Created), (status = 409, body = ErrorBody)))]
async fn sitting_ledger(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Created>> {
    Ok(Json(Created { id: sittings::file_ledger(&app, &actor, id).await? }))
}

#[utoipa::path(get, path = "/api/v1/me/sittings", tag = "sittings", responses((status = 200, body = Vec<sittings::MySitting>)))]
async fn my_sittings(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
) -> AppResult<Json<Vec<sittings::MySitting>>> {
    Ok(Json(sittings::mine(&app, &actor).await?))
}

#[utoipa::path(get, path = "/api/v1/series/{id}", tag = "sittings", params(("id" = i64, Path)),
    responses((status = 200, body = series::Progress)))]
async fn series_progress(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<series::Progress>> {
    Ok(Json(series::progress(&app, &actor, id).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = IssuedCertificates)]
pub struct Issued {
    pub issued: i64,
}

/// Certificates for everyone who completed the training and has none yet.
#[utoipa::path(post, path = "/api/v1/series/{id}/certificates", tag = "sittings", params(("id" = i64, Path)),
    responses((status = 200, body = Issued)))]
async fn issue_certificates(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Issued>> {
    Ok(Json(Issued { issued: series::issue_certificates(&app, &actor, id).await? }))
}

/// Public: checks a certificate's verification code (the holder's name comes masked).
#[utoipa::path(get, path = "/api/v1/certificates/{code}", tag = "sittings", params(("code" = String, Path)), security(()),
    responses((status = 200, body = series::Certificate), (status = 404, body = ErrorBody)))]
async fn verify_certificate(
    State(app): State<App>,
    Path(code): Path<String>,
) -> AppResult<Json<series::Certificate>> {
    Ok(Json(series::verify(&app, &code).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PersonLink {
    /// The roster entry's phone; empty to unlink.
    pub phone: String,
}

/// Links an account to its holder's roster entry (for one-tap sign-in and "my sessions").
#[utoipa::path(post, path = "/api/v1/users/{id}/person", tag = "accounts", params(("id" = i64, Path)),
    request_body = PersonLink, responses((status = 204), (status = 422, body = ErrorBody)))]
async fn link_user_person(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<PersonLink>,
) -> AppResult<Response> {
    users::link_person(&app, &actor, id, &req.phone).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

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

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SignatureInput {
    /// `[[[x, y], …], …]` on a 1000 × 400 pad.
    #[serde(default)]
    pub strokes: String,
    /// Use the typed name instead of a drawing.
    #[serde(default)]
    pub typed: bool,
}

#[utoipa::path(post, path = "/api/v1/materials/{id}/sign", tag = "materials", params(("id" = i64, Path)),
    request_body = SignatureInput, responses((status = 200, body = signatures::Signed), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn sign_material(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    Json(req): Json<SignatureInput>,
) -> AppResult<Json<signatures::Signed>> {
    Ok(Json(materials::sign(&app, &actor, id, &req.strokes, req.typed).await?))
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

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Withdrawal {
    pub reason: String,
}

/// Administrators only; the signature stays in the chain, marked withdrawn, and the audit log says why.
#[utoipa::path(post, path = "/api/v1/signatures/{code}/withdraw", tag = "pledges", params(("code" = String, Path)),
    request_body = Withdrawal, responses((status = 204), (status = 403, body = ErrorBody)))]
async fn withdraw_signature(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(code): Path<String>,
    Json(req): Json<Withdrawal>,
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

/// Walks the audit log's chain (auditors and administrators).
#[utoipa::path(get, path = "/api/v1/audit/chain", tag = "audit",
    responses((status = 200, body = crate::services::audit::AuditChainReport), (status = 403, body = ErrorBody)))]
async fn verify_audit_chain(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
) -> AppResult<Json<crate::services::audit::AuditChainReport>> {
    if !actor.can_read_audit() {
        return Err(AppError::Forbidden);
    }
    Ok(Json(crate::services::audit::verify_chain(&app.db).await?))
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
        let (fields, photos) = super::form::read_multipart(mp).await?;
        (super::publicity::input_from(&fields)?, photos)
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
    request_body(content_type = "multipart/form-data", content = String),
    responses((status = 200, body = placements::ImportReport), (status = 415, body = ErrorBody)))]
async fn import_placements(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
    mp: Multipart,
) -> AppResult<Json<placements::ImportReport>> {
    let (_, mut files) = super::form::read_multipart(mp).await?;
    let file = files.pop().ok_or_else(|| AppError::invalid("file", Msg::new("err.file_required")))?;
    Ok(Json(placements::import(&app, &actor, id, &file.bytes, i18n::current()).await?))
}

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

/// Administrators: the account's signed-in sessions.
#[utoipa::path(get, path = "/api/v1/users/{id}/sessions", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<users::SessionRow>), (status = 403, body = ErrorBody)))]
async fn user_sessions(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<users::SessionRow>>> {
    Ok(Json(users::sessions(&app, &actor, id).await?))
}

/// Administrators: ends every session of the account.
#[utoipa::path(delete, path = "/api/v1/users/{id}/sessions", tag = "users", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody)))]
async fn end_user_sessions(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    users::end_sessions(&app, &actor, id).await?;
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
