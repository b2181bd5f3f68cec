//! Study materials (学习资料): 《监察法实施条例》 to county-rank cadres, the confession booklet
//! to section rank and above. Each person's copy goes delivered → opened → signed (阅后签名);
//! signing needs the material opened, and as long ago as the organiser asks.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::audience::Audience;
use super::filter::Where;
use super::outbox;
use super::revisions::{campaign_open, check_seen, next_version, refusal, signed_text};
use super::signatures::{self, NewSignature, Signed};
use super::uploads::{self, Upload};
use super::{audit, clean_text, Actor, App};
use crate::db::now;
use crate::domain::format_datetime;
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::storage::Stored;

pub const KINDS: [&str; 4] = ["document", "booklet", "video", "images"];
pub const DELIVERIES: [&str; 3] = ["online", "paper", "subscription"];

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct MaterialInput {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// document, booklet, video or images.
    pub kind: String,
    #[serde(default)]
    pub body: String,
    /// For a video: its address.
    #[serde(default)]
    pub link: String,
    /// online, paper (handed out, recorded by a clerk) or subscription.
    pub delivery: String,
    #[serde(default)]
    pub due_date: String,
    /// Seconds between opening and signing, when the organiser asks for a reading time.
    #[serde(default)]
    pub min_read_seconds: i64,
    pub host_unit_id: i64,
    #[serde(default)]
    pub audience: Audience,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Material {
    pub id: i64,
    pub activity_id: i64,
    pub title: String,
    pub kind: String,
    pub body: String,
    pub link: String,
    pub file_type: String,
    pub file_name: String,
    pub version: i64,
    pub delivery: String,
    pub due_date: String,
    pub min_read_seconds: i64,
    pub host_unit_id: i64,
    pub host_unit_name: String,
    pub audience: Audience,
    pub ledger_entry_id: Option<i64>,
    #[serde(skip)]
    pub host_path: String,
    #[serde(skip)]
    file_key: String,
    #[serde(skip)]
    audience_path: Option<String>,
    #[serde(skip)]
    created_at: i64,
}

impl Material {
    pub(crate) fn audience_sql(&self, w: &mut Where) -> String {
        let named = super::audience::MATERIAL.subquery(self.id);
        self.audience.condition(self.audience_path.as_deref(), &named, self.created_at, w)
    }
    pub fn has_file(&self) -> bool {
        !self.file_key.is_empty()
    }
}

pub async fn create(
    app: &App,
    actor: &Actor,
    activity_id: i64,
    input: MaterialInput,
    file: Option<Upload>,
) -> AppResult<i64> {
    super::campaigns::activity(app, activity_id).await?;
    let w = Wording::check(&input.title, &input.body, &input.link, &input.due_date)?;
    if !KINDS.contains(&input.kind.as_str()) {
        return Err(AppError::invalid("kind", Msg::new("err.kind_unknown")));
    }
    if !DELIVERIES.contains(&input.delivery.as_str()) {
        return Err(AppError::invalid("delivery", Msg::new("err.kind_unknown")));
    }
    if w.body.is_empty() && w.link.is_empty() && file.is_none() {
        return Err(AppError::invalid("body", Msg::new("err.material_empty")));
    }
    let host = super::units::get(app, input.host_unit_id)
        .await
        .map_err(|_| AppError::invalid("host_unit_id", Msg::new("err.unit_unknown")))?;
    if !actor.covers(&host.path) {
        return Err(AppError::Forbidden);
    }
    // A material's PDF may be a whole booklet: three times an evidence photo's limit.
    let files: Vec<Upload> = file.into_iter().collect();
    let stored =
        uploads::accept(app, &files, app.config.max_upload_bytes * 3, uploads::Accept::Evidence).await?.pop();
    let t = now();
    let mut tx = app.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO materials (activity_id, host_unit_id, title, kind, body, link, file_key, file_type, file_name, delivery, due_date,
            min_read_seconds, audience_unit_id, audience_ranks, audience_party, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
    )
    .bind(activity_id)
    .bind(input.host_unit_id)
    .bind(&w.title)
    .bind(&input.kind)
    .bind(&w.body)
    .bind(&w.link)
    .bind(stored.as_ref().map(|s| s.key.clone()).unwrap_or_default())
    .bind(stored.as_ref().map(|s| s.content_type).unwrap_or_default())
    .bind(stored.as_ref().map(|s| s.file_name.clone()).unwrap_or_default())
    .bind(&input.delivery)
    .bind(&w.due_date)
    .bind(input.min_read_seconds.clamp(0, 3600))
    .bind(input.audience.unit_id)
    .bind(input.audience.ranks_text())
    .bind(input.audience.party_column())
    .bind(actor.user_id)
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    super::audience::MATERIAL.save(&mut tx, id, &input.audience.person_ids).await?;
    audit::record(
        &mut tx,
        actor,
        "material.create",
        "material",
        id,
        json!({"title": w.title, "delivery": input.delivery}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// What a material says and by when: checked alike when it is published and when corrected.
struct Wording {
    title: String,
    body: String,
    link: String,
    due_date: String,
}

impl Wording {
    fn check(title: &str, body: &str, link: &str, due_date: &str) -> AppResult<Wording> {
        let title = clean_text("title", title, 200, true)?;
        let body = clean_text("body", body, 200_000, false)?;
        let link = clean_text("link", link, 500, false)?;
        if !(link.is_empty() || link.starts_with("https://") || link.starts_with("http://")) {
            return Err(AppError::invalid("link", Msg::new("err.link")));
        }
        let due_date = if due_date.trim().is_empty() {
            String::new()
        } else {
            crate::domain::parse_date("due_date", due_date)?
        };
        Ok(Wording { title, body, link, due_date })
    }
}

/// A correction of a published material: its wording, link, due date and reading time. A new
/// wording is a new version (see `revisions`); those who have not signed open it afresh.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct MaterialRevision {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub link: String,
    #[serde(default)]
    pub due_date: String,
    #[serde(default)]
    pub min_read_seconds: i64,
    /// The version the correction was made from; another correction in between is refused.
    pub version: i64,
}

fn revision_fields(m: &Material) -> serde_json::Value {
    json!({"title": m.title, "body": m.body, "link": m.link, "due_date": m.due_date,
           "min_read_seconds": m.min_read_seconds, "version": m.version})
}

/// Corrects a material; returns its version now.
pub async fn revise(app: &App, actor: &Actor, id: i64, input: MaterialRevision) -> AppResult<i64> {
    let before = get(app, id).await?;
    if !actor.covers(&before.host_path) {
        return Err(AppError::Forbidden);
    }
    let w = Wording::check(&input.title, &input.body, &input.link, &input.due_date)?;
    if w.body.is_empty() && w.link.is_empty() && !before.has_file() {
        return Err(AppError::invalid("body", Msg::new("err.material_empty")));
    }
    let seconds = input.min_read_seconds.clamp(0, 3600);
    let mut tx = app.db.begin().await?;
    let texts = (signed_text(&before.title, &before.body), signed_text(&w.title, &w.body));
    let version = next_version(&mut tx, "material", id, input.version, (&texts.0, &texts.1)).await?;
    let changed = sqlx::query(&format!(
        "UPDATE materials SET title = $1, body = $2, link = $3, due_date = $4, min_read_seconds = $5, version = $6
         WHERE id = $7 AND version = $8 AND {}",
        campaign_open("materials")
    ))
    .bind(&w.title)
    .bind(&w.body)
    .bind(&w.link)
    .bind(&w.due_date)
    .bind(seconds)
    .bind(version)
    .bind(id)
    .bind(input.version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(refusal(app, Some(before.activity_id)).await?);
    }
    if version != input.version {
        // The reading time runs from opening the wording that will be signed.
        sqlx::query(
            "UPDATE material_receipts SET opened_at = 0 WHERE material_id = $1 AND NOT EXISTS
               (SELECT 1 FROM signatures s WHERE s.subject = 'material' AND s.subject_id = $1 AND s.counted_for = material_receipts.person_id)",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    let after = json!({"title": w.title, "body": w.body, "link": w.link, "due_date": w.due_date,
                       "min_read_seconds": seconds, "version": version});
    audit::record(
        &mut tx,
        actor,
        "material.revise",
        "material",
        id,
        audit::changes(revision_fields(&before), after),
    )
    .await?;
    tx.commit().await?;
    Ok(version)
}

/// The material with the wordings kept, for those who run it (or see the whole campaign).
pub async fn with_versions(
    app: &App,
    actor: &Actor,
    id: i64,
) -> AppResult<(Material, Vec<super::revisions::Version>)> {
    let m = get(app, id).await?;
    if !actor.covers(&m.host_path) && !actor.campaign_wide() {
        return Err(AppError::NotFound);
    }
    let versions = super::revisions::history(app, "material", id).await?;
    Ok((m, versions))
}

pub async fn get(app: &App, id: i64) -> AppResult<Material> {
    let r = sqlx::query(
        "SELECT m.*, h.name AS host_name, h.path AS host_path, au.path AS audience_path
         FROM materials m JOIN units h ON h.id = m.host_unit_id LEFT JOIN units au ON au.id = m.audience_unit_id WHERE m.id = $1",
    )
    .bind(id)
    .fetch_optional(&app.db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let invitees = super::audience::MATERIAL.load(&app.db.pool, id).await?;
    Ok(Material {
        id,
        activity_id: r.get("activity_id"),
        title: r.get("title"),
        kind: r.get("kind"),
        body: r.get("body"),
        link: r.get("link"),
        file_type: r.get("file_type"),
        file_name: r.get("file_name"),
        version: r.get("version"),
        delivery: r.get("delivery"),
        due_date: r.get("due_date"),
        min_read_seconds: r.get("min_read_seconds"),
        host_unit_id: r.get("host_unit_id"),
        host_unit_name: r.get("host_name"),
        ledger_entry_id: r.get("ledger_entry_id"),
        audience: Audience::from_row(&r, invitees),
        host_path: r.get("host_path"),
        file_key: r.get("file_key"),
        audience_path: r.get("audience_path"),
        created_at: r.get("created_at"),
    })
}

/// The roster entry of a signed-in account; reading and signing need one.
pub async fn person_of(app: &App, actor: &Actor) -> AppResult<i64> {
    let person: Option<Option<i64>> = sqlx::query_scalar("SELECT person_id FROM users WHERE id = $1")
        .bind(actor.user_id)
        .fetch_optional(&app.db.pool)
        .await?;
    person.flatten().ok_or(AppError::Conflict(Msg::new("err.account_not_linked")))
}

async fn expects(app: &App, m: &Material, person: i64) -> AppResult<bool> {
    let mut w = Where::default();
    let cond = m.audience_sql(&mut w);
    w.fixed(cond).fixed(format!("p.id = {person}"));
    let sql = format!("SELECT p.id FROM people p JOIN units u ON u.id = p.unit_id WHERE {}", w.sql());
    Ok(!w.fetch_all(&app.db.pool, &sql).await?.is_empty())
}

/// A material for a reader: only those it is addressed to (and those who run it).
pub async fn for_reader(app: &App, actor: &Actor, id: i64) -> AppResult<(Material, Option<i64>)> {
    let m = get(app, id).await?;
    let person = person_of(app, actor).await.ok();
    let addressed = match person {
        Some(p) => expects(app, &m, p).await?,
        None => false,
    };
    if !addressed && !actor.covers(&m.host_path) {
        return Err(AppError::NotFound);
    }
    Ok((m, person.filter(|_| addressed)))
}

/// Records that the reader opened the material (the first time counts).
pub async fn open(app: &App, material: i64, person: i64) -> AppResult<i64> {
    let t = now();
    let mut tx = app.db.begin().await?;
    sqlx::query(
        "INSERT INTO material_receipts (material_id, person_id, delivered_at, opened_at) VALUES ($1, $2, $3, $3)
         ON CONFLICT (material_id, person_id) DO UPDATE SET opened_at = CASE WHEN material_receipts.opened_at = 0 THEN excluded.opened_at ELSE material_receipts.opened_at END",
    )
    .bind(material)
    .bind(person)
    .bind(t)
    .execute(&mut *tx)
    .await?;
    let opened: i64 = sqlx::query_scalar(
        "SELECT opened_at FROM material_receipts WHERE material_id = $1 AND person_id = $2",
    )
    .bind(material)
    .bind(person)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(opened)
}

/// A reader's signature.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReaderSignature {
    /// `[[[x, y], …], …]` on a 1000 × 400 pad.
    #[serde(default)]
    pub strokes: String,
    /// Use the typed name instead of a drawing.
    #[serde(default)]
    pub typed: bool,
    /// The version the reader was shown; a signature on an earlier one is refused.
    #[serde(default)]
    pub version: Option<i64>,
}

/// Signs that the reader has read it: only after opening it, and after the reading time.
pub async fn sign(app: &App, actor: &Actor, id: i64, input: &ReaderSignature) -> AppResult<Signed> {
    let (m, person) = for_reader(app, actor, id).await?;
    let person = person.ok_or(AppError::Conflict(Msg::new("err.not_addressed")))?;
    check_seen(input.version, m.version)?;
    let opened: Option<i64> = sqlx::query_scalar(
        "SELECT opened_at FROM material_receipts WHERE material_id = $1 AND person_id = $2",
    )
    .bind(id)
    .bind(person)
    .fetch_optional(&app.db.pool)
    .await?;
    let opened = opened.filter(|t| *t > 0).ok_or(AppError::Conflict(Msg::new("err.open_first")))?;
    let wait = opened + m.min_read_seconds - now();
    if wait > 0 {
        return Err(AppError::Conflict(Msg::new("err.read_longer").arg("seconds", wait)));
    }
    let name: String = sqlx::query_scalar("SELECT name FROM people WHERE id = $1")
        .bind(person)
        .fetch_one(&app.db.pool)
        .await?;
    let (svg, method) = super::pledges::signature_svg(&name, &input.strokes, input.typed)?;
    let job = NewSignature {
        subject: "material",
        subject_id: id,
        version: m.version,
        signer_key: format!("p:{person}"),
        person_id: Some(person),
        name,
        org: m.host_unit_name.clone(),
        phone: String::new(),
        method,
        svg,
        text: signed_text(&m.title, &m.body),
        ip: actor.ip.clone(),
        by_user: Some((actor.user_id, actor.username.clone())),
        signed_at: None,
        consent: String::new(),
    };
    signatures::sign(app, job).await
}

/// A clerk records a paper copy handed to someone.
pub async fn deliver_paper(app: &App, actor: &Actor, id: i64, person: i64) -> AppResult<()> {
    let m = get(app, id).await?;
    if !actor.covers(&m.host_path) {
        return Err(AppError::Forbidden);
    }
    if !expects(app, &m, person).await? {
        return Err(AppError::invalid("person_id", Msg::new("err.not_in_audience")));
    }
    let mut tx = app.db.begin().await?;
    sqlx::query(
        "INSERT INTO material_receipts (material_id, person_id, delivered_at, delivered_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (material_id, person_id) DO UPDATE SET delivered_at = excluded.delivered_at, delivered_by = excluded.delivered_by",
    )
    .bind(id)
    .bind(person)
    .bind(now())
    .bind(actor.user_id)
    .execute(&mut *tx)
    .await?;
    audit::record(&mut tx, actor, "material.deliver_paper", "material", id, json!({"person_id": person}))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Delivered, opened and signed per unit and per rank; who has not signed.
pub async fn progress(app: &App, actor: &Actor, id: i64) -> AppResult<super::reach::Progress> {
    let m = get(app, id).await?;
    if !actor.covers(&m.host_path) && !actor.campaign_wide() {
        return Err(AppError::NotFound);
    }
    let audience = |w: &mut Where| m.audience_sql(w);
    let subject = super::reach::Subject {
        kind: "material",
        id,
        audience: &audience,
        online: Some(m.delivery == "online"),
    };
    super::reach::progress(app, &subject).await
}

/// Files the host unit's ledger entry for the activity from how many have read and signed.
pub async fn file_ledger(app: &App, actor: &Actor, id: i64) -> AppResult<i64> {
    let m = get(app, id).await?;
    if !actor.covers(&m.host_path) {
        return Err(AppError::Forbidden);
    }
    let p = progress(app, actor, id).await?;
    super::reach::file_signed_ledger(
        app,
        actor,
        super::reach::Owner {
            table: "materials",
            id,
            activity_id: Some(m.activity_id),
            host_unit_id: m.host_unit_id,
            title: &m.title,
        },
        &p,
    )
    .await
}

/// Queues a reminder to everyone addressed who has not signed; returns how many.
pub async fn remind(app: &App, actor: &Actor, id: i64) -> AppResult<u64> {
    let m = get(app, id).await?;
    if !actor.covers(&m.host_path) {
        return Err(AppError::Forbidden);
    }
    let mut w = Where::default();
    let cond = m.audience_sql(&mut w);
    let subject_text = format!("学习提醒：{}", m.title);
    let subject = w.arg(subject_text.clone());
    let due = if m.due_date.is_empty() {
        String::new()
    } else {
        format!("，请于{}前完成", crate::domain::chinese_date(&m.due_date))
    };
    let body = w.arg(format!("您尚未完成《{}》的阅读签名{due}。", m.title));
    w.fixed(cond).fixed(outbox::PERSON_REACHABLE);
    let sql = format!(
        "INSERT INTO outbox (channel, recipient, subject, body, created_at)
         SELECT {}, {}, {subject}, {body}, {} FROM people p JOIN units u ON u.id = p.unit_id
         WHERE {} AND NOT EXISTS (SELECT 1 FROM signatures s WHERE s.subject = 'material' AND s.subject_id = {id} AND s.counted_for = p.id)",
        outbox::PERSON_CHANNEL,
        outbox::PERSON_ADDRESS,
        now(),
        w.sql()
    );
    let mut tx = app.db.begin().await?;
    let n = w.execute(&mut tx, &sql).await?;
    let group = format!("《{}》尚有{n}人未完成阅读签名，已逐一提醒{due}。", m.title);
    outbox::to_robots(&mut tx, app, &subject_text, &group).await?;
    audit::record(&mut tx, actor, "material.remind", "material", id, json!({"reminded": n})).await?;
    tx.commit().await?;
    Ok(n)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyMaterial {
    pub id: i64,
    pub title: String,
    pub due_date: String,
    pub opened: bool,
    pub signed_at: Option<i64>,
}

impl MyMaterial {
    pub fn signed(&self) -> String {
        self.signed_at.map(format_datetime).unwrap_or_default()
    }
}

/// The reader's own list: every material addressed to him, with where he stands.
pub async fn mine(app: &App, actor: &Actor) -> AppResult<Vec<MyMaterial>> {
    let Ok(person) = person_of(app, actor).await else { return Ok(Vec::new()) };
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM materials ORDER BY id DESC LIMIT 200")
        .fetch_all(&app.db.pool)
        .await?;
    let mut out = Vec::new();
    for id in ids {
        let m = get(app, id).await?;
        if !expects(app, &m, person).await? {
            continue;
        }
        let opened: Option<i64> = sqlx::query_scalar(
            "SELECT opened_at FROM material_receipts WHERE material_id = $1 AND person_id = $2",
        )
        .bind(id)
        .bind(person)
        .fetch_optional(&app.db.pool)
        .await?;
        let signed_at: Option<i64> =
            sqlx::query_scalar("SELECT signed_at FROM signatures WHERE subject = 'material' AND subject_id = $1 AND counted_for = $2 AND withdrawn_at = 0")
                .bind(id)
                .bind(person)
                .fetch_optional(&app.db.pool)
                .await?;
        out.push(MyMaterial {
            id,
            title: m.title,
            due_date: m.due_date,
            opened: opened.is_some_and(|t| t > 0),
            signed_at,
        });
    }
    Ok(out)
}

/// The material's file, for those it is addressed to.
pub async fn file(app: &App, actor: &Actor, id: i64) -> AppResult<(Material, Stored)> {
    let (m, _) = for_reader(app, actor, id).await?;
    if m.file_key.is_empty() {
        return Err(AppError::NotFound);
    }
    let file = app.files.open(&m.file_key).await?;
    Ok((m, file))
}

/// The code of the person's standing signature of the material, if they have signed it.
pub async fn signed_code(app: &App, material_id: i64, person_id: i64) -> AppResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT code FROM signatures WHERE subject = 'material' AND subject_id = $1 AND counted_for = $2 AND withdrawn_at = 0",
    )
    .bind(material_id)
    .bind(person_id)
    .fetch_optional(&app.db.pool)
    .await?)
}

/// The materials of an activity, for its page.
pub async fn list_for_activity(app: &App, activity_id: i64) -> AppResult<Vec<(i64, String, String)>> {
    Ok(sqlx::query("SELECT id, title, delivery FROM materials WHERE activity_id = $1 ORDER BY id")
        .bind(activity_id)
        .fetch_all(&app.db.pool)
        .await?
        .iter()
        .map(|r| (r.get("id"), r.get("title"), r.get("delivery")))
        .collect())
}
