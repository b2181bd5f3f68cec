//! Messages waiting for delivery (SMS, e-mail). Nothing outside is needed to run: with no channel
//! the messages simply wait; a `Channel` delivers them. Each message is claimed before it is sent,
//! so two servers delivering at once never send one twice.

use sqlx::Row;

use super::App;
use crate::db::now;
use crate::error::AppResult;

type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// A way to deliver messages: an SMS gateway, a mail server, or the log.
pub trait Channel: Send + Sync {
    /// Which queued messages this channel takes ("sms", "email").
    fn takes(&self) -> &'static str;
    fn send<'a>(
        &'a self,
        recipient: &'a str,
        subject: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<(), String>>;
}

/// Writes each message to the server log: for trials, and for intranets without a gateway.
pub struct LogChannel;

impl Channel for LogChannel {
    fn takes(&self) -> &'static str {
        "sms"
    }
    fn send<'a>(
        &'a self,
        recipient: &'a str,
        subject: &'a str,
        body: &'a str,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            tracing::info!(recipient = %crate::domain::mask_phone(recipient), subject, body, "outbox message");
            Ok(())
        })
    }
}

/// Messages not yet sent, per channel.
pub async fn pending(app: &App) -> AppResult<Vec<(String, i64)>> {
    Ok(sqlx::query(
        "SELECT channel, COUNT(*) AS n FROM outbox WHERE sent_at = 0 GROUP BY channel ORDER BY channel",
    )
    .fetch_all(&app.db.pool)
    .await?
    .iter()
    .map(|r| (r.get("channel"), r.get("n")))
    .collect())
}

/// Delivers up to `limit` waiting messages through `channel`; returns how many were sent. A
/// message whose sending fails goes back to the queue.
pub async fn deliver(app: &App, channel: &dyn Channel, limit: i64) -> AppResult<usize> {
    let rows = sqlx::query("SELECT id, recipient, subject, body FROM outbox WHERE sent_at = 0 AND channel = $1 ORDER BY id LIMIT $2")
        .bind(channel.takes())
        .bind(limit)
        .fetch_all(&app.db.pool)
        .await?;
    let mut sent = 0;
    for r in rows {
        let id: i64 = r.get("id");
        let claimed = sqlx::query("UPDATE outbox SET sent_at = $1 WHERE id = $2 AND sent_at = 0")
            .bind(now())
            .bind(id)
            .execute(&app.db.pool)
            .await?
            .rows_affected();
        if claimed == 0 {
            continue;
        }
        let (recipient, subject, body): (String, String, String) =
            (r.get("recipient"), r.get("subject"), r.get("body"));
        match channel.send(&recipient, &subject, &body).await {
            Ok(()) => sent += 1,
            Err(e) => {
                tracing::warn!(id, error = %e, "delivery failed; message re-queued");
                sqlx::query("UPDATE outbox SET sent_at = 0 WHERE id = $1")
                    .bind(id)
                    .execute(&app.db.pool)
                    .await?;
            }
        }
    }
    Ok(sent)
}
