//! Server-rendered pages (askama). Each handler parses, calls one service, renders.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::auth::{set_cookie, Caller, PageActor, PRE_SESSION_COOKIE, SESSION_COOKIE};
use super::form::{read_multipart, Fields};
use crate::domain::Role;
use crate::error::AppError;
use crate::i18n::{self, Msg, T};
use crate::services::{
    audit, auth, board, campaigns, ledger, people, roster, units, users, Actor, App, Paging,
};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/account/password", get(password_form).post(change_password))
        .route("/campaigns", post(create_campaign))
        .route("/campaigns/{id}", get(campaign_page))
        .route("/campaigns/{id}/edit", post(edit_campaign))
        .route("/campaigns/{id}/status", post(campaign_status))
        .route("/campaigns/{id}/activities", post(add_activity))
        .route("/campaigns/{id}/board", get(board_page))
        .route("/activities/{id}", get(activity_page))
        .route("/activities/{id}/assign", post(assign))
        .route("/activities/{id}/entries", post(file_activity_entry))
        .route("/entries/{id}", get(entry_page))
        .route("/tasks", get(tasks_page))
        .route("/tasks/{id}", get(task_page))
        .route("/tasks/{id}/entries", post(file_entry))
        .route("/entries/{id}/review", post(review_entry))
        .route("/entries/{id}/resubmit", post(resubmit_entry))
        .route("/files/{id}", get(file))
        .route("/people", get(people_page))
        .route("/people/import", get(import_form).post(import))
        .route("/units", get(units_page).post(add_unit))
        .route("/audit", get(audit_page))
        .route("/admin/users", get(users_page).post(add_user))
        .route("/admin/users/{id}/reset", post(reset_user))
        .route("/admin/users/{id}/roles", post(grant_user_role))
        .route("/admin/users/{id}/roles/{grant_id}/revoke", post(revoke_user_role))
        .route("/admin/users/{id}/disabled", post(disable_user))
        .route("/admin/users/{id}/person", post(link_user_person))
        .route("/admin/users/{id}/sessions/end", post(end_user_sessions))
        .route("/audit/export.csv", get(audit_export))
}

/// What the layout needs on every page.
pub struct Ctx {
    pub t: T,
    pub user: Option<Actor>,
    pub csrf: String,
    pub notice: Option<&'static str>,
    pub can_organise: bool,
    pub can_audit: bool,
    pub can_admin: bool,
    pub path: String,
}

impl Ctx {
    pub(crate) fn new(caller: &Caller, notice: Option<&str>) -> Ctx {
        let t = T(i18n::current());
        let user = caller.actor.clone();
        Ctx {
            t,
            can_organise: user.as_ref().is_some_and(|u| u.campaign_wide()),
            can_audit: user.as_ref().is_some_and(|u| u.can_read_audit()),
            can_admin: user.as_ref().is_some_and(|u| u.has(Role::Admin)),
            user,
            csrf: caller.csrf_token.clone(),
            notice: notice.filter(|k| k.starts_with("ok.") && i18n::has_key(k)).map(|k| t.get(k)),
            path: String::new(),
        }
    }
    pub fn user_name(&self) -> &str {
        self.user.as_ref().map(|u| u.display_name.as_str()).unwrap_or("")
    }
    pub fn sitting_kind(&self, kind: &str) -> &'static str {
        self.label("sitting.kind", kind)
    }
    /// The catalogue's text for a coded value: `label("integrity.status", "recognised")`.
    pub fn label(&self, prefix: &str, code: &str) -> &'static str {
        self.t.get(&format!("{prefix}.{code}"))
    }
    pub fn status(&self, s: &str) -> &'static str {
        self.t.get(&format!("status.{s}"))
    }
}

pub(crate) fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => error_page(&AppError::Internal(e.to_string())),
    }
}

/// A page-handler error: rendered as an HTML page in the user's language.
pub struct PageError(AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(&self.0)
    }
}

