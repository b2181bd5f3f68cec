//! Backup and restore of a whole instance: every table and every file in one ZIP archive with a
//! manifest of row counts and SHA-256 checksums.
//!
//! The tables are written as JSON lines, one array of values per row, read inside one
//! read-only transaction (PostgreSQL's repeatable read, SQLite's WAL snapshot), so the archive
//! is the database as it stood at one instant while the servers go on working. Files are
//! content-addressed and never change, and each is stored before the row that refers to it
//! commits, so the files listed after the snapshot cover everything it refers to. Being plain
//! values, an archive restores into either engine and any storage.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use anyhow::{bail, ensure, Context};
use base64::Engine as _;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{Column, Row, ValueRef};

use crate::db::{Db, Engine};
use crate::services::App;

const FORMAT: &str = "qinglian-backup/1";
/// Kept by the file store, which is backed up file by file; a restore fills whatever store the
/// target uses.
const NOT_TABLES: [&str; 3] = ["_sqlx_migrations", "stored_files", "stored_chunks"];
/// The search index differs between the engines (FTS5 and its shadow tables on SQLite, a
/// tsvector on PostgreSQL): its documents are kept and indexed again on restore.
const SEARCH_INDEX: &str = "search_index";
/// Rows a restore sends in one INSERT.
const BATCH: usize = 200;

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub created_at: i64,
    pub engine: String,
    /// The newest migration the database had: a restore needs a build at the same schema.
    pub schema_version: i64,
    pub tables: Vec<TableEntry>,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct TableEntry {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: u64,
    pub sha256: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct FileEntry {
    /// The file's SHA-256, which is also its name in the store.
    pub key: String,
    pub size: u64,
}

impl Manifest {
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

fn table_entry(name: &str) -> String {
    format!("tables/{name}.jsonl")
}

fn file_entry(key: &str) -> String {
    format!("files/{key}")
}

/// Our tables, in an order where every table comes after those it refers to.
async fn tables(db: &Db) -> anyhow::Result<Vec<String>> {
    let (names, refs) = match db.engine {
        Engine::Sqlite => (
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            r#"SELECT m.name, f."table" FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table'"#,
        ),
        Engine::Postgres => (
            "SELECT tablename::TEXT FROM pg_tables WHERE schemaname = current_schema()",
            "SELECT tc.table_name::TEXT, ccu.table_name::TEXT FROM information_schema.table_constraints tc
             JOIN information_schema.constraint_column_usage ccu
               ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema
             WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()",
        ),
    };
    let mut all: Vec<String> = sqlx::query_scalar(names).fetch_all(&db.pool).await?;
    all.retain(|t| !NOT_TABLES.contains(&t.as_str()) && !t.starts_with("search_index_"));
    all.sort();
    let mut needs: HashMap<String, HashSet<String>> = HashMap::new();
    for r in sqlx::query(refs).fetch_all(&db.pool).await? {
        let (table, target): (String, String) = (r.get(0), r.get(1));
        if table != target {
            needs.entry(table).or_default().insert(target);
        }
    }
    let mut ordered: Vec<String> = Vec::new();
    while ordered.len() < all.len() {
        let before = ordered.len();
        for t in &all {
            let ready = needs.get(t).is_none_or(|n| n.iter().all(|d| ordered.contains(d)));
            if !ordered.contains(t) && ready {
                ordered.push(t.clone());
            }
        }
        ensure!(ordered.len() > before, "表之间的外键成环，无法排序");
    }
    Ok(ordered)
}

async fn schema_version(db: &Db) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success")
        .fetch_one(&db.pool)
        .await?)
}

