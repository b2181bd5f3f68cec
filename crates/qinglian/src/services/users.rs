//! Accounts: adding users, resetting passwords, granting and revoking roles, disabling.
//! Administrators do this from the pages and the API; `qinglian user` does it as the system.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::auth::{generate_password, hash_password};
use super::filter::Where;
use super::{audit, clean_text, Actor, App, Page, Paging};
use crate::db::{now, Tx};
use crate::domain::{check_password_rules, Role, RoleGrant};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

/// The actor used by command-line administration (there is no signed-in person).
pub fn system_actor() -> Actor {
    Actor {
        user_id: 0,
        username: "system".into(),
        display_name: "系统".into(),
        // Not an account: the operator at the machine may act as any of the three officers.
        grants: Role::OFFICERS
            .iter()
            .map(|&role| RoleGrant { role, unit_id: None, unit_path: None })
            .collect(),
        must_change_password: false,
        must_enroll_second_factor: false,
        // The command line is the operator at the machine itself.
        confirmed_at: Some(i64::MAX),
        ip: "cli".into(),
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Grant>,
    pub must_change_password: bool,
    pub locked: bool,
    pub disabled: bool,
    /// The roster entry this account belongs to (for one-tap sign-in and "my sessions").
    pub person_name: Option<String>,
    /// Signed-in sessions open now.
    pub sessions: i64,
    /// Whether the account signs in with a second factor.
    pub second_factor: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Grant {
    pub id: i64,
    pub role: Role,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewUser {
    pub username: String,
    #[schema(min_length = 1, max_length = 50)]
    pub display_name: String,
    /// Left empty, a random initial password is made, returned once, and must be changed.
    #[serde(default)]
    pub password: Option<String>,
    pub role: Option<String>,
    /// The unit a unit administrator looks after.
    pub unit_id: Option<i64>,
    /// The phone of the account holder's roster entry, to link the two.
    #[serde(default)]
    pub person_phone: Option<String>,
}

/// A password made by the system, shown once to the administrator.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = IssuedPassword)]
pub struct Issued {
    pub user_id: i64,
    pub username: String,
    /// Set when the system made the password; the user must change it at first sign-in.
    pub initial_password: Option<String>,
}

fn check_username(username: &str) -> AppResult<()> {
    let ok = !username.is_empty()
        && username.len() <= 64
        && username.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid("username", Msg::new("err.username")))
    }
}

/// The password to set: the one given (checked against the rules), or a new random one that
/// must be changed at first sign-in.
fn choose_password(given: Option<&str>) -> AppResult<(String, bool)> {
    match given.filter(|p| !p.is_empty()) {
        Some(p) => check_password_rules(p).map(|_| (p.to_string(), false)),
        None => Ok((generate_password(), true)),
    }
}

pub async fn add(app: &App, actor: &Actor, input: NewUser) -> AppResult<Issued> {
    actor.require_admin()?;
    actor.require_recent_password(app)?;
    let username = input.username.trim().to_string();
    check_username(&username)?;
    let display_name = clean_text("display_name", &input.display_name, 50, true)?;
    let role = match input.role.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => Some(Role::parse(r).ok_or_else(|| AppError::invalid("role", Msg::new("err.role")))?),
        None => None,
    };
    let (password, generated) = choose_password(input.password.as_deref())?;
    let hash = hash_password(&password).await?;
    let mut tx = app.db.begin().await?;
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(&username)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(AppError::invalid("username", Msg::new("err.username_taken")));
    }
    let id = insert(&mut tx, &username, &display_name, &hash, generated).await?;
    audit::record(&mut tx, actor, "user.create", "user", id, json!({"username": username})).await?;
    if let Some(role) = role {
        grant_checked(&mut tx, actor, id, role, input.unit_id).await?;
    }
    if let Some(phone) = input.person_phone.as_deref().filter(|p| !p.trim().is_empty()) {
        link_in(&mut tx, actor, id, phone).await?;
    }
    tx.commit().await?;
    Ok(Issued { user_id: id, username, initial_password: generated.then_some(password) })
}

pub async fn insert(
    tx: &mut Tx,
    username: &str,
    display_name: &str,
    hash: &str,
    must_change: bool,
) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO users (username, display_name, password_hash, must_change_password, created_at,
                            password_changed_at, active_at)
         VALUES ($1, $2, $3, $4, $5, $5, $5) RETURNING id",
    )
    .bind(username)
    .bind(display_name)
    .bind(hash)
    .bind(must_change as i64)
    .bind(now())
    .fetch_one(&mut **tx)
    .await?)
}

