//! `qinglian bench`: the numbers the foundation promises, measured on this machine.
//! - roster import of N rows from an XLSX file (target: 20,000 rows < 2 s), then re-import;
//! - the progress board for U units × 10 activities over HTTP (target: p99 < 50 ms);
//! - requests per second for `/healthz` and the sign-in page, 32 keep-alive connections;
//! - QR sign-in: 20,000 people signing in over 64 connections (target: 5,000/s, p99 < 50 ms),
//!   then the attendance view of a 5,000-person sitting (target: < 50 ms);
//! - public pledge signing: 20,000 signatures over 64 connections (target: 3,000/s, p99 < 100 ms),
//!   and the signature wall at 1,000,000 signatures (target: < 20 ms);
//! - publicity totals over 100,000 placements and inspection statistics over 10,000 inspections
//!   (target: < 50 ms each);
//! - the summary report's draft and its DOCX with 2,000 units, 1,000,000 signatures and 200,000
//!   sign-ins (target: < 2 s), and the campaign's ledger workbook of 200,000+ rows (target: < 5 s);
//! - a public submission screened against 50,000 stored works (target: < 50 ms), search over
//!   100,000 works (target: p99 < 50 ms) and the portal's home (target: < 10 ms);
//! - a knowledge test handed in by 2,000 people at once, ten answers each (target: far above
//!   2,000 in a minute, i.e. > 34/s).
//!
//! It builds its own database: SQLite in a temporary directory, or on the PostgreSQL server of
//! `--database-url` (the same flag as `serve`) a scratch database it drops afterwards, never the
//! database the URL names. With `--engines sqlite,postgres` it runs on both, one after the other
//! on the same machine, and prints their numbers side by side. It starts the real server on a
//! free port.

use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::config::Config;
use crate::services::{auth, campaigns, roster, units, users, App};

/// The measurements of one run, as printed: "what: how much".
static LINES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Prints a measurement and keeps it for the side-by-side table.
macro_rules! say {
    ($($arg:tt)*) => {{
        let line = format!($($arg)*);
        println!("{line}");
        LINES.lock().expect("bench lines").push(line);
    }};
}

/// Runs the benchmarks on each database in turn (`None`: SQLite in a temporary directory) and,
/// when there are several, prints them side by side.
pub async fn run(targets: &[Option<String>], plan: Plan) -> anyhow::Result<()> {
    let mut columns = Vec::new();
    for url in targets {
        LINES.lock().expect("bench lines").clear();
        let engine = run_on(url.clone(), &plan).await?;
        columns.push((engine, std::mem::take(&mut *LINES.lock().expect("bench lines"))));
    }
    if columns.len() > 1 {
        println!();
        println!(
            "| measurement | {} |",
            columns.iter().map(|c| c.0.as_str()).collect::<Vec<_>>().join(" | ")
        );
        println!("|---|{}", "---|".repeat(columns.len()));
        for (i, line) in columns[0].1.iter().enumerate() {
            let label = line.split_once(": ").map_or(line.as_str(), |(l, _)| l);
            let values: Vec<&str> = columns
                .iter()
                .map(|c| c.1.get(i).and_then(|l| l.split_once(": ")).map_or("", |(_, v)| v))
                .collect();
            println!("| {label} | {} |", values.join(" | "));
        }
    }
    Ok(())
}

/// What to measure.
#[derive(Clone, Debug)]
pub struct Plan {
    pub rows: usize,
    pub units: usize,
    /// Seconds of load for each throughput measurement.
    pub seconds: u64,
    /// The sections to run (empty: all): board, signin, pledge, totals, report, works, quiz,
    /// dashboard, throughput. The roster import always runs, as the others need its people; the report
    /// needs the pledge's million signatures, so it brings the pledge section with it.
    pub only: Vec<String>,
}

impl Plan {
    fn runs(&self, section: &str) -> bool {
        self.only.is_empty()
            || self.only.iter().any(|s| s == section || (section == "pledge" && s == "report"))
    }
}

/// The sections [`Plan::only`] may name.
pub const SECTIONS: [&str; 9] =
    ["board", "signin", "pledge", "totals", "report", "works", "quiz", "dashboard", "throughput"];

/// Page latency on the demo as a newcomer gets it (the 2022 week and the current one): each key
/// page fetched as the organiser (or the public) 40 times after a warm-up, p50 and p99 of the
/// whole response, HTML rendered and read to its end.
pub async fn pages() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let app = crate::start(Config::for_dir(dir.path().to_path_buf(), None)).await?;
    let password = auth::generate_password();
    crate::demo::load(&app, "admin", &password).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let live = crate::demo::load_current_week(&app, "admin").await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let server = Server::start(&app).await?;
    let addr = server.addr;
    let session = auth::login(&app, "jiwei", &password, "127.0.0.1")
        .await
        .and_then(auth::SignIn::session)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let cookie = format!("Cookie: {}={}\r\n", crate::http::common::SESSION_COOKIE, session.token);
    let pool = &app.db.pool;
    let seed: i64 = sqlx::query_scalar("SELECT MIN(id) FROM campaigns").fetch_one(pool).await?;
    let sitting: i64 = sqlx::query_scalar(
        "SELECT MIN(s.id) FROM sittings s JOIN activities a ON a.id = s.activity_id WHERE a.campaign_id = $1",
    )
    .bind(live)
    .fetch_one(pool)
    .await?;
    let work: i64 =
        sqlx::query_scalar("SELECT MIN(id) FROM works WHERE published_at > 0").fetch_one(pool).await?;
    let pages = [
        ("portal", "/portal".to_string(), false),
        ("portal search", "/portal/search?q=%E6%B8%85%E9%A3%8E".to_string(), false),
        ("a work", format!("/portal/works/{work}"), false),
        ("home", "/".to_string(), true),
        ("campaign", format!("/campaigns/{seed}"), true),
        ("board", format!("/campaigns/{seed}/board"), true),
        ("attendance list", format!("/sittings/{sitting}"), true),
        ("venue screen", format!("/sittings/{sitting}/screen"), true),
        ("report", format!("/campaigns/{seed}/report"), true),
        ("statistics", format!("/campaigns/{seed}/statistics"), true),
        ("integrity units", "/integrity/manage".to_string(), true),
        ("inspections", format!("/campaigns/{seed}/inspections"), true),
    ];
    let mut conn = Conn::open(addr).await?;
    for (what, path, signed_in) in pages {
        let headers = if signed_in { cookie.as_str() } else { "" };
        let t = timed_gets(&mut conn, &path, headers, 3, 40).await?;
        println!("page {what} ({path}): p50 {:.1} ms, p99 {:.1} ms", t.p50(), t.p99());
    }
    server.stop().await;
    Ok(())
}

