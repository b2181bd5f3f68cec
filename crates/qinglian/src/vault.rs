//! Personal data sealed at rest (GB/T 39786 level 3, confidentiality of important data in
//! storage): phones, e-mail addresses, public signers' and authors' contacts, guardians and the
//! addresses kept with signatures and works are stored as SM4-GCM ciphertext, and lookups that
//! need equality go through keyed blind indexes (HMAC-SM3) instead of the plaintext.
//!
//! Keys: a *master key* (SM4, 128 bits) lives outside the database, in a key file named by the
//! configuration. It wraps the *data keys* kept in `data_keys`: the data keys that seal values
//! (one active, older ones kept to read what they sealed) and one index key. A stored value reads
//! `sm4:<data key id>:<base64 of nonce, ciphertext and tag>`, so it can be copied between
//! columns by SQL (a phone into the outbox) and opened wherever it lands.
//!
//! Rotation ([`rotate`]) stages a new data key, lets every server load it, makes it the active
//! one and re-seals every row under it, online, a batch at a time. Re-wrapping under a new master
//! key ([`rewrap`]) touches only `data_keys`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::RwLock;
use std::time::Duration;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::AesGcm;
use anyhow::Context;
use base64::Engine as _;
use hmac::Mac;
use rand::RngCore;
use sqlx::Row;

use crate::db::{now, Db};
use crate::error::{AppError, AppResult};

/// SM4 in GCM mode with the usual 96-bit nonce and 128-bit tag (RFC 8998).
type Sm4Gcm = AesGcm<sm4::Sm4, aes_gcm::aead::consts::U12>;
pub type HmacSm3 = hmac::Hmac<sm3::Sm3>;

const PREFIX: &str = "sm4:";
const NONCE: usize = 12;
/// How often each server looks for keys staged or activated by another (`keys rotate`).
pub const REFRESH: Duration = Duration::from_secs(30);

/// What a blind index is of; each kind is keyed apart, so a phone's index never equals an
/// address's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blind {
    Phone,
    Contact,
    Ip,
}

impl Blind {
    fn label(self) -> &'static [u8] {
        match self {
            Blind::Phone => b"phone",
            Blind::Contact => b"contact",
            Blind::Ip => b"ip",
        }
    }
}

/// A column holding sealed personal data, and the blind index kept beside it, if any.
pub struct Sealed {
    pub table: &'static str,
    pub column: &'static str,
    pub index: Option<(&'static str, Blind)>,
}

/// Every sealed column: what the legacy pass seals, rotation re-seals and the raw-file test
/// searches.
pub const SEALED: &[Sealed] = &[
    Sealed { table: "people", column: "phone", index: Some(("phone_idx", Blind::Phone)) },
    Sealed { table: "people", column: "email", index: None },
    Sealed { table: "signatures", column: "phone", index: Some(("phone_idx", Blind::Phone)) },
    Sealed { table: "signatures", column: "ip", index: Some(("ip_idx", Blind::Ip)) },
    Sealed { table: "registrations", column: "phone", index: Some(("phone_idx", Blind::Phone)) },
    Sealed { table: "quiz_attempts", column: "phone", index: Some(("phone_idx", Blind::Phone)) },
    Sealed { table: "works", column: "contact", index: Some(("contact_idx", Blind::Contact)) },
    Sealed { table: "works", column: "guardian", index: None },
    Sealed { table: "works", column: "ip", index: Some(("ip_idx", Blind::Ip)) },
    Sealed { table: "outbox", column: "recipient", index: None },
    // The authenticators' secrets: opened only to check a code.
    Sealed { table: "users", column: "totp_secret", index: None },
    Sealed { table: "users", column: "totp_pending", index: None },
];

/// The keys this server holds in memory, loaded from `data_keys` with the master key.
#[derive(Default)]
pub struct Vault {
    master: RwLock<Option<Sm4Gcm>>,
    keys: RwLock<Keys>,
    /// Values opened lately, by their sealed form: a list of thousands (an attendance sheet)
    /// opens again from memory. Plaintext in memory only, as the sign-in door holds it anyway.
    opened: RwLock<HashMap<String, String>>,
}

/// At most this many opened values are kept; then the memory starts afresh.
const OPENED: usize = 200_000;

#[derive(Default)]
struct Keys {
    ciphers: HashMap<i64, Sm4Gcm>,
    active: i64,
    index: Option<HmacSm3>,
}

/// A master key file: 32 hexadecimal digits (128 bits), on a line of its own; lines starting
/// with `#` are comments.
pub fn read_master_key(path: &Path) -> anyhow::Result<[u8; 16]> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("读取主密钥文件 {} 失败", path.display()))?;
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .ok_or_else(|| anyhow::anyhow!("主密钥文件 {} 为空", path.display()))?;
    let bytes = hex::decode(line).ok().filter(|b| b.len() == 16);
    let bytes = bytes.ok_or_else(|| {
        anyhow::anyhow!("主密钥文件 {} 应为 32 位十六进制数（128 位 SM4 密钥）", path.display())
    })?;
    Ok(bytes.try_into().expect("16 bytes"))
}

