//! Group commit for SQLite, whose one writer would otherwise pay a whole transaction for each
//! small write that arrives in a rush (sign-ins at the door, pledges from the public): the jobs
//! waiting at a moment are recorded in one transaction, and each is answered only after that
//! transaction commits, so an acknowledged write is never lost. PostgreSQL takes concurrent
//! transactions as they come, so there each job runs in its own.

use std::future::Future;
use std::pin::Pin;

use tokio::sync::{mpsc, oneshot};

use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One small write.
pub trait Job: Send + Sync + 'static {
    type Out: Send + 'static;
    fn record<'a>(&'a self, tx: &'a mut Tx) -> BoxFuture<'a, AppResult<Self::Out>>;
}

type Queued<J> = (J, oneshot::Sender<AppResult<<J as Job>::Out>>);

pub struct Batcher<J: Job> {
    queue: mpsc::Sender<Queued<J>>,
}

const BATCH_MAX: usize = 256;

impl<J: Job> Batcher<J> {
    /// Starts the writer task (SQLite); `None` on PostgreSQL.
    pub fn for_engine(db: &Db) -> Option<std::sync::Arc<Batcher<J>>> {
        (db.engine == crate::db::Engine::Sqlite).then(|| std::sync::Arc::new(Batcher::start(db.clone())))
    }

    fn start(db: Db) -> Batcher<J> {
        let (queue, mut jobs) = mpsc::channel::<Queued<J>>(4096);
        tokio::spawn(async move {
            while let Some(first) = jobs.recv().await {
                let mut batch = vec![first];
                while batch.len() < BATCH_MAX {
                    match jobs.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                let results = match db.begin().await {
                    Ok(mut tx) => {
                        let mut results = Vec::with_capacity(batch.len());
                        for (job, _) in &batch {
                            // SQLite undoes just the failed statement, so one bad job does not
                            // spoil the others in its batch.
                            results.push(job.record(&mut tx).await);
                        }
                        match tx.commit().await {
                            Ok(()) => results,
                            Err(e) => batch.iter().map(|_| Err(AppError::Internal(e.to_string()))).collect(),
                        }
                    }
                    Err(e) => batch.iter().map(|_| Err(AppError::Internal(e.to_string()))).collect(),
                };
                for ((_, reply), result) in batch.into_iter().zip(results) {
                    let _ = reply.send(result);
                }
            }
        });
        Batcher { queue }
    }

    async fn submit(&self, job: J) -> AppResult<J::Out> {
        let (reply, answer) = oneshot::channel();
        let stopped = || AppError::Internal("writer stopped".into());
        self.queue.send((job, reply)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// Records `job` through the batcher when there is one, else in a transaction of its own.
pub async fn run<J: Job>(db: &Db, batcher: Option<&Batcher<J>>, job: J) -> AppResult<J::Out> {
    match batcher {
        Some(b) => b.submit(job).await,
        None => {
            let mut tx = db.begin().await?;
            let out = job.record(&mut tx).await?;
            tx.commit().await?;
            Ok(out)
        }
    }
}
