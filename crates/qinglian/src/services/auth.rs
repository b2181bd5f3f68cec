//! Signing in and out, sessions, API tokens and passwords.
//!
//! Sessions live in the database (any server can serve any request); the cookie and bearer
//! token carry a random secret whose SHA-256 is the key, so a stolen database does not yield
//! live sessions. Five failed attempts lock an account for fifteen minutes.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine as _;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{audit, Actor, App};
use crate::db::now;
use crate::domain::{check_password_rules, Role, RoleGrant};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

pub const MAX_FAILED_ATTEMPTS: i64 = 5;
pub const LOCKOUT_SECONDS: i64 = 15 * 60;
/// Failed sign-ins from one address, over any accounts, before that address must wait.
pub const MAX_FAILED_PER_ADDRESS: i64 = 30;
/// Prefix of long-lived integration tokens (session tokens have none).
pub const API_TOKEN_PREFIX: &str = "qlt_";

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A random password that satisfies the rules (upper, lower, digit, symbol), for initial and
/// reset passwords that the user must change.
pub fn generate_password() -> String {
    let core: String = random_token().chars().filter(|c| c.is_ascii_alphanumeric()).take(12).collect();
    format!("Ql{core}#7")
}

/// `n` characters from an alphabet without look-alikes: easy to read out or copy from a phone,
/// impossible to guess at any rate a throttle allows.
pub fn readable_code(n: usize) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    (0..n).map(|_| ALPHABET[rand::random::<usize>() % ALPHABET.len()] as char).collect()
}

/// A typed code (a receipt) as stored: hashed as session tokens are, in any case.
pub fn code_hash(code: &str) -> String {
    token_hash(&code.trim().to_uppercase())
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Argon2 checks running at once, two a core. Each takes 19 MiB and a core for tens of
/// milliseconds, so a flood of sign-ins queues instead of exhausting memory.
static ARGON2_SLOTS: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| super::slots(2));

async fn with_argon2<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    super::bounded(&ARGON2_SLOTS, std::time::Duration::from_secs(5), "err.busy", work).await
}

/// Hashes a password with argon2id on a blocking thread (it takes tens of milliseconds).
pub async fn hash_password(password: &str) -> AppResult<String> {
    let password = password.to_string();
    with_argon2(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(e.to_string()))
    })
    .await?
}

async fn verify_password(password: &str, hash: &str) -> AppResult<bool> {
    let (password, hash) = (password.to_string(), hash.to_string());
    with_argon2(move || {
        PasswordHash::new(&hash)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    })
    .await
}

/// Whether `password` is the user's password now.
pub async fn password_is(app: &App, user_id: i64, password: &str) -> AppResult<bool> {
    let hash: Option<String> = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&app.db.pool)
        .await?;
    match hash {
        Some(hash) => verify_password(password, &hash).await,
        None => Ok(false),
    }
}

/// A fresh session: the secret goes to the client, its hash to the database.
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub must_change_password: bool,
}

/// What a right password leads to: a session, or a wait for the second factor.
pub enum SignIn {
    Session(NewSession),
    /// The secret of a challenge, answered with a code within `CHALLENGE_SECONDS`.
    SecondFactor(String),
}

impl SignIn {
    /// The session, for callers that sign in accounts without a second factor (the bench).
    pub fn session(self) -> AppResult<NewSession> {
        match self {
            SignIn::Session(s) => Ok(s),
            SignIn::SecondFactor(_) => Err(AppError::Conflict(Msg::new("err.must_enrol_second_factor"))),
        }
    }
}

/// Seconds a password stays good for while its second factor is awaited.
pub const CHALLENGE_SECONDS: i64 = 5 * 60;

/// Failed sign-ins from one address may not pass this, whatever the accounts.
fn address_rule() -> super::throttle::Rule {
    super::throttle::Rule { limit: MAX_FAILED_PER_ADDRESS, window: LOCKOUT_SECONDS }
}

