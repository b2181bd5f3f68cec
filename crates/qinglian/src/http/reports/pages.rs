//! Pages of the campaign's end: the summary report (draft, editing, figures and overrides,
//! versions, DOCX and PDF), the notice, the ledger workbooks (directly for an activity or a unit,
//! as a background job with progress for the whole campaign), the statistics with charts, and
//! next year's campaign with the comparison of two years.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::documents::{chart, official, typeset};
use crate::error::AppError;
use crate::http::common::{
    base_url, download, render, see_other, xlsx_download, Ctx, Fields, Notice, PageActor, PageError, Pairs,
};
use crate::i18n::Msg;
use crate::services::report::{self, Draft, RenderedBlock};
use crate::services::{campaigns, jobs, ledgers, statistics, yearly, Actor, App};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/campaigns/{id}/report", get(report_page).post(save))
        .route("/campaigns/{id}/report/regenerate", post(regenerate))
        .route("/campaigns/{id}/report/refresh", post(refresh))
        .route("/campaigns/{id}/report/override", post(override_figure))
        .route("/campaigns/{id}/documents/{file}", get(document))
        .route("/campaigns/{id}/paperwork", post(save_paperwork))
        .route("/campaigns/{id}/ledger.xlsx", get(ledger_xlsx))
        .route("/campaigns/{id}/ledger-jobs", post(start_ledger_job))
        .route("/jobs/{id}", get(job_page))
        .route("/jobs/{id}/download", get(job_download))
        .route("/campaigns/{id}/statistics", get(statistics_page))
        .route("/campaigns/{id}/clone", post(clone))
        .route("/compare", get(compare_page))
}

type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    ctx: Ctx,
    c: campaigns::Campaign,
    d: Draft,
    rendered: Vec<RenderedBlock>,
    versions: Vec<report::VersionSummary>,
    units: Vec<crate::services::units::Unit>,
    campaigns: Vec<campaigns::CampaignSummary>,
    pdf_ready: bool,
    /// The figures grouped as the report is: the campaign's, then each activity's.
    sources: Vec<SourceGroup>,
    /// The editor's blocks, each with the figures its markers stand for.
    editor: Vec<EditorBlock>,
    /// Activities and themes the draft has no records for (shown, and asked about on download).
    gaps: Vec<String>,
    /// The notice's and the report's furniture, for their form.
    furniture: [(&'static str, report::paperwork::Furniture); 2],
}

struct EditorBlock {
    para: bool,
    text: String,
    /// (marker, "label：value") for each marker in the text.
    legend: Vec<(String, String)>,
}

/// One section of the figures' sources, collapsed on the page.
struct SourceGroup {
    title: String,
    keys: Vec<String>,
}

/// Groups the figure keys (`c.units`, `a3.checkins`) by what they count: the campaign's own
/// first, then each activity by its number.
fn source_groups(d: &Draft, c: &campaigns::Campaign) -> Vec<SourceGroup> {
    let mut by_seq: std::collections::BTreeMap<i64, Vec<String>> = Default::default();
    for k in d.figures.keys() {
        let seq = k.split('.').next().and_then(|s| s.strip_prefix('a')).and_then(|n| n.parse().ok());
        by_seq.entry(seq.unwrap_or(0)).or_default().push(k.clone());
    }
    by_seq
        .into_iter()
        .map(|(seq, keys)| {
            let title = match c.activities.iter().find(|a| a.seq == seq) {
                Some(a) => format!("{seq}. {}", a.title),
                None if seq == 0 => Msg::new("report.sources_campaign").render(crate::i18n::current()),
                None => format!("{seq}."),
            };
            SourceGroup { title, keys }
        })
        .collect()
}

/// The editor's blocks, with what each marker in them stands for, for the chips under each.
fn editor_blocks(d: &Draft) -> Vec<EditorBlock> {
    let lang = crate::i18n::current();
    d.body
        .blocks
        .iter()
        .map(|b| EditorBlock {
            para: b.kind == report::BlockKind::Para,
            text: b.text.clone(),
            legend: report::markers(&b.text)
                .into_iter()
                .filter_map(|(_, key)| key)
                .map(|key| match d.figures.get(&key) {
                    Some(f) => (key, format!("{}：{}", f.label, f.text(f.value))),
                    None => (key, Msg::new("report.unknown_marker").render(lang)),
                })
                .collect(),
        })
        .collect()
}

async fn report_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(q): Query<Notice>,
) -> PageResult {
    let (d, facts) = report::draft_and_facts(&app, &actor, id).await?;
    Ok(render(&ReportPage {
        ctx: Ctx::new(&caller, q.ok.as_deref()),
        rendered: d.render(),
        versions: report::versions(&app, &actor, id).await?,
        units: crate::services::units::list(&app).await?,
        campaigns: campaigns::list(&app).await?,
        pdf_ready: tokio::task::spawn_blocking(typeset::chinese_fonts_available).await.unwrap_or(false),
        sources: source_groups(&d, &facts.campaign),
        editor: editor_blocks(&d),
        gaps: report::compose::gaps(&facts),
        furniture: [
            ("notice", facts.campaign.paperwork.notice.clone()),
            ("report", facts.campaign.paperwork.report.clone()),
        ],
        c: facts.campaign,
        d,
    }))
}

