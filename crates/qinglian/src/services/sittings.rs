//! Sittings (场次): lectures, warning-film screenings, theme party days, training days and
//! forums, each belonging to an activity, with an expected audience drawn from the roster (or
//! the public, by registration), and attendance taken by QR code, by account or by a clerk.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

pub use super::audience::Audience;
use super::audit::{self, Who};
use super::filter::Where;
use super::outbox;
use super::privacy::{self, Form};
use super::throttle::{Rule, Throttle};
use super::{clean_text, Actor, App, Page, Paging};
use crate::db::{now, Tx};
use crate::domain::geo::Point;
use crate::domain::{format_datetime, mask_phone, parse_datetime, text};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::signing::TokenError;

pub const KINDS: [&str; 6] = ["lecture", "warning", "party_day", "training", "forum", "custom"];

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct SittingInput {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// lecture, warning, party_day, training, forum or custom.
    pub kind: String,
    pub host_unit_id: i64,
    #[schema(min_length = 1, max_length = 200)]
    pub venue: String,
    /// China time, "2022-05-18 09:00".
    pub starts_at: String,
    pub ends_at: String,
    /// 0 for no limit.
    #[serde(default)]
    pub capacity: i64,
    #[serde(default)]
    pub registration_required: bool,
    /// Open to the public, who register with name and phone.
    #[serde(default)]
    pub public: bool,
    /// 防代签: one phone signs in one person; a second name from it goes to the clerk.
    #[serde(default)]
    pub one_device: bool,
    /// 防代签 by place: phones sign in with their position; one farther away is flagged.
    #[serde(default)]
    pub geofence: Option<Geofence>,
    #[serde(default)]
    pub audience: Audience,
    /// The unit task this sitting fulfils (its ledger entry is filed from the attendance).
    pub task_id: Option<i64>,
    pub opens_minutes_before: Option<i64>,
    pub late_after_minutes: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Sitting {
    pub id: i64,
    pub activity_id: i64,
    pub activity_title: String,
    pub series_id: Option<i64>,
    pub day_no: i64,
    pub title: String,
    pub kind: String,
    pub host_unit_id: i64,
    pub host_unit_name: String,
    #[serde(skip)]
    pub host_path: String,
    pub venue: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity: i64,
    pub registration_required: bool,
    pub public: bool,
    /// One phone signs in one person.
    pub one_device: bool,
    pub geofence: Option<Geofence>,
    pub audience: Audience,
    pub audience_unit_name: Option<String>,
    #[serde(skip)]
    audience_path: Option<String>,
    pub opens_minutes_before: i64,
    pub late_after_minutes: i64,
    pub task_id: Option<i64>,
    pub ledger_entry_id: Option<i64>,
    /// Raised by every correction, so a venue screen knows to redraw.
    pub revision: i64,
    /// When it was called off (0: it stands), and why.
    pub cancelled_at: i64,
    pub cancel_reason: String,
}

/// Where a sitting's venue is, and how far from it (in metres) a phone may sign in unflagged.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Geofence {
    #[schema(minimum = -90, maximum = 90)]
    pub latitude: f64,
    #[schema(minimum = -180, maximum = 180)]
    pub longitude: f64,
    /// Indoors a phone's position may be a few hundred metres off: 500 is a sound default.
    #[schema(minimum = 50, maximum = 5000)]
    pub radius_m: i64,
}

impl Geofence {
    pub fn venue(&self) -> Point {
        Point { latitude: self.latitude, longitude: self.longitude }
    }
}

/// The radii a sitting may set, in metres.
const RADII: std::ops::RangeInclusive<i64> = 50..=5000;

/// How long after the close a clerk may still record those his paper list shows (补录); each such
/// sign-in is flagged for the organiser.
pub const CLERK_GRACE: i64 = 3 * 86_400;

impl Sitting {
    pub fn cancelled(&self) -> bool {
        self.cancelled_at > 0
    }
    pub fn opens_at(&self) -> i64 {
        self.starts_at - self.opens_minutes_before * 60
    }
    pub fn late_at(&self) -> i64 {
        self.starts_at + self.late_after_minutes * 60
    }
    pub fn starts(&self) -> String {
        format_datetime(self.starts_at)
    }
    pub fn ends(&self) -> String {
        format_datetime(self.ends_at)
    }

    /// A condition over `people p JOIN units u` that holds for the expected audience.
    pub(crate) fn audience_sql(&self, w: &mut Where) -> String {
        let named = super::audience::SITTING.subquery(self.id);
        self.audience.condition(self.audience_path.as_deref(), &named, self.starts_at, w)
    }
}

const SITTING_SELECT: &str =
    "SELECT s.*, a.title AS activity_title, h.name AS host_unit_name, h.path AS host_path,
        au.name AS audience_unit_name, au.path AS audience_path
     FROM sittings s JOIN activities a ON a.id = s.activity_id JOIN units h ON h.id = s.host_unit_id
     LEFT JOIN units au ON au.id = s.audience_unit_id";

fn sitting_from_row(r: &sqlx::any::AnyRow, person_ids: Vec<i64>) -> Sitting {
    Sitting {
        id: r.get("id"),
        activity_id: r.get("activity_id"),
        activity_title: r.get("activity_title"),
        series_id: r.get("series_id"),
        day_no: r.get("day_no"),
        title: r.get("title"),
        kind: r.get("kind"),
        host_unit_id: r.get("host_unit_id"),
        host_unit_name: r.get("host_unit_name"),
        host_path: r.get("host_path"),
        venue: r.get("venue"),
        starts_at: r.get("starts_at"),
        ends_at: r.get("ends_at"),
        capacity: r.get("capacity"),
        registration_required: r.get::<i64, _>("registration_required") != 0,
        public: r.get::<i64, _>("public") != 0,
        one_device: r.get::<i64, _>("one_device") != 0,
        geofence: match (
            r.get::<Option<i64>, _>("venue_lat"),
            r.get::<Option<i64>, _>("venue_lon"),
            r.get("radius_m"),
        ) {
            (Some(lat), Some(lon), radius_m) if radius_m > 0 => {
                let p = Point::from_micro(lat, lon);
                Some(Geofence { latitude: p.latitude, longitude: p.longitude, radius_m })
            }
            _ => None,
        },
        audience: Audience::from_row(r, person_ids),
        audience_unit_name: r.get("audience_unit_name"),
        audience_path: r.get("audience_path"),
        opens_minutes_before: r.get("opens_minutes_before"),
        late_after_minutes: r.get("late_after_minutes"),
        task_id: r.get("task_id"),
        ledger_entry_id: r.get("ledger_entry_id"),
        revision: r.get("revision"),
        cancelled_at: r.get("cancelled_at"),
        cancel_reason: r.get("cancel_reason"),
    }
}

