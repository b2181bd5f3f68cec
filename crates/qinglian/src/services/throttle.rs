//! Counting attempts so that guessing stops at a limit however many arrive at once.
//!
//! An attempt is *claimed* before it is checked: the claim and the count are one atomic step, so
//! a thousand parallel guesses get exactly `limit` checks and the rest are refused. An attempt
//! that turns out right gives its claim back, so only failures (and attempts in flight) count.
//! Servers that share PostgreSQL share the counters in it; a SQLite database has one server, which
//! keeps them in memory rather than paying a synced write for every attempt.
//!
//! A key many honest people share at once (an office's or a venue's address) cannot be claimed
//! before the check, or three hundred cadres signing in on one Wi-Fi would be refused: such a key
//! is read before the attempt ([`Throttle::hits`]) and counted after a failure only.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::db::{now, Db, Engine};
use crate::error::AppResult;

/// One counter: at most `limit` claims in `window` seconds.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub limit: i64,
    pub window: i64,
}

/// Where the counters live.
pub struct Throttle {
    memory: Option<Mutex<HashMap<String, (i64, i64)>>>,
}

impl Throttle {
    pub fn for_engine(engine: Engine) -> Throttle {
        Throttle { memory: (engine == Engine::Sqlite).then(Default::default) }
    }

    /// Claims one attempt on every key at once. Returns the hits now counted for each key, this
    /// attempt included; the attempt may proceed only if every count is within its rule.
    pub async fn claim(&self, db: &Db, keys: &[(String, Rule)]) -> AppResult<Vec<i64>> {
        let t = now();
        if let Some(memory) = &self.memory {
            let mut map = memory.lock().unwrap_or_else(|e| e.into_inner());
            if map.len() > 100_000 {
                map.retain(|_, (start, _)| t - *start < 24 * 3600);
            }
            return Ok(keys
                .iter()
                .map(|(key, rule)| {
                    let entry = map.entry(key.clone()).or_insert((t, 0));
                    if entry.0 <= t - rule.window {
                        *entry = (t, 0);
                    }
                    entry.1 += 1;
                    entry.1
                })
                .collect());
        }
        let mut hits = Vec::with_capacity(keys.len());
        // One statement per key, in a fixed order, so two claims never wait on each other in a
        // cycle; each upsert is atomic on its own row.
        for (key, rule) in keys {
            let n: i64 = sqlx::query_scalar(
                "INSERT INTO throttles (key, window_start, hits) VALUES ($1, $2, 1)
                 ON CONFLICT (key) DO UPDATE SET
                   hits = CASE WHEN throttles.window_start <= $3 THEN 1 ELSE throttles.hits + 1 END,
                   window_start = CASE WHEN throttles.window_start <= $3 THEN $2 ELSE throttles.window_start END
                 RETURNING hits",
            )
            .bind(key)
            .bind(t)
            .bind(t - rule.window)
            .fetch_one(&db.pool)
            .await?;
            hits.push(n);
        }
        Ok(hits)
    }

    /// The hits counted now under `key`, without adding one.
    pub async fn hits(&self, db: &Db, key: &str, rule: Rule) -> AppResult<i64> {
        let since = now() - rule.window;
        if let Some(memory) = &self.memory {
            let map = memory.lock().unwrap_or_else(|e| e.into_inner());
            return Ok(map.get(key).filter(|(start, _)| *start > since).map_or(0, |(_, n)| *n));
        }
        let n: Option<i64> =
            sqlx::query_scalar("SELECT hits FROM throttles WHERE key = $1 AND window_start > $2")
                .bind(key)
                .bind(since)
                .fetch_optional(&db.pool)
                .await?;
        Ok(n.unwrap_or(0))
    }

    /// Whether a claim's counts are all within their rules.
    pub fn allowed(keys: &[(String, Rule)], hits: &[i64]) -> bool {
        keys.iter().zip(hits).all(|((_, rule), n)| *n <= rule.limit)
    }

    /// Gives back a claim whose attempt succeeded.
    pub async fn release(&self, db: &Db, keys: &[(String, Rule)]) -> AppResult<()> {
        if let Some(memory) = &self.memory {
            let mut map = memory.lock().unwrap_or_else(|e| e.into_inner());
            for (key, _) in keys {
                if let Some(entry) = map.get_mut(key) {
                    entry.1 = (entry.1 - 1).max(0);
                }
            }
            return Ok(());
        }
        for (key, _) in keys {
            sqlx::query("UPDATE throttles SET hits = hits - 1 WHERE key = $1 AND hits > 0")
                .bind(key)
                .execute(&db.pool)
                .await?;
        }
        Ok(())
    }
}
