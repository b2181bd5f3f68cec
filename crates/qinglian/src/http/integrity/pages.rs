//! Pages of integrity units: the public list of named units, checklists and applications for
//! organisers, the unit's application form with evidence, and the evaluation form.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::error::AppError;
use crate::http::common::{
    render, see_other, uploaded_file, xlsx_download, Caller, Ctx, Fields, Notice, PageActor, PageError, Pairs,
};
use crate::i18n::Msg;
use crate::services::{integrity, units, App};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/integrity", get(showcase))
        .route("/integrity/manage", get(manage))
        .route("/integrity/types", post(create_type))
        .route("/integrity/apply", get(apply_form).post(apply))
        .route("/integrity/applications.xlsx", get(export))
        .route("/integrity/applications/{id}", get(application))
        .route("/integrity/applications/{id}/evaluate", post(evaluate))
        .route("/integrity/applications/{id}/correct", post(correct))
        .route("/integrity/applications/{id}/withdraw", post(withdraw))
        .route("/integrity/applications/{id}/reopen", post(reopen))
        .route("/integrity/applications/{id}/evidence/{criterion}", get(evidence))
}

type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "integrity_public.html")]
struct ShowcasePage {
    ctx: Ctx,
    list: Vec<integrity::ApplicationRow>,
}

/// Public: the units named so far.
async fn showcase(State(app): State<App>, caller: Caller) -> PageResult {
    Ok(render(&ShowcasePage { ctx: Ctx::new(&caller, None), list: integrity::recognised(&app).await? }))
}

#[derive(Template)]
#[template(path = "integrity_manage.html")]
struct ManagePage {
    ctx: Ctx,
    types: Vec<integrity::IntegrityType>,
    applications: Vec<integrity::ApplicationRow>,
    units: Vec<units::Unit>,
}

async fn manage(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Query(n): Query<Notice>,
) -> PageResult {
    Ok(render(&ManagePage {
        ctx: Ctx::new(&caller, n.ok.as_deref()),
        types: integrity::types(&app).await?,
        applications: integrity::applications(&app, &actor).await?,
        units: units::visible(&app, &actor).await?,
    }))
}

/// A checklist typed one criterion per line, "text | points".
async fn create_type(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let mut criteria = Vec::new();
    for line in f.get("criteria").lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (text, score) = line
            .rsplit_once(['|', '｜'])
            .ok_or_else(|| AppError::invalid("criteria", Msg::new("err.criteria_line")))?;
        let max_score = crate::domain::text::normalize(score)
            .parse()
            .map_err(|_| AppError::invalid("criteria", Msg::new("err.criteria_line")))?;
        criteria.push(integrity::CriterionInput { text: text.trim().to_string(), max_score });
    }
    let input = integrity::TypeInput {
        code: f.get("code").to_string(),
        name: f.get("name").to_string(),
        pass_score: f.int("pass_score", "err.number")?,
        criteria,
    };
    integrity::create_type(&app, &actor, input).await?;
    Ok(see_other("/integrity/manage?ok=ok.saved"))
}

#[derive(Template)]
#[template(path = "integrity_apply.html")]
struct ApplyPage {
    ctx: Ctx,
    t: integrity::IntegrityType,
    unit: units::Unit,
}

#[derive(Deserialize)]
struct ApplyQuery {
    type_id: i64,
    unit_id: i64,
}

async fn apply_form(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Query(q): Query<ApplyQuery>,
) -> PageResult {
    let unit = units::get(&app, q.unit_id).await?;
    if !actor.covers(&unit.path) {
        return Err(AppError::Forbidden.into());
    }
    Ok(render(&ApplyPage {
        ctx: Ctx::new(&caller, None),
        t: integrity::get_type(&app, q.type_id).await?,
        unit,
    }))
}

