//! 等保 2.0 level 3: a second factor, separation of the password's age and history, idle
//! accounts, re-confirmation before privileged actions, and HTTPS served directly.

use qinglian::config::SecondFactor;
use qinglian::services::second_factor::code_at;
use serde_json::{json, Value};

use crate::harness::{self, error_of, Client, Engine, TestApp, PASSWORD};

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// Enrols `c`'s account: returns the secret and the recovery codes.
async fn enrol(c: &Client) -> (String, Vec<String>) {
    let begun: Value = c.post_json("/api/v1/me/second-factor", &json!({})).await.json().await.unwrap();
    let secret = begun["secret"].as_str().expect("secret").to_string();
    assert!(begun["otpauth_url"].as_str().unwrap().starts_with("otpauth://totp/"), "{begun}");
    let code = code_at(&secret, unix_now()).unwrap();
    let resp = c.post_json("/api/v1/me/second-factor/confirm", &json!({"code": code})).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    let codes: Vec<String> =
        body["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    (secret, codes)
}

/// Signs in with the password; the challenge the server answers with (202).
async fn challenge(t: &TestApp, username: &str) -> (Client, String) {
    let c = t.client();
    let resp = c.post_json("/api/v1/auth/login", &json!({"username": username, "password": PASSWORD})).await;
    assert_eq!(resp.status(), 202, "a second factor is awaited");
    let body: Value = resp.json().await.unwrap();
    (c, body["challenge"].as_str().unwrap().to_string())
}

async fn answer(c: &mut Client, challenge: &str, code: &str) -> reqwest::Response {
    let resp =
        c.post_json("/api/v1/auth/second-factor", &json!({"challenge": challenge, "code": code})).await;
    resp
}

/// Six digits no authenticator shows for `secret` now.
fn wrong_code(secret: &str) -> String {
    let now = unix_now();
    let shown: Vec<String> = [now - 30, now, now + 30].iter().map(|t| code_at(secret, *t).unwrap()).collect();
    (100_000..).map(|n: u32| n.to_string()).find(|c| !shown.contains(c)).unwrap()
}

async fn user_id(t: &TestApp, username: &str) -> i64 {
    t.scalar(&format!("SELECT id FROM users WHERE username = '{username}'")).await
}

/// Under `second_factor = "required"`, an administrator's first session may only enrol; after
/// that every sign-in asks for a code, each code works once, and a recovery code stands in once.
async fn a_privileged_account_enrols_then_signs_in_with_a_code(t: TestApp) {
    assert_eq!(t.app.config.second_factor, SecondFactor::Required);
    let admin = t.api_as("admin").await;
    let (status, code, message, _) = error_of(admin.get("/api/v1/users").await).await;
    assert_eq!((status, code.as_str()), (403, "second_factor_enrollment_required"));
    assert!(message.contains("动态口令"), "{message}");
    let status: Value = admin.get_json("/api/v1/me/second-factor").await;
    assert_eq!((status["enabled"].as_bool(), status["required"].as_bool()), (Some(false), Some(true)));
    // A wrong code does not enrol.
    let begun: Value = admin.post_json("/api/v1/me/second-factor", &json!({})).await.json().await.unwrap();
    let secret = begun["secret"].as_str().unwrap().to_string();
    let resp =
        admin.post_json("/api/v1/me/second-factor/confirm", &json!({"code": wrong_code(&secret)})).await;
    assert_eq!(resp.status(), 422);
    let (secret, codes) = enrol(&admin).await;
    assert_eq!(codes.len(), 10);
    assert_eq!(admin.get("/api/v1/users").await.status(), 200, "the same session is whole now");
    // The secret is kept sealed, as personal data is.
    let kept: String = sqlx::query_scalar("SELECT totp_secret FROM users WHERE username = 'admin'")
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    assert!(kept.starts_with("sm4:") && !kept.contains(&secret), "{kept}");
    assert_eq!(t.open(&kept), secret);
    // Recovery codes are kept hashed.
    let stored = t
        .scalar(&format!("SELECT COUNT(*) FROM recovery_codes WHERE code_hash LIKE '%{}%'", &codes[0][..5]))
        .await;
    assert_eq!(stored, 0);

    // The next sign-in waits for the code; the code just used for enrolment is spent.
    let (mut c, ch) = challenge(&t, "admin").await;
    assert!(c.get("/api/v1/me").await.status() == 401, "no session before the second factor");
    let now_code = code_at(&secret, unix_now()).unwrap();
    sqlx::query("UPDATE users SET totp_last_step = 0 WHERE username = 'admin'")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let resp = answer(&mut c, &ch, &now_code).await;
    assert_eq!(resp.status(), 200);
    let token = resp.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    c.token = Some(token);
    assert_eq!(c.get("/api/v1/users").await.status(), 200);
    // The same code again, on a new sign-in: refused (a code is good once).
    let (mut c2, ch2) = challenge(&t, "admin").await;
    let (status, _, message, _) = error_of(answer(&mut c2, &ch2, &now_code).await).await;
    assert_eq!(status, 422);
    assert!(message.contains("已使用"), "{message}");
    // A recovery code, typed in lower case with its hyphen, works once.
    let resp = answer(&mut c2, &ch2, &codes[3].to_lowercase()).await;
    assert_eq!(resp.status(), 200);
    let (mut c3, ch3) = challenge(&t, "admin").await;
    assert_eq!(answer(&mut c3, &ch3, &codes[3]).await.status(), 422, "a recovery code is good once");
    let left: Value = admin.get_json("/api/v1/me/second-factor").await;
    assert_eq!(left["recovery_codes_left"].as_i64(), Some(9));
    // A challenge is spent by its answer: it cannot be answered twice.
    assert_eq!(answer(&mut t.client(), &ch2, &codes[4]).await.status(), 422);

    // A unit administrator is not required to enrol.
    let unit_admin = t.api_as("dongzhuang").await;
    assert_eq!(unit_admin.get("/api/v1/me").await.status(), 200);

    // The log tells how each sign-in was made.
    let proofs: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'auth.login' AND outcome = 'ok' AND actor_name = 'admin' ORDER BY id",
    )
    .fetch_all(&t.app.db.pool)
    .await
    .unwrap();
    assert!(proofs.iter().any(|d| d.contains("\"second_factor\":\"totp\"")), "{proofs:?}");
    assert!(proofs.iter().any(|d| d.contains("\"second_factor\":\"recovery_code\"")), "{proofs:?}");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'second_factor.enrol'").await, 1);

    // In the browser: the password leads to the code page, the code to the home page, which
    // shows the sign-in before this one.
    sqlx::query("UPDATE users SET totp_last_step = 0 WHERE username = 'admin'")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let b = t.client();
    let csrf = b.csrf_from("/login").await;
    let resp = b
        .post_form(
            "/login",
            &[("_csrf", &csrf), ("username", "admin"), ("password", PASSWORD), ("next", "/units")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/login/verify?next=%2Funits");
    let page = b.text("/login/verify?next=%2Funits").await;
    assert!(page.contains("autocomplete=\"one-time-code\""), "{page}");
    let csrf = b.csrf_from("/login/verify?next=%2Funits").await;
    let code = code_at(&secret, unix_now()).unwrap();
    let resp = b.post_form("/login/verify", &[("_csrf", &csrf), ("code", &code), ("next", "/units")]).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/units");
    let home = b.text("/").await;
    assert!(home.contains("上次登录："), "the previous sign-in is shown");
}

/// Guesses at the code count against the account as guesses at the password do: the password
/// claims one attempt, and the fifth failure in all locks it.
async fn wrong_codes_lock_the_account_as_wrong_passwords_do(t: TestApp) {
    let shenji = t.api_as("shenji").await;
    let (secret, _) = enrol(&shenji).await;
    let (mut c, ch) = challenge(&t, "shenji").await;
    let wrong = wrong_code(&secret);
    for _ in 0..3 {
        assert_eq!(answer(&mut c, &ch, &wrong).await.status(), 422);
    }
    let (status, _, message, _) = error_of(answer(&mut c, &ch, &wrong).await).await;
    assert_eq!(status, 429, "the fifth attempt in all locks");
    assert!(message.contains("15分钟"), "{message}");
    // Locked: even the right password waits, and the right code finds no challenge.
    let resp = c.post_json("/api/v1/auth/login", &json!({"username": "shenji", "password": PASSWORD})).await;
    assert_eq!(resp.status(), 429);
    let right = code_at(&secret, unix_now()).unwrap();
    assert_eq!(answer(&mut c, &ch, &right).await.status(), 422);
    let failed = t
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login' AND outcome = 'failed' AND detail LIKE '%bad_second_factor%'")
        .await;
    assert_eq!(failed, 4);
}

/// A phone lost: a security administrator resets the account's second factor, which ends its
/// sessions; the account signs in with its password alone again (the policy is optional here).
async fn a_security_administrator_resets_a_lost_second_factor(t: TestApp) {
    let shenji = t.api_as("shenji").await;
    enrol(&shenji).await;
    let id = user_id(&t, "shenji").await;
    let organiser = t.api_as("jiwei").await;
    let path = format!("/api/v1/users/{id}/second-factor/reset");
    assert_eq!(organiser.post_json(&path, &json!({})).await.status(), 403);
    let admin = t.api_as("admin").await;
    assert_eq!(
        admin.post_json(&path, &json!({})).await.status(),
        403,
        "三员分立: not the system administrator"
    );
    let security = t.api_as("anquan").await;
    let users: Value = security.get_json("/api/v1/users?q=shenji").await;
    assert_eq!(users["items"][0]["second_factor"].as_bool(), Some(true));
    assert_eq!(security.post_json(&path, &json!({})).await.status(), 204);
    assert_eq!(shenji.get("/api/v1/me").await.status(), 401, "his sessions ended");
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM recovery_codes WHERE user_id = {id}")).await, 0);
    let again = t.client();
    let resp =
        again.post_json("/api/v1/auth/login", &json!({"username": "shenji", "password": PASSWORD})).await;
    assert_eq!(resp.status(), 200, "no second factor now");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'second_factor.reset'").await, 1);
}

/// Account administration needs the password given within the last 15 minutes; an
/// integration token never qualifies; the pages ask for it and come back.
async fn privileged_actions_ask_for_the_password_again(t: TestApp) {
    let admin = t.api_as("admin").await;
    let new_user = |name: &str| json!({"username": name, "display_name": "测试", "role": "member"});
    assert_eq!(admin.post_json("/api/v1/users", &new_user("fresh1")).await.status(), 200);
    let token: Value =
        admin.post_json("/api/v1/tokens", &json!({"name": "对接"})).await.json().await.unwrap();
    sqlx::query("UPDATE sessions SET confirmed_at = confirmed_at - 16 * 60")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let (status, code, message, _) =
        error_of(admin.post_json("/api/v1/users", &new_user("stale1")).await).await;
    assert_eq!((status, code.as_str()), (403, "reauth_required"));
    assert!(message.contains("再次输入密码"), "{message}");
    assert_eq!(admin.get("/api/v1/users").await.status(), 200, "reading the list is not privileged");
    let (status, _, message, _) =
        error_of(admin.post_json("/api/v1/auth/confirm", &json!({"password": "Wrong#pass1"})).await).await;
    assert_eq!(status, 422);
    assert_eq!(message, "密码不正确。");
    assert_eq!(admin.post_json("/api/v1/auth/confirm", &json!({"password": PASSWORD})).await.status(), 204);
    assert_eq!(admin.post_json("/api/v1/users", &new_user("fresh2")).await.status(), 200);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM users WHERE username = 'stale1'").await, 0);

    let mut integration = t.client();
    integration.token = Some(token["token"].as_str().unwrap().to_string());
    let (status, code, _, _) =
        error_of(integration.post_json("/api/v1/users", &new_user("bytoken")).await).await;
    assert_eq!((status, code.as_str()), (403, "reauth_required"));
    assert_eq!(
        integration.post_json("/api/v1/auth/confirm", &json!({"password": PASSWORD})).await.status(),
        403
    );

    // The page: a stale session is sent to confirm, then back to the page.
    let b = t.browser_as("admin").await;
    assert_eq!(b.get("/admin/users").await.status(), 200);
    sqlx::query("UPDATE sessions SET confirmed_at = confirmed_at - 16 * 60")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let resp = b.get("/admin/users").await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/account/confirm?next=%2Fadmin%2Fusers");
    let page = b.text("/account/confirm?next=%2Fadmin%2Fusers").await;
    assert!(page.contains("15分钟"), "{page}");
    let csrf = b.csrf_from("/account/confirm?next=%2Fadmin%2Fusers").await;
    let resp = b
        .post_form("/account/confirm", &[("_csrf", &csrf), ("password", PASSWORD), ("next", "/admin/users")])
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/admin/users");
    assert_eq!(b.get("/admin/users").await.status(), 200);
    assert!(
        t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.confirm' AND outcome = 'ok'").await
            >= 2
    );
}

/// No reuse of the last five passwords; a password older than its age must be changed; an
/// account idle past `inactive_days` is disabled at its next sign-in.
async fn passwords_age_and_idle_accounts_are_disabled(t: TestApp) {
    let mut current = PASSWORD.to_string();
    for n in 1..=4 {
        let c = t.api_with("jiwei", &current).await;
        let next = format!("Newpass#{n}x");
        let resp = c.post_json("/api/v1/me/password", &json!({"current": current, "password": next})).await;
        assert_eq!(resp.status(), 204);
        current = next;
    }
    let c = t.api_with("jiwei", &current).await;
    let (status, _, message, _) = error_of(
        c.post_json("/api/v1/me/password", &json!({"current": current, "password": PASSWORD})).await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(message.contains("最近5次"), "{message}");
    assert_eq!(
        c.post_json("/api/v1/me/password", &json!({"current": current, "password": "Newpass#5x"}))
            .await
            .status(),
        204
    );
    // Five changes on, the first password may come back.
    let c = t.api_with("jiwei", "Newpass#5x").await;
    let resp =
        c.post_json("/api/v1/me/password", &json!({"current": "Newpass#5x", "password": PASSWORD})).await;
    assert_eq!(resp.status(), 204);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM password_history WHERE user_id = (SELECT id FROM users WHERE username = 'jiwei')").await, 4);

    // 91 days later the password has expired: the session may only change it.
    sqlx::query(
        "UPDATE users SET password_changed_at = password_changed_at - 91 * 86400 WHERE username = 'shenji'",
    )
    .execute(&t.app.db.pool)
    .await
    .unwrap();
    let resp = t
        .client()
        .post_json("/api/v1/auth/login", &json!({"username": "shenji", "password": PASSWORD}))
        .await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["must_change_password"].as_bool(), Some(true));
    let b = t.browser_as("shenji").await;
    let resp = b.get("/audit").await;
    assert_eq!(resp.headers()["location"], "/account/password");

    // Idle for 91 days: disabled at the sign-in, with the reason; enabled again, it works.
    sqlx::query("UPDATE users SET active_at = active_at - 91 * 86400 WHERE username = 'dongzhuang'")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let resp = t
        .client()
        .post_json("/api/v1/auth/login", &json!({"username": "dongzhuang", "password": PASSWORD}))
        .await;
    let (status, _, message, _) = error_of(resp).await;
    assert_eq!(status, 409);
    assert!(message.contains("90天"), "{message}");
    assert_eq!(t.scalar("SELECT disabled FROM users WHERE username = 'dongzhuang'").await, 1);
    let id = user_id(&t, "dongzhuang").await;
    let admin = t.api_as("admin").await;
    let resp = admin.post_json(&format!("/api/v1/users/{id}/disabled"), &json!({"disabled": false})).await;
    assert_eq!(resp.status(), 204);
    let resp = t
        .client()
        .post_json("/api/v1/auth/login", &json!({"username": "dongzhuang", "password": PASSWORD}))
        .await;
    assert_eq!(resp.status(), 200);
}

/// 三员分立: one account holds at most one of system, security and audit administrator, even
/// when the grants arrive together; only the audit officer reads the log.
async fn the_three_officers_are_three_accounts(t: TestApp) {
    let admin = t.api_as("admin").await;
    assert_eq!(
        admin.get("/api/v1/audit").await.status(),
        403,
        "the system administrator does not read the log"
    );
    assert_eq!(t.api_as("shenji").await.get("/api/v1/audit").await.status(), 200);
    let made: Value = admin
        .post_json("/api/v1/users", &json!({"username": "sanyuan", "display_name": "测试", "role": "member"}))
        .await
        .json()
        .await
        .unwrap();
    let id = made["user_id"].as_i64().unwrap();
    let path = format!("/api/v1/users/{id}/roles");
    let (auditor, security) = (json!({"role": "auditor"}), json!({"role": "security_admin"}));
    let (a, b) = tokio::join!(admin.post_json(&path, &auditor), admin.post_json(&path, &security));
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [204, 409], "one of the two is refused");
    let officers = t
        .scalar(&format!("SELECT COUNT(*) FROM user_roles WHERE user_id = {id} AND role IN ('admin', 'security_admin', 'auditor')"))
        .await;
    assert_eq!(officers, 1);
    let (status, _, message, _) = error_of(admin.post_json(&path, &json!({"role": "admin"})).await).await;
    assert_eq!(status, 409);
    assert!(message.contains("三员分立"), "{message}");
    assert_eq!(
        admin.post_json(&path, &json!({"role": "organiser"})).await.status(),
        204,
        "other roles are free"
    );
}

/// The audit covers bulk reads of personal data and of the log itself: who exported how many
/// rows of what.
async fn exports_of_personal_data_are_audited(t: TestApp) {
    let sitting = t.scalar("SELECT MIN(id) FROM sittings").await;
    let organiser = t.browser_as("jiwei").await;
    let resp = organiser.get(&format!("/sittings/{sitting}/attendance.xlsx")).await;
    assert_eq!(resp.status(), 200);
    let auditor = t.browser_as("shenji").await;
    assert_eq!(auditor.get("/audit/export.csv").await.status(), 200);
    let exports: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT actor_name, entity, detail FROM audit_log WHERE action = 'data.export' ORDER BY id",
    )
    .fetch_all(&t.app.db.pool)
    .await
    .unwrap();
    assert_eq!(exports.len(), 2, "{exports:?}");
    assert_eq!((exports[0].0.as_str(), exports[0].1.as_str()), ("jiwei", "sitting"));
    assert!(exports[0].2.contains("\"export\":\"attendance\""), "{exports:?}");
    assert_eq!((exports[1].0.as_str(), exports[1].1.as_str()), ("shenji", "audit_log"));
}

