//! 个人信息保护 (PIPL): what each public form tells those who fill it (what is collected, why, for
//! how long), the consent kept with the version of the notice agreed to, a person's data gathered
//! for him on request, and the public's data anonymised once the organiser's retention is over.
//!
//! Anonymising erases who took part (names, organisations, phones, contacts, addresses, drawn
//! signatures) from the public's signatures, registrations, works and test papers, and keeps the rows: every
//! count, ranking and report figure stays, and the signature chain verifies (see `signatures`).
//! The roster's own records (cadres' sign-ins, readings, signatures) are the units' official
//! records, kept under their rules, and are not touched here.

use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use super::audit::{self, Who};
use super::{Actor, App};
use crate::db::{now, Tx};
use crate::domain::{mask_phone, parse_phone};
use crate::error::{AppError, AppResult};
use crate::i18n::{tr, Lang, Msg};
use crate::vault::Blind;

/// Days a campaign keeps the public's personal data after its end, unless its organiser says
/// otherwise; what is not part of a campaign keeps it this long after it was given.
pub const DEFAULT_RETENTION_DAYS: i64 = 365;
pub const RETENTION_DAYS: std::ops::RangeInclusive<i64> = 30..=3650;

/// The public forms that collect personal data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// Signing a public pledge: name, organisation, phone, the drawn signature, the address.
    Pledge,
    /// Registering for a public sitting: name and phone.
    Registration,
    /// Submitting a work to a call: author, contact, guardian, the address.
    Work,
    /// Taking a public knowledge test: name and phone.
    Quiz,
}

impl Form {
    pub const ALL: [Form; 4] = [Form::Pledge, Form::Registration, Form::Work, Form::Quiz];

    fn code(self) -> &'static str {
        match self {
            Form::Pledge => "pledge",
            Form::Registration => "registration",
            Form::Work => "work",
            Form::Quiz => "quiz",
        }
    }

    /// The version of the form's notice in force. Raise it with every change of wording (the
    /// texts of each version are pinned by a test), so a consent names the words agreed to.
    fn version(self) -> u32 {
        1
    }

    /// The notice in force, as a consent records it: `pledge/1`.
    pub fn notice(self) -> String {
        format!("{}/{}", self.code(), self.version())
    }

    fn text(self, lang: Lang) -> &'static str {
        self.text_of(self.version(), lang)
    }

    fn text_of(self, version: u32, lang: Lang) -> &'static str {
        tr(lang, &format!("privacy.{}.v{version}", self.code()))
    }
}

/// Every version of every form's notice, the one in force last for each form.
pub fn notices(lang: Lang) -> Vec<Notice> {
    Form::ALL
        .iter()
        .flat_map(|&form| {
            (1..=form.version()).map(move |v| Notice {
                id: format!("{}/{v}", form.code()),
                form,
                text: form.text_of(v, lang).to_string(),
                retention: tr(lang, "privacy.retention_campaign").to_string(),
                rights: tr(lang, "privacy.rights").to_string(),
            })
        })
        .collect()
}

/// A notice as a form shows it and as `/api/v1/privacy/notices` lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Notice {
    /// What a consent records: the form and the notice's version.
    pub id: String,
    pub form: Form,
    /// What is collected and why.
    pub text: String,
    /// How long it is kept.
    pub retention: String,
    /// The rights of the person and how to exercise them.
    pub rights: String,
}

impl Notice {
    /// The catalogue key of the form's name.
    pub fn title_key(&self) -> String {
        format!("privacy.form_{}", self.form.code())
    }
}

/// The notice of `form` in the caller's language, with the retention of the campaign the form
/// belongs to (`None`: not part of a campaign).
pub fn notice(form: Form, lang: Lang, retention_days: Option<i64>) -> Notice {
    let retention = match retention_days {
        Some(days) => Msg::new("privacy.retention").arg("days", days),
        None => Msg::new("privacy.retention_own").arg("days", DEFAULT_RETENTION_DAYS),
    };
    Notice {
        id: form.notice(),
        form,
        text: form.text(lang).to_string(),
        retention: retention.render(lang),
        rights: tr(lang, "privacy.rights").to_string(),
    }
}

