//! Messages waiting for delivery. Nothing outside is needed to run: with no channel configured
//! the messages simply wait. Every server delivers what waits: a message is claimed with a lease
//! (so two servers never send one twice, and one whose server died is sent by another), retried
//! with a doubling wait when its channel fails, and after the configured attempts kept as
//! undeliverable, shown to the organiser, who may send it again.

use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use super::channels::DeliverySettings;
pub use super::channels::{Channel, Letter, LogChannel};
use super::{audit, Actor, App};
use crate::db::{now, Tx};
use crate::error::{AppError, AppResult};

/// The channel and the address a person's notices go by, as SQL over `p` (people): e-mail if he
/// chose it and has an address, else his phone; [`PERSON_REACHABLE`] leaves out who wants none
/// and who has left the roster.
pub const PERSON_CHANNEL: &str =
    "CASE WHEN p.notify_by = 'email' AND p.email IS NOT NULL THEN 'email' ELSE 'sms' END";
pub const PERSON_ADDRESS: &str =
    "CASE WHEN p.notify_by = 'email' AND p.email IS NOT NULL THEN p.email ELSE p.phone END";
pub const PERSON_REACHABLE: &str =
    "(p.left_at = 0 AND p.notify_by <> 'none' AND (p.phone IS NOT NULL OR (p.notify_by = 'email' AND p.email IS NOT NULL)))";

/// How long a claimed message is this server's before another may take it over.
const LEASE_SECONDS: i64 = 120;
/// Messages one round takes from one channel.
const ROUND: i64 = 50;

/// The configured channels and the retry policy, built once at start-up.
pub struct Delivery {
    channels: Vec<Box<dyn Channel>>,
    robots: Vec<String>,
    attempts: i64,
    retry_seconds: i64,
}

impl Delivery {
    pub fn new(settings: &DeliverySettings) -> anyhow::Result<Delivery> {
        Ok(Delivery {
            channels: super::channels::configured(settings)?,
            robots: super::channels::robot_names(settings),
            attempts: settings.attempts.unwrap_or(6).max(1),
            retry_seconds: settings.retry_seconds.unwrap_or(30).max(0),
        })
    }

    /// The wait before the next attempt: doubling from the first, at most an hour.
    fn wait_after(&self, attempts: i64) -> i64 {
        (self.retry_seconds << (attempts - 1).clamp(0, 20)).min(3600)
    }
}

/// Queues one message to each configured group robot, in the notice's transaction.
pub async fn to_robots(tx: &mut Tx, app: &App, subject: &str, body: &str) -> AppResult<()> {
    for robot in &app.delivery.robots {
        sqlx::query("INSERT INTO outbox (channel, recipient, subject, body, created_at) VALUES ('robot', $1, $2, $3, $4)")
            .bind(robot)
            .bind(subject)
            .bind(body)
            .bind(now())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Messages not yet sent, per channel (undeliverable ones included).
pub async fn pending(app: &App) -> AppResult<Vec<(String, i64)>> {
    Ok(sqlx::query(
        "SELECT channel, COUNT(*) AS n FROM outbox WHERE status <> 'sent' GROUP BY channel ORDER BY channel",
    )
    .fetch_all(&app.db.pool)
    .await?
    .iter()
    .map(|r| (r.get("channel"), r.get("n")))
    .collect())
}

/// Delivers up to `limit` due messages through `channel`; returns how many were sent.
pub async fn deliver(app: &App, channel: &dyn Channel, limit: i64) -> AppResult<usize> {
    let mut sent = 0;
    let mut left = limit;
    while left > 0 {
        let round = claim(app, channel.takes(), left.min(ROUND)).await?;
        if round.is_empty() {
            break;
        }
        left -= round.len() as i64;
        for (letter, attempts) in &round {
            let letter = Letter { id: letter.0, recipient: &letter.1, subject: &letter.2, body: &letter.3 };
            let outcome = channel.send(&letter).await;
            sent += usize::from(outcome.is_ok());
            settle(app, letter.id, *attempts, outcome).await?;
        }
    }
    Ok(sent)
}

type Claimed = ((i64, String, String, String), i64);

/// Takes due messages of one channel for this server: waiting ones whose time has come, and
/// ones whose server's lease ran out. The condition is repeated in the outer statement so two
/// servers claiming at once never both take a message.
async fn claim(app: &App, channel: &str, limit: i64) -> AppResult<Vec<Claimed>> {
    let due = "channel = $1 AND ((status = 'pending' AND next_at <= $2) OR (status = 'sending' AND lease_until < $2))";
    let sql = format!(
        "UPDATE outbox SET status = 'sending', lease_until = $3, attempts = attempts + 1
         WHERE id IN (SELECT id FROM outbox WHERE {due} ORDER BY id LIMIT $4) AND {due}
         RETURNING id, recipient, subject, body, attempts"
    );
    let t = now();
    let rows = sqlx::query(&sql)
        .bind(channel)
        .bind(t)
        .bind(t + LEASE_SECONDS)
        .bind(limit)
        .fetch_all(&app.db.pool)
        .await?;
    let mut claimed: Vec<Claimed> = rows
        .iter()
        // An address that does not open is left empty: its channel refuses it, and after its
        // attempts it shows as undeliverable.
        .map(|r| {
            let recipient = app.db.vault.column(r, "recipient").unwrap_or_default();
            ((r.get("id"), recipient, r.get("subject"), r.get("body")), r.get("attempts"))
        })
        .collect();
    claimed.sort_by_key(|((id, ..), _)| *id);
    Ok(claimed)
}

/// Records how an attempt went: sent; or waiting for the next try; or, out of attempts,
/// undeliverable with the channel's reason.
async fn settle(app: &App, id: i64, attempts: i64, outcome: Result<(), String>) -> AppResult<()> {
    let t = now();
    let q = match outcome {
        Ok(()) => sqlx::query(
            "UPDATE outbox SET status = 'sent', sent_at = $1, lease_until = 0, last_error = '' WHERE id = $2",
        )
        .bind(t)
        .bind(id),
        Err(reason) => {
            tracing::warn!(id, attempts, error = %reason, "delivery failed");
            let dead = attempts >= app.delivery.attempts;
            sqlx::query(
                "UPDATE outbox SET status = $1, next_at = $2, lease_until = 0, last_error = $3 WHERE id = $4",
            )
            .bind(if dead { "dead" } else { "pending" })
            .bind(t + app.delivery.wait_after(attempts))
            .bind(reason.chars().take(500).collect::<String>())
            .bind(id)
        }
    };
    q.execute(&app.db.pool).await?;
    Ok(())
}

/// Delivers through every configured channel until `stop`, resting `idle` whenever nothing was due.
pub async fn work(app: App, stop: impl std::future::Future<Output = ()>, idle: std::time::Duration) {
    if app.delivery.channels.is_empty() {
        return;
    }
    tokio::pin!(stop);
    loop {
        let mut busy = false;
        for channel in &app.delivery.channels {
            match deliver(&app, channel.as_ref(), ROUND).await {
                Ok(n) => busy |= n > 0,
                Err(e) => tracing::warn!(error = %e.message(crate::i18n::Lang::En), "outbox round failed"),
            }
        }
        if !busy {
            tokio::select! {
                _ = &mut stop => return,
                _ = tokio::time::sleep(idle) => {}
            }
        }
    }
}

/// Messages per channel and state, for the organiser.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChannelState {
    pub channel: String,
    pub waiting: i64,
    pub sent: i64,
    /// Given up after every attempt failed.
    pub undeliverable: i64,
    /// Whether this server is configured to deliver the channel.
    pub configured: bool,
}

/// A message that failed, as the organiser sees it (the address masked).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Trouble {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: String,
    pub created_at: i64,
}