pub async fn id_by_name(app: &App, username: &str) -> AppResult<i64> {
    sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username.trim())
        .fetch_optional(&app.db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn unit_id_by_name(app: &App, name: &str) -> AppResult<i64> {
    sqlx::query_scalar("SELECT id FROM units WHERE name = $1")
        .bind(crate::domain::text::normalize_name(name))
        .fetch_optional(&app.db.pool)
        .await?
        .ok_or_else(|| AppError::invalid("unit", Msg::new("err.unit_unknown")))
}

/// Sets a new password, unlocks the account and ends its sessions. Without a password a random
/// one is made, returned once, and must be changed at next sign-in.
pub async fn reset_password(
    app: &App,
    actor: &Actor,
    user_id: i64,
    password: Option<&str>,
) -> AppResult<Issued> {
    actor.require_admin()?;
    actor.require_recent_password(app)?;
    let (password, generated) = choose_password(password)?;
    let hash = hash_password(&password).await?;
    let mut tx = app.db.begin().await?;
    let username: String = sqlx::query_scalar(
        "UPDATE users SET password_hash = $1, must_change_password = $2, failed_attempts = 0, locked_until = 0,
                          password_changed_at = $4, active_at = $4
         WHERE id = $3 RETURNING username",
    )
    .bind(hash)
    .bind(generated as i64)
    .bind(user_id)
    .bind(now())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
    audit::record(&mut tx, actor, "user.reset_password", "user", user_id, json!({"generated": generated}))
        .await?;
    tx.commit().await?;
    Ok(Issued { user_id, username, initial_password: generated.then_some(password) })
}

pub async fn grant(
    app: &App,
    actor: &Actor,
    user_id: i64,
    role: Role,
    unit_id: Option<i64>,
) -> AppResult<()> {
    actor.require_admin()?;
    actor.require_recent_password(app)?;
    let mut tx = app.db.begin().await?;
    grant_checked(&mut tx, actor, user_id, role, unit_id).await?;
    tx.commit().await.map_err(AppError::from)
}

async fn grant_checked(
    tx: &mut Tx,
    actor: &Actor,
    user_id: i64,
    role: Role,
    unit_id: Option<i64>,
) -> AppResult<()> {
    let unit_id = match (role.unit_scoped(), unit_id) {
        (true, Some(id)) => {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM units WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
            exists.ok_or_else(|| AppError::invalid("unit_id", Msg::new("err.unit_unknown")))?
        }
        (true, None) => return Err(AppError::invalid("unit_id", Msg::new("err.unit_needed"))),
        (false, _) => 0,
    };
    // The row lock makes parallel grants to one account take turns, so two officer roles
    // cannot both pass the check below.
    let user: Option<i64> = sqlx::query_scalar("UPDATE users SET id = id WHERE id = $1 RETURNING id")
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await?;
    user.ok_or(AppError::NotFound)?;
    if Role::OFFICERS.contains(&role) {
        let held: Vec<String> = sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(&mut **tx)
            .await?;
        let other =
            held.iter().filter_map(|r| Role::parse(r)).any(|r| Role::OFFICERS.contains(&r) && r != role);
        if other {
            return Err(AppError::Conflict(Msg::new("err.separation_of_duties")));
        }
    }
    grant_in(tx, user_id, role, unit_id).await?;
    audit::record(
        tx,
        actor,
        "user.grant",
        "user",
        user_id,
        json!({"role": role.as_str(), "unit_id": unit_id}),
    )
    .await
}

pub async fn grant_in(tx: &mut Tx, user_id: i64, role: Role, unit_id: i64) -> AppResult<()> {
    sqlx::query("INSERT INTO user_roles (user_id, role, unit_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(user_id)
        .bind(role.as_str())
        .bind(unit_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Links an account to the roster entry with this phone (or unlinks it, given an empty phone).
pub async fn link_person(app: &App, actor: &Actor, user_id: i64, phone: &str) -> AppResult<()> {
    actor.require_admin()?;
    actor.require_recent_password(app)?;
    let mut tx = app.db.begin().await?;
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
    exists.ok_or(AppError::NotFound)?;
    if phone.trim().is_empty() {
        sqlx::query("UPDATE users SET person_id = NULL WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        audit::record(&mut tx, actor, "user.unlink_person", "user", user_id, json!({})).await?;
    } else {
        link_in(&mut tx, actor, user_id, phone).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn link_in(tx: &mut Tx, actor: &Actor, user_id: i64, phone: &str) -> AppResult<()> {
    let phone = crate::domain::parse_phone(phone)
        .ok_or_else(|| AppError::invalid("person_phone", Msg::new("err.phone")))?;
    let person: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE phone_idx = $1")
        .bind(tx.vault.index(crate::vault::Blind::Phone, &phone))
        .fetch_optional(&mut **tx)
        .await?;
    let person =
        person.ok_or_else(|| AppError::invalid("person_phone", Msg::new("err.person_phone_unknown")))?;
    sqlx::query("UPDATE users SET person_id = $1 WHERE id = $2")
        .bind(person)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    audit::record(tx, actor, "user.link_person", "user", user_id, json!({"person_id": person})).await
}

pub async fn revoke(app: &App, actor: &Actor, user_id: i64, grant_id: i64) -> AppResult<()> {
    actor.require_admin()?;
    actor.require_recent_password(app)?;
    if user_id == actor.user_id {
        // An administrator cannot lock himself out by accident.
        return Err(AppError::Conflict(Msg::new("err.own_roles")));
    }
    let mut tx = app.db.begin().await?;
    let role: Option<String> =
        sqlx::query_scalar("DELETE FROM user_roles WHERE id = $1 AND user_id = $2 RETURNING role")
            .bind(grant_id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
    let role = role.ok_or(AppError::NotFound)?;
    audit::record(&mut tx, actor, "user.revoke", "user", user_id, json!({"role": role})).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_disabled(app: &App, actor: &Actor, user_id: i64, disabled: bool) -> AppResult<()> {
    actor.require_admin()?;
    actor.require_recent_password(app)?;
    if user_id == actor.user_id {
        return Err(AppError::Conflict(Msg::new("err.own_account")));
    }
    let mut tx = app.db.begin().await?;
    // Enabling again restarts the idle count, or the account would be disabled at once.
    let n = sqlx::query("UPDATE users SET disabled = $1, active_at = CASE WHEN $1 = 0 THEN $3 ELSE active_at END WHERE id = $2")
        .bind(disabled as i64)
        .bind(user_id)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    if n.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    if disabled {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at = 0")
            .bind(now())
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
    }
    let action = if disabled { "user.disable" } else { "user.enable" };
    audit::record(&mut tx, actor, action, "user", user_id, json!({})).await?;
    tx.commit().await?;
    Ok(())
}

/// One signed-in session of an account, as an administrator sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionRow {
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: String,
}

pub async fn sessions(app: &App, actor: &Actor, user_id: i64) -> AppResult<Vec<SessionRow>> {
    actor.require_security_admin()?;
    let rows = sqlx::query_as::<_, (i64, i64, String)>(
        "SELECT created_at, last_seen_at, ip FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC",
    )
    .bind(user_id)
    .fetch_all(&app.db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(created_at, last_seen_at, ip)| SessionRow { created_at, last_seen_at, ip })
        .collect())
}

/// Ends every session of an account (its integration tokens stay; revoke them separately). An
/// administrator ending his own keeps the one he is using (`current`, its secret), so the request
/// signs out his other devices instead of locking him out mid-task.
pub async fn end_sessions(app: &App, actor: &Actor, user_id: i64, current: Option<&str>) -> AppResult<u64> {
    actor.require_security_admin()?;
    actor.require_recent_password(app)?;
    let kept = current.filter(|_| user_id == actor.user_id).map(super::auth::token_hash).unwrap_or_default();
    let mut tx = app.db.begin().await?;
    let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(&kept)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        "user.end_sessions",
        "user",
        user_id,
        json!({"ended": ended.rows_affected(), "kept_current": !kept.is_empty()}),
    )
    .await?;
    tx.commit().await?;
    Ok(ended.rows_affected())
}

pub async fn list(app: &App, actor: &Actor, q: Option<&str>, paging: Paging) -> AppResult<Page<User>> {
    if !(actor.has(Role::Admin) || actor.has(Role::SecurityAdmin)) {
        return Err(AppError::Forbidden);
    }
    let mut w = Where::default();
    if let Some(q) = q.map(str::trim).filter(|s| !s.is_empty()) {
        w.bind("(u.username LIKE ? OR u.display_name LIKE ?)", format!("%{q}%"));
    }
    let total = w.count(&app.db.pool, "FROM users u").await?;
    let sql = format!(
        "SELECT u.id, u.username, u.display_name, u.must_change_password, u.locked_until, u.disabled, p.name AS person_name,
                u.totp_enabled_at,
                (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id) AS sessions
         FROM users u LEFT JOIN people p ON p.id = u.person_id WHERE {} ORDER BY u.id{}",
        w.sql(),
        paging.sql()
    );
    let rows = w.fetch_all(&app.db.pool, &sql).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.get::<i64, _>("id").to_string()).collect();
    let grants = if ids.is_empty() {
        Vec::new()
    } else {
        sqlx::query(&format!(
            "SELECT r.id, r.user_id, r.role, r.unit_id, n.name FROM user_roles r LEFT JOIN units n ON n.id = r.unit_id
             WHERE r.user_id IN ({}) ORDER BY r.id",
            ids.join(", ")
        ))
        .fetch_all(&app.db.pool)
        .await?
    };
    let t = now();
    let items = rows
        .iter()
        .map(|r| {
            let id: i64 = r.get("id");
            User {
                id,
                username: r.get("username"),
                display_name: r.get("display_name"),
                roles: grants
                    .iter()
                    .filter(|g| g.get::<i64, _>("user_id") == id)
                    .filter_map(|g| {
                        let unit_id: i64 = g.get("unit_id");
                        Some(Grant {
                            id: g.get("id"),
                            role: Role::parse(&g.get::<String, _>("role"))?,
                            unit_id: (unit_id != 0).then_some(unit_id),
                            unit_name: g.get("name"),
                        })
                    })
                    .collect(),
                must_change_password: r.get::<i64, _>("must_change_password") != 0,
                second_factor: r.get::<i64, _>("totp_enabled_at") > 0,
                locked: r.get::<i64, _>("locked_until") > t,
                disabled: r.get::<i64, _>("disabled") != 0,
                person_name: r.get("person_name"),
                sessions: r.get("sessions"),
            }
        })
        .collect();
    Ok(Page::new(items, total, paging))
}
