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

#[derive(Default)]
struct Latency {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// What this process has answered since it started.
pub static METRICS: std::sync::LazyLock<Metrics> = std::sync::LazyLock::new(Metrics::default);

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Latency>>,
}

impl Metrics {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        *self
            .requests
            .lock()
            .expect("metrics")
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        let mut latency = self.latency.lock().expect("metrics");
        let l = latency.entry(route.to_string()).or_default();
        for (bucket, bound) in l.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        l.count += 1;
        l.sum += seconds;
    }
}

/// Counts every request under its route's pattern (`/api/v1/jobs/{id}`, not each id), so the
/// series stay few whatever is asked.
pub(crate) async fn observe(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |m| m.as_str()).to_string();
    let method = req.method().to_string();
    let started = Instant::now();
    let resp = next.run(req).await;
    METRICS.observe(&method, &route, resp.status().as_u16(), started.elapsed().as_secs_f64());
    resp
}

fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

pub(crate) async fn metrics(State(app): State<App>) -> Response {
    let mut out = String::new();
    let _ = writeln!(out, "# HELP qinglian_http_requests_total Requests answered, by route and status.");
    let _ = writeln!(out, "# TYPE qinglian_http_requests_total counter");
    for ((method, route, status), n) in METRICS.requests.lock().expect("metrics").iter() {
        let _ = writeln!(
            out,
            "qinglian_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
            label(route)
        );
    }
    let _ = writeln!(out, "# HELP qinglian_http_request_duration_seconds Time to answer, by route.");
    let _ = writeln!(out, "# TYPE qinglian_http_request_duration_seconds histogram");
    for (route, l) in METRICS.latency.lock().expect("metrics").iter() {
        let route = label(route);
        for (n, bound) in l.buckets.iter().zip(BUCKETS) {
            let _ = writeln!(
                out,
                "qinglian_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "qinglian_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
            l.count
        );
        let _ = writeln!(out, "qinglian_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", l.sum);
        let _ =
            writeln!(out, "qinglian_http_request_duration_seconds_count{{route=\"{route}\"}} {}", l.count);
    }
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

/// The router of the metrics address.
pub fn router(app: App) -> axum::Router {
    axum::Router::new().route("/metrics", axum::routing::get(metrics)).with_state(app)
}
