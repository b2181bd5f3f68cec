//! Every file store behaves the same: a local directory, the database on either engine, and an
//! S3-compatible object store (a real S3-protocol server, s3s-fs, on loopback). The same
//! scenario runs against each; uploads and downloads through the HTTP surface also run with the
//! object store, and `copy_all` (what `qinglian storage migrate` does) moves every file between
//! any two of them.

use std::io::ErrorKind;
use std::process::{Command, Stdio};
use std::sync::Arc;

use qinglian::config::{Config, S3Settings, StorageKind};
use qinglian::storage::{self, content_key, FileStore};

use crate::crash::{free_port, wait_listening, Server};
use crate::harness::{self, Engine};

/// A real S3-protocol server on a free loopback port, serving a temporary directory; stopped
/// with the value.
pub struct S3Server {
    _process: Server,
    _root: tempfile::TempDir,
    pub settings: S3Settings,
}

impl S3Server {
    /// Starts s3s-fs (scripts/setup installs it) with one bucket, `qinglian`.
    pub async fn start() -> S3Server {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("qinglian")).unwrap();
        let port = free_port();
        let child = Command::new("s3s-fs")
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", "qinglian-test", "--secret-key", "qinglian-test-secret"])
            .arg(root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("s3s-fs must be installed: scripts/setup installs it");
        wait_listening(port).await;
        S3Server {
            _process: Server(child),
            _root: root,
            settings: S3Settings {
                endpoint: Some(format!("http://127.0.0.1:{port}")),
                region: Some("cn-north-1".into()),
                access_key_id: Some("qinglian-test".into()),
                secret_access_key: Some("qinglian-test-secret".into()),
                virtual_hosted_style: Some(false),
            },
        }
    }

    pub fn configure(&self, config: &mut Config, prefix: &str) {
        config.storage = StorageKind::S3(format!("s3://qinglian/{prefix}"));
        config.s3 = self.settings.clone();
    }

    pub fn store(&self, prefix: &str) -> Box<dyn FileStore> {
        Box::new(storage::ObjectStorage::s3(&format!("s3://qinglian/{prefix}"), &self.settings).unwrap())
    }
}

/// Bytes that do not repeat, so a chunk out of place would show.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// What every store must do.
async fn behaves(store: Arc<dyn FileStore>) {
    store.check().await.expect("the store answers");
    assert!(store.keys().await.unwrap().is_empty(), "a new store is empty");

    let small = b"%PDF-1.4 a study material".to_vec();
    // A 10 MB photo: many chunks in every backend.
    let large = noise(10 * 1024 * 1024 + 12_345, 7);
    let (small_key, large_key) = (content_key(&small), content_key(&large));
    store.put(&small_key, &small).await.unwrap();
    store.put(&large_key, &large).await.unwrap();
    assert_eq!(store.get(&small_key).await.unwrap(), small);

    // Read as a stream of chunks, none of them the whole file.
    let mut opened = store.open(&large_key).await.unwrap();
    assert_eq!(opened.size, large.len() as u64);
    let (mut read, mut chunks, mut biggest) = (Vec::new(), 0, 0);
    while let Some(chunk) = futures_util::StreamExt::next(&mut opened.chunks).await {
        let chunk = chunk.unwrap();
        biggest = biggest.max(chunk.len());
        read.extend_from_slice(&chunk);
        chunks += 1;
    }
    assert!(read == large, "the large file comes back byte for byte");
    assert!(chunks > 1 && biggest < large.len(), "{chunks} chunks, the biggest {biggest} bytes");

    // The same content from many requests at once is stored once, whole.
    let photo = noise(300_000, 11);
    let photo_key = content_key(&photo);
    let mut writers = Vec::new();
    for _ in 0..16 {
        let (store, photo, key) = (store.clone(), photo.clone(), photo_key.clone());
        writers.push(tokio::spawn(async move { store.put(&key, &photo).await }));
    }
    for w in writers {
        w.await.unwrap().unwrap();
    }
    assert_eq!(store.get(&photo_key).await.unwrap(), photo);
    let mut expected = vec![small_key.clone(), large_key.clone(), photo_key.clone()];
    expected.sort();
    assert_eq!(store.keys().await.unwrap(), expected);

    // A missing file says so; a key that is not a digest is refused before anything is read.
    let missing = content_key(b"never stored");
    assert_eq!(store.open(&missing).await.err().map(|e| e.kind()), Some(ErrorKind::NotFound));
    for bad in ["../../etc/passwd", "abc", "0123456789abcdeg", "http://example.com/x"] {
        assert_eq!(store.get(bad).await.err().map(|e| e.kind()), Some(ErrorKind::InvalidInput), "{bad}");
        assert!(store.put(bad, b"x").await.is_err(), "{bad}");
    }

    // Everything moves to another store, checked on the way; a second run copies nothing.
    let dir = tempfile::tempdir().unwrap();
    let other = storage::LocalDir::new(dir.path().to_path_buf()).unwrap();
    let done = storage::copy_all(store.as_ref(), &other).await.unwrap();
    assert_eq!((done.copied, done.already_there), (3, 0));
    assert_eq!(done.bytes, (small.len() + large.len() + photo.len()) as u64);
    assert_eq!(other.get(&large_key).await.unwrap(), large);
    assert_eq!(storage::copy_all(store.as_ref(), &other).await.unwrap().copied, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_directory() {
    let dir = tempfile::tempdir().unwrap();
    behaves(Arc::new(storage::LocalDir::new(dir.path().join("files")).unwrap())).await;
}

async fn in_the_database(engine: Engine) {
    harness::run(engine, |t| async move {
        behaves(Arc::new(storage::InDatabase::new(t.app.db.clone()))).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_database() {
    in_the_database(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_postgres_database() {
    in_the_database(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_s3_object_store() {
    let s3 = S3Server::start().await;
    behaves(Arc::from(s3.store("behaves"))).await;
    // A store that does not answer says so (readiness), rather than hanging.
    let mut gone = s3.settings.clone();
    gone.endpoint = Some("http://127.0.0.1:9".into());
    let unreachable = storage::ObjectStorage::s3("s3://qinglian/x", &gone).unwrap();
    assert!(unreachable.check().await.is_err());
}

/// Uploads and downloads through the HTTP surface with the files in the object store: a ledger
/// entry's photos, filed, fetched, returned and filed again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_and_downloads_through_an_object_store() {
    let s3 = S3Server::start().await;
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let prefix = format!("{engine:?}").to_lowercase();
        harness::run_configured(
            engine,
            |c| s3.configure(c, &prefix),
            |t| async move {
                assert!(t.app.files.describe().starts_with("s3://qinglian/"), "{}", t.app.files.describe());
                let ready: serde_json::Value = t.client().get("/readyz").await.json().await.unwrap();
                assert_eq!(ready["storage"], "ok", "{ready}");
                crate::ledger::file_return_resubmit_accept(t).await;
            },
        )
        .await;
    }
    let held = s3.store("sqlite").keys().await.unwrap();
    assert!(!held.is_empty(), "the photos went to the object store");
}
