//! Accounts: adding users, resetting passwords, granting roles. Used by the `qinglian user`
//! command (as the system) and by administrators.

use serde_json::json;

use super::auth::hash_password;
use super::{audit, Actor, App};
use crate::db::{now, Tx};
use crate::domain::{check_password_rules, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

/// The actor used by command-line administration (there is no signed-in person).
pub fn system_actor() -> Actor {
    Actor {
        user_id: 0,
        username: "system".into(),
        display_name: "系统".into(),
        grants: vec![crate::domain::RoleGrant { role: Role::Admin, unit_id: None, unit_path: None }],
        must_change_password: false,
        ip: "cli".into(),
    }
}

/// Adds an account. `must_change` forces a new password at first sign-in.
pub async fn add(
    app: &App,
    actor: &Actor,
    username: &str,
    display_name: &str,
    password: &str,
    must_change: bool,
) -> AppResult<i64> {
    actor.require_admin()?;
    let username = username.trim();
    if username.is_empty()
        || username.len() > 64
        || !username.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(AppError::invalid("username", Msg::new("err.username")));
    }
    check_password_rules(password)?;
    let hash = hash_password(password).await?;
    let mut tx = app.db.begin().await?;
    let id = insert(&mut tx, username, display_name, &hash, must_change).await?;
    audit::record(&mut tx, actor, "user.create", "user", id, json!({"username": username})).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn insert(
    tx: &mut Tx,
    username: &str,
    display_name: &str,
    hash: &str,
    must_change: bool,
) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO users (username, display_name, password_hash, must_change_password, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
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
        .bind(username)
        .fetch_optional(&app.db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

/// Sets a new password (and unlocks the account); `must_change` makes it an initial password.
pub async fn reset_password(
    app: &App,
    actor: &Actor,
    username: &str,
    password: &str,
    must_change: bool,
) -> AppResult<()> {
    actor.require_admin()?;
    check_password_rules(password)?;
    let id = id_by_name(app, username).await?;
    let hash = hash_password(password).await?;
    let mut tx = app.db.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2, failed_attempts = 0, locked_until = 0 WHERE id = $3")
        .bind(hash)
        .bind(must_change as i64)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    // A new password ends every session of the old one.
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
    audit::record(&mut tx, actor, "user.reset_password", "user", id, json!({"username": username})).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn grant(
    app: &App,
    actor: &Actor,
    username: &str,
    role: Role,
    unit_name: Option<&str>,
) -> AppResult<()> {
    actor.require_admin()?;
    let id = id_by_name(app, username).await?;
    let unit_id = match (role.unit_scoped(), unit_name) {
        (true, Some(name)) => sqlx::query_scalar::<_, i64>("SELECT id FROM units WHERE name = $1")
            .bind(crate::domain::text::normalize_name(name))
            .fetch_optional(&app.db.pool)
            .await?
            .ok_or_else(|| AppError::invalid("unit", Msg::new("err.unit_unknown")))?,
        (true, None) => return Err(AppError::invalid("unit", Msg::new("err.required"))),
        (false, _) => 0,
    };
    let mut tx = app.db.begin().await?;
    grant_in(&mut tx, id, role, unit_id).await?;
    audit::record(
        &mut tx,
        actor,
        "user.grant",
        "user",
        id,
        json!({"role": role.as_str(), "unit_id": unit_id}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
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
