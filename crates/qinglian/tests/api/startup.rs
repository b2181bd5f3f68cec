//! Servers on one PostgreSQL start together on an empty database (one prepares it, the others
//! wait and find it ready), and restarting a server with `--demo` and the same admin password
//! leaves the password alone, so nobody's session ends.

use crate::crash::{free_port, get_json, login, start, wait_healthy, Server};
use crate::harness::{drop_postgres_database, empty_postgres_database};

fn base(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_start_together_and_a_restart_ends_no_session() {
    let Some(database) = empty_postgres_database().await else { return };
    let (_keys, master_key) = crate::crash::shared_master_key();
    let config = format!(
        "database_url = \"postgres://postgres@127.0.0.1:5432/{database}\"\nmaster_key_file = \"{}\"\n",
        master_key.display()
    );
    let http = reqwest::Client::new();
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let ports: Vec<u16> = dirs.iter().map(|_| free_port()).collect();
    // Three machines' worth, each with its own data directory, started at the same moment.
    let mut servers: Vec<Server> =
        dirs.iter().zip(&ports).map(|(d, p)| start(d.path(), *p, &config)).collect();
    for (server, port) in servers.iter_mut().zip(&ports) {
        wait_healthy(&http, &base(*port)).await;
        assert!(server.0.try_wait().unwrap().is_none(), "every server is still running");
    }
    let units: Vec<i64> = {
        let mut counts = Vec::new();
        for port in &ports {
            let token = login(&http, &base(*port), "admin").await;
            let list = get_json(&http, &format!("{}/api/v1/units", base(*port)), &token).await;
            counts.push(list.as_array().unwrap().len() as i64);
        }
        counts
    };
    assert!(units[0] > 0 && units.iter().all(|n| *n == units[0]), "the demo was loaded once: {units:?}");

    let token = login(&http, &base(ports[0]), "admin").await;
    drop(servers.remove(1));
    servers.push(start(dirs[1].path(), ports[1], &config));
    wait_healthy(&http, &base(ports[1])).await;
    for port in &ports {
        let me = http.get(format!("{}/api/v1/me", base(*port))).bearer_auth(&token).send().await.unwrap();
        assert_eq!(me.status(), 200, "the session made before the restart still works on :{port}");
    }
    drop(servers);
    drop_postgres_database(&database).await;
}

/// What an operator watches: `/readyz` on the public address, `/metrics` only on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_and_metrics_on_a_private_address() {
    let dir = tempfile::tempdir().unwrap();
    let (port, metrics_port) = (free_port(), free_port());
    let _server = start(dir.path(), port, &format!("metrics_bind = \"127.0.0.1:{metrics_port}\"\n"));
    let http = reqwest::Client::new();
    wait_healthy(&http, &base(port)).await;

    let ready: serde_json::Value =
        http.get(format!("{}/readyz", base(port))).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (ready["ready"].as_bool(), ready["database"].as_str(), ready["storage"].as_str()),
        (Some(true), Some("ok"), Some("ok"))
    );
    for _ in 0..3 {
        http.get(format!("{}/login", base(port))).send().await.unwrap();
    }
    let token = login(&http, &base(port), "jiwei").await;
    let job =
        http.get(format!("{}/api/v1/jobs/999999", base(port))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(job.status(), 404);

    assert_eq!(
        http.get(format!("{}/metrics", base(port))).send().await.unwrap().status(),
        404,
        "not on the public address"
    );
    let text =
        http.get(format!("{}/metrics", base(metrics_port))).send().await.unwrap().text().await.unwrap();
    let value = |series: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(series).and_then(|v| v.trim().parse().ok()))
            .unwrap_or_else(|| panic!("{series} missing from:\n{text}"))
    };
    assert!(value(r#"qinglian_http_requests_total{method="GET",route="/login",status="200"}"#) >= 3.0);
    // The route's pattern, not each id asked for.
    assert_eq!(
        value(r#"qinglian_http_requests_total{method="GET",route="/api/v1/jobs/{id}",status="404"}"#),
        1.0
    );
    assert!(value(r#"qinglian_http_request_duration_seconds_count{route="/login"}"#) >= 3.0);
    assert!(value(r#"qinglian_http_request_duration_seconds_bucket{route="/login",le="+Inf"}"#) >= 3.0);
    assert!(value(r#"qinglian_db_connections{state="max"}"#) >= 1.0);
    assert_eq!(value(r#"qinglian_jobs{status="queued"}"#), 0.0);
    assert_eq!(value("qinglian_signatures_total"), 0.0);
    assert!(text.contains("# TYPE qinglian_http_request_duration_seconds histogram"));
}

/// `QINGLIAN_LOG_FORMAT=json`: one JSON object a line, for a log collector.
#[test]
fn logs_as_json_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qinglian"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("migrate")
        .env("QINGLIAN_LOG_FORMAT", "json")
        .env("QINGLIAN_LOG", "debug")
        .output()
        .unwrap();
    assert!(out.status.success());
    let logs = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = logs.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "debug logging says something");
    for line in lines {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(v["level"].is_string() && v["timestamp"].is_string(), "{line}");
    }
}