/// A sitting as stored, without a permission check (the public sign-in page needs it).
pub async fn load(app: &App, id: i64) -> AppResult<Sitting> {
    let row = sqlx::query(&format!("{SITTING_SELECT} WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(&app.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let invitees = super::audience::SITTING.load(&app.db.pool, id).await?;
    Ok(sitting_from_row(&row, invitees))
}

/// A sitting for those who run it: organisers, and administrators of the host unit.
pub async fn get(app: &App, actor: &Actor, id: i64) -> AppResult<Sitting> {
    let s = load(app, id).await?;
    if !actor.covers(&s.host_path) {
        return Err(AppError::NotFound);
    }
    Ok(s)
}

struct Checked {
    title: String,
    venue: String,
    starts_at: i64,
    ends_at: i64,
    ranks: String,
    /// The venue in millionths of a degree, and the radius (0: no check by place).
    fence: (Option<i64>, Option<i64>, i64),
}

async fn check_input(app: &App, actor: &Actor, input: &SittingInput) -> AppResult<Checked> {
    let mut errors = Vec::new();
    let mut keep =
        |r: AppResult<String>| r.map_err(|e| errors.extend(e.fields().to_vec())).unwrap_or_default();
    let title = keep(clean_text("title", &input.title, 200, true));
    let venue = keep(clean_text("venue", &input.venue, 200, true));
    let mut times = |field: &'static str, raw: &str| {
        parse_datetime(field, raw).map_err(|e| errors.extend(e.fields().to_vec())).ok()
    };
    let (starts_at, ends_at) = (times("starts_at", &input.starts_at), times("ends_at", &input.ends_at));
    let field_error =
        |field: &str, key: &'static str| crate::error::FieldError { field: field.into(), msg: Msg::new(key) };
    if let (Some(s), Some(e)) = (starts_at, ends_at) {
        if e <= s || e - s > 7 * 86_400 {
            errors.push(field_error("ends_at", "err.sitting_times"));
        }
    }
    if !KINDS.contains(&input.kind.as_str()) {
        errors.push(field_error("kind", "err.kind_unknown"));
    }
    if !(0..=100_000).contains(&input.capacity) {
        errors.push(field_error("capacity", "err.capacity"));
    }
    let mut fence = (None, None, 0);
    if let Some(g) = input.geofence {
        match Point::checked(g.latitude, g.longitude).map(Point::to_micro) {
            Some((lat, lon)) => (fence.0, fence.1) = (Some(lat), Some(lon)),
            None => errors.push(field_error("geofence", "err.geofence_point")),
        }
        if !RADII.contains(&g.radius_m) {
            errors.push(field_error("radius_m", "err.geofence_radius"));
        }
        fence.2 = g.radius_m;
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let host = super::units::get(app, input.host_unit_id)
        .await
        .map_err(|_| AppError::invalid("host_unit_id", Msg::new("err.unit_unknown")))?;
    if !actor.covers(&host.path) {
        return Err(AppError::Forbidden);
    }
    if let Some(unit) = input.audience.unit_id {
        super::units::get(app, unit)
            .await
            .map_err(|_| AppError::invalid("audience", Msg::new("err.unit_unknown")))?;
    }
    if let Some(task) = input.task_id {
        let t = super::ledger::task(app, actor, task)
            .await
            .map_err(|_| AppError::invalid("task_id", Msg::new("err.task_unknown")))?;
        if t.unit_id != input.host_unit_id {
            return Err(AppError::invalid("task_id", Msg::new("err.task_other_unit")));
        }
    }
    Ok(Checked {
        title,
        venue,
        starts_at: starts_at.unwrap_or_default(),
        ends_at: ends_at.unwrap_or_default(),
        ranks: input.audience.ranks_text(),
        fence,
    })
}

/// The columns a sitting's form sets, in the order [`bind_form`] binds them.
const FORM_COLUMNS: [&str; 17] = [
    "title",
    "kind",
    "host_unit_id",
    "venue",
    "starts_at",
    "ends_at",
    "capacity",
    "registration_required",
    "public",
    "audience_unit_id",
    "audience_ranks",
    "audience_party",
    "task_id",
    "one_device",
    "venue_lat",
    "venue_lon",
    "radius_m",
];

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

fn bind_form<'q>(q: AnyQuery<'q>, input: &'q SittingInput, c: &'q Checked) -> AnyQuery<'q> {
    q.bind(&c.title)
        .bind(&input.kind)
        .bind(input.host_unit_id)
        .bind(&c.venue)
        .bind(c.starts_at)
        .bind(c.ends_at)
        .bind(input.capacity)
        .bind(input.registration_required as i64)
        .bind(input.public as i64)
        .bind(input.audience.unit_id)
        .bind(&c.ranks)
        .bind(input.audience.party_column())
        .bind(input.task_id)
        .bind(input.one_device as i64)
        .bind(c.fence.0)
        .bind(c.fence.1)
        .bind(c.fence.2)
}

async fn insert(
    tx: &mut Tx,
    actor: &Actor,
    activity_id: i64,
    series: Option<(i64, i64)>,
    input: &SittingInput,
    c: &Checked,
) -> AppResult<i64> {
    let placeholders = (1..=FORM_COLUMNS.len() + 7).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "INSERT INTO sittings ({}, activity_id, series_id, day_no, opens_minutes_before, late_after_minutes, created_by,
            created_at) VALUES ({placeholders}) RETURNING id",
        FORM_COLUMNS.join(", ")
    );
    let id: i64 = bind_form(sqlx::query(&sql), input, c)
        .bind(activity_id)
        .bind(series.map(|s| s.0))
        .bind(series.map(|s| s.1).unwrap_or(1))
        .bind(input.opens_minutes_before.unwrap_or(60).clamp(0, 24 * 60))
        .bind(input.late_after_minutes.unwrap_or(10).clamp(0, 24 * 60))
        .bind(actor.user_id)
        .bind(now())
        .fetch_one(&mut **tx)
        .await?
        .get("id");
    super::audience::SITTING.save(tx, id, &input.audience.person_ids).await?;
    audit::record(
        tx,
        actor,
        "sitting.create",
        "sitting",
        id,
        json!({"activity_id": activity_id, "title": c.title, "venue": c.venue}),
    )
    .await?;
    Ok(id)
}

/// Schedules a sitting of an activity, and queues a notice to everyone expected.
pub async fn create(app: &App, actor: &Actor, activity_id: i64, input: SittingInput) -> AppResult<i64> {
    super::campaigns::activity(app, activity_id).await?;
    let checked = check_input(app, actor, &input).await?;
    let mut tx = app.db.begin().await?;
    let id = insert(&mut tx, actor, activity_id, None, &input, &checked).await?;
    tx.commit().await?;
    notify_expected(app, id, Notice::Invited).await?;
    Ok(id)
}

/// Refuses a correction of a sitting that records already depend on, saying which.
async fn unlocked(app: &App, s: &Sitting) -> AppResult<()> {
    if s.cancelled() {
        return Err(AppError::Conflict(Msg::new("err.sitting_cancelled_locked")));
    }
    if s.ledger_entry_id.is_some() {
        return Err(AppError::Conflict(Msg::new("err.sitting_filed_locked")));
    }
    let signed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM checkins WHERE sitting_id = $1")
        .bind(s.id)
        .fetch_one(&app.db.pool)
        .await?;
    if signed > 0 {
        return Err(AppError::Conflict(Msg::new("err.sitting_signed_locked").arg("n", signed)));
    }
    Ok(())
}

/// A sitting's correctable fields, for [`audit::changes`].
fn fields(s: &Sitting) -> serde_json::Value {
    json!({
        "title": s.title, "kind": s.kind, "host_unit_id": s.host_unit_id, "venue": s.venue,
        "starts_at": s.starts(), "ends_at": s.ends(), "capacity": s.capacity, "public": s.public,
        "registration_required": s.registration_required, "audience": s.audience, "task_id": s.task_id,
        "one_device": s.one_device, "geofence": s.geofence,
    })
}

/// The lock of [`unlocked`] as a condition, repeated in each write so a check-in, a filing or a
/// cancellation in between wins.
const STILL_OPEN: &str = "cancelled_at = 0 AND ledger_entry_id IS NULL AND NOT EXISTS (SELECT 1 FROM checkins c WHERE c.sitting_id = sittings.id)";

/// Corrects a sitting not yet held: its time, venue, host, capacity or audience. Those expected
/// hear of a new time or venue (a new audience is invited); the venue screen redraws.
pub async fn update(app: &App, actor: &Actor, id: i64, input: SittingInput) -> AppResult<Sitting> {
    let before = get(app, actor, id).await?;
    unlocked(app, &before).await?;
    let c = check_input(app, actor, &input).await?;
    let registered: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM registrations WHERE sitting_id = $1 AND status = 'registered'",
    )
    .bind(id)
    .fetch_one(&app.db.pool)
    .await?;
    if input.capacity > 0 && input.capacity < registered {
        return Err(AppError::invalid(
            "capacity",
            Msg::new("err.capacity_below_registered").arg("n", registered),
        ));
    }
    let mut tx = app.db.begin().await?;
    let set: Vec<String> =
        FORM_COLUMNS.iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 1)).collect();
    let sql = format!(
        "UPDATE sittings SET {}, revision = revision + 1 WHERE id = ${} AND {STILL_OPEN}",
        set.join(", "),
        FORM_COLUMNS.len() + 1
    );
    let changed = bind_form(sqlx::query(&sql), &input, &c).bind(id).execute(&mut *tx).await?.rows_affected();
    if changed == 0 {
        return Err(AppError::Conflict(Msg::new("err.sitting_changed_meanwhile")));
    }
    super::audience::SITTING.replace(&mut tx, id, &input.audience.person_ids).await?;
    let row = sqlx::query(&format!("{SITTING_SELECT} WHERE s.id = $1")).bind(id).fetch_one(&mut *tx).await?;
    let after = sitting_from_row(&row, input.audience.person_ids.clone());
    audit::record(
        &mut tx,
        actor,
        "sitting.update",
        "sitting",
        id,
        audit::changes(fields(&before), fields(&after)),
    )
    .await?;
    tx.commit().await?;
    super::door::forget(app, id);
    let moved =
        (before.starts_at, before.ends_at, &before.venue) != (after.starts_at, after.ends_at, &after.venue);
    if moved {
        notify_expected(app, id, Notice::Moved).await?;
    } else if before.audience != after.audience {
        notify_expected(app, id, Notice::Invited).await?;
    }
    Ok(after)
}