/// The consent a public form records: it must have been given, to the notice in force (a page
/// opened before the wording changed is sent back to be read again).
pub fn consent(form: Form, given: bool, shown: Option<&str>) -> AppResult<String> {
    if !given {
        return Err(AppError::invalid("consent", Msg::new("err.consent")));
    }
    let current = form.notice();
    match shown.map(str::trim).filter(|s| !s.is_empty()) {
        Some(seen) if seen != current => Err(AppError::invalid("consent", Msg::new("err.notice_changed"))),
        _ => Ok(current),
    }
}

/// The notice of `form` for its record `id` (a pledge, a sitting, a call), in the caller's
/// language, with the retention of the campaign the record belongs to.
pub async fn notice_for(app: &App, form: Form, id: i64) -> AppResult<Notice> {
    let sql = match form {
        Form::Pledge => {
            "SELECT c.retention_days FROM pledges p JOIN activities a ON a.id = p.activity_id
             JOIN campaigns c ON c.id = a.campaign_id WHERE p.id = $1"
        }
        Form::Registration => {
            "SELECT c.retention_days FROM sittings s JOIN activities a ON a.id = s.activity_id
             JOIN campaigns c ON c.id = a.campaign_id WHERE s.id = $1"
        }
        Form::Work => {
            "SELECT c.retention_days FROM calls k JOIN campaigns c ON c.id = k.campaign_id WHERE k.id = $1"
        }
        Form::Quiz => {
            "SELECT c.retention_days FROM quizzes q JOIN activities a ON a.id = q.activity_id
             JOIN campaigns c ON c.id = a.campaign_id WHERE q.id = $1"
        }
    };
    let days: Option<i64> = sqlx::query_scalar(sql).bind(id).fetch_optional(&app.db.pool).await?;
    Ok(notice(form, crate::i18n::current(), days))
}

/// Sets how long campaign `id` keeps the public's personal data after its end: its organiser's
/// choice, in any state of the campaign (the data of one long closed may still be held).
pub async fn set_retention(app: &App, actor: &Actor, id: i64, days: i64) -> AppResult<()> {
    actor.require_organiser()?;
    if !RETENTION_DAYS.contains(&days) {
        return Err(AppError::invalid(
            "retention_days",
            Msg::new("err.retention").arg("min", RETENTION_DAYS.start()).arg("max", RETENTION_DAYS.end()),
        ));
    }
    let mut tx = app.db.begin().await?;
    let before: i64 = sqlx::query_scalar("SELECT retention_days FROM campaigns WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
    sqlx::query("UPDATE campaigns SET retention_days = $1, updated_at = $2 WHERE id = $3")
        .bind(days)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let detail = json!({"before": before, "after": days});
    audit::record(&mut tx, actor, "campaign.retention", "campaign", id, detail).await?;
    tx.commit().await?;
    Ok(())
}

/// The day after which campaign data ending on `end_date` (2022-06-30) is anonymised.
pub fn anonymised_after(end_date: &str, days: i64) -> Option<String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let end = time::Date::parse(end_date, &format).ok()?;
    let due = end.checked_add(time::Duration::days(days))?;
    due.format(&format).ok()
}

/// What was anonymised in one pass.
#[derive(Debug, Default, Clone, Serialize, utoipa::ToSchema)]
pub struct Anonymised {
    pub campaigns: i64,
    pub signatures: i64,
    pub registrations: i64,
    pub works: i64,
    /// Public test papers.
    pub papers: i64,
}

impl Anonymised {
    fn any(&self) -> bool {
        self.signatures + self.registrations + self.works + self.papers > 0
    }
}