pub async fn login(app: &App, username: &str, password: &str, ip: &str) -> AppResult<SignIn> {
    let username = username.trim();
    if username.is_empty() || password.is_empty() {
        return Err(AppError::invalid("credentials", Msg::new("err.bad_credentials")));
    }
    // One address guessing across many accounts is stopped too. An office shares one address,
    // so it is read before and counted after a failure; the account's own count is the atomic one.
    let address = (format!("login:{ip}"), address_rule());
    let seen = app.throttle.hits(&app.db, &address.0, address.1).await?;
    if seen >= MAX_FAILED_PER_ADDRESS {
        if seen == MAX_FAILED_PER_ADDRESS {
            app.throttle.claim(&app.db, std::slice::from_ref(&address)).await?;
            failed_login(app, None, username, ip, json!({"reason": "address_throttled"})).await?;
        }
        return Err(AppError::TooMany(
            Msg::new("err.address_throttled").arg("minutes", LOCKOUT_SECONDS / 60),
        ));
    }
    let outcome = check_credentials(app, username, password, ip).await;
    if matches!(outcome, Err(AppError::Invalid(_))) {
        app.throttle.claim(&app.db, std::slice::from_ref(&address)).await?;
    }
    let account = outcome?;
    let t = now();
    if app.config.inactive_days > 0 && t - account.active_at > app.config.inactive_days * 86_400 {
        return Err(disable_idle(app, account.id, username, ip).await?);
    }
    let mut tx = app.db.begin().await?;
    if super::second_factor::enrolled(&mut tx, account.id).await? {
        // The attempt the password claimed stays counted until the second factor is given, so
        // guesses at the code lock the account as guesses at the password do.
        let challenge = random_token();
        sqlx::query("DELETE FROM login_challenges WHERE user_id = $1 AND created_at < $2")
            .bind(account.id)
            .bind(t - CHALLENGE_SECONDS)
            .execute(&mut *tx)
            .await?;
        put_challenge(&mut tx, &challenge, account.id, t, ip).await?;
        let who = audit::Who { user_id: Some(account.id), name: username, ip };
        audit::record_as(
            &mut tx,
            who,
            "auth.password",
            "user",
            account.id,
            json!({"second_factor": "awaited"}),
        )
        .await?;
        tx.commit().await?;
        return Ok(SignIn::SecondFactor(challenge));
    }
    let session = open_session(app, &mut tx, &account, username, ip, json!({})).await?;
    tx.commit().await?;
    Ok(SignIn::Session(session))
}

/// The second step of a sign-in: the code from the authenticator, or a recovery code.
pub async fn second_factor(app: &App, challenge: &str, code: &str, ip: &str) -> AppResult<NewSession> {
    let t = now();
    let row = sqlx::query(
        "SELECT c.user_id, c.created_at, u.username FROM login_challenges c JOIN users u ON u.id = c.user_id
         WHERE c.token_hash = $1",
    )
    .bind(token_hash(challenge))
    .fetch_optional(&app.db.pool)
    .await?;
    let expired = || AppError::invalid("challenge", Msg::new("err.challenge_expired"));
    let Some(row) = row.filter(|r| t - r.get::<i64, _>("created_at") <= CHALLENGE_SECONDS) else {
        return Err(expired());
    };
    let (user_id, username): (i64, String) = (row.get("user_id"), row.get("username"));
    let Some(claim) = claim_attempt(app, user_id).await? else {
        failed_login(app, Some(user_id), &username, ip, json!({"reason": "locked", "step": "second_factor"}))
            .await?;
        return Err(AppError::TooMany(Msg::new("err.locked").arg("minutes", LOCKOUT_SECONDS / 60)));
    };
    let mut tx = app.db.begin().await?;
    // The challenge is spent by whichever answer takes it first, on any server.
    let taken = sqlx::query("DELETE FROM login_challenges WHERE token_hash = $1")
        .bind(token_hash(challenge))
        .execute(&mut *tx)
        .await?;
    if taken.rows_affected() == 0 {
        return Err(expired());
    }
    if let Some(proof) = super::second_factor::spend(&mut tx, user_id, code).await? {
        let account = Account { id: user_id, must_change: claim.must_change, active_at: t };
        let detail = json!({"second_factor": proof.as_str()});
        let session = open_session(app, &mut tx, &account, &username, ip, detail).await?;
        tx.commit().await?;
        return Ok(session);
    }
    let locked = claim.attempt >= MAX_FAILED_ATTEMPTS;
    if !locked {
        // A wrong code may be tried again on the same challenge, within the account's attempts.
        put_challenge(&mut tx, challenge, user_id, row.get("created_at"), ip).await?;
    }
    tx.commit().await?;
    failed_login(app, Some(user_id), &username, ip, json!({"reason": "bad_second_factor", "locked": locked}))
        .await?;
    if locked {
        return Err(AppError::TooMany(Msg::new("err.locked").arg("minutes", LOCKOUT_SECONDS / 60)));
    }
    Err(AppError::invalid("code", Msg::new("err.second_factor_code")))
}

