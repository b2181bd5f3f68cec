//! The real binary under a flood of what attackers send (endless and oversized bodies, parallel
//! password guesses, spreadsheet bombs, uploads at the limit) keeps answering `/healthz` and
//! stays under a stated resident-memory ceiling.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::crash::{login, start, wait_healthy};

/// Resident memory the server may reach under the flood: measured at about 145 MiB idle with the
/// demo and 345 MiB at the flood's peak on the 2-core CI machine.
const CEILING_MB: u64 = 512;
const FLOOD: Duration = Duration::from_secs(20);

/// The peak resident set of a process, in MiB.
fn peak_rss_mb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

/// Sends `head` then `chunk` over and over until the server answers or closes.
async fn endless(addr: String, head: String, chunk: Vec<u8>) {
    let Ok(stream) = tokio::net::TcpStream::connect(&addr).await else { return };
    let (mut rd, mut wr) = stream.into_split();
    let writer = tokio::spawn(async move {
        if wr.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        while !chunk.is_empty() && wr.write_all(&chunk).await.is_ok() {}
    });
    let mut buf = [0u8; 256];
    let _ = tokio::time::timeout(Duration::from_secs(10), rd.read(&mut buf)).await;
    writer.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_malicious_requests_leaves_it_alive_and_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let addr = format!("127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let server = start(dir.path(), port, "");
    let pid = server.0.id();
    wait_healthy(&http, &base).await;
    let token = login(&http, &base, "jiwei").await;
    let before = peak_rss_mb(pid);
    let until = Instant::now() + FLOOD;

    let mut tasks = Vec::new();
    let chunk: Vec<u8> = [&b"10000\r\n"[..], &vec![b'a'; 0x10000], b"\r\n"].concat();
    for i in 0..24 {
        let (addr, chunk) = (addr.clone(), chunk.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < until {
                let head = match i % 3 {
                    // Endless body with a token to compare: read to the form limit, then refused.
                    0 => "POST /login HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\nCookie: ql_pre=abc\r\nTransfer-Encoding: chunked\r\n\r\n".to_string(),
                    // Endless body with nothing to compare: refused unread.
                    1 => "POST /p/1 HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n".to_string(),
                    // A declared 250 MB.
                    _ => format!("POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", 250u64 << 20),
                };
                let body = if i % 3 == 2 { Vec::new() } else { chunk.clone() };
                endless(addr.clone(), head, body).await;
            }
        }));
    }
    // Parallel password guesses: argon2 work queues behind its semaphore.
    for i in 0..16 {
        let (http, base) = (http.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < until {
                let body = serde_json::json!({"username": format!("guess{i}"), "password": "Wrong#pass1"});
                let _ = http.post(format!("{base}/api/v1/auth/login")).json(&body).send().await;
            }
        }));
    }
    // A signed-in member's spreadsheet bombs and uploads at the limit.
    let bomb = crate::samples::corner_to_corner("数量");
    for i in 0..4 {
        let (http, base, token, bomb) = (http.clone(), base.clone(), token.clone(), bomb.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < until {
                let bytes = if i % 2 == 0 { bomb.clone() } else { vec![b'x'; 9 << 20] };
                let form = reqwest::multipart::Form::new()
                    .part("file", reqwest::multipart::Part::bytes(bytes).file_name("投放.xlsx"));
                let _ = http
                    .post(format!("{base}/api/v1/campaigns/1/placements/import"))
                    .bearer_auth(&token)
                    .multipart(form)
                    .send()
                    .await;
            }
        }));
    }

    // Meanwhile the health check keeps answering, promptly.
    let mut slowest = Duration::ZERO;
    while Instant::now() < until {
        let asked = Instant::now();
        let resp =
            tokio::time::timeout(Duration::from_secs(5), http.get(format!("{base}/healthz")).send()).await;
        let answered = matches!(resp, Ok(Ok(ref r)) if r.status() == 200);
        assert!(answered, "healthz answers during the flood");
        slowest = slowest.max(asked.elapsed());
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    for t in tasks {
        let _ = t.await;
    }
    let peak = peak_rss_mb(pid);
    println!("flood: resident memory {before} MiB before, peak {peak} MiB; slowest healthz {slowest:?}");
    assert!(peak < CEILING_MB, "peak resident memory {peak} MiB exceeds {CEILING_MB} MiB");
    assert_eq!(http.get(format!("{base}/healthz")).send().await.unwrap().status(), 200);
}
