//! Configuration: command-line flags, then `QINGLIAN_*` variables (both through clap), then an
//! optional TOML file, then defaults.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

#[derive(Clone, Debug)]
pub struct Config {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    /// Minutes of inactivity after which a session ends.
    pub idle_timeout_minutes: i64,
    /// Sessions one account may hold at once; signing in beyond it ends the oldest (0: no limit).
    pub max_sessions_per_user: i64,
    /// Largest accepted upload, in bytes.
    pub max_upload_bytes: usize,
    /// Behind a load balancer: take the client's address from the last `X-Forwarded-For` hop
    /// and its scheme from `X-Forwarded-Proto`.
    pub trust_proxy: bool,
    /// Mark cookies `Secure` (always, not only when a trusted proxy says https).
    pub secure_cookies: bool,
    /// Public signatures one address may make per minute (0: no limit).
    pub public_signatures_per_minute: i64,
    /// Where uploaded and generated files live.
    pub storage: StorageKind,
    /// The address `/metrics` is served on; none, no metrics.
    pub metrics_bind: Option<SocketAddr>,
    pub s3: S3Settings,
    /// The ranks a roster may name (`[[ranks]]` in the TOML file).
    pub ranks: crate::domain::ranks::Ranks,
    /// How notices leave: SMTP, group robots (`[delivery]` in the TOML file).
    pub delivery: crate::services::channels::DeliverySettings,
    /// Whether privileged accounts must sign in with a second factor.
    pub second_factor: SecondFactor,
    /// A privileged action asks for the password again once it was last given longer ago.
    pub reauth_minutes: i64,
    /// Days a password lasts before it must be changed (0: for ever).
    pub password_max_age_days: i64,
    /// Passwords an account had that a new one may not repeat (the current one included).
    pub password_history: i64,
    /// Days without a sign-in after which an account is disabled (0: never).
    pub inactive_days: i64,
    /// Certificate and key for serving HTTPS directly; none, plain HTTP (behind a TLS proxy).
    pub tls: Option<TlsFiles>,
    /// The file holding the master key that wraps the data keys personal data is sealed with
    /// (never in the database); created with a fresh key on an instance that has none yet.
    pub master_key_file: PathBuf,
}

/// Who signs in with a second factor (TOTP or a recovery code) after the password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecondFactor {
    /// Administrators, auditors and organisers must; others may.
    Required,
    /// Anyone who enrolled one uses it; nobody must.
    Optional,
}

impl SecondFactor {
    pub fn parse(s: &str) -> anyhow::Result<SecondFactor> {
        match s {
            "required" => Ok(SecondFactor::Required),
            "optional" => Ok(SecondFactor::Optional),
            other => anyhow::bail!("second_factor 应为 required 或 optional（收到 {other}）"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SecondFactor::Required => "required",
            SecondFactor::Optional => "optional",
        }
    }
}

/// PEM files of the certificate chain and its private key.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageKind {
    /// A directory of this machine (one server).
    Local(PathBuf),
    /// Chunks in the database: every server sees every file.
    Database,
    /// `s3://bucket/prefix` on an S3-compatible store.
    S3(String),
}

impl StorageKind {
    /// `local`, `database` or `s3://bucket/prefix`; files of `local` go under `data_dir/files`.
    pub fn parse(spec: &str, data_dir: &std::path::Path) -> anyhow::Result<StorageKind> {
        Ok(match spec {
            "local" => StorageKind::Local(data_dir.join("files")),
            "database" => StorageKind::Database,
            s if s.starts_with("s3://") => StorageKind::S3(s.to_string()),
            other => anyhow::bail!("storage 应为 local、database 或 s3://bucket/prefix（收到 {other}）"),
        })
    }
}

/// Endpoint and credentials of an S3-compatible store (`[s3]` in the TOML file). Anything left
/// out is taken from the usual `AWS_*` variables.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Settings {
    /// e.g. `https://oss-cn-hangzhou.aliyuncs.com` or `http://127.0.0.1:9000`
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// `bucket.endpoint/key` addressing, as Aliyun OSS requires.
    pub virtual_hosted_style: Option<bool>,
}