type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: T,
    message: String,
    fields: Vec<String>,
    signed_out: bool,
}

pub fn error_page(e: &AppError) -> Response {
    if let AppError::Internal(detail) = e {
        tracing::error!(%detail, "internal error");
    }
    let lang = i18n::current();
    let page = ErrorPage {
        t: T(lang),
        message: e.message(lang),
        fields: e.fields().iter().map(|f| f.render(lang)).collect(),
        signed_out: matches!(e, AppError::Unauthorized),
    };
    (e.status(), Html(page.render().unwrap_or_else(|_| e.message(lang)))).into_response()
}

/// `?ok=` of a page reached after a successful write: the catalogue key of its notice.
#[derive(Deserialize, Default)]
pub(crate) struct Notice {
    pub(crate) ok: Option<String>,
}

pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

// ---- sign-in ----

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
    let (ctx, cookie) = anonymous_form(&caller);
    let page = LoginPage { ctx, next: safe_next(next), error, username };
    let mut resp = render(&page);
    *resp.status_mut() = status;
    if let Some(v) = cookie {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// A page with a form for someone who may not be signed in, answered with `status`.
pub(crate) fn anonymous_page(
    caller: &Caller,
    status: StatusCode,
    page: impl FnOnce(Ctx) -> Response,
) -> Response {
    let (ctx, cookie) = anonymous_form(caller);
    let mut resp = page(ctx);
    *resp.status_mut() = status;
    if let Some(c) = cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}

/// A form for someone who may not be signed in: with a session, its CSRF token; without, a fresh
/// double-submit token and the cookie that carries it.
pub(crate) fn anonymous_form(caller: &Caller) -> (Ctx, Option<axum::http::HeaderValue>) {
    let mut ctx = Ctx::new(caller, None);
    if caller.session_token.is_some() {
        return (ctx, None);
    }
    let pre = auth::random_token();
    ctx.csrf = pre.clone();
    (ctx, set_cookie(PRE_SESSION_COOKIE, &pre, "Strict", None, caller.secure).parse().ok())
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

// ---- campaign ----

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    campaigns: Vec<campaigns::CampaignSummary>,
    form: CampaignForm,
    units: Vec<units::Unit>,
}

/// The campaign form's values as text, blank or from a campaign.
#[derive(Default)]
struct CampaignForm {
    title: String,
    year: String,
    theme: String,
    start_date: String,
    end_date: String,
    guiding_text: String,
    requirements: String,
    issuer_unit_id: Option<i64>,
    themes: String,
}

impl CampaignForm {
    fn issued_by(&self, unit_id: &i64) -> bool {
        self.issuer_unit_id == Some(*unit_id)
    }

    fn of(c: &campaigns::Campaign) -> CampaignForm {
        CampaignForm {
            title: c.title.clone(),
            year: c.year.to_string(),
            theme: c.theme.clone(),
            start_date: c.start_date.clone(),
            end_date: c.end_date.clone(),
            guiding_text: c.guiding_text.clone(),
            requirements: c.requirements.clone(),
            issuer_unit_id: c.issuer_unit_id,
            themes: c.themes.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join("、"),
        }
    }

    /// The submitted form as the service's input.
    fn input(f: &Fields) -> Result<campaigns::CampaignInput, AppError> {
        Ok(campaigns::CampaignInput {
            title: f.get("title").to_string(),
            year: f.int("year", "err.year")?,
            theme: f.get("theme").to_string(),
            start_date: f.get("start_date").to_string(),
            end_date: f.get("end_date").to_string(),
            guiding_text: f.get("guiding_text").to_string(),
            requirements: f.get("requirements").to_string(),
            issuer_unit_id: f.get("issuer_unit_id").parse().ok(),
            themes: f.get("themes").split(['、', ',', '，', ';', '；', '\n']).map(str::to_string).collect(),
        })
    }
}

async fn home(
    State(app): State<App>,
    PageActor { caller, .. }: PageActor,
    Query(n): Query<Notice>,
) -> PageResult {
    let list = campaigns::list(&app).await?;
    let year = time::OffsetDateTime::now_utc().year().to_string();
    let form = CampaignForm { year, ..CampaignForm::default() };
    let units = if caller.actor.as_ref().is_some_and(|a| a.campaign_wide()) {
        units::list(&app).await?
    } else {
        Vec::new()
    };
    Ok(render(&HomePage { ctx: Ctx::new(&caller, n.ok.as_deref()), campaigns: list, form, units }))
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct CampaignPage {
    ctx: Ctx,
    c: campaigns::Campaign,
    kinds: Vec<campaigns::ActivityKind>,
    units: Vec<units::Unit>,
    board: board::Board,
    form: CampaignForm,
}

async fn campaign_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> PageResult {
    let c = campaigns::get(&app, id).await?;
    let b = board::board(
        &app,
        &actor,
        id,
        &board::BoardFilter::default(),
        Paging { page: Some(1), per_page: Some(1) },
    )
    .await?;
    Ok(render(&CampaignPage {
        ctx: Ctx::new(&caller, n.ok.as_deref()),
        form: CampaignForm::of(&c),
        c,
        kinds: campaigns::kinds(&app).await?,
        units: if actor.campaign_wide() { units::list(&app).await? } else { Vec::new() },
        board: b,
    }))
}

pub(crate) type Pairs = Vec<(String, String)>;

async fn create_campaign(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Form(f): Form<Pairs>,
) -> PageResult {
    let id = campaigns::create(&app, &actor, CampaignForm::input(&Fields(f))?).await?;
    Ok(see_other(&format!("/campaigns/{id}?ok=ok.saved")))
}

async fn edit_campaign(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    campaigns::update(&app, &actor, id, CampaignForm::input(&Fields(f))?).await?;
    Ok(see_other(&format!("/campaigns/{id}?ok=ok.saved")))
}

async fn campaign_status(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    campaigns::set_status(&app, &actor, id, Fields(f).get("status")).await?;
    Ok(see_other(&format!("/campaigns/{id}?ok=ok.saved")))
}

async fn add_activity(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let input = campaigns::ActivityInput {
        kind: f.get("kind").to_string(),
        title: f.get("title").to_string(),
        lead_unit_id: f.int("lead_unit_id", "err.unit_unknown")?,
        co_unit_ids: f.ids("co_unit_ids"),
        description: f.get("description").to_string(),
        audience: f.get("audience").to_string(),
        start_date: f.get("start_date").to_string(),
        end_date: f.get("end_date").to_string(),
        theme_ids: f.ids("theme_ids"),
    };
    let aid = campaigns::add_activity(&app, &actor, id, input).await?;
    Ok(see_other(&format!("/activities/{aid}?ok=ok.activity_added")))
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    ctx: Ctx,
    a: campaigns::Activity,
    entries: crate::services::Page<ledger::EntrySummary>,
    themes: Vec<campaigns::Theme>,
    sittings: Vec<crate::services::sittings::SittingRow>,
    materials: Vec<(i64, String, String)>,
    ranks: Vec<String>,
    board: board::Board,
    types: Vec<units::UnitType>,
    units: Vec<units::Unit>,
}

async fn activity_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> PageResult {
    let a = campaigns::activity(&app, id).await?;
    let filter = board::BoardFilter { activity_id: Some(id), ..Default::default() };
    let b = board::board(&app, &actor, a.campaign_id, &filter, Paging { page: Some(1), per_page: Some(1) })
        .await?;
    let entries =
        ledger::entries_of_activity(&app, &actor, id, Paging { page: Some(1), per_page: Some(50) }).await?;
    let themes = campaigns::get(&app, a.campaign_id).await?.themes;
    Ok(render(&ActivityPage {
        ctx: Ctx::new(&caller, n.ok.as_deref()),
        a,
        board: b,
        entries,
        themes,
        sittings: crate::services::sittings::list_for_activity(&app, &actor, id).await?,
        materials: super::signing::materials_of(&app, id).await?,
        ranks: super::sittings::ranks(&app).await?,
        types: units::types(&app).await?,
        // Organisers may act for every unit, a unit administrator for his own subtree.
        units: units::visible(&app, &actor).await?,
    }))
}

async fn file_activity_entry(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    let (fields, files) = read_multipart(mp).await?;
    let unit_id = fields.int("unit_id", "err.unit_unknown")?;
    let entry = ledger::file_for_activity(&app, &actor, id, unit_id, fields.entry()?, files).await?;
    Ok(see_other(&format!("/entries/{entry}?ok=ok.entry_filed")))
}

#[derive(Template)]
#[template(path = "entry.html")]
struct EntryPage {
    ctx: Ctx,
    heading: String,
    activity_id: i64,
    activity_title: String,
    /// The one entry, as a list so the page shares `_entry.html` with the task page.
    entries: Vec<ledger::Entry>,
    themes: Vec<campaigns::Theme>,
}

async fn entry_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> PageResult {
    let e = ledger::get(&app, &actor, id).await?;
    let campaign_id = campaigns::activity(&app, e.activity_id).await?.campaign_id;
    let themes = campaigns::get(&app, campaign_id).await?.themes;
    Ok(render(&EntryPage {
        ctx: Ctx::new(&caller, n.ok.as_deref()),
        heading: format!("{} · {}", e.unit_name, e.activity_title),
        activity_id: e.activity_id,
        activity_title: e.activity_title.clone(),
        entries: vec![e],
        themes,
    }))
}

/// Where to go after acting on an entry: its task when it has one, else the entry itself.
fn entry_home(entry: &ledger::Entry) -> String {
    match entry.task_id {
        Some(task) => format!("/tasks/{task}"),
        None => format!("/entries/{}", entry.id),
    }
}

async fn assign(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let targets = match f.get("by") {
        "types" => campaigns::Targets::Types { type_codes: f.all("type_codes") },
        "units" => campaigns::Targets::Units { unit_ids: f.ids("unit_ids") },
        _ => campaigns::Targets::Below { unit_id: f.int("below_unit_id", "err.unit_unknown")? },
    };
    let input = campaigns::AssignmentInput {
        title: f.get("title").to_string(),
        description: f.get("description").to_string(),
        due_date: f.get("due_date").to_string(),
        targets,
    };
    campaigns::assign(&app, &actor, id, input).await?;
    Ok(see_other(&format!("/activities/{id}?ok=ok.assigned")))
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    ctx: Ctx,
    c: campaigns::Campaign,
    b: board::Board,
    f: BoardQuery,
    query_base: String,
}

#[derive(Deserialize, Default)]
struct BoardQuery {
    activity_id: Option<String>,
    status: Option<String>,
    overdue: Option<String>,
    page: Option<i64>,
}

async fn board_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(q): Query<BoardQuery>,
) -> PageResult {
    let c = campaigns::get(&app, id).await?;
    let filter = board::BoardFilter {
        activity_id: q.activity_id.as_deref().and_then(|s| s.parse().ok()),
        unit_id: None,
        overdue: Some(q.overdue.as_deref() == Some("1")),
        status: q.status.clone().filter(|s| !s.is_empty()),
    };
    let b = board::board(&app, &actor, id, &filter, Paging { page: q.page, per_page: Some(50) }).await?;
    let query_base = format!(
        "activity_id={}&status={}&overdue={}",
        q.activity_id.as_deref().unwrap_or(""),
        q.status.as_deref().unwrap_or(""),
        q.overdue.as_deref().unwrap_or("")
    );
    Ok(render(&BoardPage { ctx: Ctx::new(&caller, None), c, b, f: q, query_base }))
}

// ---- tasks and ledger ----

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    ctx: Ctx,
    tasks: crate::services::Page<ledger::Task>,
    status: String,
}

