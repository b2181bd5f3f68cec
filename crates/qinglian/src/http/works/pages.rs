//! Pages of the calls for works, the jury, the column and news, and the public portal with its
//! search. The public pages (a call's submission form, the receipt check, the portal) work for
//! visitors without an account.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::http::common::{
    anonymous_page, base_url, render, see_other, Caller, Ctx, Fields, Notice, PageActor, PageError, Pairs,
    Share,
};
use crate::i18n;
use crate::services::works::{self, Call, SubmissionInput};
use crate::services::{campaigns, jury, portal, privacy, search, units, App};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/campaigns/{id}/calls", get(calls_page).post(create_call))
        .route("/calls/{id}", get(call_page).post(submit))
        .route("/calls/{id}/manage", get(manage_page))
        .route("/calls/{id}/publish", post(publish))
        .route("/calls/{id}/closing", post(set_closing))
        .route("/calls/{id}/jury", get(jury_page))
        .route("/works/check", get(check_page).post(edit_work))
        .route("/works/{id}/moderate", post(moderate))
        .route("/works/{id}/score", post(score))
        .route("/works/{id}/conflict", post(conflict))
        .route("/works/{id}/prize", post(prize))
        .route("/banned-words", post(banned_words))
        .route("/campaigns/{id}/column", get(column_page).post(invite))
        .route("/campaigns/{id}/column/remind", post(remind))
        .route("/campaigns/{id}/news", post(add_news))
        .route("/column/{id}", post(save_piece))
        .route("/column/{id}/schedule", post(schedule))
        .route("/portal", get(portal_home))
        .route("/portal/works/{id}", get(portal_work))
        .route("/portal/column/{id}", get(portal_piece))
        .route("/portal/news/{id}", get(portal_news))
        .route("/portal/search", get(portal_search))
        .route("/portal/qr.svg", get(share_qr))
        .route("/portal/share.png", get(share_card))
}

type PageResult = Result<Response, PageError>;

// ---- the department: calls, screening, standings ----

#[derive(Template)]
#[template(path = "calls.html")]
struct CallsPage {
    ctx: Ctx,
    c: campaigns::Campaign,
    calls: Vec<Call>,
}

async fn calls_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(q): Query<Notice>,
) -> PageResult {
    actor.require_organiser()?;
    let calls = works::calls(&app, id).await?;
    Ok(render(&CallsPage {
        ctx: Ctx::new(&caller, q.ok.as_deref()),
        c: campaigns::get(&app, id).await?,
        calls,
    }))
}

