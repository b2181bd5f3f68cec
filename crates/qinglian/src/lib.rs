//! Qinglian (清廉): a city's integrity-building campaigns, end to end.
//!
//! # Layout
//! - [`domain`]: plain types and rules (dates, phones, passwords, roles); no I/O.
//! - [`services`]: one function per use case. Each checks permission, validates, runs one
//!   transaction and writes its audit record in it. Pages and the API both call these.
//! - [`http`]: axum router; `pages` (askama HTML, Chinese first) and `api` (JSON + OpenAPI).
//! - [`db`]: the SQLite / PostgreSQL pool, migrations per engine, write transactions.
//! - [`storage`]: uploaded and generated files behind one interface: a local directory, the
//!   database, or an S3-compatible store.
//! - [`backup`]: the instance (tables and files) to one archive and back.
//! - [`vault`]: personal data sealed with SM4-GCM, blind indexes (HMAC-SM3), key rotation.
//! - [`signing`]: the signed short-lived tokens of QR sign-in and certificates.
//! - [`i18n`]: the message catalogue (`locales.toml`), Simplified Chinese and English.
//! - [`documents`]: documents handed out (certificates as PDF).
//! - [`demo`]: the made-up city 清河市 and the seed's 2022 campaign.
//! - [`bench`]: the benchmarks behind `qinglian bench`.
//!
//! [`start`] wires it together so that the binary, the tests and the benchmarks start the very
//! same server.

pub mod backup;
pub mod bench;
pub mod config;
pub mod db;
pub mod demo;
pub mod documents;
pub mod domain;
pub mod error;
pub mod http;
pub mod i18n;
pub mod services;
pub mod signing;
pub mod storage;
pub mod vault;

use std::sync::Arc;

use config::Config;
use services::App;

/// Connects to the database, runs migrations and opens the file store.
pub async fn start(config: Config) -> anyhow::Result<App> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)?;
    }
    let db = db::Db::connect(&config.database_url).await?;
    let lock = db.startup_lock().await?;
    db.migrate().await?;
    services::audit::guard_triggers(&db).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    services::signatures::digest_legacy_texts(&db).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    if db.vault.load(&db, vault::master_key(&config.master_key_file, &db).await?).await? {
        // A database from before sealing: its personal data is sealed now, once, and the space
        // the plaintext held is rewritten.
        if vault::reseal(&db).await? > 0 {
            vault::scrub(&db).await?;
        }
    }
    lock.release().await?;
    let files = storage::open(&config, &db)?;
    let signer = signing::Signer::load(&db).await?;
    // SQLite has one writer; on PostgreSQL sign-ins overlap up to their audit rows. Signatures
    // wait on their own chain's head from their first statement, so one lane is all they use.
    let checkin_lanes = if db.engine == db::Engine::Postgres { 3 } else { 1 };
    let checkins = Arc::new(services::batch::Batcher::start(db.clone(), checkin_lanes));
    let throttle = Arc::new(services::throttle::Throttle::start(&db));
    let delivery = Arc::new(services::outbox::Delivery::new(&config.delivery)?);
    vault::keep_fresh(&db);
    Ok(App {
        signatures: Arc::new(services::batch::Batcher::start(db.clone(), 1)),
        checkins,
        db,
        files: Arc::from(files),
        config: Arc::new(config),
        signer: Arc::new(signer),
        door: Default::default(),
        pledges: Arc::new(services::recent::Recent::new(std::time::Duration::from_secs(2))),
        portal: Default::default(),
        dashboards: Arc::new(services::recent::Recent::new(services::dashboard::FRESH_FOR)),
        dashboard_streams: Arc::new(tokio::sync::Semaphore::new(services::dashboard::MAX_STREAMS)),
        throttle,
        jobs: Default::default(),
        delivery,
    })
}