/// Writes a new random master key to `path`, readable by its owner only; never overwrites.
pub fn write_master_key(path: &Path) -> anyhow::Result<()> {
    use std::io::Write;
    let mut key = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut key);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("创建主密钥文件 {} 失败（已存在则不覆盖）", path.display()))?;
    writeln!(file, "# 清廉 主密钥（SM4，128 位）：与数据库分开保管和备份；丢失则个人信息无法解密。")?;
    writeln!(file, "{}", hex::encode(key))?;
    Ok(())
}

async fn has_keys(db: &Db) -> anyhow::Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM data_keys").fetch_one(&db.pool).await? > 0)
}

/// The master key from `path`. Only an instance without data keys yet may have none: one is
/// made for it there (the demo, a first start); anywhere else a missing file is an error, not a
/// new key that would open nothing.
pub async fn master_key(path: &Path, db: &Db) -> anyhow::Result<[u8; 16]> {
    if !path.exists() {
        anyhow::ensure!(
            !has_keys(db).await?,
            "找不到主密钥文件 {}：此数据库的个人信息以它加密，请配置创建数据库时的主密钥文件（master_key_file）",
            path.display()
        );
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        write_master_key(path)?;
        tracing::warn!(path = %path.display(), "created a new master key: keep and back it up apart from the database");
    }
    read_master_key(path)
}

/// Has this server look for new data keys every [`REFRESH`], as `keys rotate` stages them.
pub fn keep_fresh(db: &Db) {
    let db = db.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(REFRESH);
        every.tick().await;
        loop {
            every.tick().await;
            if let Err(e) = db.vault.refresh(&db).await {
                tracing::warn!(error = %e, "data keys not refreshed");
            }
        }
    });
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD_NO_PAD
}

fn seal_with(cipher: &Sm4Gcm, plain: &[u8], aad: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; NONCE];
    rand::thread_rng().fill_bytes(&mut nonce);
    let sealed = cipher
        .encrypt(&nonce.into(), Payload { msg: plain, aad })
        .expect("SM4-GCM seals any input shorter than 64 GiB");
    [nonce.as_slice(), &sealed].concat()
}

fn open_with(cipher: &Sm4Gcm, sealed: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() < NONCE + 16 {
        return None;
    }
    let (nonce, body) = sealed.split_at(NONCE);
    let nonce: [u8; NONCE] = nonce.try_into().ok()?;
    cipher.decrypt(&nonce.into(), Payload { msg: body, aad }).ok()
}

/// What a data key's wrapping is bound to, so a wrapped key cannot be passed off as another.
fn wrap_aad(id: i64, purpose: &str) -> Vec<u8> {
    format!("qinglian data key {id} {purpose}").into_bytes()
}

fn sealed_form(stored: &str) -> Option<(i64, &str)> {
    let rest = stored.strip_prefix(PREFIX)?;
    let (kid, body) = rest.split_once(':')?;
    Some((kid.parse().ok()?, body))
}

