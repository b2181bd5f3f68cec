//! The unit tree: city → departments and townships → villages, stations, schools, enterprises.
//! Unit types are data (`unit_types`); the tree is kept as a materialised path for subtree scans.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::{audit, clean_text, Actor, App};
use crate::db::{now, Tx};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Unit {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub type_code: String,
    pub type_name: String,
    pub path: String,
    pub depth: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitType {
    pub code: String,
    pub name: String,
}

const UNIT_COLUMNS: &str = "u.id, u.parent_id, u.name, u.type_code, t.name AS type_name, u.path, u.depth";

fn unit_from_row(r: &sqlx::any::AnyRow) -> Unit {
    Unit {
        id: r.get("id"),
        parent_id: r.get("parent_id"),
        name: r.get("name"),
        type_code: r.get("type_code"),
        type_name: r.get("type_name"),
        path: r.get("path"),
        depth: r.get("depth"),
    }
}

/// All units in tree order (a city has hundreds to a few thousand; lists are cheap).
pub async fn list(app: &App) -> AppResult<Vec<Unit>> {
    let rows = sqlx::query(&format!(
        "SELECT {UNIT_COLUMNS} FROM units u JOIN unit_types t ON t.code = u.type_code ORDER BY u.path"
    ))
    .fetch_all(&app.db.pool)
    .await?;
    Ok(rows.iter().map(unit_from_row).collect())
}

/// The units an actor may act for: all for campaign-wide roles, his subtrees for a unit
/// administrator, none otherwise.
pub async fn visible(app: &App, actor: &Actor) -> AppResult<Vec<Unit>> {
    Ok(list(app).await?.into_iter().filter(|u| actor.covers(&u.path)).collect())
}

pub async fn get(app: &App, id: i64) -> AppResult<Unit> {
    sqlx::query(&format!(
        "SELECT {UNIT_COLUMNS} FROM units u JOIN unit_types t ON t.code = u.type_code WHERE u.id = $1"
    ))
    .bind(id)
    .fetch_optional(&app.db.pool)
    .await?
    .map(|r| unit_from_row(&r))
    .ok_or(AppError::NotFound)
}

pub async fn types(app: &App) -> AppResult<Vec<UnitType>> {
    Ok(sqlx::query("SELECT code, name FROM unit_types ORDER BY sort, code")
        .fetch_all(&app.db.pool)
        .await?
        .iter()
        .map(|r| UnitType { code: r.get("code"), name: r.get("name") })
        .collect())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewUnit {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub type_code: String,
    pub parent_id: Option<i64>,
}

/// Adds a unit under `parent_id`; admins and organisers anywhere, unit admins inside their subtree.
pub async fn create(app: &App, actor: &Actor, input: NewUnit) -> AppResult<Unit> {
    let name = crate::domain::text::normalize_name(&clean_text("name", &input.name, 100, true)?);
    let mut tx = app.db.begin().await?;
    let parent = match input.parent_id {
        Some(pid) => {
            let path: Option<String> = sqlx::query_scalar("SELECT path FROM units WHERE id = $1")
                .bind(pid)
                .fetch_optional(&mut *tx)
                .await?;
            let path = path.ok_or_else(|| AppError::invalid("parent_id", Msg::new("err.unit_unknown")))?;
            if !actor.covers(&path) {
                return Err(AppError::Forbidden);
            }
            Some((pid, path))
        }
        None => {
            actor.require_organiser()?;
            None
        }
    };
    let type_ok: Option<String> = sqlx::query_scalar("SELECT code FROM unit_types WHERE code = $1")
        .bind(&input.type_code)
        .fetch_optional(&mut *tx)
        .await?;
    if type_ok.is_none() {
        return Err(AppError::invalid("type_code", Msg::new("err.unit_type_unknown")));
    }
    let id =
        insert(&mut tx, &name, &input.type_code, parent.as_ref().map(|(id, p)| (*id, p.as_str()))).await?;
    audit::record(
        &mut tx,
        actor,
        "unit.create",
        "unit",
        id,
        json!({"name": name, "parent_id": input.parent_id}),
    )
    .await?;
    tx.commit().await?;
    get(app, id).await
}

/// Inserts one unit and fills in its path; shared by the service and the demo loader.
pub async fn insert(tx: &mut Tx, name: &str, type_code: &str, parent: Option<(i64, &str)>) -> AppResult<i64> {
    let dup: Option<i64> = sqlx::query_scalar("SELECT id FROM units WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut **tx)
        .await?;
    if dup.is_some() {
        return Err(AppError::invalid("name", Msg::new("err.unit_exists").arg("name", name)));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO units (parent_id, name, type_code, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(parent.map(|(id, _)| id))
    .bind(name)
    .bind(type_code)
    .bind(now())
    .fetch_one(&mut **tx)
    .await?;
    let (path, depth) = match parent {
        Some((_, parent_path)) => (format!("{parent_path}{id}/"), parent_path.matches('/').count() as i64),
        None => (format!("/{id}/"), 0),
    };
    sqlx::query("UPDATE units SET path = $1, depth = $2 WHERE id = $3")
        .bind(path)
        .bind(depth)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UnitChange {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    pub type_code: String,
    /// The unit to move under; absent keeps a top-level unit at the top.
    pub parent_id: Option<i64>,
}

/// Renames a unit, changes its type or moves it, with everything below it, under another parent.
/// The actor must cover the unit and, for a move, the new parent; a unit never moves under itself.
pub async fn update(app: &App, actor: &Actor, id: i64, input: UnitChange) -> AppResult<Unit> {
    let before = get(app, id).await?;
    if !actor.covers(&before.path) {
        return Err(AppError::NotFound);
    }
    let name = crate::domain::text::normalize_name(&clean_text("name", &input.name, 100, true)?);
    let mut tx = app.db.begin().await?;
    let type_ok: Option<String> = sqlx::query_scalar("SELECT code FROM unit_types WHERE code = $1")
        .bind(&input.type_code)
        .fetch_optional(&mut *tx)
        .await?;
    if type_ok.is_none() {
        return Err(AppError::invalid("type_code", Msg::new("err.unit_type_unknown")));
    }
    let dup: Option<i64> = sqlx::query_scalar("SELECT id FROM units WHERE name = $1 AND id <> $2")
        .bind(&name)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    if dup.is_some() {
        return Err(AppError::invalid("name", Msg::new("err.unit_exists").arg("name", &name)));
    }
    if input.parent_id != before.parent_id {
        let new_path = match input.parent_id {
            Some(pid) => {
                let parent: Option<String> = sqlx::query_scalar("SELECT path FROM units WHERE id = $1")
                    .bind(pid)
                    .fetch_optional(&mut *tx)
                    .await?;
                let parent =
                    parent.ok_or_else(|| AppError::invalid("parent_id", Msg::new("err.unit_unknown")))?;
                if parent.starts_with(&before.path) {
                    return Err(AppError::invalid("parent_id", Msg::new("err.unit_under_itself")));
                }
                if !actor.covers(&parent) {
                    return Err(AppError::Forbidden);
                }
                format!("{parent}{id}/")
            }
            None => {
                actor.require_organiser()?;
                format!("/{id}/")
            }
        };
        move_subtree(&mut tx, &before.path, &new_path).await?;
    }
    sqlx::query("UPDATE units SET name = $1, type_code = $2, parent_id = $3 WHERE id = $4")
        .bind(&name)
        .bind(&input.type_code)
        .bind(input.parent_id)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| crate::error::unique_as(e, "name", Msg::new("err.unit_exists").arg("name", &name)))?;
    let fields = |name: &str, type_code: &str, parent: Option<i64>| json!({"name": name, "type_code": type_code, "parent_id": parent});
    let detail = audit::changes(
        fields(&before.name, &before.type_code, before.parent_id),
        fields(&name, &input.type_code, input.parent_id),
    );
    audit::record(&mut tx, actor, "unit.update", "unit", id, detail).await?;
    tx.commit().await?;
    get(app, id).await
}

/// Moves every unit whose path starts with `from` to start with `to` instead, keeping the
/// subtree's shape and depths, in one statement.
async fn move_subtree(tx: &mut Tx, from: &str, to: &str) -> AppResult<()> {
    let depth_delta = to.matches('/').count() as i64 - from.matches('/').count() as i64;
    sqlx::query(
        "UPDATE units SET path = $1 || SUBSTR(path, CAST($2 AS INTEGER)), depth = depth + $3 WHERE path LIKE $4",
    )
    .bind(to)
    .bind(from.len() as i64 + 1)
    .bind(depth_delta)
    .bind(format!("{from}%"))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Columns that name a unit, each moved to the unit kept by a merge. Sign-ins keep the unit they
/// counted for as a column too: a merged unit's past attendance becomes the kept unit's.
const NAMING_COLUMNS: &[(&str, &str)] = &[
    ("people", "unit_id"),
    ("campaigns", "issuer_unit_id"),
    ("activities", "lead_unit_id"),
    ("tasks", "unit_id"),
    ("ledger_entries", "unit_id"),
    ("sittings", "host_unit_id"),
    ("sittings", "audience_unit_id"),
    ("materials", "host_unit_id"),
    ("materials", "audience_unit_id"),
    ("pledges", "host_unit_id"),
    ("pledges", "audience_unit_id"),
    ("placements", "unit_id"),
    ("inspections", "unit_id"),
    ("findings", "owner_unit_id"),
    ("integrity_applications", "unit_id"),
    ("column_pieces", "unit_id"),
    ("checkins", "unit_id"),
    // Listings the kept unit already had were dropped above.
    ("activity_co_units", "unit_id"),
];

/// What stops a merge: a task of both units for one assignment (their ledgers would have to be
/// merged by hand), or accounts scoped to the unit merged away (whose reach a merge must not widen).
const MERGE_BLOCKERS: super::Dependents = super::Dependents(&[
    (
        "SELECT COUNT(*) FROM tasks t WHERE t.unit_id = $1 AND EXISTS
           (SELECT 1 FROM tasks k WHERE k.assignment_id = t.assignment_id AND k.unit_id = $2)",
        "dep.shared_tasks",
    ),
    ("SELECT COUNT(*) FROM user_roles WHERE unit_id = $1", "dep.unit_grants"),
]);

/// Merges unit `from` into `into` (撤并): its people, the units below it, its tasks, entries,
/// sittings, materials, placements, inspections and applications become the kept unit's, and
/// `from` is removed; the log keeps what moved. Both must be the actor's to administer, and the
/// kept unit must not lie below the one merged away.
pub async fn merge(app: &App, actor: &Actor, from: i64, into: i64) -> AppResult<Unit> {
    let gone = get(app, from).await?;
    if !actor.covers(&gone.path) {
        return Err(AppError::NotFound);
    }
    let kept = get(app, into).await.map_err(|_| AppError::invalid("into", Msg::new("err.unit_unknown")))?;
    if !actor.covers(&kept.path) {
        return Err(AppError::invalid("into", Msg::new("err.unit_out_of_scope")));
    }
    if kept.path.starts_with(&gone.path) {
        return Err(AppError::invalid("into", Msg::new("err.unit_merge_below")));
    }
    let mut tx = app.db.begin().await?;
    // Holding the unit's row first, so a second merge or a task assigned meanwhile waits and is seen.
    sqlx::query("UPDATE units SET name = name WHERE id = $1").bind(from).execute(&mut *tx).await?;
    MERGE_BLOCKERS.refuse_if_any_of(&mut tx, &[from, into], "err.unit_merge_blocked").await?;
    // The units below keep their shape under the kept unit (the merged one, moved onto the kept
    // unit's path with them, is removed below).
    move_subtree(&mut tx, &gone.path, &kept.path).await?;
    let mut moved = serde_json::Map::new();
    let children = sqlx::query("UPDATE units SET parent_id = $1 WHERE parent_id = $2")
        .bind(into)
        .bind(from)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    moved.insert("units".into(), json!(children));
    // A co-operating unit listed twice becomes one listing.
    sqlx::query(
        "DELETE FROM activity_co_units WHERE unit_id = $1 AND activity_id IN (SELECT activity_id FROM activity_co_units WHERE unit_id = $2)",
    )
    .bind(from)
    .bind(into)
    .execute(&mut *tx)
    .await?;
    for &(table, column) in NAMING_COLUMNS {
        let n = sqlx::query(&format!("UPDATE {table} SET {column} = $1 WHERE {column} = $2"))
            .bind(into)
            .bind(from)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n > 0 {
            moved.insert(format!("{table}.{column}"), json!(n));
        }
    }
    sqlx::query("DELETE FROM units WHERE id = $1").bind(from).execute(&mut *tx).await?;
    let detail = json!({"into": into, "name": gone.name, "path": gone.path, "moved": moved});
    audit::record(&mut tx, actor, "unit.merge", "unit", from, detail).await?;
    tx.commit().await?;
    get(app, into).await
}
