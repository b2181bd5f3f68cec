//! Pages of sittings: scheduling, the venue screen with its rotating QR code, the phone sign-in
//! page (no account needed), the clerk's desk, registration and a person's own list.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::http::common::{
    anonymous_page, base_url, check_page, cookie, inline_file, render, see_other, set_cookie, with_cookies,
    xlsx_download, Caller, CodeQuery, Ctx, Fields, PageActor, PageError, Pairs,
};
use crate::i18n::{self, Msg};
use crate::services::sittings::{self, Audience, SittingInput};
use crate::services::{checkin_flags, series};
use crate::services::{privacy, App, Paging};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/activities/{id}/sittings", post(create))
        .route("/sittings/{id}", get(sitting_page))
        .route("/sittings/{id}/edit", post(edit))
        .route("/sittings/{id}/call-off", post(call_off))
        .route("/sittings/{id}/screen", get(screen))
        .route("/sittings/{id}/screen.json", get(screen_json))
        .route("/sittings/{id}/qr.svg", get(qr_svg))
        .route("/sittings/{id}/checkins", post(clerk_check_in))
        .route("/sittings/{id}/flags/{checkin}", post(review_checkin))
        .route("/sittings/{id}/attendance.xlsx", get(export))
        .route("/sittings/{id}/ledger", post(file_ledger))
        .route("/sittings/{id}/register", get(register_form).post(register))
        .route("/sittings/{id}/cancel", post(cancel))
        .route("/s/{code}", get(scan))
        .route("/s", get(number_form).post(sign_in))
        .route("/s/number", post(by_number))
        .route("/me/sittings", get(mine))
        .route("/series/{id}", get(series_page))
        .route("/series/{id}/certificates", post(issue_certificates))
        .route("/certificates/{file}", get(certificate_pdf))
        .route("/verify", get(verify))
}

type PageResult = Result<Response, PageError>;

/// What a sitting form's location fields hold.
pub(crate) struct FenceFields {
    pub lat: String,
    pub lon: String,
    pub radius: String,
}

/// The location fields of a new sitting: blank.
pub(crate) const NO_FENCE: FenceFields =
    FenceFields { lat: String::new(), lon: String::new(), radius: String::new() };

/// The location fields of a sitting being corrected.
pub(crate) fn fence_fields(s: &sittings::Sitting) -> FenceFields {
    match s.geofence {
        Some(g) => FenceFields {
            lat: g.latitude.to_string(),
            lon: g.longitude.to_string(),
            radius: g.radius_m.to_string(),
        },
        None => NO_FENCE,
    }
}

/// The sitting form's location check: the venue's degrees and a radius (500 m unless given), or
/// none when both degrees are blank.
fn geofence_from(f: &Fields) -> Result<Option<sittings::Geofence>, AppError> {
    let degrees = |name: &str| crate::domain::text::normalize(f.get(name)).trim().to_string();
    let (lat, lon) = (degrees("fence_lat"), degrees("fence_lon"));
    if lat.is_empty() && lon.is_empty() {
        return Ok(None);
    }
    let bad = || AppError::invalid("geofence", Msg::new("err.geofence_point"));
    let radius_m =
        if f.get("radius_m").trim().is_empty() { 500 } else { f.int("radius_m", "err.geofence_radius")? };
    Ok(Some(sittings::Geofence {
        latitude: lat.parse().map_err(|_| bad())?,
        longitude: lon.parse().map_err(|_| bad())?,
        radius_m,
    }))
}