impl Vault {
    /// Loads the data keys under `master`, first creating them on a database without any (which
    /// it says: true). Run under the start-up lock, so one server creates them.
    pub async fn load(&self, db: &Db, master: [u8; 16]) -> anyhow::Result<bool> {
        *self.master.write().expect("vault lock") = Some(Sm4Gcm::new(&master.into()));
        let created = !has_keys(db).await?;
        if created {
            let mut tx = db.begin().await?;
            self.insert_key(&mut tx, "index", "active").await?;
            self.insert_key(&mut tx, "data", "active").await?;
            tx.commit().await?;
        }
        self.refresh(db).await?;
        Ok(created)
    }

    /// Reads `data_keys` again: keys staged or activated since (by `keys rotate`).
    pub async fn refresh(&self, db: &Db) -> anyhow::Result<()> {
        let mut conn = db.pool.acquire().await?;
        self.refresh_with(&mut conn).await
    }

    /// [`Vault::refresh`] on a given connection: a restore checks, before it commits, that the
    /// archive's keys open under this instance's master key.
    pub async fn refresh_with(&self, conn: &mut sqlx::AnyConnection) -> anyhow::Result<()> {
        let rows = sqlx::query("SELECT id, purpose, wrapped, state FROM data_keys ORDER BY id")
            .fetch_all(&mut *conn)
            .await?;
        let mut keys = Keys::default();
        {
            let master = self.master.read().expect("vault lock");
            let master = master.as_ref().ok_or_else(|| anyhow::anyhow!("vault has no master key"))?;
            for r in rows {
                let (id, purpose, state): (i64, String, String) =
                    (r.get("id"), r.get("purpose"), r.get("state"));
                let wrapped = b64().decode(r.get::<String, _>("wrapped")).unwrap_or_default();
                let key = open_with(master, &wrapped, &wrap_aad(id, &purpose)).ok_or_else(|| {
                    anyhow::anyhow!(
                        "数据密钥 {id} 无法用所配置的主密钥解开：每台服务器须使用创建此数据库时的同一主密钥文件（master_key_file）"
                    )
                })?;
                match purpose.as_str() {
                    "index" => keys.index = Some(HmacSm3::new_from_slice(&key).expect("HMAC takes any key")),
                    _ => {
                        keys.ciphers.insert(id, Sm4Gcm::new_from_slice(&key).expect("16-byte key"));
                        if state == "active" {
                            keys.active = keys.active.max(id);
                        }
                    }
                }
            }
        }
        anyhow::ensure!(keys.active > 0 && keys.index.is_some(), "data_keys 中缺少活动数据密钥或索引密钥");
        *self.keys.write().expect("vault lock") = keys;
        Ok(())
    }

