//! The HTTP surface: server-rendered pages (`pages`) and the JSON API (`api`), both thin over
//! the services. Middleware here decides the request's language, who is calling (session cookie
//! or bearer token) and refuses cross-site writes (CSRF).

pub mod api;
pub mod auth;
pub mod form;
pub mod inspections;
pub mod integrity;
pub mod pages;
pub mod publicity;
pub mod report_api;
pub mod reports;
pub mod signing;
pub mod sittings;
pub mod text_input;
pub mod works;
pub mod works_api;

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
use crate::services::App;

pub const LANG_COOKIE: &str = "ql_lang";

/// Builds the whole application router.
pub fn router(app: App) -> Router {
    let body_limit = auth::upload_body_limit(&app);
    Router::new()
        .merge(pages::routes())
        .merge(sittings::routes())
        .merge(signing::routes())
        .merge(publicity::routes())
        .merge(inspections::routes())
        .merge(integrity::routes())
        .merge(reports::routes())
        .merge(works::routes())
        .nest("/api/v1", api::routes().merge(report_api::routes()).merge(works_api::routes()))
        .route("/api/openapi.json", get(api::openapi_json))
        .route("/healthz", get(healthz))
        .layer(middleware::from_fn(api_errors))
        .route("/static/{file}", get(static_file))
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
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(app)
}

/// Serves on an already-bound listener until `shutdown` resolves; tests bind port 0.
pub async fn run(
    listener: TcpListener,
    app: App,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = router(app);
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

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
static SIGN_JS: &str = include_str!("../../static/sign.js");

async fn static_file(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (body, ty) = match file.as_str() {
        "app.css" => (CSS, "text/css; charset=utf-8"),
        "app.js" => (JS, "text/javascript; charset=utf-8"),
        "screen.js" => (SCREEN_JS, "text/javascript; charset=utf-8"),
        "sign.js" => (SIGN_JS, "text/javascript; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    ([(header::CONTENT_TYPE, ty), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

/// A request's or response's content type, empty when there is none.
pub(crate) fn content_type(headers: &axum::http::HeaderMap) -> &str {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The address phones and shared links should use: this server as the browser reached it.
pub(crate) fn base_url(headers: &axum::http::HeaderMap, caller: &auth::Caller) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    format!("{}://{host}", if caller.secure { "https" } else { "http" })
}

/// A generated file as a download under its own (possibly Chinese) name.
pub(crate) fn download(content_type: &str, file_name: &str, bytes: Vec<u8>) -> Response {
    file_response("attachment", content_type.to_string(), file_name, bytes)
}

/// A file under its own name, `inline` (shown) or `attachment` (saved), the name encoded per
/// RFC 5987 so Chinese names survive.
fn file_response(disposition: &str, content_type: String, file_name: &str, bytes: Vec<u8>) -> Response {
    let name = url::form_urlencoded::byte_serialize(file_name.as_bytes()).collect::<String>();
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, format!("{disposition}; filename*=UTF-8''{name}")),
        ],
        bytes,
    )
        .into_response()
}

/// A workbook as a download named `name.xlsx`.
pub(crate) fn xlsx_download(name: &str, bytes: Vec<u8>) -> Response {
    download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{name}.xlsx"),
        bytes,
    )
}

/// A stored or generated file shown in the browser under its own (possibly Chinese) name.
pub(crate) fn inline_file(content_type: String, file_name: &str, bytes: Vec<u8>) -> Response {
    file_response("inline", content_type, file_name, bytes)
}

/// A file someone uploaded. Pictures are shown; anything else (a PDF, which may carry scripts or
/// actions) is saved rather than opened inside our origin.
pub(crate) fn uploaded_file(content_type: String, file_name: &str, bytes: Vec<u8>) -> Response {
    let disposition = if content_type.starts_with("image/") { "inline" } else { "attachment" };
    let mut resp = file_response(disposition, content_type, file_name, bytes);
    resp.headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    resp
}

/// `?code=` of the public check pages (certificates, signed copies).
#[derive(serde::Deserialize)]
pub(crate) struct CodeQuery {
    code: Option<String>,
}

impl CodeQuery {
    /// The code as typed, trimmed; empty when none was given.
    pub(crate) fn code(self) -> String {
        self.code.unwrap_or_default().trim().to_string()
    }
}

/// A public check page: 404 when a code was searched for and matched nothing, so scripts
/// checking codes need not read the page.
pub(crate) fn check_page(page: &impl askama::Template, searched: bool, found: bool) -> Response {
    let mut resp = pages::render(page);
    if searched && !found {
        *resp.status_mut() = StatusCode::NOT_FOUND;
    }
    resp
}

/// Unix seconds → "2022-05-16 09:30" in China time.
pub fn format_time(t: i64) -> String {
    crate::domain::format_datetime(t)
}
