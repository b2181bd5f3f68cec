//! Pledges (承诺书): a text that people sign — party members at their theme party day, staff of
//! the approval bureau, private entrepreneurs from a public link. One signature per person (or
//! phone) per pledge; withdrawal only by an administrator; a public wall of signers.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::audience::Audience;
use super::filter::Where;
use super::privacy::{self, Form};
use super::revisions::{campaign_open, check_seen, next_version, refusal, signed_text};
use super::signatures::{self, check_plain, NewSignature, Signed, Strokes};
use super::{audit, clean_text, Actor, App};
use crate::db::{now, Tx};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::vault::Blind;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PledgeInput {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[schema(min_length = 1, max_length = 10000)]
    pub body: String,
    pub host_unit_id: i64,
    pub activity_id: Option<i64>,
    /// Anyone may sign with name, organisation and phone.
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub audience: Audience,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Pledge {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub host_unit_id: i64,
    pub host_unit_name: String,
    pub activity_id: Option<i64>,
    pub public: bool,
    pub status: String,
    pub signature_count: i64,
    /// Raised by each correction of the wording.
    pub version: i64,
    pub audience: Audience,
    pub ledger_entry_id: Option<i64>,
    #[serde(skip)]
    pub host_path: String,
    #[serde(skip)]
    audience_path: Option<String>,
    #[serde(skip)]
    created_at: i64,
}

impl Pledge {
    pub(crate) fn audience_sql(&self, w: &mut Where) -> String {
        let named = super::audience::PLEDGE.subquery(self.id);
        self.audience.condition(self.audience_path.as_deref(), &named, self.created_at, w)
    }
}

pub async fn create(app: &App, actor: &Actor, input: PledgeInput) -> AppResult<i64> {
    let title = clean_text("title", &input.title, 200, true)?;
    let body = clean_text("body", &input.body, 10_000, true)?;
    let host = super::units::get(app, input.host_unit_id)
        .await
        .map_err(|_| AppError::invalid("host_unit_id", Msg::new("err.unit_unknown")))?;
    if !actor.covers(&host.path) {
        return Err(AppError::Forbidden);
    }
    let mut tx = app.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO pledges (activity_id, host_unit_id, title, body, public, audience_unit_id, audience_ranks, audience_party, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(input.activity_id)
    .bind(input.host_unit_id)
    .bind(&title)
    .bind(&body)
    .bind(input.public as i64)
    .bind(input.audience.unit_id)
    .bind(input.audience.ranks_text())
    .bind(input.audience.party_column())
    .bind(actor.user_id)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    super::audience::PLEDGE.save(&mut tx, id, &input.audience.person_ids).await?;
    audit::record(
        &mut tx,
        actor,
        "pledge.create",
        "pledge",
        id,
        json!({"title": title, "public": input.public}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A correction of a pledge's wording: a new version (see `revisions`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PledgeRevision {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[schema(min_length = 1, max_length = 10000)]
    pub body: String,
    /// The version the correction was made from; another correction in between is refused.
    pub version: i64,
}

/// Corrects a pledge's wording; returns its version now.
pub async fn revise(app: &App, actor: &Actor, id: i64, input: PledgeRevision) -> AppResult<i64> {
    let before = get(app, id).await?;
    if !actor.covers(&before.host_path) {
        return Err(AppError::Forbidden);
    }
    let title = clean_text("title", &input.title, 200, true)?;
    let body = clean_text("body", &input.body, 10_000, true)?;
    let mut tx = app.db.begin().await?;
    let texts = (signed_text(&before.title, &before.body), signed_text(&title, &body));
    let version = next_version(&mut tx, "pledge", id, input.version, (&texts.0, &texts.1)).await?;
    let changed = sqlx::query(&format!(
        "UPDATE pledges SET title = $1, body = $2, version = $3 WHERE id = $4 AND version = $5 AND {}",
        campaign_open("pledges")
    ))
    .bind(&title)
    .bind(&body)
    .bind(version)
    .bind(id)
    .bind(input.version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(refusal(app, before.activity_id).await?);
    }
    let was = json!({"title": before.title, "body": before.body, "version": before.version});
    let now = json!({"title": title, "body": body, "version": version});
    audit::record(&mut tx, actor, "pledge.revise", "pledge", id, audit::changes(was, now)).await?;
    tx.commit().await?;
    app.pledges.forget(id);
    Ok(version)
}

/// The pledge with the wordings kept, for those who run it (or see the whole campaign).
pub async fn with_versions(
    app: &App,
    actor: &Actor,
    id: i64,
) -> AppResult<(Pledge, Vec<super::revisions::Version>)> {
    let p = get(app, id).await?;
    if !actor.covers(&p.host_path) && !actor.campaign_wide() {
        return Err(AppError::NotFound);
    }
    let versions = super::revisions::history(app, "pledge", id).await?;
    Ok((p, versions))
}

pub async fn get(app: &App, id: i64) -> AppResult<Pledge> {
    let r = sqlx::query(
        "SELECT g.*, h.name AS host_name, h.path AS host_path, au.path AS audience_path
         FROM pledges g JOIN units h ON h.id = g.host_unit_id LEFT JOIN units au ON au.id = g.audience_unit_id WHERE g.id = $1",
    )
    .bind(id)
    .fetch_optional(&app.db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let invitees = super::audience::PLEDGE.load(&app.db.pool, id).await?;
    Ok(Pledge {
        id,
        title: r.get("title"),
        body: r.get("body"),
        host_unit_id: r.get("host_unit_id"),
        host_unit_name: r.get("host_name"),
        activity_id: r.get("activity_id"),
        public: r.get::<i64, _>("public") != 0,
        status: r.get("status"),
        signature_count: r.get("signature_count"),
        version: r.get("version"),
        ledger_entry_id: r.get("ledger_entry_id"),
        audience: Audience::from_row(&r, invitees),
        host_path: r.get("host_path"),
        audience_path: r.get("audience_path"),
        created_at: r.get("created_at"),
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PledgeRow {
    pub id: i64,
    pub title: String,
    pub public: bool,
    pub status: String,
    pub signature_count: i64,
}

pub async fn list(app: &App) -> AppResult<Vec<PledgeRow>> {
    Ok(sqlx::query("SELECT id, title, public, status, signature_count FROM pledges ORDER BY id")
        .fetch_all(&app.db.pool)
        .await?
        .iter()
        .map(|r| PledgeRow {
            id: r.get("id"),
            title: r.get("title"),
            public: r.get::<i64, _>("public") != 0,
            status: r.get("status"),
            signature_count: r.get("signature_count"),
        })
        .collect())
}

/// What a signer submits.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SignInput {
    /// A public pledge's signer; for a pledge addressed to an audience, the account's person.
    #[serde(default)]
    pub name: String,
    /// Unit or company.
    #[serde(default)]
    pub org: String,
    #[serde(default)]
    pub phone: String,
    /// The drawn signature: `[[[x, y], …], …]` on a 1000 × 400 pad.
    #[serde(default)]
    pub strokes: String,
    /// Or the name typed as a signature (for those who cannot draw).
    #[serde(default)]
    pub typed: bool,
    /// The version the signer was shown; a signature on an earlier one is refused.
    #[serde(default)]
    pub version: Option<i64>,
    /// A public pledge's signer agrees to the privacy notice (`GET /api/v1/privacy/notices`).
    #[serde(default)]
    pub consent: bool,
    /// The notice the signer was shown (`pledge/1`); refused when it is no longer the one in force.
    #[serde(default)]
    pub notice: Option<String>,
}

/// The SVG of a signature: drawn strokes, or the typed name when asked for.
pub(crate) fn signature_svg(name: &str, strokes: &str, typed: bool) -> AppResult<(String, &'static str)> {
    if typed && strokes.trim().is_empty() {
        return Ok((signatures::typed_svg(name), "typed"));
    }
    Ok((Strokes::parse(strokes)?.svg(), "drawn"))
}

/// Limits on public signing, counted from the signatures themselves so every server agrees.
async fn check_rate(app: &App, ip: &str, phone_idx: &str) -> AppResult<()> {
    let per_minute = app.config.public_signatures_per_minute;
    if per_minute == 0 {
        return Ok(());
    }
    let since = now() - 60;
    let from_ip: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM signatures WHERE ip_idx = $1 AND signed_at >= $2")
            .bind(app.db.vault.index(Blind::Ip, ip))
            .bind(since)
            .fetch_one(&app.db.pool)
            .await?;
    let from_phone: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM signatures WHERE phone_idx = $1 AND signed_at >= $2")
            .bind(phone_idx)
            .bind(since)
            .fetch_one(&app.db.pool)
            .await?;
    if from_ip >= per_minute || from_phone >= 5 {
        return Err(AppError::TooMany(Msg::new("err.signing_too_fast")));
    }
    Ok(())
}

/// Signs a pledge: the public with name, organisation and phone; a pledge addressed to an
/// audience by the signed-in people it asks.
pub async fn sign(
    app: &App,
    pledge_id: i64,
    input: SignInput,
    actor: Option<&Actor>,
    ip: &str,
) -> AppResult<Signed> {
    // Read as this server saw it a moment ago; whether it is still open is asked again in the
    // signature's transaction.
    let mut p = app.pledges.get(pledge_id, get(app, pledge_id)).await?;
    if input.version.is_some_and(|v| v != p.version) {
        // The signer was shown another version than this server kept a moment ago: ask afresh,
        // since another server may have corrected it just now.
        app.pledges.forget(pledge_id);
        p = app.pledges.get(pledge_id, get(app, pledge_id)).await?;
    }
    if p.status != "open" {
        return Err(AppError::Conflict(Msg::new("err.pledge_closed")));
    }
    check_seen(input.version, p.version)?;
    // A pledge addressed to an audience is signed only by a signed-in member of it, as the
    // person his account is linked to; what he typed is not looked up, so nothing here tells
    // anyone whether a name or a phone is on the roster.
    let invited = if p.public {
        None
    } else {
        let actor = actor.ok_or_else(|| AppError::Conflict(Msg::new("err.pledge_sign_in")))?;
        let person = super::audience::linked_person(&app.db, actor.user_id, |w| p.audience_sql(w)).await?;
        let invited = person.and_then(|m| Some((m.id, m.name, m.phone?)));
        Some(invited.ok_or_else(|| AppError::Conflict(Msg::new("err.not_invited")))?)
    };
    let mut errors = Vec::new();
    let mut keep =
        |r: AppResult<String>| r.map_err(|e| errors.extend(e.fields().to_vec())).unwrap_or_default();
    let (name, phone) = match &invited {
        Some((_, name, phone)) => (name.clone(), Some(phone.clone())),
        None => (
            keep(check_plain("person_name", &input.name, 50, true)),
            crate::domain::parse_phone(&input.phone),
        ),
    };
    let org = keep(check_plain("org", &input.org, 100, p.public));
    let consent = match invited {
        None => keep(privacy::consent(Form::Pledge, input.consent, input.notice.as_deref())),
        Some(_) => String::new(),
    };
    if phone.is_none() {
        errors.push(crate::error::FieldError { field: "phone".into(), msg: Msg::new("err.phone") });
    }
    let svg = signature_svg(&name, &input.strokes, input.typed)
        .map_err(|e| errors.extend(e.fields().to_vec()))
        .ok();
    let (Some(phone), Some((svg, method)), true) = (phone, svg, errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let (signer_key, person_id) = match invited {
        None => {
            // One index of the phone serves the rate limit and the one signature per phone.
            let phone_idx = app.db.vault.index(Blind::Phone, &phone);
            check_rate(app, ip, &phone_idx).await?;
            (format!("x:{phone_idx}"), None)
        }
        Some((person, _, _)) => (format!("p:{person}"), Some(person)),
    };
    let job = NewSignature {
        subject: "pledge",
        subject_id: p.id,
        version: p.version,
        signer_key,
        person_id,
        name,
        org,
        phone,
        method,
        svg,
        text: signed_text(&p.title, &p.body),
        ip: ip.to_string(),
        by_user: actor.map(|a| (a.user_id, a.username.clone())),
        signed_at: None,
        consent,
    };
    signatures::sign(app, job).await
}

/// Whether pledge `id` takes signatures, as the transaction sees it; a batch asks once.
pub(crate) async fn open_in(tx: &mut Tx, id: i64) -> AppResult<bool> {
    if let Some(open) = tx.batch.as_ref().and_then(|d| d.pledges_open.get(&id)) {
        return Ok(*open);
    }
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM pledges WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    let open = status.as_deref() == Some("open");
    if let Some(d) = tx.batch.as_mut() {
        d.pledges_open.insert(id, open);
    }
    Ok(open)
}

/// Adds the signatures just appended to their pledges' counts: one statement per pledge.
pub(crate) async fn count_signed(tx: &mut Tx, mut signed: Vec<i64>) -> AppResult<()> {
    signed.sort_unstable();
    for group in signed.chunk_by(|a, b| a == b) {
        sqlx::query("UPDATE pledges SET signature_count = signature_count + $1 WHERE id = $2")
            .bind(group.len() as i64)
            .bind(group[0])
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Withdraws a signature: administrators only, recorded in the audit log; the signature stays
/// in the chain, marked withdrawn.
pub async fn withdraw(app: &App, actor: &Actor, code: &str, reason: &str) -> AppResult<()> {
    actor.require_admin()?;
    let reason = clean_text("reason", reason, 500, true)?;
    let mut tx = app.db.begin().await?;
    let row =
        sqlx::query("SELECT id, subject, subject_id FROM signatures WHERE code = $1 AND withdrawn_at = 0")
            .bind(code.trim().to_uppercase())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(AppError::NotFound)?;
    let (id, subject, subject_id): (i64, String, i64) =
        (row.get("id"), row.get("subject"), row.get("subject_id"));
    sqlx::query("UPDATE signatures SET withdrawn_at = $1, withdrawn_by = $2 WHERE id = $3")
        .bind(now())
        .bind(actor.user_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if subject == "pledge" {
        sqlx::query("UPDATE pledges SET signature_count = signature_count - 1 WHERE id = $1")
            .bind(subject_id)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(&mut tx, actor, "signature.withdraw", "signature", id, json!({"reason": reason})).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_status(app: &App, actor: &Actor, id: i64, open: bool) -> AppResult<()> {
    let p = get(app, id).await?;
    if !actor.covers(&p.host_path) {
        return Err(AppError::Forbidden);
    }
    let mut tx = app.db.begin().await?;
    sqlx::query("UPDATE pledges SET status = $1 WHERE id = $2")
        .bind(if open { "open" } else { "closed" })
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(&mut tx, actor, if open { "pledge.open" } else { "pledge.close" }, "pledge", id, json!({}))
        .await?;
    tx.commit().await?;
    app.pledges.forget(id);
    Ok(())
}

/// For a pledge addressed to an audience: signed per unit and per rank, who has not signed.
pub async fn progress(app: &App, actor: &Actor, id: i64) -> AppResult<super::reach::Progress> {
    let p = get(app, id).await?;
    if !actor.covers(&p.host_path) && !actor.campaign_wide() {
        return Err(AppError::NotFound);
    }
    if p.public {
        return Err(AppError::Conflict(Msg::new("err.public_no_audience")));
    }
    let audience = |w: &mut Where| p.audience_sql(w);
    super::reach::progress(
        app,
        &super::reach::Subject { kind: "pledge", id, audience: &audience, online: None },
    )
    .await
}

/// Files the host unit's ledger entry for the pledge's activity: how many signed (the public
/// count for a public pledge).
pub async fn file_ledger(app: &App, actor: &Actor, id: i64) -> AppResult<i64> {
    let p = get(app, id).await?;
    if !actor.covers(&p.host_path) {
        return Err(AppError::Forbidden);
    }
    let reach = if p.public {
        let totals = super::reach::Group {
            name: String::new(),
            expected: p.signature_count,
            delivered: 0,
            opened: 0,
            signed: p.signature_count,
        };
        super::reach::Progress { totals, units: Vec::new(), ranks: Vec::new(), unsigned: Vec::new() }
    } else {
        progress(app, actor, id).await?
    };
    super::reach::file_signed_ledger(
        app,
        actor,
        super::reach::Owner {
            table: "pledges",
            id,
            activity_id: p.activity_id,
            host_unit_id: p.host_unit_id,
            title: &p.title,
        },
        &reach,
    )
    .await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Wall {
    pub pledge_id: i64,
    pub title: String,
    pub count: i64,
    /// The latest signers, masked (张*明), newest first.
    pub recent: Vec<WallEntry>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WallEntry {
    pub name: String,
    pub org: String,
    pub signed_at: i64,
}

impl WallEntry {
    pub fn time(&self) -> String {
        crate::domain::format_datetime(self.signed_at)
    }
}

/// The public wall: a counter kept with each signature and the newest fifty by index, so it
/// stays fast at a million signatures.
pub async fn wall(app: &App, id: i64) -> AppResult<Wall> {
    let r = sqlx::query("SELECT title, signature_count FROM pledges WHERE id = $1")
        .bind(id)
        .fetch_optional(&app.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let recent = sqlx::query(
        "SELECT name, org, signed_at FROM signatures WHERE subject = 'pledge' AND subject_id = $1 AND withdrawn_at = 0
           AND anonymised_at = 0
         ORDER BY id DESC LIMIT 50",
    )
    .bind(id)
    .fetch_all(&app.db.pool)
    .await?
    .iter()
    .map(|s| WallEntry { name: super::series::mask_name(&s.get::<String, _>("name")), org: s.get("org"), signed_at: s.get("signed_at") })
    .collect();
    Ok(Wall { pledge_id: id, title: r.get("title"), count: r.get("signature_count"), recent })
}

/// The signed copy: the pledge's (or material's) text, who signed and when with the drawn
/// signature, the unit that issued it and how to check the copy; typeset with embedded fonts.
pub async fn signed_pdf(app: &App, code: &str, verify_url: &str) -> AppResult<Vec<u8>> {
    let s = signatures::by_code(app, code).await?;
    if s.anonymised {
        return Err(AppError::NotFound);
    }
    let pledge = s.subject == "pledge";
    let issuer: String = sqlx::query_scalar(if pledge {
        "SELECT u.name FROM pledges x JOIN units u ON u.id = x.host_unit_id WHERE x.id = $1"
    } else {
        "SELECT u.name FROM materials x JOIN units u ON u.id = x.host_unit_id WHERE x.id = $1"
    })
    .bind(s.subject_id)
    .fetch_optional(&app.db.pool)
    .await?
    .unwrap_or_default();
    let zh = crate::i18n::T(crate::i18n::Lang::Zh);
    let data = serde_json::json!({
        "title": s.title,
        "paragraphs": s.text.lines().filter(|l| !l.trim().is_empty()).collect::<Vec<_>>(),
        "signer_label": zh.get(if pledge { "copy.pledger" } else { "copy.reader" }),
        "name": s.full_name,
        "org_label": zh.get("copy.org"),
        "org": s.org,
        "svg": s.svg,
        "signature_alt": zh.get("copy.signature"),
        "time_label": zh.get("copy.signed_at"),
        "time": s.time(),
        "issuer": issuer,
        "issuer_line": format!("{}{issuer}", zh.get("copy.issuer")),
        "check_line": format!("{}{}　{}{verify_url}", zh.get("copy.code"), s.code, zh.get("copy.check_at")),
    });
    crate::documents::typeset::signed_copy(data).await
}