async fn apply(State(app): State<App>, PageActor { actor, .. }: PageActor, mp: Multipart) -> PageResult {
    let mut mp = mp;
    // Evidence files are named evidence_<criterion id>; read them with their field names.
    let mut fields = Fields::default();
    let mut evidence = Vec::new();
    let too_large = || AppError::TooLarge(Msg::new("err.request_too_large"));
    while let Some(part) = mp.next_field().await.map_err(|_| too_large())? {
        let name = part.name().unwrap_or("").to_string();
        match part.file_name().map(str::to_string) {
            Some(file_name) => {
                let bytes = part.bytes().await.map_err(|_| too_large())?;
                let criterion = name.strip_prefix("evidence_").and_then(|c| c.parse::<i64>().ok());
                if let (Some(c), false) = (criterion, bytes.is_empty()) {
                    evidence.push((c, crate::services::ledger::Upload { file_name, bytes: bytes.to_vec() }));
                }
            }
            None => fields.0.push((name, part.text().await.map_err(|_| too_large())?)),
        }
    }
    let items = fields
        .0
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("statement_")
                .and_then(|c| c.parse().ok())
                .map(|criterion_id| integrity::ItemInput { criterion_id, statement: v.clone() })
        })
        .collect::<Vec<_>>();
    let tag = integrity::Tag {
        campaign_id: fields.get("campaign_id").parse().ok(),
        theme_id: fields.get("theme_id").parse().ok(),
    };
    let type_id = fields.int("type_id", "err.number")?;
    let id = integrity::apply(
        &app,
        &actor,
        type_id,
        fields.int("unit_id", "err.unit_unknown")?,
        tag,
        items,
        evidence,
    )
    .await?;
    Ok(see_other(&format!("/integrity/applications/{id}?ok=ok.applied")))
}

#[derive(Template)]
#[template(path = "integrity_application.html")]
struct ApplicationPage {
    ctx: Ctx,
    a: integrity::Application,
}

async fn application(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> PageResult {
    Ok(render(&ApplicationPage {
        ctx: Ctx::new(&caller, n.ok.as_deref()),
        a: integrity::application(&app, &actor, id).await?,
    }))
}

async fn evaluate(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let scores =
        f.0.iter()
            .filter_map(|(k, v)| {
                let criterion_id = k.strip_prefix("score_")?.parse().ok()?;
                let score = crate::domain::text::normalize(v).parse().ok()?;
                Some(integrity::Score {
                    criterion_id,
                    score,
                    comment: f.get(&format!("comment_{criterion_id}")).to_string(),
                })
            })
            .collect();
    let e = integrity::Evaluation {
        scores,
        decision: f.get("decision").to_string(),
        comment: f.get("comment").to_string(),
    };
    integrity::evaluate(&app, &actor, id, e).await?;
    Ok(see_other(&format!("/integrity/applications/{id}?ok=ok.saved")))
}

async fn evidence(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path((id, criterion)): Path<(i64, i64)>,
) -> PageResult {
    let (kind, file) = integrity::evidence(&app, &actor, id, criterion).await?;
    Ok(uploaded_file(kind, &format!("evidence-{id}-{criterion}"), file))
}

async fn export(State(app): State<App>, PageActor { actor, .. }: PageActor) -> PageResult {
    let bytes = integrity::export_xlsx(&app, &actor).await?;
    Ok(xlsx_download("integrity-units", bytes))
}

async fn correct(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let items = Fields(f)
        .0
        .into_iter()
        .filter_map(|(k, statement)| {
            Some(integrity::ItemInput {
                criterion_id: k.strip_prefix("statement_")?.parse().ok()?,
                statement,
            })
        })
        .collect();
    integrity::correct(&app, &actor, id, items).await?;
    Ok(see_other(&format!("/integrity/applications/{id}?ok=ok.saved")))
}

async fn withdraw(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    integrity::withdraw(&app, &actor, id, Fields(f).get("reason")).await?;
    Ok(see_other(&format!("/integrity/applications/{id}?ok=ok.application_withdrawn")))
}

async fn reopen(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    integrity::reopen(&app, &actor, id, Fields(f).get("reason")).await?;
    Ok(see_other(&format!("/integrity/applications/{id}?ok=ok.application_reopened")))
}