/// The sitting form: one day, or a training of several consecutive days.
pub(crate) fn input_from(f: &Fields) -> Result<(SittingInput, i64, i64), AppError> {
    let party = match f.get("party") {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    };
    let input = SittingInput {
        title: f.get("title").to_string(),
        kind: f.get("kind").to_string(),
        host_unit_id: f.int("host_unit_id", "err.unit_unknown")?,
        venue: f.get("venue").to_string(),
        starts_at: f.get("starts_at").to_string(),
        ends_at: f.get("ends_at").to_string(),
        capacity: if f.get("capacity").trim().is_empty() { 0 } else { f.int("capacity", "err.capacity")? },
        registration_required: f.get("registration_required") == "1",
        public: f.get("public") == "1",
        one_device: f.get("one_device") == "1",
        geofence: geofence_from(f)?,
        audience: Audience {
            unit_id: f.get("audience_unit_id").parse().ok(),
            ranks: f.all("ranks"),
            party,
            person_ids: Vec::new(),
        },
        task_id: f.get("task_id").parse().ok(),
        opens_minutes_before: None,
        late_after_minutes: None,
    };
    let days = if f.get("days").trim().is_empty() { 1 } else { f.int("days", "err.series_days")? };
    let min_days =
        if f.get("min_days").trim().is_empty() { 0 } else { f.int("min_days", "err.series_days")? };
    Ok((input, days, min_days))
}

async fn create(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(activity): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let (input, days, min_days) = input_from(&Fields(f))?;
    if days <= 1 {
        let id = sittings::create(&app, &actor, activity, input).await?;
        return Ok(see_other(&format!("/sittings/{id}?ok=ok.sitting_added")));
    }
    // A training of `days` days: the same hours on consecutive days, each with its own sign-in.
    let shift = |raw: &str, d: i64| -> Result<String, AppError> {
        let t = crate::domain::parse_datetime("starts_at", raw)? + d * 86_400;
        Ok(crate::domain::format_datetime(t))
    };
    let mut list = Vec::new();
    for d in 0..days.clamp(1, 60) {
        let mut day = input.clone();
        day.starts_at = shift(&input.starts_at, d)?;
        day.ends_at = shift(&input.ends_at, d)?;
        day.title = format!("{}（第{}天）", input.title, d + 1);
        list.push(day);
    }
    let series = sittings::SeriesInput { title: input.title.clone(), min_days, days: list };
    sittings::create_series(&app, &actor, activity, series).await?;
    Ok(see_other(&format!("/activities/{activity}?ok=ok.sitting_added")))
}

/// The page's correction: a new title, time, venue or capacity; the rest of the sitting stays.
async fn edit(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let s = sittings::get(&app, &actor, id).await?;
    let input = SittingInput {
        title: f.get("title").to_string(),
        venue: f.get("venue").to_string(),
        starts_at: f.get("starts_at").to_string(),
        ends_at: f.get("ends_at").to_string(),
        capacity: if f.get("capacity").trim().is_empty() { 0 } else { f.int("capacity", "err.capacity")? },
        kind: s.kind,
        host_unit_id: s.host_unit_id,
        registration_required: s.registration_required,
        public: s.public,
        one_device: s.one_device,
        geofence: geofence_from(&f)?,
        audience: s.audience,
        task_id: s.task_id,
        opens_minutes_before: None,
        late_after_minutes: None,
    };
    sittings::update(&app, &actor, id, input).await?;
    Ok(see_other(&format!("/sittings/{id}?ok=ok.sitting_updated")))
}

async fn call_off(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    sittings::cancel(&app, &actor, id, Fields(f).get("reason")).await?;
    Ok(see_other(&format!("/sittings/{id}?ok=ok.sitting_cancelled")))
}

#[derive(Template)]
#[template(path = "sitting.html")]
struct SittingPage {
    ctx: Ctx,
    s: sittings::Sitting,
    a: sittings::Attendance,
    flags: Vec<checkin_flags::Flagged>,
    /// The sitting has closed: the clerk's sign-in is an entry made late (补录).
    over: bool,
    list: crate::services::Page<sittings::AttendeeRow>,
    show: String,
    q: String,
    /// Those expected but not signed in are "not yet here" until the sitting ends, then absent.
    absent_word: &'static str,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    show: Option<String>,
    q: Option<String>,
    page: Option<i64>,
    ok: Option<String>,
}

