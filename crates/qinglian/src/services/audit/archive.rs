//! Archives of the audit log. The application never deletes a record (the database refuses
//! to), so the live log keeps far more than the 180 days the 网络安全法 asks. An archive is the
//! copy kept off-line: every chained record up to a cut-off, in one file that proves itself.
//!
//! The file is JSON Lines. A header comes first, then one line per record with its SM3
//! digests, then a seal line: HMAC-SM3, under the instance's key, over every byte before it.
//! Anyone can recompute the chain from the file alone. The instance (`qinglian audit
//! verify-archive`) also checks the seal, and that its live log still holds the same records.

use std::io::{BufRead, Read, Write};

use hmac::Mac;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{record_as, Entry, Who};
use crate::db::{now, Db};
use crate::vault::HmacSm3;

pub const FORMAT: &str = "qinglian-audit-archive/1";
/// What the seal's HMAC is keyed apart by.
const SEAL: &[u8] = b"audit-archive";
const PAGE: i64 = 5000;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Header {
    pub format: String,
    pub made_at: i64,
    /// Records made before this instant (Unix seconds) are in the archive, with every record
    /// chained between them.
    pub before: i64,
    pub entries: u64,
    pub first_id: i64,
    pub last_id: i64,
}

/// One record as the log holds it, digests included.
#[derive(Serialize, Deserialize)]
struct Record {
    id: i64,
    #[serde(flatten)]
    entry: Entry,
    prev_digest: String,
    digest: String,
}

#[derive(Serialize, Deserialize)]
struct Seal {
    seal: String,
}

/// Writes every chained record made before `before` (and every one chained between them) to
/// `out`, sealed; records the archiving in the log itself.
pub async fn write(db: &Db, before: i64, out: &mut impl Write) -> anyhow::Result<Header> {
    let (entries, first_id, last_id): (i64, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(id), MAX(id) FROM audit_log WHERE digest <> ''
         AND id <= (SELECT MAX(id) FROM audit_log WHERE digest <> '' AND at < $1)",
    )
    .bind(before)
    .fetch_one(&db.pool)
    .await?;
    let (Some(first_id), Some(last_id)) = (first_id, last_id) else {
        anyhow::bail!("该日期之前没有审计记录，无需归档");
    };
    let header =
        Header { format: FORMAT.into(), made_at: now(), before, entries: entries as u64, first_id, last_id };
    let mut seal = db.vault.keyed(SEAL);
    line(&header, &mut seal, out)?;
    let mut after = first_id - 1;
    while after < last_id {
        let rows = sqlx::query(
            "SELECT id, at, actor_user_id, actor_name, ip, action, entity, entity_id, detail, outcome, prev_digest, digest
             FROM audit_log WHERE id > $1 AND id <= $2 AND digest <> '' ORDER BY id LIMIT $3",
        )
        .bind(after)
        .bind(last_id)
        .bind(PAGE)
        .fetch_all(&db.pool)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.get("id");
        for r in &rows {
            let record = Record {
                id: r.get("id"),
                entry: Entry::from_row(r),
                prev_digest: r.get("prev_digest"),
                digest: r.get("digest"),
            };
            line(&record, &mut seal, out)?;
        }
    }
    let tag = seal.finalize().into_bytes();
    let seal = Seal { seal: format!("hmac-sm3:{}", hex::encode(tag)) };
    writeln!(out, "{}", serde_json::to_string(&seal).expect("plain data"))?;
    out.flush()?;
    let mut tx = db.begin().await?;
    let who = Who { user_id: None, name: "qinglian audit", ip: "" };
    let detail =
        serde_json::json!({"entries": entries, "first_id": first_id, "last_id": last_id, "before": before});
    record_as(&mut tx, who, "audit.archive", "audit_log", last_id, detail)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    tx.commit().await?;
    Ok(header)
}

/// What checking an archive found.
#[derive(Debug, Serialize)]
pub struct ArchiveReport {
    pub header: Header,
    /// Every digest recomputes from the record and the one before it.
    pub chain: bool,
    /// The seal is this instance's over the whole file.
    pub sealed: bool,
    /// The live log holds the same records with the same digests.
    pub in_log: bool,
}

