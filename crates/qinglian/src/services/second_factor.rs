//! The second factor of a sign-in (GB/T 22239 8.1.4.1 d): a TOTP code (RFC 6238) from any
//! authenticator app, or one of ten one-time recovery codes kept hashed.
//!
//! Each 30-second step is accepted once per account (RFC 6238 5.2): the step is claimed with
//! one conditional UPDATE, so a code seen over a shoulder or replayed to another server fails.

use serde::Serialize;
use serde_json::json;
use sqlx::Row;
use totp_rs::{Algorithm, Secret, TOTP};

use super::auth::{code_hash, readable_code};
use super::{audit, Actor, App};
use crate::db::{now, Tx};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

pub const RECOVERY_CODES: usize = 10;
const STEP: u64 = 30;
const ISSUER: &str = "清廉";

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

fn totp(secret: &str, account: &str) -> AppResult<TOTP> {
    let bytes = Secret::Encoded(secret.to_string()).to_bytes().map_err(|e| internal(format!("{e:?}")))?;
    // The account label may not hold a colon (it separates issuer and account in the URI).
    TOTP::new(Algorithm::SHA1, 6, 1, STEP, bytes, Some(ISSUER.into()), account.replace(':', "_"))
        .map_err(internal)
}

/// A code as typed: spaces and hyphens dropped, letters upper-cased.
fn normalise(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect::<String>().to_uppercase()
}

/// The step (±1 for a phone's clock drift) whose code this is, if any.
fn matching_step(t: &TOTP, code: &str, at: u64) -> Option<i64> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let step = at / STEP;
    [step.saturating_sub(1), step, step + 1]
        .into_iter()
        .find(|s| constant_eq(t.generate(s * STEP).as_bytes(), code.as_bytes()))
        .map(|s| s as i64)
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 160 random bits (RFC 4226's recommendation), base32 as authenticators take them.
fn new_secret() -> String {
    let mut bytes = vec![0u8; 20];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut bytes);
    Secret::Raw(bytes).to_encoded().to_string()
}

/// The code an authenticator shows at `at` for a base32 secret (for tests and the bench).
pub fn code_at(secret: &str, at: u64) -> AppResult<String> {
    Ok(totp(secret, "x")?.generate(at))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Status {
    pub enabled: bool,
    /// Unix seconds of enrolment; 0 if not enrolled.
    pub enabled_at: i64,
    pub recovery_codes_left: i64,
    /// Whether the policy requires one of this account.
    pub required: bool,
}

pub async fn status(app: &App, actor: &Actor) -> AppResult<Status> {
    let enabled_at: i64 = sqlx::query_scalar("SELECT totp_enabled_at FROM users WHERE id = $1")
        .bind(actor.user_id)
        .fetch_one(&app.db.pool)
        .await?;
    let left: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at = 0")
            .bind(actor.user_id)
            .fetch_one(&app.db.pool)
            .await?;
    Ok(Status {
        enabled: enabled_at > 0,
        enabled_at,
        recovery_codes_left: left,
        required: required_of(app, actor),
    })
}

/// Whether the configured policy requires a second factor of this account.
pub fn required_of(app: &App, actor: &Actor) -> bool {
    app.config.second_factor == crate::config::SecondFactor::Required && actor.privileged()
}

/// A secret being enrolled: shown once as a QR code and as text for typing in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Enrolment {
    /// Base32, for typing into an app that cannot scan.
    pub secret: String,
    /// `otpauth://totp/…`, what the QR code holds.
    pub otpauth_url: String,
}

/// Makes a new secret for the actor to scan; it counts only once a code from it is confirmed.
pub async fn begin(app: &App, actor: &Actor) -> AppResult<Enrolment> {
    let secret = new_secret();
    let url = totp(&secret, &actor.username)?.get_url();
    let mut tx = app.db.begin().await?;
    let updated = sqlx::query("UPDATE users SET totp_pending = $1 WHERE id = $2 AND totp_enabled_at = 0")
        .bind(app.db.vault.seal(&secret))
        .bind(actor.user_id)
        .execute(&mut *tx)
        .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::Conflict(Msg::new("err.second_factor_enrolled")));
    }
    audit::record(&mut tx, actor, "second_factor.begin", "user", actor.user_id, json!({})).await?;
    tx.commit().await?;
    Ok(Enrolment { secret, otpauth_url: url })
}

/// The pending enrolment's `otpauth://` address, for showing its QR code again.
pub async fn pending_url(app: &App, actor: &Actor) -> AppResult<Option<Enrolment>> {
    let sealed: String = sqlx::query_scalar("SELECT totp_pending FROM users WHERE id = $1")
        .bind(actor.user_id)
        .fetch_one(&app.db.pool)
        .await?;
    if sealed.is_empty() {
        return Ok(None);
    }
    let secret = app.db.vault.open(&sealed)?;
    let url = totp(&secret, &actor.username)?.get_url();
    Ok(Some(Enrolment { secret, otpauth_url: url }))
}