/// On the PostgreSQL server of `url`, a database of the bench's own, dropped afterwards: the
/// database named in the URL is never written to.
struct ScratchDatabase {
    admin: sqlx::AnyPool,
    name: String,
    url: String,
}

impl ScratchDatabase {
    async fn create(server_url: &str) -> anyhow::Result<ScratchDatabase> {
        sqlx::any::install_default_drivers();
        let admin = sqlx::AnyPool::connect(server_url).await?;
        let name = format!("qinglian_bench_{}", hex::encode(rand::random::<[u8; 4]>()));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .context("基准测试需要在该 PostgreSQL 上新建临时库的权限（CREATEDB）")?;
        let mut url = url::Url::parse(server_url)?;
        url.set_path(&format!("/{name}"));
        Ok(ScratchDatabase { admin, name, url: url.to_string() })
    }

    /// Drops it, from the database of the URL given (one cannot drop the database one is in).
    async fn remove(self) {
        let dropped = sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
            .execute(&self.admin)
            .await;
        if let Err(e) = dropped {
            eprintln!("临时库 {} 未能删除：{e}", self.name);
        }
        self.admin.close().await;
    }
}

async fn run_on(url: Option<String>, plan: &Plan) -> anyhow::Result<String> {
    let scratch = match &url {
        Some(u) if u.starts_with("postgres") => Some(ScratchDatabase::create(u).await?),
        _ => None,
    };
    let dir = tempfile::tempdir()?;
    let mut config =
        Config::for_dir(dir.path().to_path_buf(), scratch.as_ref().map(|s| s.url.clone()).or(url));
    // All the load comes from one address here; the per-address limit would stop it at once.
    config.public_signatures_per_minute = 0;
    let app = crate::start(config).await?;
    let result = measure(app.clone(), plan).await;
    app.db.close().await;
    if let Some(s) = scratch {
        s.remove().await;
    }
    result
}

async fn measure(app: App, plan: &Plan) -> anyhow::Result<String> {
    let (rows, unit_count, seconds) = (plan.rows, plan.units, plan.seconds);
    let engine = format!("{:?}", app.db.engine).to_lowercase();
    println!("engine: {engine}");
    let (campaign_id, admin_password) = seed(&app, unit_count).await?;

    // 1. Roster import.
    let xlsx = roster_xlsx(&app, rows).await?;
    let (first, report) = timed_import(&app, &xlsx).await?;
    anyhow::ensure!(report.written && report.created == rows, "import wrote {} of {rows}", report.created);
    let (second, report) = timed_import(&app, &xlsx).await?;
    anyhow::ensure!(report.updated == rows, "re-import updated {} of {rows}", report.updated);
    say!(
        "roster import, {rows} rows (xlsx {} KiB): new {:.0} ms, re-import {:.0} ms",
        xlsx.len() / 1024,
        ms(first),
        ms(second)
    );

    // The server, as users meet it.
    let server = Server::start(&app).await?;
    let addr = server.addr;
    let session = auth::login(&app, "bench", &admin_password, "127.0.0.1")
        .await
        .and_then(auth::SignIn::session)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let auth_header = format!("Authorization: Bearer {}\r\n", session.token);

    // 2. Board latency.
    if plan.runs("board") {
        let board_path = format!("/api/v1/campaigns/{campaign_id}/board?per_page=50");
        let mut conn = Conn::open(addr).await?;
        let t = timed_gets(&mut conn, &board_path, &auth_header, 5, 300).await?;
        say!(
        "progress board, {unit_count} units × 10 activities ({} tasks): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        unit_count * 10,
        t.p50(),
        t.p99(),
        t.max()
    );
    }

    // 3. Sign-in under load, and the attendance view.
    if plan.runs("signin") {
        signin_load(&app, addr, &auth_header).await?;
    }

    // 4. Public pledge signing, and the wall at a million signatures.
    if plan.runs("pledge") {
        pledge_load(&app, addr).await?;
    }

    // 5. Totals over many placements and inspections.
    if plan.runs("totals") {
        totals_load(&app, addr, &auth_header).await?;
    }

    // 6. The report and the ledger at scale.
    if plan.runs("report") {
        report_load(&app, addr, &auth_header).await?;
    }

    // 7. Works: screening, search, the portal.
    if plan.runs("works") {
        works_load(&app, addr).await?;
    }

    // 8. A knowledge test handed in by 2,000 people at once.
    if plan.runs("quiz") {
        quiz_load(&app, addr).await?;
    }

    // 9. The live dashboard over every unit, with whatever the sections before left.
    if plan.runs("dashboard") {
        dashboard_load(&app, addr, &auth_header, campaign_id, unit_count).await?;
    }

    // 10. Throughput.
    for path in ["/healthz", "/login"].into_iter().filter(|_| plan.runs("throughput")) {
        let rps = throughput(addr, path, 32, Duration::from_secs(seconds)).await?;
        say!("{path}: {rps:.0} requests/s (32 connections, {seconds} s)");
    }
    server.stop().await;
    Ok(engine)
}