async fn sitting_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let s = sittings::get(&app, &actor, id).await?;
    let a = sittings::attendance(&app, &actor, id).await?;
    let flags = checkin_flags::flags_of(&app, &s).await?;
    let filter = sittings::AttendeeFilter { show: q.show.clone(), q: q.q.clone() };
    let list =
        sittings::attendees(&app, &actor, id, &filter, Paging { page: q.page, per_page: Some(50) }).await?;
    let ctx = Ctx::new(&caller, q.ok.as_deref());
    let over = sittings::signin_window(&s, crate::db::now()) == sittings::Window::After;
    Ok(render(&SittingPage {
        absent_word: ctx.t.get(if over { "sitting.absent" } else { "sitting.not_yet" }),
        ctx,
        s,
        a,
        flags,
        over,
        list,
        show: q.show.unwrap_or_default(),
        q: q.q.unwrap_or_default(),
    }))
}

#[derive(Template)]
#[template(path = "screen.html")]
struct ScreenPage {
    t: i18n::T,
    s: sittings::Sitting,
    present: i64,
    url: String,
    /// The window and the revision ([`screen_state`]), for the script that redraws on a change.
    state: String,
    /// What the screen says instead of a code when sign-in is not open.
    closed: Option<String>,
    /// The six digits a phone may type instead of scanning, and where.
    number: String,
    number_hint: String,
}

async fn screen(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> PageResult {
    let s = sittings::get(&app, &actor, id).await?;
    let present = sittings::present_count(&app, id).await?;
    let t = crate::db::now();
    let url = format!("{}/s/{}", base_url(&headers, &caller), app.signer.qr_token(id, t));
    let window = sittings::signin_window(&s, t);
    let lang = i18n::current();
    let closed = match window {
        sittings::Window::Open => None,
        sittings::Window::Before => {
            Some(Msg::new("sitting.window_before").arg("time", crate::domain::format_datetime(s.opens_at())))
        }
        sittings::Window::After => Some(Msg::new("sitting.window_after")),
        sittings::Window::Cancelled => {
            Some(Msg::new("err.sitting_cancelled").arg("reason", &s.cancel_reason))
        }
    }
    .map(|m| m.render(lang));
    let state = screen_state(&s, window);
    let number = app.signer.number(id, t);
    let number_hint =
        Msg::new("sitting.number_hint").arg("url", format!("{}/s", base_url(&headers, &caller))).render(lang);
    Ok(render(&ScreenPage { t: i18n::T(lang), s, present, url, state, closed, number, number_hint }))
}

/// What the screen compares to redraw: the sign-in window and the sitting's revision, so a
/// sitting moved or called off redraws the screen at the venue.
fn screen_state(s: &sittings::Sitting, window: sittings::Window) -> String {
    format!("{}@{}", window.as_str(), s.revision)
}

/// What the screen polls: the current code's link, how long it lives, how many have signed in.
async fn screen_json(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let s = sittings::get(&app, &actor, id).await?;
    let t = crate::db::now();
    let url = format!("{}/s/{}", base_url(&headers, &caller), app.signer.qr_token(id, t));
    let present = sittings::present_count(&app, id).await?;
    let period = crate::signing::QR_PERIOD;
    let body = serde_json::json!({
        "url": url, "present": present, "refresh_in": period - t.rem_euclid(period), "number": app.signer.number(id, t),
        "state": screen_state(&s, sittings::signin_window(&s, t)),
    });
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}

async fn qr_svg(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    sittings::get(&app, &actor, id).await?;
    let url = format!("{}/s/{}", base_url(&headers, &caller), app.signer.qr_token(id, crate::db::now()));
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(|e| AppError::Internal(e.to_string()))?;
    let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(480, 480).quiet_zone(true).build();
    Ok(([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "no-store")], svg).into_response())
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    ctx: Ctx,
    s: Option<std::sync::Arc<sittings::Sitting>>,
    pass: String,
    /// Signed in with an account linked to an expected person: sign in with one tap.
    account_name: Option<String>,
    error: Option<String>,
    done: Option<sittings::CheckinOutcome>,
    name: String,
    /// The form for the six digits on the venue screen.
    ask_number: bool,
}

