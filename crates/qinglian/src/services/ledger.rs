//! Ledger entries (台账): what a unit did for a task or an activity, with evidence.
//! submitted → accepted, or returned with a comment → resubmitted. The task follows its latest
//! entry, so the progress board is always one query away from the truth.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::filter::Where;
use super::uploads::{self, Accepted};
use super::{audit, clean_text, Actor, App};
use crate::db::{now, Tx};
use crate::domain::{parse_date, status};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::storage::Stored;

pub const MAX_FILES: usize = 9;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct EntryInput {
    pub entry_date: String,
    #[schema(min_length = 1, max_length = 200)]
    pub place: String,
    pub participants: i64,
    #[schema(min_length = 1, max_length = 5000)]
    pub summary: String,
    #[serde(default)]
    pub theme_ids: Vec<i64>,
}

pub use super::uploads::Upload;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub id: i64,
    pub activity_id: i64,
    pub activity_title: String,
    pub task_id: Option<i64>,
    pub unit_id: i64,
    pub unit_name: String,
    pub entry_date: String,
    pub place: String,
    pub participants: i64,
    pub summary: String,
    pub status: String,
    pub review_comment: String,
    pub attachments: Vec<Attachment>,
    pub themes: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

/// A unit's task with what it needs on screen.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Task {
    pub id: i64,
    pub assignment_id: i64,
    pub title: String,
    pub description: String,
    pub due_date: String,
    pub activity_id: i64,
    pub activity_title: String,
    pub campaign_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub status: String,
    pub overdue: bool,
}

pub(crate) const TASK_FROM: &str = "FROM tasks t JOIN assignments a ON a.id = t.assignment_id
     JOIN activities ac ON ac.id = a.activity_id JOIN units u ON u.id = t.unit_id";
/// The same without the units, for counts that need no unit scope.
pub(crate) const TASK_FROM_NO_UNITS: &str = "FROM tasks t JOIN assignments a ON a.id = t.assignment_id
     JOIN activities ac ON ac.id = a.activity_id";

const TASK_COLUMNS: &str = "t.id, t.assignment_id, a.title, a.description, a.due_date, a.activity_id,
    ac.title AS activity_title, ac.campaign_id, t.unit_id, u.name AS unit_name, u.path, t.status";

