//! Calls for works (征集): the call with its rules, genres, groups, word limits, period, rubric
//! and jury; public submission without an account, with a receipt code to check and edit until
//! the deadline; screening on the way in (sensitive words hold a work for a moderator; a
//! near-copy of another submission or of a published work is flagged with the shared passage).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::audit::{self, Who};
use super::auth::code_hash as receipt_hash;
use super::{clean_text, Actor, App};
use crate::db::{now, Tx};
use crate::domain::screening::{self, Dictionary, WordMatch};
use crate::domain::{format_datetime, mask_phone, parse_datetime, parse_phone};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;
use crate::vault::{Blind, Vault};

/// The share of a work (in thousandths) found in another from which it is flagged as a near-copy.
pub const NEAR_COPY: i64 = 500;
/// Submissions one address may make in ten minutes, and one contact in a day.
const PER_ADDRESS: i64 = 5;
const PER_CONTACT: i64 = 3;
pub const GROUPS: [&str; 2] = ["adult", "youth"];
pub const PRIZES: [&str; 4] = ["一等奖", "二等奖", "三等奖", "优秀奖"];

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Genre {
    pub code: String,
    pub name: String,
    pub min_chars: i64,
    pub max_chars: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = WorkCriterion)]
pub struct Criterion {
    #[serde(default)]
    pub id: i64,
    pub name: String,
    pub weight: i64,
    pub max_score: i64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Call {
    pub id: i64,
    pub campaign_id: i64,
    pub title: String,
    /// Sanitised HTML.
    pub rules: String,
    pub genres: Vec<Genre>,
    pub groups: Vec<String>,
    pub opens_at: i64,
    pub closes_at: i64,
    pub status: String,
    pub criteria: Vec<Criterion>,
}

impl Call {
    pub fn is_open(&self, t: i64) -> bool {
        self.status == "open" && t >= self.opens_at && t < self.closes_at
    }
    pub fn closes(&self) -> String {
        format_datetime(self.closes_at)
    }
    pub fn opens(&self) -> String {
        format_datetime(self.opens_at)
    }
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct CallInput {
    pub campaign_id: i64,
    pub activity_id: Option<i64>,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[serde(default)]
    pub rules: String,
    pub genres: Vec<Genre>,
    pub groups: Vec<String>,
    /// "2022-05-16 09:00", China time.
    pub opens_at: String,
    pub closes_at: String,
    pub criteria: Vec<Criterion>,
    /// User names of the jurors.
    pub jurors: Vec<String>,
}

/// Rules are rich text: only harmless formatting survives.
pub fn sanitise_rules(html: &str) -> String {
    ammonia::Builder::default()
        .tags(["p", "br", "b", "strong", "i", "em", "u", "ul", "ol", "li", "h3", "h4"].into_iter().collect())
        .clean(html)
        .to_string()
}

pub async fn create_call(app: &App, actor: &Actor, input: CallInput) -> AppResult<i64> {
    actor.require_organiser()?;
    super::campaigns::get(app, input.campaign_id).await?;
    let mut errors: Vec<FieldError> = Vec::new();
    let title =
        clean_text("title", &input.title, 200, true).map_err(|e| errors.extend(e.fields().to_vec())).ok();
    let opens =
        parse_datetime("opens_at", &input.opens_at).map_err(|e| errors.extend(e.fields().to_vec())).ok();
    let closes =
        parse_datetime("closes_at", &input.closes_at).map_err(|e| errors.extend(e.fields().to_vec())).ok();
    let mut err = |field: &str, msg: Msg| errors.push(FieldError { field: field.to_string(), msg });
    if let (Some(o), Some(c)) = (opens, closes) {
        if c <= o {
            err("closes_at", Msg::new("err.call_period"));
        }
    }
    if input.genres.is_empty() || input.genres.len() > 10 {
        err("genres", Msg::new("err.call_genres"));
    }
    for (i, g) in input.genres.iter().enumerate() {
        if g.code.trim().is_empty()
            || g.name.trim().is_empty()
            || !(1..=20_000).contains(&g.max_chars)
            || !(0..=g.max_chars).contains(&g.min_chars)
        {
            err(&format!("genres.{i}"), Msg::new("err.call_genres"));
        }
    }
    if input.groups.is_empty() || input.groups.iter().any(|g| !GROUPS.contains(&g.as_str())) {
        err("groups", Msg::new("err.call_groups"));
    }
    if input.criteria.is_empty() || input.criteria.len() > 10 {
        err("criteria", Msg::new("err.call_criteria"));
    }
    for (i, c) in input.criteria.iter().enumerate() {
        if c.name.trim().is_empty() || !(1..=100).contains(&c.weight) || !(1..=100).contains(&c.max_score) {
            err(&format!("criteria.{i}"), Msg::new("err.call_criteria"));
        }
    }
    let mut jurors = Vec::new();
    for name in &input.jurors {
        match sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE username = $1 AND disabled = 0")
            .bind(name.trim())
            .fetch_optional(&app.db.pool)
            .await?
        {
            Some(id) => jurors.push(id),
            None => err("jurors", Msg::new("err.juror_unknown").arg("name", name)),
        }
    }
    if jurors.is_empty() {
        err("jurors", Msg::new("err.call_jurors"));
    }
    let (Some(title), Some(opens), Some(closes)) = (title, opens, closes) else {
        return Err(AppError::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let mut tx = app.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO calls (campaign_id, activity_id, title, rules, genres, groups_json, opens_at, closes_at, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(input.campaign_id)
    .bind(input.activity_id)
    .bind(&title)
    .bind(sanitise_rules(&input.rules))
    .bind(to_json(&input.genres))
    .bind(to_json(&input.groups))
    .bind(opens)
    .bind(closes)
    .bind(actor.user_id)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    for (i, c) in input.criteria.iter().enumerate() {
        sqlx::query(
            "INSERT INTO call_criteria (call_id, seq, name, weight, max_score) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(i as i64 + 1)
        .bind(c.name.trim())
        .bind(c.weight)
        .bind(c.max_score)
        .execute(&mut *tx)
        .await?;
    }
    for j in jurors.iter().collect::<HashSet<_>>() {
        sqlx::query("INSERT INTO call_jurors (call_id, user_id) VALUES ($1, $2)")
            .bind(id)
            .bind(*j)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(&mut tx, actor, "call.create", "call", id, json!({"title": title, "jurors": jurors.len()}))
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// A list as stored in a JSON column (serialising plain data cannot fail).
fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

pub async fn call(app: &App, id: i64) -> AppResult<Call> {
    let r = sqlx::query("SELECT * FROM calls WHERE id = $1")
        .bind(id)
        .fetch_optional(&app.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let criteria =
        sqlx::query("SELECT id, name, weight, max_score FROM call_criteria WHERE call_id = $1 ORDER BY seq")
            .bind(id)
            .fetch_all(&app.db.pool)
            .await?
            .iter()
            .map(|c| Criterion {
                id: c.get("id"),
                name: c.get("name"),
                weight: c.get("weight"),
                max_score: c.get("max_score"),
            })
            .collect();
    Ok(Call {
        id,
        campaign_id: r.get("campaign_id"),
        title: r.get("title"),
        rules: r.get("rules"),
        genres: serde_json::from_str(&r.get::<String, _>("genres")).unwrap_or_default(),
        groups: serde_json::from_str(&r.get::<String, _>("groups_json")).unwrap_or_default(),
        opens_at: r.get("opens_at"),
        closes_at: r.get("closes_at"),
        status: r.get("status"),
        criteria,
    })
}

/// No juror has scored a work of the call yet; repeated inside the write that reopens or
/// extends it, so a score given in between keeps the call closed.
const NOT_JUDGED: &str =
    "NOT EXISTS (SELECT 1 FROM scores s JOIN works w ON w.id = s.work_id WHERE w.call_id = calls.id)";

/// Moves a call's closing time: later to extend it or reopen it, `None` to close it now. A
/// published call is settled; one whose judging has begun cannot take more works.
pub async fn set_closing(app: &App, actor: &Actor, id: i64, closes_at: Option<&str>) -> AppResult<Call> {
    actor.require_organiser()?;
    let before = call(app, id).await?;
    if before.status != "open" {
        return Err(AppError::Conflict(Msg::new("err.call_published_locked")));
    }
    let t = now();
    let closes = match closes_at {
        None => t,
        Some(raw) => {
            let at = parse_datetime("closes_at", raw)?;
            if at <= t {
                return Err(AppError::invalid("closes_at", Msg::new("err.closing_in_past")));
            }
            if at <= before.opens_at {
                return Err(AppError::invalid("closes_at", Msg::new("err.call_period")));
            }
            at
        }
    };
    let taking_more = closes > t;
    let mut tx = app.db.begin().await?;
    if taking_more {
        let scored: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT s.work_id) FROM scores s JOIN works w ON w.id = s.work_id WHERE w.call_id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        if scored > 0 {
            return Err(AppError::Conflict(Msg::new("err.call_judging_locked").arg("n", scored)));
        }
    }
    let lock = if taking_more { format!("AND {NOT_JUDGED}") } else { String::new() };
    let changed =
        sqlx::query(&format!("UPDATE calls SET closes_at = $1 WHERE id = $2 AND status = 'open' {lock}"))
            .bind(closes)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if changed == 0 {
        return Err(AppError::Conflict(Msg::new("err.changed_meanwhile")));
    }
    let how = match (before.is_open(t), taking_more) {
        (true, false) => "closed early",
        (true, true) => "extended",
        (false, _) => "reopened",
    };
    let detail = json!({
        "before": {"closes_at": before.closes()}, "after": {"closes_at": format_datetime(closes)}, "change": how,
    });
    audit::record(&mut tx, actor, "call.closing", "call", id, detail).await?;
    tx.commit().await?;
    call(app, id).await
}

/// The calls of a campaign, newest first.
pub async fn calls(app: &App, campaign_id: i64) -> AppResult<Vec<Call>> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM calls WHERE campaign_id = $1 ORDER BY id DESC")
        .bind(campaign_id)
        .fetch_all(&app.db.pool)
        .await?;
    let mut out = Vec::new();
    for id in ids {
        out.push(call(app, id).await?);
    }
    Ok(out)
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SubmissionInput {
    pub author: String,
    /// A mobile number or an e-mail address.
    pub contact: String,
    #[serde(default)]
    pub guardian: String,
    pub group: String,
    pub genre: String,
    pub title: String,
    pub body: String,
    /// 原创声明: the author declares the work his own and unpublished.
    #[serde(default)]
    pub declaration: bool,
    /// Consent to the processing of the personal data given (`GET /api/v1/privacy/notices`).
    #[serde(default)]
    pub consent: bool,
    /// The notice the author was shown (`work/1`); refused when no longer the one in force.
    #[serde(default)]
    pub notice: Option<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Receipt {
    pub work_id: i64,
    /// Keep it: it is the only way to check or edit the work.
    pub code: String,
    pub status: String,
}

/// Text with markup taken out: submissions are plain text, and shown escaped.
fn plain_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('<') {
        let after = &rest[at + 1..];
        let tag_like = after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!');
        match after.find('>').filter(|_| tag_like) {
            Some(close) => {
                out.push_str(&rest[..at]);
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[..=at]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.trim().to_string()
}

fn valid_contact(raw: &str) -> Option<String> {
    let s = raw.trim();
    if let Some(p) = parse_phone(s) {
        return Some(p);
    }
    let (local, domain) = s.split_once('@')?;
    (!local.is_empty() && domain.contains('.') && s.len() <= 100 && !s.contains(char::is_whitespace))
        .then(|| s.to_lowercase())
}

/// A contact shown to staff: 139****0001, z***@example.com.
pub fn mask_contact(c: &str) -> String {
    match c.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => mask_phone(c),
    }
}

struct Checked {
    author: String,
    contact: String,
    guardian: String,
    group: String,
    genre: String,
    title: String,
    body: String,
    /// The privacy notice agreed to.
    consent: String,
}

fn check_submission(c: &Call, input: &SubmissionInput) -> AppResult<Checked> {
    let mut errors: Vec<FieldError> = Vec::new();
    // Submissions are plain text; an empty value stands in for a refused one (the errors say why).
    let mut text = |field: &'static str, raw: &str, max: usize, required: bool| {
        clean_text(field, &plain_text(raw), max, required)
            .map_err(|e| errors.extend(e.fields().to_vec()))
            .unwrap_or_default()
    };
    let author = text("author", &input.author, 30, true);
    let title = text("title", &input.title, 100, true);
    let body = text("body", &input.body, 20_000, true);
    let guardian = text("guardian", &input.guardian, 30, false);
    let mut err = |f: &str, m: Msg| errors.push(FieldError { field: f.into(), msg: m });
    let contact = valid_contact(&input.contact).unwrap_or_else(|| {
        err("contact", Msg::new("err.contact"));
        String::new()
    });
    if !c.groups.contains(&input.group) {
        err("group", Msg::new("err.call_group_unknown"));
    }
    if input.group == "youth" && guardian.is_empty() {
        err("guardian", Msg::new("err.guardian"));
    }
    match c.genres.iter().find(|g| g.code == input.genre) {
        None => err("genre", Msg::new("err.call_genre_unknown")),
        Some(g) => {
            let n = screening::counted_chars(&body) as i64;
            if !body.is_empty() && (n < g.min_chars || n > g.max_chars) {
                err(
                    "body",
                    Msg::new("err.word_limit")
                        .arg("genre", &g.name)
                        .arg("min", g.min_chars)
                        .arg("max", g.max_chars)
                        .arg("n", n),
                );
            }
        }
    }
    if !input.declaration {
        err("declaration", Msg::new("err.declaration"));
    }
    let consent = super::privacy::consent(super::privacy::Form::Work, input.consent, input.notice.as_deref())
        .map_err(|e| errors.extend(e.fields().to_vec()))
        .unwrap_or_default();
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    Ok(Checked {
        author,
        contact,
        guardian,
        group: input.group.clone(),
        genre: input.genre.clone(),
        title,
        body,
        consent,
    })
}

/// What screening found for a text.
struct Screened {
    words: Vec<WordMatch>,
    similar: Option<(i64, i64, usize, usize)>,
    bands: Vec<i64>,
}

async fn dictionary(conn: &mut sqlx::AnyConnection) -> AppResult<Dictionary> {
    let words: Vec<String> =
        sqlx::query_scalar("SELECT word FROM banned_words").fetch_all(&mut *conn).await?;
    Ok(Dictionary::new(&words))
}

/// Sensitive words, and the most resembling earlier work among those sharing a MinHash band.
async fn screen(conn: &mut sqlx::AnyConnection, text: &str, except: i64) -> AppResult<Screened> {
    let words = dictionary(conn).await?.find(text);
    let normalised = screening::normalise(text);
    let shingles = screening::shingles(&normalised.chars);
    let bands = screening::band_keys(&screening::minhash(&shingles));
    let list = bands.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(", ");
    // Works sharing the most bands first: a real copy shares many, a chance collision one.
    let candidates = sqlx::query(&format!(
        "SELECT w.id, w.body FROM works w JOIN (
           SELECT work_id, COUNT(*) AS shared FROM work_bands WHERE band_key IN ({list}) AND work_id <> $1
           GROUP BY work_id ORDER BY shared DESC, work_id LIMIT 20) c ON c.work_id = w.id
         WHERE w.status <> 'rejected'"
    ))
    .bind(except)
    .fetch_all(&mut *conn)
    .await?;
    let mut best: Option<(i64, i64, String)> = None;
    for c in &candidates {
        let body: String = c.get("body");
        let other = screening::shingles(&screening::normalise(&body).chars);
        let r = (screening::containment(&shingles, &other) * 1000.0).round() as i64;
        if r >= NEAR_COPY && best.as_ref().is_none_or(|b| r > b.1) {
            best = Some((c.get("id"), r, body));
        }
    }
    let similar = best.map(|(id, r, body)| {
        let (s, e) = screening::shared_passage(text, &body).unwrap_or((0, 0));
        (id, r, s, e)
    });
    Ok(Screened { words, similar, bands })
}

async fn store_screening(tx: &mut Tx, work: i64, s: &Screened) -> AppResult<()> {
    sqlx::query("DELETE FROM work_bands WHERE work_id = $1").bind(work).execute(&mut **tx).await?;
    let values: Vec<String> = s.bands.iter().map(|b| format!("({b}, {work})")).collect();
    sqlx::query(&format!("INSERT INTO work_bands (band_key, work_id) VALUES {}", values.join(", ")))
        .execute(&mut **tx)
        .await?;
    let (similar_to, similarity, ps, pe) = match s.similar {
        Some((id, r, a, b)) => (Some(id), r, a as i64, b as i64),
        None => (None, 0, 0, 0),
    };
    sqlx::query(
        "UPDATE works SET flagged_words = $1, similar_to = $2, similarity = $3, passage_start = $4, passage_end = $5 WHERE id = $6",
    )
    .bind(to_json(&s.words))
    .bind(similar_to)
    .bind(similarity)
    .bind(ps)
    .bind(pe)
    .bind(work)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn new_receipt() -> String {
    let s = super::auth::readable_code(10);
    format!("ZJ-{}-{}", &s[..5], &s[5..])
}

/// A member of the public submits a work; no account needed.
pub async fn submit(app: &App, call_id: i64, input: SubmissionInput, ip: &str) -> AppResult<Receipt> {
    let c = call(app, call_id).await?;
    let t = now();
    if !c.is_open(t) {
        return Err(AppError::Conflict(Msg::new(if t < c.opens_at {
            "err.call_not_open"
        } else {
            "err.call_closed"
        })));
    }
    let w = check_submission(&c, &input)?;
    let recent = |sql: &'static str, key: String, since: i64| async move {
        sqlx::query_scalar::<_, i64>(sql).bind(key).bind(since).fetch_one(&app.db.pool).await
    };
    let vault = &app.db.vault;
    if recent(
        "SELECT COUNT(*) FROM works WHERE ip_idx = $1 AND created_at > $2",
        vault.index(Blind::Ip, ip),
        t - 600,
    )
    .await?
        >= PER_ADDRESS
        || recent(
            "SELECT COUNT(*) FROM works WHERE contact_idx = $1 AND created_at > $2",
            vault.index(Blind::Contact, &w.contact),
            t - 86_400,
        )
        .await?
            >= PER_CONTACT
    {
        return Err(AppError::TooMany(Msg::new("err.submitting_too_fast")));
    }
    let mut tx = app.db.begin().await?;
    let receipt = record_submission(&mut tx, &c, &w, ip, t).await?;
    tx.commit().await?;
    Ok(receipt)
}

/// Screens a checked work and stores it with its receipt, in the caller's transaction.
async fn record_submission(tx: &mut Tx, c: &Call, w: &Checked, ip: &str, t: i64) -> AppResult<Receipt> {
    let code = new_receipt();
    let s = screen(tx, &w.body, 0).await?;
    let status = if s.words.is_empty() { "submitted" } else { "held" };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO works (call_id, receipt_hash, author, contact, guardian, group_code, genre, title, body, ip, consent_at, status,
            created_at, updated_at, contact_idx, ip_idx, consent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $11, $11, $13, $14, $15) RETURNING id",
    )
    .bind(c.id)
    .bind(receipt_hash(&code))
    .bind(&w.author)
    .bind(tx.vault.seal(&w.contact))
    .bind(tx.vault.seal(&w.guardian))
    .bind(&w.group)
    .bind(&w.genre)
    .bind(&w.title)
    .bind(&w.body)
    .bind(tx.vault.seal(ip))
    .bind(t)
    .bind(status)
    .bind(tx.vault.index(Blind::Contact, &w.contact))
    .bind(tx.vault.index(Blind::Ip, ip))
    .bind(&w.consent)
    .fetch_one(&mut **tx)
    .await?;
    store_screening(tx, id, &s).await?;
    let who = Who { user_id: None, name: &w.author, ip };
    audit::record_as(tx, who, "work.submit", "work", id, json!({"call": c.id, "status": status})).await?;
    Ok(Receipt { work_id: id, code, status: status.into() })
}

/// A submission made at `at` inside the caller's transaction, checked and screened as any other
/// (the demo's entries, imports of paper submissions).
pub async fn submit_in(
    tx: &mut Tx,
    c: &Call,
    input: &SubmissionInput,
    ip: &str,
    at: i64,
) -> AppResult<Receipt> {
    let w = check_submission(c, input)?;
    record_submission(tx, c, &w, ip, at).await
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ReceiptStatus {
    pub work_id: i64,
    pub call_id: i64,
    pub call_title: String,
    pub title: String,
    pub genre: String,
    pub group: String,
    pub body: String,
    /// submitted, held, rejected; prize once published
    pub status: String,
    pub prize: String,
    pub submitted_at: i64,
    /// Whether the author may still change it (the call is open).
    pub editable: bool,
}

async fn by_receipt(app: &App, code: &str) -> AppResult<sqlx::any::AnyRow> {
    sqlx::query(
        "SELECT w.*, c.title AS call_title FROM works w JOIN calls c ON c.id = w.call_id WHERE w.receipt_hash = $1",
    )
    .bind(receipt_hash(code))
    .fetch_optional(&app.db.pool)
    .await?
    .ok_or(AppError::NotFound)
}

pub async fn check(app: &App, code: &str) -> AppResult<ReceiptStatus> {
    let r = by_receipt(app, code).await?;
    let c = call(app, r.get("call_id")).await?;
    let published = r.get::<i64, _>("published_at") > 0;
    Ok(ReceiptStatus {
        work_id: r.get("id"),
        call_id: c.id,
        call_title: r.get("call_title"),
        title: r.get("title"),
        genre: r.get("genre"),
        group: r.get("group_code"),
        body: r.get("body"),
        status: r.get("status"),
        prize: if published { r.get("prize") } else { String::new() },
        submitted_at: r.get("created_at"),
        editable: c.is_open(now()) && r.get::<String, _>("status") != "rejected",
    })
}

/// The receipt holder changes the work before the deadline; it is screened again.
pub async fn edit(app: &App, code: &str, input: SubmissionInput, ip: &str) -> AppResult<ReceiptStatus> {
    let r = by_receipt(app, code).await?;
    let id: i64 = r.get("id");
    let c = call(app, r.get("call_id")).await?;
    if !c.is_open(now()) {
        return Err(AppError::Conflict(Msg::new("err.call_closed")));
    }
    if r.get::<String, _>("status") == "rejected" {
        return Err(AppError::Conflict(Msg::new("err.work_rejected")));
    }
    let w = check_submission(&c, &input)?;
    let mut tx = app.db.begin().await?;
    let s = screen(&mut tx, &w.body, id).await?;
    let status = if s.words.is_empty() { "submitted" } else { "held" };
    sqlx::query(
        "UPDATE works SET author = $1, contact = $2, guardian = $3, group_code = $4, genre = $5, title = $6, body = $7,
           status = $8, updated_at = $9, contact_idx = $11, consent = $12, consent_at = $9 WHERE id = $10",
    )
    .bind(&w.author)
    .bind(app.db.vault.seal(&w.contact))
    .bind(app.db.vault.seal(&w.guardian))
    .bind(&w.group)
    .bind(&w.genre)
    .bind(&w.title)
    .bind(&w.body)
    .bind(status)
    .bind(now())
    .bind(id)
    .bind(app.db.vault.index(Blind::Contact, &w.contact))
    .bind(&w.consent)
    .execute(&mut *tx)
    .await?;
    store_screening(&mut tx, id, &s).await?;
    audit::record_as(
        &mut tx,
        Who { user_id: None, name: &w.author, ip },
        "work.edit",
        "work",
        id,
        json!({"status": status}),
    )
    .await?;
    tx.commit().await?;
    check(app, code).await
}

/// A work as the department sees it: contact masked, screening results shown.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct WorkRow {
    pub id: i64,
    pub title: String,
    pub author: String,
    pub contact: String,
    pub guardian: String,
    pub group: String,
    pub genre: String,
    pub body: String,
    pub status: String,
    pub words: Vec<WordMatch>,
    pub similar_to: Option<i64>,
    pub similar_title: String,
    /// The share of this work found in the similar one, in thousandths.
    pub similarity: i64,
    /// The passage shared with the similar work, as it stands in this one.
    pub passage: String,
    pub prize: String,
    pub published: bool,
    pub created_at: i64,
}

impl WorkRow {
    /// The text with the sensitive words in `<mark>`, escaped (for the moderation queue).
    pub fn marked_body(&self) -> String {
        let chars: Vec<char> = self.body.chars().collect();
        let mut out = String::new();
        let mut at = 0;
        let esc = |s: String| crate::domain::text::escape_markup(&s);
        for m in &self.words {
            if m.start < at || m.end > chars.len() {
                continue;
            }
            out.push_str(&esc(chars[at..m.start].iter().collect()));
            out.push_str(&format!("<mark>{}</mark>", esc(chars[m.start..m.end].iter().collect())));
            at = m.end;
        }
        out.push_str(&esc(chars[at.min(chars.len())..].iter().collect()));
        out
    }
    pub fn similarity_percent(&self) -> i64 {
        (self.similarity + 5) / 10
    }
}

fn work_row(vault: &Vault, r: &sqlx::any::AnyRow) -> AppResult<WorkRow> {
    let body: String = r.get("body");
    let (ps, pe): (i64, i64) = (r.get("passage_start"), r.get("passage_end"));
    Ok(WorkRow {
        id: r.get("id"),
        title: r.get("title"),
        author: r.get("author"),
        contact: mask_contact(&vault.column(r, "contact")?),
        guardian: vault.column(r, "guardian")?,
        group: r.get("group_code"),
        genre: r.get("genre"),
        passage: body.chars().skip(ps as usize).take((pe - ps).max(0) as usize).collect(),
        body,
        status: r.get("status"),
        words: serde_json::from_str(&r.get::<String, _>("flagged_words")).unwrap_or_default(),
        similar_to: r.get("similar_to"),
        similar_title: r.get::<Option<String>, _>("similar_title").unwrap_or_default(),
        similarity: r.get("similarity"),
        prize: r.get("prize"),
        published: r.get::<i64, _>("published_at") > 0,
        created_at: r.get("created_at"),
    })
}

/// The call's works for the department; `status` filters (held for the moderation queue).
pub async fn works(app: &App, actor: &Actor, call_id: i64, status: Option<&str>) -> AppResult<Vec<WorkRow>> {
    actor.require_organiser()?;
    call(app, call_id).await?;
    sqlx::query(
        "SELECT w.*, s.title AS similar_title FROM works w LEFT JOIN works s ON s.id = w.similar_to
         WHERE w.call_id = $1 AND ($2 = '' OR w.status = $2) ORDER BY w.id",
    )
    .bind(call_id)
    .bind(status.unwrap_or(""))
    .fetch_all(&app.db.pool)
    .await?
    .iter()
    .map(|r| work_row(&app.db.vault, r))
    .collect()
}

/// A moderator releases a held work to the jury, or rejects it.
pub async fn moderate(app: &App, actor: &Actor, work_id: i64, release: bool) -> AppResult<()> {
    actor.require_organiser()?;
    let mut tx = app.db.begin().await?;
    let to = if release { "submitted" } else { "rejected" };
    let n = sqlx::query("UPDATE works SET status = $1, updated_at = $2 WHERE id = $3 AND status = 'held'")
        .bind(to)
        .bind(now())
        .bind(work_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::Conflict(Msg::new("err.work_not_held")));
    }
    audit::record(
        &mut tx,
        actor,
        if release { "work.release" } else { "work.reject" },
        "work",
        work_id,
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn banned_words(app: &App) -> AppResult<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT word FROM banned_words ORDER BY word").fetch_all(&app.db.pool).await?)
}

/// Replaces the sensitive-word dictionary (one word a line).
pub async fn set_banned_words(app: &App, actor: &Actor, text: &str) -> AppResult<usize> {
    actor.require_organiser()?;
    let words: HashSet<String> = text
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty() && l.chars().count() <= 30)
        .collect();
    let mut tx = app.db.begin().await?;
    sqlx::query("DELETE FROM banned_words").execute(&mut *tx).await?;
    for w in &words {
        sqlx::query("INSERT INTO banned_words (word, created_at) VALUES ($1, $2)")
            .bind(w)
            .bind(now())
            .execute(&mut *tx)
            .await?;
    }
    audit::record(&mut tx, actor, "banned_words.set", "banned_words", "", json!({"words": words.len()}))
        .await?;
    tx.commit().await?;
    Ok(words.len())
}

/// A published work kept only for the near-copy check (a known poem, last year's winners).
pub async fn add_reference(tx: &mut Tx, title: &str, author: &str, body: &str) -> AppResult<i64> {
    let t = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO works (author, title, body, status, created_at, updated_at) VALUES ($1, $2, $3, 'reference', $4, $4) RETURNING id",
    )
    .bind(author)
    .bind(title)
    .bind(body)
    .bind(t)
    .fetch_one(&mut **tx)
    .await?;
    let s = screen(tx, body, id).await?;
    store_screening(tx, id, &Screened { words: Vec::new(), similar: None, bands: s.bands }).await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_taken_out_of_submissions() {
        assert_eq!(plain_text("<script>alert(1)</script>清风<b>正气</b> a<b"), "alert(1)清风正气 a<b");
        assert_eq!(sanitise_rules("<p onclick=\"x()\">规则</p><script>x()</script>"), "<p>规则</p>");
    }

    #[test]
    fn contacts_are_phones_or_addresses_and_masked() {
        assert_eq!(valid_contact("13900001234").as_deref(), Some("13900001234"));
        assert_eq!(valid_contact("Zhang@Example.com").as_deref(), Some("zhang@example.com"));
        assert!(valid_contact("zhang at example").is_none());
        assert_eq!(mask_contact("zhang@example.com"), "z***@example.com");
    }
}
