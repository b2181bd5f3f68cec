//! Counting attempts so that guessing stops at a limit however many arrive at once.
//!
//! An attempt is *claimed* before it is checked: the claim and the count are one atomic step, so
//! a thousand parallel guesses get exactly `limit` checks and the rest are refused. An attempt
//! that turns out right gives its claim back, so only failures (and attempts in flight) count.
//! Servers that share PostgreSQL share the counters in it, written in single statements that do
//! not wait for the disk ([`Db::unflushed`]: a crash may lose the last fraction of a second of
//! counts, worth nothing to an attacker, while every sign-in would otherwise wait on two more
//! flushes); a SQLite database has one server, which keeps them in memory.
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
        if keys.is_empty() {
            return Ok(Vec::new());
        }
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
        // One statement for every key: each row's upsert is atomic, and rows are taken in the
        // callers' fixed key order, so two claims never wait on each other in a cycle.
        let sql = format!(
            "INSERT INTO throttles (key, window_start, hits, window_seconds) VALUES {}
             ON CONFLICT (key) DO UPDATE SET
               hits = CASE WHEN throttles.window_start <= EXCLUDED.window_start - EXCLUDED.window_seconds
                           THEN 1 ELSE throttles.hits + 1 END,
               window_start = CASE WHEN throttles.window_start <= EXCLUDED.window_start - EXCLUDED.window_seconds
                                   THEN EXCLUDED.window_start ELSE throttles.window_start END
             RETURNING key, hits",
            (0..keys.len()).map(|i| format!("(${}, ${}, 1, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3)).collect::<Vec<_>>().join(", ")
        );
        let mut q = sqlx::query_as::<_, (String, i64)>(&sql);
        for (key, rule) in keys {
            q = q.bind(key).bind(t).bind(rule.window);
        }
        let counted: HashMap<String, i64> = q.fetch_all(db.unflushed()).await?.into_iter().collect();
        // Now and then, rows whose windows closed long ago go, so the table stays small.
        if rand::random::<u16>().is_multiple_of(512) {
            sqlx::query("DELETE FROM throttles WHERE window_start < $1 OR hits <= 0")
                .bind(t - 24 * 3600)
                .execute(db.unflushed())
                .await?;
        }
        Ok(keys.iter().map(|(key, _)| counted.get(key).copied().unwrap_or(1)).collect())
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
        if keys.is_empty() {
            return Ok(());
        }
        if let Some(memory) = &self.memory {
            let mut map = memory.lock().unwrap_or_else(|e| e.into_inner());
            for (key, _) in keys {
                if let Some(entry) = map.get_mut(key) {
                    entry.1 = (entry.1 - 1).max(0);
                }
            }
            return Ok(());
        }
        let list = (1..=keys.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = format!("UPDATE throttles SET hits = hits - 1 WHERE key IN ({list}) AND hits > 0");
        let mut q = sqlx::query(&sql);
        for (key, _) in keys {
            q = q.bind(key);
        }
        q.execute(db.unflushed()).await?;
        Ok(())
    }
}