impl SignInPage {
    /// The sitting checks where the phone is: the forms carry its position.
    fn fenced(&self) -> bool {
        self.s.as_ref().is_some_and(|s| s.geofence.is_some())
    }
}

fn sign_in_page(caller: &Caller, page: SignInPage, status: StatusCode) -> Response {
    anonymous_page(caller, status, |ctx| render(&SignInPage { ctx, ..page }))
}

fn empty_page(caller: &Caller) -> SignInPage {
    SignInPage {
        ctx: Ctx::new(caller, None),
        s: None,
        pass: String::new(),
        account_name: None,
        error: None,
        done: None,
        name: String::new(),
        ask_number: false,
    }
}

/// The cookie holding the phone's key, for sittings that take one sign-in per phone.
const DEVICE_COOKIE: &str = "ql_device";

/// The key the phone's cookie holds, if it holds one.
fn device_key(headers: &HeaderMap) -> Option<String> {
    cookie(headers, DEVICE_COOKIE).filter(|k| (16..=128).contains(&k.len()))
}

/// A phone lands here from the venue screen's code.
async fn scan(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    let found = sittings::scan(&app, &code).await;
    with_device_key(scan_page(&app, &caller, found).await, &headers, &caller)
}

/// The page that asks for the six digits on the venue screen, for a phone that cannot scan.
async fn number_form(caller: Caller) -> Response {
    sign_in_page(&caller, SignInPage { ask_number: true, ..empty_page(&caller) }, StatusCode::OK)
}

async fn by_number(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    Form(f): Form<Pairs>,
) -> Response {
    match sittings::by_number(&app, Fields(f).get("number"), &caller.ip).await {
        Ok(found) => with_device_key(scan_page(&app, &caller, Ok(found)).await, &headers, &caller),
        Err(e) => {
            let page = SignInPage {
                ask_number: true,
                error: Some(e.message(i18n::current())),
                ..empty_page(&caller)
            };
            sign_in_page(&caller, page, e.status())
        }
    }
}

/// Gives the phone a key of its own (for two years) with the page, when it has none yet.
fn with_device_key(resp: Response, headers: &HeaderMap, caller: &Caller) -> Response {
    if device_key(headers).is_some() {
        return resp;
    }
    let new = hex::encode(rand::random::<[u8; 16]>());
    with_cookies(resp, &[set_cookie(DEVICE_COOKIE, &new, "Lax", Some(2 * 365 * 86_400), caller.secure)])
}

/// The phone's sign-in form for the sitting a scan or a number found.
async fn scan_page(
    app: &App,
    caller: &Caller,
    found: AppResult<(std::sync::Arc<sittings::Sitting>, String)>,
) -> Response {
    let lang = i18n::current();
    match found {
        Ok((s, pass)) => {
            let account_name = match &caller.actor {
                Some(actor) => {
                    sittings::account_attendee(app, &s, actor).await.ok().flatten().map(|a| a.name)
                }
                None => None,
            };
            // A sitting not yet open or already over says so before anyone fills in the form.
            if let Err(e) = sittings::check_window(&s, crate::db::now()) {
                let page = SignInPage { s: Some(s), error: Some(e.message(lang)), ..empty_page(caller) };
                return sign_in_page(caller, page, StatusCode::OK);
            }
            let page = SignInPage { s: Some(s), pass, account_name, ..empty_page(caller) };
            sign_in_page(caller, page, StatusCode::OK)
        }
        Err(e) => {
            let page = SignInPage { error: Some(e.message(lang)), ..empty_page(caller) };
            sign_in_page(caller, page, e.status())
        }
    }
}