/// Every phone number the instance holds, as the application reads it: the roster's, the
/// registrations', public signers' and authors'.
async fn phones_held(t: &TestApp) -> Vec<String> {
    let stored: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT phone FROM people UNION ALL SELECT phone FROM registrations
         UNION ALL SELECT phone FROM signatures UNION ALL SELECT contact FROM works",
    )
    .fetch_all(&t.app.db.pool)
    .await
    .unwrap();
    let mut phones: Vec<String> =
        stored.iter().flatten().map(|s| t.open(s)).filter(|p| p.len() == 11).collect();
    phones.sort();
    phones.dedup();
    phones
}

/// The bytes of the database's own files, as a thief with a copy of the disk reads them:
/// SQLite's file and its write-ahead log; PostgreSQL's tables, indexes and TOAST, flushed first.
async fn raw_database(t: &TestApp) -> Vec<u8> {
    let pool = &t.app.db.pool;
    match t.app.db.engine {
        qinglian::db::Engine::Sqlite => {
            let url = &t.app.config.database_url;
            let path = url.trim_start_matches("sqlite://").split('?').next().unwrap().to_string();
            let mut bytes = std::fs::read(&path).unwrap();
            bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
            bytes
        }
        qinglian::db::Engine::Postgres => {
            sqlx::query("CHECKPOINT").execute(pool).await.unwrap();
            // Each relation's main file as it lies on disk (the demo's stay far below a 1 GB segment).
            let files: Vec<(String, i64)> = sqlx::query_as(
                "SELECT pg_relation_filepath(c.oid), pg_relation_size(c.oid) FROM pg_class c
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 'i', 't')
                   AND pg_relation_filepath(c.oid) IS NOT NULL AND pg_relation_size(c.oid) > 0",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            let mut bytes = Vec::new();
            for (file, size) in files {
                let part: Option<Vec<u8>> = sqlx::query_scalar("SELECT pg_read_binary_file($1, 0, $2, true)")
                    .bind(&file)
                    .bind(size)
                    .fetch_one(pool)
                    .await
                    .unwrap();
                bytes.extend(part.unwrap_or_default());
            }
            bytes
        }
    }
}

