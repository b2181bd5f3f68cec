//! Background jobs for exports too large to wait for in a request (the campaign's ledger
//! workbook). The job row holds status and progress, the result goes to the file store, so
//! whichever server the browser reaches next can show the progress and hand out the file.
//! A job whose server went away stops moving; after a while it is shown as interrupted.

use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use super::ledgers::{self, Progress};
use super::{audit, Actor, App};
use crate::db::now;
use crate::error::{AppError, AppResult};

/// A running job not heard from for this long is taken to have died with its server.
const STALE_SECONDS: i64 = 300;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub campaign_id: i64,
    /// queued, running, done, failed, interrupted
    pub status: String,
    pub progress: i64,
    pub message: String,
    pub result_name: String,
    pub created_at: i64,
    pub updated_at: i64,
}

struct JobProgress {
    app: App,
    id: i64,
}

impl Progress for JobProgress {
    async fn set(&self, percent: i64) {
        let r = sqlx::query("UPDATE jobs SET progress = $1, updated_at = $2 WHERE id = $3")
            .bind(percent)
            .bind(now())
            .bind(self.id)
            .execute(&self.app.db.pool)
            .await;
        if let Err(e) = r {
            tracing::warn!(job = self.id, error = %e, "could not record progress");
        }
    }
}

/// Starts the campaign's ledger workbook in the background; returns the job's id.
pub async fn start_ledger(app: &App, actor: &Actor, campaign_id: i64, base_url: String) -> AppResult<i64> {
    actor.require_organiser()?;
    super::campaigns::get(app, campaign_id).await?;
    let mut tx = app.db.begin().await?;
    let t = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO jobs (kind, campaign_id, requested_by, status, created_at, updated_at)
         VALUES ('ledger', $1, $2, 'queued', $3, $3) RETURNING id",
    )
    .bind(campaign_id)
    .bind(actor.user_id)
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(&mut tx, actor, "job.start", "job", id, json!({"kind": "ledger", "campaign": campaign_id}))
        .await?;
    tx.commit().await?;
    let (app, actor) = (app.clone(), actor.clone());
    tokio::spawn(async move {
        let progress = JobProgress { app: app.clone(), id };
        let _ = sqlx::query("UPDATE jobs SET status = 'running', updated_at = $1 WHERE id = $2")
            .bind(now())
            .bind(id)
            .execute(&app.db.pool)
            .await;
        let outcome = async {
            let bytes =
                ledgers::workbook(&app, &actor, campaign_id, ledgers::Scope::Campaign, &base_url, &progress)
                    .await?;
            let key = crate::storage::content_key(&bytes);
            app.files.put(&key, &bytes).await.map_err(|e| AppError::Internal(e.to_string()))?;
            Ok::<_, AppError>(key)
        }
        .await;
        let (status, key, message) = match outcome {
            Ok(key) => ("done", key, String::new()),
            Err(e) => {
                tracing::error!(job = id, error = %e, "job failed");
                ("failed", String::new(), e.message(crate::i18n::Lang::Zh))
            }
        };
        let _ = sqlx::query(
            "UPDATE jobs SET status = $1, progress = CASE WHEN $1 = 'done' THEN 100 ELSE progress END,
               result_key = $2, result_name = $3, message = $4, updated_at = $5 WHERE id = $6",
        )
        .bind(status)
        .bind(&key)
        .bind(format!("台账-{campaign_id}.xlsx"))
        .bind(message)
        .bind(now())
        .bind(id)
        .execute(&app.db.pool)
        .await;
    });
    Ok(id)
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
    let mut status: String = r.get("status");
    let updated_at: i64 = r.get("updated_at");
    if (status == "running" || status == "queued") && now() - updated_at > STALE_SECONDS {
        status = "interrupted".into();
    }
    Ok(Job {
        id,
        kind: r.get("kind"),
        campaign_id: r.get("campaign_id"),
        status,
        progress: r.get("progress"),
        message: r.get("message"),
        result_name: r.get("result_name"),
        created_at: r.get("created_at"),
        updated_at,
    })
}

/// The finished file: (name, bytes).
pub async fn result(app: &App, actor: &Actor, id: i64) -> AppResult<(String, Vec<u8>)> {
    let r = row(app, actor, id).await?;
    let key: String = r.get("result_key");
    if r.get::<String, _>("status") != "done" || key.is_empty() {
        return Err(AppError::NotFound);
    }
    let bytes = app.files.get(&key).await.map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((r.get("result_name"), bytes))
}
