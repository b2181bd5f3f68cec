//! Files in the database itself, in chunks of 256 KiB: every server sees every file the moment
//! its upload commits, and a backup of the database is a backup of the files. Chunks are
//! written and read one at a time, so a 10 MB photo never sits in memory twice.

use std::io;

use bytes::Bytes;
use sqlx::Row;

use super::{checked, BoxFuture, FileStore, Stored};
use crate::db::{now, Db};

const CHUNK: usize = 256 * 1024;

pub struct InDatabase {
    db: Db,
}

impl InDatabase {
    pub fn new(db: Db) -> InDatabase {
        InDatabase { db }
    }
}

fn db_error(e: sqlx::Error) -> io::Error {
    io::Error::other(e)
}

impl FileStore for InDatabase {
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let key = checked(key)?;
            let present: Option<i64> = sqlx::query_scalar("SELECT size FROM stored_files WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.db.pool)
                .await
                .map_err(db_error)?;
            if present.is_some() {
                return Ok(());
            }
            // The file row goes in last, in the same transaction: a reader finds a file whole
            // or not at all. Two uploads of the same content write the same chunks; the second
            // waits on the first's keys and then leaves them as they are.
            let mut tx = self.db.begin().await.map_err(db_error)?;
            let mut chunks = 0_i64;
            for (seq, chunk) in bytes.chunks(CHUNK).enumerate() {
                sqlx::query(
                    "INSERT INTO stored_chunks (key, seq, data) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(key)
                .bind(seq as i64)
                .bind(chunk)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
                chunks += 1;
            }
            sqlx::query(
                "INSERT INTO stored_files (key, size, chunks, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
            )
            .bind(key)
            .bind(bytes.len() as i64)
            .bind(chunks)
            .bind(now())
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
            tx.commit().await.map_err(db_error)
        })
    }

    fn open<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<Stored>> {
        Box::pin(async move {
            let key = checked(key)?.to_string();
            let row = sqlx::query("SELECT size, chunks FROM stored_files WHERE key = $1")
                .bind(&key)
                .fetch_optional(&self.db.pool)
                .await
                .map_err(db_error)?
                .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))?;
            let (size, count): (i64, i64) = (row.get("size"), row.get("chunks"));
            let pool = self.db.pool.clone();
            let chunks = futures_util::stream::try_unfold(0_i64, move |seq| {
                let (pool, key) = (pool.clone(), key.clone());
                async move {
                    if seq >= count {
                        return Ok(None);
                    }
                    let data: Vec<u8> =
                        sqlx::query_scalar("SELECT data FROM stored_chunks WHERE key = $1 AND seq = $2")
                            .bind(&key)
                            .bind(seq)
                            .fetch_optional(&pool)
                            .await
                            .map_err(db_error)?
                            .ok_or_else(|| io::Error::other(format!("file {key} lacks chunk {seq}")))?;
                    Ok(Some((Bytes::from(data), seq + 1)))
                }
            });
            Ok(Stored { size: size as u64, chunks: Box::pin(chunks) })
        })
    }

    fn keys(&self) -> BoxFuture<'_, io::Result<Vec<String>>> {
        Box::pin(async move {
            sqlx::query_scalar("SELECT key FROM stored_files ORDER BY key")
                .fetch_all(&self.db.pool)
                .await
                .map_err(db_error)
        })
    }

    fn check(&self) -> BoxFuture<'_, io::Result<()>> {
        Box::pin(async move {
            sqlx::query("SELECT 1 FROM stored_files LIMIT 1")
                .execute(&self.db.pool)
                .await
                .map_err(db_error)?;
            Ok(())
        })
    }

    fn describe(&self) -> String {
        "database".into()
    }
}