impl ArchiveReport {
    pub fn intact(&self) -> bool {
        self.chain && self.sealed && self.in_log
    }
}

/// Checks an archive, read line by line from `input`, against itself, its seal and the live log.
pub async fn verify(db: &Db, mut input: impl BufRead) -> anyhow::Result<ArchiveReport> {
    let bad = |why: &str| anyhow::anyhow!("不是有效的审计归档文件：{why}");
    let mut mac = db.vault.keyed(SEAL);
    let mut line = String::new();
    if !read_line(&mut input, &mut line)? {
        return Err(bad("文件为空"));
    }
    let header: Header = serde_json::from_str(&line).map_err(|_| bad("缺少文件头"))?;
    if header.format != FORMAT {
        return Err(bad("格式版本不符"));
    }
    mac.update(line.as_bytes());
    let (mut chain, mut entries, mut seal) = (true, 0u64, None);
    let mut prev: Option<String> = None;
    let mut digests: Vec<(i64, String)> = Vec::new();
    while read_line(&mut input, &mut line)? {
        if seal.is_some() {
            return Err(bad("封签之后还有内容"));
        }
        if let Ok(s) = serde_json::from_str::<Seal>(&line) {
            seal = Some(s.seal);
            continue;
        }
        mac.update(line.as_bytes());
        let record: Record = serde_json::from_str(&line).map_err(|_| bad("记录无法读取"))?;
        let digest =
            super::super::signatures::sm3_hex(record.entry.canonical(&record.prev_digest).as_bytes());
        chain &= digest == record.digest && prev.as_ref().is_none_or(|p| *p == record.prev_digest);
        prev = Some(record.digest.clone());
        entries += 1;
        digests.push((record.id, record.digest));
    }
    let seal = seal.ok_or_else(|| bad("缺少封签（文件不完整）"))?;
    let tag = seal.strip_prefix("hmac-sm3:").and_then(|t| hex::decode(t).ok()).unwrap_or_default();
    let sealed = mac.verify_slice(&tag).is_ok();
    chain &= entries == header.entries
        && digests.first().map(|d| d.0) == Some(header.first_id)
        && digests.last().map(|d| d.0) == Some(header.last_id);
    let in_log = in_log(db, &digests).await?;
    Ok(ArchiveReport { header, chain, sealed, in_log })
}

/// The longest line an archive may hold, far above any record: a file from elsewhere is read
/// a bounded line at a time.
const MAX_LINE: u64 = 16 << 20;

/// The next line of `input` into `line`, its newline kept (the seal covers it); false at the end.
fn read_line(input: &mut impl BufRead, line: &mut String) -> anyhow::Result<bool> {
    line.clear();
    let n = input.by_ref().take(MAX_LINE + 1).read_line(line)?;
    anyhow::ensure!(n as u64 <= MAX_LINE, "不是有效的审计归档文件：某一行超过 16 MiB");
    Ok(n > 0)
}

/// Whether the live log holds exactly these chained records between the first and the last.
async fn in_log(db: &Db, digests: &[(i64, String)]) -> anyhow::Result<bool> {
    let (Some(first), Some(last)) = (digests.first(), digests.last()) else { return Ok(false) };
    let mut expected = digests.iter();
    let mut after = first.0 - 1;
    loop {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, digest FROM audit_log WHERE id > $1 AND id <= $2 AND digest <> '' ORDER BY id LIMIT $3",
        )
        .bind(after)
        .bind(last.0)
        .bind(PAGE)
        .fetch_all(&db.pool)
        .await?;
        let Some(end) = rows.last() else { break };
        after = end.0;
        for row in &rows {
            if expected.next() != Some(row) {
                return Ok(false);
            }
        }
    }
    Ok(expected.next().is_none())
}

/// `value` as one line of the archive, taken into its seal.
fn line(value: &impl Serialize, seal: &mut HmacSm3, out: &mut impl Write) -> anyhow::Result<()> {
    let text = format!("{}\n", serde_json::to_string(value).expect("plain data serialises"));
    seal.update(text.as_bytes());
    out.write_all(text.as_bytes())?;
    Ok(())
}
