//! Who is calling, and whether a write may proceed.
//!
//! A browser carries the session in an HttpOnly cookie and must echo the session's CSRF token
//! (a form field `_csrf` or an `X-CSRF-Token` header) on every write. Before sign-in, forms are
//! protected by a double-submit cookie. API clients send `Authorization: Bearer`, which no other
//! site can make a browser send, so they need no CSRF token.

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::respond::content_type;
use crate::error::AppError;
use crate::services::{auth as auth_svc, Actor, App};

pub const SESSION_COOKIE: &str = "ql_session";
pub const PRE_SESSION_COOKIE: &str = "ql_pre";

/// What the authentication middleware found, stored in the request's extensions.
#[derive(Clone)]
pub struct Caller {
    pub actor: Option<Actor>,
    /// The session secret when the caller came with a cookie (needed to sign out).
    pub session_token: Option<String>,
    /// The secret of `Authorization: Bearer`, when the caller sent one.
    pub bearer: Option<String>,
    pub csrf_token: String,
    pub ip: String,
    /// Whether cookies set in the response must be `Secure`.
    pub secure: bool,
    /// The sign-in before this session's (when, from where), shown on the home page.
    pub prior_login: Option<(i64, String)>,
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The client's address: the peer's, or behind a trusted load balancer the hop it appended last
/// to `X-Forwarded-For` (earlier hops are whatever the client claimed).
fn client_ip(req: &Request, trust_proxy: bool) -> String {
    let forwarded = trust_proxy
        .then(|| req.headers().get("x-forwarded-for")?.to_str().ok())
        .flatten()
        .and_then(|v| v.rsplit(',').map(str::trim).find(|s| !s.is_empty()))
        .map(str::to_string);
    forwarded.unwrap_or_else(|| {
        req.extensions()
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_default()
    })
}

/// Whether cookies must be `Secure`: always when configured, or when a trusted proxy says the
/// client came over HTTPS.
fn secure_request(req: &Request, app: &App) -> bool {
    app.config.secure_cookies
        || app.config.tls.is_some()
        || (app.config.trust_proxy
            && req.headers().get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https"))
}

/// `resp` setting `cookies` (values made by [`set_cookie`]).
pub fn with_cookies(mut resp: axum::response::Response, cookies: &[String]) -> axum::response::Response {
    for c in cookies {
        if let Ok(v) = c.parse() {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// A `Set-Cookie` value for our cookies: HttpOnly always; `max_age` 0 deletes.
pub fn set_cookie(name: &str, value: &str, same_site: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    c
}

pub async fn authenticate(State(app): State<App>, req: Request, next: Next) -> Response {
    let ip = client_ip(&req, app.config.trust_proxy);
    let secure = secure_request(&req, &app);
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|s| s.trim().to_string());
    let session_cookie = cookie(req.headers(), SESSION_COOKIE);
    let mut caller = Caller {
        actor: None,
        session_token: None,
        bearer: bearer.clone(),
        csrf_token: String::new(),
        ip: ip.clone(),
        secure,
        prior_login: None,
    };
    let mut prior_login = None;
    let result = if let Some(token) = &bearer {
        auth_svc::bearer(&app, token, &ip).await.map(|a| caller.actor = a)
    } else if let Some(token) = &session_cookie {
        auth_svc::session(&app, token, &ip).await.map(|s| {
            if let Some(s) = s {
                caller.actor = Some(s.actor);
                caller.csrf_token = s.csrf_token;
                prior_login = s.prior_login;
                caller.session_token = Some(token.clone());
            }
        })
    } else {
        Ok(())
    };
    if let Err(e) = result {
        return e.into_response();
    }
    // Every body is limited before anything reads it: uploads only for signed-in callers,
    // a small limit for every form and JSON body. A declared length over it is refused at once,
    // a streamed one at the limit.
    let multipart = content_type(req.headers()).starts_with("multipart/form-data");
    let limit = if multipart && caller.actor.is_some() { upload_body_limit(&app) } else { FORM_BODY_LIMIT };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return refusal(req.uri().path(), AppError::TooLarge(crate::i18n::Msg::new("err.request_too_large")));
    }
    let mut req = req.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, limit)));
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // Without a session cookie a request carries no ambient authority, so there is nothing to
    // forge: a JSON body (API sign-in) and anything under /api/ go on to be served or refused on
    // their own terms (401 where sign-in is needed).
    let exempt = caller.session_token.is_none()
        && (content_type(req.headers()).starts_with("application/json")
            || req.uri().path().starts_with("/api/"));
    if unsafe_method && bearer.is_none() && !exempt {
        let expected = if caller.session_token.is_some() {
            Some(caller.csrf_token.clone())
        } else {
            cookie(req.headers(), PRE_SESSION_COOKIE)
        };
        // Nothing to compare with: refused before a byte of the body is read.
        let Some(expected) = expected.filter(|e| !e.is_empty()) else {
            tracing::warn!(path = %req.uri().path(), "csrf check failed: no token expected");
            return refusal(req.uri().path(), AppError::Csrf);
        };
        let header_token =
            req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_string);
        let sent = match header_token {
            Some(t) => Some(t),
            None => {
                let (parts, body) = req.into_parts();
                let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
                    return refusal(
                        parts.uri.path(),
                        AppError::TooLarge(crate::i18n::Msg::new("err.request_too_large")),
                    );
                };
                let sent = submitted_csrf(&parts.headers, &bytes);
                req = Request::from_parts(parts, axum::body::Body::from(bytes));
                sent
            }
        };
        if !sent.is_some_and(|s| constant_eq(&expected, &s)) {
            tracing::warn!(path = %req.uri().path(), "csrf check failed");
            return refusal(req.uri().path(), AppError::Csrf);
        }
    }
    caller.prior_login = prior_login;
    req.extensions_mut().insert(caller);
    next.run(req).await
}

