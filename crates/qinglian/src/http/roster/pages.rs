//! Pages of units and people: the unit tree, the roster with masked phones, and the import's
//! preview and write.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::domain::Role;
use crate::error::AppError;
use crate::http::common::{
    read_multipart, render, see_other, Ctx, Fields, Notice, PageActor, PageResult, Pairs,
};
use crate::i18n::{self, Msg};
use crate::services::{people, roster, units, App, Paging};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/people", get(people_page))
        .route("/people/import", get(import_form).post(import))
        .route("/people/{id}", get(person_page).post(edit_person))
        .route("/people/{id}/leave", post(leave_person))
        .route("/people/{id}/rejoin", post(rejoin_person))
        .route("/people/{id}/merge", post(merge_person))
        .route("/units/{id}/merge", post(merge_unit))
        .route("/units", get(units_page).post(add_unit))
        .route("/units/{id}", get(unit_page).post(edit_unit))
}

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
    let limit = app.config.max_upload_bytes;
    let too_large = |name: &str| {
        AppError::TooLarge(Msg::new("err.file_too_large").arg("name", name).arg("mb", limit / 1024 / 1024))
    };
    // The first step uploads the file; choosing "valid rows only" afterwards re-reads it from the
    // file store by its digest, so any server behind the load balancer can take the second step.
    // The stored file's size is checked before a byte of it is read.
    let (file_name, bytes) = match upload {
        Some(u) => u,
        None => {
            let (key, name) = (fields.get("file_key"), fields.get("file_name").to_string());
            let missing = || AppError::invalid("file", Msg::new("err.file_required"));
            if key.is_empty() {
                return Err(missing().into());
            }
            let stored = app.files.open(key).await.map_err(|_| missing())?;
            if stored.size > limit as u64 {
                return Err(too_large(&name).into());
            }
            (name, stored.into_bytes().await.map_err(AppError::from)?)
        }
    };
    if bytes.len() > limit {
        return Err(too_large(&file_name).into());
    }
    let mode = match fields.get("mode") {
        "" => roster::ImportMode::All,
        m => roster::ImportMode::parse(m),
    };
    let report = roster::import(&app, &actor, &bytes, &file_name, mode, i18n::current()).await?;
    let file_key = if report.written {
        String::new()
    } else {
        let key = crate::storage::content_key(&bytes);
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

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    ctx: Ctx,
    unit: units::Unit,
    /// Where it may move: the units the actor covers, outside its own subtree.
    parents: Vec<units::Unit>,
    /// What it may be merged into: the units the actor covers, outside its own subtree.
    targets: Vec<units::Unit>,
    types: Vec<units::UnitType>,
}

async fn unit_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> PageResult {
    let unit = units::get(&app, id).await?;
    if !actor.covers(&unit.path) {
        return Err(AppError::NotFound.into());
    }
    // Units outside this one's subtree: where it may move, and what it may be merged into.
    let targets: Vec<units::Unit> =
        units::visible(&app, &actor).await?.into_iter().filter(|u| !u.path.starts_with(&unit.path)).collect();
    let mut parents = targets.clone();
    // Staying where it is is always a choice, even under a parent the actor does not administer.
    if let Some(pid) = unit.parent_id.filter(|pid| !parents.iter().any(|u| u.id == *pid)) {
        parents.insert(0, units::get(&app, pid).await?);
    }
    Ok(render(&UnitPage {
        ctx: Ctx::new(&caller, n.ok.as_deref()),
        unit,
        parents,
        targets,
        types: units::types(&app).await?,
    }))
}

async fn edit_unit(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<UnitForm>,
) -> PageResult {
    let parent_id = f.parent_id.as_deref().and_then(|s| s.parse().ok());
    units::update(&app, &actor, id, units::UnitChange { name: f.name, type_code: f.type_code, parent_id })
        .await?;
    Ok(see_other(&format!("/units/{id}?ok=ok.saved")))
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    ctx: Ctx,
    p: people::PersonDetail,
    units: Vec<units::Unit>,
    ranks: Vec<String>,
    /// Others of the same name: where a duplicate is merged.
    namesakes: Vec<people::Namesake>,
}

async fn person_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> PageResult {
    Ok(render(&PersonPage {
        ctx: Ctx::new(&caller, n.ok.as_deref()),
        p: people::get(&app, &actor, id).await?,
        units: units::visible(&app, &actor).await?,
        ranks: app.config.ranks.names().map(str::to_string).collect(),
        namesakes: people::namesakes(&app, &actor, id).await?,
    }))
}

async fn edit_person(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    // A contact field left blank keeps what is stored: the form never shows a masked number
    // for the user to send back.
    let kept = |name: &str| Some(f.get(name).to_string()).filter(|v| !v.trim().is_empty());
    let input = people::PersonInput {
        name: f.get("name").to_string(),
        unit_id: f.int("unit_id", "err.unit_unknown")?,
        position: f.get("position").to_string(),
        rank: f.get("rank").to_string(),
        party_member: f.get("party_member") == "1",
        phone: kept("phone"),
        email: kept("email"),
        notify_by: kept("notify_by"),
    };
    people::update(&app, &actor, id, input).await?;
    Ok(see_other(&format!("/people/{id}?ok=ok.saved")))
}

async fn leave_person(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    people::leave(&app, &actor, id, Fields(f).get("reason")).await?;
    Ok(see_other(&format!("/people/{id}?ok=ok.person_left")))
}

async fn rejoin_person(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    people::rejoin(&app, &actor, id).await?;
    Ok(see_other(&format!("/people/{id}?ok=ok.person_rejoined")))
}

async fn merge_person(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let kept = Fields(f).int("into", "err.person_unknown")?;
    people::merge(&app, &actor, id, kept).await?;
    Ok(see_other(&format!("/people/{kept}?ok=ok.person_merged")))
}

async fn merge_unit(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let into = Fields(f).int("into", "err.unit_unknown")?;
    units::merge(&app, &actor, id, into).await?;
    Ok(see_other(&format!("/units/{into}?ok=ok.unit_merged")))
}