/// A value of any of our column types as JSON: integers and text as themselves, bytes as
/// `{"b64": …}`.
fn json_value(row: &sqlx::any::AnyRow, i: usize) -> anyhow::Result<Value> {
    use sqlx::any::AnyTypeInfoKind as K;
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let kind = raw.type_info().kind();
    Ok(match kind {
        K::Bool => Value::from(i64::from(row.try_get::<bool, _>(i)?)),
        K::SmallInt | K::Integer | K::BigInt => Value::from(row.try_get::<i64, _>(i)?),
        K::Real | K::Double => Value::from(row.try_get::<f64, _>(i)?),
        K::Text => Value::from(row.try_get::<String, _>(i)?),
        K::Blob => {
            serde_json::json!({"b64": base64::engine::general_purpose::STANDARD.encode(row.try_get::<Vec<u8>, _>(i)?)})
        }
        K::Null => Value::Null,
    })
}

/// Writes a consistent snapshot of the instance to `out`; `progress` hears what is done.
pub async fn backup(app: &App, out: &Path, progress: &dyn Fn(&str)) -> anyhow::Result<Manifest> {
    ensure!(
        app.db.migrations_pending().await? == 0,
        "数据库结构不是本版本的最新结构，请先运行 qinglian migrate"
    );
    let tmp = out.with_extension("partial");
    let file = std::fs::File::create(&tmp).with_context(|| format!("无法创建 {}", tmp.display()))?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let packed = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);

    let names = tables(&app.db).await?;
    let mut conn = app.db.pool.acquire().await?;
    let begin = match app.db.engine {
        Engine::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        Engine::Sqlite => "BEGIN",
    };
    sqlx::query(begin).execute(&mut *conn).await?;
    let mut entries = Vec::new();
    for name in &names {
        zip.start_file(table_entry(name), packed)?;
        let (mut rows, mut digest, mut columns) = (0_u64, Sha256::new(), Vec::new());
        // Our names only, never input.
        let select = if name == SEARCH_INDEX {
            "SELECT kind, ref_id, title, body FROM search_index ORDER BY kind, ref_id".to_string()
        } else {
            format!("SELECT * FROM {name} ORDER BY 1")
        };
        let mut stream = sqlx::query(&select).fetch(&mut *conn);
        while let Some(row) = stream.next().await {
            let row = row?;
            if columns.is_empty() {
                columns = row.columns().iter().map(|c| c.name().to_string()).collect();
            }
            let values = (0..row.len()).map(|i| json_value(&row, i)).collect::<anyhow::Result<Vec<_>>>()?;
            let mut line = serde_json::to_vec(&values)?;
            line.push(b'\n');
            digest.update(&line);
            zip.write_all(&line)?;
            rows += 1;
        }
        drop(stream);
        if columns.is_empty() {
            columns = column_types(&app.db, name).await?.into_iter().map(|(c, _)| c).collect();
        }
        progress(&format!("表 {name}：{rows} 行"));
        entries.push(TableEntry {
            name: name.clone(),
            columns,
            rows,
            sha256: hex::encode(digest.finalize()),
        });
    }
    let schema_version = schema_version(&app.db).await?;
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    drop(conn);

    let mut files = Vec::new();
    for key in app.files.keys().await? {
        zip.start_file(file_entry(&key), stored)?;
        let mut opened = app.files.open(&key).await?;
        let (mut size, mut digest) = (0_u64, Sha256::new());
        while let Some(chunk) = opened.chunks.next().await {
            let chunk = chunk?;
            digest.update(&chunk);
            zip.write_all(&chunk)?;
            size += chunk.len() as u64;
        }
        ensure!(hex::encode(digest.finalize()) == key, "文件 {key} 的内容与其摘要不符（已损坏），备份中止");
        files.push(FileEntry { key, size });
    }
    progress(&format!("文件：{} 个", files.len()));

    let manifest = Manifest {
        format: FORMAT.into(),
        created_at: crate::db::now(),
        engine: format!("{:?}", app.db.engine).to_lowercase(),
        schema_version,
        tables: entries,
        files,
    };
    zip.start_file("manifest.json", packed)?;
    zip.write_all(&serde_json::to_vec_pretty(&manifest)?)?;
    zip.finish()?.into_inner()?.sync_all()?;
    // Only a finished archive takes the name asked for.
    std::fs::rename(&tmp, out)?;
    Ok(manifest)
}

