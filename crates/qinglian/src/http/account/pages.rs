//! Pages of accounts: the sign-in form, signing out, changing one's password, and the
//! administrators' user list.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::domain::Role;
use crate::error::AppError;
use crate::http::common::{
    anonymous_page, cookie, render, see_other, set_cookie, with_cookies, Caller, Ctx, Fields, PageActor,
    PageResult, Pairs, SESSION_COOKIE,
};
use crate::i18n::{self, Msg};
use crate::services::{auth, second_factor, units, users, Actor, App, Paging};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/login/verify", get(verify_form).post(verify))
        .route("/logout", post(logout))
        .route("/account/password", get(password_form).post(change_password))
        .route("/account/security", get(security_page))
        .route("/account/security/begin", post(begin_enrolment))
        .route("/account/security/confirm", post(confirm_enrolment))
        .route("/account/confirm", get(confirm_form).post(confirm_password))
        .route("/admin/users/{id}/second-factor/reset", post(reset_second_factor))
        .route("/admin/users", get(users_page).post(add_user))
        .route("/admin/users/{id}/reset", post(reset_user))
        .route("/admin/users/{id}/roles", post(grant_user_role))
        .route("/admin/users/{id}/roles/{grant_id}/revoke", post(revoke_user_role))
        .route("/admin/users/{id}/disabled", post(disable_user))
        .route("/admin/users/{id}/person", post(link_user_person))
        .route("/admin/users/{id}/sessions/end", post(end_user_sessions))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    next: String,
    error: Option<String>,
    username: String,
}

#[derive(Deserialize)]
struct NextParam {
    next: Option<String>,
}

/// Only local paths are followed after sign-in (no open redirects).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => n.to_string(),
        _ => "/".to_string(),
    }
}

async fn login_form(caller: Caller, Query(q): Query<NextParam>) -> Response {
    if caller.actor.is_some() {
        return see_other(&safe_next(q.next.as_deref()));
    }
    login_page(caller, q.next.as_deref(), None, String::new(), StatusCode::OK)
}

