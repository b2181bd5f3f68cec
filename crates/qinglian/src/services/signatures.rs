//! Signatures on study materials (阅后签名) and pledges (承诺书).
//!
//! A drawn signature arrives as strokes (lists of points); the SVG is drawn here, never taken
//! from the client, so nothing a signer sends can become markup. Every signature carries the SM3
//! digest of the text signed and the signature, and a digest chained to the one before it, so an
//! edit or deletion anywhere in the table breaks the chain that `verify_chain` walks.
//!
//! Since scheme 4 the chain holds who signed (name, organisation, phone, address, drawing) only
//! through a digest salted per row: when the retention the organiser set is over, `anonymise`
//! erases those fields and the salt, keeps the digest, and the chain still verifies.

use serde::Serialize;
use serde_json::json;
use sm3::{Digest, Sm3};
use sqlx::Row;

use super::audit::{self, Who};
use super::batch::{BoxFuture, Job};
use super::App;
use crate::db::{now, Engine, Tx};
use crate::domain::format_datetime;
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::vault::{Blind, Vault};

pub const MAX_STROKES: usize = 60;
pub const MAX_POINTS: usize = 6_000;
pub const MAX_STROKES_BYTES: usize = 96 * 1024;
/// The drawing area the pad sends coordinates in.
pub const PAD_WIDTH: f64 = 1000.0;
pub const PAD_HEIGHT: f64 = 400.0;

pub fn sm3_hex(data: &[u8]) -> String {
    hex::encode(Sm3::digest(data))
}

/// A drawn signature: strokes of points on the pad.
#[derive(Debug, Clone, PartialEq)]
pub struct Strokes(pub Vec<Vec<(f64, f64)>>);

impl Strokes {
    /// Parses the pad's JSON (`[[[x, y], …], …]`), refusing empty, oversized or out-of-range input.
    pub fn parse(raw: &str) -> AppResult<Strokes> {
        let bad = |key: &'static str| AppError::invalid("signature", Msg::new(key));
        if raw.len() > MAX_STROKES_BYTES {
            return Err(bad("err.signature_too_large"));
        }
        let strokes: Vec<Vec<[f64; 2]>> =
            serde_json::from_str(raw).map_err(|_| bad("err.signature_empty"))?;
        let strokes: Vec<Vec<(f64, f64)>> = strokes
            .into_iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.into_iter().map(|[x, y]| (x, y)).collect())
            .collect();
        let points: usize = strokes.iter().map(Vec::len).sum();
        if strokes.len() > MAX_STROKES || points > MAX_POINTS {
            return Err(bad("err.signature_too_large"));
        }
        let in_range = |(x, y): &(f64, f64)| {
            x.is_finite() && y.is_finite() && (0.0..=PAD_WIDTH).contains(x) && (0.0..=PAD_HEIGHT).contains(y)
        };
        if !strokes.iter().flatten().all(in_range) {
            return Err(bad("err.signature_empty"));
        }
        // A dot or a stray tap is not a signature.
        let ink: f64 = strokes
            .iter()
            .map(|s| {
                s.windows(2)
                    .map(|w| ((w[1].0 - w[0].0).powi(2) + (w[1].1 - w[0].1).powi(2)).sqrt())
                    .sum::<f64>()
            })
            .sum();
        if ink < 30.0 {
            return Err(bad("err.signature_empty"));
        }
        Ok(Strokes(strokes))
    }

    pub fn svg(&self) -> String {
        let mut d = String::new();
        for stroke in &self.0 {
            for (i, (x, y)) in stroke.iter().enumerate() {
                d.push_str(&format!("{}{:.0} {:.0} ", if i == 0 { "M" } else { "L" }, x, y));
            }
        }
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {PAD_WIDTH} {PAD_HEIGHT}\"><path d=\"{}\" fill=\"none\" stroke=\"#111\" stroke-width=\"6\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/></svg>",
            d.trim_end()
        )
    }
}

/// A typed signature (for those who cannot draw: keyboard and screen-reader users), as SVG text.
pub fn typed_svg(name: &str) -> String {
    let escaped = crate::domain::text::escape_markup(name);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {PAD_WIDTH} {PAD_HEIGHT}\"><text x=\"500\" y=\"240\" font-size=\"140\" text-anchor=\"middle\" font-family=\"serif\">{escaped}</text></svg>"
    )
}

