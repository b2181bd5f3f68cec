//! Pages of personal data protection: the public notices, the organiser's requests page and the
//! campaign's retention form.

use askama::Template;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Form, Router};

use crate::domain::mask_phone;
use crate::http::common::{download, render, see_other, Caller, Ctx, Fields, PageActor, PageResult, Pairs};
use crate::i18n;
use crate::services::{privacy, App};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/privacy", get(notices_page))
        .route("/privacy/requests", get(requests_page).post(export))
        .route("/campaigns/{id}/retention", post(set_retention))
}

#[derive(Template)]
#[template(path = "privacy.html")]
struct NoticesPage {
    ctx: Ctx,
    notices: Vec<privacy::Notice>,
}

async fn notices_page(caller: Caller) -> PageResult {
    let notices = privacy::notices(i18n::current());
    Ok(render(&NoticesPage { ctx: Ctx::new(&caller, None), notices }))
}

#[derive(Template)]
#[template(path = "privacy_requests.html")]
struct RequestsPage {
    ctx: Ctx,
}

async fn requests_page(PageActor { actor, caller }: PageActor) -> PageResult {
    actor.require_organiser()?;
    Ok(render(&RequestsPage { ctx: Ctx::new(&caller, None) }))
}

/// The person's data as a JSON file for him.
async fn export(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Form(f): Form<Pairs>,
) -> PageResult {
    let data = privacy::export(&app, &actor, Fields(f).get("phone")).await?;
    let body =
        serde_json::to_vec_pretty(&data).map_err(|e| crate::error::AppError::Internal(e.to_string()))?;
    let name = format!("{}-{}.json", i18n::tr(i18n::current(), "privacy.file"), mask_phone(&data.phone));
    Ok(download("application/json", &name, body))
}

async fn set_retention(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let days = f.get("retention_days").trim().parse().unwrap_or(0);
    privacy::set_retention(&app, &actor, id, days).await?;
    Ok(see_other(&format!("/campaigns/{id}?ok=ok.saved")))
}
