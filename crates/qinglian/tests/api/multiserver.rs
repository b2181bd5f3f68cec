//! Three real servers, each with a data directory of its own as on three machines, on one
//! PostgreSQL behind haproxy running `deploy/haproxy.cfg` with round-robin: consecutive
//! requests of one user land on different servers. The suite's own scenarios run through it
//! (every kind of upload and download, the two-step roster import, an export job, QR sign-in),
//! every file is then fetched from every server directly, a job left by a server that died is
//! finished by another, and with one server killed the others carry on.

use std::process::{Command, Stdio};
use std::time::Duration;

use qinglian::config::Config;
use serde_json::Value;

use crate::crash::{
    free_port, get_json, login, shared_master_key, start, wait_healthy, wait_listening, Server,
};
use crate::harness::{drop_postgres_database, empty_postgres_database, TestApp};

/// haproxy (scripts/setup installs it) with the deployment's own configuration file.
async fn haproxy(port: u16, servers: &[u16]) -> Server {
    let cfg = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/haproxy.cfg");
    let mut cmd = Command::new("haproxy");
    cmd.args(["-db", "-f", cfg]).env("QINGLIAN_LB_BIND", format!("127.0.0.1:{port}"));
    for (i, p) in servers.iter().enumerate() {
        cmd.env(format!("QINGLIAN_APP{}", i + 1), format!("127.0.0.1:{p}"));
    }
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("haproxy must be installed: scripts/setup installs it");
    wait_listening(port).await;
    Server(child)
}

/// Waits until the balancer sends requests to `n` different servers (each names itself in
/// `/readyz`).
async fn wait_balanced(http: &reqwest::Client, base: &str, n: usize) {
    for _ in 0..100 {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2 * n {
            if let Ok(r) = http.get(format!("{base}/readyz")).send().await {
                if let Ok(v) = r.json::<Value>().await {
                    seen.insert(v["worker"].as_str().unwrap_or_default().to_string());
                }
            }
        }
        if seen.len() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("haproxy did not reach {n} servers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_servers_behind_haproxy() {
    let Some(database) = empty_postgres_database().await else { return };
    let url = format!("postgres://postgres@127.0.0.1:5432/{database}");
    let (_keys, master_key) = shared_master_key();
    let config = format!(
        "database_url = \"{url}\"\ntrust_proxy = true\nmaster_key_file = \"{}\"\n",
        master_key.display()
    );
    let http = reqwest::Client::new();
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let ports: Vec<u16> = dirs.iter().map(|_| free_port()).collect();
    let direct = |port: u16| format!("http://127.0.0.1:{port}");
    let mut servers: Vec<Server> =
        dirs.iter().zip(&ports).map(|(d, p)| start(d.path(), *p, &config)).collect();
    for port in &ports {
        wait_healthy(&http, &direct(*port)).await;
    }
    let lb_port = free_port();
    let _lb = haproxy(lb_port, &ports).await;
    let lb = direct(lb_port);
    wait_balanced(&http, &lb, 3).await;

    // The scenarios' own queries go to the same database, from this process.
    let here = tempfile::tempdir().unwrap();
    let config = Config {
        master_key_file: master_key.clone(),
        ..Config::for_dir(here.path().to_path_buf(), Some(url.clone()))
    };
    let app = qinglian::start(config).await.unwrap();
    let t = || TestApp::behind(lb.clone(), app.clone());
    crate::ledger::file_return_resubmit_accept(t()).await;
    crate::signing::read_then_sign(t()).await;
    crate::publicity::placements_recorded_refused_and_totalled(t()).await;
    crate::integrity::apply_evaluate_and_name(t()).await;
    crate::roster::import_page_offers_valid_rows_only_without_reupload(t()).await;
    crate::report::ledgers_directly_and_as_a_job(t()).await;
    crate::sittings::scan_sign_in_once_and_refusals(t()).await;

    // Every file, asked of every server directly, comes back whole from each.
    let admin: Vec<String> = {
        let mut tokens = Vec::new();
        for port in &ports {
            tokens.push(login(&http, &direct(*port), "admin").await);
        }
        tokens
    };
    let files: Vec<(i64, i64)> = sqlx::query_as("SELECT id, size_bytes FROM attachments ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert!(!files.is_empty());
    for (id, size) in &files {
        for (port, token) in ports.iter().zip(&admin) {
            let r = http
                .get(format!("{}/api/v1/files/{id}", direct(*port)))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "file {id} from :{port}");
            assert_eq!(r.bytes().await.unwrap().len() as i64, *size, "file {id} from :{port}");
        }
    }
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM stored_files").fetch_one(&app.db.pool).await.unwrap();
    assert!(stored >= files.len() as i64, "uploads and the job's workbook are in the database");
    for d in &dirs {
        assert!(!d.path().join("files").exists(), "no server kept a file on its own disk");
    }

    // A job whose server died (its lease ran out) is taken over and finished by another.
    let (camp, organiser): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT MIN(id) FROM campaigns), (SELECT id FROM users WHERE username = 'jiwei')",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let past = qinglian::db::now() - 120;
    let job: i64 = sqlx::query_scalar(
        "INSERT INTO jobs (kind, campaign_id, requested_by, status, progress, worker, lease_until, attempts,
           base_url, created_at, updated_at)
         VALUES ('ledger', $1, $2, 'running', 40, 'machine-gone:4242:dead', $3, 1, $4, $3, $3) RETURNING id",
    )
    .bind(camp)
    .bind(organiser)
    .bind(past)
    .bind(&lb)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let org = login(&http, &lb, "jiwei").await;
    let mut status = Value::Null;
    for _ in 0..150 {
        status = get_json(&http, &format!("{lb}/api/v1/jobs/{job}"), &org).await;
        if status["status"] == "done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status["status"], "done", "{status}");
    assert_eq!(status["attempts"], 2, "{status}");
    assert_ne!(status["worker"], "machine-gone:4242:dead", "{status}");
    let xlsx = http.get(format!("{lb}/api/v1/jobs/{job}/download")).bearer_auth(&org).send().await.unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"), "a workbook");

    // One server dies without warning; the others carry on, and nobody is signed out.
    let mut killed = servers.remove(0);
    killed.0.kill().unwrap();
    killed.0.wait().unwrap();
    for i in 0..30 {
        let me = http.get(format!("{lb}/api/v1/me")).bearer_auth(&org).send().await.unwrap();
        assert_eq!(me.status(), 200, "request {i} after the kill");
    }
    crate::report::ledgers_directly_and_as_a_job(t()).await;
    let ready: Value = http.get(format!("{lb}/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["ready"], true, "{ready}");

    drop(servers);
    app.db.pool.close().await;
    drop_postgres_database(&database).await;
}