type Archive = zip::ZipArchive<std::fs::File>;

/// Opens an archive and checks every checksum in it before anything is written anywhere.
pub fn verify(path: &Path) -> anyhow::Result<(Archive, Manifest)> {
    let file = std::fs::File::open(path).with_context(|| format!("无法打开 {}", path.display()))?;
    let mut zip = zip::ZipArchive::new(file).context("不是有效的备份文件（ZIP 结构损坏）")?;
    let manifest: Manifest = {
        let entry = zip.by_name("manifest.json").context("备份文件缺少 manifest.json")?;
        serde_json::from_reader(entry).context("manifest.json 无法解析")?
    };
    ensure!(manifest.format == FORMAT, "不支持的备份格式：{}", manifest.format);
    for t in &manifest.tables {
        let mut entry =
            zip.by_name(&table_entry(&t.name)).with_context(|| format!("备份缺少表 {}", t.name))?;
        let (digest, lines, _) =
            digest_of(&mut entry).with_context(|| format!("备份中的表 {} 已损坏", t.name))?;
        ensure!(digest == t.sha256 && lines == t.rows, "表 {} 的校验和不符，备份已损坏", t.name);
    }
    for f in &manifest.files {
        let mut entry =
            zip.by_name(&file_entry(&f.key)).with_context(|| format!("备份缺少文件 {}", f.key))?;
        let (digest, _, len) =
            digest_of(&mut entry).with_context(|| format!("备份中的文件 {} 已损坏", f.key))?;
        // The size too, as the restore trusts it to size its buffer.
        ensure!(digest == f.key && len == f.size, "文件 {} 的校验和不符，备份已损坏", f.key);
    }
    Ok((zip, manifest))
}

/// SHA-256, newline count and length of a stream.
fn digest_of(r: &mut impl Read) -> anyhow::Result<(String, u64, u64)> {
    let (mut digest, mut lines, mut len, mut buf) = (Sha256::new(), 0_u64, 0_u64, vec![0_u8; 64 * 1024]);
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            return Ok((hex::encode(digest.finalize()), lines, len));
        }
        digest.update(&buf[..n]);
        lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        len += n as u64;
    }
}

#[derive(Clone, Copy, Debug)]
enum ColumnType {
    Int,
    Float,
    Text,
    Bytes,
}

async fn column_types(db: &Db, table: &str) -> anyhow::Result<Vec<(String, ColumnType)>> {
    let q = match db.engine {
        Engine::Sqlite => "SELECT name, type FROM pragma_table_info($1) ORDER BY cid",
        Engine::Postgres => {
            "SELECT column_name::TEXT, data_type::TEXT FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position"
        }
    };
    let rows = sqlx::query(q).bind(table).fetch_all(&db.pool).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let (name, ty): (String, String) = (r.get(0), r.get::<String, _>(1).to_uppercase());
            let ty = if ty.contains("INT") || ty.contains("BOOL") {
                ColumnType::Int
            } else if ty.contains("BLOB") || ty.contains("BYTEA") {
                ColumnType::Bytes
            } else if ty.contains("REAL")
                || ty.contains("DOUBLE")
                || ty.contains("NUMERIC")
                || ty.contains("FLOAT")
            {
                ColumnType::Float
            } else {
                ColumnType::Text
            };
            (name, ty)
        })
        .collect())
}

