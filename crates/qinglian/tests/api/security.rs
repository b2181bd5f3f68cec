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

crate::on_both_engines!(
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