/// Confirms the pending secret with a code from it; returns the recovery codes, shown once.
pub async fn confirm(app: &App, actor: &Actor, code: &str) -> AppResult<Vec<String>> {
    let sealed: String = sqlx::query_scalar("SELECT totp_pending FROM users WHERE id = $1")
        .bind(actor.user_id)
        .fetch_one(&app.db.pool)
        .await?;
    if sealed.is_empty() {
        return Err(AppError::Conflict(Msg::new("err.second_factor_not_begun")));
    }
    let pending = app.db.vault.open(&sealed)?;
    let Some(step) = matching_step(&totp(&pending, &actor.username)?, &normalise(code), now() as u64) else {
        return Err(AppError::invalid("code", Msg::new("err.second_factor_code")));
    };
    let mut tx = app.db.begin().await?;
    let t = now();
    let claimed = sqlx::query(
        "UPDATE users SET totp_secret = totp_pending, totp_pending = '', totp_enabled_at = $1, totp_last_step = $2
         WHERE id = $3 AND totp_pending = $4 AND totp_enabled_at = 0",
    )
    .bind(t)
    .bind(step)
    .bind(actor.user_id)
    .bind(&sealed)
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() == 0 {
        return Err(AppError::Conflict(Msg::new("err.second_factor_enrolled")));
    }
    let codes = issue_recovery_codes(&mut tx, actor.user_id).await?;
    audit::record(
        &mut tx,
        actor,
        "second_factor.enrol",
        "user",
        actor.user_id,
        json!({"recovery_codes": codes.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok(codes)
}

async fn issue_recovery_codes(tx: &mut Tx, user_id: i64) -> AppResult<Vec<String>> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut **tx).await?;
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let raw = readable_code(10);
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user_id)
            .bind(code_hash(&raw))
            .execute(&mut **tx)
            .await?;
        codes.push(format!("{}-{}", &raw[..5], &raw[5..]));
    }
    Ok(codes)
}

/// How a second factor was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proof {
    Totp,
    RecoveryCode,
}

impl Proof {
    pub fn as_str(self) -> &'static str {
        match self {
            Proof::Totp => "totp",
            Proof::RecoveryCode => "recovery_code",
        }
    }
}

/// Checks a code against the account's enrolled secret or its unused recovery codes, spending
/// what it matched in the transaction; `None` if it matches nothing (or was used already).
pub async fn spend(tx: &mut Tx, user_id: i64, code: &str) -> AppResult<Option<Proof>> {
    let code = normalise(code);
    let row = sqlx::query("SELECT username, totp_secret FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&mut **tx)
        .await?;
    let secret = tx.vault.column(&row, "totp_secret")?;
    if secret.is_empty() {
        return Ok(None);
    }
    if code.len() == 6 {
        let Some(step) =
            matching_step(&totp(&secret, &row.get::<String, _>("username"))?, &code, now() as u64)
        else {
            return Ok(None);
        };
        let claimed =
            sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1")
                .bind(step)
                .bind(user_id)
                .execute(&mut **tx)
                .await?;
        return Ok((claimed.rows_affected() == 1).then_some(Proof::Totp));
    }
    let used = sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at = 0",
    )
    .bind(now())
    .bind(user_id)
    .bind(code_hash(&code))
    .execute(&mut **tx)
    .await?;
    Ok((used.rows_affected() == 1).then_some(Proof::RecoveryCode))
}

/// Whether the account has a second factor enrolled.
pub async fn enrolled(tx: &mut Tx, user_id: i64) -> AppResult<bool> {
    let at: i64 = sqlx::query_scalar("SELECT totp_enabled_at FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(at > 0)
}

/// A security administrator clears an account's second factor (a lost phone): its secret and
/// recovery codes go, its sessions end (bar the one in use, when it is one's own), and an
/// account the policy requires one of enrols again at its next sign-in.
pub async fn reset(app: &App, actor: &Actor, user_id: i64, current: Option<&str>) -> AppResult<()> {
    actor.require_security_admin()?;
    actor.require_recent_password(app)?;
    let kept = current.filter(|_| user_id == actor.user_id).map(super::auth::token_hash).unwrap_or_default();
    let mut tx = app.db.begin().await?;
    let had: Option<i64> = sqlx::query_scalar(
        "UPDATE users SET totp_secret = '', totp_pending = '', totp_enabled_at = 0 WHERE id = $1
         RETURNING totp_last_step",
    )
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    if had.is_none() {
        return Err(AppError::NotFound);
    }
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(&kept)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM login_challenges WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    audit::record(
        &mut tx,
        actor,
        "second_factor.reset",
        "user",
        user_id,
        json!({"sessions_ended": ended.rows_affected()}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_its_step_and_the_neighbours_only() {
        let secret = new_secret();
        let t = totp(&secret, "a:b").unwrap();
        let at = 1_800_000_000u64;
        let code = t.generate(at);
        assert_eq!(matching_step(&t, &code, at), Some((at / STEP) as i64));
        assert!(matching_step(&t, &code, at + STEP).is_some(), "one step of drift is allowed");
        assert_eq!(matching_step(&t, &code, at + 3 * STEP), None);
        assert_eq!(matching_step(&t, "12345", at), None);
        assert_eq!(normalise(" abcde-fghjk "), "ABCDEFGHJK");
    }
}
