//! Files in a directory of this machine: `root/ab/abcdef…`. Enough for one server; several
//! servers need the database or an object store instead.

use std::io;
use std::path::PathBuf;

use bytes::Bytes;
use tokio::io::AsyncReadExt;

use super::{checked, BoxFuture, FileStore, Stored};

/// How much of a file one read hands on.
const READ_CHUNK: usize = 256 * 1024;

pub struct LocalDir {
    root: PathBuf,
}

impl LocalDir {
    pub fn new(root: PathBuf) -> io::Result<LocalDir> {
        std::fs::create_dir_all(&root)?;
        Ok(LocalDir { root })
    }

    fn path(&self, key: &str) -> io::Result<PathBuf> {
        let key = checked(key)?;
        Ok(self.root.join(&key[..2]).join(key))
    }
}

impl FileStore for LocalDir {
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
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

    fn open<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<Stored>> {
        Box::pin(async move {
            let file = tokio::fs::File::open(self.path(key)?).await?;
            let size = file.metadata().await?.len();
            let chunks = futures_util::stream::try_unfold(file, |mut file| async move {
                let mut buf = Vec::with_capacity(READ_CHUNK);
                let n = (&mut file).take(READ_CHUNK as u64).read_to_end(&mut buf).await?;
                Ok::<_, io::Error>((n > 0).then(|| (Bytes::from(buf), file)))
            });
            Ok(Stored { size, chunks: Box::pin(chunks) })
        })
    }

    fn keys(&self) -> BoxFuture<'_, io::Result<Vec<String>>> {
        Box::pin(async move {
            let mut keys = Vec::new();
            let mut dirs = tokio::fs::read_dir(&self.root).await?;
            while let Some(dir) = dirs.next_entry().await? {
                if !dir.file_type().await?.is_dir() {
                    continue;
                }
                let mut files = tokio::fs::read_dir(dir.path()).await?;
                while let Some(f) = files.next_entry().await? {
                    let name = f.file_name().to_string_lossy().to_string();
                    // Temporary files of writes in progress have an extension; keys have none.
                    if checked(&name).is_ok() {
                        keys.push(name);
                    }
                }
            }
            keys.sort();
            Ok(keys)
        })
    }

    fn check(&self) -> BoxFuture<'_, io::Result<()>> {
        Box::pin(async move { tokio::fs::metadata(&self.root).await.map(|_| ()) })
    }

    fn describe(&self) -> String {
        format!("local:{}", self.root.display())
    }
}
