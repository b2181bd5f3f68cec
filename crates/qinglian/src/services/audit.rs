//! The append-only audit log: who did what to which entity, from where, with what result.
//! There is deliberately no update or delete here, and the database refuses both (triggers).

pub mod archive;

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::filter::Where;
use super::{Actor, App, Page, Paging};
use crate::db::{now, Db, Engine, Tx};
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

/// The fields a correction changed, as `{"before": {...}, "after": {...}}` holding only the keys
/// whose values differ, so the log shows what moved rather than two copies of a record.
pub fn changes(before: serde_json::Value, after: serde_json::Value) -> serde_json::Value {
    let (mut was, mut now) = (serde_json::Map::new(), serde_json::Map::new());
    for (key, value) in after.as_object().into_iter().flatten() {
        let old = before.get(key).cloned().unwrap_or(serde_json::Value::Null);
        if &old != value {
            was.insert(key.clone(), old);
            now.insert(key.clone(), value.clone());
        }
    }
    serde_json::json!({"before": was, "after": now})
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
    append(tx, Entry::new(who, action, (entity, &entity_id.to_string()), detail, "ok")).await
}

/// One row of the log, as chained.
#[derive(Serialize, Deserialize)]
pub(crate) struct Entry {
    at: i64,
    actor_user_id: Option<i64>,
    actor_name: String,
    ip: String,
    action: String,
    entity: String,
    entity_id: String,
    detail: String,
    outcome: String,
}

impl Entry {
    fn new(
        who: Who<'_>,
        action: &str,
        (entity, entity_id): (&str, &str),
        detail: serde_json::Value,
        outcome: &str,
    ) -> Entry {
        Entry {
            at: now(),
            actor_user_id: who.user_id,
            actor_name: who.name.to_string(),
            ip: who.ip.to_string(),
            action: action.to_string(),
            entity: entity.to_string(),
            entity_id: entity_id.to_string(),
            detail: detail.to_string(),
            outcome: outcome.to_string(),
        }
    }

    /// A row read back from the log.
    fn from_row(r: &sqlx::any::AnyRow) -> Entry {
        Entry {
            at: r.get("at"),
            actor_user_id: r.get("actor_user_id"),
            actor_name: r.get("actor_name"),
            ip: r.get("ip"),
            action: r.get("action"),
            entity: r.get("entity"),
            entity_id: r.get("entity_id"),
            detail: r.get("detail"),
            outcome: r.get("outcome"),
        }
    }

    /// The text the row's digest is taken over: every field, and the digest before it.
    fn canonical(&self, prev: &str) -> String {
        let fields = [
            prev.to_string(),
            self.at.to_string(),
            self.actor_user_id.map(|u| u.to_string()).unwrap_or_default(),
            self.actor_name.clone(),
            self.ip.clone(),
            self.action.clone(),
            self.entity.clone(),
            self.entity_id.clone(),
            self.detail.clone(),
            self.outcome.clone(),
        ];
        super::signatures::length_prefixed(&fields)
    }
}

/// Appends a row to the chain, or, inside a batch, keeps it for the batch's end.
async fn append(tx: &mut Tx, e: Entry) -> AppResult<()> {
    match tx.batch.as_mut() {
        Some(deferred) => {
            deferred.audit.push(e);
            Ok(())
        }
        None => append_all(tx, vec![e]).await,
    }
}

/// Chains `entries` onto the head and writes them in one statement. The head is read and moved
/// in the caller's transaction, locked on PostgreSQL only from here to the commit (the log is
/// written last in every use case), so writers queue on it for the end of their transaction, not
/// for all of it.
pub(crate) async fn append_all(tx: &mut Tx, entries: Vec<Entry>) -> AppResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let lock = if tx.engine == Engine::Postgres { " FOR UPDATE" } else { "" };
    let mut prev: String = sqlx::query_scalar(&format!("SELECT digest FROM audit_head WHERE id = 1{lock}"))
        .fetch_one(&mut **tx)
        .await?;
    // Eleven values a row; a statement stays well under either engine's limit on parameters.
    for chunk in entries.chunks(500) {
        let sql = format!(
            "INSERT INTO audit_log (at, actor_user_id, actor_name, ip, action, entity, entity_id, detail, outcome, prev_digest, digest)
             VALUES {}",
            crate::db::values_placeholders(chunk.len(), 11)
        );
        let mut q = sqlx::query(&sql);
        for e in chunk {
            let digest = super::signatures::sm3_hex(e.canonical(&prev).as_bytes());
            q = q
                .bind(e.at)
                .bind(e.actor_user_id)
                .bind(&e.actor_name)
                .bind(&e.ip)
                .bind(&e.action)
                .bind(&e.entity)
                .bind(&e.entity_id)
                .bind(&e.detail)
                .bind(&e.outcome)
                .bind(std::mem::replace(&mut prev, digest.clone()))
                .bind(digest);
        }
        q.execute(&mut **tx).await?;
    }
    sqlx::query("UPDATE audit_head SET digest = $1 WHERE id = 1").bind(&prev).execute(&mut **tx).await?;
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

/// A bulk read of personal data (an export of names, units and sign-ins) or of the log itself:
/// who took how many rows of what, kept like a write (等保: the audit covers such reads).
pub async fn bulk_read(
    db: &Db,
    actor: &Actor,
    export: &str,
    (entity, entity_id): (&str, i64),
    rows: u32,
) -> AppResult<()> {
    bulk_read_of(db, actor, export, (entity, entity_id), rows, serde_json::Map::new()).await
}