async fn sign_in(
    State(app): State<App>,
    caller: Caller,
    headers: HeaderMap,
    Form(f): Form<Pairs>,
) -> Response {
    // Without the key the scan set (cookies refused), the phone is told to see the clerk.
    let device = device_key(&headers).unwrap_or_default();
    let f = Fields(f);
    let lang = i18n::current();
    let s = match sittings::open_pass(&app, f.get("pass")).await {
        Ok(s) => s,
        Err(e) => {
            return sign_in_page(
                &caller,
                SignInPage { error: Some(e.message(lang)), ..empty_page(&caller) },
                e.status(),
            )
        }
    };
    let result = async {
        let (who, method) = match (&caller.actor, f.get("as_account") == "1") {
            (Some(actor), true) => (
                sittings::account_attendee(&app, &s, actor)
                    .await?
                    .ok_or_else(|| AppError::invalid("person_name", Msg::new("err.not_in_audience")))?,
                "account",
            ),
            _ => (
                sittings::identify(&app, &s, f.get("name"), f.get("last4"), Some(f.get("pass")), &caller.ip)
                    .await?,
                "qr",
            ),
        };
        let how = sittings::Presence {
            method,
            by: caller.actor.as_ref(),
            ip: &caller.ip,
            device: &device,
            position: crate::domain::geo::Point::parse(f.get("latitude"), f.get("longitude")),
        };
        sittings::check_in(&app, &s, &who, how).await
    }
    .await;
    match result {
        Ok(done) => sign_in_page(
            &caller,
            SignInPage { s: Some(s), done: Some(done), ..empty_page(&caller) },
            StatusCode::OK,
        ),
        Err(e) => {
            let page = SignInPage {
                pass: f.get("pass").to_string(),
                name: f.get("name").to_string(),
                error: Some(e.message(lang)),
                s: Some(s),
                ..empty_page(&caller)
            };
            sign_in_page(&caller, page, e.status())
        }
    }
}

#[derive(Deserialize)]
struct ReviewForm {
    verdict: checkin_flags::Verdict,
    #[serde(default)]
    reason: String,
}

async fn review_checkin(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path((id, checkin)): Path<(i64, i64)>,
    Form(f): Form<ReviewForm>,
) -> PageResult {
    checkin_flags::review(&app, &actor, id, checkin, f.verdict, &f.reason).await?;
    let key = match f.verdict {
        checkin_flags::Verdict::Confirm => "ok.signin_confirmed",
        checkin_flags::Verdict::Strike => "ok.signin_struck",
    };
    Ok(see_other(&format!("/sittings/{id}?ok={key}#flags")))
}

#[derive(Deserialize)]
struct ClerkForm {
    person_id: i64,
    #[serde(default)]
    q: String,
}

async fn clerk_check_in(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<ClerkForm>,
) -> PageResult {
    let done = sittings::clerk_check_in(&app, &actor, id, f.person_id).await?;
    let key = if done.new { "ok.checked_in" } else { "ok.already_checked_in" };
    let q = url::form_urlencoded::byte_serialize(f.q.as_bytes()).collect::<String>();
    Ok(see_other(&format!("/sittings/{id}?q={q}&ok={key}#attendees")))
}

async fn export(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let bytes = sittings::attendance_xlsx(&app, &actor, id).await?;
    Ok(xlsx_download(&format!("attendance-{id}"), bytes))
}

async fn file_ledger(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let entry = sittings::file_ledger(&app, &actor, id).await?;
    Ok(see_other(&format!("/entries/{entry}?ok=ok.entry_filed")))
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    ctx: Ctx,
    s: sittings::Sitting,
    done: Option<sittings::RegistrationOutcome>,
    cancelled: bool,
    error: Option<String>,
    notice: privacy::Notice,
}

