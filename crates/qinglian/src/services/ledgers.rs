//! The ledger (台账) as a workbook: for the whole campaign, one activity, or one unit and those
//! below it. Sheets: a summary per activity, the ledger entries with links to their evidence,
//! every sign-in, and every read-then-sign signature. Each sheet's rows stream from one query
//! into rust_xlsxwriter's constant-memory mode, so memory stays flat however many rows there are
//! (its low-memory mode, which keeps every distinct text, was no faster and grew with the names);
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
    /// Whether anyone reads the progress: counting every sheet's rows first costs a third of a
    /// large export, worth paying only for a job someone watches.
    fn watched(&self) -> bool {
        true
    }
}

/// No one is watching (a direct download).
pub struct Silent;

impl Progress for Silent {
    async fn set(&self, _percent: i64) {}
    fn watched(&self) -> bool {
        false
    }
}

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
    /// A column holding a count of attached files, written as a link to `{path}/{row id}` (the
    /// row's id is the first selected column).
    link: Option<(usize, &'static str)>,
    /// Numeric columns the closing 合计 row sums with a formula Excel recomputes.
    sums: &'static [usize],
    order: &'static str,
}

// Sheets of campaign-level records (placements, inspections, integrity units) join a one-row
// stand-in for `a` (activities) whose id is 0, so the scope's condition reads the same on every
// sheet: an activity's export leaves them empty, a unit's keeps its own rows. Works belong to no
// unit: `u` is joined to nothing, so a unit's export leaves that sheet empty.
const SHEETS: [Sheet; 9] = [
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
        link: Some((7, "/entries")),
        sums: &[4],
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
        sums: &[],
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
        sums: &[],
        order: "a.seq, m.id, g.signed_at, g.id",
    },
    // Every pledge with its count; the signatures listed one by one are the roster's (cadres,
    // with their units). A public pledge may gather a million names, more than a sheet holds:
    // those are counted here and listed on its signature wall.
    Sheet {
        name: "承诺书",
        headers: &["活动", "承诺书", "对象", "签名人数", "其中社会公众"],
        widths: &[28.0, 34.0, 10.0, 10.0, 12.0],
        from: "pledges k JOIN activities a ON a.id = k.activity_id LEFT JOIN units u ON u.id = -1",
        columns: "k.id, a.title, k.title, CASE WHEN k.public <> 0 THEN '社会公众' ELSE '党员干部' END AS audience,
                  k.signature_count,
                  k.signature_count - (SELECT COUNT(*) FROM signatures g WHERE g.subject = 'pledge' AND g.subject_id = k.id
                     AND g.person_id IS NOT NULL AND g.withdrawn_at = 0) AS public_count",
        times: &[],
        dates: &[],
        link: None,
        sums: &[3, 4],
        order: "a.seq, k.id",
    },
    Sheet {
        name: "承诺签名",
        headers: &["活动", "承诺书", "姓名", "单位", "签名方式", "签名时间", "状态"],
        widths: &[28.0, 34.0, 12.0, 26.0, 10.0, 18.0, 8.0],
        from: "signatures g JOIN pledges k ON g.subject = 'pledge' AND k.id = g.subject_id
                 AND g.person_id IS NOT NULL
               JOIN activities a ON a.id = k.activity_id JOIN people p ON p.id = g.person_id
               JOIN units u ON u.id = p.unit_id",
        columns: "g.id, a.title, k.title AS pledge, g.name, u.name AS unit,
                  CASE g.method WHEN 'drawn' THEN '手写' WHEN 'typed' THEN '输入姓名' ELSE '纸质' END AS method, g.signed_at,
                  CASE WHEN g.withdrawn_at <> 0 THEN '已撤回' ELSE '有效' END AS state",
        times: &[5],
        dates: &[],
        link: None,
        sums: &[],
        order: "a.seq, k.id, g.signed_at, g.id",
    },
    Sheet {
        name: "宣传投放",
        headers: &["单位", "载体", "宣传品", "地点", "区域", "数量", "开始日期", "结束日期", "备注", "照片"],
        widths: &[22.0, 12.0, 10.0, 30.0, 12.0, 8.0, 12.0, 12.0, 24.0, 12.0],
        from: "placements p JOIN (SELECT id AS campaign_id, 0 AS id, 0 AS seq FROM campaigns) a ON a.campaign_id = p.campaign_id
               JOIN units u ON u.id = p.unit_id JOIN placement_channels ch ON ch.code = p.channel
               JOIN placement_materials pm ON pm.code = p.material
               LEFT JOIN (SELECT placement_id, MIN(id) AS first_photo, COUNT(*) AS photos FROM placement_photos
                          GROUP BY placement_id) ph ON ph.placement_id = p.id",
        // The row's id is its first photo's, which the link opens.
        columns: "COALESCE(ph.first_photo, 0) AS first_photo,
                  u.name, ch.name AS channel, pm.name AS material, p.place, p.district, p.quantity, p.start_date, p.end_date, p.note,
                  COALESCE(ph.photos, 0) AS photos",
        times: &[],
        dates: &[6, 7],
        link: Some((9, "/placement-photos")),
        sums: &[5],
        order: "p.start_date, p.id",
    },
    Sheet {
        name: "监督检查",
        headers: &["检查日期", "被检查单位", "检查重点", "检查组", "问题类别", "严重程度", "问题描述", "整改单位", "整改期限", "整改状态", "整改情况"],
        widths: &[12.0, 22.0, 28.0, 16.0, 12.0, 8.0, 40.0, 22.0, 12.0, 10.0, 40.0],
        from: "inspections i JOIN (SELECT id AS campaign_id, 0 AS id, 0 AS seq FROM campaigns) a ON a.campaign_id = i.campaign_id
               JOIN units u ON u.id = i.unit_id LEFT JOIN findings f ON f.inspection_id = i.id
               LEFT JOIN units o ON o.id = f.owner_unit_id",
        columns: "i.id, i.inspected_on, u.name, i.focus, i.team, COALESCE(f.category, '') AS category,
                  CASE f.severity WHEN 'high' THEN '严重' WHEN 'medium' THEN '较重' WHEN 'low' THEN '一般' ELSE '' END AS severity,
                  COALESCE(f.description, '未发现问题') AS description, COALESCE(o.name, '') AS owner, COALESCE(f.deadline, '') AS deadline,
                  CASE f.status WHEN 'closed' THEN '已整改' WHEN 'open' THEN '整改中' ELSE '' END AS state, COALESCE(f.evidence, '') AS evidence",
        times: &[],
        dates: &[0, 8],
        link: None,
        sums: &[],
        order: "i.inspected_on, i.id, f.id",
    },
    Sheet {
        name: "清廉单元",
        headers: &["单位", "创建类型", "状态", "评估得分", "达标分", "申报时间", "评定意见"],
        widths: &[24.0, 16.0, 10.0, 10.0, 8.0, 18.0, 40.0],
        from: "integrity_applications ia JOIN (SELECT id AS campaign_id, 0 AS id, 0 AS seq FROM campaigns) a ON a.campaign_id = ia.campaign_id
               JOIN units u ON u.id = ia.unit_id JOIN integrity_types it ON it.id = ia.type_id",
        columns: "ia.id, u.name, it.name AS type_name,
                  CASE ia.status WHEN 'recognised' THEN '已命名' WHEN 'evaluated' THEN '已评估' WHEN 'returned' THEN '已退回' WHEN 'withdrawn' THEN '已撤回' ELSE '已申报' END AS state,
                  ia.total_score, it.pass_score, ia.submitted_at, ia.decision_comment",
        times: &[5],
        dates: &[],
        link: None,
        sums: &[],
        order: "u.path, ia.id",
    },
    Sheet {
        name: "征集作品",
        headers: &["活动", "征集", "题目", "体裁", "组别", "作者", "状态", "评委人数", "平均总分", "奖项", "投稿时间"],
        widths: &[28.0, 26.0, 26.0, 8.0, 10.0, 12.0, 10.0, 8.0, 10.0, 10.0, 18.0],
        from: "works w JOIN calls k ON k.id = w.call_id JOIN activities a ON a.id = k.activity_id
               LEFT JOIN units u ON u.id = -1",
        columns: "w.id, a.title, k.title AS call_title, w.title, w.genre, CASE w.group_code WHEN 'youth' THEN '青少年组' WHEN 'adult' THEN '成人组' ELSE w.group_code END AS grp,
                  w.author, CASE w.status WHEN 'rejected' THEN '未采用' WHEN 'held' THEN '待复核' WHEN 'reference' THEN '参考' ELSE '有效' END AS state,
                  (SELECT COUNT(DISTINCT s.user_id) FROM scores s WHERE s.work_id = w.id) AS judges,
                  CAST(COALESCE((SELECT SUM(s.score) FROM scores s WHERE s.work_id = w.id)
                       / NULLIF((SELECT COUNT(DISTINCT s.user_id) FROM scores s WHERE s.work_id = w.id), 0), 0) AS BIGINT) AS average,
                  w.prize, w.created_at",
        times: &[10],
        dates: &[],
        link: None,
        sums: &[],
        order: "a.seq, k.id, w.id",
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

/// A text's width in Excel's column units: two for a Chinese character, one for Latin.
fn display_width(s: &str) -> f64 {
    s.lines()
        .map(|l| l.chars().map(|c| if c.is_ascii() { 1.1 } else { 2.1 }).sum::<f64>())
        .fold(0.0, f64::max)
}

/// The closing 合计 row: a count of the rows and the sums of the numeric columns, as formulas
/// Excel recomputes when a clerk edits the sheet, with today's values cached for readers that
/// do not compute.
fn write_totals(ws: &mut Worksheet, sheet: &Sheet, row: u32, sums: &[i64], bold: &Format) -> AppResult<()> {
    use rust_xlsxwriter::Formula;
    // Data rows are Excel's rows 2‥row (one-based); this row is row + 1.
    let count =
        Formula::new(format!("=\"合计\"&COUNTA(B2:B{row})&\"条\"")).set_result(format!("合计{}条", row - 1));
    ws.write_formula_with_format(row, 0, count, bold).map_err(xlsx)?;
    for &c in sheet.sums {
        write_sum(ws, row, c as u16, sums[c], bold)?;
    }
    Ok(())
}

/// `=SUM()` of a column's data rows (Excel's 2‥row) into `row`, with its value cached.
fn write_sum(ws: &mut Worksheet, row: u32, col: u16, sum: i64, bold: &Format) -> AppResult<()> {
    let name = rust_xlsxwriter::utility::column_number_to_name(col);
    let formula =
        rust_xlsxwriter::Formula::new(format!("=SUM({name}2:{name}{row})")).set_result(sum.to_string());
    ws.write_formula_with_format(row, col, formula, bold).map_err(xlsx)?;
    Ok(())
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
    let started = std::time::Instant::now();
    let cond = condition(app, actor, campaign_id, scope).await?;
    let facts = facts::load(app, campaign_id).await?;
    let pool = &app.db.pool;
    let mut totals = Vec::new();
    for s in SHEETS.iter().filter(|_| progress.watched()) {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {} WHERE {cond}", s.from))
            .fetch_one(pool)
            .await?;
        totals.push(n);
    }
    tracing::debug!(ms = started.elapsed().as_millis() as u64, "ledger facts and counts read");
    let all: i64 = totals.iter().sum::<i64>().max(1);

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
    let mut last = 0u32;
    let mut sums = [0i64; 7];
    for (i, f) in shown.enumerate() {
        let row = i as u32 + 1;
        last = row;
        summary.write_number(row, 0, f.activity.seq as f64).map_err(xlsx)?;
        crate::services::sheet::write_text(summary, row, 1, &f.activity.title).map_err(xlsx)?;
        crate::services::sheet::write_text(summary, row, 2, &f.activity.lead_unit_name).map_err(xlsx)?;
        let nums =
            [f.sittings, f.checkins, f.read_signed, f.pledge_signatures, f.entries, f.tasks, f.tasks_done];
        for (j, n) in nums.iter().enumerate() {
            summary.write_number(row, j as u16 + 3, *n as f64).map_err(xlsx)?;
            sums[j] += n;
        }
    }
    if last > 0 {
        let row = last + 1;
        summary.write_string_with_format(row, 1, "合计", &bold).map_err(xlsx)?;
        for (j, sum) in sums.iter().enumerate() {
            write_sum(summary, row, j as u16 + 3, *sum, &bold)?;
        }
    }

    // One sheet after another: written side by side, two sheets were slower on two cores
    // (each query's reader and each sheet's writer contend for them).
    let formats = Formats { bold, when, day };
    let mut counted = Counted { done: 0, all, progress };
    for sheet in &SHEETS {
        let ws = book.add_worksheet_with_constant_memory();
        write_sheet(pool, sheet, ws, &cond, base_url, &formats, &mut counted).await?;
    }
    // Zipping the sheets is CPU work: keep it off the async threads.
    let started = std::time::Instant::now();
    let bytes = tokio::task::spawn_blocking(move || book.save_to_buffer())
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(xlsx)?;
    tracing::debug!(bytes = bytes.len(), ms = started.elapsed().as_millis() as u64, "ledger workbook zipped");
    progress.set(100).await;
    Ok(bytes)
}

/// Rows written of all the sheets', told to whoever watches.
struct Counted<'a, P> {
    done: i64,
    all: i64,
    progress: &'a P,
}