async fn save(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let edit = report::DraftEdit {
        base_version: f.int("base_version", "err.number")?,
        title: f.get("title").to_string(),
        date: f.get("date").to_string(),
        blocks: f.all("block"),
    };
    report::save(&app, &actor, id, edit).await?;
    Ok(see_other(&format!("/campaigns/{id}/report?ok=ok.report_saved")))
}

/// The furniture form: `notice.organ`, `report.number`, … for the two documents.
async fn save_paperwork(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let of = |doc: &str| report::paperwork::Furniture {
        organ: f.get(&format!("{doc}.organ")).to_string(),
        number: f.get(&format!("{doc}.number")).to_string(),
        signer: f.get(&format!("{doc}.signer")).to_string(),
        issuer: f.get(&format!("{doc}.issuer")).to_string(),
        addressee: f.get(&format!("{doc}.addressee")).to_string(),
        copy_to: f.get(&format!("{doc}.copy_to")).to_string(),
        printer: f.get(&format!("{doc}.printer")).to_string(),
        printed_on: f.get(&format!("{doc}.printed_on")).to_string(),
    };
    let input = report::paperwork::Paperwork { notice: of("notice"), report: of("report") };
    report::paperwork::set(&app, &actor, id, input).await?;
    Ok(see_other(&format!("/campaigns/{id}/report?ok=ok.paperwork_saved#paperwork")))
}

async fn regenerate(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    report::regenerate(&app, &actor, id).await?;
    Ok(see_other(&format!("/campaigns/{id}/report?ok=ok.report_regenerated")))
}

async fn refresh(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    report::refresh_figures(&app, &actor, id).await?;
    Ok(see_other(&format!("/campaigns/{id}/report?ok=ok.report_refreshed")))
}

