//! `GET /metrics` in the Prometheus text format, served on an address of its own
//! (`metrics_bind`), never on the public one: requests by route and status, latency histograms
//! by route, the database pool, the job queue, and sign-ins and signatures recorded (Prometheus'
//! `rate()` turns those counters into per-second figures).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::services::App;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 11] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

/// One route's answers: how many by method and status, and how long they took.
#[derive(Default)]
struct Route {
    answered: BTreeMap<(axum::http::Method, u16), u64>,
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// What this process has answered since it started, by route pattern.
static ROUTES: Mutex<BTreeMap<String, Route>> = Mutex::new(BTreeMap::new());

/// Counts every request under its route's pattern (`/api/v1/jobs/{id}`, not each id), so the
/// series stay few whatever is asked.
pub(crate) async fn observe(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method = req.method().clone();
    let started = Instant::now();
    let resp = next.run(req).await;
    let seconds = started.elapsed().as_secs_f64();
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    let mut routes = ROUTES.lock().expect("metrics");
    if !routes.contains_key(route) {
        routes.insert(route.to_string(), Route::default());
    }
    let r = routes.get_mut(route).expect("just inserted");
    *r.answered.entry((method, resp.status().as_u16())).or_default() += 1;
    for (bucket, bound) in r.buckets.iter_mut().zip(BUCKETS) {
        if seconds <= bound {
            *bucket += 1;
        }
    }
    r.count += 1;
    r.sum += seconds;
    drop(routes);
    resp
}

fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

pub(crate) async fn metrics(State(app): State<App>) -> Response {
    let mut out = String::new();
    // The routes' lock is let go before the database is asked anything.
    write_routes(&mut out);
    let pool = &app.db.pool;
    let idle = pool.num_idle() as u32;
    let _ = writeln!(out, "# HELP qinglian_db_connections Database connections of this server's pool.");
    let _ = writeln!(out, "# TYPE qinglian_db_connections gauge");
    let _ = writeln!(out, "qinglian_db_connections{{state=\"idle\"}} {idle}");
    let _ = writeln!(out, "qinglian_db_connections{{state=\"busy\"}} {}", pool.size().saturating_sub(idle));
    let _ =
        writeln!(out, "qinglian_db_connections{{state=\"max\"}} {}", pool.options().get_max_connections());
    for (name, help, n) in [
        ("qinglian_checkins_total", "Sign-ins recorded by this server.", app.checkins.recorded()),
        ("qinglian_signatures_total", "Signatures recorded by this server.", app.signatures.recorded()),
    ] {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {n}");
    }
    let jobs: Vec<(String, i64)> = sqlx::query_as("SELECT status, COUNT(*) FROM jobs GROUP BY status")
        .fetch_all(pool)
        .await
        .unwrap_or_default();
    let _ = writeln!(out, "# HELP qinglian_jobs Background jobs in the database, by status.");
    let _ = writeln!(out, "# TYPE qinglian_jobs gauge");
    for status in ["queued", "running", "done", "failed"] {
        let n = jobs.iter().find(|j| j.0 == status).map_or(0, |j| j.1);
        let _ = writeln!(out, "qinglian_jobs{{status=\"{status}\"}} {n}");
    }
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}

/// The per-route series: requests by method and status, and the latency histogram.
fn write_routes(out: &mut String) {
    let routes = ROUTES.lock().expect("metrics");
    let _ = writeln!(out, "# HELP qinglian_http_requests_total Requests answered, by route and status.");
    let _ = writeln!(out, "# TYPE qinglian_http_requests_total counter");
    for (route, r) in routes.iter() {
        for ((method, status), n) in &r.answered {
            let _ = writeln!(
                out,
                "qinglian_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                label(route)
            );
        }
    }
    let _ = writeln!(out, "# HELP qinglian_http_request_duration_seconds Time to answer, by route.");
    let _ = writeln!(out, "# TYPE qinglian_http_request_duration_seconds histogram");
    for (route, r) in routes.iter() {
        let route = label(route);
        for (n, bound) in r.buckets.iter().zip(BUCKETS) {
            let _ = writeln!(
                out,
                "qinglian_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "qinglian_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
            r.count
        );
        let _ = writeln!(out, "qinglian_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", r.sum);
        let _ =
            writeln!(out, "qinglian_http_request_duration_seconds_count{{route=\"{route}\"}} {}", r.count);
    }
}

/// The router of the metrics address.
pub fn router(app: App) -> axum::Router {
    axum::Router::new().route("/metrics", axum::routing::get(metrics)).with_state(app)
}
