//! Background jobs for exports too large to wait for in a request (the campaign's ledger
//! workbook). A job is a row: any server may claim it with a lease, renews the lease while it
//! works and records progress in the row; the result goes to the file store. A server that dies
//! (or stops) lets its lease run out (or hands it back), and another server, or the same one
//! after a restart, takes the job over from the start, so a job finishes whatever happens to
//! the server it began on. Whichever server the browser reaches shows the progress and hands
//! out the file.

use std::time::Duration;

use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use super::ledgers::{self, Progress};
use super::{audit, Actor, App};
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::storage::Stored;

/// How long a claim holds without being renewed; a server renews it every third of that.
const LEASE_SECONDS: i64 = 30;
/// A job is tried this many times (each taken-over run counts) before it is marked failed.
const MAX_ATTEMPTS: i64 = 3;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub campaign_id: i64,
    /// queued, running, done, failed
    pub status: String,
    pub progress: i64,
    pub message: String,
    pub result_name: String,
    /// The server working on it (or that finished it); empty while it waits.
    pub worker: String,
    /// How many times a server has started it.
    pub attempts: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// This server's name in the job table: host and process, so an operator can tell which
/// machine has a job.
pub fn worker_name() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
        let host = if host.is_empty() { "qinglian".to_string() } else { host };
        format!("{host}:{}:{}", std::process::id(), hex::encode(rand::random::<[u8; 3]>()))
    })
}

struct JobProgress {
    app: App,
    id: i64,
}

impl Progress for JobProgress {
    async fn set(&self, percent: i64) {
        let r = sqlx::query("UPDATE jobs SET progress = $1, updated_at = $2 WHERE id = $3 AND worker = $4")
            .bind(percent)
            .bind(now())
            .bind(self.id)
            .bind(worker_name())
            .execute(&self.app.db.pool)
            .await;
        if let Err(e) = r {
            tracing::warn!(job = self.id, error = %e, "could not record progress");
        }
    }
}

/// Queues the campaign's ledger workbook; returns the job's id. This server's worker is woken
/// at once, but any server may take it.
pub async fn start_ledger(app: &App, actor: &Actor, campaign_id: i64, base_url: String) -> AppResult<i64> {
    actor.require_organiser()?;
    super::campaigns::get(app, campaign_id).await?;
    let mut tx = app.db.begin().await?;
    let t = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO jobs (kind, campaign_id, requested_by, status, base_url, created_at, updated_at)
         VALUES ('ledger', $1, $2, 'queued', $3, $4, $4) RETURNING id",
    )
    .bind(campaign_id)
    .bind(actor.user_id)
    .bind(&base_url)
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(&mut tx, actor, "job.start", "job", id, json!({"kind": "ledger", "campaign": campaign_id}))
        .await?;
    tx.commit().await?;
    app.jobs.notify_one();
    Ok(id)
}