#[derive(Deserialize)]
struct TasksQuery {
    status: Option<String>,
    page: Option<i64>,
}

async fn tasks_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Query(q): Query<TasksQuery>,
) -> PageResult {
    let filter = ledger::TaskFilter { status: q.status.clone(), ..Default::default() };
    let tasks = ledger::tasks(&app, &actor, &filter, Paging { page: q.page, per_page: Some(50) }).await?;
    Ok(render(&TasksPage { ctx: Ctx::new(&caller, None), tasks, status: q.status.unwrap_or_default() }))
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    ctx: Ctx,
    task: ledger::Task,
    entries: Vec<ledger::Entry>,
    themes: Vec<campaigns::Theme>,
    today: String,
}

async fn task_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> PageResult {
    let task = ledger::task(&app, &actor, id).await?;
    let entries = ledger::entries_of_task(&app, &actor, id).await?;
    let themes = campaigns::get(&app, task.campaign_id).await?.themes;
    Ok(render(&TaskPage {
        ctx: Ctx::new(&caller, n.ok.as_deref()),
        task,
        entries,
        themes,
        today: crate::domain::today(),
    }))
}

/// A ledger entry as a multipart form: fields plus up to nine files.
pub(crate) async fn read_entry_form(
    mp: Multipart,
) -> Result<(ledger::EntryInput, Vec<ledger::Upload>), AppError> {
    let (fields, files) = read_multipart(mp).await?;
    Ok((fields.entry()?, files))
}

