//! Pages of campaigns and their ledger: the home page, a campaign and its activities, the
//! progress board, a unit's tasks, entries with evidence, review, and evidence files.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::error::AppError;
use crate::http::common::{
    read_multipart, render, see_other, uploaded_file, Caller, Ctx, Fields, Notice, PageActor, PageResult,
    Pairs,
};
use crate::i18n::Msg;
use crate::services::{board, campaigns, ledger, materials, people, units, App, Paging};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/", get(home))
        .route("/campaigns", post(create_campaign))
        .route("/campaigns/{id}", get(campaign_page))
        .route("/campaigns/{id}/edit", post(edit_campaign))
        .route("/campaigns/{id}/status", post(campaign_status))
        .route("/campaigns/{id}/activities", post(add_activity))
        .route("/campaigns/{id}/board", get(board_page))
        .route("/activities/{id}", get(activity_page))
        .route("/activities/{id}/edit", post(edit_activity))
        .route("/activities/{id}/delete", post(delete_activity))
        .route("/activities/{id}/assign", post(assign))
        .route("/activities/{id}/entries", post(file_activity_entry))
        .route("/entries/{id}", get(entry_page))
        .route("/tasks", get(tasks_page))
        .route("/tasks/{id}", get(task_page))
        .route("/tasks/{id}/withdraw", post(withdraw_task))
        .route("/assignments/{id}/edit", post(edit_assignment))
        .route("/tasks/{id}/entries", post(file_entry))
        .route("/entries/{id}/review", post(review_entry))
        .route("/entries/{id}/resubmit", post(resubmit_entry))
        .route("/files/{id}", get(file))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    campaigns: Vec<campaigns::CampaignSummary>,
    form: CampaignForm,
    units: Vec<units::Unit>,
    /// "上次登录：…", so the holder notices a sign-in that was not his.
    prior_login: String,
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
    let ctx = Ctx::new(&caller, n.ok.as_deref());
    let prior_login = match &caller.prior_login {
        Some((at, ip)) => Msg::new("login.prior")
            .arg("time", crate::domain::format_datetime(*at))
            .arg("ip", if ip.is_empty() { "—" } else { ip.as_str() })
            .render(ctx.t.0),
        None if caller.session_token.is_some() => ctx.t.get("login.first").to_string(),
        None => String::new(),
    };
    Ok(render(&HomePage { ctx, campaigns: list, form, units, prior_login }))
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
    let aid = campaigns::add_activity(&app, &actor, id, activity_input(&Fields(f))?).await?;
    Ok(see_other(&format!("/activities/{aid}?ok=ok.activity_added")))
}

/// The activity form, as added on the campaign page or corrected on the activity's own.
fn activity_input(f: &Fields) -> Result<campaigns::ActivityInput, AppError> {
    Ok(campaigns::ActivityInput {
        kind: f.get("kind").to_string(),
        title: f.get("title").to_string(),
        lead_unit_id: f.int("lead_unit_id", "err.unit_unknown")?,
        co_unit_ids: f.ids("co_unit_ids"),
        description: f.get("description").to_string(),
        audience: f.get("audience").to_string(),
        start_date: f.get("start_date").to_string(),
        end_date: f.get("end_date").to_string(),
        theme_ids: f.ids("theme_ids"),
    })
}

async fn edit_activity(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    campaigns::update_activity(&app, &actor, id, activity_input(&Fields(f))?).await?;
    Ok(see_other(&format!("/activities/{id}?ok=ok.saved")))
}

async fn delete_activity(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let campaign = campaigns::delete_activity(&app, &actor, id).await?;
    Ok(see_other(&format!("/campaigns/{campaign}?ok=ok.activity_deleted")))
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
    quizzes: Vec<(i64, String, bool)>,
    /// The campaign's question bank, for a test's draw.
    categories: Vec<crate::services::quiz::bank::Category>,
    ranks: Vec<String>,
    board: board::Board,
    types: Vec<units::UnitType>,
    units: Vec<units::Unit>,
    kinds: Vec<campaigns::ActivityKind>,
    assignments: Vec<campaigns::AssignmentRow>,
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
    let categories = crate::services::quiz::bank::categories(&app, a.campaign_id).await?;
    Ok(render(&ActivityPage {
        categories,
        ctx: Ctx::new(&caller, n.ok.as_deref()),
        a,
        board: b,
        entries,
        themes,
        sittings: crate::services::sittings::list_for_activity(&app, &actor, id).await?,
        materials: materials::list_for_activity(&app, id).await?,
        quizzes: crate::services::quiz::list_for_activity(&app, id).await?,
        ranks: people::ranks(&app).await?,
        types: units::types(&app).await?,
        // Organisers may act for every unit, a unit administrator for his own subtree.
        units: units::visible(&app, &actor).await?,
        kinds: campaigns::kinds(&app).await?,
        assignments: campaigns::assignments(&app, id).await?,
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

async fn edit_assignment(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let change = campaigns::AssignmentChange {
        title: f.get("title").to_string(),
        description: f.get("description").to_string(),
        due_date: f.get("due_date").to_string(),
    };
    campaigns::update_assignment(&app, &actor, id, change).await?;
    let activity = f.int("activity_id", "err.required")?;
    Ok(see_other(&format!("/activities/{activity}?ok=ok.saved#assignments")))
}

async fn withdraw_task(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let activity = campaigns::withdraw_task(&app, &actor, id, Fields(f).get("reason")).await?;
    Ok(see_other(&format!("/activities/{activity}?ok=ok.task_withdrawn")))
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

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    ctx: Ctx,
    tasks: crate::services::Page<ledger::Task>,
    status: String,
    /// The one activity whose tasks are shown, kept across filtering and pages.
    activity_id: Option<i64>,
}

#[derive(Deserialize)]
struct TasksQuery {
    status: Option<String>,
    /// One activity's tasks, as its page links to them.
    activity_id: Option<i64>,
    page: Option<i64>,
}

async fn tasks_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Query(q): Query<TasksQuery>,
) -> PageResult {
    let filter =
        ledger::TaskFilter { status: q.status.clone(), activity_id: q.activity_id, ..Default::default() };
    let tasks = ledger::tasks(&app, &actor, &filter, Paging { page: q.page, per_page: Some(50) }).await?;
    Ok(render(&TasksPage {
        ctx: Ctx::new(&caller, None),
        tasks,
        status: q.status.unwrap_or_default(),
        activity_id: q.activity_id,
    }))
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
    let file = uploaded_file(att.content_type, &att.file_name, bytes);
    Ok(([(header::CACHE_CONTROL, "private, max-age=3600")], file).into_response())
}