/// Names and organisations as people write them; markup is refused outright.
pub fn check_plain(field: &'static str, raw: &str, max: usize, required: bool) -> AppResult<String> {
    let s = crate::domain::text::normalize(raw);
    if s.chars().any(|c| matches!(c, '<' | '>' | '"' | '`' | '\\') || c.is_control()) {
        return Err(AppError::invalid(field, Msg::new("err.plain_text")));
    }
    if required && s.is_empty() {
        return Err(AppError::invalid(field, Msg::new("err.required")));
    }
    if s.chars().count() > max {
        return Err(AppError::invalid(field, Msg::new("err.too_long").arg("max", max)));
    }
    Ok(s)
}

/// A signature to append to the chain.
pub struct NewSignature {
    pub subject: &'static str,
    pub subject_id: i64,
    pub version: i64,
    pub signer_key: String,
    pub person_id: Option<i64>,
    pub name: String,
    pub org: String,
    pub phone: String,
    pub method: &'static str,
    pub svg: String,
    /// The text signed, for the content digest.
    pub text: String,
    pub ip: String,
    pub by_user: Option<(i64, String)>,
    /// When it was signed; now, unless records of the past are being loaded (the demo).
    pub signed_at: Option<i64>,
    /// The privacy notice a public signer agreed to (`privacy::Form::notice`), else empty.
    pub consent: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Signed {
    pub id: i64,
    /// Verification code, printed on the signed copy.
    pub code: String,
    pub signed_at: i64,
}

/// The first scheme's text: what chains written before texts were kept still verify against.
fn canonical_v1(prev: &str, s: &NewSignature, signed_at: i64, code: &str, content: &str) -> String {
    format!(
        "{prev}|{}|{}|{}|{}|{}|{}|{}|{}|{signed_at}|{code}|{content}|{}",
        s.subject,
        s.subject_id,
        s.version,
        s.signer_key,
        s.name,
        s.org,
        s.phone,
        s.method,
        sm3_hex(s.svg.as_bytes())
    )
}

/// Scheme 2: every field that says who signed what, when and from where, each prefixed by its
/// length so no two rows can read the same, and the digest of the text and signature.
fn canonical(
    prev: &str,
    s: &NewSignature,
    (text_id, version): (i64, i64),
    signed_at: i64,
    code: &str,
    content: &str,
) -> String {
    let mut fields = what_was_signed(prev, s, (text_id, version));
    fields.extend([
        s.signer_key.clone(),
        s.person_id.map(|p| p.to_string()).unwrap_or_default(),
        s.name.clone(),
        s.org.clone(),
        s.phone.clone(),
        s.method.to_string(),
        signed_at.to_string(),
        s.ip.clone(),
        code.to_string(),
        content.to_string(),
    ]);
    length_prefixed(&fields)
}

/// The link and what a signature signed: the fields every scheme since 2 begins with.
fn what_was_signed(prev: &str, s: &NewSignature, (text_id, version): (i64, i64)) -> Vec<String> {
    vec![
        prev.to_string(),
        s.subject.to_string(),
        s.subject_id.to_string(),
        version.to_string(),
        text_id.to_string(),
    ]
}

/// Scheme 4: what was signed, when and how, with who signed it only as `personal`, the salted
/// digest `personal_digest` gives.
fn canonical_v4(
    prev: &str,
    s: &NewSignature,
    (text_id, version): (i64, i64),
    signed_at: i64,
    code: &str,
    personal: &str,
) -> String {
    let mut fields = what_was_signed(prev, s, (text_id, version));
    fields.extend([
        s.method.to_string(),
        signed_at.to_string(),
        code.to_string(),
        s.consent.clone(),
        personal.to_string(),
    ]);
    length_prefixed(&fields)
}

/// Who signed, and the drawing, digested after a random salt: without the salt (erased with the
/// fields on anonymisation) no guess at a name or phone can be checked against it.
fn personal_digest(salt: &str, s: &NewSignature, content: &str) -> String {
    let fields = [
        salt.to_string(),
        s.signer_key.clone(),
        s.person_id.map(|p| p.to_string()).unwrap_or_default(),
        s.name.clone(),
        s.org.clone(),
        s.phone.clone(),
        s.ip.clone(),
        content.to_string(),
    ];
    sm3_hex(length_prefixed(&fields).as_bytes())
}

/// Fields joined for a digest, each after its length, so no choice of values can make two rows
/// read the same.
pub(crate) fn length_prefixed(fields: &[String]) -> String {
    fields.iter().map(|f| format!("{}:{f}", f.len())).collect::<Vec<_>>().join("|")
}

/// The digest of what was signed: the text and the signature's drawing.
fn content_digest(text: &str, svg: &str) -> String {
    sm3_hex(format!("{text}\n{svg}").as_bytes())
}

/// The kept text a signature signs: found by its digest, or stored as the subject's next version.
async fn signed_text(tx: &mut Tx, s: &NewSignature) -> AppResult<(i64, i64)> {
    let digest = sm3_hex(s.text.as_bytes());
    let key = (s.subject, s.subject_id, digest);
    if let Some(kept) = tx.batch.as_ref().and_then(|d| d.texts.get(&key)) {
        return Ok(*kept);
    }
    let kept = find_or_keep_text(tx, s, &key.2).await?;
    if let Some(d) = tx.batch.as_mut() {
        d.texts.insert(key, kept);
    }
    Ok(kept)
}

async fn find_or_keep_text(tx: &mut Tx, s: &NewSignature, digest: &str) -> AppResult<(i64, i64)> {
    let found: Option<(i64, i64)> = sqlx::query_as(
        "SELECT id, version FROM signed_texts WHERE subject = $1 AND subject_id = $2 AND digest = $3",
    )
    .bind(s.subject)
    .bind(s.subject_id)
    .bind(digest)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(found) = found {
        return Ok(found);
    }
    Ok(sqlx::query_as(
        "INSERT INTO signed_texts (subject, subject_id, version, digest, text, created_at)
         VALUES ($1, $2, (SELECT COALESCE(MAX(version), 0) + 1 FROM signed_texts WHERE subject = $1 AND subject_id = $2), $3, $4, $5)
         RETURNING id, version",
    )
    .bind(s.subject)
    .bind(s.subject_id)
    .bind(digest)
    .bind(&s.text)
    .bind(now())
    .fetch_one(&mut **tx)
    .await?)
}

/// Keeps `text` as version `version` of the subject, unless that text is kept already (a
/// correction back to an earlier wording signs the earlier version again).
pub(crate) async fn keep_text(
    tx: &mut Tx,
    subject: &str,
    id: i64,
    version: i64,
    text: &str,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO signed_texts (subject, subject_id, version, digest, text, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (subject, subject_id, digest) DO NOTHING",
    )
    .bind(subject)
    .bind(id)
    .bind(version)
    .bind(sm3_hex(text.as_bytes()))
    .bind(text)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves the chain's head to `digest`, in the transaction that appended it.
pub(crate) async fn move_head(tx: &mut Tx, digest: &str) -> AppResult<()> {
    sqlx::query("UPDATE chain_head SET digest = $1 WHERE id = 1").bind(digest).execute(&mut **tx).await?;
    Ok(())
}

/// Texts kept before their digests were: digested once, at start.
pub async fn digest_legacy_texts(db: &crate::db::Db) -> AppResult<()> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, text FROM signed_texts WHERE digest = ''").fetch_all(&db.pool).await?;
    for (id, text) in rows {
        sqlx::query("UPDATE signed_texts SET digest = $1 WHERE id = $2")
            .bind(sm3_hex(text.as_bytes()))
            .bind(id)
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}

fn new_code() -> String {
    super::auth::readable_code(12)
}

async fn append(tx: &mut Tx, s: &NewSignature) -> AppResult<Signed> {
    // The chain's head is read and moved in this transaction; on PostgreSQL the row lock orders
    // concurrent signers (SQLite has one writer anyway). A batch reads it once, carries it from
    // job to job and writes it at its end.
    let prev = match tx.batch.as_ref().and_then(|d| d.signature_head.clone()) {
        Some(head) => head,
        None => {
            let lock = if tx.engine == Engine::Postgres { " FOR UPDATE" } else { "" };
            sqlx::query_scalar(&format!("SELECT digest FROM chain_head WHERE id = 1{lock}"))
                .fetch_one(&mut **tx)
                .await?
        }
    };
    if s.subject == "pledge" && !super::pledges::open_in(tx, s.subject_id).await? {
        return Err(AppError::Conflict(Msg::new("err.pledge_closed")));
    }
    let signed_at = s.signed_at.unwrap_or_else(now);
    let code = new_code();
    // The version is the kept text's, whatever the caller assumed.
    let (text_id, version) = signed_text(tx, s).await?;
    let content = content_digest(&s.text, &s.svg);
    let salt = hex::encode(rand::random::<[u8; 16]>());
    let personal = personal_digest(&salt, s, &content);
    let digest = sm3_hex(canonical_v4(&prev, s, (text_id, version), signed_at, &code, &personal).as_bytes());
    // Refused by either key: the signer's own (`signer_key`), or a signature already counted for
    // the same person (a duplicate merged into him signed it under its own record).
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO signatures (subject, subject_id, version, signer_key, person_id, name, org, phone, method, svg, signed_at, ip,
            code, content_digest, prev_digest, digest, scheme, text_id, counted_for, phone_idx, ip_idx, consent, salt, personal_digest)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 4, $17, $5, $18, $19, $20, $21, $22)
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(s.subject)
    .bind(s.subject_id)
    .bind(version)
    .bind(&s.signer_key)
    .bind(s.person_id)
    .bind(&s.name)
    .bind(&s.org)
    .bind(tx.vault.seal(&s.phone))
    .bind(s.method)
    .bind(&s.svg)
    .bind(signed_at)
    .bind(tx.vault.seal(&s.ip))
    .bind(&code)
    .bind(&content)
    .bind(&prev)
    .bind(&digest)
    .bind(text_id)
    .bind(tx.vault.index(Blind::Phone, &s.phone))
    .bind(tx.vault.index(Blind::Ip, &s.ip))
    .bind(&s.consent)
    .bind(&salt)
    .bind(&personal)
    .fetch_optional(&mut **tx)
    .await?;
    let id = id.ok_or_else(|| AppError::Conflict(Msg::new("err.already_signed")))?;
    match tx.batch.as_mut() {
        Some(deferred) => deferred.signature_head = Some(digest.clone()),
        None => move_head(tx, &digest).await?,
    }
    if s.subject == "pledge" {
        match tx.batch.as_mut() {
            Some(deferred) => deferred.pledges_signed.push(s.subject_id),
            None => super::pledges::count_signed(tx, vec![s.subject_id]).await?,
        }
    }
    let who = Who {
        user_id: s.by_user.as_ref().map(|b| b.0),
        name: s.by_user.as_ref().map(|b| b.1.as_str()).unwrap_or(&s.name),
        ip: &s.ip,
    };
    audit::record_as(
        tx,
        who,
        &format!("{}.sign", s.subject),
        s.subject,
        s.subject_id,
        // The audit chain anchors this one: its latest signing entry names the head.
        json!({"signature": id, "method": s.method, "digest": digest}),
    )
    .await?;
    Ok(Signed { id, code, signed_at })
}

impl Job for NewSignature {
    type Out = Signed;
    fn record<'a>(&'a self, tx: &'a mut Tx) -> BoxFuture<'a, AppResult<Signed>> {
        Box::pin(append(tx, self))
    }
}

/// Appends a signature (group-committed on SQLite); answered only once it is durable.
pub async fn sign(app: &App, s: NewSignature) -> AppResult<Signed> {
    app.signatures.submit(s).await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChainReport {
    pub signatures: i64,
    pub intact: bool,
    /// The first signature whose digest or link does not hold, if any.
    pub broken_at: Option<i64>,
    pub head: String,
    /// What failed, in words, when something did.
    pub problem: Option<String>,
}

/// A stored signature with its kept text, as `recompute` reads it.
const STORED: &str =
    "SELECT s.id, s.subject, s.subject_id, s.version, s.signer_key, s.person_id, s.name, s.org, s.phone, s.method, s.svg,
            s.signed_at, s.ip, s.code, s.content_digest, s.prev_digest, s.digest, s.scheme, s.text_id, s.withdrawn_at,
            s.consent, s.salt, s.personal_digest, s.anonymised_at, t.text
     FROM signatures s LEFT JOIN signed_texts t ON t.id = s.text_id";

/// Recomputes a stored signature's digest after `prev` from its fields and kept text; the
/// reason, when the row does not hold.
fn recompute(vault: &Vault, r: &sqlx::any::AnyRow, prev: &str) -> Result<String, &'static str> {
    let scheme: i64 = r.get("scheme");
    if r.get::<i64, _>("anonymised_at") != 0 && scheme < 4 {
        // Chained over the fields themselves, erased since: only its place in the chain is left.
        let digest: String = r.get("digest");
        return if r.get::<String, _>("prev_digest") == prev {
            Ok(digest)
        } else {
            Err("a signature's fields or its link to the one before were changed")
        };
    }
    let stored_subject: String = r.get("subject");
    let stored_method: String = r.get("method");
    let unsealed = |column| vault.column(r, column).map_err(|_| "a sealed phone or address does not open");
    let (phone, ip) = (unsealed("phone")?, unsealed("ip")?);
    let signer_key: String = r.get("signer_key");
    // Before scheme 3 a public signer's key was his phone itself; sealing replaced it with the
    // phone's blind index, and the digest was taken over the old key.
    let signer_key =
        if scheme < 3 && signer_key.starts_with("x:") { format!("x:{phone}") } else { signer_key };
    let s = NewSignature {
        subject: if stored_subject == "pledge" { "pledge" } else { "material" },
        subject_id: r.get("subject_id"),
        version: r.get("version"),
        signer_key,
        person_id: r.get("person_id"),
        name: r.get("name"),
        org: r.get("org"),
        phone,
        method: match stored_method.as_str() {
            "drawn" => "drawn",
            "typed" => "typed",
            _ => "paper",
        },
        svg: r.get("svg"),
        text: r.get::<Option<String>, _>("text").unwrap_or_default(),
        ip,
        by_user: None,
        signed_at: None,
        consent: r.get("consent"),
    };
    let (signed_at, code): (i64, String) = (r.get("signed_at"), r.get("code"));
    let stored_content: String = r.get("content_digest");
    let text_id = r.get::<Option<i64>, _>("text_id").unwrap_or_default();
    let digest = if scheme >= 4 {
        let stored_personal: String = r.get("personal_digest");
        if r.get::<i64, _>("anonymised_at") == 0 {
            let content = content_digest(&s.text, &s.svg);
            let salt: String = r.get("salt");
            if content != stored_content || personal_digest(&salt, &s, &content) != stored_personal {
                return Err("the text or the signature differs from what was signed");
            }
        }
        sm3_hex(canonical_v4(prev, &s, (text_id, s.version), signed_at, &code, &stored_personal).as_bytes())
    } else if scheme >= 2 {
        let content = content_digest(&s.text, &s.svg);
        if content != stored_content {
            return Err("the text or the signature differs from what was signed");
        }
        sm3_hex(canonical(prev, &s, (text_id, s.version), signed_at, &code, &content).as_bytes())
    } else {
        sm3_hex(canonical_v1(prev, &s, signed_at, &code, &stored_content).as_bytes())
    };
    if digest != r.get::<String, _>("digest")
        || r.get::<String, _>("prev_digest") != prev
        || stored_subject != s.subject
        || stored_method != s.method
    {
        return Err("a signature's fields or its link to the one before were changed");
    }
    Ok(digest)
}

/// Walks the whole chain, recomputing every digest from the stored fields and the kept text, then
/// checks it against the audit chain: the latest signing entry there must name this chain's head
/// and there must be one per signature (so a truncated tail shows), and every withdrawal must be
/// one the audit log records.
pub async fn verify_chain(app: &App) -> AppResult<ChainReport> {
    let mut prev = "0".repeat(64);
    let mut after = 0i64;
    let mut count = 0i64;
    let mut broken: Option<(i64, &str)> = None;
    'pages: loop {
        let rows = sqlx::query(&format!("{STORED} WHERE s.id > $1 ORDER BY s.id LIMIT 5000"))
            .bind(after)
            .fetch_all(&app.db.pool)
            .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let id: i64 = r.get("id");
            count += 1;
            let digest = match recompute(&app.db.vault, r, &prev) {
                Ok(d) => d,
                Err(problem) => {
                    broken = Some((id, problem));
                    break 'pages;
                }
            };
            prev = digest;
            after = id;
        }
    }
    let head: String =
        sqlx::query_scalar("SELECT digest FROM chain_head WHERE id = 1").fetch_one(&app.db.pool).await?;
    if broken.is_none() && head != prev {
        broken = Some((after, "the chain's head does not match its last signature"));
    }
    if broken.is_none() {
        broken = anchor_problem(app, &prev, after).await?;
    }
    Ok(ChainReport {
        signatures: count,
        intact: broken.is_none(),
        broken_at: broken.map(|b| b.0),
        head,
        problem: broken.map(|b| b.1.to_string()),
    })
}

