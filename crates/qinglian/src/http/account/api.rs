//! `/api/v1` routes of accounts: signing in and out, the caller itself, password change, integration
//! tokens, and the administrators' user management.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use crate::error::{AppError, AppResult};
use crate::http::common::{ApiActor, Caller, ErrorBody};
use crate::i18n::Msg;
use crate::services::{auth, second_factor, users, Actor, App, Page, Paging};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/second-factor", post(login_second_factor))
        .route("/auth/confirm", post(confirm_password))
        .route("/auth/logout", post(logout))
        .route("/me", get(me))
        .route("/me/password", post(change_password))
        .route("/me/second-factor", get(second_factor_status).post(begin_second_factor))
        .route("/me/second-factor/confirm", post(confirm_second_factor))
        .route("/users/{id}/second-factor/reset", post(reset_second_factor))
        .route("/tokens", post(create_token))
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}/password-reset", post(reset_user_password))
        .route("/users/{id}/roles", post(grant_role))
        .route("/users/{id}/roles/{grant_id}", axum::routing::delete(revoke_role))
        .route("/users/{id}/disabled", post(set_user_disabled))
        .route("/users/{id}/person", post(link_user_person))
        .route("/users/{id}/sessions", get(user_sessions).delete(end_user_sessions))
}

#[derive(OpenApi)]
#[openapi(paths(
    login,
    login_second_factor,
    confirm_password,
    logout,
    me,
    change_password,
    second_factor_status,
    begin_second_factor,
    confirm_second_factor,
    reset_second_factor,
    create_token,
    list_users,
    create_user,
    reset_user_password,
    grant_role,
    revoke_role,
    set_user_disabled,
    link_user_person,
    user_sessions,
    end_user_sessions
))]
pub(super) struct Doc;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    #[schema(min_length = 1)]
    pub username: String,
    #[schema(min_length = 1)]
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

/// The second step a right password leads to when the account has a second factor.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SecondFactorChallenge {
    /// Send back with the code to `/api/v1/auth/second-factor` within five minutes.
    pub challenge: String,
}

/// 200 with a session; 202 with a challenge when the account signs in with a second factor too.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", security(()), request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 202, body = SecondFactorChallenge),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(State(app): State<App>, caller: Caller, Json(req): Json<LoginRequest>) -> AppResult<Response> {
    match auth::login(&app, &req.username, &req.password, &caller.ip).await? {
        auth::SignIn::Session(s) => Ok(session_response(s, &caller)),
        auth::SignIn::SecondFactor(challenge) => {
            Ok((axum::http::StatusCode::ACCEPTED, Json(SecondFactorChallenge { challenge })).into_response())
        }
    }
}

fn session_response(s: auth::NewSession, caller: &Caller) -> Response {
    let cookie = super::pages::session_cookie(&s.token, caller.secure);
    (
        [(header::SET_COOKIE, cookie)],
        Json(LoginResponse {
            token: s.token,
            csrf_token: s.csrf_token,
            must_change_password: s.must_change_password,
        }),
    )
        .into_response()
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SecondFactorAnswer {
    pub challenge: String,
    /// Six digits from the authenticator, or a recovery code (`XXXXX-XXXXX`).
    #[schema(min_length = 1, max_length = 20)]
    pub code: String,
}

#[utoipa::path(post, path = "/api/v1/auth/second-factor", tag = "auth", security(()), request_body = SecondFactorAnswer,
    responses((status = 200, body = LoginResponse), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login_second_factor(
    State(app): State<App>,
    caller: Caller,
    Json(req): Json<SecondFactorAnswer>,
) -> AppResult<Response> {
    let s = auth::second_factor(&app, &req.challenge, &req.code, &caller.ip).await?;
    Ok(session_response(s, &caller))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordConfirmation {
    pub password: String,
}

/// Gives the password again, so privileged actions are allowed for `reauth_minutes` more.
/// Only a session can: an integration token never performs them.
#[utoipa::path(post, path = "/api/v1/auth/confirm", tag = "auth", request_body = PasswordConfirmation,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn confirm_password(
    State(app): State<App>,
    caller: Caller,
    ApiActor(actor): ApiActor,
    Json(req): Json<PasswordConfirmation>,
) -> AppResult<Response> {
    let Some(secret) = caller.secret().filter(|s| !s.starts_with(auth::API_TOKEN_PREFIX)) else {
        return Err(AppError::Forbidden);
    };
    auth::confirm_password(&app, &actor, secret, &req.password).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}

/// The caller, signed in, even while he must first enrol a second factor.
fn enrolling(caller: &Caller) -> AppResult<Actor> {
    caller.actor.clone().ok_or(AppError::Unauthorized)
}

#[utoipa::path(get, path = "/api/v1/me/second-factor", tag = "auth",
    responses((status = 200, body = second_factor::Status), (status = 401, body = ErrorBody)))]
async fn second_factor_status(
    State(app): State<App>,
    caller: Caller,
) -> AppResult<Json<second_factor::Status>> {
    Ok(Json(second_factor::status(&app, &enrolling(&caller)?).await?))
}

/// Starts enrolment: a new secret to scan, counted once a code from it is confirmed.
#[utoipa::path(post, path = "/api/v1/me/second-factor", tag = "auth",
    responses((status = 200, body = second_factor::Enrolment), (status = 409, body = ErrorBody)))]
async fn begin_second_factor(
    State(app): State<App>,
    caller: Caller,
) -> AppResult<Json<second_factor::Enrolment>> {
    Ok(Json(second_factor::begin(&app, &enrolling(&caller)?).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CodeRequest {
    #[schema(min_length = 1, max_length = 20)]
    pub code: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RecoveryCodes {
    /// Ten one-time codes, shown once: each signs in once in place of the authenticator.
    pub recovery_codes: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/me/second-factor/confirm", tag = "auth", request_body = CodeRequest,
    responses((status = 200, body = RecoveryCodes), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn confirm_second_factor(
    State(app): State<App>,
    caller: Caller,
    Json(req): Json<CodeRequest>,
) -> AppResult<Json<RecoveryCodes>> {
    let recovery_codes = second_factor::confirm(&app, &enrolling(&caller)?, &req.code).await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

/// Security administrators: clears an account's second factor (a lost phone) and ends its sessions.
#[utoipa::path(post, path = "/api/v1/users/{id}/second-factor/reset", tag = "accounts", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn reset_second_factor(
    State(app): State<App>,
    caller: Caller,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    second_factor::reset(&app, &actor, id, caller.secret()).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
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
    /// What the token is for, so it can be told apart and revoked.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Days the token lasts: 1 to 365, 90 if left out.
    #[schema(minimum = 1, maximum = 365)]
    pub valid_days: Option<u32>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    /// Shown once; store it safely.
    pub token: String,
    /// When it stops working (Unix seconds).
    pub expires_at: i64,
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "auth", request_body = TokenRequest, responses((status = 200, body = TokenResponse)))]
async fn create_token(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Json(req): Json<TokenRequest>,
) -> AppResult<Json<TokenResponse>> {
    let (token, expires_at) = auth::create_api_token(&app, &actor, &req.name, req.valid_days).await?;
    Ok(Json(TokenResponse { token, expires_at }))
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

/// Administrators: ends every session of the account (of one's own, all but the one in use).
#[utoipa::path(delete, path = "/api/v1/users/{id}/sessions", tag = "users", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody)))]
async fn end_user_sessions(
    State(app): State<App>,
    caller: Caller,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    users::end_sessions(&app, &actor, id, caller.secret()).await?;
    Ok(axum::http::StatusCode::NO_CONTENT.into_response())
}
