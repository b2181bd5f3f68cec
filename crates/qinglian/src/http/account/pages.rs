//! Pages of accounts: the sign-in form, signing out, changing one's password, and the
//! administrators' user list.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::domain::Role;
use crate::error::AppError;
use crate::http::common::{
    anonymous_page, render, see_other, set_cookie, Caller, Ctx, Fields, PageActor, PageResult, Pairs,
    SESSION_COOKIE,
};
use crate::i18n::{self, Msg};
use crate::services::{auth, units, users, Actor, App, Paging};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/account/password", get(password_form).post(change_password))
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
        Ok(session) => {
            let to = if session.must_change_password {
                "/account/password".to_string()
            } else {
                safe_next(f.next.as_deref())
            };
            let mut resp = see_other(&to);
            if let Ok(v) = session_cookie(&session.token, caller.secure).parse() {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            resp
        }
        Err(e) => {
            let msg = e.message(i18n::current());
            login_page(caller, f.next.as_deref(), Some(msg), f.username, e.status())
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
    let mut resp = see_other("/login");
    if let Ok(v) = set_cookie(SESSION_COOKIE, "", "Lax", Some(0), caller.secure).parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
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
