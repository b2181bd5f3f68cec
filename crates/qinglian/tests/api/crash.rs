//! The real binary, killed with SIGKILL in the middle of a rush (sign-ins at the door, public
//! signatures on a pledge), loses nothing it acknowledged: it is all there when it starts again,
//! and the signature chain still verifies.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

/// A process of the test's (a server, a load balancer, an S3 server), killed when dropped.
pub struct Server(pub Child);

/// A free port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits (up to five seconds) until something listens on `port`.
pub async fn wait_listening(port: u16) {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `GET url` with a bearer token, as JSON.
pub async fn get_json(http: &reqwest::Client, url: &str, token: &str) -> Value {
    http.get(url).bearer_auth(token).send().await.unwrap().json().await.unwrap()
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the real binary on `dir` with the demo; `config` is the TOML file's content.
pub fn start(dir: &std::path::Path, port: u16, config: &str) -> Server {
    std::fs::write(dir.join("qinglian.toml"), config).expect("config file");
    let child = Command::new(env!("CARGO_BIN_EXE_qinglian"))
        .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir)
        .arg("--config")
        .arg(dir.join("qinglian.toml"))
        .env("QINGLIAN_ADMIN_PASSWORD", crate::harness::PASSWORD)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start qinglian");
    Server(child)
}

/// One master key for several servers, as an operator hands the same key file to each machine:
/// its folder (keep it alive) and the file.
pub fn shared_master_key() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("master.key");
    qinglian::vault::write_master_key(&file).unwrap();
    (dir, file)
}

/// The SQLite database of a server started in `dir`, with its data keys loaded from the server's
/// master key file, to read what it sealed.
async fn open_sealed(dir: &std::path::Path) -> qinglian::db::Db {
    let db =
        qinglian::db::Db::connect(&format!("sqlite://{}", dir.join("qinglian.db").display())).await.unwrap();
    let master = qinglian::vault::read_master_key(&dir.join("master.key")).unwrap();
    db.vault.load(&db, master).await.unwrap();
    db
}