pub async fn states(app: &App, actor: &Actor) -> AppResult<Vec<ChannelState>> {
    actor.require_organiser()?;
    let rows = sqlx::query(
        "SELECT channel,
                SUM(CASE WHEN status IN ('pending', 'sending') THEN 1 ELSE 0 END) AS waiting,
                SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END) AS sent,
                SUM(CASE WHEN status = 'dead' THEN 1 ELSE 0 END) AS dead
         FROM outbox GROUP BY channel ORDER BY channel",
    )
    .fetch_all(&app.db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let channel: String = r.get("channel");
            ChannelState {
                configured: app.delivery.channels.iter().any(|c| c.takes() == channel),
                channel,
                waiting: r.get("waiting"),
                sent: r.get("sent"),
                undeliverable: r.get("dead"),
            }
        })
        .collect())
}

/// Undeliverable messages and those failing now, newest first.
pub async fn troubles(app: &App, actor: &Actor) -> AppResult<Vec<Trouble>> {
    actor.require_organiser()?;
    let rows = sqlx::query(
        "SELECT id, channel, recipient, subject, status, attempts, last_error, created_at FROM outbox
         WHERE status = 'dead' OR (status <> 'sent' AND last_error <> '') ORDER BY id DESC LIMIT 200",
    )
    .fetch_all(&app.db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let (channel, recipient): (String, String) =
                (r.get("channel"), app.db.vault.column(r, "recipient")?);
            Ok(Trouble {
                recipient: mask_address(&channel, &recipient),
                id: r.get("id"),
                channel,
                subject: r.get("subject"),
                status: r.get("status"),
                attempts: r.get("attempts"),
                last_error: r.get("last_error"),
                created_at: r.get("created_at"),
            })
        })
        .collect()
}

/// A phone or an e-mail address as lists show personal data; a robot's name as it is.
fn mask_address(channel: &str, recipient: &str) -> String {
    match channel {
        "sms" => crate::domain::mask_phone(recipient),
        "email" => crate::domain::mask_email(recipient),
        _ => recipient.to_string(),
    }
}

/// Sends undeliverable messages again (one, or all of them), from their first attempt.
pub async fn retry(app: &App, actor: &Actor, id: Option<i64>) -> AppResult<u64> {
    actor.require_organiser()?;
    let mut tx = app.db.begin().await?;
    let q = sqlx::query(
        "UPDATE outbox SET status = 'pending', attempts = 0, next_at = 0, last_error = ''
         WHERE status = 'dead' AND ($1 = 0 OR id = $1)",
    )
    .bind(id.unwrap_or(0));
    let n = q.execute(&mut *tx).await?.rows_affected();
    if id.is_some() && n == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut tx,
        actor,
        "outbox.retry",
        "outbox",
        id.map(|i| i.to_string()).unwrap_or_default(),
        json!({"messages": n}),
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}