async fn file_entry(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    let (input, files) = read_entry_form(mp).await?;
    ledger::file_for_task(&app, &actor, id, input, files).await?;
    Ok(see_other(&format!("/tasks/{id}?ok=ok.entry_filed")))
}

#[derive(Deserialize)]
struct ReviewForm {
    decision: String,
    #[serde(default)]
    comment: String,
}

async fn review_entry(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<ReviewForm>,
) -> PageResult {
    let decision = if f.decision == "accept" { ledger::Decision::Accept } else { ledger::Decision::Return };
    ledger::review(&app, &actor, id, decision, &f.comment).await?;
    let entry = ledger::get(&app, &actor, id).await?;
    let key = if decision == ledger::Decision::Accept { "ok.accepted" } else { "ok.returned" };
    Ok(see_other(&format!("{}?ok={key}", entry_home(&entry))))
}

async fn resubmit_entry(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    let (input, files) = read_entry_form(mp).await?;
    ledger::resubmit(&app, &actor, id, input, files).await?;
    let entry = ledger::get(&app, &actor, id).await?;
    Ok(see_other(&format!("{}?ok=ok.resubmitted", entry_home(&entry))))
}

pub(crate) async fn file(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let actor = caller.actor.ok_or(AppError::Unauthorized)?;
    let (att, bytes) = ledger::attachment(&app, &actor, id).await?;
    let file = super::uploaded_file(att.content_type, &att.file_name, bytes);
    Ok(([(header::CACHE_CONTROL, "private, max-age=3600")], file).into_response())
}