/// Claims the oldest job that waits or whose lease ran out. The condition is repeated in the
/// UPDATE itself, so of two servers racing for one job exactly one gets it (PostgreSQL
/// re-checks it on the locked row; SQLite has one writer at a time).
async fn claim(app: &App) -> AppResult<Option<i64>> {
    let t = now();
    let open = "(status = 'queued' OR (status = 'running' AND lease_until < $1))";
    // Idle servers look every few seconds: a read, so looking never queues behind the writers
    // (SQLite's one writer is the sign-ins' too).
    let waiting: Option<i64> = sqlx::query_scalar(&format!("SELECT id FROM jobs WHERE {open} LIMIT 1"))
        .bind(t)
        .fetch_optional(&app.db.pool)
        .await?;
    if waiting.is_none() {
        return Ok(None);
    }
    let mut tx = app.db.begin().await?;
    let id: Option<i64> = sqlx::query_scalar(&format!(
        "UPDATE jobs SET status = 'running', worker = $2, lease_until = $3, attempts = attempts + 1,
           progress = 0, updated_at = $1
         WHERE id = (SELECT id FROM jobs WHERE {open} ORDER BY id LIMIT 1) AND {open}
         RETURNING id"
    ))
    .bind(t)
    .bind(worker_name())
    .bind(t + LEASE_SECONDS)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Renews this server's lease; false if another server has taken the job over.
async fn renew(app: &App, id: i64) -> bool {
    sqlx::query("UPDATE jobs SET lease_until = $1 WHERE id = $2 AND worker = $3 AND status = 'running'")
        .bind(now() + LEASE_SECONDS)
        .bind(id)
        .bind(worker_name())
        .execute(&app.db.pool)
        .await
        .is_ok_and(|r| r.rows_affected() == 1)
}

/// Records the end of a run, if the job is still this server's.
async fn finish(
    app: &App,
    id: i64,
    outcome: Result<(String, String), String>,
    attempts: i64,
) -> AppResult<()> {
    let (status, key, name, message) = match outcome {
        Ok((key, name)) => ("done", key, name, String::new()),
        // Tried often enough: it will not work by trying again.
        Err(m) if attempts >= MAX_ATTEMPTS => ("failed", String::new(), String::new(), m),
        Err(m) => ("queued", String::new(), String::new(), m),
    };
    sqlx::query(
        "UPDATE jobs SET status = $1, progress = CASE WHEN $1 = 'done' THEN 100 ELSE progress END,
           result_key = $2, result_name = $3, message = $4, lease_until = 0, updated_at = $5
         WHERE id = $6 AND worker = $7",
    )
    .bind(status)
    .bind(key)
    .bind(name)
    .bind(message)
    .bind(now())
    .bind(id)
    .bind(worker_name())
    .execute(&app.db.pool)
    .await?;
    Ok(())
}

/// Hands a job this server will not finish back to the queue, so another server takes it at
/// once instead of waiting for the lease to run out.
async fn hand_back(app: &App, id: i64) {
    let r = sqlx::query(
        "UPDATE jobs SET status = 'queued', lease_until = 0, attempts = attempts - 1, updated_at = $1
         WHERE id = $2 AND worker = $3 AND status = 'running'",
    )
    .bind(now())
    .bind(id)
    .bind(worker_name())
    .execute(&app.db.pool)
    .await;
    if let Err(e) = r {
        tracing::warn!(job = id, error = %e, "could not hand the job back");
    }
}

/// Runs one claimed job to its end, renewing the lease while it works.
async fn run(app: &App, id: i64) -> AppResult<()> {
    let r = sqlx::query("SELECT campaign_id, requested_by, base_url, attempts FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await?;
    let (campaign_id, attempts): (i64, i64) = (r.get("campaign_id"), r.get("attempts"));
    let base_url: String = r.get("base_url");
    let work = async {
        // The job runs with its requester's permissions as they are now.
        let actor =
            super::auth::load_actor(app, r.get("requested_by"), "").await?.ok_or(AppError::Forbidden)?;
        let progress = JobProgress { app: app.clone(), id };
        let bytes =
            ledgers::workbook(app, &actor, campaign_id, ledgers::Scope::Campaign, &base_url, &progress)
                .await?;
        let key = crate::storage::content_key(&bytes);
        app.files.put(&key, &bytes).await?;
        Ok::<_, AppError>((key, format!("台账-{campaign_id}.xlsx")))
    };
    let mut work = std::pin::pin!(work);
    let mut beat = tokio::time::interval(Duration::from_secs(LEASE_SECONDS as u64 / 3));
    beat.tick().await;
    let outcome = loop {
        tokio::select! {
            done = &mut work => break done,
            _ = beat.tick() => if !renew(app, id).await {
                tracing::warn!(job = id, "lease lost; another server has the job");
                return Ok(());
            },
        }
    };
    let outcome = outcome.map_err(|e| {
        tracing::error!(job = id, error = %e, "job failed");
        e.message(crate::i18n::Lang::Zh)
    });
    finish(app, id, outcome, attempts).await
}

/// This server's worker: takes jobs until `stop` resolves, one at a time, looking for work when
/// woken by [`start_ledger`] and every few seconds (a job queued on another server, a lease run
/// out). A job in hand when it stops is handed back.
pub async fn work(app: App, stop: impl std::future::Future<Output = ()>, idle: Duration) {
    let mut stop = std::pin::pin!(stop);
    loop {
        let next = match claim(&app).await {
            Ok(next) => next,
            Err(e) => {
                tracing::warn!(error = ?e, "could not look for jobs");
                None
            }
        };
        match next {
            Some(id) => {
                tokio::select! {
                    r = run(&app, id) => if let Err(e) = r {
                        tracing::error!(job = id, error = ?e, "job could not be recorded");
                    },
                    _ = &mut stop => {
                        hand_back(&app, id).await;
                        return;
                    }
                }
            }
            None => {
                tokio::select! {
                    _ = app.jobs.notified() => {}
                    _ = tokio::time::sleep(idle) => {}
                    _ = &mut stop => return,
                }
            }
        }
    }
}

async fn row(app: &App, actor: &Actor, id: i64) -> AppResult<sqlx::any::AnyRow> {
    let r = sqlx::query("SELECT * FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_optional(&app.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    if r.get::<i64, _>("requested_by") != actor.user_id && !actor.campaign_wide() {
        return Err(AppError::NotFound);
    }
    Ok(r)
}

pub async fn get(app: &App, actor: &Actor, id: i64) -> AppResult<Job> {
    let r = row(app, actor, id).await?;
    Ok(Job {
        id,
        kind: r.get("kind"),
        campaign_id: r.get("campaign_id"),
        status: r.get("status"),
        progress: r.get("progress"),
        message: r.get("message"),
        result_name: r.get("result_name"),
        worker: r.get("worker"),
        attempts: r.get("attempts"),
        created_at: r.get("created_at"),
        updated_at: r.get("updated_at"),
    })
}

/// The finished file: its name and its content, streamed from the store.
pub async fn result(app: &App, actor: &Actor, id: i64) -> AppResult<(String, Stored)> {
    let r = row(app, actor, id).await?;
    let key: String = r.get("result_key");
    if r.get::<String, _>("status") != "done" || key.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok((r.get("result_name"), app.files.open(&key).await?))
}
