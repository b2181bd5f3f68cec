//! The audit log: every write recorded, append-only, readable by auditors only, exportable.

use crate::harness::TestApp;

async fn audit_is_append_only_in_the_database(t: TestApp) {
    let n = t.scalar("SELECT COUNT(*) FROM audit_log").await;
    assert!(n > 0);
    assert!(sqlx::query("UPDATE audit_log SET outcome = 'ok'").execute(&t.app.db.pool).await.is_err());
    assert!(sqlx::query("DELETE FROM audit_log").execute(&t.app.db.pool).await.is_err());
    assert_eq!(t.scalar("SELECT COUNT(*) FROM audit_log").await, n);
}

async fn auditors_read_and_export_others_cannot(t: TestApp) {
    let _ = t
        .client()
        .post_json("/api/v1/auth/login", &serde_json::json!({"username": "wuyilu", "password": "nope"}))
        .await;
    let unit = t.api_as("wuyilu").await;
    assert_eq!(unit.get("/api/v1/audit").await.status(), 403);

    let auditor = t.api_as("shenji").await;
    let page = auditor.get_json("/api/v1/audit?action=auth.login&outcome=failed").await;
    assert_eq!(page["total"], 1);
    let e = &page["items"][0];
    assert_eq!((e["actor_name"].as_str(), e["ip"].as_str()), (Some("wuyilu"), Some("127.0.0.1")));

    let b = t.browser_as("shenji").await;
    let html = b.text("/audit?outcome=failed").await;
    assert!(html.contains("wuyilu"));
    let resp = b.get("/audit/export.csv?action=auth").await;
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    let body = resp.bytes().await.unwrap();
    assert!(body.starts_with("\u{feff}编号,时间,操作人".as_bytes()));
    assert!(String::from_utf8_lossy(&body).contains("auth.login"));
}

crate::on_both_engines!(audit_is_append_only_in_the_database, auditors_read_and_export_others_cannot);
