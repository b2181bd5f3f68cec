//! How far a study material or a pledge has reached the people it is addressed to: delivered,
//! opened and signed, per unit and per rank, who has not signed; as XLSX; and as the host unit's
//! ledger entry for the activity (which a knowledge test files too).

use serde::Serialize;
use serde_json::json;
use sqlx::Row;

use super::filter::Where;
use super::{Actor, App};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Group {
    pub name: String,
    pub expected: i64,
    pub delivered: i64,
    pub opened: i64,
    pub signed: i64,
}

impl Group {
    pub fn rate(&self) -> i64 {
        if self.expected == 0 {
            0
        } else {
            self.signed * 100 / self.expected
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ReachProgress)]
pub struct Progress {
    pub totals: Group,
    pub units: Vec<Group>,
    pub ranks: Vec<Group>,
    /// Those who have not signed yet (the first 200).
    pub unsigned: Vec<Pending>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Pending {
    pub person_id: i64,
    pub name: String,
    pub unit_name: String,
    pub rank: String,
    pub delivered: bool,
    pub opened: bool,
}

/// What is measured: a material (with its receipts) or a pledge.
pub struct Subject<'a> {
    pub kind: &'static str,
    pub id: i64,
    /// Adds the audience's condition over `people p JOIN units u`.
    pub audience: &'a (dyn Fn(&mut Where) -> String + Sync),
    /// Materials: whether online copies count as delivered from publication. Pledges: `None`.
    pub online: Option<bool>,
}

pub async fn progress(app: &App, s: &Subject<'_>) -> AppResult<Progress> {
    let id = s.id;
    let signed_join = format!(
        "LEFT JOIN signatures s ON s.subject = '{}' AND s.subject_id = {id} AND s.counted_for = p.id AND s.withdrawn_at = 0",
        s.kind
    );
    let (receipts, delivered, opened) = match s.online {
        Some(online) => (
            format!("LEFT JOIN material_receipts r ON r.material_id = {id} AND r.person_id = p.id"),
            if online { "1" } else { "CASE WHEN r.delivered_at > 0 THEN 1 ELSE 0 END" },
            "CASE WHEN r.opened_at > 0 THEN 1 ELSE 0 END",
        ),
        None => (String::new(), "0", "0"),
    };
    let mut groups = Vec::new();
    for key in ["u.id, u.name", "p.rank"] {
        let name = if key == "p.rank" { "p.rank" } else { "u.name" };
        let mut w = Where::default();
        let cond = (s.audience)(&mut w);
        let sql = format!(
            "SELECT {name} AS name, COUNT(*) AS expected, SUM({delivered}) AS delivered, SUM({opened}) AS opened, COUNT(s.id) AS signed
             FROM people p JOIN units u ON u.id = p.unit_id {receipts} {signed_join}
             WHERE {cond} GROUP BY {key} ORDER BY MIN(u.path), {key}"
        );
        groups.push(
            w.fetch_all(&app.db.pool, &sql)
                .await?
                .iter()
                .map(|r| Group {
                    name: r.get("name"),
                    expected: r.get("expected"),
                    delivered: r.get::<Option<i64>, _>("delivered").unwrap_or(0),
                    opened: r.get::<Option<i64>, _>("opened").unwrap_or(0),
                    signed: r.get("signed"),
                })
                .collect::<Vec<_>>(),
        );
    }
    let ranks = groups.pop().unwrap_or_default();
    let units = groups.pop().unwrap_or_default();
    let totals = units.iter().fold(Group::default(), |mut t, g| {
        t.expected += g.expected;
        t.delivered += g.delivered;
        t.opened += g.opened;
        t.signed += g.signed;
        t
    });
    let mut w = Where::default();
    let cond = (s.audience)(&mut w);
    let (delivered_at, opened_at) = if s.online.is_some() {
        ("COALESCE(r.delivered_at, 0)", "COALESCE(r.opened_at, 0)")
    } else {
        ("0", "0")
    };
    let sql = format!(
        "SELECT p.id, p.name, u.name AS unit_name, p.rank, {delivered_at} AS delivered_at, {opened_at} AS opened_at
         FROM people p JOIN units u ON u.id = p.unit_id {receipts} {signed_join}
         WHERE {cond} AND s.id IS NULL ORDER BY u.path, p.id LIMIT 200"
    );
    let online = s.online == Some(true);
    let unsigned = w
        .fetch_all(&app.db.pool, &sql)
        .await?
        .iter()
        .map(|r| Pending {
            person_id: r.get("id"),
            name: r.get("name"),
            unit_name: r.get("unit_name"),
            rank: r.get("rank"),
            delivered: online || r.get::<i64, _>("delivered_at") > 0,
            opened: r.get::<i64, _>("opened_at") > 0,
        })
        .collect();
    Ok(Progress { totals, units, ranks, unsigned })
}

/// The progress as a workbook: by unit, by rank, and who has not signed.
pub fn xlsx(title: &str, p: &Progress) -> AppResult<Vec<u8>> {
    let xerr = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let mut book = rust_xlsxwriter::Workbook::new();
    for (sheet_name, first, rows) in [("分单位", "单位", &p.units), ("分职级", "职级", &p.ranks)] {
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name).map_err(xerr)?;
        sheet
            .write_string_with_format(0, 0, format!("{title}　{sheet_name}签名情况"), &bold)
            .map_err(xerr)?;
        for (c, h) in [first, "应签", "已送达", "已阅读", "已签名", "签名率"].iter().enumerate()
        {
            sheet.write_string_with_format(2, c as u16, *h, &bold).map_err(xerr)?;
        }
        for (i, g) in
            rows.iter().chain(std::iter::once(&Group { name: "合计".into(), ..p.totals.clone() })).enumerate()
        {
            let r = i as u32 + 3;
            crate::services::sheet::write_text(sheet, r, 0, &g.name).map_err(xerr)?;
            for (c, v) in [g.expected, g.delivered, g.opened, g.signed].iter().enumerate() {
                sheet.write_number(r, c as u16 + 1, *v as f64).map_err(xerr)?;
            }
            crate::services::sheet::write_text(sheet, r, 5, format!("{}%", g.rate())).map_err(xerr)?;
        }
        sheet.set_column_width(0, 24).map_err(xerr)?;
    }
    let sheet = book.add_worksheet();
    sheet.set_name("未签名人员").map_err(xerr)?;
    for (c, h) in ["姓名", "单位", "职级", "已送达", "已阅读"].iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold).map_err(xerr)?;
    }
    for (i, u) in p.unsigned.iter().enumerate() {
        let r = i as u32 + 1;
        let yes = |b: bool| if b { "是" } else { "否" };
        for (c, v) in
            [u.name.as_str(), &u.unit_name, &u.rank, yes(u.delivered), yes(u.opened)].iter().enumerate()
        {
            crate::services::sheet::write_text(sheet, r, c as u16, *v).map_err(xerr)?;
        }
    }
    sheet.set_column_width(1, 24).map_err(xerr)?;
    book.save_to_buffer().map_err(xerr)
}

