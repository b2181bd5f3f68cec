//! The ledger (台账) as a workbook: for the whole campaign, one activity, or one unit and those
//! below it. Sheets: a summary per activity, the ledger entries with links to their evidence,
//! every sign-in, and every read-then-sign signature. Each sheet's rows stream from one query
//! into rust_xlsxwriter's constant-memory mode, so memory stays flat however many rows there are;
//! progress is reported every few thousand rows.

use futures_util::TryStreamExt;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatBorder, Workbook, Worksheet};
use sqlx::Row;

use super::report::facts;
use super::{Actor, App};
use crate::domain::format_datetime;
use crate::error::{AppError, AppResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Campaign,
    Activity(i64),
    /// A unit and every unit below it.
    Unit(i64),
}

impl Scope {
    /// One activity if given, else one unit if given, else the whole campaign.
    pub fn of(activity: Option<i64>, unit: Option<i64>) -> Scope {
        match (activity, unit) {
            (Some(a), _) => Scope::Activity(a),
            (None, Some(u)) => Scope::Unit(u),
            (None, None) => Scope::Campaign,
        }
    }
}

/// Told how far the export has come, 0‥100.
pub trait Progress: Send + Sync {
    fn set(&self, percent: i64) -> impl std::future::Future<Output = ()> + Send;
}

/// No one is watching (a direct download).
pub struct Silent;

impl Progress for Silent {
    async fn set(&self, _percent: i64) {}
}

/// Rows between two progress reports.
const STEP: i64 = 5_000;

fn xlsx(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(format!("xlsx: {e}"))
}

/// What the actor may export, as a SQL condition on `a` (activities) and `u` (units).
async fn condition(app: &App, actor: &Actor, campaign_id: i64, scope: Scope) -> AppResult<String> {
    Ok(match scope {
        Scope::Campaign => {
            actor.require_organiser()?;
            format!("a.campaign_id = {campaign_id}")
        }
        Scope::Activity(id) => {
            actor.require_organiser()?;
            format!("a.campaign_id = {campaign_id} AND a.id = {id}")
        }
        Scope::Unit(id) => {
            let path: String = sqlx::query_scalar("SELECT path FROM units WHERE id = $1")
                .bind(id)
                .fetch_optional(&app.db.pool)
                .await?
                .ok_or(AppError::NotFound)?;
            if !actor.covers(&path) {
                return Err(AppError::NotFound);
            }
            // Paths are digits and slashes, made by this program.
            format!("a.campaign_id = {campaign_id} AND u.path LIKE '{path}%'")
        }
    })
}

/// One sheet's rows: the query (selecting an id first, then the columns in order) and headers.
struct Sheet {
    name: &'static str,
    headers: &'static [&'static str],
    widths: &'static [f64],
    from: &'static str,
    columns: &'static str,
    /// Columns that hold unix seconds, written as Excel date-times in China time.
    times: &'static [usize],
    /// Columns that hold a stored date (`YYYY-MM-DD`), written as Excel dates.
    dates: &'static [usize],
    /// A column holding a path on this server, written as a link.
    link: Option<usize>,
    order: &'static str,
}

