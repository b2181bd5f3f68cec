//! Notices that leave the building: e-mail through a real SMTP server on loopback (Debian's
//! python3-aiosmtpd, installed by scripts/setup), and the 企业微信, 钉钉 and signed-JSON robots
//! posting to a receiver on loopback that fails and recovers; each person's choice of channel;
//! what cannot be delivered shown to the organiser and sent again.

use std::net::TcpListener as StdListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::harness::{self, Engine, TestApp};
use qinglian::services::channels::{DeliverySettings, Robot, RobotKind};

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// aiosmtpd writing what it receives into a maildir.
struct SmtpServer {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl SmtpServer {
    async fn start() -> SmtpServer {
        let (port, maildir) = (free_port(), tempfile::tempdir().unwrap());
        let child = Command::new("/usr/bin/python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir.path().join("box"))
            .stdout(Stdio::null())
            .spawn()
            .expect("python3-aiosmtpd: run scripts/setup");
        // Held from here, so Drop stops the server whatever happens next.
        let server = SmtpServer { child, port, maildir };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("aiosmtpd did not start (is python3-aiosmtpd installed? run scripts/setup)");
    }

    /// Each message received: its To, Subject and text, decoded by Python's own mail parser.
    fn messages(&self) -> Vec<(String, String, String)> {
        let dir: PathBuf = self.maildir.path().join("box").join("new");
        let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
        entries
            .map(|e| {
                let path = e.unwrap().path();
                let out = Command::new("/usr/bin/python3")
                    .args([
                        "-c",
                        "import email, email.policy, sys, json
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
print(json.dumps([str(m['to']), str(m['subject']), m.get_content()]))",
                    ])
                    .arg(&path)
                    .output()
                    .unwrap();
                let v: Vec<String> = serde_json::from_slice(&out.stdout).expect("a parsable message");
                (v[0].clone(), v[1].clone(), v[2].clone())
            })
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request a robot received: its path and query, headers and body.
#[derive(Clone, Debug)]
struct Received {
    uri: String,
    headers: axum::http::HeaderMap,
    body: String,
}

/// A receiver for the robots: `/json` fails its first two requests; `/down` fails while down.
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    json_calls: Arc<AtomicUsize>,
    down: Arc<AtomicBool>,
}

impl Receiver {
    async fn start(&self) -> String {
        use axum::http::StatusCode;
        let me = self.clone();
        let handler = move |req: axum::extract::Request| {
            let me = me.clone();
            async move {
                let (parts, body) = req.into_parts();
                let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
                let uri = parts.uri.to_string();
                let got = Received {
                    uri: uri.clone(),
                    headers: parts.headers,
                    body: String::from_utf8_lossy(&body).into(),
                };
                me.got.lock().unwrap().push(got);
                let path = uri.split('?').next().unwrap_or("").to_string();
                match path.as_str() {
                    "/json" if me.json_calls.fetch_add(1, Ordering::SeqCst) < 2 => {
                        (StatusCode::SERVICE_UNAVAILABLE, "busy".to_string())
                    }
                    "/json" => (StatusCode::NO_CONTENT, String::new()),
                    "/down" if me.down.load(Ordering::SeqCst) => {
                        (StatusCode::BAD_GATEWAY, "维护中".to_string())
                    }
                    _ => (StatusCode::OK, json!({"errcode": 0, "errmsg": "ok"}).to_string()),
                }
            }
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, axum::Router::new().fallback(handler)).await });
        base
    }

