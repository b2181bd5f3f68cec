//! Sign-ins that look like 代签, flagged for the organiser to confirm or strike: a phone that
//! also tried to sign in someone else, a phone far from the venue, an entry made after the close,
//! a name whose digits were guessed at before they matched. Flags are read from what the
//! sign-in and the refused attempts recorded, never stored apart; the verdict is the organiser's.

use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use super::audit;
use super::filter::Where;
use super::sittings::{self, Sitting};
use super::{clean_text, Actor, App};
use crate::domain::format_datetime;
use crate::error::{AppError, AppResult};
use crate::i18n::{tr, Lang, Msg};

/// Wrong digits for a name at a sitting that make its sign-in worth a look.
pub const WRONG_DIGITS: i64 = 3;

/// Refused attempts read for one sitting's flags: the limits on attempts keep a real sitting's
/// far below this, and a flood beyond it has already been flagged by its first rows.
const ATTEMPTS_READ: i64 = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The phone that made it also tried to sign in another name.
    SameDevice,
    /// The phone was farther from the venue than the sitting allows.
    Far,
    /// A clerk entered it after the sitting had closed.
    AfterClose,
    /// Wrong digits were typed for the name before the right ones.
    WrongDigits,
}

impl Reason {
    pub fn key(self) -> &'static str {
        match self {
            Reason::SameDevice => "flag.same_device",
            Reason::Far => "flag.far",
            Reason::AfterClose => "flag.after_close",
            Reason::WrongDigits => "flag.wrong_digits",
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Flagged {
    pub checkin_id: i64,
    /// The person from the register, if the sign-in was for one.
    pub person_id: Option<i64>,
    pub name: String,
    pub unit_name: String,
    pub checked_at: i64,
    /// qr, account or clerk.
    pub method: String,
    pub reasons: Vec<Reason>,
    /// How far from the venue the phone said it was, in metres.
    pub distance_m: Option<i64>,
    /// The other names tried from the same phone.
    pub also_tried: Vec<String>,
    /// Wrong digits typed for this name at the sitting.
    pub wrong_digits: i64,
    /// The organiser confirmed it stands.
    pub confirmed: bool,
}

impl Flagged {
    pub fn time(&self) -> String {
        format_datetime(self.checked_at)
    }

    /// The reasons and the organiser's word, in one line of `lang` (the attendance workbook's).
    pub fn summary(&self, lang: Lang) -> String {
        let mut parts: Vec<&str> = self.reasons.iter().map(|r| tr(lang, r.key())).collect();
        if self.confirmed {
            parts.push(tr(lang, "flag.confirmed"));
        }
        parts.join("；")
    }
}

/// What the refused attempts at a sitting say: names tried from each phone, wrong digits per name.
#[derive(Default)]
struct Attempts {
    by_device: std::collections::HashMap<String, Vec<String>>,
    wrong: std::collections::HashMap<String, i64>,
}

async fn attempts(app: &App, s: &Sitting) -> AppResult<Attempts> {
    let rows = sqlx::query(
        "SELECT actor_name, detail FROM audit_log
         WHERE entity = 'sitting' AND entity_id = $1 AND action = 'signin.refused' ORDER BY id LIMIT $2",
    )
    .bind(s.id.to_string())
    .bind(ATTEMPTS_READ)
    .fetch_all(&app.db.pool)
    .await?;
    let mut seen = Attempts::default();
    for r in &rows {
        let name: String = r.get("actor_name");
        let detail: serde_json::Value =
            serde_json::from_str(&r.get::<String, _>("detail")).unwrap_or_default();
        match detail["reason"].as_str() {
            Some("mismatch") => *seen.wrong.entry(name).or_default() += 1,
            Some("device_used") => {
                if let Some(device) = detail["device"].as_str().filter(|d| !d.is_empty()) {
                    let names = seen.by_device.entry(device.to_string()).or_default();
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(seen)
}

/// The sitting's flagged sign-ins, in the order they were made.
pub async fn flagged(app: &App, actor: &Actor, sitting_id: i64) -> AppResult<Vec<Flagged>> {
    flags_of(app, &sittings::get(app, actor, sitting_id).await?).await
}

/// [`flagged`] for a sitting its caller has already read (and so checked the actor's right to).
pub async fn flags_of(app: &App, s: &Sitting) -> AppResult<Vec<Flagged>> {
    let seen = attempts(app, s).await?;
    let radius = s.geofence.map(|f| f.radius_m);
    // Only the candidates are read: a 5,000-person sitting has a handful.
    let mut w = Where::default();
    let mut any = vec![format!("c.checked_at > {}", s.ends_at)];
    if let Some(r) = radius {
        any.push(format!("c.distance_m > {r}"));
    }
    let devices: Vec<String> = seen.by_device.keys().map(|d| w.arg(d.clone())).collect();
    if !devices.is_empty() {
        any.push(format!("c.device IN ({})", devices.join(", ")));
    }
    let names: Vec<String> =
        seen.wrong.iter().filter(|(_, n)| **n >= WRONG_DIGITS).map(|(name, _)| w.arg(name.clone())).collect();
    if !names.is_empty() {
        any.push(format!("c.name IN ({})", names.join(", ")));
    }
    w.fixed(format!("c.sitting_id = {}", s.id)).fixed(format!("({})", any.join(" OR ")));
    let sql = format!(
        "SELECT c.id, c.person_id, c.name, c.checked_at, c.method, c.device, c.distance_m, c.verdict, COALESCE(u.name, '') AS unit_name
         FROM checkins c LEFT JOIN people p ON p.id = c.person_id LEFT JOIN units u ON u.id = {}
         WHERE {} ORDER BY c.checked_at, c.id",
        sittings::CHECKIN_UNIT,
        w.sql()
    );
    let rows = w.fetch_all(&app.db.pool, &sql).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let (name, device): (String, String) = (r.get("name"), r.get("device"));
            let distance_m: Option<i64> = r.get("distance_m");
            let checked_at: i64 = r.get("checked_at");
            let also_tried: Vec<String> = seen
                .by_device
                .get(&device)
                .map(|names| names.iter().filter(|n| **n != name).cloned().collect())
                .unwrap_or_default();
            let wrong_digits = seen.wrong.get(&name).copied().unwrap_or(0);
            let reasons = [
                (!also_tried.is_empty(), Reason::SameDevice),
                (distance_m.zip(radius).is_some_and(|(d, r)| d > r), Reason::Far),
                (checked_at > s.ends_at, Reason::AfterClose),
                (wrong_digits >= WRONG_DIGITS, Reason::WrongDigits),
            ]
            .into_iter()
            .filter_map(|(holds, reason)| holds.then_some(reason))
            .collect();
            Flagged {
                checkin_id: r.get("id"),
                person_id: r.get("person_id"),
                unit_name: r.get("unit_name"),
                method: r.get("method"),
                confirmed: r.get::<String, _>("verdict") == "confirmed",
                name,
                checked_at,
                reasons,
                distance_m,
                also_tried,
                wrong_digits,
            }
        })
        .filter(|f: &Flagged| !f.reasons.is_empty())
        .collect())
}

/// The organiser's word on a flagged sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// It stands: the person was there.
    Confirm,
    /// It goes: the person was not there, and the sign-in no longer counts anywhere.
    Strike,
}

/// Confirms or strikes a flagged sign-in of the sitting, with the organiser's reason (needed to
/// strike). A struck sign-in is removed, everything it was kept in the audit log; a sitting whose
/// ledger entry has been filed from its attendance keeps its sign-ins as they were filed.
pub async fn review(
    app: &App,
    actor: &Actor,
    sitting_id: i64,
    checkin_id: i64,
    verdict: Verdict,
    reason: &str,
) -> AppResult<()> {
    let s = sittings::get(app, actor, sitting_id).await?;
    let flag = flags_of(app, &s)
        .await?
        .into_iter()
        .find(|f| f.checkin_id == checkin_id)
        .ok_or(AppError::NotFound)?;
    let reason = clean_text("reason", reason, 200, verdict == Verdict::Strike)?;
    let reasons: Vec<Reason> = flag.reasons.clone();
    let detail = json!({
        "checkin": checkin_id, "name": flag.name, "checked_at": flag.time(), "method": flag.method,
        "distance_m": flag.distance_m, "flags": reasons, "reason": reason,
    });
    let mut tx = app.db.begin().await?;
    let changed = match verdict {
        Verdict::Confirm => {
            sqlx::query("UPDATE checkins SET verdict = 'confirmed' WHERE id = $1 AND sitting_id = $2")
                .bind(checkin_id)
                .bind(s.id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        }
        Verdict::Strike => {
            // The lock is read in the same statement, so a filing in between wins.
            sqlx::query(
                "DELETE FROM checkins WHERE id = $1 AND sitting_id = $2
                 AND EXISTS (SELECT 1 FROM sittings WHERE id = $2 AND ledger_entry_id IS NULL)",
            )
            .bind(checkin_id)
            .bind(s.id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        }
    };
    if changed == 0 {
        return Err(match verdict {
            Verdict::Strike if sittings::load(app, s.id).await?.ledger_entry_id.is_some() => {
                AppError::Conflict(Msg::new("err.strike_filed"))
            }
            _ => AppError::NotFound,
        });
    }
    let action = match verdict {
        Verdict::Confirm => "signin.confirm",
        Verdict::Strike => "signin.strike",
    };
    audit::record(&mut tx, actor, action, "sitting", s.id, detail).await?;
    tx.commit().await?;
    Ok(())
}
