//! `qinglian backup` takes a consistent snapshot of a running instance while people sign in,
//! and `qinglian restore` brings it back into the other engine and the other kind of storage:
//! every count, every file digest and both SM3 chains as they were, and the restored instance
//! serves. A damaged archive or a target that holds data is refused with nothing written.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use qinglian::config::Config;
use reqwest::multipart::Part;
use serde_json::{json, Value};

use crate::harness::{self, empty_postgres_database, Engine, TestApp};

/// Runs the binary on the instance `url` (+ `dir`); its exit status and everything it printed.
pub(crate) fn qinglian(dir: &Path, url: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_qinglian"))
        .arg("--data-dir")
        .arg(dir)
        .args(["--database-url", url])
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run qinglian");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// A new empty instance of `engine`: its data directory and database URL (and the PostgreSQL
/// database to drop afterwards).
async fn empty_instance(engine: Engine) -> Option<(tempfile::TempDir, String, Option<String>)> {
    let dir = tempfile::tempdir().unwrap();
    match engine {
        Engine::Sqlite => {
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("qinglian.db").display());
            Some((dir, url, None))
        }
        Engine::Postgres => {
            let name = empty_postgres_database().await?;
            Some((dir, format!("postgres://postgres@127.0.0.1:5432/{name}"), Some(name)))
        }
    }
}