fn bind<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    v: &Value,
    ty: ColumnType,
) -> anyhow::Result<sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>> {
    Ok(match (ty, v) {
        (ColumnType::Int, Value::Null) => q.bind(None::<i64>),
        (ColumnType::Float, Value::Null) => q.bind(None::<f64>),
        (ColumnType::Text, Value::Null) => q.bind(None::<String>),
        (ColumnType::Bytes, Value::Null) => q.bind(None::<Vec<u8>>),
        (ColumnType::Int, Value::Number(n)) => q.bind(n.as_i64().context("整数列中有非整数")?),
        (ColumnType::Float, Value::Number(n)) => q.bind(n.as_f64().context("数值列中有非数值")?),
        (ColumnType::Text, Value::String(s)) => q.bind(s.clone()),
        (ColumnType::Text, Value::Number(n)) => q.bind(n.to_string()),
        (ColumnType::Bytes, Value::Object(o)) => {
            let b64 = o.get("b64").and_then(Value::as_str).context("二进制列格式不对")?;
            q.bind(base64::engine::general_purpose::STANDARD.decode(b64)?)
        }
        (ty, v) => bail!("值 {v} 与列类型 {ty:?} 不符"),
    })
}

/// What a restore found and did.
#[derive(Debug)]
pub struct Restored {
    pub rows: u64,
    pub files: usize,
    pub signatures: crate::services::signatures::ChainReport,
    pub audit: crate::services::audit::AuditChainReport,
}

/// Restores an archive into the (freshly migrated, empty) instance `app` is connected to: the
/// checksums are verified first, the files go to its store, the tables are written in one
/// transaction, then every count, both SM3 chains and every file are checked again.
pub async fn restore(app: &App, path: &Path, progress: &dyn Fn(&str)) -> anyhow::Result<Restored> {
    let (mut zip, manifest) = verify(path)?;
    progress(&format!(
        "校验通过：{} 张表 {} 行，{} 个文件",
        manifest.tables.len(),
        manifest.rows(),
        manifest.files.len()
    ));
    let ours = schema_version(&app.db).await?;
    ensure!(
        manifest.schema_version == ours,
        "备份的数据库结构版本为 {}，本程序为 {ours}：请用同一版本的 qinglian 恢复",
        manifest.schema_version
    );
    for t in ["users", "campaigns", "people", "audit_log"] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t}")).fetch_one(&app.db.pool).await?;
        // An instance's history (its audit log above all) is never overwritten: restore into a
        // new database and point the servers at it.
        ensure!(
            n == 0,
            "目标数据库已有数据（{t} 表 {n} 行），恢复只写入空库：请新建数据库或数据目录后再恢复"
        );
    }

    for f in &manifest.files {
        let mut bytes = Vec::with_capacity(usize::try_from(f.size).unwrap_or(0));
        zip.by_name(&file_entry(&f.key))?.read_to_end(&mut bytes)?;
        app.files.put(&f.key, &bytes).await?;
    }
    progress(&format!("文件已写入 {}", app.files.describe()));

    let order = tables(&app.db).await?;
    let in_backup: BTreeMap<&str, &TableEntry> =
        manifest.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    ensure!(
        order.iter().all(|t| in_backup.contains_key(t.as_str())) && in_backup.len() == order.len(),
        "备份中的表与本程序的表不一致"
    );
    let mut tx = app.db.begin().await?;
    // What the migrations put in (reference data, this start's signing key) gives way to the
    // instance's own.
    for t in order.iter().rev() {
        sqlx::query(&format!("DELETE FROM {t}")).execute(&mut *tx).await?;
    }
    let mut rows = 0_u64;
    for name in &order {
        let entry = in_backup[name.as_str()];
        if name == SEARCH_INDEX {
            rows += reindex(&mut tx, &mut zip, entry).await?;
            continue;
        }
        let types: HashMap<String, ColumnType> = column_types(&app.db, name).await?.into_iter().collect();
        let cols: Vec<(String, ColumnType)> = entry
            .columns
            .iter()
            .map(|c| types.get(c).map(|t| (c.clone(), *t)).with_context(|| format!("表 {name} 没有列 {c}")))
            .collect::<anyhow::Result<_>>()?;
        let reader = BufReader::new(zip.by_name(&table_entry(name))?);
        let mut batch: Vec<Vec<Value>> = Vec::with_capacity(BATCH);
        let mut lines = reader.lines();
        loop {
            let line = lines.next().transpose()?;
            if let Some(line) = &line {
                let values: Vec<Value> = serde_json::from_str(line)?;
                ensure!(values.len() == cols.len(), "表 {name} 的一行列数不对");
                batch.push(values);
            }
            if batch.len() == BATCH || (line.is_none() && !batch.is_empty()) {
                let sql = format!(
                    "INSERT INTO {name} ({}) VALUES {}",
                    cols.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>().join(", "),
                    crate::db::values_placeholders(batch.len(), cols.len())
                );
                let mut q = sqlx::query(&sql);
                for values in &batch {
                    for (v, (_, ty)) in values.iter().zip(&cols) {
                        q = bind(q, v, *ty)?;
                    }
                }
                q.execute(&mut *tx).await.with_context(|| format!("写入表 {name} 失败"))?;
                rows += batch.len() as u64;
                batch.clear();
            }
            if line.is_none() {
                break;
            }
        }
        if app.db.engine == Engine::Postgres && types.contains_key("id") {
            // Rows came with their ids: new ones continue after them.
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            ))
            .execute(&mut *tx)
            .await?;
        }
    }
    // The archive's data keys must open under this instance's master key, or every phone in it
    // would be unreadable: refused before anything is kept.
    if let Err(e) = app.db.vault.refresh_with(&mut tx).await {
        drop(tx);
        // The keys this start made for the empty target go too, so that the next attempt, with
        // the right key file, finds the target as it was.
        sqlx::query("DELETE FROM data_keys").execute(&app.db.pool).await?;
        return Err(e.context(
            "备份中的个人信息以来源实例的主密钥加密：请用 --master-key-file 指定来源实例的主密钥文件后再恢复",
        ));
    }
    tx.commit().await?;
    progress(&format!("数据已写入：{rows} 行"));
    check_restored(app, &manifest).await
}