/// Every run of eleven digits starting with 1 in `bytes`: what a phone number looks like.
fn phone_like(bytes: &[u8]) -> std::collections::HashSet<String> {
    let mut found = std::collections::HashSet::new();
    for run in bytes.split(|b| !b.is_ascii_digit()) {
        for w in run.windows(11).filter(|w| w[0] == b'1') {
            found.insert(String::from_utf8(w.to_vec()).unwrap());
        }
    }
    found
}

/// Personal data is sealed at rest (SM4-GCM): the raw database holds none of the demo's phone
/// numbers, while sign-in by name and four digits, re-import by phone, the unit
/// administrator's view and the attendance export behave as before.
async fn the_raw_database_holds_no_phone_number(t: TestApp) {
    let phones = phones_held(&t).await;
    assert!(phones.len() > 1500, "the demo's phones: {}", phones.len());
    let raw = raw_database(&t).await;
    assert!(raw.len() > 1_000_000, "the files were read: {} bytes", raw.len());
    let in_the_clear = phone_like(&raw);
    let leaked: Vec<&String> = phones.iter().filter(|p| in_the_clear.contains(*p)).collect();
    assert!(
        leaked.is_empty(),
        "{} of {} phones in the clear, e.g. {:?}",
        leaked.len(),
        phones.len(),
        &leaked[..leaked.len().min(5)]
    );
    let sealed =
        t.scalar("SELECT COUNT(*) FROM people WHERE phone LIKE 'sm4:%' AND phone_idx IS NOT NULL").await;
    assert!(sealed > 1000, "{sealed}");

    // The unit's administrator reads the number.
    let (id, stored): (i64, String) = sqlx::query_as(
        "SELECT p.id, p.phone FROM people p JOIN units u ON u.id = p.unit_id WHERE u.name = '东庄村' ORDER BY p.id LIMIT 1",
    )
    .fetch_one(&t.app.db.pool)
    .await
    .unwrap();
    let phone = t.open(&stored);
    let unit = t.api_as("dongzhuang").await;
    let person = unit.get_json(&format!("/api/v1/people/{id}")).await;
    assert_eq!(person["phone"], phone.as_str(), "{person}");

    // Re-import by phone finds the person (no plaintext to compare with).
    let admin = t.api_as("admin").await;
    let name = person["name"].as_str().unwrap();
    let rows = [["1", name, "东庄村", "村委委员", "科级", phone.as_str(), "中共党员"]];
    let resp = crate::roster::upload(&admin, "花名册.xlsx", crate::roster::xlsx(&rows), "all").await;
    let report: Value = resp.json().await.unwrap();
    assert_eq!((report["created"].as_i64(), report["updated"].as_i64()), (Some(0), Some(1)), "{report}");
    let position: String = sqlx::query_scalar("SELECT position FROM people WHERE id = $1")
        .bind(id)
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(position, "村委委员");
    let after = phone_like(&raw_database(&t).await);
    assert!(!after.contains(&phone), "the re-imported phone is sealed too");

    // A row from before sealing (an upgraded database) is sealed and indexed by the upgrade's
    // pass, and the space its plaintext held is rewritten.
    sqlx::query(
        "INSERT INTO people (unit_id, name, position, rank, party_member, phone, staff_no, created_at, updated_at)
         VALUES (1, '旧数据', '科员', '科级', 1, '13912345678', 'OLD-1', 0, 0)",
    )
    .execute(&t.app.db.pool)
    .await
    .unwrap();
    assert_eq!(qinglian::vault::reseal(&t.app.db).await.unwrap(), 1);
    let old = t
        .scalar(&format!("SELECT COUNT(*) FROM people WHERE phone_idx = '{}'", t.phone_idx("13912345678")))
        .await;
    assert_eq!(old, 1);
    // PostgreSQL keeps an old row version while any transaction may still see it (this
    // instance's own workers run meanwhile); at an upgrade nothing else runs yet.
    let mut left = true;
    for _ in 0..20 {
        qinglian::vault::scrub(&t.app.db).await.unwrap();
        left = phone_like(&raw_database(&t).await).contains("13912345678");
        if !left {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(!left, "no plaintext left behind");
}

/// `qinglian keys rotate` brings in a new data key online: every sealed value moves to it, the
/// old one is retired, and everything still opens; the signatures' chain and the audit log stay
/// intact. A server given another master key refuses to start.
async fn a_key_rotation_reseals_everything_and_a_wrong_master_key_is_refused(t: TestApp) {
    let old = t.app.db.vault.active();
    let phones = phones_held(&t).await;
    let config = &t.app.config;
    let key_file = config.master_key_file.to_str().unwrap();
    let (ok, out) = crate::backup::qinglian(
        &config.data_dir,
        &config.database_url,
        &["--master-key-file", key_file, "keys", "rotate", "--single-server"],
    );
    assert!(ok && out.contains("已启用数据密钥"), "{out}");
    t.app.db.vault.refresh(&t.app.db).await.unwrap();
    assert_ne!(t.app.db.vault.active(), old);
    let states: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, state FROM data_keys WHERE purpose = 'data' ORDER BY id")
            .fetch_all(&t.app.db.pool)
            .await
            .unwrap();
    assert_eq!(states, vec![(old, "retired".to_string()), (t.app.db.vault.active(), "active".to_string())]);
    for s in qinglian::vault::SEALED {
        let left = t
            .scalar(&format!("SELECT COUNT(*) FROM {} WHERE {} LIKE 'sm4:{old}:%'", s.table, s.column))
            .await;
        assert_eq!(left, 0, "{}.{} still under the old key", s.table, s.column);
    }
    assert_eq!(phones_held(&t).await, phones, "every phone opens as before");
    let chain = qinglian::services::signatures::verify_chain(&t.app).await.unwrap();
    assert!(chain.intact, "{chain:?}");
    let audit = qinglian::services::audit::verify_chain(&t.app.db).await.unwrap();
    assert!(audit.intact, "{audit:?}");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'keys.rotate'").await, 1);

    // Sign-in by name and the last four digits still finds the cadre.
    let org = t.api_as("jiwei").await;
    let activity = t.scalar("SELECT id FROM activities WHERE kind = 'warning_education'").await;
    let now = qinglian::db::now();
    let body = json!({"title": "轮换后的场次", "kind": "warning", "host_unit_id": 1, "venue": "礼堂",
        "starts_at": qinglian::domain::format_datetime(now - 60), "ends_at": qinglian::domain::format_datetime(now + 3600),
        "audience": {"ranks": ["科级"]}});
    let sitting = org.post_json(&format!("/api/v1/activities/{activity}/sittings"), &body).await;
    let sitting = sitting.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let code =
        org.get_json(&format!("/api/v1/sittings/{sitting}/qr")).await["code"].as_str().unwrap().to_string();
    let (name, stored): (String, String) =
        sqlx::query_as("SELECT name, phone FROM people WHERE rank = '科级' ORDER BY id LIMIT 1")
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    let signin = json!({"code": code, "name": name, "last4": &t.open(&stored)[7..]});
    let resp = t.client().post_json("/api/v1/signin", &signin).await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());

    // Another master key opens none of the data keys: the server says so and does not start.
    let elsewhere = tempfile::tempdir().unwrap();
    let wrong = elsewhere.path().join("other.key");
    qinglian::vault::write_master_key(&wrong).unwrap();
    let stranger = qinglian::config::Config {
        master_key_file: wrong,
        ..qinglian::config::Config::for_dir(elsewhere.path().to_path_buf(), Some(config.database_url.clone()))
    };
    let refused = qinglian::start(stranger).await.err().expect("a wrong master key is refused").to_string();
    assert!(refused.contains("主密钥"), "{refused}");
    // And without its key file, a server is told where the key is expected.
    let missing =
        qinglian::config::Config::for_dir(elsewhere.path().join("none"), Some(config.database_url.clone()));
    let refused = qinglian::start(missing).await.err().expect("a missing master key is refused").to_string();
    assert!(refused.contains("找不到主密钥文件"), "{refused}");

    // Re-wrapped under a new master key: a server given the new file reads every phone, the old
    // file opens nothing any more.
    let renewed = elsewhere.path().join("renewed.key");
    qinglian::vault::write_master_key(&renewed).unwrap();
    let (ok, out) = crate::backup::qinglian(
        &config.data_dir,
        &config.database_url,
        &["--master-key-file", key_file, "keys", "rewrap", renewed.to_str().unwrap()],
    );
    assert!(ok && out.contains("重新包装"), "{out}");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'keys.rewrap'").await, 1);
    let at = |dir: &str, key: &std::path::Path| qinglian::config::Config {
        master_key_file: key.to_path_buf(),
        ..qinglian::config::Config::for_dir(elsewhere.path().join(dir), Some(config.database_url.clone()))
    };
    let server =
        qinglian::start(at("renewed", &renewed)).await.expect("the new master key opens the data keys");
    let stored: String =
        sqlx::query_scalar("SELECT phone FROM people WHERE phone IS NOT NULL ORDER BY id LIMIT 1")
            .fetch_one(&server.db.pool)
            .await
            .unwrap();
    assert_eq!(server.db.vault.open(&stored).unwrap(), t.open(&stored));
    let refused =
        qinglian::start(at("old", &config.master_key_file)).await.err().expect("the old key is refused");
    assert!(refused.to_string().contains("主密钥"), "{refused}");
}

/// The audit log is archived, never deleted: `qinglian audit archive` writes every record before
/// the cut-off into one sealed file; `verify-archive` checks its chain, its seal and the live
/// log; an edited or cut-short archive fails, and the records stay in the log.
async fn the_audit_log_is_archived_sealed_and_never_deleted(t: TestApp) {
    let config = &t.app.config;
    let key = config.master_key_file.to_str().unwrap().to_string();
    let run = |args: &[&str]| {
        let all: Vec<&str> =
            ["--master-key-file", key.as_str()].into_iter().chain(args.iter().copied()).collect();
        crate::backup::qinglian(&config.data_dir, &config.database_url, &all)
    };
    let kept = "SELECT COUNT(*) FROM audit_log WHERE digest <> ''";
    let before = t.scalar(kept).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("audit-2026.jsonl");
    let path = file.to_str().unwrap();
    let (ok, out) = run(&["audit", "archive", "--older-than-days", "0", "--out", path]);
    assert!(ok && out.contains("审计归档完成"), "{out}");
    let (ok, out) = run(&["audit", "archive", "--older-than-days", "0", "--out", path]);
    assert!(!ok && out.contains("不覆盖"), "an archive is never overwritten: {out}");
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let header: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(header["entries"].as_i64(), Some(before), "{header}");
    assert_eq!(lines.len() as i64, before + 2, "a header, the records and the seal");
    assert!(lines.last().unwrap().starts_with("{\"seal\":\"hmac-sm3:"), "{}", lines.last().unwrap());

    let (ok, out) = run(&["audit", "verify-archive", path]);
    assert!(ok && out.contains("链校验通过，封签校验通过，与线上日志一致性通过"), "{out}");
    assert_eq!(t.scalar(kept).await, before + 1, "nothing deleted; the archiving itself is recorded");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'audit.archive'").await, 1);

    // One record edited in the file: its chain and its seal both fail.
    let edited = dir.path().join("edited.jsonl");
    let changed = lines[1].replacen("\"outcome\":\"ok\"", "\"outcome\":\"no\"", 1);
    assert_ne!(changed, lines[1]);
    std::fs::write(&edited, text.replacen(lines[1], &changed, 1)).unwrap();
    let (ok, out) = run(&["audit", "verify-archive", edited.to_str().unwrap()]);
    assert!(!ok && out.contains("链校验未通过") && out.contains("封签校验未通过"), "{out}");
    // Cut short: refused as incomplete.
    let short = dir.path().join("short.jsonl");
    std::fs::write(&short, lines[..lines.len() - 1].join("\n")).unwrap();
    let (ok, out) = run(&["audit", "verify-archive", short.to_str().unwrap()]);
    assert!(!ok && out.contains("缺少封签"), "{out}");
    // Before the log began there is nothing to archive, and no file is left.
    let empty = dir.path().join("empty.jsonl");
    let (ok, out) =
        run(&["audit", "archive", "--older-than-days", "36500", "--out", empty.to_str().unwrap()]);
    assert!(!ok && out.contains("没有审计记录") && !empty.exists(), "{out}");
}

/// Integration tokens expire: 90 days unless asked otherwise, a year at most; an expired token
/// is refused like a revoked one.
async fn integration_tokens_expire(t: TestApp) {
    let organiser = t.api_as("jiwei").await;
    let made: Value =
        organiser.post_json("/api/v1/tokens", &json!({"name": "报表对接"})).await.json().await.unwrap();
    let expires = made["expires_at"].as_i64().unwrap();
    let now = qinglian::db::now();
    assert!((expires - now - 90 * 86_400).abs() < 60, "{made}");
    let week: Value = organiser
        .post_json("/api/v1/tokens", &json!({"name": "一周", "valid_days": 7}))
        .await
        .json()
        .await
        .unwrap();
    assert!((week["expires_at"].as_i64().unwrap() - now - 7 * 86_400).abs() < 60, "{week}");
    for days in [0, 366] {
        let (status, _, _, fields) = error_of(
            organiser.post_json("/api/v1/tokens", &json!({"name": "过长", "valid_days": days})).await,
        )
        .await;
        assert_eq!(status, 422);
        assert!(fields["valid_days"].as_str().unwrap().contains("1 至 365 天"), "{fields}");
    }
    let secret = made["token"].as_str().unwrap();
    let with =
        |secret: &str| t.client().request(reqwest::Method::GET, "/api/v1/me").bearer_auth(secret.to_string());
    assert_eq!(with(secret).send().await.unwrap().status(), 200);
    sqlx::query("UPDATE api_tokens SET expires_at = $1 WHERE name = '报表对接'")
        .bind(now - 1)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(with(secret).send().await.unwrap().status(), 401, "an expired token is refused");
    assert_eq!(with(week["token"].as_str().unwrap()).send().await.unwrap().status(), 200);
}

crate::on_both_engines!(
    integration_tokens_expire,
    the_audit_log_is_archived_sealed_and_never_deleted,
    the_raw_database_holds_no_phone_number,
    a_key_rotation_reseals_everything_and_a_wrong_master_key_is_refused,
    exports_of_personal_data_are_audited,
    the_three_officers_are_three_accounts,
    wrong_codes_lock_the_account_as_wrong_passwords_do,
    a_security_administrator_resets_a_lost_second_factor,
    privileged_actions_ask_for_the_password_again,
    passwords_age_and_idle_accounts_are_disabled,
);

mod required {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        harness::run_configured(
            Engine::Sqlite,
            |c| c.second_factor = SecondFactor::Required,
            a_privileged_account_enrols_then_signs_in_with_a_code,
        )
        .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        harness::run_configured(
            Engine::Postgres,
            |c| c.second_factor = SecondFactor::Required,
            a_privileged_account_enrols_then_signs_in_with_a_code,
        )
        .await
    }
}

/// `serve` with a certificate speaks HTTPS only, marks cookies Secure and sends HSTS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_https_itself_with_hsts() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
        ])
        .args(["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let files = qinglian::config::TlsFiles { cert: cert.clone(), key };
    let pem = std::fs::read(&cert).unwrap();
    harness::run_configured(
        Engine::Sqlite,
        |c| c.tls = Some(files),
        |t| async move {
            assert!(t.base.starts_with("https://"), "{}", t.base);
            let client = reqwest::Client::builder()
                .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let resp = client.get(format!("{}/login", t.base)).send().await.unwrap();
            assert_eq!(resp.status(), 200);
            assert_eq!(resp.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
            let resp = client
                .post(format!("{}/api/v1/auth/login", t.base))
                .json(&json!({"username": "jiwei", "password": PASSWORD}))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
            assert!(cookie.contains("; Secure"), "{cookie}");
            // Plain HTTP on the same port gets no page.
            let plain = t.base.replace("https://", "http://");
            let refused = reqwest::Client::new().get(format!("{plain}/login")).send().await;
            assert!(refused.map(|r| r.status() != 200).unwrap_or(true), "plain HTTP is not served");
        },
    )
    .await;
}