    async fn insert_key(&self, tx: &mut crate::db::Tx, purpose: &str, state: &str) -> anyhow::Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO data_keys (purpose, wrapped, state, created_at) VALUES ($1, '', $2, $3) RETURNING id",
        )
        .bind(purpose)
        .bind(state)
        .bind(now())
        .fetch_one(&mut **tx)
        .await?;
        let mut key = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut key);
        let wrapped = {
            let master = self.master.read().expect("vault lock");
            seal_with(master.as_ref().expect("master key loaded"), &key, &wrap_aad(id, purpose))
        };
        sqlx::query("UPDATE data_keys SET wrapped = $1 WHERE id = $2")
            .bind(b64().encode(wrapped))
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Ok(id)
    }

    /// The active data key's id.
    pub fn active(&self) -> i64 {
        self.keys.read().expect("vault lock").active
    }

    /// `plain` sealed under the active data key; the empty string stays empty ("not given").
    pub fn seal(&self, plain: &str) -> String {
        if plain.is_empty() {
            return String::new();
        }
        let keys = self.keys.read().expect("vault lock");
        let cipher = keys.ciphers.get(&keys.active).expect("vault loaded before use");
        format!("{PREFIX}{}:{}", keys.active, b64().encode(seal_with(cipher, plain.as_bytes(), b"")))
    }

    pub fn seal_opt(&self, plain: Option<&str>) -> Option<String> {
        plain.map(|p| self.seal(p))
    }

    /// The plaintext of a stored value. A value without the sealed form is taken as it is: a
    /// row written before sealing, which the start-up pass seals.
    pub fn open(&self, stored: &str) -> AppResult<String> {
        let Some((kid, body)) = sealed_form(stored) else { return Ok(stored.to_string()) };
        if let Some(plain) = self.opened.read().expect("vault lock").get(stored) {
            return Ok(plain.clone());
        }
        let plain = {
            let keys = self.keys.read().expect("vault lock");
            keys.ciphers
                .get(&kid)
                .zip(b64().decode(body).ok())
                .and_then(|(cipher, sealed)| open_with(cipher, &sealed, b""))
                .and_then(|p| String::from_utf8(p).ok())
        };
        let plain = plain
            .ok_or_else(|| AppError::Internal(format!("sealed value under data key {kid} does not open")))?;
        let mut opened = self.opened.write().expect("vault lock");
        if opened.len() >= OPENED {
            opened.clear();
        }
        opened.insert(stored.to_string(), plain.clone());
        Ok(plain)
    }

    /// A row's sealed column, opened; NULL reads as the empty string.
    pub fn column(&self, row: &sqlx::any::AnyRow, column: &str) -> AppResult<String> {
        Ok(self.column_opt(row, column)?.unwrap_or_default())
    }

    /// A row's sealed column, opened; NULL or empty (not given) is `None`.
    pub fn column_opt(&self, row: &sqlx::any::AnyRow, column: &str) -> AppResult<Option<String>> {
        let stored = row.try_get::<Option<String>, _>(column)?.filter(|s| !s.is_empty());
        self.open_opt(stored)
    }

    /// The first of `rows` whose sealed `phone` ends in `last4` (sign-in by name and the last
    /// four digits: the few rows of one name are opened, no index of four digits is kept).
    pub fn phone_ending<'r>(
        &self,
        rows: &'r [sqlx::any::AnyRow],
        last4: &str,
    ) -> AppResult<Option<&'r sqlx::any::AnyRow>> {
        for r in rows {
            let phone = self.column(r, "phone")?;
            if !phone.is_empty() && phone.ends_with(last4) {
                return Ok(Some(r));
            }
        }
        Ok(None)
    }

    pub fn open_opt(&self, stored: Option<String>) -> AppResult<Option<String>> {
        stored.map(|s| self.open(&s)).transpose()
    }

    /// The blind index of `value`: HMAC-SM3 under the index key, 128 bits in hex.
    pub fn index(&self, kind: Blind, value: &str) -> String {
        hex::encode(&self.mac(kind.label(), value.as_bytes())[..16])
    }

    /// HMAC-SM3 of `data` under the index key, kept apart by `label` from every other use (each
    /// blind index, the audit archive's seal).
    pub fn mac(&self, label: &[u8], data: &[u8]) -> Vec<u8> {
        self.keyed(label).chain_update(data).finalize().into_bytes().to_vec()
    }

    /// An HMAC-SM3 under the index key, for `label`, to feed a long text into piece by piece
    /// (the audit archive); [`Vault::mac`] is its one-piece form.
    pub fn keyed(&self, label: &[u8]) -> HmacSm3 {
        let keys = self.keys.read().expect("vault lock");
        let mac = keys.index.clone().expect("vault loaded before use");
        mac.chain_update(label).chain_update([0])
    }

    pub fn index_opt(&self, kind: Blind, value: Option<&str>) -> Option<String> {
        value.map(|v| self.index(kind, v))
    }
}

/// Rows re-sealed at a time, each batch its own transaction.
const BATCH: i64 = 500;

