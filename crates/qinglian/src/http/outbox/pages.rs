//! The organiser's page of notice delivery.

use askama::Template;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::Router;

use crate::http::common::{render, see_other, Ctx, Notice, PageActor, PageResult};
use crate::services::{outbox, App};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/outbox", get(outbox_page))
        .route("/outbox/retry", post(retry_all))
        .route("/outbox/{id}/retry", post(retry_one))
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct OutboxPage {
    ctx: Ctx,
    channels: Vec<outbox::ChannelState>,
    troubles: Vec<outbox::Trouble>,
}

async fn outbox_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    axum::extract::Query(n): axum::extract::Query<Notice>,
) -> PageResult {
    Ok(render(&OutboxPage {
        ctx: Ctx::new(&caller, n.ok.as_deref()),
        channels: outbox::states(&app, &actor).await?,
        troubles: outbox::troubles(&app, &actor).await?,
    }))
}

// The forms carry only their CSRF token, which the middleware checks.
async fn retry_all(State(app): State<App>, PageActor { actor, .. }: PageActor) -> PageResult {
    outbox::retry(&app, &actor, None).await?;
    Ok(see_other("/outbox?ok=ok.outbox_retried"))
}

async fn retry_one(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    outbox::retry(&app, &actor, Some(id)).await?;
    Ok(see_other("/outbox?ok=ok.outbox_retried"))
}
