//! Roster import from XLSX, XLS and CSV (UTF-8 or GBK) with Chinese headers.
//!
//! Every row is checked first and reported in Chinese; nothing is written if any row is invalid,
//! unless the user asks for the valid rows only. Rows are matched to existing people by staff
//! number, then by phone, so a re-import updates instead of duplicating; only people within the
//! importer's units are matched, and a value the file does not carry never blanks a stored one.
//! The write is one transaction with multi-row inserts, so 20,000 rows take well under two
//! seconds. Ranks are read against the configured list ([`crate::domain::ranks`]); a totals row
//! (合计 20000人) is passed over and said so; an ID-number column is never read, and the report
//! says why.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::{audit, Actor, App};
use crate::db::{now, values_placeholders};
use crate::domain::parse_phone;
use crate::domain::text::{normalize, normalize_name, parse_yes_no};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Msg};
use crate::vault::Blind;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Check only; write nothing.
    #[default]
    Preview,
    /// Write everything, or nothing if any row is invalid.
    All,
    /// Write the valid rows and skip the invalid ones.
    ValidOnly,
}

impl ImportMode {
    pub fn parse(s: &str) -> ImportMode {
        match s {
            "all" => ImportMode::All,
            "valid_only" => ImportMode::ValidOnly,
            _ => ImportMode::Preview,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RowReport {
    /// The row number as the spreadsheet shows it.
    pub row: usize,
    pub name: String,
    pub unit: String,
    /// `create`, `update` or `error`.
    pub action: String,
    pub errors: Vec<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = RosterImportReport)]
pub struct ImportReport {
    /// Rows of people read (totals rows not counted).
    pub total: usize,
    pub valid: usize,
    pub invalid: usize,
    pub created: usize,
    pub updated: usize,
    /// Whether anything was written.
    pub written: bool,
    pub rows: Vec<RowReport>,
    /// What the file holds that was not taken, and why: totals rows, columns not stored.
    pub notes: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Column {
    Name,
    Unit,
    Position,
    Rank,
    Phone,
    Party,
    StaffNo,
    Email,
    /// How the person wants his notices: 短信, 邮件 or 不接收.
    NotifyBy,
    /// Read only to say it is not stored.
    IdNumber,
}

fn column_for(header: &str) -> Option<Column> {
    let h: String = normalize(header)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '*')
        .collect::<String>()
        .to_lowercase();
    Some(match h.as_str() {
        "姓名" | "名字" | "人员姓名" => Column::Name,
        "单位" | "所在单位" | "单位名称" | "工作单位" | "部门" => Column::Unit,
        "职务" | "职位" | "现任职务" => Column::Position,
        "职级" | "级别" | "职级层次" => Column::Rank,
        "手机号" | "手机" | "手机号码" | "联系电话" | "电话" | "联系方式" => Column::Phone,
        "是否党员" | "政治面貌" | "党员" => Column::Party,
        "工号" | "人员编号" | "编号" | "职工号" => Column::StaffNo,
        "电子邮箱" | "邮箱" | "电子邮件" | "邮件地址" | "email" | "e-mail" => Column::Email,
        "通知方式" | "接收通知方式" | "提醒方式" => Column::NotifyBy,
        "身份证号" | "身份证号码" | "身份证" | "公民身份号码" | "证件号码" | "身份证件号码" => {
            Column::IdNumber
        }
        _ => return None,
    })
}

/// A row that passed validation, ready to write.
struct Valid {
    name: String,
    unit_id: i64,
    /// `None` where the file carries no value: an update keeps what is stored.
    position: Option<String>,
    rank: Option<String>,
    party: Option<bool>,
    phone: Option<String>,
    staff_no: Option<String>,
    email: Option<String>,
    notify_by: Option<&'static str>,
    existing: Option<i64>,
}

pub const MAX_ROWS: usize = 50_000;

/// A row that counts the others rather than naming a person: 合计 / 20000人, 总计：35人, 共20000人.
/// It carries no phone (a row with one is a person, whatever his name).
fn is_totals_row(cells: &[String], columns: &HashMap<Column, usize>) -> bool {
    let keyed =
        columns.get(&Column::Phone).and_then(|i| cells.get(*i)).is_some_and(|v| parse_phone(v).is_some());
    let totals = |cell: &String| {
        let word: String = normalize(cell).chars().filter(|c| !c.is_whitespace()).collect();
        ["合计", "总计", "小计", "共计", "总人数"].iter().any(|w| word.starts_with(w))
            || (word.starts_with('共') && word.ends_with('人') && word.chars().count() > 2)
    };
    !keyed && cells.iter().any(totals)
}

/// Notes on the header: columns the import does not take, an ID-number column above all.
fn header_notes(header: &[String], columns: &HashMap<Column, usize>, lang: Lang) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(i) = columns.get(&Column::IdNumber) {
        let column = normalize(header.get(*i).map_or("", String::as_str));
        notes.push(Msg::new("roster.id_not_stored").arg("column", column.trim()).render(lang));
    }
    let ignored: Vec<String> = header
        .iter()
        .map(|h| normalize(h).trim().to_string())
        .filter(|h| !h.is_empty() && column_for(h).is_none() && !["序号", "编号"].contains(&h.as_str()))
        .collect();
    if !ignored.is_empty() {
        notes.push(Msg::new("roster.columns_ignored").arg("columns", ignored.join("、")).render(lang));
    }
    notes
}

/// 短信, 邮件 or 不接收 as offices write them.
pub(crate) fn parse_notify_by(raw: &str) -> Option<&'static str> {
    let word: String = raw.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
    Some(match word.as_str() {
        "短信" | "手机短信" | "手机" | "sms" => "sms",
        "邮件" | "电子邮件" | "邮箱" | "email" | "e-mail" => "email",
        "不接收" | "不通知" | "无" | "否" | "none" => "none",
        _ => return None,
    })
}

