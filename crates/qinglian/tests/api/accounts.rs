//! Sign-in, sessions, lock-out, CSRF, forced password change, unit scope.

use serde_json::json;

use crate::harness::{error_of, TestApp, PASSWORD};

async fn wrong_password_then_lockout_after_five(t: TestApp) {
    let c = t.client();
    for i in 0..5 {
        let resp =
            c.post_json("/api/v1/auth/login", &json!({"username": "jiwei", "password": "Wrong#pass1"})).await;
        let (status, _, message, _) = error_of(resp).await;
        if i < 4 {
            assert_eq!(status, 422);
            assert_eq!(message, "用户名或密码不正确。");
        } else {
            assert_eq!(status, 429, "fifth failure locks");
        }
    }
    // Even the right password is refused while locked.
    let resp = c.post_json("/api/v1/auth/login", &json!({"username": "jiwei", "password": PASSWORD})).await;
    let (status, _, message, _) = error_of(resp).await;
    assert_eq!(status, 429);
    assert!(message.contains("15分钟"), "{message}");
    let failed = t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login' AND outcome = 'failed' AND actor_name = 'jiwei'").await;
    assert_eq!(failed, 6);
    // When the lock expires, the right password works and the counter is reset.
    sqlx::query("UPDATE users SET locked_until = 1 WHERE username = 'jiwei'")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let resp = c.post_json("/api/v1/auth/login", &json!({"username": "jiwei", "password": PASSWORD})).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(t.scalar("SELECT failed_attempts FROM users WHERE username = 'jiwei'").await, 0);
}

async fn unknown_user_is_refused_like_a_wrong_password(t: TestApp) {
    let c = t.client();
    let resp = c.post_json("/api/v1/auth/login", &json!({"username": "nobody", "password": PASSWORD})).await;
    let (status, code, message, _) = error_of(resp).await;
    assert_eq!((status, code.as_str(), message.as_str()), (422, "validation", "用户名或密码不正确。"));
}

async fn sessions_end_after_idle_timeout_and_on_logout(t: TestApp) {
    let c = t.api_as("admin").await;
    assert_eq!(c.get("/api/v1/me").await.status(), 200);
    // Thirty-one minutes pass.
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - 31 * 60")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(c.get("/api/v1/me").await.status(), 401);

    let b = t.browser_as("admin").await;
    assert_eq!(b.get("/").await.status(), 200);
    let csrf = b.csrf_from("/").await;
    assert_eq!(b.post_form("/logout", &[("_csrf", &csrf)]).await.status(), 303);
    assert_eq!(b.get("/").await.status(), 303, "signed out");
}