const SHEETS: [Sheet; 4] = [
    Sheet {
        name: "工作台账",
        headers: &["活动", "单位", "日期", "地点", "参加人数", "活动简况", "状态", "佐证材料"],
        widths: &[28.0, 22.0, 12.0, 20.0, 10.0, 60.0, 10.0, 30.0],
        from: "ledger_entries e JOIN activities a ON a.id = e.activity_id JOIN units u ON u.id = e.unit_id",
        columns: "e.id, a.title, u.name, e.entry_date, e.place, e.participants, e.summary,
                  CASE e.status WHEN 'accepted' THEN '已通过' WHEN 'returned' THEN '已退回' ELSE '待审核' END AS status,
                  (SELECT COUNT(*) FROM attachments x WHERE x.ledger_entry_id = e.id) AS files",
        times: &[],
        dates: &[2],
        link: Some(7),
        order: "a.seq, e.entry_date, e.id",
    },
    Sheet {
        name: "签到记录",
        headers: &["活动", "场次", "姓名", "单位", "方式", "签到时间"],
        widths: &[28.0, 34.0, 12.0, 22.0, 8.0, 18.0],
        from: "checkins c JOIN sittings s ON s.id = c.sitting_id JOIN activities a ON a.id = s.activity_id
               LEFT JOIN people p ON p.id = c.person_id LEFT JOIN units u ON u.id = p.unit_id",
        columns: "c.id, a.title, s.title AS sitting, c.name, COALESCE(u.name, '社会公众') AS unit,
                  CASE c.method WHEN 'qr' THEN '扫码' WHEN 'clerk' THEN '现场代签' ELSE '账号' END AS method, c.checked_at",
        times: &[5],
        dates: &[],
        link: None,
        order: "a.seq, s.starts_at, s.id, c.checked_at, c.id",
    },
    Sheet {
        name: "阅后签名",
        headers: &["活动", "学习资料", "姓名", "单位", "签名方式", "签名时间"],
        widths: &[28.0, 34.0, 12.0, 22.0, 10.0, 18.0],
        from: "signatures g JOIN materials m ON g.subject = 'material' AND m.id = g.subject_id
               JOIN activities a ON a.id = m.activity_id LEFT JOIN people p ON p.id = g.person_id
               LEFT JOIN units u ON u.id = p.unit_id",
        columns: "g.id, a.title, m.title AS material, g.name, COALESCE(u.name, '') AS unit,
                  CASE g.method WHEN 'drawn' THEN '手写' WHEN 'typed' THEN '输入姓名' ELSE '纸质' END AS method, g.signed_at",
        times: &[5],
        dates: &[],
        link: None,
        order: "a.seq, m.id, g.signed_at, g.id",
    },
    Sheet {
        name: "承诺签名",
        headers: &["活动", "承诺书", "姓名", "单位", "签名方式", "签名时间", "状态"],
        widths: &[28.0, 34.0, 12.0, 26.0, 10.0, 18.0, 8.0],
        from: "signatures g JOIN pledges k ON g.subject = 'pledge' AND k.id = g.subject_id
               JOIN activities a ON a.id = k.activity_id LEFT JOIN people p ON p.id = g.person_id
               LEFT JOIN units u ON u.id = p.unit_id",
        columns: "g.id, a.title, k.title AS pledge, g.name, COALESCE(u.name, g.org) AS unit,
                  CASE g.method WHEN 'drawn' THEN '手写' WHEN 'typed' THEN '输入姓名' ELSE '纸质' END AS method, g.signed_at,
                  CASE WHEN g.withdrawn_at <> 0 THEN '已撤回' ELSE '有效' END AS state",
        times: &[5],
        dates: &[],
        link: None,
        order: "a.seq, k.id, g.signed_at, g.id",
    },
];

/// Unix seconds as an Excel date-time in China time (Excel keeps no zone: it is what the clerk sees).
fn excel_time(t: i64) -> Option<ExcelDateTime> {
    let local = crate::domain::china_time(t)?;
    ExcelDateTime::from_ymd(local.year() as u16, local.month() as u8, local.day())
        .ok()?
        .and_hms(u16::from(local.hour()), local.minute(), f64::from(local.second()))
        .ok()
}

/// A stored `YYYY-MM-DD` as an Excel date.
fn excel_date(iso: &str) -> Option<ExcelDateTime> {
    let mut it = iso.split('-').map(|p| p.parse::<u16>().ok());
    let (y, m, d) = (it.next()??, it.next()??, it.next()??);
    ExcelDateTime::from_ymd(y, u8::try_from(m).ok()?, u8::try_from(d).ok()?).ok()
}

fn value_text(r: &sqlx::any::AnyRow, i: usize) -> Result<String, i64> {
    match r.try_get::<String, _>(i) {
        Ok(s) => Ok(s),
        Err(_) => Err(r.try_get::<i64, _>(i).unwrap_or_default()),
    }
}

