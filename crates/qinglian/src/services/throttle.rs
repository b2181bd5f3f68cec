//! Counting attempts so that guessing stops at a limit however many arrive at once.
//!
//! An attempt is *claimed* before it is checked: the claim and the count are one atomic step, so
//! a thousand parallel guesses get exactly `limit` checks and the rest are refused. An attempt
//! that turns out right gives its claim back, so only failures (and attempts in flight) count.
//! Servers that share PostgreSQL share the counters in it. The claims that arrive together are
//! counted in one round, on connections that do not wait for the disk ([`Db::unflushed`]: a
//! crash may lose the last fraction of a second of counts, worth nothing to an attacker, while
//! every sign-in would otherwise wait on another flush); a SQLite database has one server, which
//! keeps them in memory.
//!
//! A key many honest people share at once (an office's or a venue's address) cannot be claimed
//! before the check, or three hundred cadres signing in on one Wi-Fi would be refused: such a key
//! is read before the attempt ([`Throttle::hits`]) and counted after a failure only.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::{mpsc, oneshot};

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
    /// PostgreSQL: claims waiting for the next round ([`claim_rounds`]).
    claims: Option<mpsc::Sender<Claim>>,
    /// PostgreSQL: claims given back, applied in rounds by one task ([`give_back`]).
    returns: Option<mpsc::UnboundedSender<Vec<String>>>,
}

/// One caller's claim, waiting for its round.
struct Claim {
    gate: Option<(String, Rule)>,
    keys: Vec<(String, Rule)>,
    reply: oneshot::Sender<AppResult<(i64, Vec<i64>)>>,
}

/// Claims recorded in one round at most.
const ROUND_MAX: usize = 256;

impl Throttle {
    /// In memory for SQLite; in the database for PostgreSQL, where tasks are started to record
    /// the claims and the claims given back.
    pub fn start(db: &Db) -> Throttle {
        if db.engine == Engine::Sqlite {
            return Throttle { memory: Some(Default::default()), claims: None, returns: None };
        }
        let (claims, waiting) = mpsc::channel(4096);
        let waiting = std::sync::Arc::new(tokio::sync::Mutex::new(waiting));
        // Two rounds may overlap: each takes its rows in key order, so they never wait in a cycle.
        for _ in 0..2 {
            tokio::spawn(claim_rounds(db.clone(), waiting.clone()));
        }
        let (returns, queue) = mpsc::unbounded_channel();
        tokio::spawn(give_back(db.clone(), queue));
        Throttle { memory: None, claims: Some(claims), returns: Some(returns) }
    }

    /// Claims one attempt on every key at once. Returns the hits now counted for each key, this
    /// attempt included; the attempt may proceed only if every count is within its rule.
    pub async fn claim(&self, db: &Db, keys: &[(String, Rule)]) -> AppResult<Vec<i64>> {
        Ok(self.claim_behind(db, None, keys).await?.1)
    }

