//! Starts the real server on a free port against a fresh database of either engine, with the
//! demo city loaded, and gives tests an HTTP client for it.

use std::future::Future;
use std::net::SocketAddr;

use qinglian::config::Config;
use qinglian::services::App;
use serde_json::Value;

pub const PASSWORD: &str = "Test#2022pass";
const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub app: App,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    pg_database: Option<String>,
}

/// Runs `scenario` against a fresh server on `engine`. PostgreSQL scenarios are skipped with a
/// note when no server is reachable, unless QINGLIAN_REQUIRE_POSTGRES=1 (as in CI) makes that a
/// failure.
pub async fn run<F, Fut>(engine: Engine, scenario: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    run_configured(engine, |_| {}, scenario).await
}

/// As [`run`], with the configuration changed first (another file store, for one).
pub async fn run_configured<F, Fut>(engine: Engine, configure: impl FnOnce(&mut Config), scenario: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    let Some(app) = spawn(engine, configure).await else {
        return;
    };
    scenario(app).await;
}

/// A new, empty PostgreSQL database for one test, by name; `None` (the test is skipped) only
/// when PostgreSQL is unreachable and not required.
pub async fn empty_postgres_database() -> Option<String> {
    let suffix = qinglian::services::auth::token_hash(&qinglian::services::auth::random_token());
    let name = format!("qltest_{}", &suffix[..16]);
    sqlx::any::install_default_drivers();
    match sqlx::AnyPool::connect(PG_ADMIN_URL).await {
        Ok(admin) => {
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin)
                .await
                .expect("create test database");
            admin.close().await;
            Some(name)
        }
        Err(e) => {
            if std::env::var("QINGLIAN_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("PostgreSQL is required (QINGLIAN_REQUIRE_POSTGRES=1) but unreachable: {e}");
            }
            eprintln!("SKIPPED: PostgreSQL unreachable at 127.0.0.1:5432 ({e})");
            None
        }
    }
}

/// Drops a test's database, whoever is still connected to it.
pub async fn drop_postgres_database(name: &str) {
    if let Ok(admin) = sqlx::AnyPool::connect(PG_ADMIN_URL).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&admin).await;
        admin.close().await;
    }
}

async fn spawn(engine: Engine, configure: impl FnOnce(&mut Config)) -> Option<TestApp> {
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, pg_database) = match engine {
        Engine::Sqlite => (None, None),
        Engine::Postgres => {
            let name = empty_postgres_database().await?;
            (Some(format!("postgres://postgres@127.0.0.1:5432/{name}")), Some(name))
        }
    };
    let mut config = Config::for_dir(dir.path().to_path_buf(), url);
    configure(&mut config);
    let app = qinglian::start(config).await.expect("start app");
    qinglian::demo::load(&app, "admin", PASSWORD).await.expect("demo data");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(qinglian::http::run(listener, app.clone(), async {
        let _ = stopped.await;
    }));
    // A certificate names a host, not an address.
    let base = match app.config.tls {
        Some(_) => format!("https://localhost:{}", addr.port()),
        None => format!("http://{addr}"),
    };
    Some(TestApp { base, app, _dir: dir, stop: Some(stop), pg_database })
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(name) = self.pg_database.take() {
            let pool = self.app.db.pool.clone();
            // Dropping needs async I/O; do it on a thread of its own so Drop can wait for it.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async move {
                    pool.close().await;
                    drop_postgres_database(&name).await;
                });
            })
            .join();
        }
    }
}

/// A browser-like client: keeps cookies, follows no redirects (tests look at them).
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub token: Option<String>,
}

impl TestApp {
    /// Scenarios against servers started elsewhere (behind a load balancer at `base`); `app` is
    /// connected to their database, for the scenarios' own queries.
    pub fn behind(base: String, app: App) -> TestApp {
        TestApp { base, app, _dir: tempfile::tempdir().expect("temp dir"), stop: None, pg_database: None }
    }

