//! The dashboard page and its event stream. The page is drawn with the figures of the moment;
//! the stream sends them again whenever they change, so the screen never reloads.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::stream::{self, Stream};

use crate::error::AppError;
use crate::http::common::{render, PageActor, PageError};
use crate::i18n::{self, Msg, T};
use crate::services::dashboard::{self, Snapshot};
use crate::services::{Actor, App};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/campaigns/{id}/dashboard", get(leadership_page))
        .route("/campaigns/{id}/dashboard/events", get(leadership_events))
        .route("/portal/campaigns/{id}/dashboard", get(public_page))
        .route("/portal/campaigns/{id}/dashboard/events", get(public_events))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    t: T,
    d: Arc<Snapshot>,
    events: String,
    public: bool,
}

impl DashboardPage {
    fn percent(&self) -> i64 {
        (self.d.units_covered * 100).checked_div(self.d.units_assigned).unwrap_or(0)
    }
    fn time(&self, at: &i64) -> String {
        crate::domain::format_datetime(*at)
    }
}

fn page(d: Arc<Snapshot>, events: String, public: bool) -> Result<Response, PageError> {
    Ok(render(&DashboardPage { t: T(i18n::current()), d, events, public }))
}

async fn leadership_page(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let d = dashboard::snapshot(&app, Some(&actor), id, false).await?;
    page(d, format!("/campaigns/{id}/dashboard/events"), false)
}

async fn public_page(State(app): State<App>, Path(id): Path<i64>) -> Result<Response, PageError> {
    let d = dashboard::snapshot(&app, None, id, true).await?;
    page(d, format!("/portal/campaigns/{id}/dashboard/events"), true)
}

async fn leadership_events(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    events(app, Some(actor), id, false).await
}

async fn public_events(State(app): State<App>, Path(id): Path<i64>) -> Result<Response, PageError> {
    events(app, None, id, true).await
}

/// A stream lasts at most this long; the browser reconnects by itself, and so signs in afresh.
const STREAM_FOR: std::time::Duration = std::time::Duration::from_secs(3600);

/// The figures now, then again every few seconds when they changed (a comment otherwise, which
/// keeps proxies from closing the connection). Each server feeds a bounded number of screens.
async fn events(app: App, actor: Option<Actor>, id: i64, public: bool) -> Result<Response, PageError> {
    let first = dashboard::snapshot(&app, actor.as_ref(), id, public).await?;
    let permit = app
        .dashboard_streams
        .clone()
        .try_acquire_owned()
        .map_err(|_| AppError::TooMany(Msg::new("err.dashboard_busy")))?;
    let started = Instant::now();
    struct Feed {
        app: App,
        actor: Option<Actor>,
        last: Option<Arc<Snapshot>>,
        first: Option<Arc<Snapshot>>,
        _permit: tokio::sync::OwnedSemaphorePermit,
    }
    let feed = Feed { app, actor, last: None, first: Some(first), _permit: permit };
    let stream = stream::unfold(feed, move |mut feed| async move {
        let next = match feed.first.take() {
            Some(first) => Ok(first),
            None => {
                if started.elapsed() > STREAM_FOR {
                    return None;
                }
                tokio::time::sleep(dashboard::PUSH_EVERY).await;
                dashboard::snapshot(&feed.app, feed.actor.as_ref(), id, public).await
            }
        };
        let event = match next {
            Ok(d) if feed.last.as_deref() != Some(&*d) => {
                let event = Event::default().event("snapshot").retry(dashboard::PUSH_EVERY).json_data(&*d);
                feed.last = Some(d);
                event.unwrap_or_else(|_| Event::default().comment("unchanged"))
            }
            Ok(_) => Event::default().comment("unchanged"),
            Err(e) => Event::default().comment(format!("error: {}", e.message(i18n::Lang::En))),
        };
        Some((Ok::<_, Infallible>(event), feed))
    });
    Ok(sse(stream))
}

fn sse(stream: impl Stream<Item = Result<Event, Infallible>> + Send + 'static) -> Response {
    let mut resp = Sse::new(stream).into_response();
    // Proxies (nginx) would otherwise hold the events back.
    resp.headers_mut().insert("x-accel-buffering", axum::http::HeaderValue::from_static("no"));
    resp
}