/// The signature chain read against the audit chain (see `verify_chain`).
async fn anchor_problem(
    app: &App,
    last_digest: &str,
    last_id: i64,
) -> AppResult<Option<(i64, &'static str)>> {
    // One pass over the signing entries that name a digest: how many, and the latest one's.
    let (logged, latest, chained): (i64, Option<String>, i64) = sqlx::query_as(
        "WITH signed AS (SELECT id, detail FROM audit_log
                         WHERE action IN ('pledge.sign', 'material.sign') AND detail LIKE '%\"digest\"%')
         SELECT (SELECT COUNT(*) FROM signed), (SELECT detail FROM signed ORDER BY id DESC LIMIT 1),
                (SELECT COUNT(*) FROM signatures WHERE scheme >= 2)",
    )
    .fetch_one(&app.db.pool)
    .await?;
    let latest = latest
        .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
        .and_then(|v| v["digest"].as_str().map(str::to_string));
    if logged != chained || (logged > 0 && latest.as_deref() != Some(last_digest)) {
        return Ok(Some((last_id, "signatures recorded in the audit log are missing from the chain")));
    }
    let unexplained: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(s.id) FROM signatures s WHERE (s.withdrawn_at <> 0) <> EXISTS
           (SELECT 1 FROM audit_log a WHERE a.action = 'signature.withdraw' AND a.entity = 'signature' AND a.entity_id = CAST(s.id AS TEXT))",
    )
    .fetch_one(&app.db.pool)
    .await?;
    Ok(unexplained.map(|id| (id, "a withdrawal that the audit log does not record")))
}