/// Keeps a challenge (by its hash) until `created_at + CHALLENGE_SECONDS`.
async fn put_challenge(
    tx: &mut crate::db::Tx,
    challenge: &str,
    user_id: i64,
    created_at: i64,
    ip: &str,
) -> AppResult<()> {
    sqlx::query("INSERT INTO login_challenges (token_hash, user_id, created_at, ip) VALUES ($1, $2, $3, $4)")
        .bind(token_hash(challenge))
        .bind(user_id)
        .bind(created_at)
        .bind(ip)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// An account whose password was right.
struct Account {
    id: i64,
    must_change: bool,
    active_at: i64,
}

/// Opens a session for an account that proved itself: the count of failed attempts clears, the
/// sign-in before this one is kept for showing, and the oldest sessions beyond the limit end.
async fn open_session(
    app: &App,
    tx: &mut crate::db::Tx,
    account: &Account,
    username: &str,
    ip: &str,
    mut detail: serde_json::Value,
) -> AppResult<NewSession> {
    let t = now();
    let prior: (i64, String, i64) =
        sqlx::query_as("SELECT last_login_at, last_login_ip, password_changed_at FROM users WHERE id = $1")
            .bind(account.id)
            .fetch_one(&mut **tx)
            .await?;
    sqlx::query(
        "UPDATE users SET failed_attempts = 0, locked_until = 0, active_at = $2, last_login_at = $2, last_login_ip = $3
         WHERE id = $1",
    )
    .bind(account.id)
    .bind(t)
    .bind(ip)
    .execute(&mut **tx)
    .await?;
    let max_age = app.config.password_max_age_days * 86_400;
    let expired = max_age > 0 && t - prior.2 > max_age;
    let session = NewSession {
        token: random_token(),
        csrf_token: random_token(),
        must_change_password: account.must_change || expired,
    };
    if expired && !account.must_change {
        sqlx::query("UPDATE users SET must_change_password = 1 WHERE id = $1")
            .bind(account.id)
            .execute(&mut **tx)
            .await?;
        detail["password_expired"] = json!(true);
    }
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, ip, confirmed_at,
                               prior_login_at, prior_login_ip)
         VALUES ($1, $2, $3, $4, $4, $5, $4, $6, $7)",
    )
    .bind(token_hash(&session.token))
    .bind(account.id)
    .bind(&session.csrf_token)
    .bind(t)
    .bind(ip)
    .bind(prior.0)
    .bind(&prior.1)
    .execute(&mut **tx)
    .await?;
    let keep = app.config.max_sessions_per_user;
    let ended = end_oldest_sessions(tx, account.id, &token_hash(&session.token), keep).await?;
    if ended > 0 {
        detail["ended_oldest_sessions"] = json!(ended);
    }
    let who = audit::Who { user_id: Some(account.id), name: username, ip };
    audit::record_as(tx, who, "auth.login", "user", account.id, detail).await?;
    Ok(session)
}