/// Bytes of a form or JSON body: a long essay, a report draft or a drawn signature fit easily.
pub const FORM_BODY_LIMIT: usize = 1024 * 1024;

/// Bytes of a multipart upload: a study material's PDF is allowed three times the file limit.
pub fn upload_body_limit(app: &App) -> usize {
    app.config.max_upload_bytes * 3 + 1024 * 1024
}

/// A refusal in the caller's form: JSON under `/api/`, a page elsewhere.
fn refusal(path: &str, e: AppError) -> Response {
    if path.starts_with("/api/") {
        e.into_response()
    } else {
        super::page::error_page(&e)
    }
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token from a urlencoded form field or a multipart field named `_csrf`.
fn submitted_csrf(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    let ct = content_type(headers);
    if ct.starts_with("application/x-www-form-urlencoded") {
        return url::form_urlencoded::parse(body).find(|(k, _)| k == "_csrf").map(|(_, v)| v.to_string());
    }
    if ct.starts_with("multipart/form-data") {
        let marker = b"name=\"_csrf\"";
        let at = body.windows(marker.len()).position(|w| w == marker)?;
        let rest = &body[at..];
        let start = rest.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
        let len = rest[start..].windows(2).position(|w| w == b"\r\n")?;
        return std::str::from_utf8(&rest[start..start + len]).ok().map(str::to_string);
    }
    None
}

/// The signed-in actor of an API request; 401 JSON otherwise.
pub struct ApiActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for ApiActor {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let caller = parts.extensions.get::<Caller>().cloned();
        match caller.and_then(|c| c.actor) {
            Some(a) if a.must_change_password => Err(AppError::PasswordChangeRequired),
            Some(a) if a.must_enroll_second_factor => Err(AppError::SecondFactorRequired),
            Some(a) => Ok(ApiActor(a)),
            None => Err(AppError::Unauthorized),
        }
    }
}

impl Caller {
    /// The secret this request signed in with: the session cookie's, or the bearer token.
    pub fn secret(&self) -> Option<&str> {
        self.session_token.as_deref().or(self.bearer.as_deref())
    }
}

/// The caller as found, signed in or not.
impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or(AppError::Internal("authentication middleware missing".into()))
    }
}

/// The signed-in actor of a page; a redirect to the sign-in page (or to the forced password
/// change) otherwise.
pub struct PageActor {
    pub actor: Actor,
    pub caller: Caller,
}

impl<S: Send + Sync> FromRequestParts<S> for PageActor {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let caller = parts.extensions.get::<Caller>().cloned();
        let Some((actor, caller)) = caller.and_then(|c| Some((c.actor.clone()?, c))) else {
            let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let target = format!(
                "/login?next={}",
                url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            );
            return Err(Redirect::to(&target).into_response());
        };
        if actor.must_change_password && parts.uri.path() != "/account/password" {
            return Err(Redirect::to("/account/password").into_response());
        }
        if actor.must_enroll_second_factor
            && !parts.uri.path().starts_with("/account/")
            && parts.uri.path() != "/logout"
        {
            return Err(Redirect::to("/account/security").into_response());
        }
        Ok(PageActor { actor, caller })
    }
}