// ---- people and units ----

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    ctx: Ctx,
    list: crate::services::Page<people::Person>,
    q: String,
    can_import: bool,
}

#[derive(Deserialize)]
struct PeopleQuery {
    q: Option<String>,
    page: Option<i64>,
}

async fn people_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Query(q): Query<PeopleQuery>,
) -> PageResult {
    let filter = people::PeopleFilter { q: q.q.clone(), ..Default::default() };
    let list = people::list(&app, &actor, &filter, Paging { page: q.page, per_page: Some(50) }).await?;
    let can_import = actor.campaign_wide() || actor.has(Role::UnitAdmin);
    Ok(render(&PeoplePage { ctx: Ctx::new(&caller, None), list, q: q.q.unwrap_or_default(), can_import }))
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    ctx: Ctx,
    report: Option<roster::ImportReport>,
    file_key: String,
    file_name: String,
}

async fn import_form(PageActor { caller, .. }: PageActor) -> Response {
    render(&ImportPage {
        ctx: Ctx::new(&caller, None),
        report: None,
        file_key: String::new(),
        file_name: String::new(),
    })
}

async fn import(State(app): State<App>, PageActor { actor, caller }: PageActor, mp: Multipart) -> PageResult {
    let (fields, mut files) = read_multipart(mp).await?;
    let upload = files.pop().map(|u| (u.file_name, u.bytes));
    // The first step uploads the file; choosing "valid rows only" afterwards re-reads it from the
    // file store by its digest, so any server behind the load balancer can take the second step.
    let (file_name, bytes) = match upload {
        Some(u) => u,
        None => {
            let key = fields.get("file_key");
            if key.is_empty() {
                return Err(AppError::invalid("file", Msg::new("err.file_required")).into());
            }
            let bytes = app
                .files
                .get(key)
                .await
                .map_err(|_| AppError::invalid("file", Msg::new("err.file_required")))?;
            (fields.get("file_name").to_string(), bytes)
        }
    };
    if bytes.len() > app.config.max_upload_bytes {
        return Err(AppError::TooLarge(
            Msg::new("err.file_too_large")
                .arg("name", &file_name)
                .arg("mb", app.config.max_upload_bytes / 1024 / 1024),
        )
        .into());
    }
    let mode = match fields.get("mode") {
        "" => roster::ImportMode::All,
        m => roster::ImportMode::parse(m),
    };
    let report = roster::import(&app, &actor, &bytes, &file_name, mode, i18n::current()).await?;
    let file_key = if report.written {
        String::new()
    } else {
        let key = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
        app.files.put(&key, &bytes).await.map_err(AppError::from)?;
        key
    };
    Ok(render(&ImportPage { ctx: Ctx::new(&caller, None), report: Some(report), file_key, file_name }))
}

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    ctx: Ctx,
    units: Vec<units::Unit>,
    types: Vec<units::UnitType>,
}