/// Disables an account nobody signed in to for `inactive_days` (GB/T 22239: 应及时停用多余的、
/// 过期的账户) and says so; an administrator enables it again.
async fn disable_idle(app: &App, user_id: i64, username: &str, ip: &str) -> AppResult<AppError> {
    let mut tx = app.db.begin().await?;
    sqlx::query("UPDATE users SET disabled = 1 WHERE id = $1").bind(user_id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    let who = audit::Who { user_id: Some(user_id), name: username, ip };
    let days = app.config.inactive_days;
    audit::record_as(
        &mut tx,
        who,
        "user.disable",
        "user",
        user_id,
        json!({"reason": "inactive", "days": days}),
    )
    .await?;
    tx.commit().await?;
    Ok(AppError::Conflict(Msg::new("err.inactive_disabled").arg("days", days)))
}

/// Keeps the session just begun (`current`, a token hash) and the account's newest others up to
/// `keep` in all, and ends the rest (0 keeps them all); returns how many ended. In the sign-in's
/// transaction, so parallel sign-ins on several servers agree.
async fn end_oldest_sessions(
    tx: &mut crate::db::Tx,
    user_id: i64,
    current: &str,
    keep: i64,
) -> AppResult<u64> {
    if keep == 0 {
        return Ok(0);
    }
    Ok(sqlx::query(
        "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2 AND token_hash NOT IN
           (SELECT token_hash FROM sessions WHERE user_id = $1 AND token_hash <> $2
            ORDER BY created_at DESC, last_seen_at DESC LIMIT $3)",
    )
    .bind(user_id)
    .bind(current)
    .bind(keep - 1)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// One of the account's attempts, claimed.
struct Claim {
    attempt: i64,
    password_hash: String,
    must_change: bool,
}

/// Claims one of the account's attempts in the database (one atomic UPDATE), so however many
/// arrive at once, on every server, at most `MAX_FAILED_ATTEMPTS` are checked before the account
/// locks; `None` if it is locked. The attempt that reaches the limit locks it at once (a right
/// answer among them unlocks it again).
async fn claim_attempt(app: &App, user_id: i64) -> AppResult<Option<Claim>> {
    let t = now();
    let claimed: Option<(i64, String, i64)> = sqlx::query_as(
        "UPDATE users SET
           failed_attempts = CASE WHEN failed_attempts >= $2 THEN 1 ELSE failed_attempts + 1 END,
           locked_until = CASE WHEN (CASE WHEN failed_attempts >= $2 THEN 1 ELSE failed_attempts + 1 END) >= $2
                               THEN $3 ELSE 0 END
         WHERE id = $1 AND locked_until <= $4
         RETURNING failed_attempts, password_hash, must_change_password",
    )
    .bind(user_id)
    .bind(MAX_FAILED_ATTEMPTS)
    .bind(t + LOCKOUT_SECONDS)
    .bind(t)
    .fetch_optional(&app.db.pool)
    .await?;
    Ok(claimed.map(|(attempt, password_hash, must_change)| Claim {
        attempt,
        password_hash,
        must_change: must_change != 0,
    }))
}

/// The account, if the password is right; each check first claims one of its attempts.
async fn check_credentials(app: &App, username: &str, password: &str, ip: &str) -> AppResult<Account> {
    let row = sqlx::query("SELECT id, disabled, locked_until, active_at FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(&app.db.pool)
        .await?;
    let Some(row) = row else {
        // Spend the same time as a real check so that timing does not reveal which names exist.
        verify_password(password, DUMMY_HASH).await?;
        failed_login(app, None, username, ip, json!({"reason": "unknown_user"})).await?;
        return Err(AppError::invalid("credentials", Msg::new("err.bad_credentials")));
    };
    let user_id: i64 = row.get("id");
    if row.get::<i64, _>("disabled") != 0 {
        failed_login(app, Some(user_id), username, ip, json!({"reason": "disabled"})).await?;
        return Err(AppError::invalid("credentials", Msg::new("err.bad_credentials")));
    }
    let t = now();
    let Some(claim) = claim_attempt(app, user_id).await? else {
        // Locked: as the row read says, or just now by a parallel attempt (for the full period).
        let read: i64 = row.get("locked_until");
        let locked_until = if read > t { read } else { t + LOCKOUT_SECONDS };
        failed_login(app, Some(user_id), username, ip, json!({"reason": "locked"})).await?;
        let minutes = (locked_until - t + 59) / 60;
        return Err(AppError::TooMany(Msg::new("err.locked").arg("minutes", minutes)));
    };
    if verify_password(password, &claim.password_hash).await? {
        return Ok(Account { id: user_id, must_change: claim.must_change, active_at: row.get("active_at") });
    }
    let locked = claim.attempt >= MAX_FAILED_ATTEMPTS;
    failed_login(app, Some(user_id), username, ip, json!({"reason": "bad_password", "locked": locked}))
        .await?;
    if locked {
        return Err(AppError::TooMany(Msg::new("err.locked").arg("minutes", LOCKOUT_SECONDS / 60)));
    }
    Err(AppError::invalid("credentials", Msg::new("err.bad_credentials")))
}

/// An argon2id hash of a random string, used to equalise timing for unknown users.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0kb2tOvc6KsYpNwqYyGBxH1KuWUZqPXPkFkMSmDNXYI";

/// A refused sign-in, recorded with its reason.
async fn failed_login(
    app: &App,
    user_id: Option<i64>,
    username: &str,
    ip: &str,
    detail: serde_json::Value,
) -> AppResult<()> {
    audit::record_standalone(&app.db, user_id, username, ip, "auth.login", detail, "failed").await
}

/// A signed-in session as found from its token.
pub struct SessionInfo {
    pub actor: Actor,
    pub csrf_token: String,
    /// The sign-in before this session's: when (Unix seconds) and from where; none if first.
    pub prior_login: Option<(i64, String)>,
}

/// Looks up a live session and refreshes its idle timer; `None` if unknown or idle too long.
pub async fn session(app: &App, token: &str, ip: &str) -> AppResult<Option<SessionInfo>> {
    let hash = token_hash(token);
    let row = sqlx::query(
        "SELECT user_id, csrf_token, last_seen_at, confirmed_at, prior_login_at, prior_login_ip
         FROM sessions WHERE token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(&app.db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let t = now();
    let last_seen: i64 = row.get("last_seen_at");
    if t - last_seen > app.config.idle_timeout_minutes * 60 {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(&hash).execute(&app.db.pool).await?;
        return Ok(None);
    }
    // Refreshing on every request would turn every read into a write; once a minute is enough,
    // or more often under a short timeout, so a session in use never expires.
    if t - last_seen >= refresh_interval(app.config.idle_timeout_minutes * 60) {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(t)
            .bind(&hash)
            .execute(&app.db.pool)
            .await?;
    }
    let user_id: i64 = row.get("user_id");
    let Some(mut actor) = load_actor(app, user_id, ip).await? else {
        return Ok(None);
    };
    actor.confirmed_at = Some(row.get("confirmed_at"));
    let prior_at: i64 = row.get("prior_login_at");
    let prior_login = (prior_at > 0).then(|| (prior_at, row.get("prior_login_ip")));
    Ok(Some(SessionInfo { actor, csrf_token: row.get("csrf_token"), prior_login }))
}

/// Seconds between refreshes of a session's idle timer: at most a minute, and a quarter of the
/// timeout, so a session used more often than the timeout never lapses.
fn refresh_interval(idle_seconds: i64) -> i64 {
    (idle_seconds / 4).clamp(1, 60)
}

/// Resolves an `Authorization: Bearer` secret: a session token or an integration token.
pub async fn bearer(app: &App, token: &str, ip: &str) -> AppResult<Option<Actor>> {
    if token.starts_with(API_TOKEN_PREFIX) {
        let user_id: Option<i64> = sqlx::query_scalar(
            "SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at = 0 AND expires_at > $2",
        )
        .bind(token_hash(token))
        .bind(now())
        .fetch_optional(&app.db.pool)
        .await?;
        return match user_id {
            Some(id) => load_actor(app, id, ip).await,
            None => Ok(None),
        };
    }
    Ok(session(app, token, ip).await?.map(|s| s.actor))
}

/// The account as an actor, with its roles; `None` if it is gone or disabled. Its password
/// counts as not given recently (`confirmed_at` is the session's to set).
pub async fn load_actor(app: &App, user_id: i64, ip: &str) -> AppResult<Option<Actor>> {
    let db = &app.db;
    let row = sqlx::query(
        "SELECT username, display_name, must_change_password, disabled, totp_enabled_at FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    if row.get::<i64, _>("disabled") != 0 {
        return Ok(None);
    }
    let grants = sqlx::query(
        "SELECT r.role, r.unit_id, u.path FROM user_roles r LEFT JOIN units u ON u.id = r.unit_id
         WHERE r.user_id = $1 ORDER BY r.id",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .filter_map(|r| {
        let role = Role::parse(&r.get::<String, _>("role"))?;
        let unit_id: i64 = r.get("unit_id");
        Some(RoleGrant {
            role,
            unit_id: (unit_id != 0).then_some(unit_id),
            unit_path: r.get::<Option<String>, _>("path"),
        })
    })
    .collect();
    let mut actor = Actor {
        user_id,
        username: row.get("username"),
        display_name: row.get("display_name"),
        grants,
        must_change_password: row.get::<i64, _>("must_change_password") != 0,
        must_enroll_second_factor: false,
        confirmed_at: None,
        ip: ip.to_string(),
    };
    actor.must_enroll_second_factor =
        super::second_factor::required_of(app, &actor) && row.get::<i64, _>("totp_enabled_at") == 0;
    Ok(Some(actor))
}

pub async fn logout(app: &App, actor: &Actor, token: &str) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash(token))
        .execute(&mut *tx)
        .await?;
    audit::record(&mut tx, actor, "auth.logout", "user", actor.user_id, json!({})).await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the actor's own password and ends every other way in: his other sessions and his
/// integration tokens. `keep` is the secret of the session (or token) making the change.
pub async fn change_password(
    app: &App,
    actor: &Actor,
    current: &str,
    new: &str,
    keep: Option<&str>,
) -> AppResult<()> {
    if !password_is(app, actor.user_id, current).await? {
        return Err(AppError::invalid("current", Msg::new("err.current_password")));
    }
    check_password_rules(new)?;
    if new == current {
        return Err(AppError::invalid("password", Msg::new("err.password_same")));
    }
    let history = app.config.password_history;
    let earlier: Vec<String> = sqlx::query_scalar(
        "SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(actor.user_id)
    .bind((history - 1).max(0))
    .fetch_all(&app.db.pool)
    .await?;
    for hash in &earlier {
        if verify_password(new, hash).await? {
            return Err(AppError::invalid("password", Msg::new("err.password_reused").arg("count", history)));
        }
    }
    let new_hash = hash_password(new).await?;
    let t = now();
    let mut tx = app.db.begin().await?;
    // The password being replaced joins the history; only as many as are compared are kept.
    let old_hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(actor.user_id)
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query("UPDATE users SET password_hash = $1, must_change_password = 0, password_changed_at = $3 WHERE id = $2")
        .bind(&new_hash)
        .bind(actor.user_id)
        .bind(t)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO password_history (user_id, password_hash, changed_at) VALUES ($1, $2, $3)")
        .bind(actor.user_id)
        .bind(&old_hash)
        .bind(t)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "DELETE FROM password_history WHERE user_id = $1 AND id NOT IN
           (SELECT id FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2)",
    )
    .bind(actor.user_id)
    .bind((history - 1).max(0))
    .execute(&mut *tx)
    .await?;
    let kept = keep.map(token_hash).unwrap_or_default();
    let sessions = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(actor.user_id)
        .bind(&kept)
        .execute(&mut *tx)
        .await?;
    let tokens = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at = 0 AND token_hash <> $3",
    )
    .bind(now())
    .bind(actor.user_id)
    .bind(&kept)
    .execute(&mut *tx)
    .await?;
    let ended = json!({"sessions_ended": sessions.rows_affected(), "tokens_revoked": tokens.rows_affected()});
    audit::record(&mut tx, actor, "auth.change_password", "user", actor.user_id, ended).await?;
    tx.commit().await?;
    Ok(())
}

/// Re-confirmation of a session's holder before privileged actions: the password again. Wrong
/// guesses are limited per account, as at sign-in; the session itself is not ended by them.
pub async fn confirm_password(
    app: &App,
    actor: &Actor,
    session_token: &str,
    password: &str,
) -> AppResult<()> {
    let rule = super::throttle::Rule { limit: MAX_FAILED_ATTEMPTS, window: LOCKOUT_SECONDS };
    let key = format!("confirm:{}", actor.user_id);
    if app.throttle.hits(&app.db, &key, rule).await? >= MAX_FAILED_ATTEMPTS {
        return Err(AppError::TooMany(Msg::new("err.locked").arg("minutes", LOCKOUT_SECONDS / 60)));
    }
    if !password_is(app, actor.user_id, password).await? {
        app.throttle.claim(&app.db, &[(key, rule)]).await?;
        audit::record_standalone(
            &app.db,
            Some(actor.user_id),
            &actor.username,
            &actor.ip,
            "auth.confirm",
            json!({}),
            "failed",
        )
        .await?;
        return Err(AppError::invalid("confirm_password", Msg::new("err.password_wrong")));
    }
    let mut tx = app.db.begin().await?;
    sqlx::query("UPDATE sessions SET confirmed_at = $1 WHERE token_hash = $2 AND user_id = $3")
        .bind(now())
        .bind(token_hash(session_token))
        .bind(actor.user_id)
        .execute(&mut *tx)
        .await?;
    audit::record(&mut tx, actor, "auth.confirm", "user", actor.user_id, json!({})).await?;
    tx.commit().await?;
    Ok(())
}

/// How long an integration token lasts unless its maker says otherwise, and at most.
pub const TOKEN_DAYS: (u32, u32) = (90, 365);

/// Creates an integration token lasting `days` (1 to a year); the secret is shown once. Its
/// secret and when it expires.
pub async fn create_api_token(
    app: &App,
    actor: &Actor,
    name: &str,
    days: Option<u32>,
) -> AppResult<(String, i64)> {
    // A long-lived credential is made only by someone who just gave his password.
    actor.require_recent_password(app)?;
    let name = super::clean_text("name", name, 100, true)?;
    let days = days.unwrap_or(TOKEN_DAYS.0);
    if !(1..=TOKEN_DAYS.1).contains(&days) {
        return Err(AppError::invalid("valid_days", Msg::new("err.token_days").arg("max", TOKEN_DAYS.1)));
    }
    let token = format!("{API_TOKEN_PREFIX}{}", random_token());
    let expires_at = now() + i64::from(days) * 86_400;
    let mut tx = app.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(actor.user_id)
    .bind(&name)
    .bind(token_hash(&token))
    .bind(now())
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(&mut tx, actor, "token.create", "api_token", id, json!({"name": name, "days": days}))
        .await?;
    tx.commit().await?;
    Ok((token, expires_at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn dummy_hash_is_a_valid_argon2id_hash() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("anything", DUMMY_HASH).await.unwrap());
    }

    #[test]
    fn a_session_used_within_its_timeout_is_refreshed_before_it_lapses() {
        // A one-minute timeout, used every 40 seconds: each use must move the timer.
        let interval = refresh_interval(60);
        assert!((1..=40).contains(&interval));
        assert_eq!(refresh_interval(30 * 60), 60);
    }

    #[tokio::test]
    async fn hashes_verify() {
        let h = hash_password("Secret#123").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Secret#123", &h).await.unwrap());
        assert!(!verify_password("secret#123", &h).await.unwrap());
    }
}