/// The rank cell read against the configured list: the rank it means, or why it cannot be taken.
pub(crate) fn read_rank(ranks: &crate::domain::ranks::Ranks, raw: &str) -> Result<Option<String>, Msg> {
    use crate::domain::ranks::RankMatch;
    if raw.trim().is_empty() {
        return Ok(None);
    }
    match ranks.find(raw) {
        RankMatch::Known(rank) => Ok(Some(rank)),
        RankMatch::Unknown { nearest: Some(word) } => {
            Err(Msg::new("roster.rank_near").arg("rank", raw.trim()).arg("nearest", word))
        }
        RankMatch::Unknown { nearest: None } => Err(Msg::new("roster.rank_unknown")
            .arg("rank", raw.trim())
            .arg("ranks", ranks.names().collect::<Vec<_>>().join("、"))),
    }
}

pub async fn import(
    app: &App,
    actor: &Actor,
    bytes: &[u8],
    file_name: &str,
    mode: ImportMode,
    lang: Lang,
) -> AppResult<ImportReport> {
    if !actor.campaign_wide() && !actor.has(crate::domain::Role::UnitAdmin) {
        return Err(AppError::Forbidden);
    }
    let sheet = super::sheet::read(bytes).await?;
    // The header row is the first naming 姓名.
    let (header_at, columns) =
        super::sheet::header(&sheet, |c| column_for(c) == Some(Column::Name), column_for)
            .ok_or_else(|| AppError::invalid("file", Msg::new("err.roster_no_header")))?;
    for (col, label) in [(Column::Name, "姓名"), (Column::Unit, "单位")] {
        if !columns.contains_key(&col) {
            return Err(AppError::invalid(
                "file",
                Msg::new("err.roster_missing_column").arg("column", label),
            ));
        }
    }
    let mut notes = header_notes(&sheet.rows[header_at].1, &columns, lang);
    type Rows<'a> = Vec<&'a (usize, Vec<String>)>;
    let (totals, data_rows): (Rows, Rows) = sheet.rows[header_at + 1..]
        .iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .partition(|(_, cells)| is_totals_row(cells, &columns));
    for (row_no, cells) in &totals {
        let text: Vec<String> =
            cells.iter().map(|c| normalize(c).trim().to_string()).filter(|c| !c.is_empty()).collect();
        notes.push(Msg::new("roster.totals_row").arg("row", row_no).arg("text", text.join(" ")).render(lang));
    }
    if data_rows.is_empty() {
        return Err(AppError::invalid("file", Msg::new("err.roster_empty")));
    }
    if data_rows.len() > MAX_ROWS {
        return Err(AppError::invalid("file", Msg::new("err.roster_too_many").arg("max", MAX_ROWS)));
    }

    let units: HashMap<String, (i64, String)> = sqlx::query("SELECT id, name, path FROM units")
        .fetch_all(&app.db.pool)
        .await?
        .into_iter()
        .map(|r| (r.get::<String, _>("name"), (r.get("id"), r.get("path"))))
        .collect();
    // Staff numbers and phones are unique city-wide, so a row is matched against everyone; a
    // match outside the importer's units is refused as a row error, never updated or moved.
    let mut by_phone: HashMap<String, i64> = HashMap::new();
    let mut by_staff: HashMap<String, i64> = HashMap::new();
    let mut outside: HashSet<i64> = HashSet::new();
    let people = sqlx::query(
        "SELECT p.id, p.phone_idx, p.staff_no, u.path FROM people p JOIN units u ON u.id = p.unit_id",
    )
    .fetch_all(&app.db.pool)
    .await?;
    for r in people {
        let id: i64 = r.get("id");
        if !actor.covers(&r.get::<String, _>("path")) {
            outside.insert(id);
        }
        if let Some(p) = r.get::<Option<String>, _>("phone_idx") {
            by_phone.insert(p, id);
        }
        if let Some(s) = r.get::<Option<String>, _>("staff_no") {
            by_staff.insert(s, id);
        }
    }

    let cell = |cells: &Vec<String>, col: Column| -> String {
        columns.get(&col).and_then(|i| cells.get(*i)).map(|s| normalize(s)).unwrap_or_default()
    };
    let mut report = Vec::with_capacity(data_rows.len());
    let mut valid = Vec::with_capacity(data_rows.len());
    let mut seen_phones: HashMap<String, usize> = HashMap::new();
    let mut seen_staff: HashMap<String, usize> = HashMap::new();
    for (row_no, cells) in data_rows {
        let name = normalize_name(&cell(cells, Column::Name));
        let unit_name = normalize_name(&cell(cells, Column::Unit));
        let mut errors: Vec<Msg> = Vec::new();
        if name.is_empty() {
            errors.push(Msg::new("roster.name_missing"));
        } else if name.chars().count() > 50 {
            errors.push(Msg::new("roster.name_too_long"));
        }
        let unit = units.get(&unit_name);
        match unit {
            None if unit_name.is_empty() => errors.push(Msg::new("roster.unit_missing")),
            None => errors.push(Msg::new("roster.unit_unknown").arg("unit", &unit_name)),
            Some((_, path)) if !actor.covers(path) => {
                errors.push(Msg::new("roster.unit_out_of_scope").arg("unit", &unit_name))
            }
            Some(_) => {}
        }
        let phone_raw = cell(cells, Column::Phone);
        let phone = if phone_raw.is_empty() {
            None
        } else {
            let p = parse_phone(&phone_raw);
            if p.is_none() {
                errors.push(Msg::new("roster.phone_invalid").arg("phone", &phone_raw));
            }
            p
        };
        let staff_no = Some(cell(cells, Column::StaffNo)).filter(|s| !s.is_empty());
        if phone.is_none() && staff_no.is_none() && phone_raw.is_empty() {
            errors.push(Msg::new("roster.no_key"));
        }
        let email_raw = cell(cells, Column::Email);
        let email = Some(&email_raw).filter(|e| !e.is_empty()).and_then(|e| {
            let parsed = crate::domain::parse_email(e);
            if parsed.is_none() {
                errors.push(Msg::new("roster.email_invalid").arg("email", e));
            }
            parsed
        });
        let notify_raw = cell(cells, Column::NotifyBy);
        let notify_by = Some(&notify_raw).filter(|n| !n.is_empty()).and_then(|n| {
            let parsed = parse_notify_by(n);
            if parsed.is_none() {
                errors.push(Msg::new("roster.notify_invalid").arg("value", n));
            }
            parsed
        });
        let rank = read_rank(&app.config.ranks, &cell(cells, Column::Rank)).unwrap_or_else(|m| {
            errors.push(m);
            None
        });
        let party_raw = cell(cells, Column::Party);
        let party = if party_raw.is_empty() {
            None
        } else {
            Some(parse_yes_no(&party_raw).unwrap_or_else(|| {
                errors.push(Msg::new("roster.party_invalid").arg("value", &party_raw));
                false
            }))
        };
        if let Some(p) = &phone {
            if let Some(first) = seen_phones.insert(p.clone(), *row_no) {
                errors.push(Msg::new("roster.phone_duplicate").arg("row", first));
            }
        }
        if let Some(s) = &staff_no {
            if let Some(first) = seen_staff.insert(s.clone(), *row_no) {
                errors.push(Msg::new("roster.staff_duplicate").arg("row", first));
            }
        }
        let by_staff_id = staff_no.as_ref().and_then(|s| by_staff.get(s)).copied();
        let by_phone_id =
            phone.as_ref().and_then(|p| by_phone.get(&app.db.vault.index(Blind::Phone, p))).copied();
        if let (Some(a), Some(b)) = (by_staff_id, by_phone_id) {
            if a != b {
                errors.push(Msg::new("roster.key_conflict"));
            }
        }
        let existing = by_staff_id.or(by_phone_id);
        if notify_by == Some("email") && email.is_none() && existing.is_none() {
            errors.push(Msg::new("roster.notify_needs_email"));
        }
        if [by_staff_id, by_phone_id].iter().flatten().any(|id| outside.contains(id)) {
            errors.push(Msg::new("roster.person_out_of_scope"));
        }
        let action = if !errors.is_empty() {
            "error"
        } else if existing.is_some() {
            "update"
        } else {
            "create"
        };
        report.push(RowReport {
            row: *row_no,
            name: name.clone(),
            unit: unit_name.clone(),
            action: action.to_string(),
            errors: errors.iter().map(|m| m.render(lang)).collect(),
        });
        if errors.is_empty() {
            valid.push(Valid {
                name,
                unit_id: unit.map(|(id, _)| *id).unwrap_or_default(),
                position: Some(cell(cells, Column::Position)).filter(|v| !v.is_empty()),
                rank,
                party,
                phone,
                staff_no,
                email,
                notify_by,
                existing,
            });
        }
    }
    let invalid = report.len() - valid.len();
    let mut out = ImportReport {
        total: report.len(),
        valid: valid.len(),
        invalid,
        created: 0,
        updated: 0,
        written: false,
        rows: report,
        notes,
    };
    let write = match mode {
        ImportMode::Preview => false,
        ImportMode::All => invalid == 0,
        ImportMode::ValidOnly => !valid.is_empty(),
    };
    if !write {
        return Ok(out);
    }
    let (created, updated) = write_rows(app, actor, &valid, file_name).await?;
    out.created = created;
    out.updated = updated;
    out.written = true;
    Ok(out)
}