async fn writes_from_pages_need_the_csrf_token(t: TestApp) {
    let b = t.browser_as("admin").await;
    let units_before = t.scalar("SELECT COUNT(*) FROM units").await;
    let resp =
        b.post_form("/units", &[("name", "测试新单位"), ("type_code", "other"), ("parent_id", "1")]).await;
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("页面已过期"));
    let resp = b
        .post_form(
            "/units",
            &[("_csrf", "forged"), ("name", "测试新单位"), ("type_code", "other"), ("parent_id", "1")],
        )
        .await;
    assert_eq!(resp.status(), 403);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM units").await, units_before, "nothing written");

    let csrf = b.csrf_from("/units").await;
    let resp = b
        .post_form(
            "/units",
            &[("_csrf", &csrf), ("name", "测试新单位"), ("type_code", "other"), ("parent_id", "1")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM units").await, units_before + 1);

    // The sign-in form itself is protected too.
    let fresh = t.client();
    let resp = fresh.post_form("/login", &[("username", "admin"), ("password", PASSWORD)]).await;
    assert_eq!(resp.status(), 403);
}

async fn initial_password_must_be_changed_and_follow_the_rules(t: TestApp) {
    // An administrator adds the account; the system makes the initial password, shown once.
    let admin = t.api_as("admin").await;
    let resp = admin
        .post_json(
            "/api/v1/users",
            &json!({"username": "newcadre", "display_name": "新干部", "role": "member"}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let initial =
        resp.json::<serde_json::Value>().await.unwrap()["initial_password"].as_str().unwrap().to_string();

    let c = t.api_with("newcadre", &initial).await;
    let (status, code, _, _) = error_of(c.get("/api/v1/me").await).await;
    assert_eq!((status, code.as_str()), (403, "password_change_required"));

    let b = t.browser_with("newcadre", &initial).await;
    let resp = b.get("/").await;
    assert_eq!(resp.headers()["location"], "/account/password");
    let csrf = b.csrf_from("/account/password").await;
    let form = |new: &'static str| {
        [
            ("_csrf", csrf.clone()),
            ("current", initial.clone()),
            ("password", new.into()),
            ("confirm", new.into()),
        ]
    };
    let resp =
        b.http.post(format!("{}/account/password", b.base)).form(&form("short1")).send().await.unwrap();
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("密码至少8位"));
    let resp =
        b.http.post(format!("{}/account/password", b.base)).form(&form("Better#pass9")).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(b.get("/").await.status(), 200);
    // The change ends every other session of the account, the API client's too.
    assert_eq!(c.get("/api/v1/me").await.status(), 401);
}

async fn unit_admin_sees_only_his_subtree_with_phones(t: TestApp) {
    let dz = t.api_as("dongzhuang").await;
    let page = dz.get_json("/api/v1/people?per_page=500").await;
    let people = page["items"].as_array().unwrap();
    let expected = t.scalar("SELECT COUNT(*) FROM people p JOIN units u ON u.id = p.unit_id WHERE u.path LIKE (SELECT path FROM units WHERE name = '东庄乡') || '%'").await;
    assert_eq!(page["total"].as_i64().unwrap(), expected);
    let allowed = ["东庄乡", "东庄乡纪委", "东庄村", "西庄村", "前营村"];
    assert!(people.iter().all(|p| allowed.contains(&p["unit_name"].as_str().unwrap())));
    assert!(people.iter().all(|p| !p["phone"].as_str().unwrap().contains('*')), "own unit: full phones");

    let org = t.api_as("jiwei").await;
    let page = org.get_json("/api/v1/people?per_page=5").await;
    for p in page["items"].as_array().unwrap() {
        let phone = p["phone"].as_str().unwrap();
        assert!(phone.len() == 11 && &phone[3..7] == "****", "organiser sees masked phones: {phone}");
    }
}

async fn administrators_manage_accounts(t: TestApp) {
    let admin = t.api_as("admin").await;
    assert_eq!(t.api_as("jiwei").await.get("/api/v1/users").await.status(), 403);

    // A unit administrator needs his unit.
    let (status, _, message, _) = error_of(
        admin
            .post_json(
                "/api/v1/users",
                &json!({"username": "liucun", "display_name": "柳河村管理员", "role": "unit_admin"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(message.contains("须选择所管理的单位"), "{message}");
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM users WHERE username = 'liucun'").await,
        0,
        "nothing half-written"
    );
    let village = t.scalar("SELECT id FROM units WHERE name = '柳河村'").await;
    let issued: serde_json::Value = admin
        .post_json("/api/v1/users", &json!({"username": "liucun", "display_name": "柳河村管理员", "role": "unit_admin", "unit_id": village}))
        .await
        .json()
        .await
        .unwrap();
    let id = issued["user_id"].as_i64().unwrap();
    let first = issued["initial_password"].as_str().unwrap().to_string();
    let (status, _, message, _) =
        error_of(admin.post_json("/api/v1/users", &json!({"username": "liucun", "display_name": "x"})).await)
            .await;
    assert_eq!(status, 422);
    assert!(message.contains("已被使用"));

    let listed = admin.get_json("/api/v1/users?q=liucun").await;
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["items"][0]["roles"][0]["unit_name"], "柳河村");
    assert_eq!(listed["items"][0]["must_change_password"], true);

    // A reset makes a new initial password and ends the sessions of the old one.
    let old = t.api_with("liucun", &first).await;
    let reset: serde_json::Value = admin
        .post_json(&format!("/api/v1/users/{id}/password-reset"), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let second = reset["initial_password"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    assert_eq!(old.get("/api/v1/me").await.status(), 401);
    let resp =
        t.client().post_json("/api/v1/auth/login", &json!({"username": "liucun", "password": first})).await;
    assert_eq!(resp.status(), 422);

    // Disabling ends sessions and refuses sign-in; administrators cannot disable themselves.
    let current = t.api_with("liucun", &second).await;
    assert_eq!(
        admin.post_json(&format!("/api/v1/users/{id}/disabled"), &json!({"disabled": true})).await.status(),
        204
    );
    assert_eq!(current.get("/api/v1/me").await.status(), 401);
    let resp =
        t.client().post_json("/api/v1/auth/login", &json!({"username": "liucun", "password": second})).await;
    assert_eq!(resp.status(), 422);
    let me = t.scalar("SELECT id FROM users WHERE username = 'admin'").await;
    assert_eq!(
        admin.post_json(&format!("/api/v1/users/{me}/disabled"), &json!({"disabled": true})).await.status(),
        409
    );
    let grant = t.scalar(&format!("SELECT MIN(id) FROM user_roles WHERE user_id = {me}")).await;
    let resp = admin
        .request(reqwest::Method::DELETE, &format!("/api/v1/users/{me}/roles/{grant}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    // Ending his own sessions signs out the security officer's other devices, not the request in hand.
    let security = t.api_as("anquan").await;
    let elsewhere = t.api_as("anquan").await;
    let officer = t.scalar("SELECT id FROM users WHERE username = 'anquan'").await;
    let resp = security
        .request(reqwest::Method::DELETE, &format!("/api/v1/users/{officer}/sessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(security.get("/api/v1/me").await.status(), 200);
    assert_eq!(elsewhere.get("/api/v1/me").await.status(), 401);

    let actions: Vec<String> = sqlx::query_scalar(&format!("SELECT action FROM audit_log WHERE entity = 'user' AND entity_id = '{id}' AND outcome = 'ok' ORDER BY id"))
        .fetch_all(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        actions,
        ["user.create", "user.grant", "auth.login", "user.reset_password", "auth.login", "user.disable"]
    );
}

async fn account_page_shows_the_initial_password_once(t: TestApp) {
    let b = t.browser_as("admin").await;
    let csrf = b.csrf_from("/admin/users").await;
    let unit = t.scalar("SELECT id FROM units WHERE name = '青山镇'").await.to_string();
    let resp = b
        .post_form(
            "/admin/users",
            &[
                ("_csrf", &csrf),
                ("username", "qingshan"),
                ("display_name", "青山镇管理员"),
                ("role", "unit_admin"),
                ("unit_id", &unit),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    let at = html.find("<code>").expect("password shown") + 6;
    let password = html[at..].split('<').next().unwrap().to_string();
    assert!(html.contains("仅显示一次"));
    assert!(!b.text("/admin/users").await.contains(&password), "not shown again");
    let c = t.api_with("qingshan", &password).await;
    assert_eq!(c.get("/api/v1/me").await.status(), 403, "must change it first");
}

async fn one_address_guessing_many_accounts_is_slowed(t: TestApp) {
    let c = t.client();
    for i in 0..30 {
        let resp = c
            .post_json(
                "/api/v1/auth/login",
                &json!({"username": format!("guess{i}"), "password": "Wrong#pass1"}),
            )
            .await;
        assert_eq!(resp.status(), 422);
    }
    // Now even a right password from this address waits.
    let (status, _, message, _) = error_of(
        c.post_json("/api/v1/auth/login", &json!({"username": "admin", "password": PASSWORD})).await,
    )
    .await;
    assert_eq!(status, 429);
    assert!(message.contains("此地址"), "{message}");
}

/// An account holds at most the configured number of sessions (等保: concurrent sessions are
/// limited): one sign-in more ends the oldest, on every engine, and the log says so.
async fn a_sign_in_beyond_the_limit_ends_the_oldest_session(t: TestApp) {
    let keep = t.app.config.max_sessions_per_user;
    assert_eq!(keep, 5, "the default");
    let oldest = t.api_as("shenji").await;
    sqlx::query("UPDATE sessions SET created_at = created_at - 60 WHERE user_id = (SELECT id FROM users WHERE username = 'shenji')")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let mut others = Vec::new();
    for _ in 1..keep {
        others.push(t.api_as("shenji").await);
    }
    assert_eq!(oldest.get("/api/v1/me").await.status(), 200, "five sessions are allowed");
    let newest = t.api_as("shenji").await;
    assert_eq!(oldest.get("/api/v1/me").await.status(), 401, "the sixth ends the oldest");
    assert_eq!(newest.get("/api/v1/me").await.status(), 200);
    for c in &others {
        assert_eq!(c.get("/api/v1/me").await.status(), 200);
    }
    let held = t
        .scalar(
            "SELECT COUNT(*) FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = 'shenji')",
        )
        .await;
    assert_eq!(held, keep);
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'auth.login' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&t.app.db.pool)
    .await
    .unwrap();
    assert!(detail.contains("\"ended_oldest_sessions\":1"), "{detail}");
}

crate::on_both_engines!(
    a_sign_in_beyond_the_limit_ends_the_oldest_session,
    one_address_guessing_many_accounts_is_slowed,
    administrators_manage_accounts,
    account_page_shows_the_initial_password_once,
    wrong_password_then_lockout_after_five,
    unknown_user_is_refused_like_a_wrong_password,
    sessions_end_after_idle_timeout_and_on_logout,
    writes_from_pages_need_the_csrf_token,
    initial_password_must_be_changed_and_follow_the_rules,
    unit_admin_sees_only_his_subtree_with_phones,
);
