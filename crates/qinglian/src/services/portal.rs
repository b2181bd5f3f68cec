//! The public portal's content: news written by the organisers, the column "清廉建设大家谈" of
//! unit heads (invited → submitted → edited → scheduled → published, one piece a day), and what
//! the portal's home shows. Nothing private reaches it: no contact, no phone, only what was
//! published.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::{audit, clean_text, Actor, App};
use crate::db::{now, Engine, Tx};
use crate::domain::{parse_date, today};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct News {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub published_at: i64,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct NewsInput {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[schema(min_length = 1, max_length = 20000)]
    pub body: String,
}

pub async fn add_news(app: &App, actor: &Actor, campaign_id: i64, input: NewsInput) -> AppResult<i64> {
    actor.require_organiser()?;
    super::campaigns::get(app, campaign_id).await?;
    let title = clean_text("title", &input.title, 200, true)?;
    let body = clean_text("body", &input.body, 20_000, true)?;
    let mut tx = app.db.begin().await?;
    let id = insert_news(&mut tx, app.db.engine, campaign_id, &title, &body, now(), actor.user_id).await?;
    audit::record(&mut tx, actor, "news.add", "news", id, json!({"title": title})).await?;
    tx.commit().await?;
    Ok(id)
}

/// Stores a news item published at `at` and adds it to the search, in the caller's transaction.
pub(crate) async fn insert_news(
    tx: &mut Tx,
    engine: Engine,
    campaign_id: i64,
    title: &str,
    body: &str,
    at: i64,
    by: i64,
) -> AppResult<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO news (campaign_id, title, body, published_at, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(campaign_id)
    .bind(title)
    .bind(body)
    .bind(at)
    .bind(by)
    .fetch_one(&mut **tx)
    .await?;
    super::search::put(tx, engine, "news", id, title, "", body).await?;
    Ok(id)
}

/// A unit's head (一把手): its 主要负责人 on the roster, or the title when the roster has none.
pub(crate) async fn head_of(
    conn: &mut sqlx::AnyConnection,
    unit_id: i64,
    unit_name: &str,
) -> AppResult<String> {
    let head: Option<String> = sqlx::query_scalar(
        "SELECT name FROM people WHERE unit_id = $1 AND position = '主要负责人' ORDER BY id LIMIT 1",
    )
    .bind(unit_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(head.unwrap_or_else(|| format!("{unit_name}主要负责人")))
}

fn news_of(r: &sqlx::any::AnyRow) -> News {
    News { id: r.get("id"), title: r.get("title"), body: r.get("body"), published_at: r.get("published_at") }
}

pub async fn news_item(app: &App, id: i64) -> AppResult<News> {
    let r = sqlx::query("SELECT * FROM news WHERE id = $1").bind(id).fetch_optional(&app.db.pool).await?;
    r.as_ref().map(news_of).ok_or(AppError::NotFound)
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Piece {
    pub id: i64,
    pub unit: String,
    pub head_name: String,
    pub due_date: String,
    pub kind: String,
    pub title: String,
    pub video_link: String,
    pub body: String,
    pub status: String,
    pub publish_on: String,
    pub overdue: bool,
}

fn piece_of(r: &sqlx::any::AnyRow) -> Piece {
    let status: String = r.get("status");
    let due: String = r.get("due_date");
    Piece {
        id: r.get("id"),
        unit: r.get("unit"),
        head_name: r.get("head_name"),
        overdue: status == "invited" && due < today(),
        due_date: due,
        kind: r.get("kind"),
        title: r.get("title"),
        video_link: r.get("video_link"),
        body: r.get("body"),
        status,
        publish_on: r.get("publish_on"),
    }
}

const PIECES: &str = "SELECT c.*, u.name AS unit FROM column_pieces c JOIN units u ON u.id = c.unit_id";

/// Invites the heads (一把手) of `unit_ids` to give an interview or an article by `due_date`.
/// The head is the unit's 主要负责人 on the roster, when there is one.
pub async fn invite(
    app: &App,
    actor: &Actor,
    campaign_id: i64,
    unit_ids: &[i64],
    due_date: &str,
) -> AppResult<usize> {
    actor.require_organiser()?;
    super::campaigns::get(app, campaign_id).await?;
    let due = parse_date("due_date", due_date)?;
    if unit_ids.is_empty() {
        return Err(AppError::invalid("unit_ids", Msg::new("err.no_targets")));
    }
    let mut tx = app.db.begin().await?;
    let t = now();
    let mut invited = 0;
    for unit in unit_ids {
        let unit_name: String = sqlx::query_scalar("SELECT name FROM units WHERE id = $1")
            .bind(unit)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| AppError::invalid("unit_ids", Msg::new("err.unit_unknown_id").arg("id", unit)))?;
        let head = head_of(&mut tx, *unit, &unit_name).await?;
        invited += sqlx::query(
            "INSERT INTO column_pieces (campaign_id, unit_id, head_name, due_date, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (campaign_id, unit_id) DO NOTHING",
        )
        .bind(campaign_id)
        .bind(unit)
        .bind(head)
        .bind(&due)
        .bind(t)
        .execute(&mut *tx)
        .await?
        .rows_affected() as usize;
    }
    audit::record(
        &mut tx,
        actor,
        "column.invite",
        "campaign",
        campaign_id,
        json!({"units": invited, "due": due}),
    )
    .await?;
    tx.commit().await?;
    Ok(invited)
}

/// The column's pieces the actor may see: all for organisers, his units' for a unit administrator.
pub async fn pieces(app: &App, actor: &Actor, campaign_id: i64) -> AppResult<Vec<Piece>> {
    publish_due(app).await?;
    let sql = format!("{PIECES} WHERE c.campaign_id = $1 AND {} ORDER BY c.id", actor.scope_sql("u.path"));
    Ok(sqlx::query(&sql).bind(campaign_id).fetch_all(&app.db.pool).await?.iter().map(piece_of).collect())
}

async fn piece_for(app: &App, actor: &Actor, id: i64) -> AppResult<Piece> {
    let r = sqlx::query(&format!("{PIECES} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(&app.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let path: String = sqlx::query_scalar("SELECT path FROM units WHERE id = $1")
        .bind(r.get::<i64, _>("unit_id"))
        .fetch_one(&app.db.pool)
        .await?;
    if !actor.covers(&path) {
        return Err(AppError::NotFound);
    }
    Ok(piece_of(&r))
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct PieceInput {
    /// video or article
    pub kind: String,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[serde(default)]
    pub video_link: String,
    #[serde(default)]
    pub body: String,
}

/// The unit (or the organiser for it) hands in the interview or the article; the organiser's
/// edit of a submitted piece moves it to "edited".
pub async fn save_piece(app: &App, actor: &Actor, id: i64, input: PieceInput) -> AppResult<()> {
    let p = piece_for(app, actor, id).await?;
    if matches!(p.status.as_str(), "scheduled" | "published") {
        return Err(AppError::Conflict(Msg::new("err.piece_scheduled")));
    }
    let title = clean_text("title", &input.title, 200, true)?;
    let body = clean_text("body", &input.body, 20_000, input.kind == "article")?;
    let link = input.video_link.trim().to_string();
    match input.kind.as_str() {
        "video" if !(link.starts_with("https://") || link.starts_with("http://")) => {
            return Err(AppError::invalid("video_link", Msg::new("err.link")))
        }
        "video" | "article" => {}
        _ => return Err(AppError::invalid("kind", Msg::new("err.piece_kind"))),
    }
    let status = if p.status == "invited" || !actor.campaign_wide() { "submitted" } else { "edited" };
    let mut tx = app.db.begin().await?;
    sqlx::query(
        "UPDATE column_pieces SET kind = $1, title = $2, video_link = $3, body = $4, status = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(&input.kind)
    .bind(&title)
    .bind(&link)
    .bind(&body)
    .bind(status)
    .bind(now())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::record(&mut tx, actor, "column.save", "column_piece", id, json!({"status": status})).await?;
    tx.commit().await?;
    Ok(())
}

/// Schedules a piece for the first day from `from` (default today) on which no other piece of the
/// campaign is scheduled: one piece a day.
pub async fn schedule(app: &App, actor: &Actor, id: i64, from: Option<&str>) -> AppResult<String> {
    actor.require_organiser()?;
    let p = piece_for(app, actor, id).await?;
    if !matches!(p.status.as_str(), "submitted" | "edited") {
        return Err(AppError::Conflict(Msg::new("err.piece_not_ready")));
    }
    let start = match from.filter(|s| !s.trim().is_empty()) {
        Some(d) => parse_date("publish_on", d)?,
        None => today(),
    };
    let mut tx = app.db.begin().await?;
    let campaign: i64 = sqlx::query_scalar("SELECT campaign_id FROM column_pieces WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let taken: Vec<String> = sqlx::query_scalar(
        "SELECT publish_on FROM column_pieces WHERE campaign_id = $1 AND publish_on >= $2 AND id <> $3",
    )
    .bind(campaign)
    .bind(&start)
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    let mut day = time::Date::parse(&start, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| AppError::invalid("publish_on", Msg::new("err.date")))?;
    while taken.contains(&crate::domain::iso_date(day)) {
        day = day.next_day().ok_or_else(|| AppError::invalid("publish_on", Msg::new("err.date")))?;
    }
    let on = crate::domain::iso_date(day);
    sqlx::query(
        "UPDATE column_pieces SET status = 'scheduled', publish_on = $1, updated_at = $2 WHERE id = $3",
    )
    .bind(&on)
    .bind(now())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit::record(&mut tx, actor, "column.schedule", "column_piece", id, json!({"publish_on": on})).await?;
    tx.commit().await?;
    publish_due(app).await?;
    Ok(on)
}

/// Publishes every scheduled piece whose day has come (any server may run it; the guarded update
/// publishes each once) and adds it to the search.
pub async fn publish_due(app: &App) -> AppResult<usize> {
    let due = sqlx::query("SELECT id, title, head_name, body FROM column_pieces WHERE status = 'scheduled' AND publish_on <= $1")
        .bind(today())
        .fetch_all(&app.db.pool)
        .await?;
    let mut published = 0;
    for p in due {
        let id: i64 = p.get("id");
        let mut tx = app.db.begin().await?;
        let n = sqlx::query("UPDATE column_pieces SET status = 'published', updated_at = $1 WHERE id = $2 AND status = 'scheduled'")
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 1 {
            let (title, head, body): (String, String, String) =
                (p.get("title"), p.get("head_name"), p.get("body"));
            super::search::put(&mut tx, app.db.engine, "column", id, &title, &head, &body).await?;
            published += 1;
        }
        tx.commit().await?;
    }
    Ok(published)
}

/// Queues a reminder to the administrators of every unit whose piece is past due.
pub async fn remind_overdue(app: &App, actor: &Actor, campaign_id: i64) -> AppResult<i64> {
    actor.require_organiser()?;
    let overdue = sqlx::query(&format!(
        "{PIECES} WHERE c.campaign_id = $1 AND c.status = 'invited' AND c.due_date < $2"
    ))
    .bind(campaign_id)
    .bind(today())
    .fetch_all(&app.db.pool)
    .await?;
    let mut tx = app.db.begin().await?;
    let t = now();
    for p in &overdue {
        let piece = piece_of(p);
        sqlx::query("INSERT INTO outbox (channel, recipient, subject, body, created_at) VALUES ('sms', $1, $2, $3, $4)")
            .bind(&piece.unit)
            .bind("“清廉建设大家谈”约稿提醒")
            .bind(format!("{}：您单位的访谈或约稿原定于{}前提交，请尽快报送。", piece.head_name, piece.due_date))
            .bind(t)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE column_pieces SET reminded_at = $1 WHERE id = $2")
            .bind(t)
            .bind(piece.id)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(&mut tx, actor, "column.remind", "campaign", campaign_id, json!({"pieces": overdue.len()}))
        .await?;
    tx.commit().await?;
    Ok(overdue.len() as i64)
}

/// A published work as the portal shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PublicWork {
    pub id: i64,
    pub call_title: String,
    pub title: String,
    pub author: String,
    pub group: String,
    pub genre: String,
    pub prize: String,
    pub body: String,
}

const PUBLIC_WORKS: &str =
    "SELECT w.id, c.title AS call_title, w.title, w.author, w.group_code, w.genre, w.prize, w.body
     FROM works w JOIN calls c ON c.id = w.call_id WHERE w.published_at > 0";

fn public_work(r: &sqlx::any::AnyRow) -> PublicWork {
    PublicWork {
        id: r.get("id"),
        call_title: r.get("call_title"),
        title: r.get("title"),
        author: r.get("author"),
        group: r.get("group_code"),
        genre: r.get("genre"),
        prize: r.get("prize"),
        body: r.get("body"),
    }
}

pub async fn public_work_item(app: &App, id: i64) -> AppResult<PublicWork> {
    let r =
        sqlx::query(&format!("{PUBLIC_WORKS} AND w.id = $1")).bind(id).fetch_optional(&app.db.pool).await?;
    r.as_ref().map(public_work).ok_or(AppError::NotFound)
}

pub async fn public_piece(app: &App, id: i64) -> AppResult<Piece> {
    publish_due(app).await?;
    let r = sqlx::query(&format!("{PIECES} WHERE c.id = $1 AND c.status = 'published'"))
        .bind(id)
        .fetch_optional(&app.db.pool)
        .await?;
    r.as_ref().map(piece_of).ok_or(AppError::NotFound)
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PublicPledge {
    pub id: i64,
    pub title: String,
    pub signatures: i64,
}

/// One of the campaign's activities as the portal shows it, with what it has gathered so far.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PortalActivity {
    pub id: i64,
    pub title: String,
    pub lead_unit: String,
    pub start_date: String,
    pub end_date: String,
    /// Ledger entries filed for it.
    pub entries: i64,
    /// Sign-ins at its sittings.
    pub checkins: i64,
}

/// The campaign's reach in four figures, for the portal's head.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Reach {
    /// Units asked to take part (the report's 动员…个单位).
    pub units: i64,
    pub checkins: i64,
    pub signatures: i64,
    pub works: i64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Home {
    pub campaign_id: i64,
    pub campaign_title: String,
    pub theme: String,
    pub period: String,
    pub start_date: String,
    pub end_date: String,
    pub news: Vec<News>,
    pub works: Vec<PublicWork>,
    pub pieces: Vec<Piece>,
    pub pledges: Vec<PublicPledge>,
    pub open_calls: Vec<(i64, String)>,
    pub activities: Vec<PortalActivity>,
    pub reach: Reach,
}

impl PublicWork {
    /// The first lines of the work, for a card.
    pub fn excerpt(&self) -> String {
        let text: String = self.body.chars().take(60).collect();
        if self.body.chars().count() > 60 {
            format!("{text}…")
        } else {
            text
        }
    }
}

/// The campaign the portal shows: the latest one out of draft.
pub struct Headline {
    pub campaign_id: i64,
    pub title: String,
    pub theme: String,
    pub start_date: String,
    pub end_date: String,
}

impl Headline {
    pub fn period(&self) -> String {
        super::report::compose::period(&self.start_date, &self.end_date)
    }
}

pub async fn headline(app: &App) -> AppResult<Headline> {
    let c = sqlx::query(
        "SELECT id, title, theme, start_date, end_date FROM campaigns WHERE status <> 'draft' ORDER BY year DESC, id DESC LIMIT 1",
    )
    .fetch_optional(&app.db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(Headline {
        campaign_id: c.get("id"),
        title: c.get("title"),
        theme: c.get("theme"),
        start_date: c.get("start_date"),
        end_date: c.get("end_date"),
    })
}

/// The portal's figures of one campaign as this server last read them.
#[derive(Default)]
pub struct Cache {
    figures: std::sync::Mutex<Option<Figures>>,
}

struct Figures {
    campaign: i64,
    read_at: std::time::Instant,
    activities: Vec<PortalActivity>,
    reach: Reach,
}

/// Figures on the public page may lag this long behind the records: anyone can ask for the page,
/// and reading the figures is the report's whole fact-finding.
const FIGURES_FOR: std::time::Duration = std::time::Duration::from_secs(30);

/// The activities' and the campaign's figures, counted as the report counts them (its facts), so
/// the portal never shows a number the report contradicts.
async fn figures(app: &App, campaign: i64) -> AppResult<(Vec<PortalActivity>, Reach)> {
    if let Ok(cached) = app.portal.figures.lock() {
        if let Some(f) =
            cached.as_ref().filter(|f| f.campaign == campaign && f.read_at.elapsed() < FIGURES_FOR)
        {
            return Ok((f.activities.clone(), f.reach.clone()));
        }
    }
    let facts = super::report::facts::load(app, campaign).await?;
    let activities: Vec<PortalActivity> = facts
        .activities
        .iter()
        .map(|f| PortalActivity {
            id: f.activity.id,
            title: f.activity.title.clone(),
            lead_unit: f.activity.lead_unit_name.clone(),
            start_date: f.activity.start_date.clone(),
            end_date: f.activity.end_date.clone(),
            entries: f.entries,
            checkins: f.checkins,
        })
        .collect();
    let sum = |n: fn(&super::report::facts::ActivityFacts) -> i64| facts.activities.iter().map(n).sum();
    let reach = Reach {
        units: facts.units_tasked,
        checkins: sum(|f| f.checkins),
        signatures: sum(|f| f.pledge_signatures),
        works: sum(|f| f.works),
    };
    if let Ok(mut cached) = app.portal.figures.lock() {
        let read_at = std::time::Instant::now();
        *cached = Some(Figures { campaign, read_at, activities: activities.clone(), reach: reach.clone() });
    }
    Ok((activities, reach))
}

/// The portal's home: the latest published campaign with its news, winners, column and walls.
pub async fn home(app: &App) -> AppResult<Home> {
    publish_due(app).await?;
    let pool = &app.db.pool;
    let c = headline(app).await?;
    let id = c.campaign_id;
    let news =
        sqlx::query("SELECT * FROM news WHERE campaign_id = $1 ORDER BY published_at DESC, id DESC LIMIT 10")
            .bind(id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(news_of)
            .collect();
    let works = sqlx::query(&format!(
        "{PUBLIC_WORKS} AND c.campaign_id = $1
         ORDER BY CASE w.prize WHEN '一等奖' THEN 1 WHEN '二等奖' THEN 2 WHEN '三等奖' THEN 3 ELSE 4 END, w.id LIMIT 30"
    ))
        .bind(id)
        .fetch_all(pool)
        .await?
        .iter()
        .map(public_work)
        .collect();
    let pieces = sqlx::query(&format!(
        "{PIECES} WHERE c.campaign_id = $1 AND c.status = 'published' ORDER BY c.publish_on DESC LIMIT 20"
    ))
    .bind(id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(piece_of)
    .collect();
    let pledges = sqlx::query(
        "SELECT p.id, p.title, p.signature_count FROM pledges p JOIN activities a ON a.id = p.activity_id
         WHERE a.campaign_id = $1 AND p.public = 1 AND p.status = 'open' ORDER BY p.id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| PublicPledge { id: r.get("id"), title: r.get("title"), signatures: r.get("signature_count") })
    .collect();
    let t = now();
    let open_calls = sqlx::query("SELECT id, title FROM calls WHERE campaign_id = $1 AND status = 'open' AND opens_at <= $2 AND closes_at > $2")
        .bind(id)
        .bind(t)
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| (r.get("id"), r.get("title")))
        .collect();
    let (activities, reach) = figures(app, id).await?;
    Ok(Home {
        campaign_id: id,
        period: c.period(),
        campaign_title: c.title,
        theme: c.theme,
        start_date: c.start_date,
        end_date: c.end_date,
        news,
        works,
        pieces,
        pledges,
        open_calls,
        activities,
        reach,
    })
}
