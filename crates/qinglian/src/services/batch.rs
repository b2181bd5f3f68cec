//! Group commit for the small writes that arrive in a rush (sign-ins at the door, pledges from
//! the public): the jobs waiting at a moment are recorded in one transaction, and each is
//! answered only after that transaction commits, so an acknowledged write is never lost.
//!
//! Every such write moves a chain head (the audit log's; a signature's also the signature
//! chain's), which serialises them whatever the engine: SQLite has one writer, and on
//! PostgreSQL each transaction holds the heads' row locks until its commit is on disk. One
//! transaction for a batch pays for the locks and the flush once instead of once per write. A
//! failing job never takes the others with it: SQLite undoes just a failed statement, and on
//! PostgreSQL, where a database error aborts the transaction, the batch is recorded again with
//! a savepoint around each job.

use std::future::Future;
use std::pin::Pin;

use tokio::sync::{mpsc, oneshot};

use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A whole batch's outcomes, one per job, from [`Job::record_all`].
pub type Recorded<'a, O> = BoxFuture<'a, AppResult<Vec<AppResult<O>>>>;

/// One small write.
pub trait Job: Send + Sync + 'static {
    type Out: Send + 'static;
    fn record<'a>(&'a self, tx: &'a mut Tx) -> BoxFuture<'a, AppResult<Self::Out>>;

    /// Records a whole batch at once where one statement can do the work of many; `None` (the
    /// default) records the jobs one by one. An error sends the batch round again, job by job.
    fn record_all<'a>(_jobs: &'a [&'a Self], _tx: &'a mut Tx) -> Option<Recorded<'a, Self::Out>> {
        None
    }
}

type Queued<J> = (J, oneshot::Sender<AppResult<<J as Job>::Out>>);

/// What a batch's jobs leave for its end, kept with its transaction: their audit rows, chained
/// and written in one statement, the signature chain's head as their signatures moved it and
/// the pledges' counts, each written once; and what they read that the next job would read again.
#[derive(Default)]
pub(crate) struct Deferred {
    pub(crate) audit: Vec<super::audit::Entry>,
    pub(crate) signature_head: Option<String>,
    /// A pledge's id for each signature on it.
    pub(crate) pledges_signed: Vec<i64>,
    /// Kept texts found or stored in this batch: (subject, id, digest) → (text id, version).
    pub(crate) texts: std::collections::HashMap<(&'static str, i64, String), (i64, i64)>,
    /// Whether each pledge signed in this batch is open, as read in its transaction.
    pub(crate) pledges_open: std::collections::HashMap<i64, bool>,
}

/// Waits for one item, then takes what else waits at this moment, up to `max`; `None` once the
/// queue is closed. Lanes share the receiver, so one lane takes a round while the next waits.
pub(crate) async fn take_waiting<T>(
    queue: &tokio::sync::Mutex<mpsc::Receiver<T>>,
    max: usize,
) -> Option<Vec<T>> {
    let mut queue = queue.lock().await;
    let first = queue.recv().await?;
    let mut round = vec![first];
    while round.len() < max {
        match queue.try_recv() {
            Ok(item) => round.push(item),
            Err(_) => break,
        }
    }
    Some(round)
}

pub struct Batcher<J: Job> {
    queue: mpsc::Sender<Queued<J>>,
    /// Jobs recorded and committed, for `/metrics`.
    recorded: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

const BATCH_MAX: usize = 256;

impl<J: Job> Batcher<J> {
    /// Starts `lanes` writer tasks. More than one lets batches overlap where the engine allows
    /// (PostgreSQL: a batch's work before the audit chain's lock runs beside another's).
    pub fn start(db: Db, lanes: usize) -> Batcher<J> {
        let (queue, jobs) = mpsc::channel::<Queued<J>>(4096);
        let jobs = std::sync::Arc::new(tokio::sync::Mutex::new(jobs));
        let recorded = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        for _ in 0..lanes.max(1) {
            let (db, jobs, counter) = (db.clone(), jobs.clone(), recorded.clone());
            tokio::spawn(async move {
                loop {
                    // A lane takes what waits at this moment, then lets the next lane take the
                    // jobs that arrive while it records them.
                    let Some(batch) = take_waiting(&jobs, BATCH_MAX).await else { return };
                    let results = record_batch(&db, &batch).await;
                    let ok = results.iter().filter(|r| r.is_ok()).count() as u64;
                    counter.fetch_add(ok, std::sync::atomic::Ordering::Relaxed);
                    for ((_, reply), result) in batch.into_iter().zip(results) {
                        let _ = reply.send(result);
                    }
                }
            });
        }
        Batcher { queue, recorded }
    }