    fn at(&self, path: &str) -> Vec<Received> {
        self.got.lock().unwrap().iter().filter(|r| r.uri.starts_with(path)).cloned().collect()
    }
}

fn hmac_sha256(key: &str, text: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(text.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Waits until `sql` counts `n`, or fails after 30 s.
async fn until(t: &TestApp, sql: &str, n: i64) {
    for _ in 0..300 {
        if t.scalar(sql).await == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{sql} never reached {n} (now {})", t.scalar(sql).await);
}

async fn notices_reach_mail_and_groups_and_what_fails_is_shown_and_sent_again(
    t: TestApp,
    smtp: &SmtpServer,
    receiver: &Receiver,
) {
    // Three cadres choose how they hear: by e-mail, by text message, not at all.
    let admin = t.api_as("admin").await;
    let csv = "姓名,单位,职级,手机号码,电子邮箱,通知方式\r\n\
               秦一,东庄村,科级,13700000061,qin1@qinghe.gov.cn,邮件\r\n\
               尤二,东庄村,科级,13700000062,,短信\r\n\
               许三,东庄村,科级,13700000063,xu3@qinghe.gov.cn,不接收\r\n";
    let form = Form::new().part("file", Part::bytes(csv.as_bytes().to_vec()).file_name("花名册.csv"));
    let report: Value =
        admin.post_multipart("/api/v1/people/import?mode=all", form).await.json().await.unwrap();
    assert_eq!(report["created"], 3, "{report}");
    let mut ids = Vec::new();
    for phone in ["13700000061", "13700000062", "13700000063"] {
        ids.push(
            t.scalar(&format!("SELECT id FROM people WHERE phone_idx = '{}'", t.phone_idx(phone))).await,
        );
    }

    let org = t.api_as("jiwei").await;
    let activity = t.scalar("SELECT id FROM activities WHERE kind = 'warning_education'").await;
    let host = t.scalar("SELECT id FROM units WHERE name = '市纪委监委'").await;
    let now = qinglian::db::now();
    let local = qinglian::domain::format_datetime;
    let body = json!({
        "title": "廉政党课（东庄村专场）", "kind": "lecture", "host_unit_id": host, "venue": "东庄村党群服务中心",
        "starts_at": local(now + 86_400), "ends_at": local(now + 90_000), "audience": {"person_ids": ids}
    });
    let resp = org.post_json(&format!("/api/v1/activities/{activity}/sittings"), &body).await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());

    // One e-mail, one text message (no gateway here: it waits), none for who wants none, and
    // one message to each group robot.
    let queued = |channel: &str| format!("SELECT COUNT(*) FROM outbox WHERE channel = '{channel}'");
    assert_eq!(t.scalar(&queued("email")).await, 1);
    assert_eq!(t.scalar(&queued("sms")).await, 1);
    let recipients: Vec<String> =
        sqlx::query_scalar("SELECT recipient FROM outbox").fetch_all(&t.app.db.pool).await.unwrap();
    let recipients: Vec<String> = recipients.iter().map(|r| t.open(r)).collect();
    assert!(
        !recipients.iter().any(|r| r.contains("xu3") || r == "13700000063"),
        "who wants no messages gets none: {recipients:?}"
    );
    assert_eq!(t.scalar(&queued("robot")).await, 4);

    until(&t, "SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND status = 'sent'", 1).await;
    let mail = smtp.messages();
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert!(
        mail[0].0.contains("qin1@qinghe.gov.cn") && mail[0].1.contains("参加通知：廉政党课（东庄村专场）"),
        "{mail:?}"
    );
    assert!(mail[0].2.contains("东庄村党群服务中心"), "{mail:?}");

    // The robots: WeCom's text message; DingTalk's signed address; the JSON hook's signature,
    // after two refusals and two retries.
    until(&t, "SELECT COUNT(*) FROM outbox WHERE channel = 'robot' AND status = 'sent'", 3).await;
    let wecom = receiver.at("/wecom");
    let content: Value = serde_json::from_str(&wecom[0].body).unwrap();
    assert_eq!(content["msgtype"], "text");
    assert!(content["text"]["content"].as_str().unwrap().contains("廉政党课（东庄村专场）"), "{content}");
    let ding = &receiver.at("/dingtalk")[0];
    let query: std::collections::HashMap<String, String> =
        url::Url::parse(&format!("http://x{}", ding.uri)).unwrap().query_pairs().into_owned().collect();
    let expected = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        hmac_sha256("SEC-ding", &format!("{}\nSEC-ding", query["timestamp"])),
    );
    assert_eq!((query["access_token"].as_str(), query["sign"].as_str()), ("t0k", expected.as_str()));
    let hooks = receiver.at("/json");
    assert_eq!(hooks.len(), 3, "two refusals, then delivered");
    let last = hooks.last().unwrap();
    let ts = last.headers["x-qinglian-timestamp"].to_str().unwrap();
    let signature =
        format!("sha256={}", hex::encode(hmac_sha256("SEC-json", &format!("{ts}.{}", last.body))));
    assert_eq!(last.headers["x-qinglian-signature"].to_str().unwrap(), signature);
    assert_eq!(
        hooks
            .iter()
            .map(|h| h.headers["x-qinglian-message-id"].to_str().unwrap().to_string())
            .collect::<std::collections::HashSet<_>>()
            .len(),
        1,
        "a retry carries the same message id, so the receiver can drop a duplicate"
    );

    // The robot that is down is given up after three attempts, with its reason, for the organiser.
    until(&t, "SELECT COUNT(*) FROM outbox WHERE status = 'dead'", 1).await;
    let state = org.get_json("/api/v1/outbox").await;
    let trouble = &state["troubles"][0];
    assert_eq!(
        (trouble["recipient"].as_str(), trouble["attempts"].as_i64()),
        (Some("维护中的群"), Some(3)),
        "{state}"
    );
    assert!(trouble["last_error"].as_str().unwrap().contains("HTTP 502"), "{state}");
    let sms = state["channels"].as_array().unwrap().iter().find(|c| c["channel"] == "sms").unwrap().clone();
    assert_eq!((sms["waiting"].as_i64(), sms["configured"].as_bool()), (Some(1), Some(false)), "{state}");
    let unit = t.api_as("dongzhuang").await;
    assert_eq!(unit.get("/api/v1/outbox").await.status(), 403, "organisers only");

    // The page shows it; once the group is back, "send again" delivers it.
    let page = t.browser_as("jiwei").await;
    let html = page.text("/outbox").await;
    assert!(
        html.contains("维护中的群") && html.contains("已停止重试") && html.contains("HTTP 502"),
        "{html}"
    );
    receiver.down.store(false, Ordering::SeqCst);
    let csrf = page.csrf_from("/outbox").await;
    let id = trouble["id"].as_i64().unwrap();
    let resp = page.post_form(&format!("/outbox/{id}/retry"), &[("_csrf", csrf.as_str())]).await;
    assert_eq!(resp.status(), 303);
    until(&t, "SELECT COUNT(*) FROM outbox WHERE channel = 'robot' AND status = 'sent'", 4).await;
    assert_eq!(t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'outbox.retry'").await, 1);
}

/// Both engines, one SMTP server and one receiver; robots and retries as an operator sets them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_are_delivered_by_mail_and_robots() {
    let smtp = SmtpServer::start().await;
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let receiver = Receiver::default();
        receiver.down.store(true, Ordering::SeqCst);
        let base = receiver.start().await;
        let robot = |name: &str, kind, path: &str, secret: Option<&str>| Robot {
            name: name.into(),
            kind,
            url: format!("{base}{path}"),
            secret: secret.map(str::to_string),
        };
        let settings = DeliverySettings {
            smtp: Some(format!("smtp://127.0.0.1:{}", smtp.port)),
            from: Some("清河市纪委监委 <notice@qinghe.gov.cn>".into()),
            robots: vec![
                robot("纪委工作群", RobotKind::Wecom, "/wecom?key=k1", None),
                robot("宣传周钉钉群", RobotKind::Dingtalk, "/dingtalk?access_token=t0k", Some("SEC-ding")),
                robot("政务平台", RobotKind::Json, "/json", Some("SEC-json")),
                robot("维护中的群", RobotKind::Wecom, "/down", None),
            ],
            attempts: Some(3),
            retry_seconds: Some(0),
            ..DeliverySettings::default()
        };
        let (smtp, receiver) = (&smtp, &receiver);
        harness::run_configured(
            engine,
            |c| c.delivery = settings,
            |t| async move {
                notices_reach_mail_and_groups_and_what_fails_is_shown_and_sent_again(t, smtp, receiver).await
            },
        )
        .await;
        // The next engine's mail is counted afresh.
        for e in std::fs::read_dir(smtp.maildir.path().join("box").join("new")).into_iter().flatten() {
            let _ = std::fs::remove_file(e.unwrap().path());
        }
    }
}
