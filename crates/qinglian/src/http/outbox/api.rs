//! `/api/v1` routes of the outbox: its state per channel and the messages in trouble.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use utoipa::OpenApi;

use crate::error::AppResult;
use crate::http::common::{ApiActor, ErrorBody};
use crate::services::{outbox, App};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/outbox", get(outbox_state))
        .route("/outbox/retry", post(retry_all))
        .route("/outbox/{id}/retry", post(retry_one))
}

#[derive(OpenApi)]
#[openapi(paths(outbox_state, retry_all, retry_one))]
pub(super) struct Doc;

#[derive(Serialize, utoipa::ToSchema)]
pub struct OutboxState {
    pub channels: Vec<outbox::ChannelState>,
    /// Undeliverable messages and those failing now, newest first (at most 200).
    pub troubles: Vec<outbox::Trouble>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Retried {
    /// Messages put back in the queue.
    pub retried: u64,
}

/// Messages per channel and state, and those in trouble (organisers).
#[utoipa::path(get, path = "/api/v1/outbox", tag = "outbox",
    responses((status = 200, body = OutboxState), (status = 403, body = ErrorBody)))]
async fn outbox_state(State(app): State<App>, ApiActor(actor): ApiActor) -> AppResult<Json<OutboxState>> {
    Ok(Json(OutboxState {
        channels: outbox::states(&app, &actor).await?,
        troubles: outbox::troubles(&app, &actor).await?,
    }))
}

/// Sends every undeliverable message again, from its first attempt.
#[utoipa::path(post, path = "/api/v1/outbox/retry", tag = "outbox",
    responses((status = 200, body = Retried), (status = 403, body = ErrorBody)))]
async fn retry_all(State(app): State<App>, ApiActor(actor): ApiActor) -> AppResult<Json<Retried>> {
    Ok(Json(Retried { retried: outbox::retry(&app, &actor, None).await? }))
}

/// Sends one undeliverable message again.
#[utoipa::path(post, path = "/api/v1/outbox/{id}/retry", tag = "outbox", params(("id" = i64, Path)),
    responses((status = 200, body = Retried), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn retry_one(
    State(app): State<App>,
    ApiActor(actor): ApiActor,
    Path(id): Path<i64>,
) -> AppResult<Json<Retried>> {
    Ok(Json(Retried { retried: outbox::retry(&app, &actor, Some(id)).await? }))
}