/// What a ledger entry is filed for: a material, a pledge or a test, its activity and host unit.
pub struct Owner<'a> {
    /// "materials", "pledges" or "quizzes".
    pub table: &'static str,
    pub id: i64,
    pub activity_id: Option<i64>,
    pub host_unit_id: i64,
    pub title: &'a str,
}

/// Files the host unit's ledger entry for a material or pledge from its reach: how many
/// signed, of how many asked.
pub async fn file_signed_ledger(app: &App, actor: &Actor, owner: Owner<'_>, p: &Progress) -> AppResult<i64> {
    let t = &p.totals;
    let summary =
        format!("{}：应签{}人，已签名{}人，签名率{}%。", owner.title, t.expected, t.signed, t.rate());
    file_ledger(app, actor, owner, t.signed, summary).await
}

/// Files the host unit's ledger entry for the activity, online, with `participants` and
/// `summary`. Once per material, pledge or test.
pub async fn file_ledger(
    app: &App,
    actor: &Actor,
    owner: Owner<'_>,
    participants: i64,
    summary: String,
) -> AppResult<i64> {
    let Owner { table, id, activity_id, host_unit_id, .. } = owner;
    let activity_id = activity_id.ok_or_else(|| AppError::Conflict(Msg::new("err.no_activity")))?;
    let campaign_id = super::campaigns::activity(app, activity_id).await?.campaign_id;
    let input = super::ledger::EntryInput {
        entry_date: crate::domain::today(),
        place: "线上".into(),
        participants,
        summary,
        theme_ids: Vec::new(),
    };
    let target = super::ledger::Target { activity_id, campaign_id, task_id: None, unit_id: host_unit_id };
    let mut tx = app.db.begin().await?;
    let entry = super::ledger::submit_in(&mut tx, actor, target, input).await?;
    let n = sqlx::query(&format!(
        "UPDATE {table} SET ledger_entry_id = $1 WHERE id = $2 AND ledger_entry_id IS NULL"
    ))
    .bind(entry)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if n.rows_affected() == 0 {
        return Err(AppError::Conflict(Msg::new("err.ledger_filed")));
    }
    super::audit::record(&mut tx, actor, "reach.ledger", table, id, json!({"entry": entry})).await?;
    tx.commit().await?;
    Ok(entry)
}