/// Erases who took part from a public signature, keeping what the chain needs.
const ERASE_SIGNATURES: &str = "UPDATE signatures SET name = '', org = '', phone = '', ip = '', svg = '', salt = '',
        content_digest = '', phone_idx = '', ip_idx = '', signer_key = 'a:' || CAST(id AS TEXT), anonymised_at = $1
     WHERE anonymised_at = 0 AND person_id IS NULL AND subject = 'pledge'";

/// An organiser's pass now, with the password just given, besides the servers' hourly one.
pub async fn anonymise_now(app: &App, actor: &Actor) -> AppResult<Anonymised> {
    actor.require_organiser()?;
    actor.require_recent_password(app)?;
    anonymise_due(app, Some(actor)).await
}

/// Anonymises the public's data of every campaign whose retention is over, and of pledges
/// outside any campaign signed more than `DEFAULT_RETENTION_DAYS` ago. Safe on any number of
/// servers at once: each statement only takes rows not yet anonymised.
async fn anonymise_due(app: &App, by: Option<&Actor>) -> AppResult<Anonymised> {
    let today = crate::domain::today();
    let campaigns = sqlx::query("SELECT id, end_date, retention_days FROM campaigns ORDER BY id")
        .fetch_all(&app.db.pool)
        .await?;
    let mut total = Anonymised::default();
    for c in &campaigns {
        let (id, end, days): (i64, String, i64) = (c.get("id"), c.get("end_date"), c.get("retention_days"));
        if anonymised_after(&end, days).is_none_or(|due| due >= today) {
            continue;
        }
        let done = anonymise_campaign(app, id, by).await?;
        total.campaigns += i64::from(done.any());
        total.signatures += done.signatures;
        total.registrations += done.registrations;
        total.works += done.works;
        total.papers += done.papers;
    }
    // Pledges outside any campaign: their own signers' time counts.
    let t = now();
    let mut tx = app.db.begin().await?;
    let sql = format!("{ERASE_SIGNATURES} AND signed_at < $2 AND subject_id IN (SELECT id FROM pledges WHERE activity_id IS NULL)");
    let loose = erase(&mut tx, &sql, t, t - DEFAULT_RETENTION_DAYS * 86_400).await?;
    if loose > 0 {
        let detail = json!({"signatures": loose, "outside_campaigns": true});
        audit::record_as(&mut tx, anonymiser(by), "privacy.anonymise", "pledge", 0, detail).await?;
    }
    tx.commit().await?;
    total.signatures += loose;
    Ok(total)
}

/// Who anonymised: the organiser who asked, or the servers' hourly pass.
fn anonymiser(by: Option<&Actor>) -> Who<'_> {
    match by {
        Some(a) => Who { user_id: Some(a.user_id), name: &a.username, ip: &a.ip },
        None => Who { user_id: None, name: "system", ip: "" },
    }
}

/// Runs one erasing statement (`$1` the time, `$2` what it applies to); the rows it erased.
async fn erase(tx: &mut Tx, sql: &str, t: i64, of: i64) -> AppResult<i64> {
    Ok(sqlx::query(sql).bind(t).bind(of).execute(&mut **tx).await?.rows_affected() as i64)
}