/// Rows between two progress reports.
const STEP: i64 = 5_000;

/// The cell formats every sheet uses.
struct Formats {
    bold: Format,
    when: Format,
    day: Format,
}

/// Streams one sheet's rows from its query into `ws`, closing with its 合计 row and fitting its
/// columns to their contents.
async fn write_sheet(
    pool: &sqlx::AnyPool,
    sheet: &Sheet,
    ws: &mut Worksheet,
    cond: &str,
    base_url: &str,
    formats: &Formats,
    counted: &mut Counted<'_, impl Progress>,
) -> AppResult<()> {
    let Formats { bold, when, day } = formats;
    let started = std::time::Instant::now();
    ws.set_name(sheet.name).map_err(xlsx)?;
    for (c, (h, w)) in sheet.headers.iter().zip(sheet.widths).enumerate() {
        ws.set_column_width(c as u16, *w).map_err(xlsx)?;
        ws.write_string_with_format(0, c as u16, *h, bold).map_err(xlsx)?;
    }
    // The header stays in view however far down a clerk scrolls.
    ws.set_freeze_panes(1, 0).map_err(xlsx)?;
    let sql = format!("SELECT {} FROM {} WHERE {cond} ORDER BY {}", sheet.columns, sheet.from, sheet.order);
    let mut rows = sqlx::query(&sql).fetch(pool);
    let mut row = 1u32;
    let mut sums = vec![0i64; sheet.headers.len()];
    // The widest text of each column, in Excel's units (a Chinese character is two).
    let mut widest: Vec<f64> = sheet.headers.iter().map(|h| display_width(h)).collect();
    while let Some(r) = rows.try_next().await? {
        for c in 0..sheet.headers.len() {
            let col = c as u16;
            let i = c + 1;
            if sheet.times.contains(&c) {
                let t: i64 = r.get(i);
                match excel_time(t) {
                    Some(at) => ws.write_datetime_with_format(row, col, &at, when).map_err(xlsx)?,
                    None => {
                        crate::services::sheet::write_text(ws, row, col, format_datetime(t)).map_err(xlsx)?
                    }
                };
            } else if sheet.dates.contains(&c) {
                let iso: String = r.get(i);
                match excel_date(&iso) {
                    Some(d) => ws.write_datetime_with_format(row, col, &d, day).map_err(xlsx)?,
                    None => crate::services::sheet::write_text(ws, row, col, iso).map_err(xlsx)?,
                };
            } else if let Some((_, path)) = sheet.link.filter(|(at, _)| *at == c) {
                let files: i64 = r.get(i);
                if files > 0 {
                    let id: i64 = r.get(0);
                    let url = format!("{base_url}{path}/{id}");
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
                    Ok(s) => {
                        widest[c] = widest[c].max(display_width(&s));
                        crate::services::sheet::write_text(ws, row, col, s).map_err(xlsx)?
                    }
                    Err(n) => {
                        sums[c] += n;
                        ws.write_number(row, col, n as f64).map_err(xlsx)?
                    }
                };
            }
        }
        row += 1;
        counted.done += 1;
        if counted.done % STEP == 0 {
            counted.progress.set((counted.done * 95 / counted.all).min(95)).await;
        }
    }
    if row > 1 {
        write_totals(ws, sheet, row, &sums, bold)?;
    }
    tracing::debug!(
        sheet = sheet.name,
        rows = row - 1,
        ms = started.elapsed().as_millis() as u64,
        "ledger sheet written"
    );
    for (c, w) in widest.iter().enumerate() {
        let fixed =
            sheet.times.contains(&c) || sheet.dates.contains(&c) || sheet.link.is_some_and(|l| l.0 == c);
        if !fixed {
            ws.set_column_width(c as u16, (w + 2.0).clamp(sheet.widths[c].min(10.0), 60.0)).map_err(xlsx)?;
        }
    }
    Ok(())
}