    /// Reads `gate` (a key many share, see the module's note) and, only if it is below its
    /// limit, claims `keys` as [`Throttle::claim`] does. Returns the gate's hits and the claim's
    /// (none when the gate stopped it).
    ///
    /// On PostgreSQL the claims that arrive together are recorded in one round of two
    /// statements, the gates read and then the keys counted, each key's count raised once by the
    /// number of its claims; every claim gets the count it would have got alone, in turn.
    pub async fn claim_behind(
        &self,
        db: &Db,
        gate: Option<&(String, Rule)>,
        keys: &[(String, Rule)],
    ) -> AppResult<(i64, Vec<i64>)> {
        let t = now();
        if let Some(memory) = &self.memory {
            let mut map = memory.lock().unwrap_or_else(|e| e.into_inner());
            let seen = gate.map_or(0, |(key, rule)| live_hits(&map, key, t - rule.window));
            if gate.is_some_and(|(_, rule)| seen >= rule.limit) || keys.is_empty() {
                return Ok((seen, Vec::new()));
            }
            if map.len() > 100_000 {
                map.retain(|_, (start, _)| t - *start < 24 * 3600);
            }
            let hits = keys
                .iter()
                .map(|(key, rule)| {
                    let entry = map.entry(key.clone()).or_insert((t, 0));
                    if entry.0 <= t - rule.window {
                        *entry = (t, 0);
                    }
                    entry.1 += 1;
                    entry.1
                })
                .collect();
            return Ok((seen, hits));
        }
        if keys.is_empty() {
            let seen = match gate {
                Some((key, rule)) => self.hits(db, key, *rule).await?,
                None => 0,
            };
            return Ok((seen, Vec::new()));
        }
        let stopped = || crate::error::AppError::Internal("throttle stopped".into());
        let claims = self.claims.as_ref().ok_or_else(stopped)?;
        let (reply, answer) = oneshot::channel();
        let claim = Claim { gate: gate.cloned(), keys: keys.to_vec(), reply };
        claims.send(claim).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// The hits counted now under `key`, without adding one.
    pub async fn hits(&self, db: &Db, key: &str, rule: Rule) -> AppResult<i64> {
        let since = now() - rule.window;
        if let Some(memory) = &self.memory {
            return Ok(live_hits(&memory.lock().unwrap_or_else(|e| e.into_inner()), key, since));
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

    /// Gives back a claim whose attempt succeeded. On PostgreSQL the task behind
    /// [`Throttle::start`] applies it within moments; until then the key counts one more, which
    /// only errs on the safe side.
    pub fn release(&self, keys: &[(String, Rule)]) {
        if keys.is_empty() {
            return;
        }
        if let Some(memory) = &self.memory {
            let mut map = memory.lock().unwrap_or_else(|e| e.into_inner());
            for (key, _) in keys {
                if let Some(entry) = map.get_mut(key) {
                    entry.1 = (entry.1 - 1).max(0);
                }
            }
        } else if let Some(returns) = &self.returns {
            let _ = returns.send(keys.iter().map(|(key, _)| key.clone()).collect());
        }
    }
}

/// A key's hits in a window that began after `since`.
fn live_hits(map: &HashMap<String, (i64, i64)>, key: &str, since: i64) -> i64 {
    map.get(key).filter(|(start, _)| *start > since).map_or(0, |(_, n)| *n)
}

/// Records the claims waiting at a moment, round after round, and answers each.
async fn claim_rounds(db: Db, waiting: std::sync::Arc<tokio::sync::Mutex<mpsc::Receiver<Claim>>>) {
    loop {
        let Some(round) = super::batch::take_waiting(&waiting, ROUND_MAX).await else { return };
        match claim_round(&db, &round).await {
            Ok(answers) => {
                for (claim, answer) in round.into_iter().zip(answers) {
                    let _ = claim.reply.send(Ok(answer));
                }
            }
            Err(e) => {
                let problem = format!("{e:?}");
                for claim in round {
                    let _ = claim.reply.send(Err(crate::error::AppError::Internal(problem.clone())));
                }
            }
        }
    }
}

/// One round: the gates are read; the claims whose gates are below their limits count on their
/// keys, each key raised once by its number of claims, in key order; the `i`-th of a key's `n`
/// claims gets the count less `n - i`.
async fn claim_round(db: &Db, round: &[Claim]) -> AppResult<Vec<(i64, Vec<i64>)>> {
    let t = now();
    let mut gates: Vec<&str> =
        round.iter().filter_map(|c| c.gate.as_ref().map(|(k, _)| k.as_str())).collect();
    gates.sort_unstable();
    gates.dedup();
    let mut gate_rows: HashMap<String, (i64, i64)> = HashMap::new();
    if !gates.is_empty() {
        let list = (1..=gates.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = format!("SELECT key, window_start, hits FROM throttles WHERE key IN ({list})");
        let mut q = sqlx::query_as::<_, (String, i64, i64)>(&sql);
        for key in &gates {
            q = q.bind(*key);
        }
        gate_rows =
            q.fetch_all(db.unflushed()).await?.into_iter().map(|(k, start, n)| (k, (start, n))).collect();
    }
    let seen: Vec<i64> = round
        .iter()
        .map(|c| match &c.gate {
            Some((key, rule)) => {
                gate_rows.get(key).filter(|(start, _)| *start > t - rule.window).map_or(0, |(_, n)| *n)
            }
            None => 0,
        })
        .collect();
    let passes = |i: usize| round[i].gate.as_ref().is_none_or(|(_, rule)| seen[i] < rule.limit);
    // Each key with its window and its number of claims, in key order.
    let mut counted: std::collections::BTreeMap<&str, (i64, i64)> = Default::default();
    for (_, claim) in round.iter().enumerate().filter(|(i, _)| passes(*i)) {
        for (key, rule) in &claim.keys {
            counted.entry(key.as_str()).or_insert((rule.window, 0)).1 += 1;
        }
    }
    let mut totals: HashMap<String, i64> = HashMap::new();
    if !counted.is_empty() {
        let sql = format!(
            "INSERT INTO throttles (key, window_start, hits, window_seconds) VALUES {}
             ON CONFLICT (key) DO UPDATE SET
               hits = CASE WHEN throttles.window_start <= EXCLUDED.window_start - EXCLUDED.window_seconds
                           THEN EXCLUDED.hits ELSE throttles.hits + EXCLUDED.hits END,
               window_start = CASE WHEN throttles.window_start <= EXCLUDED.window_start - EXCLUDED.window_seconds
                                   THEN EXCLUDED.window_start ELSE throttles.window_start END
             RETURNING key, hits",
            crate::db::values_placeholders(counted.len(), 4)
        );
        let mut q = sqlx::query_as::<_, (String, i64)>(&sql);
        for (key, (window, n)) in &counted {
            q = q.bind(*key).bind(t).bind(*n).bind(*window);
        }
        totals = q.fetch_all(db.unflushed()).await?.into_iter().collect();
        // Now and then, rows whose windows closed long ago go, so the table stays small.
        if rand::random::<u16>().is_multiple_of(64) {
            sqlx::query("DELETE FROM throttles WHERE window_start < $1 OR hits <= 0")
                .bind(t - 24 * 3600)
                .execute(db.unflushed())
                .await?;
        }
    }
    // Hand out the counts in turn: the first claim on a key gets the lowest.
    let mut handed: HashMap<&str, i64> = HashMap::new();
    Ok(round
        .iter()
        .enumerate()
        .map(|(i, claim)| {
            if !passes(i) {
                return (seen[i], Vec::new());
            }
            let hits = claim
                .keys
                .iter()
                .map(|(key, _)| {
                    let n = counted.get(key.as_str()).map_or(1, |c| c.1);
                    let before = handed.entry(key.as_str()).or_insert(0);
                    *before += 1;
                    totals.get(key).copied().unwrap_or(n) - n + *before
                })
                .collect();
            (seen[i], hits)
        })
        .collect())
}

/// Applies the claims given back: what waits at a moment in one statement per round, so a
/// thousand sign-ins at the door cost a handful of statements, not a thousand. Keys are taken in
/// order, so a round never waits on a claim in a cycle; a key given back twice goes down in two
/// rounds.
async fn give_back(db: Db, mut queue: mpsc::UnboundedReceiver<Vec<String>>) {
    while let Some(mut keys) = queue.recv().await {
        while keys.len() < 1024 {
            match queue.try_recv() {
                Ok(more) => keys.extend(more),
                Err(_) => break,
            }
        }
        keys.sort_unstable();
        while !keys.is_empty() {
            let (mut round, mut again) = (Vec::with_capacity(keys.len()), Vec::new());
            for key in keys {
                if round.last() == Some(&key) {
                    again.push(key);
                } else {
                    round.push(key);
                }
            }
            let list = (1..=round.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            let sql = format!("UPDATE throttles SET hits = hits - 1 WHERE key IN ({list}) AND hits > 0");
            let mut q = sqlx::query(&sql);
            for key in &round {
                q = q.bind(key);
            }
            if let Err(e) = q.execute(db.unflushed()).await {
                tracing::warn!(error = %e, keys = round.len(), "could not give back throttle claims");
            }
            keys = again;
        }
    }
}