/// Indexes again the search documents an archive keeps.
async fn reindex(tx: &mut crate::db::Tx, zip: &mut Archive, entry: &TableEntry) -> anyhow::Result<u64> {
    let engine = tx.engine;
    let mut rows = 0;
    for line in BufReader::new(zip.by_name(&table_entry(&entry.name))?).lines() {
        let doc: (String, i64, String, String) = serde_json::from_str(&line?)?;
        crate::services::search::insert(&mut *tx, engine, &doc.0, doc.1, &doc.2, &doc.3)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        rows += 1;
    }
    Ok(rows)
}

/// Counts, files and chains of a restored instance against the manifest.
async fn check_restored(app: &App, manifest: &Manifest) -> anyhow::Result<Restored> {
    let zh = |e: crate::error::AppError| anyhow::anyhow!(e.message(crate::i18n::Lang::Zh));
    for t in &manifest.tables {
        let n: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", t.name)).fetch_one(&app.db.pool).await?;
        ensure!(n as u64 == t.rows, "恢复后表 {} 有 {n} 行，备份中为 {} 行", t.name, t.rows);
    }
    let held: HashSet<String> = app.files.keys().await?.into_iter().collect();
    for f in &manifest.files {
        ensure!(held.contains(&f.key), "恢复后缺少文件 {}", f.key);
    }
    let signatures = crate::services::signatures::verify_chain(app).await.map_err(zh)?;
    let audit = crate::services::audit::verify_chain(&app.db).await.map_err(zh)?;
    ensure!(signatures.intact, "恢复后签名链校验失败：{:?}", signatures.problem);
    ensure!(audit.intact, "恢复后审计日志链校验失败（第 {:?} 条）", audit.broken_at);
    Ok(Restored { rows: manifest.rows(), files: manifest.files.len(), signatures, audit })
}