fn task_from_row(r: &sqlx::any::AnyRow, today: &str) -> Task {
    let status: String = r.get("status");
    let due: String = r.get("due_date");
    Task {
        id: r.get("id"),
        assignment_id: r.get("assignment_id"),
        title: r.get("title"),
        description: r.get("description"),
        overdue: status != status::ACCEPTED && due.as_str() < today,
        due_date: due,
        activity_id: r.get("activity_id"),
        activity_title: r.get("activity_title"),
        campaign_id: r.get("campaign_id"),
        unit_id: r.get("unit_id"),
        unit_name: r.get("unit_name"),
        status,
    }
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
pub struct TaskFilter {
    pub status: Option<String>,
    pub activity_id: Option<i64>,
    pub campaign_id: Option<i64>,
}

/// Tasks the actor may see (his units' for a unit admin; all for organisers), most urgent first.
pub async fn tasks(
    app: &App,
    actor: &Actor,
    filter: &TaskFilter,
    paging: super::Paging,
) -> AppResult<super::Page<Task>> {
    let mut w = Where::new([actor.scope_sql("u.path")]);
    if let Some(s) = filter.status.as_deref().filter(|s| !s.is_empty()) {
        w.bind("t.status = ?", s);
    }
    if let Some(a) = filter.activity_id {
        w.fixed(format!("a.activity_id = {a}"));
    }
    if let Some(c) = filter.campaign_id {
        w.fixed(format!("ac.campaign_id = {c}"));
    }
    let total = w.count(&app.db.pool, TASK_FROM).await?;
    let sql = format!(
        "SELECT {TASK_COLUMNS} {TASK_FROM} WHERE {}
         ORDER BY CASE t.status WHEN 'returned' THEN 0 WHEN 'pending' THEN 1 WHEN 'submitted' THEN 2 ELSE 3 END, a.due_date, u.path{}",
        w.sql(),
        paging.sql()
    );
    let today = crate::domain::today();
    let items = w.fetch_all(&app.db.pool, &sql).await?.iter().map(|r| task_from_row(r, &today)).collect();
    Ok(super::Page::new(items, total, paging))
}

pub async fn task(app: &App, actor: &Actor, id: i64) -> AppResult<Task> {
    let r = sqlx::query(&format!("SELECT {TASK_COLUMNS} {TASK_FROM} WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(&app.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    if !actor.covers(&r.get::<String, _>("path")) {
        return Err(AppError::NotFound);
    }
    Ok(task_from_row(&r, &crate::domain::today()))
}

fn validate(input: &EntryInput) -> AppResult<(String, String, String)> {
    let mut errors = Vec::new();
    let date =
        parse_date("entry_date", &input.entry_date).map_err(|e| errors.extend(e.fields().to_vec())).ok();
    let place =
        clean_text("place", &input.place, 200, true).map_err(|e| errors.extend(e.fields().to_vec())).ok();
    let summary = clean_text("summary", &input.summary, 5_000, true)
        .map_err(|e| errors.extend(e.fields().to_vec()))
        .ok();
    if !(0..=1_000_000).contains(&input.participants) {
        errors.push(crate::error::FieldError {
            field: "participants".into(),
            msg: Msg::new("err.participants"),
        });
    }
    match (date, place, summary) {
        (Some(d), Some(p), Some(s)) if errors.is_empty() => Ok((d, p, s)),
        _ => Err(AppError::Invalid(errors)),
    }
}

/// Checks and stores an entry's files, before its transaction (see `uploads`).
async fn accept_files(app: &App, files: &[Upload]) -> AppResult<Vec<Accepted>> {
    if files.len() > MAX_FILES {
        return Err(AppError::invalid("files", Msg::new("err.too_many_files").arg("max", MAX_FILES)));
    }
    uploads::accept(app, files, app.config.max_upload_bytes, uploads::Accept::Evidence).await
}

async fn attach(tx: &mut Tx, entry_id: i64, files: &[Accepted]) -> AppResult<()> {
    for f in files {
        sqlx::query(
            "INSERT INTO attachments (ledger_entry_id, storage_key, file_name, content_type, size_bytes, sha256, created_at)
             VALUES ($1, $2, $3, $4, $5, $2, $6)",
        )
        .bind(entry_id)
        .bind(&f.key)
        .bind(&f.file_name)
        .bind(f.content_type)
        .bind(f.size)
        .bind(now())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn tag(tx: &mut Tx, entry_id: i64, campaign_id: i64, theme_ids: &[i64]) -> AppResult<()> {
    sqlx::query("DELETE FROM ledger_entry_themes WHERE entry_id = $1")
        .bind(entry_id)
        .execute(&mut **tx)
        .await?;
    for theme_id in theme_ids {
        sqlx::query(
            "INSERT INTO ledger_entry_themes (entry_id, theme_id)
             SELECT $1, id FROM campaign_themes WHERE id = $2 AND campaign_id = $3 ON CONFLICT DO NOTHING",
        )
        .bind(entry_id)
        .bind(theme_id)
        .bind(campaign_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The task follows its latest entry's state.
async fn set_task_status(tx: &mut Tx, task_id: Option<i64>, status_: &str, at: i64) -> AppResult<()> {
    if let Some(id) = task_id {
        sqlx::query("UPDATE tasks SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(status_)
            .bind(at)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Where a new entry belongs.
pub(crate) struct Target {
    pub activity_id: i64,
    pub campaign_id: i64,
    pub task_id: Option<i64>,
    pub unit_id: i64,
}

/// Validates, stores the files and writes the entry, its tags, its task's status and the audit
/// record in one transaction.
async fn submit(
    app: &App,
    actor: &Actor,
    target: Target,
    input: EntryInput,
    files: Vec<Upload>,
) -> AppResult<i64> {
    let checked = validate(&input)?;
    let files = accept_files(app, &files).await?;
    let mut tx = app.db.begin().await?;
    let id = record(&mut tx, actor, target, &input, checked, &files).await?;
    tx.commit().await?;
    Ok(id)
}

/// An entry the system files inside the caller's transaction, as part of a larger change (a
/// sitting filing its attendance, a material its reach); it carries no files.
pub(crate) async fn submit_in(
    tx: &mut Tx,
    actor: &Actor,
    target: Target,
    input: EntryInput,
) -> AppResult<i64> {
    let checked = validate(&input)?;
    record(tx, actor, target, &input, checked, &[]).await
}

/// Writes a validated entry with its stored files, tags, task status and audit record.
async fn record(
    tx: &mut Tx,
    actor: &Actor,
    target: Target,
    input: &EntryInput,
    (date, place, summary): (String, String, String),
    files: &[Accepted],
) -> AppResult<i64> {
    let t = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO ledger_entries (activity_id, task_id, unit_id, entry_date, place, participants, summary, status, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(target.activity_id)
    .bind(target.task_id)
    .bind(target.unit_id)
    .bind(&date)
    .bind(&place)
    .bind(input.participants)
    .bind(&summary)
    .bind(status::SUBMITTED)
    .bind(actor.user_id)
    .bind(t)
    .fetch_one(&mut **tx)
    .await?;
    attach(tx, id, files).await?;
    tag(tx, id, target.campaign_id, &input.theme_ids).await?;
    set_task_status(tx, target.task_id, status::SUBMITTED, t).await?;
    let detail = json!({"activity_id": target.activity_id, "task_id": target.task_id, "unit_id": target.unit_id,
        "date": date, "participants": input.participants, "files": files.len()});
    audit::record(tx, actor, "ledger.submit", "ledger_entry", id, detail).await?;
    Ok(id)
}

/// Files a ledger entry for a task on behalf of the task's unit.
pub async fn file_for_task(
    app: &App,
    actor: &Actor,
    task_id: i64,
    input: EntryInput,
    files: Vec<Upload>,
) -> AppResult<i64> {
    let task = task(app, actor, task_id).await?;
    if task.status == status::ACCEPTED {
        return Err(AppError::Conflict(Msg::new("err.task_accepted")));
    }
    let target = Target {
        activity_id: task.activity_id,
        campaign_id: task.campaign_id,
        task_id: Some(task.id),
        unit_id: task.unit_id,
    };
    submit(app, actor, target, input, files).await
}

/// Files a ledger entry for an activity itself, e.g. the lead department's own lecture, on
/// behalf of a unit the actor administers.
pub async fn file_for_activity(
    app: &App,
    actor: &Actor,
    activity_id: i64,
    unit_id: i64,
    input: EntryInput,
    files: Vec<Upload>,
) -> AppResult<i64> {
    let activity = super::campaigns::activity(app, activity_id).await?;
    let unit = super::units::get(app, unit_id)
        .await
        .map_err(|_| AppError::invalid("unit_id", Msg::new("err.unit_unknown")))?;
    if !actor.covers(&unit.path) {
        return Err(AppError::Forbidden);
    }
    let target = Target { activity_id, campaign_id: activity.campaign_id, task_id: None, unit_id };
    submit(app, actor, target, input, files).await
}

/// One line of an activity's ledger.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EntrySummary {
    pub id: i64,
    pub task_id: Option<i64>,
    pub unit_name: String,
    pub entry_date: String,
    pub place: String,
    pub participants: i64,
    pub status: String,
    pub files: i64,
}

/// The entries of an activity that the actor may see, newest first.
pub async fn entries_of_activity(
    app: &App,
    actor: &Actor,
    activity_id: i64,
    paging: super::Paging,
) -> AppResult<super::Page<EntrySummary>> {
    let w = Where::new([actor.scope_sql("u.path"), format!("e.activity_id = {activity_id}")]);
    let from = "FROM ledger_entries e JOIN units u ON u.id = e.unit_id";
    let total = w.count(&app.db.pool, from).await?;
    let sql = format!(
        "SELECT e.id, e.task_id, u.name AS unit_name, e.entry_date, e.place, e.participants, e.status,
                (SELECT COUNT(*) FROM attachments f WHERE f.ledger_entry_id = e.id) AS files
         {from} WHERE {} ORDER BY e.id DESC{}",
        w.sql(),
        paging.sql()
    );
    let items = w
        .fetch_all(&app.db.pool, &sql)
        .await?
        .iter()
        .map(|r| EntrySummary {
            id: r.get("id"),
            task_id: r.get("task_id"),
            unit_name: r.get("unit_name"),
            entry_date: r.get("entry_date"),
            place: r.get("place"),
            participants: r.get("participants"),
            status: r.get("status"),
            files: r.get("files"),
        })
        .collect();
    Ok(super::Page::new(items, total, paging))
}

pub async fn get(app: &App, actor: &Actor, id: i64) -> AppResult<Entry> {
    let r = sqlx::query(
        "SELECT e.*, a.title AS activity_title, u.name AS unit_name, u.path
         FROM ledger_entries e JOIN activities a ON a.id = e.activity_id JOIN units u ON u.id = e.unit_id WHERE e.id = $1",
    )
    .bind(id)
    .fetch_optional(&app.db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    if !actor.covers(&r.get::<String, _>("path")) {
        return Err(AppError::NotFound);
    }
    let attachments = sqlx::query("SELECT id, file_name, content_type, size_bytes FROM attachments WHERE ledger_entry_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(&app.db.pool)
        .await?
        .iter()
        .map(|a| Attachment { id: a.get("id"), file_name: a.get("file_name"), content_type: a.get("content_type"), size_bytes: a.get("size_bytes") })
        .collect();
    let themes = sqlx::query_scalar::<_, String>(
        "SELECT t.name FROM ledger_entry_themes l JOIN campaign_themes t ON t.id = l.theme_id WHERE l.entry_id = $1 ORDER BY t.sort",
    )
    .bind(id)
    .fetch_all(&app.db.pool)
    .await?;
    Ok(Entry {
        id,
        activity_id: r.get("activity_id"),
        activity_title: r.get("activity_title"),
        task_id: r.get("task_id"),
        unit_id: r.get("unit_id"),
        unit_name: r.get("unit_name"),
        entry_date: r.get("entry_date"),
        place: r.get("place"),
        participants: r.get("participants"),
        summary: r.get("summary"),
        status: r.get("status"),
        review_comment: r.get("review_comment"),
        attachments,
        themes,
        created_at: r.get("created_at"),
        updated_at: r.get("updated_at"),
    })
}

/// Entries of a task, newest first.
pub async fn entries_of_task(app: &App, actor: &Actor, task_id: i64) -> AppResult<Vec<Entry>> {
    task(app, actor, task_id).await?;
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM ledger_entries WHERE task_id = $1 ORDER BY id DESC")
            .bind(task_id)
            .fetch_all(&app.db.pool)
            .await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(get(app, actor, id).await?);
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Accept,
    Return,
}

/// An organiser accepts an entry or returns it with a comment.
pub async fn review(app: &App, actor: &Actor, id: i64, decision: Decision, comment: &str) -> AppResult<()> {
    actor.require_organiser()?;
    let entry = get(app, actor, id).await?;
    let comment = clean_text("comment", comment, 2_000, decision == Decision::Return)?;
    if entry.status != status::SUBMITTED {
        return Err(AppError::Conflict(Msg::new("err.entry_not_submitted")));
    }
    let new_status = match decision {
        Decision::Accept => status::ACCEPTED,
        Decision::Return => status::RETURNED,
    };
    let t = now();
    let mut tx = app.db.begin().await?;
    // Guarded on the old status so two reviewers cannot both decide.
    let n = sqlx::query(
        "UPDATE ledger_entries SET status = $1, review_comment = $2, reviewed_by = $3, reviewed_at = $4, updated_at = $4
         WHERE id = $5 AND status = $6",
    )
    .bind(new_status)
    .bind(&comment)
    .bind(actor.user_id)
    .bind(t)
    .bind(id)
    .bind(status::SUBMITTED)
    .execute(&mut *tx)
    .await?;
    if n.rows_affected() == 0 {
        return Err(AppError::Conflict(Msg::new("err.entry_not_submitted")));
    }
    set_task_status(&mut tx, entry.task_id, new_status, t).await?;
    audit::record(
        &mut tx,
        actor,
        &format!("ledger.{}", if decision == Decision::Accept { "accept" } else { "return" }),
        "ledger_entry",
        id,
        json!({"comment": comment}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The unit corrects a returned entry and submits it again; new files are added to the old.
pub async fn resubmit(
    app: &App,
    actor: &Actor,
    id: i64,
    input: EntryInput,
    files: Vec<Upload>,
) -> AppResult<()> {
    let entry = get(app, actor, id).await?;
    if entry.status != status::RETURNED {
        return Err(AppError::Conflict(Msg::new("err.entry_not_returned")));
    }
    let (date, place, summary) = validate(&input)?;
    let files = accept_files(app, &files).await?;
    let campaign_id: i64 = sqlx::query_scalar("SELECT campaign_id FROM activities WHERE id = $1")
        .bind(entry.activity_id)
        .fetch_one(&app.db.pool)
        .await?;
    let t = now();
    let mut tx = app.db.begin().await?;
    let n = sqlx::query(
        "UPDATE ledger_entries SET entry_date = $1, place = $2, participants = $3, summary = $4, status = $5, updated_at = $6
         WHERE id = $7 AND status = $8",
    )
    .bind(&date)
    .bind(&place)
    .bind(input.participants)
    .bind(&summary)
    .bind(status::SUBMITTED)
    .bind(t)
    .bind(id)
    .bind(status::RETURNED)
    .execute(&mut *tx)
    .await?;
    if n.rows_affected() == 0 {
        return Err(AppError::Conflict(Msg::new("err.entry_not_returned")));
    }
    attach(&mut tx, id, &files).await?;
    tag(&mut tx, id, campaign_id, &input.theme_ids).await?;
    set_task_status(&mut tx, entry.task_id, status::SUBMITTED, t).await?;
    audit::record(&mut tx, actor, "ledger.resubmit", "ledger_entry", id,
        json!({"before": {"date": entry.entry_date, "place": entry.place, "participants": entry.participants, "summary": entry.summary},
               "after": {"date": date, "place": place, "participants": input.participants, "summary": summary}, "files_added": files.len()})).await?;
    tx.commit().await?;
    Ok(())
}

/// An attachment's bytes, if the actor may see its entry.
pub async fn attachment(app: &App, actor: &Actor, id: i64) -> AppResult<(Attachment, Stored)> {
    let r = sqlx::query("SELECT ledger_entry_id, storage_key, file_name, content_type, size_bytes FROM attachments WHERE id = $1")
        .bind(id)
        .fetch_optional(&app.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    get(app, actor, r.get("ledger_entry_id")).await?;
    let bytes = app.files.open(&r.get::<String, _>("storage_key")).await?;
    Ok((
        Attachment {
            id,
            file_name: r.get("file_name"),
            content_type: r.get("content_type"),
            size_bytes: r.get("size_bytes"),
        },
        bytes,
    ))
}
