//! What every page shares: the layout's context, rendering, the error page, redirects after a
//! write, and forms for visitors who are not signed in.

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{set_cookie, Caller, PRE_SESSION_COOKIE};
use crate::domain::Role;
use crate::error::AppError;
use crate::i18n::{self, T};
use crate::services::{auth, Actor};

/// What the layout needs on every page.
pub struct Ctx {
    pub t: T,
    pub user: Option<Actor>,
    pub csrf: String,
    pub notice: Option<&'static str>,
    pub can_organise: bool,
    pub can_audit: bool,
    pub can_admin: bool,
    /// The security officer: second factors and sessions.
    pub can_secure: bool,
}

impl Ctx {
    pub(crate) fn new(caller: &Caller, notice: Option<&str>) -> Ctx {
        let t = T(i18n::current());
        let user = caller.actor.clone();
        Ctx {
            t,
            can_organise: user.as_ref().is_some_and(|u| u.campaign_wide()),
            can_audit: user.as_ref().is_some_and(|u| u.can_read_audit()),
            can_admin: user.as_ref().is_some_and(|u| u.has(Role::Admin)),
            can_secure: user.as_ref().is_some_and(|u| u.has(Role::SecurityAdmin)),
            user,
            csrf: caller.csrf_token.clone(),
            notice: notice.filter(|k| k.starts_with("ok.") && i18n::has_key(k)).map(|k| t.get(k)),
        }
    }
    pub fn sitting_kind(&self, kind: &str) -> &'static str {
        self.label("sitting.kind", kind)
    }
    /// The catalogue's text for a coded value: `label("integrity.status", "recognised")`.
    pub fn label(&self, prefix: &str, code: &str) -> &'static str {
        self.t.get(&format!("{prefix}.{code}"))
    }
    /// A value that is Chinese data (an activity kind's name, a rank, a prize), in English when
    /// the catalogue knows it: `data_label("rank", "科级", "科级")`.
    fn data_label(&self, prefix: &str, key: &str, shown: &str) -> String {
        let key = format!("{prefix}.{key}");
        if self.t.is_en() && i18n::has_key(&key) {
            self.t.get(&key).to_string()
        } else {
            shown.to_string()
        }
    }
    pub fn kind(&self, code: &str, name: &str) -> String {
        self.data_label("activity.kind", code, name)
    }
    pub fn rank(&self, rank: &str) -> String {
        self.data_label("rank", rank, rank)
    }
    pub fn prize(&self, prize: &str) -> String {
        self.data_label("prize", prize, prize)
    }
    /// A period of stored dates as the reader's language writes it: 2022年5月16日至6月15日, or
    /// 16 May – 15 Jun 2022.
    pub fn period(&self, start: &str, end: &str) -> String {
        if !self.t.is_en() {
            return crate::services::report::compose::period(start, end);
        }
        const MONTHS: [&str; 12] =
            ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let parts = |iso: &str| -> Option<(String, String, String)> {
            let mut it = iso.split('-');
            let (y, m, d) = (it.next()?, it.next()?.parse::<usize>().ok()?, it.next()?.parse::<u32>().ok()?);
            Some((y.to_string(), MONTHS.get(m.checked_sub(1)?)?.to_string(), d.to_string()))
        };
        match (parts(start), parts(end)) {
            (Some((y1, m1, d1)), Some((y2, m2, d2))) if y1 == y2 => format!("{d1} {m1} – {d2} {m2} {y2}"),
            (Some((y1, m1, d1)), Some((y2, m2, d2))) => format!("{d1} {m1} {y1} – {d2} {m2} {y2}"),
            _ => format!("{start} – {end}"),
        }
    }
    /// "第2版" / "version 2" of a signed text.
    pub fn version(&self, v: &i64) -> String {
        i18n::Msg::new("revise.nth").arg("version", v).render(self.t.0)
    }
    /// A message with one value in it: `ctx.with("flag.distance", "n", d)` is "距会场 812 米".
    pub fn with(&self, key: &'static str, arg: &'static str, value: impl std::fmt::Display) -> String {
        i18n::Msg::new(key).arg(arg, value).render(self.t.0)
    }
    pub fn status(&self, s: &str) -> &'static str {
        self.t.get(&format!("status.{s}"))
    }
    /// "将于 2023年6月15日 后匿名化": when a campaign's public data is anonymised.
    pub fn anonymised_after(&self, c: &crate::services::campaigns::Campaign) -> String {
        i18n::Msg::new("privacy.anonymised_on").arg("date", c.anonymised_after()).render(self.t.0)
    }
}