async fn override_figure(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let value = if f.get("clear") == "1" { None } else { Some(f.int("value", "err.number")?) };
    report::override_figure(&app, &actor, id, f.get("key"), value, f.get("reason")).await?;
    Ok(see_other(&format!("/campaigns/{id}/report?ok=ok.report_saved")))
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// The official documents a campaign gives, by file name: `report.docx`, `report.pdf`,
/// `notice.docx`, `notice.pdf`.
pub(crate) async fn official_file(
    app: &App,
    actor: &Actor,
    id: i64,
    file: &str,
) -> Result<Response, AppError> {
    let (which, format) = file.split_once('.').ok_or(AppError::NotFound)?;
    let doc = match which {
        "report" => report::document(app, actor, id).await?,
        "notice" => report::notice::notice(app, actor, id).await?,
        _ => return Err(AppError::NotFound),
    };
    let name = format!("{}.{format}", doc.title);
    Ok(match format {
        "docx" => download(DOCX, &name, official::docx(&doc).map_err(|e| AppError::Internal(e.to_string()))?),
        "pdf" => download("application/pdf", &name, typeset::pdf_off_thread(doc).await?),
        _ => return Err(AppError::NotFound),
    })
}

async fn document(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path((id, file)): Path<(i64, String)>,
) -> PageResult {
    Ok(official_file(&app, &actor, id, &file).await?)
}

#[derive(Deserialize)]
struct LedgerQuery {
    activity: Option<i64>,
    unit: Option<i64>,
}

async fn ledger_xlsx(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<LedgerQuery>,
) -> PageResult {
    let scope = ledgers::Scope::of(q.activity, q.unit);
    if scope == ledgers::Scope::Campaign {
        // The whole campaign can be large: from a page it is a background job.
        return Ok(see_other(&format!("/campaigns/{id}/report#ledger")));
    }
    let base = base_url(&headers, &caller);
    let bytes = ledgers::workbook(&app, &actor, id, scope, &base, &ledgers::Silent).await?;
    let name = match scope {
        ledgers::Scope::Activity(a) => format!("ledger-{id}-activity-{a}"),
        ledgers::Scope::Unit(u) => format!("ledger-{id}-unit-{u}"),
        ledgers::Scope::Campaign => format!("ledger-{id}"),
    };
    Ok(xlsx_download(&name, bytes))
}

async fn start_ledger_job(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> PageResult {
    let job = jobs::start_ledger(&app, &actor, id, base_url(&headers, &caller)).await?;
    Ok(see_other(&format!("/jobs/{job}")))
}

#[derive(Template)]
#[template(path = "job.html")]
struct JobPage {
    ctx: Ctx,
    job: jobs::Job,
}

async fn job_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    Ok(render(&JobPage { ctx: Ctx::new(&caller, None), job: jobs::get(&app, &actor, id).await? }))
}

async fn job_download(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let (name, bytes) = jobs::result(&app, &actor, id).await?;
    Ok(xlsx_download(name.trim_end_matches(".xlsx"), bytes))
}

#[derive(Template)]
#[template(path = "statistics.html")]
struct StatisticsPage {
    ctx: Ctx,
    c: campaigns::Campaign,
    s: statistics::Statistics,
    units_chart: String,
    ranks_chart: String,
    days_chart: String,
    signatures_chart: String,
}

#[derive(Deserialize)]
struct StatisticsQuery {
    activity: Option<i64>,
}

async fn statistics_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(q): Query<StatisticsQuery>,
) -> PageResult {
    let s = statistics::statistics(&app, &actor, id, q.activity.unwrap_or(0)).await?;
    let t = crate::i18n::T(crate::i18n::current());
    let pairs = |v: &[statistics::Count]| v.iter().map(|c| (c.key.clone(), c.value)).collect::<Vec<_>>();
    let days: Vec<(String, i64)> = s.by_day.iter().map(|d| (d.date[5..].to_string(), d.checkins)).collect();
    let signed: Vec<(String, i64)> =
        s.by_day.iter().map(|d| (d.date[5..].to_string(), d.signatures)).collect();
    Ok(render(&StatisticsPage {
        ctx: Ctx::new(&caller, None),
        c: campaigns::get(&app, id).await?,
        units_chart: chart::bars(t.get("stats.by_unit"), &pairs(&s.by_unit)),
        ranks_chart: chart::bars(t.get("stats.by_rank"), &pairs(&s.by_rank)),
        days_chart: chart::line(t.get("stats.checkins_by_day"), &days),
        signatures_chart: chart::line(t.get("stats.signatures_by_day"), &signed),
        s,
    }))
}

async fn clone(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let year = f.int("year", "err.clone_year")?;
    let new_id = yearly::clone_to_year(&app, &actor, id, yearly::CloneInput { year }).await?;
    Ok(see_other(&format!("/campaigns/{new_id}?ok=ok.campaign_cloned")))
}

#[derive(Template)]
#[template(path = "compare.html")]
struct ComparePage {
    ctx: Ctx,
    cmp: yearly::Comparison,
}

#[derive(Deserialize)]
struct CompareQuery {
    a: i64,
    b: i64,
}

async fn compare_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Query(q): Query<CompareQuery>,
) -> PageResult {
    let cmp = yearly::compare(&app, &actor, q.a, q.b).await?;
    Ok(render(&ComparePage { ctx: Ctx::new(&caller, None), cmp }))
}