/// Calls a sitting off: its screen and sign-in page say so, and those expected are told why.
pub async fn cancel(app: &App, actor: &Actor, id: i64, reason: &str) -> AppResult<()> {
    let s = get(app, actor, id).await?;
    unlocked(app, &s).await?;
    let reason = clean_text("reason", reason, 200, true)?;
    let mut tx = app.db.begin().await?;
    let changed = sqlx::query(&format!(
        "UPDATE sittings SET cancelled_at = $1, cancel_reason = $2, revision = revision + 1 WHERE id = $3 AND {STILL_OPEN}"
    ))
    .bind(now())
    .bind(&reason)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(AppError::Conflict(Msg::new("err.sitting_changed_meanwhile")));
    }
    audit::record(
        &mut tx,
        actor,
        "sitting.cancel",
        "sitting",
        id,
        json!({"title": s.title, "reason": reason}),
    )
    .await?;
    tx.commit().await?;
    super::door::forget(app, id);
    notify_expected(app, id, Notice::Cancelled).await
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct SeriesInput {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// Days to attend for completion; 0 (or absent) means every day.
    #[serde(default)]
    pub min_days: i64,
    /// One sitting per day, in order.
    pub days: Vec<SittingInput>,
}

/// A multi-day training: one sitting per day, each with its own sign-in.
pub async fn create_series(app: &App, actor: &Actor, activity_id: i64, input: SeriesInput) -> AppResult<i64> {
    super::campaigns::activity(app, activity_id).await?;
    let title = clean_text("title", &input.title, 200, true)?;
    if input.days.is_empty() || input.days.len() > 60 {
        return Err(AppError::invalid("days", Msg::new("err.series_days")));
    }
    if !(0..=input.days.len() as i64).contains(&input.min_days) {
        return Err(AppError::invalid("min_days", Msg::new("err.series_days")));
    }
    let mut checked = Vec::new();
    for day in &input.days {
        checked.push(check_input(app, actor, day).await?);
    }
    let mut tx = app.db.begin().await?;
    let series: i64 = sqlx::query_scalar(
        "INSERT INTO sitting_series (activity_id, title, min_days, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(activity_id)
    .bind(&title)
    .bind(input.min_days)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    let mut ids = Vec::new();
    for (i, (day, c)) in input.days.iter().zip(&checked).enumerate() {
        ids.push(insert(&mut tx, actor, activity_id, Some((series, i as i64 + 1)), day, c).await?);
    }
    audit::record(
        &mut tx,
        actor,
        "series.create",
        "sitting_series",
        series,
        json!({"title": title, "days": ids.len()}),
    )
    .await?;
    tx.commit().await?;
    if let Some(first) = ids.first() {
        notify_expected(app, *first, Notice::Invited).await?;
    }
    Ok(series)
}

/// What a notice to those expected says.
enum Notice {
    Invited,
    Moved,
    Cancelled,
}

/// Queues a notice to everyone expected, each by his own channel, and to the group robots; the
/// public who registered hear of a change or a cancellation by text message.
async fn notify_expected(app: &App, sitting_id: i64, notice: Notice) -> AppResult<()> {
    let s = load(app, sitting_id).await?;
    let (subject_text, body_text) = match notice {
        Notice::Invited => (
            format!("参加通知：{}", s.title),
            format!("请于{}到{}参加“{}”，现场扫码签到。", s.starts(), s.venue, s.title),
        ),
        Notice::Moved => (
            format!("变更通知：{}", s.title),
            format!("“{}”改为{}在{}举行，请按新的时间、地点参加。", s.title, s.starts(), s.venue),
        ),
        Notice::Cancelled => {
            (format!("取消通知：{}", s.title), format!("原定的“{}”已取消：{}", s.title, s.cancel_reason))
        }
    };
    if (s.public || s.registration_required) && !matches!(notice, Notice::Invited) {
        let mut tx = app.db.begin().await?;
        sqlx::query(
            "INSERT INTO outbox (channel, recipient, subject, body, created_at)
             SELECT 'sms', phone, $1, $2, $3 FROM registrations
             WHERE sitting_id = $4 AND status IN ('registered', 'waitlisted') AND person_id IS NULL AND phone <> ''",
        )
        .bind(&subject_text)
        .bind(&body_text)
        .bind(now())
        .bind(s.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    if s.public {
        return Ok(());
    }
    let mut w = Where::default();
    let cond = s.audience_sql(&mut w);
    w.fixed(cond).fixed(outbox::PERSON_REACHABLE);
    let subject = w.arg(subject_text.clone());
    let body = w.arg(body_text.clone());
    let sql = format!(
        "INSERT INTO outbox (channel, recipient, subject, body, created_at)
         SELECT {}, {}, {subject}, {body}, {} FROM people p JOIN units u ON u.id = p.unit_id WHERE {}",
        outbox::PERSON_CHANNEL,
        outbox::PERSON_ADDRESS,
        now(),
        w.sql()
    );
    let mut tx = app.db.begin().await?;
    let n = w.execute(&mut tx, &sql).await?;
    outbox::to_robots(&mut tx, app, &subject_text, &format!("{body_text}（已通知{n}人）")).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SittingRow {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub series_id: Option<i64>,
    pub day_no: i64,
    pub host_unit_name: String,
    pub venue: String,
    pub starts_at: i64,
    pub present: i64,
}

impl SittingRow {
    pub fn starts(&self) -> String {
        format_datetime(self.starts_at)
    }
}

/// The sittings of an activity that the actor runs (organisers: all).
pub async fn list_for_activity(app: &App, actor: &Actor, activity_id: i64) -> AppResult<Vec<SittingRow>> {
    let sql = format!(
        "SELECT s.id, s.title, s.kind, s.series_id, s.day_no, h.name AS host, s.venue, s.starts_at,
                (SELECT COUNT(*) FROM checkins c WHERE c.sitting_id = s.id) AS present
         FROM sittings s JOIN units h ON h.id = s.host_unit_id
         WHERE s.activity_id = $1 AND {} ORDER BY s.starts_at, s.id",
        actor.scope_sql("h.path")
    );
    Ok(sqlx::query(&sql)
        .bind(activity_id)
        .fetch_all(&app.db.pool)
        .await?
        .iter()
        .map(|r| SittingRow {
            id: r.get("id"),
            title: r.get("title"),
            kind: r.get("kind"),
            series_id: r.get("series_id"),
            day_no: r.get("day_no"),
            host_unit_name: r.get("host"),
            venue: r.get("venue"),
            starts_at: r.get("starts_at"),
            present: r.get("present"),
        })
        .collect())
}

// ---- sign-in ----

/// Who is signing in, once identified.
#[derive(Debug, Clone)]
pub struct Attendee {
    key: String,
    person_id: Option<i64>,
    registration_id: Option<i64>,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckinOutcome {
    pub name: String,
    /// false when this person had already signed in (then `checked_at` is the first time).
    pub new: bool,
    pub checked_at: i64,
    pub late: bool,
    /// How far from the venue the phone said it was, at a sitting that checks (metres).
    pub distance_m: Option<i64>,
    /// Farther than the sitting allows: recorded, and flagged for the organiser.
    pub far: bool,
}

impl CheckinOutcome {
    pub fn time(&self) -> String {
        format_datetime(self.checked_at)
    }
}

fn qr_error(e: TokenError) -> AppError {
    match e {
        TokenError::Expired => AppError::Conflict(Msg::new("err.qr_expired")),
        TokenError::Malformed | TokenError::Forged => AppError::invalid("code", Msg::new("err.qr_invalid")),
    }
}

/// A scanned code: the sitting, and a pass to finish signing in within ten minutes.
pub async fn scan(app: &App, code: &str) -> AppResult<(std::sync::Arc<Sitting>, String)> {
    let t = now();
    let id = app.signer.open_qr(code, t).map_err(qr_error)?;
    let s = super::door::sitting(app, id)
        .await
        .map_err(|_| AppError::invalid("code", Msg::new("err.qr_invalid")))?;
    let pass = app.signer.pass(id, t);
    Ok((s, pass))
}

/// Typed numbers one address may try in ten minutes: a guess at the six digits of some open
/// sitting has that many chances in a million per sitting.
const NUMBER_TRIES: Rule = Rule { limit: 30, window: 600 };

/// The sitting whose venue screen shows `number` now (or did in the period before), with a
/// pass as a scan gives; the number a phone types when it cannot scan the code.
pub async fn by_number(app: &App, number: &str, ip: &str) -> AppResult<(std::sync::Arc<Sitting>, String)> {
    let number: String = text::normalize(number).chars().filter(|c| !c.is_whitespace()).collect();
    let invalid = || AppError::invalid("number", Msg::new("err.number_invalid"));
    if number.len() != 6 || !number.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid());
    }
    let address = [(format!("number:{ip}"), NUMBER_TRIES)];
    if !Throttle::allowed(&address, &app.throttle.claim(&app.db, &address).await?) {
        return Err(AppError::TooMany(Msg::new("err.signing_too_fast")));
    }
    let t = now();
    let open: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM sittings WHERE cancelled_at = 0 AND starts_at - opens_minutes_before * 60 <= $1 AND ends_at >= $1",
    )
    .bind(t)
    .fetch_all(&app.db.pool)
    .await?;
    let period = crate::signing::QR_PERIOD;
    let id = open
        .into_iter()
        .find(|&id| app.signer.number(id, t) == number || app.signer.number(id, t - period) == number)
        .ok_or_else(invalid)?;
    let s = super::door::sitting(app, id).await?;
    Ok((s, app.signer.pass(id, t)))
}

/// The sitting a pass was issued for.
pub async fn open_pass(app: &App, pass: &str) -> AppResult<std::sync::Arc<Sitting>> {
    let id = app.signer.open_pass(pass, now()).map_err(|e| match e {
        TokenError::Expired => AppError::Conflict(Msg::new("err.pass_expired")),
        _ => AppError::invalid("code", Msg::new("err.qr_invalid")),
    })?;
    super::door::sitting(app, id).await
}

/// Where a sitting's sign-in stands at a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    Before,
    Open,
    After,
    Cancelled,
}

impl Window {
    /// As the venue screen's script compares it.
    pub fn as_str(self) -> &'static str {
        match self {
            Window::Before => "before",
            Window::Open => "open",
            Window::After => "after",
            Window::Cancelled => "cancelled",
        }
    }
}