    /// How many jobs this batcher has recorded since the server started.
    pub fn recorded(&self) -> u64 {
        self.recorded.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Records `job` in the next batch; answers once that batch has committed.
    pub async fn submit(&self, job: J) -> AppResult<J::Out> {
        let (reply, answer) = oneshot::channel();
        let stopped = || AppError::Internal("writer stopped".into());
        self.queue.send((job, reply)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// Records a batch in one transaction: all its jobs at once ([`Job::record_all`]) or each alone
/// (see [`record_alone`]), then the audit rows of all of them in one statement, then one commit.
/// Every job gets the commit's outcome.
///
/// On PostgreSQL the batch is first tried without a savepoint per job, as nearly every batch
/// fails nowhere; a job whose error aborted the transaction (a database error, not a refusal)
/// sends the whole batch round again with savepoints, so the others are still recorded.
async fn record_batch<J: Job>(db: &Db, batch: &[Queued<J>]) -> Vec<AppResult<J::Out>> {
    match attempt(db, batch, false).await {
        Some(results) => results,
        None => attempt(db, batch, true).await.unwrap_or_else(|| {
            batch.iter().map(|_| Err(AppError::Internal("batch aborted".into()))).collect()
        }),
    }
}

/// One try at a batch; `None` if a job aborted the transaction or recording them all at once
/// failed (only without savepoints).
async fn attempt<J: Job>(db: &Db, batch: &[Queued<J>], savepoints: bool) -> Option<Vec<AppResult<J::Out>>> {
    let failed = |e: &dyn std::fmt::Display| {
        Some(batch.iter().map(|_| Err(AppError::Internal(e.to_string()))).collect())
    };
    let mut tx = match db.begin().await {
        Ok(tx) => tx,
        Err(e) => return failed(&e),
    };
    let postgres = tx.engine == crate::db::Engine::Postgres;
    tx.batch = Some(Deferred::default());
    let jobs: Vec<&J> = batch.iter().map(|(job, _)| job).collect();
    let together = match J::record_all(&jobs, &mut tx).filter(|_| !savepoints) {
        Some(all) => Some(all.await),
        None => None,
    };
    let results = match together {
        Some(all) => all.ok()?,
        None => {
            let mut results = Vec::with_capacity(jobs.len());
            for job in jobs {
                let out = record_alone(&mut tx, job, savepoints && postgres).await;
                if out.is_err()
                    && postgres
                    && !savepoints
                    && sqlx::query("SELECT 1").execute(&mut *tx).await.is_err()
                {
                    return None;
                }
                results.push(out);
            }
            results
        }
    };
    if let Err(e) = write_deferred(&mut tx).await {
        return failed(&format!("{e:?}"));
    }
    match tx.commit().await {
        Ok(()) => Some(results),
        Err(e) => failed(&e),
    }
}

/// Records one job of a batch so that its failure leaves the others as they are. A refused job
/// (a duplicate, a full room) has written nothing that matters, as on SQLite, which undoes just
/// a failed statement; with `savepoint`, a job that failed in the database is undone whole. A
/// failed job's audit rows and counts go with it, and the signature chain's head goes back to
/// where the job found it.
async fn record_alone<J: Job>(tx: &mut Tx, job: &J, savepoint: bool) -> AppResult<J::Out> {
    let before = tx.batch.as_ref().map(|d| (d.audit.len(), d.signature_head.clone(), d.pledges_signed.len()));
    if savepoint {
        sqlx::query("SAVEPOINT job").execute(&mut **tx).await?;
    }
    let out = job.record(tx).await;
    if let (Err(_), Some(d), Some((rows, head, signed))) = (&out, tx.batch.as_mut(), before) {
        d.audit.truncate(rows);
        d.signature_head = head;
        d.pledges_signed.truncate(signed);
        // A text the job stored may have gone with its savepoint.
        d.texts.clear();
    }
    if savepoint {
        let end = if out.is_ok() { "RELEASE SAVEPOINT job" } else { "ROLLBACK TO SAVEPOINT job" };
        sqlx::query(end).execute(&mut **tx).await?;
    }
    out
}

/// Writes what the batch's jobs left for its end.
async fn write_deferred(tx: &mut Tx) -> AppResult<()> {
    let Some(deferred) = tx.batch.take() else { return Ok(()) };
    if let Some(head) = deferred.signature_head {
        super::signatures::move_head(tx, &head).await?;
    }
    super::pledges::count_signed(tx, deferred.pledges_signed).await?;
    super::audit::append_all(tx, deferred.audit).await
}