    /// Serves `app` (an instance prepared by the test) on a free port until dropped.
    pub async fn serving(app: App) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(qinglian::http::run(listener, app.clone(), async {
            let _ = stopped.await;
        }));
        let mut t = TestApp::behind(format!("http://{addr}"), app);
        t.stop = Some(stop);
        t
    }

    pub fn client(&self) -> Client {
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: self.base.clone(),
            token: None,
        }
    }

    /// An API client signed in as `username` (bearer token).
    pub async fn api_as(&self, username: &str) -> Client {
        self.api_with(username, PASSWORD).await
    }

    pub async fn api_with(&self, username: &str, password: &str) -> Client {
        let mut c = self.client();
        let resp = c
            .post_json("/api/v1/auth/login", &serde_json::json!({"username": username, "password": password}))
            .await;
        assert_eq!(resp.status(), 200, "login as {username}");
        let body: Value = resp.json().await.expect("json");
        c.token = Some(body["token"].as_str().expect("token").to_string());
        c
    }

    /// A browser client signed in through the sign-in form.
    pub async fn browser_as(&self, username: &str) -> Client {
        self.browser_with(username, PASSWORD).await
    }

    pub async fn browser_with(&self, username: &str, password: &str) -> Client {
        let c = self.client();
        let csrf = c.csrf_from("/login").await;
        let resp = c
            .http
            .post(format!("{}/login", c.base))
            .form(&[("_csrf", csrf.as_str()), ("username", username), ("password", password), ("next", "/")])
            .send()
            .await
            .expect("login");
        assert_eq!(resp.status(), 303, "form login as {username}");
        c
    }

    pub async fn scalar(&self, sql: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql).fetch_one(&self.app.db.pool).await.expect(sql)
    }

    /// A sealed value (a phone, a contact) as the user gave it.
    pub fn open(&self, stored: &str) -> String {
        self.app.db.vault.open(stored).expect("sealed value opens")
    }

    /// The blind index a phone is looked up by (the column `phone_idx`).
    pub fn phone_idx(&self, phone: &str) -> String {
        self.app.db.vault.index(qinglian::vault::Blind::Phone, phone)
    }
}

impl Client {
    fn auth(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }
    /// A request of any method to `path`, signed in as this client is.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.auth(self.http.request(method, format!("{}{path}", self.base)))
    }
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.auth(self.http.get(format!("{}{path}", self.base))).send().await.expect("get")
    }
    pub async fn get_json(&self, path: &str) -> Value {
        let resp = self.get(path).await;
        assert_eq!(resp.status(), 200, "GET {path}");
        resp.json().await.expect("json")
    }
    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.auth(self.http.post(format!("{}{path}", self.base))).json(body).send().await.expect("post")
    }
    pub async fn post_multipart(&self, path: &str, form: reqwest::multipart::Form) -> reqwest::Response {
        self.auth(self.http.post(format!("{}{path}", self.base))).multipart(form).send().await.expect("post")
    }
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http.post(format!("{}{path}", self.base)).form(form).send().await.expect("post form")
    }
    pub async fn text(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("text")
    }
    /// The CSRF token a page embeds in its forms.
    pub async fn csrf_from(&self, path: &str) -> String {
        let html = self.text(path).await;
        let at = html.find("name=\"_csrf\" value=\"").expect("page has a csrf field") + 20;
        html[at..].split('"').next().expect("value").to_string()
    }
}

/// The error body's parts.
/// `actual` must equal the reviewed file `tests/api/snapshots/{name}`; with
/// `QINGLIAN_UPDATE_SNAPSHOTS=1` the file is rewritten first, to be reviewed in the diff.
pub fn assert_snapshot(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api/snapshots").join(name);
    if std::env::var("QINGLIAN_UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::write(&path, actual).unwrap();
    }
    let expected =
        std::fs::read_to_string(&path).expect("snapshot (run with QINGLIAN_UPDATE_SNAPSHOTS=1 to write it)");
    assert_eq!(actual, expected, "differs from the snapshot {name}");
}

pub async fn error_of(resp: reqwest::Response) -> (u16, String, String, Value) {
    let status = resp.status().as_u16();
    let v: Value = resp.json().await.expect("error json");
    (
        status,
        v["error"]["code"].as_str().unwrap_or_default().to_string(),
        v["error"]["message"].as_str().unwrap_or_default().to_string(),
        v["error"]["fields"].clone(),
    )
}

/// Declares each scenario once and runs it on both engines.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { $crate::harness::run($crate::harness::Engine::Sqlite, super::$name).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { $crate::harness::run($crate::harness::Engine::Postgres, super::$name).await } )*
        }
    };
}

/// The text of a PDF file, as poppler's `pdftotext` reads it.
pub fn pdftotext(path: &std::path::Path) -> String {
    let out = std::process::Command::new("pdftotext")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) must be installed: scripts/setup installs it");
    String::from_utf8_lossy(&out.stdout).to_string()
}
