//! Where uploaded files live. One interface; a local directory by default. Keys are content
//! addresses (SHA-256), so the same photo uploaded twice is stored once and a key never changes
//! meaning.

use std::path::PathBuf;

use async_trait_like::BoxFuture;

/// A tiny local alias so the trait stays object-safe without pulling in `async-trait`.
mod async_trait_like {
    pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
}

/// The key a content is stored under: its SHA-256, in hex.
pub fn content_key(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

pub trait FileStore: Send + Sync {
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, std::io::Result<()>>;
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, std::io::Result<Vec<u8>>>;
}

pub struct LocalDir {
    root: PathBuf,
}

impl LocalDir {
    pub fn new(root: PathBuf) -> std::io::Result<LocalDir> {
        std::fs::create_dir_all(&root)?;
        Ok(LocalDir { root })
    }

    fn path(&self, key: &str) -> std::io::Result<PathBuf> {
        // Keys are hex digests; anything else would be a bug or an attack.
        if key.len() < 8 || !key.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "bad storage key"));
        }
        Ok(self.root.join(&key[..2]).join(key))
    }
}

impl FileStore for LocalDir {
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, std::io::Result<()>> {
        Box::pin(async move {
            let path = self.path(key)?;
            if tokio::fs::try_exists(&path).await.unwrap_or(false) {
                return Ok(());
            }
            if let Some(dir) = path.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            // Write then rename, so a reader never sees half a file. The same content may be
            // stored by several requests at once: each writes its own temporary file, and the
            // renames all leave the same bytes in place.
            let tmp = path.with_extension(format!("tmp{}", hex::encode(rand::random::<[u8; 8]>())));
            tokio::fs::write(&tmp, bytes).await?;
            let renamed = tokio::fs::rename(&tmp, &path).await;
            if renamed.is_err() {
                let _ = tokio::fs::remove_file(&tmp).await;
            }
            renamed
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, std::io::Result<Vec<u8>>> {
        Box::pin(async move { tokio::fs::read(self.path(key)?).await })
    }
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

    #[tokio::test]
    async fn the_same_file_stored_at_once_by_many() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(LocalDir::new(dir.path().to_path_buf()).unwrap());
        let mut handles = Vec::new();
        for _ in 0..16 {
            let store = store.clone();
            handles.push(tokio::spawn(async move { store.put("0123456789abcdef", b"photo").await }));
        }
        for h in handles {
            h.await.unwrap().unwrap();
        }
        assert_eq!(store.get("0123456789abcdef").await.unwrap(), b"photo");
    }

    #[tokio::test]
    async fn local_dir_round_trip_and_refuses_bad_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalDir::new(dir.path().to_path_buf()).unwrap();
        store.put("abcdef0123456789", b"hello").await.unwrap();
        assert_eq!(store.get("abcdef0123456789").await.unwrap(), b"hello");
        assert!(store.get("../../etc/passwd").await.is_err());
    }
}