pub fn signin_window(s: &Sitting, t: i64) -> Window {
    if s.cancelled() {
        Window::Cancelled
    } else if t < s.opens_at() {
        Window::Before
    } else if t > s.ends_at {
        Window::After
    } else {
        Window::Open
    }
}

/// Refuses a sign-in outside the sitting's window, saying when it opens or that it has closed.
pub fn check_window(s: &Sitting, t: i64) -> AppResult<()> {
    match signin_window(s, t) {
        Window::Before => Err(AppError::Conflict(
            Msg::new("err.signin_not_open").arg("time", format_datetime(s.opens_at())),
        )),
        Window::After => Err(AppError::Conflict(Msg::new("err.signin_closed"))),
        Window::Cancelled => {
            Err(AppError::Conflict(Msg::new("err.sitting_cancelled").arg("reason", &s.cancel_reason)))
        }
        Window::Open => Ok(()),
    }
}

/// Wrong answers allowed on one phone's sign-in pass, for one name at a sitting, and
/// from one address at a sitting, before the phone is sent to the clerk. Four digits are only
/// 10,000 guesses: the name's limit leaves a guesser one chance in a thousand.
const WRONG_PER_PASS: Rule = Rule { limit: 5, window: 600 };
const WRONG_PER_NAME: Rule = Rule { limit: 10, window: 3600 };
const WRONG_PER_ADDRESS: Rule = Rule { limit: 30, window: 600 };

/// Finds the person (or registrant) by name and the last four digits of the phone, among those
/// expected at the sitting. Each attempt is claimed against the limits above before it is
/// checked; wrong and refused attempts are recorded for the organiser.
pub async fn identify(
    app: &App,
    s: &Sitting,
    name: &str,
    last4: &str,
    pass: Option<&str>,
    ip: &str,
) -> AppResult<Attendee> {
    let name = text::normalize_name(name);
    let last4 = text::normalize(last4);
    let mut errors = Vec::new();
    if name.is_empty() {
        errors.push(crate::error::FieldError { field: "person_name".into(), msg: Msg::new("err.required") });
    }
    if last4.len() != 4 || !last4.chars().all(|c| c.is_ascii_digit()) {
        errors.push(crate::error::FieldError { field: "last4".into(), msg: Msg::new("err.last4") });
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    // The pass and the name are claimed before the check; the address, which a venue's Wi-Fi
    // shares among hundreds, is read before and counted after a failure.
    // (The venue screen's code itself is shared by the whole room: it is no key.)
    let mut keys = vec![(format!("signin:name:{}:{name}", s.id), WRONG_PER_NAME)];
    if let Some(pass) = pass {
        keys.push((format!("signin:pass:{}", &super::auth::token_hash(pass)[..32]), WRONG_PER_PASS));
    }
    let address = (format!("signin:ip:{}:{ip}", s.id), WRONG_PER_ADDRESS);
    let sitting = s.id.to_string();
    // A refused attempt, kept for the organiser.
    let refused = |reason: &'static str, outcome: &'static str| {
        let who = Who { user_id: None, name: &name, ip };
        audit::record_outcome(
            &app.db,
            who,
            "signin.refused",
            ("sitting", &sitting),
            json!({"reason": reason}),
            outcome,
        )
    };
    let (seen, hits) = app.throttle.claim_behind(&app.db, Some(&address), &keys).await?;
    if seen >= address.1.limit || !Throttle::allowed(&keys, &hits) {
        // The first refusal on a key is recorded; a flood after it adds nothing to read.
        let first =
            seen == address.1.limit || keys.iter().zip(&hits).any(|((_, rule), n)| *n == rule.limit + 1);
        if first {
            if seen == address.1.limit {
                app.throttle.claim(&app.db, std::slice::from_ref(&address)).await?;
            }
            refused("attempts", "refused").await?;
        }
        return Err(AppError::TooMany(Msg::new("err.signin_attempts")));
    }
    match find_attendee(app, s, name.clone(), &last4).await {
        Ok(found) => {
            app.throttle.release(&keys);
            Ok(found)
        }
        Err(e) => {
            app.throttle.claim(&app.db, std::slice::from_ref(&address)).await?;
            refused("mismatch", "failed").await?;
            Err(e)
        }
    }
}

async fn find_attendee(app: &App, s: &Sitting, name: String, last4: &str) -> AppResult<Attendee> {
    let not_found = || AppError::invalid("person_name", Msg::new("err.not_in_audience"));
    if s.public {
        let rows = sqlx::query("SELECT id, name, phone FROM registrations WHERE sitting_id = $1 AND name = $2 AND status = 'registered'")
            .bind(s.id)
            .bind(&name)
            .fetch_all(&app.db.pool)
            .await?;
        let r = app.db.vault.phone_ending(&rows, last4)?.ok_or_else(not_found)?;
        let id: i64 = r.get("id");
        return Ok(Attendee { key: format!("r:{id}"), person_id: None, registration_id: Some(id), name });
    }
    if let Some(person) = super::door::expected(app, s, &name, last4).await? {
        return attendee_for_person(app, s, person, name).await;
    }
    let mut w = Where::default();
    let cond = s.audience_sql(&mut w);
    let name_arg = w.arg(name.clone());
    w.fixed(cond).fixed(format!("p.name = {name_arg}"));
    let sql = format!(
        "SELECT p.id, p.name, p.phone FROM people p JOIN units u ON u.id = p.unit_id WHERE {}",
        w.sql()
    );
    let rows = w.fetch_all(&app.db.pool, &sql).await?;
    let r = app.db.vault.phone_ending(&rows, last4)?.ok_or_else(not_found)?;
    let person: i64 = r.get("id");
    attendee_for_person(app, s, person, name).await
}

async fn attendee_for_person(app: &App, s: &Sitting, person: i64, name: String) -> AppResult<Attendee> {
    if s.registration_required {
        let registered: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM registrations WHERE sitting_id = $1 AND person_id = $2 AND status = 'registered'",
        )
        .bind(s.id)
        .bind(person)
        .fetch_optional(&app.db.pool)
        .await?;
        registered.ok_or_else(|| AppError::Conflict(Msg::new("err.not_registered")))?;
    }
    Ok(Attendee { key: format!("p:{person}"), person_id: Some(person), registration_id: None, name })
}

