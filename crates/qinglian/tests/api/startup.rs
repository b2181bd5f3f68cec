//! Servers on one PostgreSQL start together on an empty database (one prepares it, the others
//! wait and find it ready), and restarting a server with `--demo` and the same admin password
//! leaves the password alone, so nobody's session ends.

use crate::crash::{login, start, wait_healthy, Server};
use crate::harness::{drop_postgres_database, empty_postgres_database};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_start_together_and_a_restart_ends_no_session() {
    let Some(database) = empty_postgres_database().await else { return };
    let config = format!("database_url = \"postgres://postgres@127.0.0.1:5432/{database}\"\n");
    let http = reqwest::Client::new();
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let ports: Vec<u16> = dirs.iter().map(|_| free_port()).collect();
    let base = |port: u16| format!("http://127.0.0.1:{port}");
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
            let list: serde_json::Value = http
                .get(format!("{}/api/v1/units", base(*port)))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
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
