//! Pages of supervision inspections: statistics by focus, theme, month and unit, overdue
//! rectifications, recording an inspection with its findings, closing with evidence, XLSX.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::http::common::{render, see_other, xlsx_download, Ctx, Fields, PageActor, PageError, Pairs};
use crate::services::{campaigns, inspections, units, App, Paging};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/campaigns/{id}/inspections", get(page).post(create))
        .route("/campaigns/{id}/inspections.xlsx", get(export))
        .route("/findings/{id}/close", post(close))
        .route("/findings/{id}/edit", post(edit_finding))
        .route("/findings/{id}/delete", post(delete_finding))
        .route("/findings/{id}/reopen", post(reopen_finding))
        .route("/inspections/{id}", get(inspection_page))
        .route("/inspections/{id}/edit", post(edit_inspection))
        .route("/inspections/{id}/delete", post(delete_inspection))
}

type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "inspections.html")]
struct InspectionsPage {
    ctx: Ctx,
    c: campaigns::Campaign,
    stats: inspections::Statistics,
    list: crate::services::Page<inspections::Finding>,
    units: Vec<units::Unit>,
    overdue_only: bool,
    today: String,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    page: Option<i64>,
    overdue: Option<String>,
    ok: Option<String>,
}

async fn page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let overdue_only = q.overdue.as_deref() == Some("1");
    let filter = inspections::FindingFilter { status: None, overdue: Some(overdue_only) };
    Ok(render(&InspectionsPage {
        ctx: Ctx::new(&caller, q.ok.as_deref()),
        c: campaigns::get(&app, id).await?,
        stats: inspections::statistics(&app, &actor, id).await?,
        list: inspections::findings(&app, &actor, id, &filter, Paging { page: q.page, per_page: Some(30) })
            .await?,
        units: if actor.campaign_wide() { units::list(&app).await? } else { Vec::new() },
        overdue_only,
        today: crate::domain::today(),
    }))
}

async fn create(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let finding = (!f.get("description").trim().is_empty()).then(|| inspections::FindingInput {
        category: f.get("category").to_string(),
        severity: f.get("severity").to_string(),
        description: f.get("description").to_string(),
        owner_unit_id: None,
        deadline: f.get("deadline").to_string(),
    });
    let input =
        inspections::InspectionInput { record: record_from(&f)?, findings: finding.into_iter().collect() };
    inspections::create(&app, &actor, id, input).await?;
    Ok(see_other(&format!("/campaigns/{id}/inspections?ok=ok.inspection_added")))
}

/// The inspection's own fields of the form that records or corrects it.
fn record_from(f: &Fields) -> Result<inspections::InspectionRecord, crate::error::AppError> {
    Ok(inspections::InspectionRecord {
        inspected_on: f.get("inspected_on").to_string(),
        unit_id: f.int("unit_id", "err.unit_unknown")?,
        focus: f.get("focus").to_string(),
        team: f.get("team").to_string(),
        summary: f.get("summary").to_string(),
        theme_id: f.get("theme_id").parse().ok(),
    })
}

async fn close(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    inspections::close(&app, &actor, id, f.get("evidence")).await?;
    Ok(see_other(&format!("/campaigns/{}/inspections?ok=ok.rectified", f.get("campaign_id"))))
}

async fn export(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let bytes = inspections::export_xlsx(&app, &actor, id).await?;
    Ok(xlsx_download(&format!("inspections-{id}"), bytes))
}

/// Back to the list the finding was acted on from.
fn back_to_list(f: &Fields, notice: &str) -> Response {
    see_other(&format!(
        "/campaigns/{}/inspections?ok={notice}",
        f.get("campaign_id").parse::<i64>().unwrap_or_default()
    ))
}

async fn edit_finding(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let input = inspections::FindingInput {
        category: f.get("category").to_string(),
        severity: f.get("severity").to_string(),
        description: f.get("description").to_string(),
        owner_unit_id: f.get("owner_unit_id").parse().ok(),
        deadline: f.get("deadline").to_string(),
    };
    inspections::update_finding(&app, &actor, id, input).await?;
    Ok(back_to_list(&f, "ok.saved"))
}

async fn delete_finding(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    inspections::delete_finding(&app, &actor, id).await?;
    Ok(back_to_list(&Fields(f), "ok.finding_deleted"))
}

async fn reopen_finding(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    inspections::reopen_finding(&app, &actor, id, f.get("reason")).await?;
    Ok(back_to_list(&f, "ok.finding_reopened"))
}

#[derive(Template)]
#[template(path = "inspection.html")]
struct InspectionPage {
    ctx: Ctx,
    i: inspections::Inspection,
    units: Vec<units::Unit>,
    themes: Vec<campaigns::Theme>,
}

async fn inspection_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let i = inspections::get(&app, &actor, id).await?;
    Ok(render(&InspectionPage {
        ctx: Ctx::new(&caller, q.ok.as_deref()),
        themes: campaigns::get(&app, i.campaign_id).await?.themes,
        units: units::list(&app).await?,
        i,
    }))
}

async fn edit_inspection(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    inspections::update(&app, &actor, id, record_from(&Fields(f))?).await?;
    Ok(see_other(&format!("/inspections/{id}?ok=ok.saved")))
}

async fn delete_inspection(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let campaign = inspections::delete(&app, &actor, id).await?;
    Ok(see_other(&format!("/campaigns/{campaign}/inspections?ok=ok.inspection_deleted")))
}