/// Whether `person` is expected at `s`.
async fn expects(app: &App, s: &Sitting, person: i64) -> AppResult<Option<String>> {
    let mut w = Where::default();
    let cond = s.audience_sql(&mut w);
    w.fixed(cond).fixed(format!("p.id = {person}"));
    let sql = format!("SELECT p.name FROM people p JOIN units u ON u.id = p.unit_id WHERE {}", w.sql());
    Ok(w.fetch_all(&app.db.pool, &sql).await?.first().map(|r| r.get("name")))
}

/// The person behind a signed-in account, if the account is linked to one and expected here.
pub async fn account_attendee(app: &App, s: &Sitting, actor: &Actor) -> AppResult<Option<Attendee>> {
    match super::audience::linked_person(&app.db, actor.user_id, |w| s.audience_sql(w)).await? {
        Some(p) => Ok(Some(attendee_for_person(app, s, p.id, p.name).await?)),
        None => Ok(None),
    }
}

/// How a sign-in is made: by whom and how, and what the phone brought with it.
pub struct Presence<'a> {
    /// qr, account or clerk.
    pub method: &'a str,
    /// The clerk, or the account signed in on the phone.
    pub by: Option<&'a Actor>,
    pub ip: &'a str,
    /// The phone's key (empty: it has none).
    pub device: &'a str,
    /// Where the phone said it was (None: it would not say).
    pub position: Option<Point>,
}

/// Records that `who` is present. The same person twice is one record: the second time says
/// when the first was. The answer comes only once the record is committed.
pub async fn check_in(
    app: &App,
    s: &Sitting,
    who: &Attendee,
    how: Presence<'_>,
) -> AppResult<CheckinOutcome> {
    let t = now();
    let clerk = how.method == "clerk";
    // A clerk may still enter his paper list after the close (补录); phones may not.
    if !(clerk && signin_window(s, t) == Window::After && t <= s.ends_at + CLERK_GRACE) {
        check_window(s, t)?;
    }
    // A sitting that takes one sign-in per phone keeps the phone's key with the sign-in it made;
    // a clerk's entries are his own doing, and so is where he stands.
    let device = match (s.one_device, clerk) {
        (false, _) | (_, true) => String::new(),
        _ if how.device.len() < 16 || how.device.len() > 128 => {
            return Err(AppError::Conflict(Msg::new("err.device_needed")));
        }
        _ => super::auth::code_hash(how.device),
    };
    let distance = match (s.geofence, clerk) {
        (None, _) | (_, true) => None,
        // A position that is not real degrees is no position.
        (Some(fence), false) => match how.position.and_then(|p| Point::checked(p.latitude, p.longitude)) {
            Some(p) => Some(p.metres_to(fence.venue())),
            None => return Err(AppError::Conflict(Msg::new("err.location_needed"))),
        },
    };
    let job = Checkin {
        sitting_id: s.id,
        capacity: if s.capacity > 0 && !s.registration_required && !s.public { s.capacity } else { 0 },
        late_at: s.late_at(),
        radius: s.geofence.map_or(0, |f| f.radius_m),
        who: who.clone(),
        method: how.method.to_string(),
        by: how.by.map(|a| (a.user_id, a.username.clone())),
        ip: how.ip.to_string(),
        at: t,
        device: device.clone(),
        distance,
    };
    let outcome = app.checkins.submit(job).await;
    if matches!(&outcome, Err(AppError::Conflict(m)) if m.key == "err.device_used") {
        // Kept for the organiser: who tried to sign in from a phone that signed in someone else.
        let audit_who = Who { user_id: how.by.map(|a| a.user_id), name: &who.name, ip: how.ip };
        let detail =
            json!({"reason": "device_used", "attendee": who.key, "method": how.method, "device": device});
        let sitting = s.id.to_string();
        audit::record_outcome(&app.db, audit_who, "signin.refused", ("sitting", &sitting), detail, "refused")
            .await?;
    }
    outcome
}

/// One sign-in to record.
pub struct Checkin {
    sitting_id: i64,
    /// 0: no limit.
    capacity: i64,
    late_at: i64,
    /// The sitting's radius (0: no check by place).
    radius: i64,
    who: Attendee,
    method: String,
    by: Option<(i64, String)>,
    ip: String,
    at: i64,
    /// The digest of the phone's key, or empty.
    device: String,
    distance: Option<i64>,
}

/// The values [`Checkin::bind`] binds.
const CHECKIN_VALUES: usize = 10;

const CHECKIN_COLUMNS: &str =
    "INSERT INTO checkins (sitting_id, attendee_key, person_id, registration_id, name, method, checked_at, by_user_id, device, distance_m, unit_id)";

/// The unit each sign-in counts for, over `checkins c` and `people p`: the person's unit when he
/// signed in (rows from before it was kept fall back to his unit now).
pub(crate) const CHECKIN_UNIT: &str = "COALESCE(c.unit_id, p.unit_id)";

/// One row of `CHECKIN_COLUMNS` from the ten values bound from `$first`: the unit is the
/// person's as he signs in.
fn checkin_row(first: usize) -> String {
    let args: Vec<String> = (first..first + CHECKIN_VALUES).map(|i| format!("${i}")).collect();
    format!("{}, (SELECT unit_id FROM people WHERE id = ${})", args.join(", "), first + 2)
}

async fn record(tx: &mut Tx, job: &Checkin) -> AppResult<CheckinOutcome> {
    // A full sitting takes nobody more; the count and the insert are one statement.
    let capacity = if job.capacity > 0 {
        format!(
            " WHERE (SELECT COUNT(*) FROM checkins WHERE sitting_id = {}) < {}",
            job.sitting_id, job.capacity
        )
    } else {
        String::new()
    };
    let sql = format!(
        "{CHECKIN_COLUMNS} SELECT {}{capacity}
         ON CONFLICT DO NOTHING RETURNING id",
        checkin_row(1)
    );
    let inserted: Option<(i64,)> = job.bind(sqlx::query_as(&sql)).fetch_optional(&mut **tx).await?;
    match inserted {
        Some((id,)) => recorded(tx, job, id).await,
        None => earlier(tx, job).await,
    }
}