async fn create_call(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let nums = |name: &str| f.all(name).iter().map(|v| v.trim().parse().unwrap_or(-1)).collect::<Vec<i64>>();
    let (gmin, gmax) = (nums("genre_min"), nums("genre_max"));
    let genres = f
        .all("genre_name")
        .iter()
        .enumerate()
        .filter(|(_, n)| !n.trim().is_empty())
        .map(|(i, n)| works::Genre {
            code: format!("g{}", i + 1),
            name: n.trim().to_string(),
            min_chars: gmin.get(i).copied().unwrap_or(-1),
            max_chars: gmax.get(i).copied().unwrap_or(-1),
        })
        .collect();
    let (weights, maxes) = (nums("criterion_weight"), nums("criterion_max"));
    let criteria = f
        .all("criterion_name")
        .iter()
        .enumerate()
        .filter(|(_, n)| !n.trim().is_empty())
        .map(|(i, n)| works::Criterion {
            id: 0,
            name: n.trim().to_string(),
            weight: weights.get(i).copied().unwrap_or(-1),
            max_score: maxes.get(i).copied().unwrap_or(-1),
        })
        .collect();
    let input = works::CallInput {
        campaign_id: id,
        activity_id: f.get("activity_id").parse().ok(),
        title: f.get("title").to_string(),
        rules: f.get("rules").to_string(),
        genres,
        groups: f.all("groups"),
        opens_at: f.get("opens_at").to_string(),
        closes_at: f.get("closes_at").to_string(),
        criteria,
        jurors: f
            .get("jurors")
            .split([',', '，', ' ', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
    };
    let call = works::create_call(&app, &actor, input).await?;
    Ok(see_other(&format!("/calls/{call}/manage?ok=ok.call_added")))
}

#[derive(Template)]
#[template(path = "call_manage.html")]
struct ManagePage {
    ctx: Ctx,
    call: Call,
    works: Vec<works::WorkRow>,
    held: Vec<works::WorkRow>,
    standings: jury::Standings,
    banned: String,
    judging: bool,
    prizes: [&'static str; 4],
}

async fn manage_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(q): Query<Notice>,
) -> PageResult {
    let all = works::works(&app, &actor, id, None).await?;
    let call = works::call(&app, id).await?;
    Ok(render(&ManagePage {
        ctx: Ctx::new(&caller, q.ok.as_deref()),
        judging: crate::db::now() >= call.closes_at,
        held: all.iter().filter(|w| w.status == "held").cloned().collect(),
        works: all,
        standings: jury::standings(&app, &actor, id).await?,
        banned: works::banned_words(&app).await?.join("\n"),
        prizes: works::PRIZES,
        call,
    }))
}

async fn set_closing(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let closes_at = (f.get("now") != "1").then(|| f.get("closes_at"));
    works::set_closing(&app, &actor, id, closes_at).await?;
    Ok(see_other(&format!("/calls/{id}/manage?ok=ok.saved")))
}

async fn moderate(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    works::moderate(&app, &actor, id, f.get("release") == "1").await?;
    Ok(see_other(&format!("/calls/{}/manage?ok=ok.saved#moderation", f.get("call_id"))))
}

async fn banned_words(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    works::set_banned_words(&app, &actor, f.get("words")).await?;
    Ok(see_other(&format!("/calls/{}/manage?ok=ok.saved#words", f.get("call_id"))))
}

async fn prize(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    jury::decide(&app, &actor, id, f.get("prize")).await?;
    Ok(see_other(&format!("/calls/{}/manage?ok=ok.saved#ranking", f.get("call_id"))))
}

async fn publish(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    jury::publish(&app, &actor, id).await?;
    Ok(see_other(&format!("/calls/{id}/manage?ok=ok.call_published")))
}

// ---- the jury ----

#[derive(Template)]
#[template(path = "jury.html")]
struct JuryPage {
    ctx: Ctx,
    call: Call,
    works: Vec<jury::BlindWork>,
}

async fn jury_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(q): Query<Notice>,
) -> PageResult {
    let (call, works) = jury::my_works(&app, &actor, id).await?;
    Ok(render(&JuryPage { ctx: Ctx::new(&caller, q.ok.as_deref()), call, works }))
}

async fn score(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let scores =
        f.0.iter()
            .filter_map(|(k, v)| {
                let criterion_id = k.strip_prefix("c")?.parse().ok()?;
                Some(jury::CriterionScore { criterion_id, score: v.trim().parse().unwrap_or(-1) })
            })
            .collect();
    jury::score(&app, &actor, id, jury::ScoreInput { scores, comment: f.get("comment").to_string() }).await?;
    Ok(see_other(&format!("/calls/{}/jury?ok=ok.scored#w{id}", f.get("call_id"))))
}

async fn conflict(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    jury::declare_conflict(&app, &actor, id, f.get("reason")).await?;
    Ok(see_other(&format!("/calls/{}/jury?ok=ok.conflict_declared", f.get("call_id"))))
}

// ---- the public: submitting and checking ----

#[derive(Template)]
#[template(path = "call_public.html")]
struct CallPage {
    ctx: Ctx,
    call: Call,
    open: bool,
    error: Option<String>,
    fields: Vec<String>,
    receipt: Option<works::Receipt>,
    input: SubmissionInput,
    notice: privacy::Notice,
}

/// A submission as typed into the form (kept when the form comes back with an error).
fn submission(f: &Fields) -> SubmissionInput {
    SubmissionInput {
        author: f.get("author").into(),
        contact: f.get("contact").into(),
        guardian: f.get("guardian").into(),
        group: f.get("group").into(),
        genre: f.get("genre").into(),
        title: f.get("title").into(),
        body: f.get("body").into(),
        declaration: f.get("declaration") == "1",
        consent: f.get("consent") == "1",
        notice: Some(f.get("notice").to_string()),
    }
}

fn call_page_response(caller: &Caller, page: CallPage, status: StatusCode) -> Response {
    anonymous_page(caller, status, |ctx| render(&CallPage { ctx, ..page }))
}

async fn call_page(State(app): State<App>, caller: Caller, Path(id): Path<i64>) -> PageResult {
    let call = works::call(&app, id).await?;
    let page = CallPage {
        notice: privacy::notice_for(&app, privacy::Form::Work, id).await?,
        ctx: Ctx::new(&caller, None),
        open: call.is_open(crate::db::now()),
        call,
        error: None,
        fields: Vec::new(),
        receipt: None,
        input: SubmissionInput::default(),
    };
    Ok(call_page_response(&caller, page, StatusCode::OK))
}

async fn submit(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let call = works::call(&app, id).await?;
    let input = submission(&f);
    let mut page = CallPage {
        notice: privacy::notice_for(&app, privacy::Form::Work, id).await?,
        ctx: Ctx::new(&caller, None),
        open: call.is_open(crate::db::now()),
        call,
        error: None,
        fields: Vec::new(),
        receipt: None,
        input: input.clone(),
    };
    let status = match works::submit(&app, id, input, &caller.ip).await {
        Ok(r) => {
            page.receipt = Some(r);
            StatusCode::OK
        }
        Err(e) => {
            let lang = i18n::current();
            page.error = Some(e.message(lang));
            page.fields = e.fields().iter().map(|x| x.render(lang)).collect();
            e.status()
        }
    };
    Ok(call_page_response(&caller, page, status))
}

#[derive(Template)]
#[template(path = "work_check.html")]
struct CheckPage {
    ctx: Ctx,
    code: String,
    status: Option<works::ReceiptStatus>,
    call: Option<Call>,
    /// The notice an edit agrees to again, with the call.
    notice: Option<privacy::Notice>,
    error: Option<String>,
}

impl CheckPage {
    fn new(caller: &Caller, code: &str) -> CheckPage {
        CheckPage {
            ctx: Ctx::new(caller, None),
            code: code.to_string(),
            status: None,
            call: None,
            notice: None,
            error: None,
        }
    }

    /// Shows the work a receipt names, with its call and the call's notice.
    async fn show(&mut self, app: &App, status: works::ReceiptStatus) -> AppResult<()> {
        self.call = Some(works::call(app, status.call_id).await?);
        self.notice = Some(privacy::notice_for(app, privacy::Form::Work, status.call_id).await?);
        self.status = Some(status);
        Ok(())
    }
}

#[derive(Deserialize)]
struct CodeQuery {
    code: Option<String>,
}

async fn check_page(State(app): State<App>, caller: Caller, Query(q): Query<CodeQuery>) -> PageResult {
    let code = q.code.unwrap_or_default().trim().to_string();
    let mut page = CheckPage::new(&caller, &code);
    let mut http = StatusCode::OK;
    if !code.is_empty() {
        match works::check(&app, &code).await {
            Ok(s) => page.show(&app, s).await?,
            Err(e) => {
                http = e.status();
                page.error = Some(e.message(i18n::current()));
            }
        }
    }
    Ok(anonymous_page(&caller, http, |ctx| render(&CheckPage { ctx, ..page })))
}

async fn edit_work(State(app): State<App>, caller: Caller, Form(f): Form<Pairs>) -> PageResult {
    let f = Fields(f);
    let code = f.get("code").trim().to_string();
    let mut page = CheckPage::new(&caller, &code);
    let http = match works::edit(&app, &code, submission(&f), &caller.ip).await {
        Ok(s) => {
            page.show(&app, s).await?;
            StatusCode::OK
        }
        Err(e) => {
            if let Ok(s) = works::check(&app, &code).await {
                page.show(&app, s).await?;
            }
            page.error = Some(e.message(i18n::current()));
            e.status()
        }
    };
    Ok(anonymous_page(&caller, http, |ctx| render(&CheckPage { ctx, ..page })))
}

// ---- column and news ----

#[derive(Template)]
#[template(path = "column.html")]
struct ColumnPage {
    ctx: Ctx,
    c: campaigns::Campaign,
    pieces: Vec<portal::Piece>,
    units: Vec<units::Unit>,
    today: String,
}

async fn column_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(q): Query<Notice>,
) -> PageResult {
    Ok(render(&ColumnPage {
        ctx: Ctx::new(&caller, q.ok.as_deref()),
        c: campaigns::get(&app, id).await?,
        pieces: portal::pieces(&app, &actor, id).await?,
        units: if actor.campaign_wide() { units::list(&app).await? } else { Vec::new() },
        today: crate::domain::today(),
    }))
}