pub async fn wait_healthy(http: &reqwest::Client, base: &str) {
    for _ in 0..300 {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await {
            if r.status() == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server did not come up");
}

pub async fn login(http: &reqwest::Client, base: &str, username: &str) -> String {
    let body = json!({"username": username, "password": crate::harness::PASSWORD});
    let login: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    login["token"].as_str().expect("signed in").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_sign_ins_survive_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut server = start(dir.path(), port, "");
    wait_healthy(&http, &base).await;

    let token = login(&http, &base, "jiwei").await;
    let now = qinglian::db::now();
    let sitting: Value = http
        .post(format!("{base}/api/v1/activities/2/sittings"))
        .bearer_auth(&token)
        .json(&json!({"title": "全员警示教育大会", "kind": "warning", "host_unit_id": 2, "venue": "礼堂",
            "starts_at": qinglian::domain::format_datetime(now - 300), "ends_at": qinglian::domain::format_datetime(now + 3600),
            "audience": {}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sitting = sitting["id"].as_i64().expect("sitting created");
    let qr = get_json(&http, &format!("{base}/api/v1/sittings/{sitting}/qr"), &token).await;
    let code = qr["code"].as_str().unwrap().to_string();

    // Everyone on the roster, from 16 phones at once; keep what the server acknowledged.
    let people: Vec<(String, String)> = {
        let db = open_sealed(dir.path()).await;
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT name, phone FROM people ORDER BY id").fetch_all(&db.pool).await.unwrap();
        db.close().await;
        rows.into_iter().map(|(name, phone)| (name, db.vault.open(&phone).unwrap())).collect()
    };
    let queue = std::sync::Arc::new(std::sync::Mutex::new(people));
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut phones = Vec::new();
    for _ in 0..16 {
        let (queue, acked, http, base, code) =
            (queue.clone(), acked.clone(), http.clone(), base.clone(), code.clone());
        phones.push(tokio::spawn(async move {
            loop {
                let Some((name, phone)) = queue.lock().unwrap().pop() else { break };
                let body = json!({"code": code, "name": name, "last4": &phone[7..]});
                match http.post(format!("{base}/api/v1/signin")).json(&body).send().await {
                    Ok(r) if r.status() == 200 => {
                        let v: Value = r.json().await.unwrap_or_default();
                        if v["new"] == true {
                            acked.lock().unwrap().push(phone);
                        }
                    }
                    _ => break, // the server is gone
                }
            }
        }));
    }
    // Kill it once a few hundred have been acknowledged, mid-rush.
    for _ in 0..200 {
        if acked.lock().unwrap().len() >= 300 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    for p in phones {
        let _ = p.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 300, "only {} acknowledged before the kill", acked.len());
    assert!(!queue.lock().unwrap().is_empty(), "the kill came mid-rush");

    // Start again on the same data: every acknowledged sign-in is there.
    let _again = start(dir.path(), port, "");
    wait_healthy(&http, &base).await;
    let db = open_sealed(dir.path()).await;
    let stored: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT p.phone FROM checkins c JOIN people p ON p.id = c.person_id WHERE c.sitting_id = {sitting}"
    ))
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let stored: std::collections::HashSet<String> =
        stored.iter().map(|p| db.vault.open(p).unwrap()).collect();
    let lost: Vec<&String> = acked.iter().filter(|p| !stored.contains(*p)).collect();
    assert!(lost.is_empty(), "{} of {} acknowledged sign-ins lost", lost.len(), acked.len());
    eprintln!("killed after {} acknowledged sign-ins; {} stored after restart", acked.len(), stored.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_signatures_survive_a_kill_and_the_chain_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    // The demo's public pledge limit per address would stop one machine's rush; lift it.
    let config = "public_signatures_per_minute = 0\n";
    let mut server = start(dir.path(), port, config);
    wait_healthy(&http, &base).await;
    let token = login(&http, &base, "admin").await;
    let pledge: Value = http
        .post(format!("{base}/api/v1/pledges"))
        .bearer_auth(&token)
        .json(&json!({"title": "亲清政商关系承诺书", "body": "不行贿、不送礼。", "host_unit_id": 1, "public": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pledge = pledge["id"].as_i64().expect("pledge created");

    let next = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut signers = Vec::new();
    for _ in 0..16 {
        let (next, acked, http, base) = (next.clone(), acked.clone(), http.clone(), base.clone());
        signers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= 100_000 {
                    break;
                }
                let body = json!({"name": format!("企业家{i}"), "org": "公司", "phone": format!("139{i:08}"),
                    "strokes": "[[[100,200],[300,100],[500,250]]]", "consent": true});
                match http.post(format!("{base}/api/v1/pledges/{pledge}/sign")).json(&body).send().await {
                    Ok(r) if r.status() == 200 => {
                        let v: Value = r.json().await.unwrap_or_default();
                        if let Some(code) = v["code"].as_str() {
                            acked.lock().unwrap().push(code.to_string());
                        }
                    }
                    _ => break,
                }
            }
        }));
    }
    for _ in 0..300 {
        if acked.lock().unwrap().len() >= 300 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    for s in signers {
        let _ = s.await;
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 300, "only {} acknowledged before the kill", acked.len());

    // After the restart: every acknowledged signature is there, and the chain proves nothing else changed.
    let _again = start(dir.path(), port, config);
    wait_healthy(&http, &base).await;
    sqlx::any::install_default_drivers();
    let db = sqlx::AnyPool::connect(&format!("sqlite://{}", dir.path().join("qinglian.db").display()))
        .await
        .unwrap();
    let stored: std::collections::HashSet<String> =
        sqlx::query_scalar("SELECT code FROM signatures").fetch_all(&db).await.unwrap().into_iter().collect();
    let lost = acked.iter().filter(|c| !stored.contains(*c)).count();
    assert_eq!(lost, 0, "{lost} of {} acknowledged signatures lost", acked.len());
    let check = Command::new(env!("CARGO_BIN_EXE_qinglian"))
        .arg("verify-chain")
        .arg("--data-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(check.status.success(), "verify-chain: {}", String::from_utf8_lossy(&check.stdout));
    eprintln!(
        "killed after {} acknowledged signatures; {} stored; {}",
        acked.len(),
        stored.len(),
        String::from_utf8_lossy(&check.stdout).trim()
    );
}

/// A job failing in the database inside a batch takes none of the others with it, on either
/// engine (PostgreSQL aborts the transaction; the batch is recorded again job by job).
mod batches {
    use qinglian::db::Tx;
    use qinglian::error::AppResult;
    use qinglian::services::batch::{BoxFuture, Job};

    struct Note(i64);

    impl Job for Note {
        type Out = i64;
        fn record<'a>(&'a self, tx: &'a mut Tx) -> BoxFuture<'a, AppResult<i64>> {
            Box::pin(async move {
                // Every seventh job breaks a constraint: a database error, not a refusal.
                let value = if self.0 % 7 == 0 { None } else { Some(self.0) };
                sqlx::query("INSERT INTO batch_notes (n) VALUES ($1)").bind(value).execute(&mut **tx).await?;
                Ok(self.0)
            })
        }
    }

    async fn a_failing_job_spoils_no_batch(t: crate::harness::TestApp) {
        sqlx::query("CREATE TABLE batch_notes (n BIGINT NOT NULL)").execute(&t.app.db.pool).await.unwrap();
        let batcher = std::sync::Arc::new(qinglian::services::batch::Batcher::start(t.app.db.clone(), 2));
        let mut jobs = Vec::new();
        for n in 1..=200 {
            let b = batcher.clone();
            jobs.push(tokio::spawn(async move { (n, b.submit(Note(n)).await) }));
        }
        let mut ok = Vec::new();
        for j in jobs {
            let (n, out) = j.await.unwrap();
            assert_eq!(out.is_ok(), n % 7 != 0, "job {n}: {out:?}");
            if out.is_ok() {
                ok.push(n);
            }
        }
        let mut stored: Vec<i64> =
            sqlx::query_scalar("SELECT n FROM batch_notes").fetch_all(&t.app.db.pool).await.unwrap();
        stored.sort();
        assert_eq!(stored, ok, "every acknowledged job, and only those, is stored");
        assert_eq!(batcher.recorded(), ok.len() as u64);
    }

    crate::on_both_engines!(a_failing_job_spoils_no_batch);
}