/// Seals, under the active data key, every value of the sealed columns that is plaintext (rows
/// written before sealing) or sealed under an older key, and fills the blind indexes; online,
/// a batch at a time, each row changed only if it still holds what was read. The number of
/// values changed.
pub async fn reseal(db: &Db) -> anyhow::Result<u64> {
    let vault = &db.vault;
    let current = format!("{PREFIX}{}:%", vault.active());
    let mut changed = 0u64;
    for s in SEALED {
        let mut after = 0i64;
        loop {
            let rows = sqlx::query(&format!(
                "SELECT id AS id, {c} AS v FROM {t} WHERE id > $1 AND {c} IS NOT NULL AND {c} <> '' AND {c} NOT LIKE $2
                 ORDER BY id LIMIT {BATCH}",
                c = s.column,
                t = s.table
            ))
            .bind(after)
            .bind(&current)
            .fetch_all(&db.pool)
            .await?;
            let Some(last) = rows.last() else { break };
            after = last.get("id");
            let mut tx = db.begin().await?;
            for r in &rows {
                let (id, stored): (i64, String) = (r.get("id"), r.get("v"));
                let plain = vault
                    .open(&stored)
                    .map_err(|e| anyhow::anyhow!("{}.{} #{id}: {e:?}", s.table, s.column))?;
                let sealed = vault.seal(&plain);
                let done = match s.index {
                    Some((index, kind)) => sqlx::query(&format!(
                        "UPDATE {t} SET {c} = $1, {index} = $2 WHERE id = $3 AND {c} = $4",
                        t = s.table,
                        c = s.column
                    ))
                    .bind(&sealed)
                    .bind(vault.index(kind, &plain))
                    .bind(id)
                    .bind(&stored)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected(),
                    None => sqlx::query(&format!(
                        "UPDATE {t} SET {c} = $1 WHERE id = $2 AND {c} = $3",
                        t = s.table,
                        c = s.column
                    ))
                    .bind(&sealed)
                    .bind(id)
                    .bind(&stored)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected(),
                };
                changed += done;
            }
            seal_signer_keys(&mut tx, vault, &rows, s).await?;
            tx.commit().await?;
        }
    }
    Ok(changed)
}

/// Rewrites the sealed tables so that no page keeps the plaintext a reseal replaced: SQLite's
/// whole file and its log; PostgreSQL's tables (the old row versions), once, at the upgrade.
pub async fn scrub(db: &Db) -> anyhow::Result<()> {
    match db.engine {
        crate::db::Engine::Sqlite => {
            sqlx::query("VACUUM").execute(&db.pool).await?;
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&db.pool).await?;
        }
        crate::db::Engine::Postgres => {
            let mut tables: Vec<&str> = SEALED.iter().map(|s| s.table).collect();
            tables.dedup();
            sqlx::query(&format!("VACUUM FULL {}", tables.join(", "))).execute(&db.pool).await?;
        }
    }
    Ok(())
}

/// A public signer's key was `x:<phone>` before sealing; it becomes `x:<blind index>`, which
/// still keeps one signature per phone. (The chain's check rebuilds the old key from the phone
/// for rows signed before, see `signatures::recompute`.)
async fn seal_signer_keys(
    tx: &mut crate::db::Tx,
    vault: &Vault,
    rows: &[sqlx::any::AnyRow],
    s: &Sealed,
) -> anyhow::Result<()> {
    if (s.table, s.column) != ("signatures", "phone") {
        return Ok(());
    }
    for r in rows {
        let (id, stored): (i64, String) = (r.get("id"), r.get("v"));
        if sealed_form(&stored).is_some() {
            continue;
        }
        sqlx::query("UPDATE signatures SET signer_key = $1 WHERE id = $2 AND signer_key = $3")
            .bind(format!("x:{}", vault.index(Blind::Phone, &stored)))
            .bind(id)
            .bind(format!("x:{stored}"))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// A key operation in the audit log: run from the command line on a server, by its operator.
async fn key_event(tx: &mut crate::db::Tx, action: &str, id: impl ToString) -> anyhow::Result<()> {
    let who = crate::services::audit::Who { user_id: None, name: "qinglian keys", ip: "" };
    crate::services::audit::record_as(tx, who, action, "data_key", id, serde_json::json!({}))
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))
}

/// What a rotation did.
#[derive(Debug)]
pub struct Rotation {
    pub key: i64,
    pub resealed: u64,
}

