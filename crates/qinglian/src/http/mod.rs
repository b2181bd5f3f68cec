//! The HTTP surface, one room per feature: each folder holds the feature's server-rendered pages
//! (`pages.rs`, askama) and its JSON routes under `/api/v1` (`api.rs`, listed in the OpenAPI
//! document), both thin over the services. What they share (who is calling, forms, the page
//! layout, downloads, the error shape) is in `common`. Middleware here decides the request's
//! language and gives every API refusal the one JSON error shape; `common::auth` decides who is
//! calling, limits bodies and refuses cross-site writes (CSRF).

pub(crate) mod common;
pub mod metrics;
mod openapi;

mod account;
mod audit;
mod campaigns;
mod dashboard;
mod inspections;
mod integrity;
mod outbox;
mod privacy;
mod publicity;
mod quizzes;
mod reports;
mod roster;
mod signing;
mod sittings;
mod works;

use std::net::SocketAddr;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::AppError;
use crate::i18n::{self, Lang};
use crate::services::{jobs, App};
use common::{auth, content_type, text_input};

pub const LANG_COOKIE: &str = "ql_lang";

/// One feature of the HTTP surface: its pages, its `/api/v1` routes (relative to `/api/v1`) and
/// the OpenAPI paths of those routes.
struct Feature {
    pages: fn() -> Router<App>,
    api: fn() -> Router<App>,
    doc: fn() -> utoipa::openapi::OpenApi,
}

/// Every feature, in the order a newcomer would read them: accounts and the city's units and
/// people, the campaign and its ledger, then the work of the week, then its end.
const FEATURES: [Feature; 15] = [
    account::FEATURE,
    roster::FEATURE,
    audit::FEATURE,
    outbox::FEATURE,
    campaigns::FEATURE,
    sittings::FEATURE,
    signing::FEATURE,
    quizzes::FEATURE,
    publicity::FEATURE,
    inspections::FEATURE,
    integrity::FEATURE,
    works::FEATURE,
    reports::FEATURE,
    privacy::FEATURE,
    dashboard::FEATURE,
];

/// Builds the whole application router.
pub fn router(app: App) -> Router {
    let body_limit = auth::upload_body_limit(&app);
    let (pages, api) = FEATURES.iter().fold((Router::new(), Router::new()), |(pages, api), f| {
        (pages.merge((f.pages)()), api.merge((f.api)()))
    });
    pages
        .nest("/api/v1", api)
        .route("/api/openapi.json", get(openapi::openapi_json))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route_layer(middleware::from_fn(metrics::observe))
        .layer(middleware::from_fn(api_errors))
        .layer(middleware::from_fn(common::page::ask_password_again))
        .route("/static/{file}", get(static_file))
        .route("/favicon.svg", get(favicon))
        .route("/favicon.ico", get(favicon))
        .layer(middleware::from_fn(text_input::clean))
        .layer(middleware::from_fn_with_state(app.clone(), auth::authenticate))
        .layer(middleware::from_fn(language))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(compression())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(hsts(&app))
        .with_state(app)
}

/// Serving HTTPS itself, the server tells browsers to use nothing else for a year (HSTS).
fn hsts(app: &App) -> tower::util::Either<SetResponseHeaderLayer<HeaderValue>, tower::layer::util::Identity> {
    match app.config.tls {
        Some(_) => tower::util::Either::Left(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        )),
        None => tower::util::Either::Right(tower::layer::util::Identity::new()),
    }
}

/// Pages, scripts, styles and JSON go gzipped to browsers that ask (a cheap phone on a slow
/// line gets a quarter of the bytes); what is compressed already (images, PDF, XLSX, ZIP) does not.
fn compression() -> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
    tower_http::compression::CompressionLayer::new().compress_when(
        DefaultPredicate::new()
            .and(NotForContentType::const_new("application/pdf"))
            .and(NotForContentType::const_new("application/zip"))
            .and(NotForContentType::const_new("application/vnd.openxmlformats")),
    )
}

/// Serves on an already-bound listener until `shutdown` resolves, with this server's job worker
/// beside it (it hands back a job in hand when the server stops); tests bind port 0.
pub async fn run(
    listener: TcpListener,
    app: App,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let worker = tokio::spawn(jobs::work(app.clone(), stopped(stopping.clone()), JOB_POLL));
    tokio::spawn(crate::services::outbox::work(app.clone(), stopped(stopping.clone()), OUTBOX_POLL));
    tokio::spawn(crate::services::privacy::sweep(app.clone(), stopped(stopping.clone()), PRIVACY_SWEEP));
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    let tls = app.config.tls.clone();
    let router = router(app).into_make_service_with_connect_info::<SocketAddr>();
    let served = match tls {
        None => axum::serve(listener, router).with_graceful_shutdown(stopped(stopping)).await,
        Some(files) => {
            let config =
                axum_server::tls_rustls::RustlsConfig::from_pem_file(&files.cert, &files.key).await?;
            let handle = axum_server::Handle::new();
            let on_stop = handle.clone();
            tokio::spawn(async move {
                stopped(stopping).await;
                on_stop.graceful_shutdown(Some(std::time::Duration::from_secs(30)));
            });
            axum_server::from_tcp_rustls(listener.into_std()?, config)?.handle(handle).serve(router).await
        }
    };
    let _ = worker.await;
    served
}

