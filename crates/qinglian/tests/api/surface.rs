//! The outer contract: health, OpenAPI, error shape, language, security headers.

use crate::harness::{assert_snapshot, error_of, TestApp};

async fn health_openapi_and_headers(t: TestApp) {
    let c = t.client();
    let resp = c.get("/healthz").await;
    assert_eq!(resp.status(), 200);
    let csp = resp.headers().get("content-security-policy").expect("CSP").to_str().unwrap().to_string();
    assert!(csp.contains("default-src 'self'"));

    let doc = c.get_json("/api/openapi.json").await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/auth/login",
        "/api/v1/campaigns/{id}/board",
        "/api/v1/tasks/{id}/entries",
        "/api/v1/people/import",
        "/api/v1/audit",
    ] {
        assert!(paths.contains_key(p), "OpenAPI lacks {p}");
    }
}

/// Every operation of the document, with its tag, is the reviewed list: a route added, moved
/// between features or dropped shows here (and in the diff of the snapshot).
async fn openapi_lists_the_reviewed_operations(t: TestApp) {
    let doc = t.client().get_json("/api/openapi.json").await;
    let mut operations: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object().unwrap().iter().map(move |(method, op)| {
                let tags: Vec<&str> =
                    op["tags"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
                format!("{} {path} [{}]", method.to_uppercase(), tags.join(","))
            })
        })
        .collect();
    operations.sort();
    assert_snapshot("openapi_operations.txt", &(operations.join("\n") + "\n"));
}

async fn errors_are_json_in_the_callers_language(t: TestApp) {
    let c = t.client();
    let (status, code, message, _) = error_of(c.get("/api/v1/me").await).await;
    assert_eq!((status, code.as_str()), (401, "unauthorized"));
    assert!(message.contains("登录"), "{message}");

    let en = c
        .http
        .get(format!("{}/api/v1/me", c.base))
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .unwrap();
    let (_, _, message, _) = error_of(en).await;
    assert!(message.contains("sign in"), "{message}");
}

async fn pages_are_chinese_unless_english_is_chosen(t: TestApp) {
    let c = t.client();
    let html = c
        .http
        .get(format!("{}/login", c.base))
        .header("accept-language", "en-US")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("lang=\"zh-CN\"") && html.contains("用户名"));
    let html = c.text("/login?lang=en").await;
    assert!(html.contains("lang=\"en\"") && html.contains("User name"));
    // The choice sticks (cookie).
    let html = c.text("/login").await;
    assert!(html.contains("User name"));
}

async fn pages_need_sign_in(t: TestApp) {
    let c = t.client();
    let resp = c.get("/campaigns/1/board").await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/login?next=%2Fcampaigns%2F1%2Fboard");
}

async fn list_endpoints_page_and_count(t: TestApp) {
    let c = t.api_as("admin").await;
    let all = t.scalar("SELECT COUNT(*) FROM people").await;
    let page = c.get_json("/api/v1/people?page=3&per_page=25").await;
    assert_eq!(page["total"].as_i64().unwrap(), all);
    assert_eq!(page["items"].as_array().unwrap().len(), 25);
    assert_eq!(page["page"], 3);
    let search = c.get_json("/api/v1/people?q=%E5%BC%A0&per_page=500").await;
    let items = search["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|p| p["name"].as_str().unwrap().contains('张')));
    // A page far past the end is empty, not an overflow (Schemathesis found page=2^63-2).
    for path in ["/api/v1/people", "/api/v1/users"] {
        let far = c.get_json(&format!("{path}?page=9223372036854775806&per_page=500")).await;
        assert!(far["items"].as_array().unwrap().is_empty(), "{path}");
    }
    let auditor = t.api_as("shenji").await;
    let far = auditor.get_json("/api/v1/audit?page=9223372036854775806&per_page=500").await;
    assert!(far["items"].as_array().unwrap().is_empty());
}

async fn health_fails_when_the_database_is_gone(t: TestApp) {
    let c = t.client();
    assert_eq!(c.get("/healthz").await.status(), 200);
    t.app.db.pool.close().await;
    assert_eq!(c.get("/healthz").await.status(), 503, "a load balancer must stop sending traffic here");
}

async fn behind_a_trusted_proxy_the_forwarded_address_is_audited(t: TestApp) {
    // Without trust, the header is ignored: a client cannot choose his address in the log.
    let c = t.client();
    let send = |user: &'static str| {
        c.http
            .post(format!("{}/api/v1/auth/login", c.base))
            .header("x-forwarded-for", "10.9.8.7, 203.0.113.5")
            .header("x-forwarded-proto", "https")
            .json(&serde_json::json!({"username": user, "password": "nope"}))
            .send()
    };
    send("nobody1").await.unwrap();
    let ip: String = sqlx::query_scalar("SELECT ip FROM audit_log WHERE actor_name = 'nobody1'")
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(ip, "127.0.0.1");

    // With trust, the last hop (the one the load balancer appended) is the client.
    let mut config = (*t.app.config).clone();
    config.trust_proxy = true;
    let proxied = qinglian::services::App { config: std::sync::Arc::new(config), ..t.app.clone() };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(qinglian::http::run(listener, proxied, std::future::pending()));
    let resp = c
        .http
        .post(format!("{base}/api/v1/auth/login"))
        .header("x-forwarded-for", "10.9.8.7, 203.0.113.5")
        .header("x-forwarded-proto", "https")
        .json(&serde_json::json!({"username": "admin", "password": crate::harness::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(resp.headers()["set-cookie"].to_str().unwrap().contains("Secure"));
    let ip: String = sqlx::query_scalar(
        "SELECT ip FROM audit_log WHERE action = 'auth.login' AND outcome = 'ok' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&t.app.db.pool)
    .await
    .unwrap();
    assert_eq!(ip, "203.0.113.5");
}

crate::on_both_engines!(
    health_fails_when_the_database_is_gone,
    behind_a_trusted_proxy_the_forwarded_address_is_audited,
    health_openapi_and_headers,
    openapi_lists_the_reviewed_operations,
    errors_are_json_in_the_callers_language,
    pages_are_chinese_unless_english_is_chosen,
    pages_need_sign_in,
    list_endpoints_page_and_count,
);