/// A new data key, and every sealed value re-sealed under it. `wait` is how long every other
/// server takes to load a staged key ([`REFRESH`] and a margin; zero with one server): the key
/// is staged (readable everywhere) before anyone seals with it, and the old keys are retired
/// only once no row needs them and every server has stopped sealing with them.
pub async fn rotate(db: &Db, wait: Duration) -> anyhow::Result<Rotation> {
    let mut tx = db.begin().await?;
    let key = db.vault.insert_key(&mut tx, "data", "staged").await?;
    tx.commit().await?;
    db.vault.refresh(db).await?;
    tokio::time::sleep(wait).await;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE data_keys SET state = 'retiring' WHERE purpose = 'data' AND state = 'active'")
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE data_keys SET state = 'active' WHERE id = $1").bind(key).execute(&mut *tx).await?;
    key_event(&mut tx, "keys.rotate", key).await?;
    tx.commit().await?;
    db.vault.refresh(db).await?;
    let mut resealed = reseal(db).await?;
    // Servers that had not yet seen the new key may have sealed a few more under the old one.
    tokio::time::sleep(wait).await;
    resealed += reseal(db).await?;
    sqlx::query("UPDATE data_keys SET state = 'retired' WHERE state = 'retiring'").execute(&db.pool).await?;
    Ok(Rotation { key, resealed })
}

/// Wraps every data key again under `new_master`; the values they seal stay as they are. Each
/// server must then be given the new key file (they hold the data keys in memory meanwhile).
pub async fn rewrap(db: &Db, new_master: [u8; 16]) -> anyhow::Result<usize> {
    let new = Sm4Gcm::new(&new_master.into());
    // Read in the transaction that rewrites them, with new keys held off (SQLite's writer lock
    // does that already), so that none staged meanwhile stays under the old master key.
    let mut tx = db.begin().await?;
    if db.engine == crate::db::Engine::Postgres {
        sqlx::query("LOCK TABLE data_keys IN EXCLUSIVE MODE").execute(&mut *tx).await?;
    }
    let rows =
        sqlx::query("SELECT id, purpose, wrapped FROM data_keys ORDER BY id").fetch_all(&mut *tx).await?;
    for r in &rows {
        let (id, purpose): (i64, String) = (r.get("id"), r.get("purpose"));
        let wrapped = b64().decode(r.get::<String, _>("wrapped")).unwrap_or_default();
        let key = {
            let master = db.vault.master.read().expect("vault lock");
            open_with(master.as_ref().expect("master key loaded"), &wrapped, &wrap_aad(id, &purpose))
        };
        let key = key.ok_or_else(|| anyhow::anyhow!("数据密钥 {id} 无法用当前主密钥解开"))?;
        sqlx::query("UPDATE data_keys SET wrapped = $1 WHERE id = $2")
            .bind(b64().encode(seal_with(&new, &key, &wrap_aad(id, &purpose))))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    key_event(&mut tx, "keys.rewrap", rows.len()).await?;
    tx.commit().await?;
    *db.vault.master.write().expect("vault lock") = Some(new);
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8998, appendix A.1: SM4-GCM's published test vector.
    #[test]
    fn sm4_gcm_matches_rfc_8998() {
        let key: [u8; 16] = hex::decode("0123456789ABCDEFFEDCBA9876543210").unwrap().try_into().unwrap();
        let nonce: [u8; 12] = hex::decode("00001234567800000000ABCD").unwrap().try_into().unwrap();
        let aad = hex::decode("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2").unwrap();
        let plain = hex::decode(
            "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDDEEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
        )
        .unwrap();
        let out =
            Sm4Gcm::new(&key.into()).encrypt(&nonce.into(), Payload { msg: &plain, aad: &aad }).unwrap();
        assert_eq!(
            hex::encode_upper(&out),
            "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D83DE3541E4C2B58177E065A9BF7B62EC"
        );
    }

    #[test]
    fn a_sealed_value_opens_and_a_tampered_one_does_not() {
        let cipher = Sm4Gcm::new(&[7u8; 16].into());
        let sealed = seal_with(&cipher, "13800001234".as_bytes(), b"");
        assert_eq!(open_with(&cipher, &sealed, b"").unwrap(), b"13800001234");
        let mut bent = sealed.clone();
        bent[NONCE + 2] ^= 1;
        assert!(open_with(&cipher, &bent, b"").is_none());
        assert!(open_with(&cipher, &sealed[..10], b"").is_none());
        assert_ne!(seal_with(&cipher, b"x", b""), seal_with(&cipher, b"x", b""), "a fresh nonce each time");
    }
}
