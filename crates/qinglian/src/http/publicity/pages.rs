//! Pages of the social publicity: recording placements on a phone (with photos), importing a
//! spreadsheet of them, totals by channel, material and district, and the XLSX list.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::error::AppError;
use crate::http::common::{
    read_multipart, render, see_other, uploaded_file, xlsx_download, Caller, Ctx, Fields, PageActor,
    PageError, Pairs,
};
use crate::i18n;
use crate::services::{campaigns, placements, units, App, Paging};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/campaigns/{id}/placements", get(page).post(create))
        .route("/campaigns/{id}/placements/import", post(import))
        .route("/campaigns/{id}/placements.xlsx", get(export))
        .route("/placement-photos/{id}", get(photo))
        .route("/placements/{id}", get(placement_page).post(edit))
        .route("/placements/{id}/delete", post(delete))
}

type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "placements.html")]
struct PlacementsPage {
    ctx: Ctx,
    c: campaigns::Campaign,
    totals: placements::Totals,
    list: crate::services::Page<placements::PlacementRow>,
    materials: Vec<placements::Named>,
    channels: Vec<placements::Named>,
    units: Vec<units::Unit>,
    report: Option<placements::ImportReport>,
    /// The new placement's form, dated for the campaign.
    f: placements::PlacementInput,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    page: Option<i64>,
    ok: Option<String>,
}

async fn render_page(
    app: &App,
    actor: &crate::services::Actor,
    caller: &Caller,
    id: i64,
    q: ListQuery,
    report: Option<placements::ImportReport>,
) -> PageResult {
    let c = campaigns::get(app, id).await?;
    let f = placements::PlacementInput {
        start_date: c.start_date.clone(),
        end_date: c.end_date.clone(),
        ..Default::default()
    };
    Ok(render(&PlacementsPage {
        ctx: Ctx::new(caller, q.ok.as_deref()),
        c,
        f,
        totals: placements::totals(app, actor, id).await?,
        list: placements::list(app, actor, id, Paging { page: q.page, per_page: Some(30) }).await?,
        materials: placements::materials(app).await?,
        channels: placements::channels(app).await?,
        units: units::visible(app, actor).await?,
        report,
    }))
}

async fn page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    render_page(&app, &actor, &caller, id, q, None).await
}

/// The placement form: fields and up to six photos.
pub(crate) fn input_from(f: &Fields) -> Result<placements::PlacementInput, AppError> {
    let number = |name: &str| -> Option<f64> {
        Some(f.get(name).trim()).filter(|s| !s.is_empty()).and_then(|s| s.parse().ok())
    };
    Ok(placements::PlacementInput {
        unit_id: f.int("unit_id", "err.unit_unknown")?,
        material: f.get("material").to_string(),
        channel: f.get("channel").to_string(),
        place: f.get("place").to_string(),
        district: f.get("district").to_string(),
        lat: number("lat"),
        lng: number("lng"),
        quantity: f.int("quantity", "err.number")?,
        start_date: f.get("start_date").to_string(),
        end_date: f.get("end_date").to_string(),
        note: f.get("note").to_string(),
        theme_ids: f.ids("theme_ids"),
    })
}

async fn create(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    let (f, photos) = read_multipart(mp).await?;
    placements::create(&app, &actor, id, input_from(&f)?, photos).await?;
    Ok(see_other(&format!("/campaigns/{id}/placements?ok=ok.placement_added")))
}

#[derive(Template)]
#[template(path = "placement.html")]
struct PlacementPage {
    ctx: Ctx,
    id: i64,
    campaign_id: i64,
    f: placements::PlacementInput,
    materials: Vec<placements::Named>,
    channels: Vec<placements::Named>,
    units: Vec<units::Unit>,
}

async fn placement_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let (campaign_id, f) = placements::for_correction(&app, &actor, id).await?;
    Ok(render(&PlacementPage {
        ctx: Ctx::new(&caller, None),
        id,
        campaign_id,
        f,
        materials: placements::materials(&app).await?,
        channels: placements::channels(&app).await?,
        units: units::visible(&app, &actor).await?,
    }))
}

async fn edit(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let campaign_id = placements::update(&app, &actor, id, input_from(&Fields(f))?).await?;
    Ok(see_other(&format!("/campaigns/{campaign_id}/placements?ok=ok.saved")))
}

async fn delete(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    placements::delete(&app, &actor, id).await?;
    let campaign = Fields(f).int("campaign_id", "err.required")?;
    Ok(see_other(&format!("/campaigns/{campaign}/placements?ok=ok.placement_deleted")))
}

async fn import(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    let (_, mut files) = read_multipart(mp).await?;
    let file =
        files.pop().ok_or_else(|| AppError::invalid("file", crate::i18n::Msg::new("err.file_required")))?;
    let report = placements::import(&app, &actor, id, &file.bytes, i18n::current()).await?;
    render_page(&app, &actor, &caller, id, ListQuery::default(), Some(report)).await
}

async fn export(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let bytes = placements::export_xlsx(&app, &actor, id).await?;
    Ok(xlsx_download(&format!("placements-{id}"), bytes))
}

async fn photo(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let (kind, file) = placements::photo(&app, &actor, id).await?;
    Ok(uploaded_file(kind, &format!("photo-{id}"), file))
}