/// Builds the workbook; `base_url` makes evidence links absolute ("" leaves them relative).
pub async fn workbook(
    app: &App,
    actor: &Actor,
    campaign_id: i64,
    scope: Scope,
    base_url: &str,
    progress: &impl Progress,
) -> AppResult<Vec<u8>> {
    let cond = condition(app, actor, campaign_id, scope).await?;
    let facts = facts::load(app, campaign_id).await?;
    let pool = &app.db.pool;
    let mut totals = Vec::new();
    for s in &SHEETS {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {} WHERE {cond}", s.from))
            .fetch_one(pool)
            .await?;
        totals.push(n);
    }
    let all: i64 = totals.iter().sum::<i64>().max(1);
    let mut done = 0i64;

    let mut book = Workbook::new();
    let bold = Format::new().set_bold().set_background_color("F2F2F2").set_border_bottom(FormatBorder::Thin);
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let summary = book.add_worksheet_with_constant_memory();
    summary.set_name("汇总").map_err(xlsx)?;
    let heads = [
        "序号",
        "活动",
        "牵头单位",
        "场次",
        "签到人次",
        "阅后签名",
        "承诺签名",
        "台账份数",
        "任务单位",
        "通过审核",
    ];
    for (c, h) in heads.iter().enumerate() {
        summary.write_string_with_format(0, c as u16, *h, &bold).map_err(xlsx)?;
    }
    summary.set_column_width(1, 30).map_err(xlsx)?;
    summary.set_column_width(2, 20).map_err(xlsx)?;
    summary.set_freeze_panes(1, 0).map_err(xlsx)?;
    let shown = facts.activities.iter().filter(|f| match scope {
        Scope::Activity(id) => f.activity.id == id,
        _ => true,
    });
    for (i, f) in shown.enumerate() {
        let row = i as u32 + 1;
        summary.write_number(row, 0, f.activity.seq as f64).map_err(xlsx)?;
        crate::services::sheet::write_text(summary, row, 1, &f.activity.title).map_err(xlsx)?;
        crate::services::sheet::write_text(summary, row, 2, &f.activity.lead_unit_name).map_err(xlsx)?;
        let nums =
            [f.sittings, f.checkins, f.read_signed, f.pledge_signatures, f.entries, f.tasks, f.tasks_done];
        for (j, n) in nums.iter().enumerate() {
            summary.write_number(row, j as u16 + 3, *n as f64).map_err(xlsx)?;
        }
    }

    for sheet in &SHEETS {
        let ws: &mut Worksheet = book.add_worksheet_with_constant_memory();
        ws.set_name(sheet.name).map_err(xlsx)?;
        for (c, (h, w)) in sheet.headers.iter().zip(sheet.widths).enumerate() {
            ws.set_column_width(c as u16, *w).map_err(xlsx)?;
            ws.write_string_with_format(0, c as u16, *h, &bold).map_err(xlsx)?;
        }
        // The header stays in view however far down a clerk scrolls.
        ws.set_freeze_panes(1, 0).map_err(xlsx)?;
        let sql =
            format!("SELECT {} FROM {} WHERE {cond} ORDER BY {}", sheet.columns, sheet.from, sheet.order);
        let mut rows = sqlx::query(&sql).fetch(pool);
        let mut row = 1u32;
        while let Some(r) = rows.try_next().await? {
            for c in 0..sheet.headers.len() {
                let col = c as u16;
                let i = c + 1;
                if sheet.times.contains(&c) {
                    let t: i64 = r.get(i);
                    match excel_time(t) {
                        Some(at) => ws.write_datetime_with_format(row, col, &at, &when).map_err(xlsx)?,
                        None => crate::services::sheet::write_text(ws, row, col, format_datetime(t))
                            .map_err(xlsx)?,
                    };
                } else if sheet.dates.contains(&c) {
                    let iso: String = r.get(i);
                    match excel_date(&iso) {
                        Some(d) => ws.write_datetime_with_format(row, col, &d, &day).map_err(xlsx)?,
                        None => crate::services::sheet::write_text(ws, row, col, iso).map_err(xlsx)?,
                    };
                } else if sheet.link == Some(c) {
                    let files: i64 = r.get(i);
                    if files > 0 {
                        let id: i64 = r.get(0);
                        let url = format!("{base_url}/entries/{id}");
                        let text = format!("{files}个文件");
                        if base_url.is_empty() {
                            crate::services::sheet::write_text(ws, row, col, format!("{text} {url}"))
                                .map_err(xlsx)?;
                        } else {
                            ws.write_url_with_text(row, col, url.as_str(), text.as_str()).map_err(xlsx)?;
                        }
                    }
                } else {
                    match value_text(&r, i) {
                        Ok(s) => crate::services::sheet::write_text(ws, row, col, s).map_err(xlsx)?,
                        Err(n) => ws.write_number(row, col, n as f64).map_err(xlsx)?,
                    };
                }
            }
            row += 1;
            done += 1;
            if done % STEP == 0 {
                progress.set((done * 95 / all).min(95)).await;
            }
        }
    }
    // Zipping the sheets is CPU work: keep it off the async threads.
    let bytes = tokio::task::spawn_blocking(move || book.save_to_buffer())
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(xlsx)?;
    progress.set(100).await;
    Ok(bytes)
}