/// Rows written per statement: well inside both engines' limits on bound values.
const BATCH: usize = 400;

async fn write_rows(app: &App, actor: &Actor, rows: &[Valid], file_name: &str) -> AppResult<(usize, usize)> {
    let t = now();
    let vault = &app.db.vault;
    let mut tx = app.db.begin().await?;
    let (updates, creates): (Vec<&Valid>, Vec<&Valid>) = rows.iter().partition(|r| r.existing.is_some());
    // Both engines name the columns of a VALUES list column1, column2, …
    for chunk in updates.chunks(BATCH) {
        let sql = format!(
            "UPDATE people SET name = v.column2, unit_id = v.column3,
                    position = COALESCE(v.column4, people.position), rank = COALESCE(v.column5, people.rank),
                    party_member = COALESCE(v.column6, people.party_member), phone = COALESCE(v.column7, people.phone),
                    staff_no = COALESCE(v.column8, people.staff_no), email = COALESCE(v.column9, people.email),
                    notify_by = COALESCE(v.column10, people.notify_by), phone_idx = COALESCE(v.column11, people.phone_idx),
                    updated_at = {t}
             FROM (VALUES {}) AS v WHERE people.id = v.column1",
            values_placeholders(chunk.len(), 11)
        );
        let mut q = sqlx::query(&sql);
        for r in chunk {
            q = q
                .bind(r.existing)
                .bind(&r.name)
                .bind(r.unit_id)
                .bind(&r.position)
                .bind(&r.rank)
                .bind(r.party.map(i64::from))
                .bind(vault.seal_opt(r.phone.as_deref()))
                .bind(&r.staff_no)
                .bind(vault.seal_opt(r.email.as_deref()))
                .bind(r.notify_by)
                .bind(vault.index_opt(Blind::Phone, r.phone.as_deref()));
        }
        q.execute(&mut *tx).await?;
    }
    for chunk in creates.chunks(BATCH) {
        let sql = format!(
            "INSERT INTO people (unit_id, name, staff_no, position, rank, party_member, phone, email, notify_by, created_at,
                    updated_at, phone_idx)
             VALUES {}",
            values_placeholders(chunk.len(), 12)
        );
        let mut q = sqlx::query(&sql);
        for r in chunk {
            q = q
                .bind(r.unit_id)
                .bind(&r.name)
                .bind(&r.staff_no)
                .bind(r.position.as_deref().unwrap_or(""))
                .bind(r.rank.as_deref().unwrap_or(""))
                .bind(r.party.map_or(0, i64::from))
                .bind(vault.seal_opt(r.phone.as_deref()))
                .bind(vault.seal_opt(r.email.as_deref()))
                .bind(r.notify_by.unwrap_or("sms"))
                .bind(t)
                .bind(t)
                .bind(vault.index_opt(Blind::Phone, r.phone.as_deref()));
        }
        q.execute(&mut *tx).await?;
    }
    let units: HashSet<i64> = rows.iter().map(|r| r.unit_id).collect();
    audit::record(
        &mut tx,
        actor,
        "roster.import",
        "people",
        "",
        json!({"file": file_name, "created": creates.len(), "updated": updates.len(), "units": units.len()}),
    )
    .await?;
    tx.commit().await?;
    if rows.len() >= 1000 {
        app.db.refresh_statistics("people").await;
    }
    Ok((creates.len(), updates.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_office_spellings() {
        assert_eq!(column_for(" 姓 名 "), Some(Column::Name));
        assert_eq!(column_for("*手机号码"), Some(Column::Phone));
        assert_eq!(column_for("政治面貌"), Some(Column::Party));
        assert_eq!(column_for("备注"), None);
    }
}
