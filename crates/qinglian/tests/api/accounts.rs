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
    let system = qinglian::services::users::system_actor();
    qinglian::services::users::add(&t.app, &system, "newcadre", "新干部", PASSWORD, true).await.unwrap();
    let c = t.api_as("newcadre").await;
    let (status, code, _, _) = error_of(c.get("/api/v1/me").await).await;
    assert_eq!((status, code.as_str()), (403, "password_change_required"));

    let b = t.browser_as("newcadre").await;
    let resp = b.get("/").await;
    assert_eq!(resp.headers()["location"], "/account/password");
    let csrf = b.csrf_from("/account/password").await;
    let resp = b
        .post_form(
            "/account/password",
            &[("_csrf", &csrf), ("current", PASSWORD), ("password", "short1"), ("confirm", "short1")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("密码至少8位"));
    let resp = b
        .post_form(
            "/account/password",
            &[
                ("_csrf", &csrf),
                ("current", PASSWORD),
                ("password", "Better#pass9"),
                ("confirm", "Better#pass9"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(b.get("/").await.status(), 200);
    assert_eq!(c.get("/api/v1/me").await.status(), 200);
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

crate::on_both_engines!(
    wrong_password_then_lockout_after_five,
    unknown_user_is_refused_like_a_wrong_password,
    sessions_end_after_idle_timeout_and_on_logout,
    writes_from_pages_need_the_csrf_token,
    initial_password_must_be_changed_and_follow_the_rules,
    unit_admin_sees_only_his_subtree_with_phones,
);
