//! The database handle: one `sqlx::AnyPool` over SQLite or PostgreSQL, chosen by the URL.
//!
//! Every query in the services is written once with `$N` placeholders and portable types, so the
//! only engine-specific code lives here: connection set-up, migrations and how a write
//! transaction begins.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor, Transaction};

/// A write transaction. On SQLite it also holds this process's writer lock, so writers queue on
/// an async mutex instead of SQLite's busy handler (which sleeps in millisecond steps and would
/// cap sign-ins at a few hundred a second). It dereferences to the connection, so queries take
/// `&mut *tx` as with a plain sqlx transaction.
pub struct Tx {
    inner: Transaction<'static, sqlx::Any>,
    _writer: Option<tokio::sync::OwnedMutexGuard<()>>,
    pub engine: Engine,
    /// In a batch of small writes, what its jobs leave for the batch's end
    /// (`services::batch`).
    pub(crate) batch: Option<crate::services::batch::Deferred>,
    /// Seals and opens personal data written and read in this transaction.
    pub vault: std::sync::Arc<crate::vault::Vault>,
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.inner.commit().await
    }
}

impl std::ops::Deref for Tx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.inner
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub engine: Engine,
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// PostgreSQL: a few connections whose commits do not wait for the disk, for writes whose
    /// loss in a database crash costs nothing (attempt counters); see [`Db::unflushed`].
    unflushed: Option<AnyPool>,
    /// The keys personal data is sealed with ([`crate::vault`]), loaded once migrations ran.
    pub vault: std::sync::Arc<crate::vault::Vault>,
}

/// The advisory lock servers take while they prepare the database ("qinglian" in ASCII).
const STARTUP_LOCK: i64 = 0x71_69_6e_67_6c_69_61_6e;

/// Held while one server prepares the database; see [`Db::startup_lock`].
pub struct StartupLock(Option<sqlx::pool::PoolConnection<sqlx::Any>>);

impl StartupLock {
    pub async fn release(mut self) -> anyhow::Result<()> {
        if let Some(mut conn) = self.0.take() {
            sqlx::query("SELECT pg_advisory_unlock($1)").bind(STARTUP_LOCK).execute(&mut *conn).await?;
        }
        Ok(())
    }
}

impl Drop for StartupLock {
    /// Not released (start-up failed): the connection is closed rather than returned to the
    /// pool, so PostgreSQL ends the lock with it.
    fn drop(&mut self) {
        if let Some(conn) = self.0.take() {
            drop(conn.detach());
        }
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Connects to `url` (`sqlite:` or `postgres://`), creating a SQLite file if needed.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let engine = if url.starts_with("sqlite:") {
            Engine::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Engine::Postgres
        } else {
            anyhow::bail!("unsupported database URL (expected sqlite: or postgres://): {url}");
        };
        let options = AnyConnectOptions::from_str(url)?;
        let unflushed = match engine {
            Engine::Sqlite => None,
            Engine::Postgres => Some(
                AnyPoolOptions::new()
                    .max_connections(12)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("SET synchronous_commit = off").await?;
                            Ok(())
                        })
                    })
                    .connect_lazy_with(options.clone()),
            ),
        };
        let pool = match engine {
            Engine::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // WAL lets readers proceed while one writer commits; the busy timeout
                            // queues writers instead of failing them. FULL syncs every commit, so
                            // an acknowledged write survives a power cut, not only a crash; group
                            // commit keeps that cheap.
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA busy_timeout = 10000").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            conn.execute("PRAGMA synchronous = FULL").await?;
                            // What is deleted or overwritten (anonymised names, a rotated key's
                            // ciphertexts) is zeroed in its page rather than left in the file.
                            conn.execute("PRAGMA secure_delete = FAST").await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Engine::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?
            }
        };
        Ok(Db { pool, engine, writer: Default::default(), unflushed, vault: Default::default() })
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self.engine {
            Engine::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Engine::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// Waits until no other server is preparing this database, then holds it until `release`:
    /// migrations, repairs and the demo load run one server at a time, so any number may start
    /// at once. On PostgreSQL a session advisory lock (ended with its connection if the process
    /// dies); a SQLite database has one server, and needs none.
    pub async fn startup_lock(&self) -> anyhow::Result<StartupLock> {
        if self.engine == Engine::Sqlite {
            return Ok(StartupLock(None));
        }
        let mut conn = self.pool.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock($1)").bind(STARTUP_LOCK).execute(&mut *conn).await?;
        Ok(StartupLock(Some(conn)))
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`) after this process's writer lock, so writers never fail on a lock
    /// upgrade; the busy timeout remains for other processes (`qinglian import` beside `serve`).
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self.engine {
            Engine::Sqlite => {
                let writer = self.writer.clone().lock_owned().await;
                let inner = self.pool.begin_with("BEGIN IMMEDIATE").await?;
                Ok(Tx {
                    inner,
                    _writer: Some(writer),
                    engine: Engine::Sqlite,
                    batch: None,
                    vault: self.vault.clone(),
                })
            }
            Engine::Postgres => Ok(Tx {
                inner: self.pool.begin().await?,
                _writer: None,
                engine: Engine::Postgres,
                batch: None,
                vault: self.vault.clone(),
            }),
        }
    }

    /// Where a write that may be lost in a database crash goes: one statement, committed at
    /// once without waiting for the disk (PostgreSQL's `synchronous_commit = off`; the WAL is
    /// still written in order, so nothing is torn). A SQLite database has one server, which keeps
    /// such state in memory instead; there this is the main pool.
    pub fn unflushed(&self) -> &AnyPool {
        self.unflushed.as_ref().unwrap_or(&self.pool)
    }

    /// After a bulk write, refreshes the planner's statistics for `table` so the next reads get
    /// good plans at once rather than after autovacuum's next pass. PostgreSQL only: SQLite's
    /// planner does well here without statistics. `table` is one of ours, never user input.
    pub async fn refresh_statistics(&self, table: &'static str) {
        if self.engine == Engine::Postgres {
            if let Err(e) = sqlx::query(&format!("ANALYZE {table}")).execute(&self.pool).await {
                tracing::warn!(table, error = %e, "could not refresh statistics");
            }
        }
    }

    /// How many of this build's migrations the database lacks.
    pub async fn migrations_pending(&self) -> Result<usize, sqlx::Error> {
        let known = match self.engine {
            Engine::Sqlite => SQLITE_MIGRATIONS.iter().count(),
            Engine::Postgres => POSTGRES_MIGRATIONS.iter().count(),
        };
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.pool)
            .await?;
        Ok(known.saturating_sub(applied as usize))
    }

    /// Closes every connection, waiting for those in use to come back.
    pub async fn close(&self) {
        if let Some(p) = &self.unflushed {
            p.close().await;
        }
        self.pool.close().await;
    }

    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

/// `($1, $2), ($3, $4)`: placeholders for a multi-row VALUES list of `rows` rows of `cols` values.
pub fn values_placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            format!("({})", (1..=cols).map(|c| format!("${}", r * cols + c)).collect::<Vec<_>>().join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Seconds since the Unix epoch: how every instant is stored.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_number_across_rows() {
        assert_eq!(super::values_placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }
}