/// A bulk read as [`bulk_read`], with what says whose data it was (a masked phone).
pub async fn bulk_read_of(
    db: &Db,
    actor: &Actor,
    export: &str,
    (entity, entity_id): (&str, i64),
    rows: u32,
    mut whose: serde_json::Map<String, serde_json::Value>,
) -> AppResult<()> {
    let who = Who { user_id: Some(actor.user_id), name: &actor.username, ip: &actor.ip };
    whose.insert("export".into(), export.into());
    whose.insert("rows".into(), rows.into());
    record_outcome(db, who, "data.export", (entity, &entity_id.to_string()), whose.into(), "ok").await
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
    let mut tx = db.begin().await?;
    append(&mut tx, Entry::new(who, action, (entity, entity_id), detail, outcome)).await?;
    tx.commit().await?;
    Ok(())
}

/// The audit chain walked from its first chained row, every digest recomputed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditChainReport {
    pub entries: i64,
    /// Rows written before the log was chained (they carry no digest).
    pub unchained: i64,
    pub intact: bool,
    /// The first row whose digest or link does not hold, if any.
    pub broken_at: Option<i64>,
    pub head: String,
    /// Whether the database still refuses UPDATE and DELETE on the log.
    pub triggers: bool,
}

pub async fn verify_chain(db: &Db) -> AppResult<AuditChainReport> {
    let unchained: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE digest = ''").fetch_one(&db.pool).await?;
    let mut prev = "0".repeat(64);
    let (mut after, mut entries, mut broken_at) = (0i64, 0i64, None);
    'pages: loop {
        let rows = sqlx::query(
            "SELECT id, at, actor_user_id, actor_name, ip, action, entity, entity_id, detail, outcome, prev_digest, digest
             FROM audit_log WHERE id > $1 AND digest <> '' ORDER BY id LIMIT 5000",
        )
        .bind(after)
        .fetch_all(&db.pool)
        .await?;
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let id: i64 = r.get("id");
            let e = Entry::from_row(r);
            let digest = super::signatures::sm3_hex(e.canonical(&prev).as_bytes());
            entries += 1;
            if r.get::<String, _>("prev_digest") != prev || r.get::<String, _>("digest") != digest {
                broken_at = Some(id);
                break 'pages;
            }
            prev = digest;
            after = id;
        }
    }
    let head: String =
        sqlx::query_scalar("SELECT digest FROM audit_head WHERE id = 1").fetch_one(&db.pool).await?;
    // A chained row after a legacy one, or legacy rows after the chain began, mean rows were
    // blanked or inserted by hand.
    let legacy_after: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE digest = '' AND id > (SELECT COALESCE(MIN(id), 0) FROM audit_log WHERE digest <> '')",
    )
    .fetch_one(&db.pool)
    .await?;
    let tail_ok = head == prev;
    let triggers = triggers_present(db).await?;
    let intact = broken_at.is_none() && tail_ok && legacy_after == 0 && triggers;
    Ok(AuditChainReport {
        entries,
        unchained,
        intact,
        broken_at: broken_at.or((!tail_ok || legacy_after > 0).then_some(after)),
        head,
        triggers,
    })
}

/// Whether the append-only triggers are in place.
pub async fn triggers_present(db: &Db) -> AppResult<bool> {
    let sql = match db.engine {
        Engine::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ('audit_log_no_update', 'audit_log_no_delete')"
        }
        Engine::Postgres => "SELECT COUNT(*) FROM pg_trigger WHERE tgname = 'audit_log_no_change' AND NOT tgisinternal",
    };
    let n: i64 = sqlx::query_scalar(sql).fetch_one(&db.pool).await?;
    Ok(n == if db.engine == Engine::Sqlite { 2 } else { 1 })
}

/// At start: if someone dropped the append-only triggers, say so loudly, put them back and
/// record that it happened (the chain shows whatever was changed meanwhile).
pub async fn guard_triggers(db: &Db) -> AppResult<bool> {
    if triggers_present(db).await? {
        return Ok(true);
    }
    tracing::error!(
        "the audit log's append-only triggers are missing; restoring them — run `qinglian verify-chain`"
    );
    eprintln!("!!! 审计日志的防篡改触发器已被删除，现已恢复。请立即运行 `qinglian verify-chain` 核查。");
    eprintln!("!!! The audit log's append-only triggers were missing and have been restored; run `qinglian verify-chain`.");
    let statements: &[&str] = match db.engine {
        Engine::Sqlite => &[
            "DROP TRIGGER IF EXISTS audit_log_no_update",
            "DROP TRIGGER IF EXISTS audit_log_no_delete",
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        ],
        Engine::Postgres => &[
            "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
            "DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log",
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
        ],
    };
    for sql in statements {
        sqlx::query(sql).execute(&db.pool).await?;
    }
    let who = Who { user_id: None, name: "system", ip: "" };
    record_outcome(db, who, "audit.triggers_restored", ("audit_log", ""), serde_json::json!({}), "alert")
        .await?;
    Ok(false)
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
    let mut rows = 0u32;
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let header = ["编号", "时间", "操作人", "地址", "操作", "对象", "对象编号", "详情", "结果"];
        w.write_record(header).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut page = 1;
        loop {
            let paging = Paging { page: Some(page), per_page: Some(500) };
            let chunk = list(app, actor, filter, paging).await?;
            rows += chunk.items.len() as u32;
            for e in &chunk.items {
                let fields = [
                    e.id.to_string(),
                    crate::domain::format_datetime(e.at),
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
    bulk_read(&app.db, actor, "audit_log", ("audit_log", 0), rows).await?;
    Ok(out)
}