async fn units_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Query(n): Query<Notice>,
) -> PageResult {
    Ok(render(&UnitsPage {
        ctx: Ctx::new(&caller, n.ok.as_deref()),
        units: units::visible(&app, &actor).await?,
        types: units::types(&app).await?,
    }))
}

#[derive(Deserialize)]
struct UnitForm {
    name: String,
    type_code: String,
    parent_id: Option<String>,
}

async fn add_unit(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Form(f): Form<UnitForm>,
) -> PageResult {
    let parent_id = f.parent_id.as_deref().and_then(|s| s.parse().ok());
    units::create(&app, &actor, units::NewUnit { name: f.name, type_code: f.type_code, parent_id }).await?;
    Ok(see_other("/units?ok=ok.unit_added"))
}

// ---- audit ----

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    list: crate::services::Page<audit::AuditEntry>,
    f: AuditQuery,
    query: String,
}

#[derive(Deserialize, Default, Clone)]
struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    outcome: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<i64>,
}

impl AuditQuery {
    fn filter(&self) -> audit::AuditFilter {
        audit::AuditFilter {
            actor: self.actor.clone(),
            action: self.action.clone(),
            entity: None,
            outcome: self.outcome.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }
    fn query_string(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("actor", &self.actor),
            ("action", &self.action),
            ("outcome", &self.outcome),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if let Some(v) = v {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }
}

async fn audit_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    let list = audit::list(&app, &actor, &q.filter(), Paging { page: q.page, per_page: Some(50) }).await?;
    let query = q.query_string();
    Ok(render(&AuditPage { ctx: Ctx::new(&caller, None), list, f: q, query }))
}

async fn audit_export(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Query(q): Query<AuditQuery>,
) -> PageResult {
    let csv = audit::export_csv(&app, &actor, &q.filter()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"audit-log.csv\""),
        ],
        csv,
    )
        .into_response())
}

// ---- accounts ----

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
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    users::end_sessions(&app, &actor, id).await?;
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

/// Template helper: unix seconds as local time.
pub fn time_of(t: &i64) -> String {
    super::format_time(*t)
}