/// How often an idle server looks for notices due (a retry's time come, one queued elsewhere).
const OUTBOX_POLL: std::time::Duration = std::time::Duration::from_secs(2);

/// How often a server anonymises the personal data whose retention is over.
const PRIVACY_SWEEP: std::time::Duration = std::time::Duration::from_secs(3600);

/// How often an idle server looks for jobs queued elsewhere or left by a server that died.
const JOB_POLL: std::time::Duration = std::time::Duration::from_secs(3);

/// Every API answer keeps the one error shape: what axum's extractors and router refuse in plain
/// text (malformed JSON, a path that is not a number, an unknown route or method) is rewritten
/// as `{"error": {"code", "message", "fields"}}` in the caller's language.
async fn api_errors(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let resp = next.run(req).await;
    let status = resp.status();
    if !status.is_client_error() || content_type(resp.headers()).starts_with("application/json") {
        return resp;
    }
    let detail = axum::body::to_bytes(resp.into_body(), 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let bad = |key: &'static str| i18n::Msg::new(key).arg("detail", &detail);
    let error = match status {
        StatusCode::NOT_FOUND => AppError::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge(i18n::Msg::new("err.request_too_large")),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedType(i18n::Msg::new("err.body_type")),
        StatusCode::UNPROCESSABLE_ENTITY => AppError::Invalid(vec![crate::error::FieldError {
            field: "body".into(),
            msg: bad("err.bad_json"),
        }]),
        _ => AppError::BadRequest(bad("err.bad_request")),
    };
    let mut out = error.into_response();
    *out.status_mut() = status;
    out
}

async fn healthz(State(app): State<App>) -> Response {
    if app.db.ping().await {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

/// Ready to take traffic: the database answers and holds every migration this build knows, and
/// the file store answers. A load balancer checks this one; `/healthz` says only that the
/// process lives.
async fn readyz(State(app): State<App>) -> Response {
    let migrations = app.db.migrations_pending().await;
    let storage = app.files.check().await;
    let ok = matches!(migrations, Ok(0)) && storage.is_ok();
    let body = serde_json::json!({
        "ready": ok,
        "database": match &migrations {
            Ok(0) => "ok".to_string(),
            Ok(n) => format!("{n} migrations pending"),
            Err(e) => format!("unreachable: {e}"),
        },
        "storage": match &storage {
            Ok(()) => "ok".to_string(),
            Err(e) => format!("unreachable: {e}"),
        },
        "worker": jobs::worker_name(),
    });
    let status = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, axum::Json(body)).into_response()
}

/// Picks the language: `?lang=` (remembered in a cookie), then the cookie, then Chinese. Pages are
/// Chinese unless the user chooses English; only API clients are served by Accept-Language.
async fn language(req: Request, next: Next) -> Response {
    let from_query = req
        .uri()
        .query()
        .and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "lang").map(|(_, v)| v.to_string())
        })
        .and_then(|v| Lang::parse(&v));
    let from_cookie = auth::cookie(req.headers(), LANG_COOKIE).and_then(|v| Lang::parse(&v));
    let from_header = req
        .uri()
        .path()
        .starts_with("/api/")
        .then(|| req.headers().get(header::ACCEPT_LANGUAGE))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language);
    let lang = from_query.or(from_cookie).or(from_header).unwrap_or_default();
    let mut resp = i18n::with_lang(lang, next.run(req)).await;
    if let Some(l) = from_query {
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            l.code()
        )) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

static CSS: &str = include_str!("../../static/app.css");
static JS: &str = include_str!("../../static/app.js");
static SCREEN_JS: &str = include_str!("../../static/screen.js");
static DASHBOARD_JS: &str = include_str!("../../static/dashboard.js");
static SIGN_JS: &str = include_str!("../../static/sign.js");
static QUIZ_JS: &str = include_str!("../../static/quiz.js");
static PREFS_JS: &str = include_str!("../../static/prefs.js");
static FAVICON: &str = include_str!("../../static/favicon.svg");

/// Browsers and chat apps ask for `/favicon.ico` whatever the page says; both names get the emblem.
async fn favicon() -> Response {
    static_file(axum::extract::Path("favicon.svg".to_string())).await
}

async fn static_file(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (body, ty) = match file.as_str() {
        "app.css" => (CSS, "text/css; charset=utf-8"),
        "app.js" => (JS, "text/javascript; charset=utf-8"),
        "screen.js" => (SCREEN_JS, "text/javascript; charset=utf-8"),
        "dashboard.js" => (DASHBOARD_JS, "text/javascript; charset=utf-8"),
        "sign.js" => (SIGN_JS, "text/javascript; charset=utf-8"),
        "quiz.js" => (QUIZ_JS, "text/javascript; charset=utf-8"),
        "prefs.js" => (PREFS_JS, "text/javascript; charset=utf-8"),
        "favicon.svg" => (FAVICON, "image/svg+xml"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    ([(header::CONTENT_TYPE, ty), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}