fn login_page(
    caller: Caller,
    next: Option<&str>,
    error: Option<String>,
    username: String,
    status: StatusCode,
) -> Response {
    anonymous_page(&caller, status, |ctx| render(&LoginPage { ctx, next: safe_next(next), error, username }))
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

async fn login(State(app): State<App>, caller: Caller, Form(f): Form<LoginForm>) -> Response {
    match auth::login(&app, &f.username, &f.password, &caller.ip).await {
        Ok(auth::SignIn::Session(session)) => signed_in(session, f.next.as_deref(), &caller),
        Ok(auth::SignIn::SecondFactor(challenge)) => {
            let next = safe_next(f.next.as_deref());
            let to = format!(
                "/login/verify?next={}",
                url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            );
            let cookie = set_cookie(
                CHALLENGE_COOKIE,
                &challenge,
                "Strict",
                Some(auth::CHALLENGE_SECONDS),
                caller.secure,
            );
            with_cookies(see_other(&to), &[cookie])
        }
        Err(e) => {
            let msg = e.message(i18n::current());
            login_page(caller, f.next.as_deref(), Some(msg), f.username, e.status())
        }
    }
}

/// Where a new session goes: the forced password change, or where the user was going.
fn signed_in(session: auth::NewSession, next: Option<&str>, caller: &Caller) -> Response {
    let to = if session.must_change_password { "/account/password".to_string() } else { safe_next(next) };
    let cleared = set_cookie(CHALLENGE_COOKIE, "", "Strict", Some(0), caller.secure);
    with_cookies(see_other(&to), &[session_cookie(&session.token, caller.secure), cleared])
}

/// The challenge of a sign-in awaiting its second factor: a cookie of its own, so the secret
/// never appears in a URL or a page.
const CHALLENGE_COOKIE: &str = "ql_2fa";

#[derive(Template)]
#[template(path = "login_verify.html")]
struct VerifyPage {
    ctx: Ctx,
    next: String,
    error: Option<String>,
}

fn verify_page(caller: Caller, next: Option<&str>, error: Option<String>, status: StatusCode) -> Response {
    anonymous_page(&caller, status, |ctx| render(&VerifyPage { ctx, next: safe_next(next), error }))
}

async fn verify_form(caller: Caller, headers: HeaderMap, Query(q): Query<NextParam>) -> Response {
    if cookie(&headers, CHALLENGE_COOKIE).is_none_or(|c| c.is_empty()) {
        return see_other("/login");
    }
    verify_page(caller, q.next.as_deref(), None, StatusCode::OK)
}

#[derive(Deserialize)]
struct VerifyForm {
    code: String,
    next: Option<String>,
}

async fn verify(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    Form(f): Form<VerifyForm>,
) -> Response {
    let challenge = cookie(&headers, CHALLENGE_COOKIE).unwrap_or_default();
    match auth::second_factor(&app, &challenge, &f.code, &caller.ip).await {
        Ok(session) => signed_in(session, f.next.as_deref(), &caller),
        Err(e) => {
            let msg = e.message(i18n::current());
            verify_page(caller, f.next.as_deref(), Some(msg), e.status())
        }
    }
}

pub fn session_cookie(token: &str, secure: bool) -> String {
    set_cookie(SESSION_COOKIE, token, "Lax", None, secure)
}

async fn logout(State(app): State<App>, PageActor { actor, caller }: PageActor) -> PageResult {
    if let Some(token) = &caller.session_token {
        auth::logout(&app, &actor, token).await?;
    }
    Ok(with_cookies(see_other("/login"), &[set_cookie(SESSION_COOKIE, "", "Lax", Some(0), caller.secure)]))
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    ctx: Ctx,
    forced: bool,
    error: Option<String>,
}

async fn password_form(PageActor { actor, caller }: PageActor) -> Response {
    render(&PasswordPage { ctx: Ctx::new(&caller, None), forced: actor.must_change_password, error: None })
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    password: String,
    confirm: String,
}

async fn change_password(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Form(f): Form<PasswordForm>,
) -> Response {
    let result = if f.password != f.confirm {
        Err(AppError::invalid("confirm", Msg::new("err.password_mismatch")))
    } else {
        auth::change_password(&app, &actor, &f.current, &f.password, caller.secret()).await
    };
    match result {
        Ok(()) => see_other("/?ok=ok.password_changed"),
        Err(e) => {
            let page = PasswordPage {
                ctx: Ctx::new(&caller, None),
                forced: actor.must_change_password,
                error: Some(e.message(i18n::current())),
            };
            let mut resp = render(&page);
            *resp.status_mut() = e.status();
            resp
        }
    }
}

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage {
    ctx: Ctx,
    status: second_factor::Status,
    pending: Option<second_factor::Enrolment>,
    qr_svg: String,
    enabled_text: String,
    codes_left: String,
    /// Recovery codes just issued, shown this once.
    codes: Vec<String>,
    error: Option<String>,
}

async fn render_security(
    app: &App,
    actor: &Actor,
    caller: &Caller,
    codes: Vec<String>,
    error: Option<AppError>,
) -> PageResult {
    let ctx = Ctx::new(caller, None);
    let lang = ctx.t.0;
    let status = second_factor::status(app, actor).await?;
    let pending = if status.enabled { None } else { second_factor::pending_url(app, actor).await? };
    let qr_svg = match &pending {
        Some(p) => qrcode::QrCode::new(p.otpauth_url.as_bytes())
            .map_err(|e| AppError::Internal(e.to_string()))?
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
        None => String::new(),
    };
    let date = crate::domain::format_datetime(status.enabled_at);
    let page = SecurityPage {
        enabled_text: Msg::new("security.enabled").arg("date", date).render(lang),
        codes_left: Msg::new("security.codes_left").arg("count", status.recovery_codes_left).render(lang),
        status,
        pending,
        qr_svg,
        codes,
        error: error.as_ref().map(|e| e.message(lang)),
        ctx,
    };
    let mut resp = render(&page);
    if let Some(e) = error {
        *resp.status_mut() = e.status();
    }
    Ok(resp)
}

async fn security_page(State(app): State<App>, PageActor { actor, caller }: PageActor) -> PageResult {
    render_security(&app, &actor, &caller, Vec::new(), None).await
}

async fn begin_enrolment(State(app): State<App>, PageActor { actor, caller }: PageActor) -> PageResult {
    match second_factor::begin(&app, &actor).await {
        Ok(_) => Ok(see_other("/account/security")),
        Err(e) => render_security(&app, &actor, &caller, Vec::new(), Some(e)).await,
    }
}

async fn confirm_enrolment(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Form(f): Form<Pairs>,
) -> PageResult {
    match second_factor::confirm(&app, &actor, Fields(f).get("code")).await {
        // The session may be used fully now: the page after shows it as such.
        Ok(codes) => {
            let mut actor = actor;
            actor.must_enroll_second_factor = false;
            let mut caller = caller;
            caller.actor = Some(actor.clone());
            render_security(&app, &actor, &caller, codes, None).await
        }
        Err(e) => render_security(&app, &actor, &caller, Vec::new(), Some(e)).await,
    }
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    ctx: Ctx,
    lead: String,
    next: String,
    error: Option<String>,
}

fn confirm_page(app: &App, caller: &Caller, next: Option<&str>, error: Option<&AppError>) -> Response {
    let ctx = Ctx::new(caller, None);
    let lead = Msg::new("confirm.lead").arg("minutes", app.config.reauth_minutes).render(ctx.t.0);
    let error_text = error.map(|e| e.message(ctx.t.0));
    let mut resp = render(&ConfirmPage { lead, next: safe_next(next), error: error_text, ctx });
    if let Some(e) = error {
        *resp.status_mut() = e.status();
    }
    resp
}

async fn confirm_form(
    State(app): State<App>,
    PageActor { caller, .. }: PageActor,
    Query(q): Query<NextParam>,
) -> Response {
    confirm_page(&app, &caller, q.next.as_deref(), None)
}

#[derive(Deserialize)]
struct ConfirmForm {
    password: String,
    next: Option<String>,
}

async fn confirm_password(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Form(f): Form<ConfirmForm>,
) -> Response {
    let token = caller.session_token.clone().unwrap_or_default();
    match auth::confirm_password(&app, &actor, &token, &f.password).await {
        Ok(()) => see_other(&safe_next(f.next.as_deref())),
        Err(e) => confirm_page(&app, &caller, f.next.as_deref(), Some(&e)),
    }
}

async fn reset_second_factor(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    second_factor::reset(&app, &actor, id, caller.secret()).await?;
    Ok(see_other("/admin/users?ok=ok.second_factor_reset"))
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    ctx: Ctx,
    list: crate::services::Page<users::User>,
    units: Vec<units::Unit>,
    q: String,
    /// A password the system just made, shown once.
    issued: Option<(String, String)>,
}

#[derive(Deserialize, Default)]
struct UsersQuery {
    q: Option<String>,
    page: Option<i64>,
    ok: Option<String>,
}

async fn render_users(
    app: &App,
    actor: &Actor,
    caller: &Caller,
    q: UsersQuery,
    issued: Option<(String, String)>,
) -> PageResult {
    let list = users::list(app, actor, q.q.as_deref(), Paging { page: q.page, per_page: Some(50) }).await?;
    // Account management is privileged: the page itself asks for the password once it is stale.
    actor.require_recent_password(app)?;
    Ok(render(&UsersPage {
        ctx: Ctx::new(caller, q.ok.as_deref()),
        list,
        units: units::list(app).await?,
        q: q.q.unwrap_or_default(),
        issued,
    }))
}

/// The users page after an account was made or reset, showing once the user name and the
/// password the system made (if it made one).
async fn render_issued(
    app: &App,
    actor: &Actor,
    caller: &Caller,
    ok: &str,
    issued: users::Issued,
) -> PageResult {
    let shown = issued.initial_password.map(|p| (issued.username, p));
    render_users(app, actor, caller, UsersQuery { ok: Some(ok.into()), ..Default::default() }, shown).await
}

async fn users_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Query(q): Query<UsersQuery>,
) -> PageResult {
    render_users(&app, &actor, &caller, q, None).await
}