/// A batch of sign-ins to sittings without a capacity, in one statement.
async fn record_all(tx: &mut Tx, jobs: &[&Checkin]) -> AppResult<Vec<AppResult<CheckinOutcome>>> {
    let sql = format!(
        "{CHECKIN_COLUMNS} VALUES {} ON CONFLICT DO NOTHING
         RETURNING id, sitting_id, attendee_key",
        (0..jobs.len())
            .map(|i| format!("({})", checkin_row(i * CHECKIN_VALUES + 1)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut q = sqlx::query_as::<_, (i64, i64, String)>(&sql);
    for job in jobs {
        q = job.bind(q);
    }
    let mut ids: std::collections::HashMap<(i64, String), i64> =
        q.fetch_all(&mut **tx).await?.into_iter().map(|(id, sitting, key)| ((sitting, key), id)).collect();
    let mut outcomes = Vec::with_capacity(jobs.len());
    for job in jobs {
        // The same person twice in one batch: the first is new, the second finds it.
        let outcome = match ids.remove(&(job.sitting_id, job.who.key.clone())) {
            Some(id) => recorded(tx, job, id).await,
            None => earlier(tx, job).await,
        };
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// A sign-in just inserted as `id`: its audit row and its answer.
async fn recorded(tx: &mut Tx, job: &Checkin, id: i64) -> AppResult<CheckinOutcome> {
    let who = &job.who;
    let audit_who = Who {
        user_id: job.by.as_ref().map(|b| b.0),
        name: job.by.as_ref().map(|b| b.1.as_str()).unwrap_or(&who.name),
        ip: &job.ip,
    };
    let detail = json!({"checkin": id, "attendee": who.key, "method": job.method});
    audit::record_as(tx, audit_who, "sitting.checkin", "sitting", job.sitting_id, detail).await?;
    Ok(CheckinOutcome {
        name: who.name.clone(),
        new: true,
        checked_at: job.at,
        late: job.at > job.late_at,
        distance_m: job.distance,
        far: job.distance.is_some_and(|d| d > job.radius),
    })
}

/// A sign-in not inserted: the person was already signed in (the answer says when), the phone
/// signed in someone else, or the sitting is full.
async fn earlier(tx: &mut Tx, job: &Checkin) -> AppResult<CheckinOutcome> {
    let first: Option<i64> =
        sqlx::query_scalar("SELECT checked_at FROM checkins WHERE sitting_id = $1 AND attendee_key = $2")
            .bind(job.sitting_id)
            .bind(&job.who.key)
            .fetch_optional(&mut **tx)
            .await?;
    match first {
        Some(at) => Ok(CheckinOutcome {
            name: job.who.name.clone(),
            new: false,
            checked_at: at,
            late: at > job.late_at,
            distance_m: None,
            far: false,
        }),
        None if !job.device.is_empty() && device_used(tx, job).await? => {
            Err(AppError::Conflict(Msg::new("err.device_used")))
        }
        None => Err(AppError::Conflict(Msg::new("err.sitting_full"))),
    }
}

async fn device_used(tx: &mut Tx, job: &Checkin) -> AppResult<bool> {
    let used: Option<i64> =
        sqlx::query_scalar("SELECT id FROM checkins WHERE sitting_id = $1 AND device = $2")
            .bind(job.sitting_id)
            .bind(&job.device)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(used.is_some())
}

impl Checkin {
    /// Binds this sign-in's values, in [`CHECKIN_COLUMNS`]' order.
    fn bind<'q, O>(
        &'q self,
        q: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
        q.bind(self.sitting_id)
            .bind(&self.who.key)
            .bind(self.who.person_id)
            .bind(self.who.registration_id)
            .bind(&self.who.name)
            .bind(&self.method)
            .bind(self.at)
            .bind(self.by.as_ref().map(|b| b.0))
            .bind(&self.device)
            .bind(self.distance)
    }
}

impl super::batch::Job for Checkin {
    type Out = CheckinOutcome;
    fn record<'a>(&'a self, tx: &'a mut Tx) -> super::batch::BoxFuture<'a, AppResult<CheckinOutcome>> {
        Box::pin(record(tx, self))
    }

    /// Sittings with a capacity count their sign-ins one by one, so each insert sees the last.
    fn record_all<'a>(
        jobs: &'a [&'a Self],
        tx: &'a mut Tx,
    ) -> Option<super::batch::Recorded<'a, CheckinOutcome>> {
        (jobs.len() > 1 && jobs.iter().all(|job| job.capacity == 0))
            .then(|| Box::pin(record_all(tx, jobs)) as super::batch::BoxFuture<'a, _>)
    }
}

/// A clerk signs in someone expected who has no phone to scan with.
pub async fn clerk_check_in(
    app: &App,
    actor: &Actor,
    sitting_id: i64,
    person_id: i64,
) -> AppResult<CheckinOutcome> {
    let s = get(app, actor, sitting_id).await?;
    let name = expects(app, &s, person_id)
        .await?
        .ok_or_else(|| AppError::invalid("person_id", Msg::new("err.not_in_audience")))?;
    let who =
        Attendee { key: format!("p:{person_id}"), person_id: Some(person_id), registration_id: None, name };
    let how = Presence { method: "clerk", by: Some(actor), ip: &actor.ip, device: "", position: None };
    check_in(app, &s, &who, how).await
}

// ---- attendance ----

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitAttendance {
    pub unit_id: i64,
    pub unit_name: String,
    pub expected: i64,
    pub present: i64,
    pub late: i64,
}

impl UnitAttendance {
    pub fn absent(&self) -> i64 {
        self.expected - self.present
    }
    pub fn rate(&self) -> i64 {
        if self.expected == 0 {
            0
        } else {
            self.present * 100 / self.expected
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Attendance {
    pub sitting_id: i64,
    pub expected: i64,
    /// Expected people who came.
    pub present: i64,
    pub late: i64,
    pub absent: i64,
    /// Signed in without being expected (public sittings: everyone).
    pub others: i64,
    /// Present among expected, in whole percent.
    pub rate: i64,
    /// QR sign-ins refused: a name and digits that matched no one, or too many attempts.
    pub refused: i64,
    pub units: Vec<UnitAttendance>,
}

/// Counts per unit, computed in the database: a 5,000-person sitting is one grouped query.
pub async fn attendance(app: &App, actor: &Actor, sitting_id: i64) -> AppResult<Attendance> {
    let s = get(app, actor, sitting_id).await?;
    let total_present: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM checkins WHERE sitting_id = $1")
        .bind(s.id)
        .fetch_one(&app.db.pool)
        .await?;
    let units = if s.public {
        Vec::new()
    } else {
        let mut w = Where::default();
        let cond = s.audience_sql(&mut w);
        w.fixed(cond);
        let sql = format!(
            "SELECT u.id, u.name, u.path, COUNT(*) AS expected, COUNT(c.id) AS present,
                    SUM(CASE WHEN c.checked_at > {late} THEN 1 ELSE 0 END) AS late
             FROM people p LEFT JOIN checkins c ON c.person_id = p.id AND c.sitting_id = {id}
             JOIN units u ON u.id = {CHECKIN_UNIT}
             WHERE {} GROUP BY u.id, u.name, u.path ORDER BY u.path",
            w.sql(),
            late = s.late_at(),
            id = s.id
        );
        w.fetch_all(&app.db.pool, &sql)
            .await?
            .iter()
            .map(|r| UnitAttendance {
                unit_id: r.get("id"),
                unit_name: r.get("name"),
                expected: r.get("expected"),
                present: r.get("present"),
                late: r.get::<Option<i64>, _>("late").unwrap_or(0),
            })
            .collect()
    };
    let (expected, present, late) = if s.public {
        let registered: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM registrations WHERE sitting_id = $1 AND status = 'registered'",
        )
        .bind(s.id)
        .fetch_one(&app.db.pool)
        .await?;
        let late: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM checkins WHERE sitting_id = $1 AND checked_at > $2")
                .bind(s.id)
                .bind(s.late_at())
                .fetch_one(&app.db.pool)
                .await?;
        (registered, total_present.min(registered), late)
    } else {
        units
            .iter()
            .fold((0, 0, 0), |(e, p, l), u: &UnitAttendance| (e + u.expected, p + u.present, l + u.late))
    };
    let refused: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'sitting' AND entity_id = $1 AND action = 'signin.refused'",
    )
    .bind(s.id.to_string())
    .fetch_one(&app.db.pool)
    .await?;
    Ok(Attendance {
        sitting_id: s.id,
        refused,
        expected,
        present,
        late,
        absent: expected - present,
        others: total_present - present,
        rate: if expected == 0 { 0 } else { present * 100 / expected },
        units,
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttendeeRow {
    pub person_id: Option<i64>,
    pub name: String,
    pub unit_name: String,
    pub rank: String,
    /// Masked unless the viewer administers the person's unit.
    pub phone: String,
    pub checked_at: Option<i64>,
    pub late: bool,
    pub method: Option<String>,
}

impl AttendeeRow {
    pub fn time(&self) -> String {
        self.checked_at.map(format_datetime).unwrap_or_default()
    }
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
pub struct AttendeeFilter {
    /// present, absent or all (default).
    pub show: Option<String>,
    /// Part of a name.
    pub q: Option<String>,
}

/// The expected people with their sign-in, present or absent, a page at a time.
pub async fn attendees(
    app: &App,
    actor: &Actor,
    sitting_id: i64,
    filter: &AttendeeFilter,
    paging: Paging,
) -> AppResult<Page<AttendeeRow>> {
    let s = get(app, actor, sitting_id).await?;
    if s.public {
        return public_attendees(app, &s, paging).await;
    }
    let mut w = Where::default();
    let cond = s.audience_sql(&mut w);
    w.fixed(cond);
    match filter.show.as_deref() {
        Some("present") => w.fixed("c.id IS NOT NULL"),
        Some("absent") => w.fixed("c.id IS NULL"),
        _ => &mut w,
    };
    if let Some(q) = filter.q.as_deref().map(text::normalize_name).filter(|q| !q.is_empty()) {
        w.bind("p.name LIKE ?", format!("%{q}%"));
    }
    let from = format!(
        "FROM people p LEFT JOIN checkins c ON c.person_id = p.id AND c.sitting_id = {} JOIN units u ON u.id = {CHECKIN_UNIT}",
        s.id
    );
    let total = w.count(&app.db.pool, &from).await?;
    let sql = format!(
        "SELECT p.id, p.name, p.rank, p.phone, u.name AS unit_name, u.path, c.checked_at, c.method {from}
         WHERE {} ORDER BY u.path, p.id{}",
        w.sql(),
        paging.sql()
    );
    let items = w
        .fetch_all(&app.db.pool, &sql)
        .await?
        .iter()
        .map(|r| {
            let checked_at: Option<i64> = r.get("checked_at");
            let phone = app.db.vault.column(r, "phone")?;
            Ok(AttendeeRow {
                person_id: Some(r.get("id")),
                name: r.get("name"),
                unit_name: r.get("unit_name"),
                rank: r.get("rank"),
                phone: if actor.sees_phones_of(&r.get::<String, _>("path")) {
                    phone
                } else {
                    mask_phone(&phone)
                },
                late: checked_at.is_some_and(|t| t > s.late_at()),
                checked_at,
                method: r.get("method"),
            })
        })
        .collect::<AppResult<_>>()?;
    Ok(Page::new(items, total, paging))
}

async fn public_attendees(app: &App, s: &Sitting, paging: Paging) -> AppResult<Page<AttendeeRow>> {
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM registrations WHERE sitting_id = $1 AND status = 'registered'",
    )
    .bind(s.id)
    .fetch_one(&app.db.pool)
    .await?;
    let sql = format!(
        "SELECT r.name, r.phone, c.checked_at, c.method FROM registrations r
         LEFT JOIN checkins c ON c.registration_id = r.id AND c.sitting_id = r.sitting_id
         WHERE r.sitting_id = $1 AND r.status = 'registered' ORDER BY r.id{}",
        paging.sql()
    );
    let items = sqlx::query(&sql)
        .bind(s.id)
        .fetch_all(&app.db.pool)
        .await?
        .iter()
        .map(|r| {
            let checked_at: Option<i64> = r.get("checked_at");
            Ok(AttendeeRow {
                person_id: None,
                name: r.get("name"),
                unit_name: String::new(),
                rank: String::new(),
                phone: mask_phone(&app.db.vault.column(r, "phone")?),
                late: checked_at.is_some_and(|t| t > s.late_at()),
                checked_at,
                method: r.get("method"),
            })
        })
        .collect::<AppResult<_>>()?;
    Ok(Page::new(items, total, paging))
}

/// How many are signed in now: what the venue screen shows.
pub async fn present_count(app: &App, sitting_id: i64) -> AppResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM checkins WHERE sitting_id = $1")
        .bind(sitting_id)
        .fetch_one(&app.db.pool)
        .await?)
}

// ---- registration ----

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct RegistrationInput {
    /// A member of the public's name (a signed-in cadre registers as his roster entry).
    #[serde(default)]
    pub name: String,
    /// The full mobile number of a member of the public.
    #[serde(default)]
    pub phone: String,
    /// A member of the public agrees to the privacy notice (`GET /api/v1/privacy/notices`).
    #[serde(default)]
    pub consent: bool,
    /// The notice he was shown (`registration/1`); refused when no longer the one in force.
    #[serde(default)]
    pub notice: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegistrationOutcome {
    pub id: i64,
    /// registered or waitlisted.
    pub status: String,
    /// Place on the waiting list (1 = next), when waitlisted.
    pub waiting_place: Option<i64>,
    /// The code that cancels this registration, given once, when it is made.
    pub receipt: Option<String>,
}

/// Registrations from one address in a minute (as public signatures).
fn registration_rule(app: &App) -> Rule {
    Rule { limit: app.config.public_signatures_per_minute.max(1), window: 60 }
}

/// A sitting whose registration page may be shown to this caller: a public one to anyone, one
/// that asks its audience to register only to a signed-in member of that audience, with a
/// phone on the roster; with that member, as (person, name, phone). Anything else is not found,
/// so a stranger learns nothing of it.
pub async fn for_registration(
    app: &App,
    id: i64,
    actor: Option<&Actor>,
) -> AppResult<(Sitting, Option<(i64, String, String)>)> {
    let s = load(app, id).await?;
    if s.public {
        return Ok((s, None));
    }
    let member = match actor {
        Some(a) if s.registration_required => {
            super::audience::linked_person(&app.db, a.user_id, |w| s.audience_sql(w)).await?
        }
        _ => None,
    };
    match member.and_then(|p| Some((p.id, p.name, p.phone?))) {
        Some(member) => Ok((s, Some(member))),
        None => Err(AppError::NotFound),
    }
}

/// Registers for a sitting that asks for it: a place while there is one, else the waiting list.
pub async fn register(
    app: &App,
    sitting_id: i64,
    input: RegistrationInput,
    actor: Option<&Actor>,
    ip: &str,
) -> AppResult<RegistrationOutcome> {
    let (s, member) = for_registration(app, sitting_id, actor).await?;
    if !s.registration_required && !s.public {
        return Err(AppError::Conflict(Msg::new("err.no_registration")));
    }
    if now() > s.ends_at {
        return Err(AppError::Conflict(Msg::new("err.signin_closed")));
    }
    let address = [(format!("register:{ip}"), registration_rule(app))];
    if !Throttle::allowed(&address, &app.throttle.claim(&app.db, &address).await?) {
        return Err(AppError::TooMany(Msg::new("err.signing_too_fast")));
    }
    // A cadre registers as his roster entry; the public by name and phone.
    let (name, phone, person, consent) = if let Some((id, name, phone)) = member {
        (name, phone, Some(id), String::new())
    } else {
        let name = text::normalize_name(&input.name);
        if name.is_empty() || name.chars().count() > 50 {
            return Err(AppError::invalid("person_name", Msg::new("err.required")));
        }
        let phone = crate::domain::parse_phone(&input.phone)
            .ok_or_else(|| AppError::invalid("phone", Msg::new("err.phone")))?;
        let consent = privacy::consent(Form::Registration, input.consent, input.notice.as_deref())?;
        (name, phone, None, consent)
    };
    let phone_idx = app.db.vault.index(crate::vault::Blind::Phone, &phone);
    let mut tx = app.db.begin().await?;
    let existing = sqlx::query(
        "SELECT id, status FROM registrations WHERE sitting_id = $1 AND phone_idx = $2 AND status <> 'cancelled'",
    )
    .bind(s.id)
    .bind(&phone_idx)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(r) = existing {
        let id: i64 = r.get("id");
        let status: String = r.get("status");
        let place = waiting_place(&mut tx, s.id, id, &status).await?;
        return Ok(RegistrationOutcome { id, status, waiting_place: place, receipt: None });
    }
    let taken: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM registrations WHERE sitting_id = $1 AND status = 'registered'",
    )
    .bind(s.id)
    .fetch_one(&mut *tx)
    .await?;
    let status = if s.capacity == 0 || taken < s.capacity { "registered" } else { "waitlisted" };
    let t = now();
    let receipt = format!("BM-{}", super::auth::readable_code(10));
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO registrations (sitting_id, person_id, name, phone, status, created_at, updated_at, receipt_hash, phone_idx, consent)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9) RETURNING id",
    )
    .bind(s.id)
    .bind(person)
    .bind(&name)
    .bind(app.db.vault.seal(&phone))
    .bind(status)
    .bind(t)
    .bind(super::auth::code_hash(&receipt))
    .bind(&phone_idx)
    .bind(&consent)
    .fetch_one(&mut *tx)
    .await?;
    let who = Who { user_id: None, name: &name, ip };
    audit::record_as(
        &mut tx,
        who,
        "sitting.register",
        "sitting",
        s.id,
        json!({"registration": id, "status": status}),
    )
    .await?;
    let place = waiting_place(&mut tx, s.id, id, status).await?;
    tx.commit().await?;
    Ok(RegistrationOutcome { id, status: status.to_string(), waiting_place: place, receipt: Some(receipt) })
}

async fn waiting_place(tx: &mut Tx, sitting: i64, id: i64, status: &str) -> AppResult<Option<i64>> {
    if status != "waitlisted" {
        return Ok(None);
    }
    let ahead: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM registrations WHERE sitting_id = $1 AND status = 'waitlisted' AND id < $2",
    )
    .bind(sitting)
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(Some(ahead + 1))
}

/// Cancels a registration: the registrant proves it with the receipt he was given; the first on
/// the waiting list takes the freed place in the same transaction. Guesses are throttled as
/// registrations are.
pub async fn cancel_registration(app: &App, sitting_id: i64, receipt: &str, ip: &str) -> AppResult<()> {
    if receipt.trim().is_empty() {
        return Err(AppError::invalid("receipt", Msg::new("err.receipt")));
    }
    let address = [(format!("register:{ip}"), registration_rule(app))];
    if !Throttle::allowed(&address, &app.throttle.claim(&app.db, &address).await?) {
        return Err(AppError::TooMany(Msg::new("err.signing_too_fast")));
    }
    let mut tx = app.db.begin().await?;
    let row = sqlx::query(
        "SELECT id, name, status FROM registrations
         WHERE sitting_id = $1 AND receipt_hash = $2 AND receipt_hash <> '' AND status <> 'cancelled'",
    )
    .bind(sitting_id)
    .bind(super::auth::code_hash(receipt))
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::invalid("receipt", Msg::new("err.receipt")))?;
    let (id, name, status): (i64, String, String) = (row.get("id"), row.get("name"), row.get("status"));
    let t = now();
    sqlx::query("UPDATE registrations SET status = 'cancelled', updated_at = $1 WHERE id = $2")
        .bind(t)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let mut promoted: Option<i64> = None;
    if status == "registered" {
        promoted = sqlx::query_scalar(
            "UPDATE registrations SET status = 'registered', updated_at = $1
             WHERE id = (SELECT MIN(id) FROM registrations WHERE sitting_id = $2 AND status = 'waitlisted') RETURNING id",
        )
        .bind(t)
        .bind(sitting_id)
        .fetch_optional(&mut *tx)
        .await?;
    }
    let who = Who { user_id: None, name: &name, ip };
    audit::record_as(
        &mut tx,
        who,
        "sitting.cancel_registration",
        "sitting",
        sitting_id,
        json!({"registration": id, "promoted": promoted}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---- a person's own list ----

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MySitting {
    pub id: i64,
    pub title: String,
    pub venue: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub checked_at: Option<i64>,
}

impl MySitting {
    pub fn starts(&self) -> String {
        format_datetime(self.starts_at)
    }
    pub fn checked(&self) -> String {
        self.checked_at.map(format_datetime).unwrap_or_default()
    }
}

/// The sittings of the last month and those to come that expect the signed-in person, with his
/// sign-in; empty when the account is not linked to a person on the roster.
pub async fn mine(app: &App, actor: &Actor) -> AppResult<Vec<MySitting>> {
    let person: Option<Option<i64>> = sqlx::query_scalar("SELECT person_id FROM users WHERE id = $1")
        .bind(actor.user_id)
        .fetch_optional(&app.db.pool)
        .await?;
    let Some(person) = person.flatten() else { return Ok(Vec::new()) };
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM sittings WHERE ends_at > $1 AND public = 0 ORDER BY starts_at LIMIT 200",
    )
    .bind(now() - 30 * 86_400)
    .fetch_all(&app.db.pool)
    .await?;
    let mut out = Vec::new();
    for id in ids {
        let s = load(app, id).await?;
        if expects(app, &s, person).await?.is_some() {
            let checked_at: Option<i64> = sqlx::query_scalar(
                "SELECT checked_at FROM checkins WHERE sitting_id = $1 AND person_id = $2",
            )
            .bind(id)
            .bind(person)
            .fetch_optional(&app.db.pool)
            .await?;
            out.push(MySitting {
                id,
                title: s.title,
                venue: s.venue,
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                checked_at,
            });
        }
    }
    Ok(out)
}

// ---- what a sitting leaves behind ----

/// Files the host unit's ledger entry from the attendance: date, venue, number present. For the
/// task the sitting fulfils when it has one, else for the activity. Once per sitting.
pub async fn file_ledger(app: &App, actor: &Actor, sitting_id: i64) -> AppResult<i64> {
    let s = get(app, actor, sitting_id).await?;
    if s.ledger_entry_id.is_some() {
        return Err(AppError::Conflict(Msg::new("err.ledger_filed")));
    }
    let a = attendance(app, actor, sitting_id).await?;
    let campaign_id = super::campaigns::activity(app, s.activity_id).await?.campaign_id;
    let input = super::ledger::EntryInput {
        entry_date: format_datetime(s.starts_at)[..10].to_string(),
        place: s.venue.clone(),
        participants: a.present + a.others,
        summary: format!(
            "{}于{}在{}举行，应到{}人，实到{}人（其中迟到{}人），出席率{}%。",
            s.title,
            s.starts(),
            s.venue,
            a.expected,
            a.present + a.others,
            a.late,
            a.rate
        ),
        theme_ids: Vec::new(),
    };
    let target = super::ledger::Target {
        activity_id: s.activity_id,
        campaign_id,
        task_id: s.task_id,
        unit_id: s.host_unit_id,
    };
    let mut tx = app.db.begin().await?;
    let entry = super::ledger::submit_in(&mut tx, actor, target, input).await?;
    let n = sqlx::query("UPDATE sittings SET ledger_entry_id = $1 WHERE id = $2 AND ledger_entry_id IS NULL")
        .bind(entry)
        .bind(s.id)
        .execute(&mut *tx)
        .await?;
    if n.rows_affected() == 0 {
        return Err(AppError::Conflict(Msg::new("err.ledger_filed")));
    }
    tx.commit().await?;
    Ok(entry)
}

/// The attendance sheet as XLSX: everyone expected (and the public registered), with the time
/// and way each signed in, or absent.
pub async fn attendance_xlsx(app: &App, actor: &Actor, sitting_id: i64) -> AppResult<Vec<u8>> {
    let s = get(app, actor, sitting_id).await?;
    let a = attendance(app, actor, sitting_id).await?;
    let xerr = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("签到表").map_err(xerr)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    sheet.write_string_with_format(0, 0, format!("{}签到表", s.title), &bold).map_err(xerr)?;
    sheet
        .write_string(
            1,
            0,
            format!(
                "{}　{}　应到{}人　实到{}人　迟到{}人　缺席{}人",
                s.starts(),
                s.venue,
                a.expected,
                a.present,
                a.late,
                a.absent
            ),
        )
        .map_err(xerr)?;
    // Flagged sign-ins are marked as the sitting's page shows them, so the filed sheet says so too;
    // a person is known by the register, a registrant or a passer-by by name.
    let whose =
        |person: Option<i64>, name: &str| (person, if person.is_some() { "" } else { name }.to_string());
    let flags: std::collections::HashMap<(Option<i64>, String), String> =
        super::checkin_flags::flags_of(app, &s)
            .await?
            .into_iter()
            .map(|f| (whose(f.person_id, &f.name), f.summary(crate::i18n::Lang::Zh)))
            .collect();
    let headers = ["序号", "姓名", "单位", "职级", "签到时间", "签到方式", "状态", "核验"];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(3, c as u16, *h, &bold).map_err(xerr)?;
    }
    let mut row = 4u32;
    let mut page = 1;
    loop {
        let chunk = attendees(
            app,
            actor,
            sitting_id,
            &AttendeeFilter::default(),
            Paging { page: Some(page), per_page: Some(500) },
        )
        .await?;
        for p in &chunk.items {
            let state = match (p.checked_at, p.late) {
                (None, _) => "缺席",
                (Some(_), true) => "迟到",
                (Some(_), false) => "出席",
            };
            let method = match p.method.as_deref() {
                Some("qr") => "扫码",
                Some("clerk") => "工作人员代签",
                Some("account") => "账号",
                _ => "",
            };
            let cells = [
                (row - 3).to_string(),
                p.name.clone(),
                p.unit_name.clone(),
                p.rank.clone(),
                p.time(),
                method.into(),
                state.into(),
                flags.get(&whose(p.person_id, &p.name)).cloned().unwrap_or_default(),
            ];
            for (c, v) in cells.iter().enumerate() {
                crate::services::sheet::write_text(sheet, row, c as u16, v).map_err(xerr)?;
            }
            row += 1;
        }
        if chunk.items.len() < 500 {
            break;
        }
        page += 1;
    }
    sheet.set_column_width(1, 10).map_err(xerr)?;
    sheet.set_column_width(2, 24).map_err(xerr)?;
    sheet.set_column_width(4, 18).map_err(xerr)?;
    sheet.set_column_width(7, 28).map_err(xerr)?;
    let bytes = book.save_to_buffer().map_err(xerr)?;
    super::audit::bulk_read(&app.db, actor, "attendance", ("sitting", sitting_id), row - 4).await?;
    Ok(bytes)
}