impl RegisterPage {
    async fn new(app: &App, caller: &Caller, id: i64) -> AppResult<RegisterPage> {
        let (s, _) = sittings::for_registration(app, id, caller.actor.as_ref()).await?;
        let notice = privacy::notice_for(app, privacy::Form::Registration, id).await?;
        Ok(RegisterPage { ctx: Ctx::new(caller, None), s, done: None, cancelled: false, error: None, notice })
    }
}

async fn register_form(State(app): State<App>, caller: Caller, Path(id): Path<i64>) -> PageResult {
    let page = RegisterPage::new(&app, &caller, id).await?;
    Ok(register_page(&caller, page, StatusCode::OK))
}

fn register_page(caller: &Caller, page: RegisterPage, status: StatusCode) -> Response {
    anonymous_page(caller, status, |ctx| render(&RegisterPage { ctx, ..page }))
}

async fn register(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let page = RegisterPage::new(&app, &caller, id).await?;
    let input = sittings::RegistrationInput {
        name: f.get("name").to_string(),
        phone: f.get("phone").to_string(),
        consent: f.get("consent") == "1",
        notice: Some(f.get("notice").to_string()),
    };
    Ok(match sittings::register(&app, id, input, caller.actor.as_ref(), &caller.ip).await {
        Ok(done) => register_page(&caller, RegisterPage { done: Some(done), ..page }, StatusCode::OK),
        Err(e) => {
            let status = e.status();
            register_page(&caller, RegisterPage { error: Some(e.message(i18n::current())), ..page }, status)
        }
    })
}

async fn cancel(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let page = RegisterPage::new(&app, &caller, id).await?;
    Ok(match sittings::cancel_registration(&app, id, f.get("receipt"), &caller.ip).await {
        Ok(()) => register_page(&caller, RegisterPage { cancelled: true, ..page }, StatusCode::OK),
        Err(e) => {
            let status = e.status();
            register_page(&caller, RegisterPage { error: Some(e.message(i18n::current())), ..page }, status)
        }
    })
}

#[derive(Template)]
#[template(path = "my_sittings.html")]
struct MinePage {
    ctx: Ctx,
    list: Vec<sittings::MySitting>,
}

async fn mine(State(app): State<App>, PageActor { actor, caller }: PageActor) -> PageResult {
    let list = sittings::mine(&app, &actor).await?;
    Ok(render(&MinePage { ctx: Ctx::new(&caller, None), list }))
}

#[derive(Template)]
#[template(path = "series.html")]
struct SeriesPage {
    ctx: Ctx,
    p: series::Progress,
}

async fn series_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let p = series::progress(&app, &actor, id).await?;
    Ok(render(&SeriesPage { ctx: Ctx::new(&caller, q.ok.as_deref()), p }))
}

async fn issue_certificates(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    series::issue_certificates(&app, &actor, id).await?;
    Ok(see_other(&format!("/series/{id}?ok=ok.certificates_issued")))
}

/// `/certificates/{code}.pdf`: the certificate itself, for whoever holds its code.
async fn certificate_pdf(
    State(app): State<App>,
    caller: Caller,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> PageResult {
    let code = file.strip_suffix(".pdf").ok_or(AppError::NotFound)?;
    let verify_url = format!("{}/verify?code={code}", base_url(&headers, &caller));
    let bytes = series::certificate_pdf(&app, code, &verify_url).await?;
    Ok(inline_file("application/pdf".into(), &format!("certificate-{code}.pdf"), bytes))
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    ctx: Ctx,
    code: String,
    found: Option<series::Certificate>,
    searched: bool,
}

/// Public: anyone can check a certificate's code.
async fn verify(State(app): State<App>, caller: Caller, Query(q): Query<CodeQuery>) -> Response {
    let code = q.code();
    let searched = !code.is_empty();
    let found = if searched { series::verify(&app, &code).await.ok() } else { None };
    let hit = found.is_some();
    check_page(&VerifyPage { ctx: Ctx::new(&caller, None), code, found, searched }, searched, hit)
}