async fn add_user(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let input = users::NewUser {
        username: f.get("username").to_string(),
        display_name: f.get("display_name").to_string(),
        password: None,
        role: Some(f.get("role").to_string()),
        unit_id: f.get("unit_id").parse().ok(),
        person_phone: Some(f.get("person_phone").to_string()),
    };
    let issued = users::add(&app, &actor, input).await?;
    render_issued(&app, &actor, &caller, "ok.user_added", issued).await
}

async fn reset_user(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let issued = users::reset_password(&app, &actor, id, None).await?;
    render_issued(&app, &actor, &caller, "ok.password_reset", issued).await
}

async fn grant_user_role(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let role = Role::parse(f.get("role")).ok_or_else(|| AppError::invalid("role", Msg::new("err.role")))?;
    users::grant(&app, &actor, id, role, f.get("unit_id").parse().ok()).await?;
    Ok(see_other("/admin/users?ok=ok.role_granted"))
}

async fn revoke_user_role(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path((id, grant_id)): Path<(i64, i64)>,
) -> PageResult {
    users::revoke(&app, &actor, id, grant_id).await?;
    Ok(see_other("/admin/users?ok=ok.role_revoked"))
}

async fn disable_user(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let disabled = Fields(f).get("disabled") == "1";
    users::set_disabled(&app, &actor, id, disabled).await?;
    Ok(see_other("/admin/users?ok=ok.saved"))
}

async fn end_user_sessions(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    users::end_sessions(&app, &actor, id, caller.secret()).await?;
    Ok(see_other("/admin/users?ok=ok.saved"))
}

async fn link_user_person(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    users::link_person(&app, &actor, id, Fields(f).get("phone")).await?;
    Ok(see_other("/admin/users?ok=ok.linked"))
}