/// A signature as its verification page shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SignatureView {
    pub code: String,
    pub subject: String,
    pub subject_id: i64,
    /// The version of the text signed; a later correction does not change it.
    pub version: i64,
    pub title: String,
    /// Masked on the public page.
    pub name: String,
    pub org: String,
    pub signed_at: i64,
    pub withdrawn: bool,
    /// Who signed was erased when the retention set for it was over; the record still verifies.
    pub anonymised: bool,
    /// Whether the record still matches its digest (false: altered since it was signed).
    pub genuine: bool,
    #[serde(skip)]
    pub svg: String,
    #[serde(skip)]
    pub text: String,
    #[serde(skip)]
    pub full_name: String,
}

impl SignatureView {
    pub fn time(&self) -> String {
        format_datetime(self.signed_at)
    }
}

pub async fn by_code(app: &App, code: &str) -> AppResult<SignatureView> {
    let code = code.trim().to_uppercase();
    let r = sqlx::query(&format!("{STORED} WHERE s.code = $1"))
        .bind(&code)
        .fetch_optional(&app.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    // The row must hold on its own: its fields and kept text give its digest.
    let genuine = recompute(&app.db.vault, &r, &r.get::<String, _>("prev_digest")).is_ok();
    let name: String = r.get("name");
    // The text as signed: its first line is the title.
    let text = r.get::<Option<String>, _>("text").unwrap_or_default();
    let (title, body) = text.split_once('\n').unwrap_or((&text, ""));
    Ok(SignatureView {
        code: r.get("code"),
        subject: r.get("subject"),
        subject_id: r.get("subject_id"),
        version: r.get("version"),
        title: title.to_string(),
        name: super::series::mask_name(&name),
        org: r.get("org"),
        signed_at: r.get("signed_at"),
        withdrawn: r.get::<i64, _>("withdrawn_at") != 0,
        anonymised: r.get::<i64, _>("anonymised_at") != 0,
        genuine,
        svg: r.get("svg"),
        text: body.to_string(),
        full_name: name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strokes_become_svg() {
        let s = Strokes::parse("[[[10,10],[200,50],[400,300]],[[500,100],[900,100]]]").unwrap();
        let svg = s.svg();
        assert!(svg.starts_with("<svg") && svg.contains("M10 10 L200 50 L400 300 M500 100 L900 100"));
    }

    #[test]
    fn empty_huge_and_out_of_range_signatures_are_refused() {
        assert!(Strokes::parse("[]").is_err());
        assert!(Strokes::parse("[[[10,10]]]").is_err(), "a dot");
        assert!(Strokes::parse("[[[10,10],[20000,10]]]").is_err());
        assert!(Strokes::parse("<svg onload=alert(1)>").is_err());
        let many: Vec<String> = (0..61).map(|i| format!("[[{i},1],[{i},300]]")).collect();
        assert!(Strokes::parse(&format!("[{}]", many.join(","))).is_err());
    }

    #[test]
    fn markup_in_names_is_refused() {
        assert!(check_plain("name", "<script>alert(1)</script>", 50, true).is_err());
        assert_eq!(check_plain("name", "　张 三 ", 50, true).unwrap(), "张 三");
    }

    #[test]
    fn sm3_matches_the_standard_example() {
        // GB/T 32905-2016, example 1: "abc".
        assert_eq!(sm3_hex(b"abc"), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    }
}