/// One campaign's public data anonymised, in one transaction with its audit entry.
async fn anonymise_campaign(app: &App, campaign: i64, by: Option<&Actor>) -> AppResult<Anonymised> {
    let t = now();
    let mut tx = app.db.begin().await?;
    let sql = format!(
        "{ERASE_SIGNATURES} AND subject_id IN
           (SELECT p.id FROM pledges p JOIN activities a ON a.id = p.activity_id WHERE a.campaign_id = $2)"
    );
    let signatures = erase(&mut tx, &sql, t, campaign).await?;
    let registrations = erase(
        &mut tx,
        "UPDATE registrations SET name = '', phone = '', phone_idx = '', anonymised_at = $1
         WHERE anonymised_at = 0 AND person_id IS NULL AND sitting_id IN
           (SELECT s.id FROM sittings s JOIN activities a ON a.id = s.activity_id WHERE a.campaign_id = $2)",
        t,
        campaign,
    )
    .await?;
    // A registered person's sign-in carries his name too.
    erase(
        &mut tx,
        "UPDATE checkins SET name = '' WHERE name <> '' AND registration_id IN
           (SELECT id FROM registrations WHERE anonymised_at = $1 AND sitting_id IN
              (SELECT s.id FROM sittings s JOIN activities a ON a.id = s.activity_id WHERE a.campaign_id = $2))",
        t,
        campaign,
    )
    .await?;
    // An author whose work won a prize or was published is named where it was; the rest are not.
    let works = erase(
        &mut tx,
        "UPDATE works SET contact = '', guardian = '', ip = '', contact_idx = '', ip_idx = '', anonymised_at = $1,
                author = CASE WHEN prize <> '' OR published_at <> 0 THEN author ELSE '' END
         WHERE anonymised_at = 0 AND status <> 'reference' AND call_id IN (SELECT id FROM calls WHERE campaign_id = $2)",
        t,
        campaign,
    )
    .await?;
    let papers = erase(
        &mut tx,
        "UPDATE quiz_attempts SET name = '', phone = '', phone_idx = '', taker = 'a:' || CAST(id AS TEXT), anonymised_at = $1
         WHERE anonymised_at = 0 AND person_id IS NULL AND quiz_id IN
           (SELECT q.id FROM quizzes q JOIN activities a ON a.id = q.activity_id WHERE a.campaign_id = $2)",
        t,
        campaign,
    )
    .await?;
    let done = Anonymised { campaigns: 1, signatures, registrations, works, papers };
    if done.any() {
        let detail = json!({"signatures": signatures, "registrations": registrations, "works": works, "papers": papers});
        audit::record_as(&mut tx, anonymiser(by), "privacy.anonymise", "campaign", campaign, detail).await?;
    }
    tx.commit().await?;
    Ok(done)
}

/// Runs `anonymise_due` every `every` until `stop`; the first pass after one period, so a server
/// starting does not wait on it.
pub async fn sweep(app: App, stop: impl std::future::Future<Output = ()>, every: std::time::Duration) {
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = tokio::time::sleep(every) => {}
        }
        match anonymise_due(&app, None).await {
            Ok(done) if done.any() => tracing::info!(
                signatures = done.signatures,
                registrations = done.registrations,
                works = done.works,
                "personal data past its retention anonymised"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e.message(Lang::En), "anonymisation pass failed"),
        }
    }
}

/// Everything held about the holder of one phone number, for him (PIPL 第四十五条).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonalData {
    pub phone: String,
    pub generated_at: i64,
    /// Roster entries with this phone.
    pub roster: Vec<serde_json::Value>,
    /// Sign-ins at sittings, of the roster entries or of registrations with this phone.
    pub checkins: Vec<serde_json::Value>,
    /// Signatures on materials and pledges, by the roster entries or with this phone.
    pub signatures: Vec<serde_json::Value>,
    pub registrations: Vec<serde_json::Value>,
    /// Works whose contact is this phone.
    pub works: Vec<serde_json::Value>,
    /// Knowledge-test papers, of the roster entries or with this phone.
    pub papers: Vec<serde_json::Value>,
}

impl PersonalData {
    pub fn rows(&self) -> usize {
        self.roster.len()
            + self.checkins.len()
            + self.signatures.len()
            + self.registrations.len()
            + self.works.len()
            + self.papers.len()
    }
}