async fn invite(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    portal::invite(&app, &actor, id, &f.ids("unit_ids"), f.get("due_date")).await?;
    Ok(see_other(&format!("/campaigns/{id}/column?ok=ok.invited")))
}

async fn remind(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    portal::remind_overdue(&app, &actor, id).await?;
    Ok(see_other(&format!("/campaigns/{id}/column?ok=ok.reminded")))
}

async fn add_news(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let input = portal::NewsInput { title: f.get("title").into(), body: f.get("body").into() };
    portal::add_news(&app, &actor, id, input).await?;
    Ok(see_other(&format!("/campaigns/{id}/column?ok=ok.news_added")))
}

async fn save_piece(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let input = portal::PieceInput {
        kind: f.get("kind").into(),
        title: f.get("title").into(),
        video_link: f.get("video_link").into(),
        body: f.get("body").into(),
    };
    portal::save_piece(&app, &actor, id, input).await?;
    Ok(see_other(&format!("/campaigns/{}/column?ok=ok.saved", f.get("campaign_id"))))
}

async fn schedule(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    portal::schedule(&app, &actor, id, Some(f.get("from"))).await?;
    Ok(see_other(&format!("/campaigns/{}/column?ok=ok.scheduled", f.get("campaign_id"))))
}

// ---- the public portal ----