/// Values that may come from the TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub bind: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub idle_timeout_minutes: Option<i64>,
    pub max_sessions_per_user: Option<i64>,
    pub max_upload_mb: Option<usize>,
    pub trust_proxy: Option<bool>,
    pub secure_cookies: Option<bool>,
    pub public_signatures_per_minute: Option<i64>,
    pub storage: Option<String>,
    pub s3: Option<S3Settings>,
    pub metrics_bind: Option<SocketAddr>,
    pub ranks: Option<Vec<crate::domain::ranks::Rank>>,
    pub delivery: Option<crate::services::channels::DeliverySettings>,
    pub second_factor: Option<String>,
    pub reauth_minutes: Option<i64>,
    pub password_max_age_days: Option<i64>,
    pub password_history: Option<i64>,
    pub inactive_days: Option<i64>,
    pub tls: Option<TlsFiles>,
    pub master_key_file: Option<PathBuf>,
}

/// Values from flags or the environment (clap already merged those two).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub bind: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub idle_timeout_minutes: Option<i64>,
    pub max_sessions_per_user: Option<i64>,
    pub trust_proxy: Option<bool>,
    pub secure_cookies: Option<bool>,
    pub storage: Option<String>,
    pub metrics_bind: Option<SocketAddr>,
    pub config_file: Option<PathBuf>,
    pub second_factor: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub master_key_file: Option<PathBuf>,
    /// A demo or test instance: the second factor is optional unless configured.
    pub relaxed: bool,
}

impl Config {
    pub fn resolve(over: Overrides) -> anyhow::Result<Config> {
        let file: FileConfig = match &over.config_file {
            Some(path) => toml::from_str(&std::fs::read_to_string(path)?)?,
            None => FileConfig::default(),
        };
        let data_dir = over.data_dir.or(file.data_dir).unwrap_or_else(|| PathBuf::from("qinglian-data"));
        let database_url = over
            .database_url
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data_dir.join("qinglian.db").display()));
        // Several servers on one PostgreSQL share its files too, unless told otherwise.
        let storage = match over.storage.or(file.storage) {
            Some(spec) => StorageKind::parse(&spec, &data_dir)?,
            None if database_url.starts_with("postgres") => StorageKind::Database,
            None => StorageKind::Local(data_dir.join("files")),
        };
        let ranks = match file.ranks {
            Some(list) => crate::domain::ranks::Ranks::new(list).map_err(anyhow::Error::msg)?,
            None => crate::domain::ranks::Ranks::default(),
        };
        let second_factor = match over.second_factor.or(file.second_factor) {
            Some(s) => SecondFactor::parse(&s)?,
            None if over.relaxed => SecondFactor::Optional,
            None => SecondFactor::Required,
        };
        let tls = match (over.tls_cert, over.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => file.tls,
            _ => anyhow::bail!("--tls-cert 与 --tls-key 须同时给出"),
        };
        let master_key_file =
            over.master_key_file.or(file.master_key_file).unwrap_or_else(|| data_dir.join("master.key"));
        let days = |v: Option<i64>, default: i64| v.unwrap_or(default).max(0);
        Ok(Config {
            master_key_file,
            second_factor,
            tls,
            reauth_minutes: file.reauth_minutes.unwrap_or(15).max(1),
            password_max_age_days: days(file.password_max_age_days, 90),
            password_history: days(file.password_history, 5),
            inactive_days: days(file.inactive_days, 90),
            delivery: file.delivery.unwrap_or_default(),
            ranks,
            storage,
            s3: file.s3.unwrap_or_default(),
            metrics_bind: over.metrics_bind.or(file.metrics_bind),
            bind: over.bind.or(file.bind).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            data_dir,
            database_url,
            idle_timeout_minutes: over.idle_timeout_minutes.or(file.idle_timeout_minutes).unwrap_or(30),
            // A phone, a desktop, a projector's laptop and two spares.
            max_sessions_per_user: over
                .max_sessions_per_user
                .or(file.max_sessions_per_user)
                .unwrap_or(5)
                .max(0),
            max_upload_bytes: file.max_upload_mb.unwrap_or(10) * 1024 * 1024,
            trust_proxy: over.trust_proxy.or(file.trust_proxy).unwrap_or(false),
            secure_cookies: over.secure_cookies.or(file.secure_cookies).unwrap_or(false),
            public_signatures_per_minute: file.public_signatures_per_minute.unwrap_or(30),
        })
    }

    /// A configuration for tests and benchmarks: everything under `data_dir`.
    pub fn for_dir(data_dir: PathBuf, database_url: Option<String>) -> Config {
        let over =
            Overrides { data_dir: Some(data_dir), database_url, relaxed: true, ..Overrides::default() };
        Config::resolve(over).expect("no config file to read")
    }
}