/// Sign-ins from eight phones until `stop`; how many were acknowledged.
fn sign_ins_under_way(t: &TestApp, code: String, stop: Arc<AtomicBool>) -> Arc<AtomicUsize> {
    let done = Arc::new(AtomicUsize::new(0));
    let people = Arc::new(std::sync::Mutex::new(Vec::<(String, String)>::new()));
    for phone in 0..8 {
        let (base, code, stop, done, people, db) =
            (t.base.clone(), code.clone(), stop.clone(), done.clone(), people.clone(), t.app.db.clone());
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            if phone == 0 {
                let rows: Vec<(String, String)> =
                    sqlx::query_as("SELECT name, phone FROM people ORDER BY id")
                        .fetch_all(&db.pool)
                        .await
                        .unwrap();
                *people.lock().unwrap() =
                    rows.into_iter().map(|(name, phone)| (name, db.vault.open(&phone).unwrap())).collect();
            }
            while !stop.load(Ordering::Relaxed) {
                let next = people.lock().unwrap().pop();
                let Some((name, phone)) = next else {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    continue;
                };
                let body = json!({"code": code, "name": name, "last4": &phone[7..]});
                if let Ok(r) = http.post(format!("{base}/api/v1/signin")).json(&body).send().await {
                    if r.status() == 200 {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        });
    }
    done
}

async fn backed_up_under_load_restores_into(t: TestApp, target: Engine) {
    // Files to carry: a ledger entry's photo (and, on the way, a second one).
    let task = crate::ledger::dongzhuang_village_task(&t).await;
    let unit = t.api_as("dongzhuang").await;
    let form = crate::ledger::entry_form("2022-05-20", "东庄村党群服务中心", "35", "观看警示教育片。")
        .part("files", Part::bytes(crate::ledger::PHOTO.to_vec()).file_name("会场.png"))
        .part("files", Part::bytes(b"%PDF-1.4 signed sheet".to_vec()).file_name("签到表.pdf"));
    assert_eq!(unit.post_multipart(&format!("/api/v1/tasks/{task}/entries"), form).await.status(), 200);

    let org = t.api_as("jiwei").await;
    let now = qinglian::db::now();
    let sitting = org
        .post_json(
            "/api/v1/activities/2/sittings",
            &json!({"title": "全员警示教育大会", "kind": "warning", "host_unit_id": 2, "venue": "礼堂",
                "starts_at": qinglian::domain::format_datetime(now - 300),
                "ends_at": qinglian::domain::format_datetime(now + 3600), "audience": {}}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let code =
        org.get_json(&format!("/api/v1/sittings/{sitting}/qr")).await["code"].as_str().unwrap().to_string();

    let stop = Arc::new(AtomicBool::new(false));
    let acked = sign_ins_under_way(&t, code, stop.clone());
    while acked.load(Ordering::Relaxed) < 50 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let source = &t.app.config;
    let archive = tempfile::tempdir().unwrap();
    let zip = archive.path().join("qinglian-backup.zip");
    let (ok, out) =
        qinglian(&source.data_dir, &source.database_url, &["backup", "--out", zip.to_str().unwrap()]);
    let during = acked.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    assert!(ok, "{out}");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let (_, manifest) = qinglian::backup::verify(&zip).unwrap();
    let rows = |name: &str| manifest.tables.iter().find(|t| t.name == name).unwrap().rows as i64;
    let checkins_at_end =
        t.scalar(&format!("SELECT COUNT(*) FROM checkins WHERE sitting_id = {sitting}")).await;
    let others = t.scalar(&format!("SELECT COUNT(*) FROM checkins WHERE sitting_id <> {sitting}")).await;
    let in_backup = rows("checkins") - others;
    assert!(
        in_backup >= 50 && in_backup <= checkins_at_end,
        "{in_backup} of {checkins_at_end} sign-ins in the snapshot"
    );
    eprintln!("backup taken with {during} sign-ins acknowledged so far; the snapshot holds {in_backup}");
    assert_eq!(manifest.files.len(), 2, "both files are in the archive");

    // Without the source's master key the archive's personal data cannot be opened: refused,
    // nothing kept.
    let Some((dir, url, pg)) = empty_instance(target).await else { return };
    let (ok, out) = qinglian(dir.path(), &url, &["restore", zip.to_str().unwrap()]);
    assert!(!ok && out.contains("--master-key-file"), "{out}");
    let users = "SELECT COUNT(*) FROM users";
    let kept = qinglian::db::Db::connect(&url).await.unwrap();
    assert_eq!(sqlx::query_scalar::<_, i64>(users).fetch_one(&kept.pool).await.unwrap(), 0);
    kept.close().await;

    // With it, into the same target (as on a second try on the new machine): restored.
    let key = source.master_key_file.to_str().unwrap();
    let (ok, out) = qinglian(dir.path(), &url, &["--master-key-file", key, "restore", zip.to_str().unwrap()]);
    assert!(ok && out.contains("恢复完成并已校验"), "{out}");

    // Every count, every file and both chains, looked at independently of the restore's checks.
    let config = Config {
        master_key_file: source.master_key_file.clone(),
        ..Config::for_dir(dir.path().to_path_buf(), Some(url.clone()))
    };
    let restored = qinglian::start(config).await.unwrap();
    for table in &manifest.tables {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", table.name))
            .fetch_one(&restored.db.pool)
            .await
            .unwrap();
        assert_eq!(n as u64, table.rows, "rows of {}", table.name);
    }
    let mut keys: Vec<String> = manifest.files.iter().map(|f| f.key.clone()).collect();
    keys.sort();
    let mut digests = Vec::new();
    for key in restored.files.keys().await.unwrap() {
        digests.push(qinglian::storage::content_key(&restored.files.get(&key).await.unwrap()));
    }
    assert_eq!(digests, keys, "every file, each matching its digest");
    let chain = qinglian::services::signatures::verify_chain(&restored).await.unwrap();
    assert!(chain.intact && chain.signatures == rows("signatures"), "{chain:?}");
    let audit = qinglian::services::audit::verify_chain(&restored.db).await.unwrap();
    assert!(audit.intact, "{audit:?}");

    // The restored instance serves: the same people sign in, the photo comes back, search finds.
    let served = harness::TestApp::serving(restored).await;
    let unit = served.api_as("dongzhuang").await;
    let file: i64 = served.scalar("SELECT MIN(id) FROM attachments").await;
    let photo = unit.get(&format!("/api/v1/files/{file}")).await;
    assert_eq!(photo.status(), 200);
    assert_eq!(photo.bytes().await.unwrap().as_ref(), crate::ledger::PHOTO);
    let hits = served.client().get_json("/api/v1/search?q=廉洁").await;
    assert!(!hits.as_array().is_some_and(|h| h.is_empty()), "{hits}");
    let next = served.api_as("jiwei").await.post_json("/api/v1/activities/2/sittings", &json!({
        "title": "恢复后新建的场次", "kind": "warning", "host_unit_id": 2, "venue": "礼堂",
        "starts_at": qinglian::domain::format_datetime(now), "ends_at": qinglian::domain::format_datetime(now + 60),
        "audience": {}})).await;
    assert_eq!(next.status(), 200, "new rows get new ids after the restored ones");

    // A target that holds data is never overwritten.
    let (ok, out) = qinglian(dir.path(), &url, &["--master-key-file", key, "restore", zip.to_str().unwrap()]);
    assert!(!ok && out.contains("目标数据库已有数据"), "{out}");
    drop(served);
    if let Some(name) = pg {
        harness::drop_postgres_database(&name).await;
    }

    // A damaged archive is refused before anything is written.
    let mut bytes = std::fs::read(&zip).unwrap();
    let at = bytes.len() / 3;
    bytes[at] ^= 0x55;
    let damaged = archive.path().join("damaged.zip");
    std::fs::write(&damaged, bytes).unwrap();
    let Some((dir, url, pg)) = empty_instance(target).await else { return };
    let (ok, out) = qinglian(dir.path(), &url, &["restore", damaged.to_str().unwrap()]);
    assert!(!ok && (out.contains("损坏") || out.contains("校验")), "{out}");
    let fresh = qinglian::start(Config::for_dir(dir.path().to_path_buf(), Some(url))).await.unwrap();
    let users: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&fresh.db.pool).await.unwrap();
    assert_eq!(users, 0, "nothing was written");
    fresh.db.pool.close().await;
    if let Some(name) = pg {
        harness::drop_postgres_database(&name).await;
    }
}

async fn sqlite_into_postgres(t: TestApp) {
    backed_up_under_load_restores_into(t, Engine::Postgres).await;
}

async fn postgres_into_sqlite(t: TestApp) {
    backed_up_under_load_restores_into(t, Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_sqlite_and_local_files_into_postgres() {
    harness::run(Engine::Sqlite, sqlite_into_postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_postgres_and_database_files_into_sqlite() {
    harness::run(Engine::Postgres, postgres_into_sqlite).await;
}