#[derive(Template)]
#[template(path = "portal.html")]
struct PortalPage {
    ctx: Ctx,
    home: portal::Home,
    share: Share,
}

async fn portal_home(State(app): State<App>, caller: Caller, headers: HeaderMap) -> PageResult {
    let home = portal::home(&app).await?;
    let share = Share::new(&headers, &caller, "/portal", &home.campaign_title, &home.theme);
    Ok(render(&PortalPage { ctx: Ctx::new(&caller, None), home, share }))
}

/// One published item: a work, a column piece or a news item.
#[derive(Template)]
#[template(path = "portal_item.html")]
struct ItemPage {
    ctx: Ctx,
    kind: &'static str,
    title: String,
    meta: String,
    body: String,
    video_link: String,
    path: String,
    share: Share,
}

/// A published item's share card: its title and its opening words.
fn item_share(headers: &HeaderMap, caller: &Caller, path: &str, title: &str, body: &str) -> Share {
    Share::new(headers, caller, path, title, body.lines().find(|l| !l.trim().is_empty()).unwrap_or_default())
}

async fn portal_work(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> PageResult {
    let w = portal::public_work_item(&app, id).await?;
    let share = item_share(&headers, &caller, &format!("/portal/works/{id}"), &w.title, &w.body);
    let ctx = Ctx::new(&caller, None);
    let group = ctx.label("work.group", &w.group);
    Ok(render(&ItemPage {
        meta: format!("{} · {} · {group} · {}", w.author, ctx.prize(&w.prize), w.call_title),
        ctx,
        kind: "work",
        title: w.title,
        body: w.body,
        video_link: String::new(),
        share,
        path: format!("/portal/works/{id}"),
    }))
}

async fn portal_piece(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> PageResult {
    let p = portal::public_piece(&app, id).await?;
    let share = item_share(&headers, &caller, &format!("/portal/column/{id}"), &p.title, &p.body);
    Ok(render(&ItemPage {
        ctx: Ctx::new(&caller, None),
        kind: "column",
        meta: format!("{} · {} · {}", p.unit, p.head_name, p.publish_on),
        title: p.title,
        body: p.body,
        video_link: p.video_link,
        share,
        path: format!("/portal/column/{id}"),
    }))
}

async fn portal_news(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> PageResult {
    let n = portal::news_item(&app, id).await?;
    let share = item_share(&headers, &caller, &format!("/portal/news/{id}"), &n.title, &n.body);
    Ok(render(&ItemPage {
        ctx: Ctx::new(&caller, None),
        kind: "news",
        meta: crate::domain::format_datetime(n.published_at)[..10].to_string(),
        title: n.title,
        body: n.body,
        video_link: String::new(),
        share,
        path: format!("/portal/news/{id}"),
    }))
}

#[derive(Template)]
#[template(path = "portal_search.html")]
struct SearchPage {
    ctx: Ctx,
    q: String,
    hits: Vec<search::Hit>,
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

async fn portal_search(State(app): State<App>, caller: Caller, Query(q): Query<SearchQuery>) -> PageResult {
    let q = q.q.unwrap_or_default().chars().take(50).collect::<String>().trim().to_string();
    let hits = if q.is_empty() { Vec::new() } else { search::search(&app, &q, 30).await? };
    Ok(render(&SearchPage { ctx: Ctx::new(&caller, None), q, hits }))
}

#[derive(Deserialize)]
struct PathQuery {
    path: Option<String>,
}

/// A QR code of a portal page, for sharing on phones; only portal paths are encoded.
async fn share_qr(
    caller: Caller,
    headers: HeaderMap,
    Query(q): Query<PathQuery>,
) -> Result<Response, AppError> {
    let path = q.path.unwrap_or_else(|| "/portal".into());
    if !path.starts_with("/portal") || path.contains("//") || path.len() > 100 {
        return Err(AppError::NotFound);
    }
    let url = format!("{}{path}", base_url(&headers, &caller));
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(|e| AppError::Internal(e.to_string()))?;
    let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build();
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

/// The last share picture drawn, by what it shows. Drawing one takes up to a second and it
/// changes only with the portal's campaign; the lock is held while drawing, so a rush of first
/// asks draws it once.
static SHARE_CARD: tokio::sync::Mutex<Option<(String, bytes::Bytes)>> = tokio::sync::Mutex::const_new(None);

/// The picture chat apps show for a link to the portal.
async fn share_card(State(app): State<App>) -> Result<Response, AppError> {
    let c = portal::headline(&app).await?;
    let zh = i18n::T(i18n::Lang::Zh);
    let site = format!("{} · {}", zh.get("app.name"), zh.get("portal.title"));
    let period = c.period();
    let key = format!("{site}\n{}\n{}\n{period}", c.title, c.theme);
    let mut cached = SHARE_CARD.lock().await;
    let png = match cached.as_ref() {
        Some((k, png)) if *k == key => png.clone(),
        _ => {
            let png = bytes::Bytes::from(
                crate::documents::typeset::share_card(site, c.title, c.theme, period).await?,
            );
            *cached = Some((key, png.clone()));
            png
        }
    };
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "public, max-age=3600")], png)
        .into_response())
}
