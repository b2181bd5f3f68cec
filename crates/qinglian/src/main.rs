//! The `qinglian` command: serve, migrate, import, user, report, bench.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use qinglian::config::{Config, Overrides};
use qinglian::domain::Role;
use qinglian::services::{outbox, roster, users};

/// mimalloc gives large blocks (argon2's 19 MiB, uploads) back to the system once freed, where
/// glibc keeps one arena's worth per thread: under a flood that is the difference between a
/// bounded server and one that grows with every thread it ever ran.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "qinglian", version, about = "清廉建设平台 · Integrity campaign platform")]
struct Cli {
    /// Directory for the embedded database and uploaded files.
    #[arg(long, global = true, env = "QINGLIAN_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// sqlite:PATH or postgres://… (default: SQLite in the data directory).
    #[arg(long, global = true, env = "QINGLIAN_DATABASE_URL")]
    database_url: Option<String>,
    /// Where files live: local, database or s3://bucket/prefix (default: local with SQLite,
    /// database with PostgreSQL).
    #[arg(long, global = true, env = "QINGLIAN_STORAGE")]
    storage: Option<String>,
    /// Optional TOML configuration file.
    #[arg(long, global = true, env = "QINGLIAN_CONFIG")]
    config: Option<PathBuf>,
    /// The master key file (default: master.key in the data directory, created on a new instance).
    #[arg(long, global = true, env = "QINGLIAN_MASTER_KEY_FILE")]
    master_key_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "QINGLIAN_BIND")]
        bind: Option<SocketAddr>,
        /// On an empty database, load the demo city and campaign.
        #[arg(long)]
        demo: bool,
        /// Minutes of inactivity before a session ends.
        #[arg(long, env = "QINGLIAN_IDLE_TIMEOUT_MINUTES")]
        idle_timeout_minutes: Option<i64>,
        /// Sessions one account may hold at once; signing in beyond it ends the oldest (0: no limit).
        #[arg(long, env = "QINGLIAN_MAX_SESSIONS_PER_USER")]
        max_sessions_per_user: Option<i64>,
        /// Behind a load balancer: trust X-Forwarded-For and X-Forwarded-Proto.
        #[arg(long, env = "QINGLIAN_TRUST_PROXY")]
        trust_proxy: Option<bool>,
        /// Always mark cookies Secure (HTTPS only).
        #[arg(long, env = "QINGLIAN_SECURE_COOKIES")]
        secure_cookies: Option<bool>,
        /// Serve Prometheus metrics at /metrics on this (private) address.
        #[arg(long, env = "QINGLIAN_METRICS_BIND")]
        metrics_bind: Option<SocketAddr>,
        /// required (administrators, auditors and organisers sign in with a second factor; the
        /// default) or optional (the default with --demo).
        #[arg(long, env = "QINGLIAN_SECOND_FACTOR")]
        second_factor: Option<String>,
        /// Serve HTTPS with this PEM certificate chain (with --tls-key).
        #[arg(long, env = "QINGLIAN_TLS_CERT")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of --tls-cert.
        #[arg(long, env = "QINGLIAN_TLS_KEY")]
        tls_key: Option<PathBuf>,
    },
    /// Create or update the database schema, then exit.
    Migrate,
    /// Import a roster (XLSX, XLS or CSV with Chinese headers).
    Import {
        file: PathBuf,
        /// preview, all (nothing written if any row is invalid) or valid_only.
        #[arg(long, default_value = "all")]
        mode: String,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Recompute the SM3 chain of every signature; exits 1 if anything was altered or deleted.
    VerifyChain,
    /// Show the messages waiting for delivery; with --deliver log, write them to the log and mark
    /// them sent (a gateway channel plugs in the same way).
    Outbox {
        #[arg(long)]
        deliver: Option<String>,
    },
    /// Write a campaign's summary report and notice (DOCX and PDF) and its ledger (XLSX) to a
    /// folder: the same documents the report page gives.
    Report {
        /// The campaign's id (default: the latest campaign).
        #[arg(long)]
        campaign: Option<i64>,
        /// The folder to write into.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Manage where files are kept.
    Storage {
        #[command(subcommand)]
        action: StorageAction,
    },
    /// Write a consistent snapshot of the instance (every table and every file), taken while it
    /// runs, to one archive with a manifest and checksums.
    Backup {
        #[arg(long)]
        out: PathBuf,
    },
    /// Restore an archive into an empty database and storage (either engine), then check every
    /// count, file and both SM3 chains.
    Restore { file: PathBuf },
    /// Archive the audit log (records are never deleted; an archive is the sealed copy kept
    /// off-line).
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// The keys personal data is sealed with (SM4-GCM under a master key kept outside the database).
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Measure roster import, the progress board, sign-in and request throughput.
    Bench {
        #[arg(long, default_value_t = 20_000)]
        rows: usize,
        #[arg(long, default_value_t = 2_000)]
        units: usize,
        /// Seconds of load for each throughput measurement.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Run on each engine in turn and print them side by side: sqlite, postgres or both
        /// (`sqlite,postgres`; PostgreSQL's server from --database-url). The bench always works
        /// in a database of its own, dropped afterwards.
        #[arg(long, value_delimiter = ',')]
        engines: Vec<String>,
        /// Only the page latencies, on the demo (SQLite).
        #[arg(long)]
        pages: bool,
        /// Only these sections (the roster import always runs): board, signin, pledge, totals,
        /// report, works, quiz, dashboard, throughput.
        #[arg(long, value_delimiter = ',', value_parser = clap::builder::PossibleValuesParser::new(qinglian::bench::SECTIONS))]
        only: Vec<String>,
    },
}

#[derive(Subcommand)]
enum KeysAction {
    /// Write a new random master key to FILE (mode 0600); never overwrites.
    Generate { file: PathBuf },
    /// A new data key, and every sealed value re-sealed under it while the servers run.
    Rotate {
        /// Only one server uses the database (or none runs): skip waiting for the others to load
        /// the new key.
        #[arg(long)]
        single_server: bool,
    },
    /// Wrap the data keys under the master key in FILE instead; then give every server FILE.
    Rewrap { file: PathBuf },
}

#[derive(Subcommand)]
enum AuditAction {
    /// Write every record older than the given days (and every one chained between them) to
    /// FILE, sealed with HMAC-SM3; never overwrites.
    Archive {
        #[arg(long, default_value_t = 180)]
        older_than_days: u32,
        #[arg(long)]
        out: PathBuf,
    },
    /// Check an archive: its chain, its seal, and that the live log holds the same records.
    VerifyArchive { file: PathBuf },
}

#[derive(Subcommand)]
enum StorageAction {
    /// Copy every file to another store (local, database or s3://bucket/prefix), each checked
    /// against its digest; then set `storage` to it and restart the servers.
    Migrate {
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Add an account; without --password a random one is printed and must be changed at first sign-in.
    Add {
        username: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        password: Option<String>,
    },
    /// Set a new password (the user must change it at next sign-in unless --password is given).
    ResetPassword {
        username: String,
        #[arg(long)]
        password: Option<String>,
    },
    /// Grant a role: admin (系统管理员), security_admin (安全管理员), auditor (审计管理员),
    /// organiser, unit_admin (needs --unit) or member. One account holds at most one of the first three.
    Grant {
        username: String,
        role: String,
        #[arg(long)]
        unit: Option<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_env("QINGLIAN_LOG")
            .unwrap_or_else(|_| "qinglian=info,warn".into())
    };
    // Logs go to stderr, so what a command prints stays its own; one JSON object a line for a
    // log collector, on request.
    let logs = tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter());
    if std::env::var("QINGLIAN_LOG_FORMAT").as_deref() == Ok("json") {
        logs.json().init();
    } else {
        logs.init();
    }
    let cli = Cli::parse();
    let mut over = Overrides {
        data_dir: cli.data_dir,
        database_url: cli.database_url,
        config_file: cli.config,
        storage: cli.storage,
        master_key_file: cli.master_key_file,
        ..Overrides::default()
    };
    match cli.command {
        Command::Serve {
            bind,
            demo,
            idle_timeout_minutes,
            max_sessions_per_user,
            trust_proxy,
            secure_cookies,
            metrics_bind,
            second_factor,
            tls_cert,
            tls_key,
        } => {
            over.second_factor = second_factor;
            over.tls_cert = tls_cert;
            over.tls_key = tls_key;
            over.relaxed = demo;
            over.metrics_bind = metrics_bind;
            over.bind = bind;
            over.idle_timeout_minutes = idle_timeout_minutes;
            over.max_sessions_per_user = max_sessions_per_user;
            over.trust_proxy = trust_proxy;
            over.secure_cookies = secure_cookies;
            serve(Config::resolve(over)?, demo).await
        }
        Command::Migrate => {
            qinglian::start(Config::resolve(over)?).await?;
            println!("数据库已是最新结构 (migrations applied)");
            Ok(())
        }
        Command::Import { file, mode } => {
            let app = qinglian::start(Config::resolve(over)?).await?;
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            let report = roster::import(
                &app,
                &users::system_actor(),
                &bytes,
                &name,
                roster::ImportMode::parse(&mode),
                qinglian::i18n::Lang::Zh,
            )
            .await
            .map_err(|e| anyhow::anyhow!(e.message(qinglian::i18n::Lang::Zh)))?;
            for row in report.rows.iter().filter(|r| !r.errors.is_empty()) {
                println!("第{}行 {} {}: {}", row.row, row.name, row.unit, row.errors.join("；"));
            }
            println!(
                "共{}行，有效{}行，无效{}行；新增{}人，更新{}人{}",
                report.total,
                report.valid,
                report.invalid,
                report.created,
                report.updated,
                if report.written { "" } else { "（未写入）" }
            );
            if !report.written && mode != "preview" {
                std::process::exit(2);
            }
            Ok(())
        }
        Command::User { action } => {
            let app = qinglian::start(Config::resolve(over)?).await?;
            let system = users::system_actor();
            let zh = |e: qinglian::error::AppError| anyhow::anyhow!(e.message(qinglian::i18n::Lang::Zh));
            match action {
                UserAction::Add { username, name, password } => {
                    let input = users::NewUser {
                        username: username.clone(),
                        display_name: name,
                        password,
                        role: None,
                        unit_id: None,
                        person_phone: None,
                    };
                    let issued = users::add(&app, &system, input).await.map_err(zh)?;
                    println!("已添加用户 {username}");
                    if let Some(pw) = issued.initial_password {
                        println!("初始密码（首次登录须修改）: {pw}");
                    }
                }
                UserAction::ResetPassword { username, password } => {
                    let id = users::id_by_name(&app, &username).await.map_err(zh)?;
                    let issued =
                        users::reset_password(&app, &system, id, password.as_deref()).await.map_err(zh)?;
                    println!("已重置 {username} 的密码");
                    if let Some(pw) = issued.initial_password {
                        println!("新密码（登录后须修改）: {pw}");
                    }
                }
                UserAction::Grant { username, role, unit } => {
                    let role = Role::parse(&role).context(
                        "role must be admin, security_admin, auditor, organiser, unit_admin or member",
                    )?;
                    let id = users::id_by_name(&app, &username).await.map_err(zh)?;
                    let unit_id = match unit {
                        Some(name) => Some(users::unit_id_by_name(&app, &name).await.map_err(zh)?),
                        None => None,
                    };
                    users::grant(&app, &system, id, role, unit_id).await.map_err(zh)?;
                    println!("已授予 {username} 角色 {}", role.as_str());
                }
            }
            Ok(())
        }
        Command::VerifyChain => {
            let app = qinglian::start(Config::resolve(over)?).await?;
            let zh = |e: qinglian::error::AppError| anyhow::anyhow!(e.message(qinglian::i18n::Lang::Zh));
            let r = qinglian::services::signatures::verify_chain(&app).await.map_err(zh)?;
            let a = qinglian::services::audit::verify_chain(&app.db).await.map_err(zh)?;
            if r.intact {
                println!("签名链完整：{} 个签名，链头 {}", r.signatures, r.head);
            } else {
                println!(
                    "签名链校验失败：第 {} 号签名处发现篡改或删除（{}）",
                    r.broken_at.unwrap_or_default(),
                    r.problem.as_deref().unwrap_or_default()
                );
            }
            if a.intact {
                println!(
                    "审计日志链完整：{} 条，链头 {}（启用前的历史条目 {} 条）",
                    a.entries, a.head, a.unchained
                );
            } else {
                println!(
                    "审计日志链校验失败：第 {} 号条目处发现篡改、删除或补录{}",
                    a.broken_at.unwrap_or_default(),
                    if a.triggers { "" } else { "；防篡改触发器缺失" }
                );
            }
            if !(r.intact && a.intact) {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Outbox { deliver } => {
            let app = qinglian::start(Config::resolve(over)?).await?;
            let zh = |e: qinglian::error::AppError| anyhow::anyhow!(e.message(qinglian::i18n::Lang::Zh));
            if let Some(channel) = deliver {
                anyhow::ensure!(channel == "log", "the channels available are: log");
                let sent = outbox::deliver(&app, &outbox::LogChannel, 100_000).await.map_err(zh)?;
                println!("已发送 {sent} 条");
            }
            for (channel, n) in outbox::pending(&app).await.map_err(zh)? {
                println!("{channel}: 待发送 {n} 条");
            }
            Ok(())
        }
        Command::Report { campaign, out } => {
            let app = qinglian::start(Config::resolve(over)?).await?;
            report(&app, campaign, &out).await
        }
        Command::Storage { action: StorageAction::Migrate { to } } => {
            let config = Config::resolve(over)?;
            let app = qinglian::start(config.clone()).await?;
            let mut target = config.clone();
            target.storage = qinglian::config::StorageKind::parse(&to, &config.data_dir)?;
            anyhow::ensure!(target.storage != config.storage, "目标存储与当前存储相同");
            let to_store = qinglian::storage::open(&target, &app.db)?;
            let done = qinglian::storage::copy_all(app.files.as_ref(), to_store.as_ref()).await?;
            println!(
                "已从 {} 复制 {} 个文件（{} 字节）到 {}，{} 个已存在；请把 storage 设为 {to} 后重启服务",
                app.files.describe(),
                done.copied,
                done.bytes,
                to_store.describe(),
                done.already_there
            );
            Ok(())
        }
        Command::Backup { out } => {
            let app = qinglian::start(Config::resolve(over)?).await?;
            let m = qinglian::backup::backup(&app, &out, &|line| println!("{line}")).await?;
            println!(
                "备份完成：{}（{} 张表 {} 行，{} 个文件 {} 字节）",
                out.display(),
                m.tables.len(),
                m.rows(),
                m.files.len(),
                m.bytes()
            );
            Ok(())
        }
        Command::Restore { file } => {
            let app = qinglian::start(Config::resolve(over)?).await?;
            let r = qinglian::backup::restore(&app, &file, &|line| println!("{line}")).await?;
            println!(
                "恢复完成并已校验：{} 行，{} 个文件；签名链完整（{} 个签名），审计日志链完整（{} 条）",
                r.rows, r.files, r.signatures.signatures, r.audit.entries
            );
            Ok(())
        }
        Command::Audit { action: AuditAction::Archive { older_than_days, out } } => {
            let app = qinglian::start(Config::resolve(over)?).await?;
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&out)
                .with_context(|| format!("无法新建 {}（已存在则不覆盖）", out.display()))?;
            let before = qinglian::db::now() - i64::from(older_than_days) * 86_400;
            let mut writer = std::io::BufWriter::new(file);
            let written = qinglian::services::audit::archive::write(&app.db, before, &mut writer).await;
            drop(writer);
            let h = written.inspect_err(|_| drop(std::fs::remove_file(&out)))?;
            println!(
                "审计归档完成：{}（{} 条，第 {} 至 {} 号，{} 之前），已用 HMAC-SM3 封签；线上日志不删除",
                out.display(),
                h.entries,
                h.first_id,
                h.last_id,
                qinglian::domain::format_datetime(h.before)
            );
            Ok(())
        }
        Command::Audit { action: AuditAction::VerifyArchive { file } } => {
            let app = qinglian::start(Config::resolve(over)?).await?;
            let input = std::io::BufReader::new(
                std::fs::File::open(&file).with_context(|| format!("无法打开 {}", file.display()))?,
            );
            let r = qinglian::services::audit::archive::verify(&app.db, input).await?;
            let yes = |ok: bool| if ok { "通过" } else { "未通过" };
            println!(
                "审计归档 {}：{} 条（第 {} 至 {} 号）；链校验{}，封签校验{}，与线上日志一致性{}",
                file.display(),
                r.header.entries,
                r.header.first_id,
                r.header.last_id,
                yes(r.chain),
                yes(r.sealed),
                yes(r.in_log)
            );
            if !r.intact() {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Keys { action: KeysAction::Generate { file } } => {
            qinglian::vault::write_master_key(&file)?;
            println!(
                "已生成主密钥文件 {}：请与数据库分开保管和备份，并在配置中设 master_key_file",
                file.display()
            );
            Ok(())
        }
        Command::Keys { action: KeysAction::Rotate { single_server } } => {
            let app = qinglian::start(Config::resolve(over)?).await?;
            let wait = if single_server { std::time::Duration::ZERO } else { qinglian::vault::REFRESH * 2 };
            if !single_server {
                println!("新数据密钥将在 {} 秒后启用，以便每台服务器先载入它……", wait.as_secs());
            }
            let r = qinglian::vault::rotate(&app.db, wait).await?;
            println!("已启用数据密钥 {}，重新加密 {} 个值；旧数据密钥已停用", r.key, r.resealed);
            Ok(())
        }
        Command::Keys { action: KeysAction::Rewrap { file } } => {
            let app = qinglian::start(Config::resolve(over)?).await?;
            let n = qinglian::vault::rewrap(&app.db, qinglian::vault::read_master_key(&file)?).await?;
            println!(
                "已用 {} 中的主密钥重新包装 {n} 个数据密钥：请把每台服务器的 master_key_file 改为它并重启",
                file.display()
            );
            Ok(())
        }
        Command::Bench { pages: true, .. } => qinglian::bench::pages().await,
        Command::Bench { rows, units, seconds, engines, only, .. } => {
            let url = over.database_url.or_else(|| std::env::var("QINGLIAN_BENCH_DATABASE_URL").ok());
            let postgres = || {
                url.clone()
                    .filter(|u| u.starts_with("postgres"))
                    .context("在 PostgreSQL 上测试请用 --database-url postgres://… 指定服务器")
            };
            let targets = if engines.is_empty() {
                vec![url.clone()]
            } else {
                engines
                    .iter()
                    .map(|e| match e.as_str() {
                        "sqlite" => Ok(None),
                        "postgres" => postgres().map(Some),
                        other => anyhow::bail!("--engines 只能是 sqlite 或 postgres（收到 {other}）"),
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?
            };
            qinglian::bench::run(&targets, qinglian::bench::Plan { rows, units, seconds, only }).await
        }
    }
}

async fn report(
    app: &qinglian::services::App,
    campaign: Option<i64>,
    out: &std::path::Path,
) -> anyhow::Result<()> {
    use qinglian::documents::{official, typeset};
    use qinglian::services::{campaigns, ledgers, report};
    let zh = |e: qinglian::error::AppError| anyhow::anyhow!(e.message(qinglian::i18n::Lang::Zh));
    let system = users::system_actor();
    let id = match campaign {
        Some(id) => id,
        None => campaigns::list(app)
            .await
            .map_err(zh)?
            .first()
            .map(|c| c.id)
            .context("还没有任何活动 (no campaign yet)")?,
    };
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let report = report::document(app, &system, id).await.map_err(zh)?;
    let notice = report::notice::notice(app, &system, id).await.map_err(zh)?;
    for (name, doc) in [("报告", report), ("通知", notice)] {
        let path = out.join(format!("{name}-{id}.docx"));
        std::fs::write(&path, official::docx(&doc)?)?;
        println!("已写出 {}", path.display());
        match typeset::pdf_off_thread(doc).await {
            Ok(pdf) => {
                let path = out.join(format!("{name}-{id}.pdf"));
                std::fs::write(&path, pdf)?;
                println!("已写出 {}", path.display());
            }
            Err(e) => {
                tracing::warn!("typesetting {name}: {e:?}");
                println!("未生成PDF：{}", e.message(qinglian::i18n::Lang::Zh))
            }
        }
    }
    let ledger = ledgers::workbook(app, &system, id, ledgers::Scope::Campaign, "", &ledgers::Silent)
        .await
        .map_err(zh)?;
    let path = out.join(format!("台账-{id}.xlsx"));
    std::fs::write(&path, ledger)?;
    println!("已写出 {}", path.display());
    Ok(())
}

async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let bind = config.bind;
    let app = qinglian::start(config).await?;
    let login_note = if demo {
        // One server at a time: the others find the demo loaded and leave it as it is.
        let lock = app.db.startup_lock().await?;
        let note = prepare_demo(&app).await?;
        lock.release().await?;
        note
    } else {
        String::new()
    };
    let listener =
        tokio::net::TcpListener::bind(bind).await.with_context(|| format!("cannot listen on {bind}"))?;
    let addr = listener.local_addr()?;
    let scheme = if app.config.tls.is_some() { "https" } else { "http" };
    println!("清廉 Qinglian 已启动: {scheme}://{addr}/  （文件存储 storage: {}）", app.files.describe());
    let policy = match app.config.second_factor {
        qinglian::config::SecondFactor::Required => "必须（管理员、审计员、组织者登录须输入动态口令）",
        qinglian::config::SecondFactor::Optional => "可选（演示或测试；生产环境请用 required）",
    };
    println!("双因素认证 second_factor = {}：{policy}", app.config.second_factor.as_str());
    if let Some(at) = app.config.metrics_bind {
        let metrics =
            tokio::net::TcpListener::bind(at).await.with_context(|| format!("cannot listen on {at}"))?;
        println!("监控指标 metrics: http://{}/metrics", metrics.local_addr()?);
        tokio::spawn(std::future::IntoFuture::into_future(axum::serve(
            metrics,
            qinglian::http::metrics::router(app.clone()),
        )));
    }
    if !login_note.is_empty() {
        println!("{login_note}");
    }
    qinglian::http::run(listener, app, shutdown_signal()).await?;
    Ok(())
}

/// Loads the demo on an empty database and says how to sign in. `QINGLIAN_ADMIN_USER` and
/// `QINGLIAN_ADMIN_PASSWORD`, when set, are made to work on every start, as scripts expect; a
/// password that already works is left alone, so a restart ends nobody's session.
async fn prepare_demo(app: &qinglian::services::App) -> anyhow::Result<String> {
    let zh = |e: qinglian::error::AppError| anyhow::anyhow!(e.message(qinglian::i18n::Lang::Zh));
    let user = std::env::var("QINGLIAN_ADMIN_USER").unwrap_or_else(|_| "admin".into());
    let chosen = std::env::var("QINGLIAN_ADMIN_PASSWORD").ok().filter(|p| !p.is_empty());
    if let Some(p) = &chosen {
        qinglian::domain::check_password_rules(p).map_err(|e| {
            anyhow::anyhow!("QINGLIAN_ADMIN_PASSWORD: {}", e.message(qinglian::i18n::Lang::Zh))
        })?;
    }
    let others = qinglian::demo::ACCOUNTS.iter().map(|a| a.0).collect::<Vec<_>>().join(", ");
    if !qinglian::demo::loaded(app).await? {
        let (password, generated) = match chosen {
            Some(p) => (p, false),
            None => (qinglian::services::auth::generate_password(), true),
        };
        let people = qinglian::demo::load(app, &user, &password).await.map_err(zh)?;
        qinglian::demo::load_current_week(app, &user).await.map_err(zh)?;
        return Ok(format!(
            "演示数据已载入：{}，{people}人；2022年清廉清河宣传周，以及本周正在进行的一届（有正在签到的会议、正在征集的作品、待签的承诺书）\n管理员账号：{user}  密码：{password}{}\n其他演示账号（密码相同）：{others}；评委账号：{}\n公众门户：/portal",
            qinglian::demo::CITY,
            if generated { "（仅显示这一次）" } else { "" },
            qinglian::demo::JURORS.iter().map(|j| j.0).collect::<Vec<_>>().join(", "),
        ));
    }
    let Some(password) = chosen else {
        return Ok(format!(
            "演示数据已存在；管理员 {user} 的密码见首次启动时的输出，或运行 `qinglian user reset-password {user}`"
        ));
    };
    let system = users::system_actor();
    match users::id_by_name(app, &user).await {
        Ok(id) => {
            if !qinglian::services::auth::password_is(app, id, &password).await.map_err(zh)? {
                users::reset_password(app, &system, id, Some(&password)).await.map_err(zh)?;
            }
        }
        Err(_) => {
            let input = users::NewUser {
                username: user.clone(),
                display_name: "系统管理员".into(),
                password: Some(password.clone()),
                role: Some("admin".into()),
                unit_id: None,
                person_phone: None,
            };
            let id = users::add(app, &system, input).await.map_err(zh)?.user_id;
            users::grant(app, &system, id, Role::Organiser, None).await.map_err(zh)?;
        }
    }
    Ok(format!("演示数据已存在\n管理员 admin login: {user} / {password}"))
}

/// Ctrl-C, or SIGTERM from a service manager: finish the requests in flight, then stop.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
