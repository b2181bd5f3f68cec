//! Versions of what people sign: a study material or a pledge. Correcting its wording raises the
//! version; those who signed an earlier one keep their signature on the text they were shown
//! (each version's text is kept in `signed_texts`, which the chain covers), whoever signs next
//! signs the new one, and a signer who was shown an earlier version is asked to read again.

use serde::Serialize;
use sqlx::Row;

use super::signatures::keep_text;
use super::App;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

/// The text a signature covers: the title on its first line, then the body.
pub(crate) fn signed_text(title: &str, body: &str) -> String {
    format!("{title}\n{body}")
}

/// Inside the correcting transaction: when the wording changes, keeps the text as it was (as
/// version `from`) and the new one (as `from + 1`). Returns the version the subject now has.
pub(crate) async fn next_version(
    tx: &mut Tx,
    subject: &str,
    id: i64,
    from: i64,
    (before, after): (&str, &str),
) -> AppResult<i64> {
    if before == after {
        return Ok(from);
    }
    keep_text(tx, subject, id, from, before).await?;
    keep_text(tx, subject, id, from + 1, after).await?;
    Ok(from + 1)
}

/// Refuses a signature given to a version other than the current one: the signer was shown an
/// earlier wording (or a later one, on a server that has not yet seen it).
pub(crate) fn check_seen(seen: Option<i64>, current: i64) -> AppResult<()> {
    match seen {
        Some(v) if v != current => {
            Err(AppError::Conflict(Msg::new("err.text_revised").arg("version", current)))
        }
        _ => Ok(()),
    }
}

/// The campaign of the `table` row's activity (if it has one) is not closed: a closed campaign's
/// report stands on what was signed.
pub(crate) fn campaign_open(table: &str) -> String {
    format!(
        "({table}.activity_id IS NULL OR EXISTS (SELECT 1 FROM activities a JOIN campaigns c ON c.id = a.campaign_id
            WHERE a.id = {table}.activity_id AND c.status <> 'closed'))"
    )
}

/// Why a correction guarded by the version and `campaign_open` wrote nothing.
pub(crate) async fn refusal(app: &App, activity_id: Option<i64>) -> AppResult<AppError> {
    let closed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM activities a JOIN campaigns c ON c.id = a.campaign_id WHERE a.id = $1 AND c.status = 'closed'",
    )
    .bind(activity_id)
    .fetch_one(&app.db.pool)
    .await?;
    Ok(AppError::Conflict(Msg::new(if closed > 0 { "err.campaign_closed" } else { "err.changed_meanwhile" })))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Version {
    pub version: i64,
    pub title: String,
    /// When this wording was first kept: at a correction, or at its first signature.
    pub kept_at: i64,
    /// Standing signatures on this wording.
    pub signatures: i64,
}

impl Version {
    pub fn kept(&self) -> String {
        crate::domain::format_datetime(self.kept_at)
    }
}

/// The wordings kept for a subject, oldest first, with how many standing signatures each has.
pub async fn history(app: &App, subject: &str, id: i64) -> AppResult<Vec<Version>> {
    let rows = sqlx::query(
        "SELECT t.version, t.text, t.created_at,
                (SELECT COUNT(*) FROM signatures s WHERE s.text_id = t.id AND s.withdrawn_at = 0) AS signatures
         FROM signed_texts t WHERE t.subject = $1 AND t.subject_id = $2 ORDER BY t.version, t.id",
    )
    .bind(subject)
    .bind(id)
    .fetch_all(&app.db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let text: String = r.get("text");
            Version {
                version: r.get("version"),
                title: text.split('\n').next().unwrap_or_default().to_string(),
                kept_at: r.get("created_at"),
                signatures: r.get("signatures"),
            }
        })
        .collect())
}
