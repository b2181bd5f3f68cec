//! Where uploaded and generated files live: one interface, three places, chosen by
//! configuration. A local directory (the default with SQLite, one server), the database itself
//! (the default with PostgreSQL, so any number of servers share every file with nothing else to
//! run) or an S3-compatible object store.
//!
//! Keys are content addresses (SHA-256 in hex), so the same photo uploaded twice is stored once,
//! a key never changes meaning, and a copy can be checked against its own name. Files are read
//! as streams of chunks: a download never holds a whole file in memory.

mod database;
mod local;
mod object;

use std::io;
use std::pin::Pin;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

pub use database::InDatabase;
pub use local::LocalDir;
pub use object::ObjectStorage;

pub type BoxFuture<'a, T> = Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
pub type ByteStream = Pin<Box<dyn Stream<Item = io::Result<Bytes>> + Send>>;

/// The key a content is stored under: its SHA-256, in hex.
pub fn content_key(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// A stored file being read: its length and its bytes, chunk by chunk.
pub struct Stored {
    pub size: u64,
    pub chunks: ByteStream,
}

impl Stored {
    /// Reads the whole file, for the few callers that must parse it (a roster's second step).
    pub async fn into_bytes(mut self) -> io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(usize::try_from(self.size).unwrap_or(0));
        while let Some(chunk) = self.chunks.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }
}

pub trait FileStore: Send + Sync {
    /// Stores `bytes` under `key` (their content key); storing a key already present is a no-op.
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, io::Result<()>>;
    /// Opens the file for reading; `NotFound` if there is none.
    fn open<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<Stored>>;
    /// Every key held, for migration and backup.
    fn keys(&self) -> BoxFuture<'_, io::Result<Vec<String>>>;
    /// Whether the store answers, for `/readyz`.
    fn check(&self) -> BoxFuture<'_, io::Result<()>>;
    /// What and where it is, for the start-up banner (no secrets).
    fn describe(&self) -> String;

    /// The whole file in memory.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<Vec<u8>>> {
        Box::pin(async move { self.open(key).await?.into_bytes().await })
    }
}

/// Keys are hex digests; anything else is a bug or an attack (a path, a URL).
pub(crate) fn checked(key: &str) -> io::Result<&str> {
    if key.len() < 8 || key.len() > 128 || !key.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "bad storage key"));
    }
    Ok(key)
}

/// Opens the store the configuration names.
pub fn open(config: &crate::config::Config, db: &crate::db::Db) -> anyhow::Result<Box<dyn FileStore>> {
    use crate::config::StorageKind;
    Ok(match &config.storage {
        StorageKind::Local(dir) => Box::new(LocalDir::new(dir.clone())?),
        StorageKind::Database => Box::new(InDatabase::new(db.clone())),
        StorageKind::S3(url) => Box::new(ObjectStorage::s3(url, &config.s3)?),
    })
}

/// What a copy between stores did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Copied {
    pub copied: usize,
    pub already_there: usize,
    pub bytes: u64,
}

/// Copies every file of `from` missing in `to`, checking each against its key on the way, so a
/// file damaged at the source is reported rather than spread.
pub async fn copy_all(from: &dyn FileStore, to: &dyn FileStore) -> anyhow::Result<Copied> {
    let there: std::collections::HashSet<String> = to.keys().await?.into_iter().collect();
    let mut done = Copied::default();
    for key in from.keys().await? {
        if there.contains(&key) {
            done.already_there += 1;
            continue;
        }
        let bytes = from.get(&key).await?;
        anyhow::ensure!(content_key(&bytes) == key, "文件 {key} 的内容与其摘要不符（已损坏）");
        to.put(&key, &bytes).await?;
        done.copied += 1;
        done.bytes += bytes.len() as u64;
    }
    Ok(done)
}

/// The type of an upload, decided from its first bytes (never from its name or the browser's
/// claim). Only images and PDF are accepted as evidence.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff(b"%PDF-1.7"), Some("application/pdf"));
        assert_eq!(sniff(b"MZ\x90\x00 executable"), None);
        assert_eq!(sniff(b"<html>"), None);
    }

    #[test]
    fn keys_are_digests_only() {
        assert!(checked("0123456789abcdef").is_ok());
        for bad in ["../../etc/passwd", "abc", "0123456789abcdeg", "01234567/89abcdef", ""] {
            assert!(checked(bad).is_err(), "{bad}");
        }
    }
}