async fn timed_import(app: &App, xlsx: &[u8]) -> anyhow::Result<(Duration, roster::ImportReport)> {
    let t = Instant::now();
    let report = roster::import(
        app,
        &users::system_actor(),
        xlsx,
        "bench.xlsx",
        roster::ImportMode::All,
        crate::i18n::Lang::Zh,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    Ok((t.elapsed(), report))
}

/// Everyone on the imported roster signs in to one sitting at once; then a 5,000-person sitting's
/// attendance view is read repeatedly. Every acknowledged sign-in must be in the database.
async fn signin_load(app: &App, addr: std::net::SocketAddr, auth_header: &str) -> anyhow::Result<()> {
    let bench = auth::load_actor(
        app,
        users::id_by_name(app, "bench").await.map_err(|e| anyhow::anyhow!("{e:?}"))?,
        "bench",
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))?
    .context("bench user")?;
    let activity: i64 = sqlx::query_scalar("SELECT MIN(id) FROM activities").fetch_one(&app.db.pool).await?;
    let root: i64 =
        sqlx::query_scalar("SELECT id FROM units WHERE name = '基准市'").fetch_one(&app.db.pool).await?;
    let now = crate::db::now();
    let sitting = |title: &str, ranks: Vec<String>| crate::services::sittings::SittingInput {
        title: title.into(),
        kind: "warning".into(),
        host_unit_id: root,
        venue: "基准礼堂".into(),
        starts_at: crate::domain::format_datetime(now - 300),
        ends_at: crate::domain::format_datetime(now + 7200),
        capacity: 0,
        registration_required: false,
        public: false,
        one_device: false,
        geofence: None,
        audience: crate::services::sittings::Audience { ranks, ..Default::default() },
        task_id: None,
        opens_minutes_before: None,
        late_after_minutes: None,
    };
    let everyone = crate::services::sittings::create(
        app,
        &bench,
        activity,
        sitting("全员大会", vec!["科级".into(), "一般干部".into()]),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let section = crate::services::sittings::create(
        app,
        &bench,
        activity,
        sitting("科级干部大会", vec!["科级".into()]),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let people: Vec<(String, String)> = sqlx::query_as::<_, (String, String)>(
        "SELECT name, phone FROM people WHERE name LIKE '干部%' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await?
    .into_iter()
    .map(|(name, phone)| Ok((name, app.db.vault.open(&phone)?)))
    .collect::<crate::error::AppResult<_>>()
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    // Every phone scanned the screen and holds its own pass.
    let bodies: Vec<String> = people
        .iter()
        .map(|(name, phone)| {
            let pass = app.signer.pass(everyone, now);
            serde_json::json!({"pass": pass, "name": name, "last4": &phone[7..]}).to_string()
        })
        .collect();
    let total = bodies.len();
    let queue = std::sync::Arc::new(std::sync::Mutex::new(bodies));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..64 {
        let queue = queue.clone();
        workers.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await?;
            let mut latencies = Vec::new();
            loop {
                let Some(body) = queue.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.pop() else { break };
                let t = Instant::now();
                let status = conn.post_json("/api/v1/signin", &body).await?;
                latencies.push(t.elapsed());
                anyhow::ensure!(status == 200, "sign-in answered {status}");
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for w in workers {
        latencies.extend(w.await??);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM checkins WHERE sitting_id = $1")
        .bind(everyone)
        .fetch_one(&app.db.pool)
        .await?;
    anyhow::ensure!(stored as usize == total, "{stored} of {total} acknowledged sign-ins stored");
    say!(
        "QR sign-in, {total} people over 64 connections: {:.0} sign-ins/s, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; all {stored} stored",
        total as f64 / elapsed.as_secs_f64(),
        ms(latencies[latencies.len() / 2]),
        ms(latencies[latencies.len() * 99 / 100]),
        ms(latencies[latencies.len() - 1])
    );

    // Half of the section-rank sitting signs in, then its attendance is read as the organiser would.
    sqlx::query(&format!(
        "INSERT INTO checkins (sitting_id, attendee_key, person_id, name, method, checked_at)
         SELECT {section}, 'p:' || id, id, name, 'qr', {now} FROM people WHERE rank = '科级' AND id % 2 = 0"
    ))
    .execute(&app.db.pool)
    .await?;
    let path = format!("/api/v1/sittings/{section}/attendance");
    let mut conn = Conn::open(addr).await?;
    let t = timed_gets(&mut conn, &path, auth_header, 0, 100).await?;
    let expected: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM people WHERE rank = '科级'").fetch_one(&app.db.pool).await?;
    say!("attendance view, {expected}-person sitting: p50 {:.1} ms, p99 {:.1} ms", t.p50(), t.p99());
    Ok(())
}

/// Runs `bodies` as POSTs to `path` over 64 keep-alive connections; returns the elapsed time and
/// the sorted latencies. Every request must succeed.
/// Posts each (path, JSON body) over 64 connections; the time it took and each latency.
async fn post_load(
    addr: std::net::SocketAddr,
    requests: Vec<(String, String)>,
) -> anyhow::Result<(Duration, Vec<Duration>)> {
    let queue = std::sync::Arc::new(std::sync::Mutex::new(requests));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..64 {
        let queue = queue.clone();
        workers.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await?;
            let mut latencies = Vec::new();
            loop {
                let Some((path, body)) = queue.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.pop() else {
                    break;
                };
                let t = Instant::now();
                let status = conn.post_json(&path, &body).await?;
                latencies.push(t.elapsed());
                anyhow::ensure!(status == 200, "{path} answered {status}");
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::new();
    for w in workers {
        latencies.extend(w.await??);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Ok((elapsed, latencies))
}

async fn pledge_load(app: &App, addr: std::net::SocketAddr) -> anyhow::Result<()> {
    let root: i64 =
        sqlx::query_scalar("SELECT id FROM units WHERE name = '基准市'").fetch_one(&app.db.pool).await?;
    let pledge = |title: &str| crate::services::pledges::PledgeInput {
        title: title.into(),
        body: "一、坚持守法经营。二、不行贿、不送礼。".into(),
        host_unit_id: root,
        activity_id: None,
        public: true,
        audience: Default::default(),
    };
    let system = users::system_actor();
    let id = crate::services::pledges::create(app, &system, pledge("亲清政商关系承诺书"))
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let strokes = "[[[100,200],[200,120],[320,260],[450,140]],[[520,220],[700,200],[880,240]]]";
    let total = 20_000;
    let path = format!("/api/v1/pledges/{id}/sign");
    let requests: Vec<(String, String)> = (0..total)
        .map(|i| (path.clone(), serde_json::json!({"name": format!("企业家{i}"), "org": "基准公司", "phone": scattered_phone(i), "strokes": strokes, "consent": true}).to_string()))
        .collect();
    let (elapsed, latencies) = post_load(addr, requests).await?;
    let stored: i64 = sqlx::query_scalar("SELECT signature_count FROM pledges WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await?;
    anyhow::ensure!(stored == total as i64, "{stored} of {total} signatures stored");
    let chain = crate::services::signatures::verify_chain(app).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    anyhow::ensure!(chain.intact, "the chain does not verify");
    say!(
        "public pledge signing, {total} signatures over 64 connections: {:.0}/s, p50 {:.1} ms, p99 {:.1} ms; chain of {} verified",
        total as f64 / elapsed.as_secs_f64(),
        ms(latencies[latencies.len() / 2]),
        ms(latencies[latencies.len() * 99 / 100]),
        chain.signatures
    );

    // A million signatures on another pledge, written directly, then the wall read repeatedly.
    let big = crate::services::pledges::create(app, &system, pledge("廉洁自律承诺书"))
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let t = Instant::now();
    sqlx::query(&format!(
        "INSERT INTO signatures (subject, subject_id, version, signer_key, name, org, phone, method, svg, signed_at, code,
            content_digest, prev_digest, digest)
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
         SELECT 'pledge', {big}, 1, 'x:' || i, '签名人' || i, '', '', 'typed', '', {now} + i, 'B' || i, '', '', '' FROM n",
        now = crate::db::now()
    ))
    .execute(&app.db.pool)
    .await?;
    sqlx::query("UPDATE pledges SET signature_count = 1000000 WHERE id = $1")
        .bind(big)
        .execute(&app.db.pool)
        .await?;
    app.db.refresh_statistics("signatures").await;
    let loaded = t.elapsed();
    let mut conn = Conn::open(addr).await?;
    let t = timed_gets(&mut conn, &format!("/p/{big}/wall"), "", 0, 200).await?;
    say!(
        "signature wall at 1,000,000 signatures (loaded in {:.1} s): p50 {:.1} ms, p99 {:.1} ms",
        loaded.as_secs_f64(),
        t.p50(),
        t.p99()
    );
    Ok(())
}

async fn totals_load(app: &App, addr: std::net::SocketAddr, auth_header: &str) -> anyhow::Result<()> {
    let campaign: i64 = sqlx::query_scalar("SELECT MIN(id) FROM campaigns").fetch_one(&app.db.pool).await?;
    let (start, units): (String, i64) = (
        sqlx::query_scalar("SELECT start_date FROM campaigns WHERE id = $1")
            .bind(campaign)
            .fetch_one(&app.db.pool)
            .await?,
        sqlx::query_scalar("SELECT MIN(id) FROM units").fetch_one(&app.db.pool).await?,
    );
    let t = Instant::now();
    sqlx::query(&format!(
        "INSERT INTO placements (campaign_id, unit_id, material, channel, place, district, quantity, start_date, end_date, created_by, created_at)
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
         SELECT {campaign}, {units} + (i % 2000), CASE i % 6 WHEN 0 THEN 'slogan' WHEN 1 THEN 'banner' WHEN 2 THEN 'poster' WHEN 3 THEN 'board'
                WHEN 4 THEN 'hoarding' ELSE 'goods' END,
                CASE i % 4 WHEN 0 THEN 'online' WHEN 1 THEN 'public_place' WHEN 2 THEN 'transport' ELSE 'screen' END,
                '地点' || i, '区域' || (i % 12), 1 + i % 50, '{start}', '{start}', 1, 0 FROM n"
    ))
    .execute(&app.db.pool)
    .await?;
    sqlx::query(&format!(
        "INSERT INTO inspections (campaign_id, inspected_on, unit_id, focus, team, summary, created_by, created_at)
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
         SELECT {campaign}, '2022-0' || (3 + i % 4) || '-15', {units} + (i % 2000),
                CASE i % 3 WHEN 0 THEN '疫情防控纪律' WHEN 1 THEN '防疫物资管理' ELSE '值班值守' END, '检查组', '', 1, 0 FROM n"
    ))
    .execute(&app.db.pool)
    .await?;
    sqlx::query(
        "INSERT INTO findings (inspection_id, category, severity, description, owner_unit_id, deadline, status)
         SELECT id, '值班值守', 'low', '值班记录不完整', unit_id, '2022-06-30', CASE WHEN id % 3 = 0 THEN 'open' ELSE 'closed' END
         FROM inspections WHERE id % 2 = 0",
    )
    .execute(&app.db.pool)
    .await?;
    for table in ["placements", "inspections", "findings"] {
        app.db.refresh_statistics(table).await;
    }
    let loaded = t.elapsed();
    let mut conn = Conn::open(addr).await?;
    for (what, path) in [
        ("publicity totals, 100,000 placements", format!("/api/v1/campaigns/{campaign}/placements/totals")),
        (
            "inspection statistics, 10,000 inspections",
            format!("/api/v1/campaigns/{campaign}/inspections/statistics"),
        ),
    ] {
        let t = timed_gets(&mut conn, &path, auth_header, 0, 60).await?;
        say!(
            "{what} (data loaded in {:.1} s): p50 {:.1} ms, p99 {:.1} ms",
            loaded.as_secs_f64(),
            t.p50(),
            t.p99()
        );
    }
    Ok(())
}

/// The dashboard's figures computed afresh (what each server does every two seconds while a
/// screen is open), and as a screen's request meets them.
async fn dashboard_load(
    app: &App,
    addr: std::net::SocketAddr,
    auth_header: &str,
    campaign: i64,
    units: usize,
) -> anyhow::Result<()> {
    let mut samples = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        crate::services::dashboard::compute(app, campaign, false)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        samples.push(t.elapsed());
    }
    samples.sort();
    let fresh = Latencies(samples);
    let mut conn = Conn::open(addr).await?;
    let served =
        timed_gets(&mut conn, &format!("/api/v1/campaigns/{campaign}/dashboard"), auth_header, 5, 300)
            .await?;
    say!(
        "dashboard, {units} units: computed afresh p50 {:.1} ms, p99 {:.1} ms; served p50 {:.2} ms, p99 {:.2} ms",
        fresh.p50(),
        fresh.p99(),
        served.p50(),
        served.p99()
    );
    Ok(())
}

/// 200,000 sign-ins over 20 sittings of the campaign and its pledge of a million signatures,
/// then the report's draft and DOCX, and the ledger workbook, as the organiser downloads them.
async fn report_load(app: &App, addr: std::net::SocketAddr, auth_header: &str) -> anyhow::Result<()> {
    let campaign: i64 = sqlx::query_scalar("SELECT MIN(id) FROM campaigns").fetch_one(&app.db.pool).await?;
    let activity: i64 = sqlx::query_scalar("SELECT MIN(id) FROM activities WHERE campaign_id = $1")
        .bind(campaign)
        .fetch_one(&app.db.pool)
        .await?;
    let root: i64 =
        sqlx::query_scalar("SELECT id FROM units WHERE name = '基准市'").fetch_one(&app.db.pool).await?;
    // The million-signature pledge belongs to the campaign's first activity.
    sqlx::query("UPDATE pledges SET activity_id = $1 WHERE signature_count >= 1000000")
        .bind(activity)
        .execute(&app.db.pool)
        .await?;
    let t = Instant::now();
    let now = crate::db::now();
    let mut sittings = Vec::new();
    for i in 0..20 {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sittings (activity_id, title, kind, host_unit_id, venue, starts_at, ends_at, created_by, created_at)
             VALUES ($1, $2, 'lecture', $3, '基准礼堂', $4, $5, 0, $4) RETURNING id",
        )
        .bind(activity)
        .bind(format!("基准宣讲第{}场", i + 1))
        .bind(root)
        .bind(now - 86_400 * (i as i64 % 7))
        .bind(now - 86_400 * (i as i64 % 7) + 7200)
        .fetch_one(&app.db.pool)
        .await?;
        sittings.push(id);
    }
    let first = sittings[0];
    sqlx::query(&format!(
        "INSERT INTO checkins (sitting_id, attendee_key, name, method, checked_at)
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
         SELECT {first} + i % 20, 'r:bench' || i, '听众' || i, 'qr', {now} - i % 86400 FROM n"
    ))
    .execute(&app.db.pool)
    .await?;
    app.db.refresh_statistics("checkins").await;
    say!("report data: 200,000 sign-ins over 20 sittings loaded in {:.1} s", t.elapsed().as_secs_f64());

    let mut conn = Conn::open(addr).await?;
    for (what, path) in [
        ("report draft (JSON)", format!("/api/v1/campaigns/{campaign}/report")),
        ("report DOCX (draft included)", format!("/api/v1/campaigns/{campaign}/documents/report.docx")),
    ] {
        let t = timed_gets(&mut conn, &path, auth_header, 0, 10).await?;
        say!(
            "{what}, 2,000 units, 1,000,000 signatures, 200,000 sign-ins: p50 {:.0} ms, max {:.0} ms",
            t.p50(),
            t.max()
        );
    }
    // The activity's workbook holds its 220,000 sign-ins; the campaign's adds every placement
    // and inspection besides.
    let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql).fetch_one(&app.db.pool);
    let sign_ins = count("SELECT COUNT(*) FROM checkins").await?;
    let everything = sign_ins
        + count("SELECT (SELECT COUNT(*) FROM ledger_entries) + (SELECT COUNT(*) FROM signatures WHERE subject = 'material')
                 + (SELECT COUNT(*) FROM placements) + (SELECT COUNT(*) FROM inspections)")
            .await?;
    for (what, rows, query) in [
        ("the activity's", sign_ins, format!("?activity={activity}")),
        ("the campaign's", everything, String::new()),
    ] {
        let rss_before = resident_kib();
        let t = Instant::now();
        let status =
            conn.get(&format!("/api/v1/campaigns/{campaign}/ledger.xlsx{query}"), auth_header).await?;
        anyhow::ensure!(status == 200, "ledger answered {status}");
        say!(
            "ledger workbook, {what}, {rows} rows: {:.0} ms; resident memory {} → {} MiB",
            ms(t.elapsed()),
            rss_before / 1024,
            resident_kib() / 1024
        );
    }
    Ok(())
}

/// Text of `len` characters drawn from common characters, with 廉洁 now and then.
fn bench_text(rng: &mut impl rand::Rng, len: usize) -> String {
    const POOL: &str = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞";
    let chars: Vec<char> = POOL.chars().collect();
    let mut s: String = (0..len).map(|_| chars[rng.gen_range(0..chars.len())]).collect();
    if rng.gen_bool(0.3) {
        s.insert_str(rng.gen_range(0..len) * 3, "廉洁");
    }
    s
}

/// 50,000 stored works (with their MinHash bands) against which new entries are screened, a
/// search index of 100,000 works, and the portal's home.
async fn works_load(app: &App, addr: std::net::SocketAddr) -> anyhow::Result<()> {
    use crate::domain::screening;
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(2022);
    let campaign: i64 = sqlx::query_scalar("SELECT MIN(id) FROM campaigns").fetch_one(&app.db.pool).await?;
    sqlx::query("UPDATE campaigns SET status = 'published' WHERE id = $1")
        .bind(campaign)
        .execute(&app.db.pool)
        .await?;
    let t = Instant::now();
    let stored = 50_000;
    for chunk in 0..stored / 500 {
        let mut tx = app.db.begin().await?;
        let mut bands = Vec::new();
        for i in 0..500 {
            let body = bench_text(&mut rng, 80);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO works (author, title, body, status, created_at, updated_at) VALUES ($1, $2, $3, 'reference', 0, 0) RETURNING id",
            )
            .bind(format!("作者{}", chunk * 500 + i))
            .bind(format!("作品{}", chunk * 500 + i))
            .bind(&body)
            .fetch_one(&mut *tx)
            .await?;
            let sig = screening::minhash(&screening::shingles(&screening::normalise(&body).chars));
            bands.extend(screening::band_keys(&sig).into_iter().map(|b| format!("({b}, {id})")));
        }
        for part in bands.chunks(2_000) {
            sqlx::query(&format!("INSERT INTO work_bands (band_key, work_id) VALUES {}", part.join(", ")))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    }
    app.db.refresh_statistics("work_bands").await;
    let loaded = t.elapsed();
    // A call open now, and entries screened on their way in: half are fresh, half copy a stored work.
    let system = users::system_actor();
    let fmt = |d: i64| crate::domain::format_datetime(crate::db::now() + d);
    let call = crate::services::works::create_call(
        app,
        &system,
        crate::services::works::CallInput {
            campaign_id: campaign,
            activity_id: None,
            title: "基准征集".into(),
            rules: String::new(),
            genres: vec![crate::services::works::Genre {
                code: "poem".into(),
                name: "诗歌".into(),
                min_chars: 8,
                max_chars: 2000,
            }],
            groups: vec!["adult".into()],
            opens_at: fmt(-3600),
            closes_at: fmt(3600),
            criteria: vec![crate::services::works::Criterion {
                id: 0,
                name: "内容".into(),
                weight: 1,
                max_score: 10,
            }],
            jurors: vec!["bench".into()],
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let copies: Vec<String> =
        sqlx::query_scalar("SELECT body FROM works WHERE status = 'reference' ORDER BY id LIMIT 100")
            .fetch_all(&app.db.pool)
            .await?;
    let mut samples = Vec::new();
    let mut flagged = 0;
    for i in 0..200 {
        let body = if i % 2 == 0 { bench_text(&mut rng, 80) } else { copies[i / 2].clone() };
        let input = crate::services::works::SubmissionInput {
            author: "基准作者".into(),
            contact: format!("139{i:08}"),
            group: "adult".into(),
            genre: "poem".into(),
            title: format!("来稿{i}"),
            body,
            declaration: true,
            consent: true,
            notice: None,
            ..Default::default()
        };
        let t = Instant::now();
        let r = crate::services::works::submit(app, call, input, &format!("10.1.{}.{}", i / 200, i % 200))
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        samples.push(t.elapsed());
        let similar: Option<i64> = sqlx::query_scalar("SELECT similar_to FROM works WHERE id = $1")
            .bind(r.work_id)
            .fetch_one(&app.db.pool)
            .await?;
        flagged += similar.is_some() as usize;
    }
    anyhow::ensure!(flagged == 100, "{flagged} of 100 copies flagged");
    samples.sort();
    say!(
        "submission screened against {stored} works (loaded in {:.1} s): p50 {:.1} ms, p99 {:.1} ms; 100 of 100 copies flagged, no fresh entry",
        loaded.as_secs_f64(),
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() * 99 / 100])
    );

    // The search index: 100,000 works.
    let t = Instant::now();
    let mut tx = app.db.begin().await?;
    for i in 0..100_000i64 {
        let body = bench_text(&mut rng, 60);
        crate::services::search::put(&mut tx, app.db.engine, "bench", i, &format!("作品{i}"), "", &body)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        if i % 5_000 == 4_999 {
            tx.commit().await?;
            tx = app.db.begin().await?;
        }
    }
    tx.commit().await?;
    app.db.refresh_statistics("search_index").await;
    let loaded = t.elapsed();
    let mut conn = Conn::open(addr).await?;
    for (what, q) in
        [("廉洁", "%E5%BB%89%E6%B4%81"), ("国家", "%E5%9B%BD%E5%AE%B6"), ("作品123", "%E4%BD%9C%E5%93%81123")]
    {
        let t = timed_gets(&mut conn, &format!("/api/v1/search?q={q}"), "", 0, 200).await?;
        say!(
            "search \"{what}\" over 100,000 works (indexed in {:.1} s): p50 {:.1} ms, p99 {:.1} ms",
            loaded.as_secs_f64(),
            t.p50(),
            t.p99()
        );
    }
    let mut samples = Vec::new();
    for _ in 0..300 {
        let t = Instant::now();
        anyhow::ensure!(conn.get("/portal", "").await? == 200, "portal failed");
        samples.push(t.elapsed());
    }
    samples.sort();
    say!(
        "portal home: p50 {:.1} ms, p99 {:.1} ms",
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() * 99 / 100])
    );
    Ok(())
}

/// This process's resident memory, from /proc (0 elsewhere).
fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(|l| l.to_string()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// The real HTTP server on a loopback port, as users meet it.
struct Server {
    addr: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(app: &App) -> anyhow::Result<Server> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(crate::http::run(listener, app.clone(), async {
            let _ = stopped.await;
        }));
        Ok(Server { addr, stop, task })
    }
    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Response times of GETs on one connection, sorted.
struct Latencies(Vec<Duration>);

impl Latencies {
    fn p50(&self) -> f64 {
        ms(self.0[self.0.len() / 2])
    }
    fn p99(&self) -> f64 {
        ms(self.0[self.0.len() * 99 / 100])
    }
    fn max(&self) -> f64 {
        ms(self.0[self.0.len() - 1])
    }
}

/// `n` timed GETs of `path` after `warm` untimed ones, each of which must answer 200.
async fn timed_gets(
    conn: &mut Conn,
    path: &str,
    headers: &str,
    warm: usize,
    n: usize,
) -> anyhow::Result<Latencies> {
    for _ in 0..warm {
        conn.get(path, headers).await?;
    }
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let status = conn.get(path, headers).await?;
        samples.push(t.elapsed());
        anyhow::ensure!(status == 200, "{path} answered {status}");
    }
    samples.sort();
    Ok(Latencies(samples))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A city of `unit_count` units under one root, a campaign with ten activities, and one
/// assignment per activity to every unit, with statuses spread across the workflow.
async fn seed(app: &App, unit_count: usize) -> anyhow::Result<(i64, String)> {
    let password = "Bench#2022pass".to_string();
    let system = users::system_actor();
    let bench_user = users::NewUser {
        username: "bench".into(),
        display_name: "Bench".into(),
        password: Some(password.clone()),
        role: Some("organiser".into()),
        unit_id: None,
        person_phone: None,
    };
    users::add(app, &system, bench_user).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut tx = app.db.begin().await?;
    let root = units::insert(&mut tx, "基准市", "city", None).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let root_path = format!("/{root}/");
    for i in 0..unit_count {
        units::insert(&mut tx, &format!("基准单位{i:05}"), "department", Some((root, &root_path)))
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    tx.commit().await?;
    let bench_actor = auth::load_actor(
        app,
        users::id_by_name(app, "bench").await.map_err(|e| anyhow::anyhow!("{e:?}"))?,
        "bench",
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))?
    .context("bench user")?;
    let campaign = campaigns::create(
        app,
        &bench_actor,
        campaigns::CampaignInput {
            title: "基准宣传周".into(),
            year: 2022,
            theme: String::new(),
            start_date: "2022-05-16".into(),
            end_date: "2022-05-22".into(),
            guiding_text: String::new(),
            requirements: String::new(),
            issuer_unit_id: Some(root),
            themes: vec![],
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    for a in 0..10 {
        let activity = campaigns::add_activity(
            app,
            &bench_actor,
            campaign,
            campaigns::ActivityInput {
                kind: "custom".into(),
                title: format!("活动{a}"),
                lead_unit_id: root,
                co_unit_ids: vec![],
                description: String::new(),
                audience: String::new(),
                start_date: "2022-05-16".into(),
                end_date: "2022-05-22".into(),
                theme_ids: vec![],
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        campaigns::assign(
            app,
            &bench_actor,
            activity,
            campaigns::AssignmentInput {
                title: format!("任务{a}"),
                description: String::new(),
                due_date: if a % 2 == 0 { "2022-06-05".into() } else { "2099-06-05".into() },
                targets: campaigns::Targets::Below { unit_id: root },
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    }
    sqlx::query("UPDATE tasks SET status = CASE id % 4 WHEN 0 THEN 'accepted' WHEN 1 THEN 'submitted' WHEN 2 THEN 'returned' ELSE 'pending' END")
        .execute(&app.db.pool)
        .await?;
    Ok((campaign, password))
}

/// An XLSX roster of `rows` people spread over the seeded units, with a title row as offices make them.
async fn roster_xlsx(app: &App, rows: usize) -> anyhow::Result<Vec<u8>> {
    let unit_names: Vec<String> =
        sqlx::query_scalar("SELECT name FROM units WHERE type_code = 'department' ORDER BY id")
            .fetch_all(&app.db.pool)
            .await?;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "基准市干部花名册")?;
    for (c, h) in ["序号", "姓名", "单位", "职务", "职级", "手机号", "是否党员", "工号"].iter().enumerate()
    {
        sheet.write_string(1, c as u16, *h)?;
    }
    for i in 0..rows {
        let r = (i + 2) as u32;
        sheet.write_number(r, 0, (i + 1) as f64)?;
        sheet.write_string(r, 1, format!("干部{i}"))?;
        sheet.write_string(r, 2, &unit_names[i % unit_names.len()])?;
        sheet.write_string(r, 3, "科员")?;
        sheet.write_string(r, 4, if i % 4 == 0 { "科级" } else { "一般干部" })?;
        sheet.write_number(r, 5, (13_000_000_000u64 + i as u64) as f64)?;
        sheet.write_string(r, 6, if i % 3 == 0 { "否" } else { "是" })?;
        sheet.write_string(r, 7, format!("B{i:07}"))?;
    }
    Ok(book.save_to_buffer()?)
}

/// One keep-alive HTTP/1.1 connection; enough of the protocol for our own server's replies.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(addr: std::net::SocketAddr) -> anyhow::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn { stream, buf: Vec::with_capacity(64 * 1024) })
    }

    async fn get(&mut self, path: &str, extra_headers: &str) -> anyhow::Result<u16> {
        let req = format!("GET {path} HTTP/1.1\r\nHost: bench\r\n{extra_headers}\r\n");
        self.send(req.as_bytes()).await
    }

    async fn post_json(&mut self, path: &str, body: &str) -> anyhow::Result<u16> {
        let req = format!(
            "POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.send(req.as_bytes()).await
    }

    async fn send(&mut self, req: &[u8]) -> anyhow::Result<u16> {
        self.stream.write_all(req).await?;
        // Read the head, then exactly Content-Length bytes of body.
        let head_end = loop {
            if let Some(p) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
            self.fill().await?;
        };
        let head = String::from_utf8_lossy(&self.buf[..head_end]).to_string();
        let status: u16 = head.split(' ').nth(1).and_then(|s| s.parse().ok()).context("bad status line")?;
        let len: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string())
            })
            .and_then(|v| v.parse().ok())
            .context("no content-length")?;
        while self.buf.len() < head_end + len {
            self.fill().await?;
        }
        self.buf.drain(..head_end + len);
        Ok(status)
    }

    async fn fill(&mut self) -> anyhow::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        anyhow::ensure!(n > 0, "connection closed");
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

/// 2,000 of the public, each with a paper of ten questions drawn (the drawing timed too), hand
/// them in with their answers at once: submissions/s, each saving ten answers and scoring.
async fn quiz_load(app: &App, addr: std::net::SocketAddr) -> anyhow::Result<()> {
    use crate::services::quiz::{self, bank};
    let e = |e: crate::error::AppError| anyhow::anyhow!("{e:?}");
    let system = users::system_actor();
    let (activity, campaign, host): (i64, i64, i64) =
        sqlx::query_as("SELECT a.id, a.campaign_id, a.lead_unit_id FROM activities a ORDER BY a.id LIMIT 1")
            .fetch_one(&app.db.pool)
            .await?;
    for category in ["监察法", "廉洁自律"] {
        for i in 0..30 {
            let q = bank::QuestionInput {
                category: category.into(),
                kind: if i % 3 == 0 { "multiple" } else { "single" }.into(),
                stem: format!("{category}基准题{i}"),
                options: ["甲", "乙", "丙", "丁"].iter().map(|s| s.to_string()).collect(),
                answer: if i % 3 == 0 { "AC".into() } else { "B".into() },
                explanation: String::new(),
                source: String::new(),
            };
            bank::add(app, &system, campaign, &q).await.map_err(e)?;
        }
    }
    let draw =
        ["监察法", "廉洁自律"].iter().map(|c| quiz::Draw { category: c.to_string(), count: 5 }).collect();
    let input = quiz::QuizInput {
        title: "基准测试".into(),
        intro: String::new(),
        draw,
        minutes: 30,
        attempts: 1,
        pass_score: 60,
        host_unit_id: host,
        public: true,
        audience: Default::default(),
    };
    let q = quiz::get(app, quiz::create(app, &system, activity, input).await.map_err(e)?).await.map_err(e)?;
    let total = 2_000;
    let t = Instant::now();
    let mut requests = Vec::with_capacity(total);
    for i in 0..total {
        let taker = quiz::Taker::Public {
            name: format!("答题人{i}"),
            phone: scattered_phone(i),
            consent: "quiz/1".into(),
            resume: None,
        };
        let secret = quiz::open_paper(app, &q, &taker, None, "bench").await.map_err(e)?;
        let paper = quiz::paper(app, &secret).await.map_err(e)?;
        let answers: Vec<serde_json::Value> = paper
            .items
            .iter()
            .map(|item| serde_json::json!({"position": item.position, "answer": [item.options[i % 4].value]}))
            .collect();
        let body = serde_json::json!({"answers": answers}).to_string();
        requests.push((format!("/api/v1/quiz-papers/{secret}/submit"), body));
    }
    let drawn = t.elapsed();
    let (elapsed, latencies) = post_load(addr, requests).await?;
    let scored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM quiz_attempts WHERE quiz_id = $1 AND submitted_at > 0")
            .bind(q.id)
            .fetch_one(&app.db.pool)
            .await?;
    anyhow::ensure!(scored == total as i64, "{scored} of {total} papers scored");
    let t = Instant::now();
    let (_, results) = quiz::results::results(app, &system, q.id).await.map_err(e)?;
    let results_ms = ms(t.elapsed());
    say!(
        "knowledge test, {total} papers of 10 drawn in {:.1} s ({:.0}/s); handed in with 10 answers each over 64 connections: {:.0} submissions/s, p50 {:.1} ms, p99 {:.1} ms; results over {} takers {:.0} ms",
        drawn.as_secs_f64(),
        total as f64 / drawn.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        ms(latencies[latencies.len() / 2]),
        ms(latencies[latencies.len() * 99 / 100]),
        results.totals.took,
        results_ms
    );
    Ok(())
}

async fn throughput(
    addr: std::net::SocketAddr,
    path: &str,
    connections: usize,
    duration: Duration,
) -> anyhow::Result<f64> {
    let deadline = Instant::now() + duration;
    let mut workers = Vec::new();
    for _ in 0..connections {
        let path = path.to_string();
        workers.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await?;
            let mut n = 0u64;
            while Instant::now() < deadline {
                let status = conn.get(&path, "").await?;
                anyhow::ensure!(status == 200, "{path} answered {status}");
                n += 1;
            }
            anyhow::Ok(n)
        }));
    }
    let mut total = 0;
    for w in workers {
        total += w.await??;
    }
    Ok(total as f64 / duration.as_secs_f64())
}

/// The `i`th of distinct phone numbers in no order, as real signers' are (numbers in sequence
/// would flatter every index they go into).
fn scattered_phone(i: usize) -> String {
    format!("139{:08}", (i as u64 * 48_271 + 12_345) % 100_000_000)
}
