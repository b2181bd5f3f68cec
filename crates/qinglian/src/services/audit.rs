//! The append-only audit log: who did what to which entity, from where, with what result.
//! There is deliberately no update or delete here, and the database refuses both (triggers).

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::filter::Where;
use super::{Actor, App, Page, Paging};
use crate::db::{now, Db, Tx};
use crate::error::{AppError, AppResult};

/// One write worth recording, written inside the transaction that makes the change.
pub async fn record(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: impl ToString,
    detail: serde_json::Value,
) -> AppResult<()> {
    let who = Who { user_id: Some(actor.user_id), name: &actor.username, ip: &actor.ip };
    record_as(tx, who, action, entity, entity_id, detail).await
}

/// Who did it, when that may be someone without an account (a member of the public).
pub struct Who<'a> {
    pub user_id: Option<i64>,
    pub name: &'a str,
    pub ip: &'a str,
}

pub async fn record_as(
    tx: &mut Tx,
    who: Who<'_>,
    action: &str,
    entity: &str,
    entity_id: impl ToString,
    detail: serde_json::Value,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_user_id, actor_name, ip, action, entity, entity_id, detail, outcome)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'ok')",
    )
    .bind(now())
    .bind(who.user_id)
    .bind(who.name)
    .bind(who.ip)
    .bind(action)
    .bind(entity)
    .bind(entity_id.to_string())
    .bind(detail.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An event outside any transaction: a failed sign-in, a refused request.
pub async fn record_standalone(
    db: &Db,
    user_id: Option<i64>,
    name: &str,
    ip: &str,
    action: &str,
    detail: serde_json::Value,
    outcome: &str,
) -> AppResult<()> {
    let who = Who { user_id, name, ip };
    let entity_id = user_id.map(|u| u.to_string()).unwrap_or_default();
    record_outcome(db, who, action, ("user", &entity_id), detail, outcome).await
}

/// A refused or failed attempt on an entity (a QR sign-in at a sitting, a public form), kept so
/// that the organiser sees who tried.
pub async fn record_outcome(
    db: &Db,
    who: Who<'_>,
    action: &str,
    (entity, entity_id): (&str, &str),
    detail: serde_json::Value,
    outcome: &str,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_user_id, actor_name, ip, action, entity, entity_id, detail, outcome)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(now())
    .bind(who.user_id)
    .bind(who.name)
    .bind(who.ip)
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(detail.to_string())
    .bind(outcome)
    .execute(&db.pool)
    .await?;
    Ok(())
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub entity: Option<String>,
    pub outcome: Option<String>,
    /// `YYYY-MM-DD`, inclusive, China time.
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor_name: String,
    pub ip: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub detail: String,
    pub outcome: String,
}

fn day_start(date: &str) -> Option<i64> {
    let d = crate::domain::parse_date("from", date).ok()?;
    let date = time::Date::parse(&d, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    Some(date.midnight().assume_offset(time::macros::offset!(+8)).unix_timestamp())
}

pub async fn list(
    app: &App,
    actor: &Actor,
    filter: &AuditFilter,
    paging: Paging,
) -> AppResult<Page<AuditEntry>> {
    if !actor.can_read_audit() {
        return Err(AppError::Forbidden);
    }
    let mut w = Where::default();
    let given =
        |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    if let Some(a) = given(&filter.actor) {
        w.bind("actor_name = ?", a);
    }
    if let Some(a) = given(&filter.action) {
        w.bind("action LIKE ?", format!("{a}%"));
    }
    if let Some(a) = given(&filter.entity) {
        w.bind("entity = ?", a);
    }
    if let Some(a) = given(&filter.outcome) {
        w.bind("outcome = ?", a);
    }
    if let Some(t) = filter.from.as_deref().and_then(day_start) {
        w.fixed(format!("at >= {t}"));
    }
    if let Some(t) = filter.to.as_deref().and_then(day_start) {
        w.fixed(format!("at < {}", t + 86_400));
    }
    let total = w.count(&app.db.pool, "FROM audit_log").await?;
    let sql = format!(
        "SELECT id, at, actor_name, ip, action, entity, entity_id, detail, outcome
         FROM audit_log WHERE {} ORDER BY id DESC{}",
        w.sql(),
        paging.sql()
    );
    let items = w
        .fetch_all(&app.db.pool, &sql)
        .await?
        .into_iter()
        .map(|r| AuditEntry {
            id: r.get("id"),
            at: r.get("at"),
            actor_name: r.get("actor_name"),
            ip: r.get("ip"),
            action: r.get("action"),
            entity: r.get("entity"),
            entity_id: r.get("entity_id"),
            detail: r.get("detail"),
            outcome: r.get("outcome"),
        })
        .collect();
    Ok(Page::new(items, total, paging))
}

/// The whole filtered log as CSV (UTF-8 with BOM, so Excel opens it right).
pub async fn export_csv(app: &App, actor: &Actor, filter: &AuditFilter) -> AppResult<Vec<u8>> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let header = ["编号", "时间", "操作人", "地址", "操作", "对象", "对象编号", "详情", "结果"];
        w.write_record(header).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut page = 1;
        loop {
            let paging = Paging { page: Some(page), per_page: Some(500) };
            let chunk = list(app, actor, filter, paging).await?;
            for e in &chunk.items {
                let fields = [
                    e.id.to_string(),
                    crate::http::format_time(e.at),
                    e.actor_name.clone(),
                    e.ip.clone(),
                    e.action.clone(),
                    e.entity.clone(),
                    e.entity_id.clone(),
                    e.detail.clone(),
                    e.outcome.clone(),
                ];
                w.write_record(fields.iter().map(|f| crate::domain::text::inert_csv_field(f).into_owned()))
                    .map_err(|e| AppError::Internal(e.to_string()))?;
            }
            if chunk.items.len() < 500 {
                break;
            }
            page += 1;
        }
        w.flush()?;
    }
    Ok(out)
}