/// Rows as JSON objects: every column by name, text or number.
fn objects(rows: &[sqlx::any::AnyRow]) -> Vec<serde_json::Value> {
    use sqlx::{Column, ValueRef};
    rows.iter()
        .map(|r| {
            let mut o = serde_json::Map::new();
            for (i, c) in r.columns().iter().enumerate() {
                let v = match r.try_get_raw(i) {
                    Ok(raw) if raw.is_null() => serde_json::Value::Null,
                    _ => match r.try_get::<i64, _>(i) {
                        Ok(n) => json!(n),
                        Err(_) => json!(r.try_get::<String, _>(i).unwrap_or_default()),
                    },
                };
                o.insert(c.name().to_string(), v);
            }
            serde_json::Value::Object(o)
        })
        .collect()
}

/// Gathers what is held about the holder of `phone` across the roster and the public forms: an
/// organiser's answer to a person's request, audited as a read of personal data.
pub async fn export(app: &App, actor: &Actor, phone: &str) -> AppResult<PersonalData> {
    actor.require_organiser()?;
    actor.require_recent_password(app)?;
    let phone = parse_phone(phone).ok_or_else(|| AppError::invalid("phone", Msg::new("err.phone")))?;
    let vault = &app.db.vault;
    let (phone_idx, contact_idx) = (vault.index(Blind::Phone, &phone), vault.index(Blind::Contact, &phone));
    let pool = &app.db.pool;
    let people = sqlx::query(
        "SELECT p.id, p.name, u.name AS unit, p.staff_no, p.position, p.rank, p.party_member, p.phone, p.email
         FROM people p JOIN units u ON u.id = p.unit_id WHERE p.phone_idx = $1",
    )
    .bind(&phone_idx)
    .fetch_all(pool)
    .await?;
    let mut roster = objects(&people);
    for (row, stored) in roster.iter_mut().zip(&people) {
        row["phone"] = json!(vault.column(stored, "phone")?);
        row["email"] = json!(vault.column_opt(stored, "email")?);
    }
    // The roster entries' ids, as a list for `IN` (ids are numbers read back, never input).
    let ids: Vec<String> = people.iter().map(|r| r.get::<i64, _>("id").to_string()).collect();
    let person_in = if ids.is_empty() { "NULL".to_string() } else { ids.join(",") };
    let registrations = sqlx::query(
        "SELECT r.id, s.title AS sitting, s.starts_at, r.name, r.status, r.created_at, r.consent
         FROM registrations r JOIN sittings s ON s.id = r.sitting_id WHERE r.phone_idx = $1 ORDER BY r.id",
    )
    .bind(&phone_idx)
    .fetch_all(pool)
    .await?;
    let checkins = sqlx::query(&format!(
        "SELECT c.id, s.title AS sitting, c.name, c.method, c.checked_at FROM checkins c JOIN sittings s ON s.id = c.sitting_id
         WHERE c.person_id IN ({person_in}) OR c.registration_id IN (SELECT id FROM registrations WHERE phone_idx = $1) ORDER BY c.id"
    ))
    .bind(&phone_idx)
    .fetch_all(pool)
    .await?;
    let signed = sqlx::query(&format!(
        "SELECT id, subject, subject_id, version, name, org, phone, ip, method, signed_at, code, consent, withdrawn_at
         FROM signatures WHERE person_id IN ({person_in}) OR phone_idx = $1 ORDER BY id"
    ))
    .bind(&phone_idx)
    .fetch_all(pool)
    .await?;
    let mut signatures = objects(&signed);
    for (row, stored) in signatures.iter_mut().zip(&signed) {
        row["phone"] = json!(vault.column(stored, "phone")?);
        row["ip"] = json!(vault.column(stored, "ip")?);
    }
    let submitted = sqlx::query(
        "SELECT w.id, k.title AS call, w.author, w.contact, w.guardian, w.title, w.body, w.status, w.prize, w.created_at, w.consent
         FROM works w JOIN calls k ON k.id = w.call_id WHERE w.contact_idx = $1 ORDER BY w.id",
    )
    .bind(&contact_idx)
    .fetch_all(pool)
    .await?;
    let mut works = objects(&submitted);
    for (row, stored) in works.iter_mut().zip(&submitted) {
        row["contact"] = json!(vault.column(stored, "contact")?);
        row["guardian"] = json!(vault.column(stored, "guardian")?);
    }
    let taken = sqlx::query(&format!(
        "SELECT t.id, q.title AS test, t.name, t.phone, t.number, t.started_at, t.submitted_at, t.score, t.consent
         FROM quiz_attempts t JOIN quizzes q ON q.id = t.quiz_id WHERE t.person_id IN ({person_in}) OR t.phone_idx = $1 ORDER BY t.id"
    ))
    .bind(&phone_idx)
    .fetch_all(pool)
    .await?;
    let mut papers = objects(&taken);
    for (row, stored) in papers.iter_mut().zip(&taken) {
        row["phone"] = json!(vault.column(stored, "phone")?);
    }
    let data = PersonalData {
        phone: phone.clone(),
        generated_at: now(),
        roster,
        checkins: objects(&checkins),
        signatures,
        registrations: objects(&registrations),
        works,
        papers,
    };
    let whose = serde_json::Map::from_iter([("phone".to_string(), json!(mask_phone(&phone)))]);
    audit::bulk_read_of(&app.db, actor, "personal_data", ("person", 0), data.rows() as u32, whose).await?;
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::super::signatures::sm3_hex;
    use super::*;

    /// A notice's words are what a consent to its version agreed to: changing them without
    /// raising the version (and pinning the new words here) fails.
    #[test]
    fn each_notice_version_keeps_its_words() {
        let pinned = [
            (
                "pledge/1",
                "5a18f32cfc7637fb0fe102bb7ca896ecc1bb257e9b24e36c3b14cac24677d7bc",
                "77058ca86880f051aaa0916792b20063ac26320c713f71bc51f07afce99e9681",
            ),
            (
                "registration/1",
                "56fa8525d92b30ad24e903e80484b89986b8f203fd684cba8b65480485084fa4",
                "d32c6601956328f6291bbf2a81170b7862315de8142fec4f5a35205fa9c5c916",
            ),
            (
                "work/1",
                "0b47a637dd3c45f8b379c61103b4769544490daf9a380722f2718f7b8d44ce43",
                "0d609a06fc73e7d0a111c34e66bf3e67f6b634804452675a76f52b918932b6af",
            ),
            (
                "quiz/1",
                "34e37d64978a3842401fcc9062261095e0f58b9c6c02a5e429823869ad620518",
                "d48ed1b0c0e1b86479c3e0cf0943d43b80c131347d0dfc5033a7a00cdf38c1bd",
            ),
        ];
        for (form, (id, zh, en)) in Form::ALL.iter().zip(pinned) {
            assert_eq!(form.notice(), id);
            assert_eq!(sm3_hex(form.text(Lang::Zh).as_bytes()), zh, "{id} zh changed: raise its version");
            assert_eq!(sm3_hex(form.text(Lang::En).as_bytes()), en, "{id} en changed: raise its version");
        }
    }

    #[test]
    fn consent_names_the_notice_in_force() {
        assert_eq!(consent(Form::Pledge, true, None).unwrap(), "pledge/1");
        assert_eq!(consent(Form::Work, true, Some("work/1")).unwrap(), "work/1");
        assert!(consent(Form::Pledge, false, Some("pledge/1")).is_err());
        assert!(consent(Form::Registration, true, Some("registration/0")).is_err());
    }

    #[test]
    fn retention_counts_from_the_campaigns_end() {
        assert_eq!(anonymised_after("2022-06-30", 365).as_deref(), Some("2023-06-30"));
        assert_eq!(anonymised_after("2024-02-29", 30).as_deref(), Some("2024-03-30"));
        assert_eq!(anonymised_after("not a date", 30), None);
    }
}