pub(crate) fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => error_page(&AppError::Internal(e.to_string())),
    }
}

/// A page-handler error: rendered as an HTML page in the user's language.
pub struct PageError(AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(&self.0)
    }
}

pub(crate) type PageResult = Result<Response, PageError>;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    t: T,
    /// The page's title names what happened: not found, not allowed, signed out, or a refusal.
    title: &'static str,
    message: String,
    fields: Vec<String>,
    signed_out: bool,
}

pub fn error_page(e: &AppError) -> Response {
    if let AppError::Internal(detail) = e {
        tracing::error!(%detail, "internal error");
    }
    let lang = i18n::current();
    let title = match e {
        AppError::NotFound => "err.title_not_found",
        AppError::Forbidden => "err.title_forbidden",
        AppError::Unauthorized => "err.title_signed_out",
        _ => "err.title",
    };
    let page = ErrorPage {
        t: T(lang),
        title: T(lang).get(title),
        message: e.message(lang),
        fields: e.fields().iter().map(|f| f.render(lang)).collect(),
        signed_out: matches!(e, AppError::Unauthorized),
    };
    let mut resp = (e.status(), Html(page.render().unwrap_or_else(|_| e.message(lang)))).into_response();
    if matches!(e, AppError::ReauthRequired) {
        resp.extensions_mut().insert(NeedsPassword);
    }
    resp
}

/// Marks a page refused for want of a recent password, for [`ask_password_again`].
#[derive(Clone, Copy)]
pub(crate) struct NeedsPassword;

/// A page refused for want of a recent password sends the user to give it, and back: to the
/// page itself for a read, to the page the form was on for a write.
pub(crate) async fn ask_password_again(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let read = req.method() == axum::http::Method::GET;
    let here = req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
    let referer = req
        .headers()
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .map(|u| format!("{}{}", u.path(), u.query().map(|q| format!("?{q}")).unwrap_or_default()));
    let resp = next.run(req).await;
    if resp.extensions().get::<NeedsPassword>().is_none() {
        return resp;
    }
    let back = if read { Some(here) } else { referer };
    let back = back.unwrap_or_else(|| "/".into());
    let to = format!(
        "/account/confirm?next={}",
        url::form_urlencoded::byte_serialize(back.as_bytes()).collect::<String>()
    );
    see_other(&to)
}

/// `?ok=` of a page reached after a successful write: the catalogue key of its notice.
#[derive(Deserialize, Default)]
pub(crate) struct Notice {
    pub(crate) ok: Option<String>,
}

pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A page with a form for someone who may not be signed in, answered with `status`.
pub(crate) fn anonymous_page(
    caller: &Caller,
    status: StatusCode,
    page: impl FnOnce(Ctx) -> Response,
) -> Response {
    let (ctx, cookie) = anonymous_form(caller);
    let mut resp = page(ctx);
    *resp.status_mut() = status;
    if let Some(c) = cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}

/// A form for someone who may not be signed in: with a session, its CSRF token; without, a fresh
/// double-submit token and the cookie that carries it.
fn anonymous_form(caller: &Caller) -> (Ctx, Option<axum::http::HeaderValue>) {
    let mut ctx = Ctx::new(caller, None);
    if caller.session_token.is_some() {
        return (ctx, None);
    }
    let pre = auth::random_token();
    ctx.csrf = pre.clone();
    (ctx, set_cookie(PRE_SESSION_COOKIE, &pre, "Strict", None, caller.secure).parse().ok())
}

pub(crate) type Pairs = Vec<(String, String)>;

/// Template helper: unix seconds as local time.
pub fn time_of(t: &i64) -> String {
    crate::domain::format_datetime(*t)
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
    let mut resp = render(page);
    if searched && !found {
        *resp.status_mut() = StatusCode::NOT_FOUND;
    }
    resp
}
