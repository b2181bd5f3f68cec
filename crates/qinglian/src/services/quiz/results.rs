//! A test's results: per unit (taken against the audience expected, the average of the best
//! scores, the pass rate), per person, the most-missed questions; as XLSX; and as the host
//! unit's ledger entry for the activity. A taker counts once, with his best attempt.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::Row;

use super::{close_expired, Quiz};
use crate::domain::{format_datetime, mask_phone};
use crate::error::{AppError, AppResult};
use crate::services::filter::Where;
use crate::services::{Actor, App};

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct UnitResult {
    pub name: String,
    /// Addressed (0 for the public, who are not counted in advance).
    pub expected: i64,
    pub took: i64,
    pub passed: i64,
    /// The sum of the takers' best scores.
    #[serde(skip)]
    points: i64,
    /// The average of the takers' best scores, to one decimal.
    pub average: f64,
}

impl UnitResult {
    fn add(&mut self, other: &UnitResult) {
        self.expected += other.expected;
        self.took += other.took;
        self.passed += other.passed;
        self.points += other.points;
        self.average = average(self.points, self.took);
    }
    /// Taken of expected, in percent.
    pub fn participation(&self) -> Option<i64> {
        (self.expected > 0).then(|| (self.took * 100 + self.expected / 2) / self.expected)
    }
    /// Passed of taken, in percent.
    pub fn pass_rate(&self) -> i64 {
        if self.took == 0 {
            0
        } else {
            (self.passed * 100 + self.took / 2) / self.took
        }
    }
}

fn average(points: i64, n: i64) -> f64 {
    if n == 0 {
        0.0
    } else {
        (points as f64 * 10.0 / n as f64).round() / 10.0
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonResult {
    pub name: String,
    pub unit_name: String,
    /// The public's phones, masked.
    pub phone: String,
    pub best: i64,
    pub attempts: i64,
    pub passed: bool,
    pub submitted_at: i64,
}

impl PersonResult {
    pub fn when(&self) -> String {
        format_datetime(self.submitted_at)
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Missed {
    pub question_id: i64,
    pub category: String,
    pub stem: String,
    /// Papers that held it (handed in).
    pub shown: i64,
    pub wrong: i64,
}

impl Missed {
    pub fn rate(&self) -> i64 {
        if self.shown == 0 {
            0
        } else {
            (self.wrong * 100 + self.shown / 2) / self.shown
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Results {
    pub totals: UnitResult,
    /// The audience's units (a public test: the units of the roster's takers), then the public.
    pub units: Vec<UnitResult>,
    /// Everyone who took it, best first (the first 2,000).
    pub people: Vec<PersonResult>,
    /// The ten questions missed most, by share.
    pub missed: Vec<Missed>,
}

/// Takers shown on the results page and in the workbook.
const PEOPLE_SHOWN: usize = 2_000;

pub async fn results(app: &App, actor: &Actor, id: i64) -> AppResult<(Quiz, Results)> {
    let q = super::get(app, id).await?;
    if !actor.covers(&q.host_path) && !actor.campaign_wide() {
        return Err(AppError::NotFound);
    }
    close_expired(app, id).await?;
    let pass = q.pass_score;
    let best = format!(
        "SELECT person_id, MAX(score) AS best FROM quiz_attempts WHERE quiz_id = {id} AND submitted_at > 0
         AND person_id IS NOT NULL GROUP BY person_id"
    );
    let mut w = Where::default();
    let (from, cond) = if q.public {
        (
            format!("({best}) b JOIN people p ON p.id = b.person_id JOIN units u ON u.id = p.unit_id"),
            "1 = 1".to_string(),
        )
    } else {
        let cond = q.audience_sql(&mut w);
        (
            format!("people p JOIN units u ON u.id = p.unit_id LEFT JOIN ({best}) b ON b.person_id = p.id"),
            cond,
        )
    };
    let expected = if q.public { "0" } else { "COUNT(*)" };
    let sql = format!(
        "SELECT u.name, {expected} AS expected, COUNT(b.best) AS took,
           CAST(COALESCE(SUM(CASE WHEN b.best >= {pass} THEN 1 ELSE 0 END), 0) AS BIGINT) AS passed,
           CAST(COALESCE(SUM(b.best), 0) AS BIGINT) AS points
         FROM {from} WHERE {cond} GROUP BY u.id, u.name ORDER BY MIN(u.path), u.id"
    );
    let mut units: Vec<UnitResult> = w
        .fetch_all(&app.db.pool, &sql)
        .await?
        .iter()
        .map(|r| {
            let (took, points) = (r.get("took"), r.get("points"));
            UnitResult {
                name: r.get("name"),
                expected: r.get("expected"),
                took,
                passed: r.get("passed"),
                points,
                average: average(points, took),
            }
        })
        .collect();
    let people = takers(app, &q).await?;
    let public: Vec<&PersonResult> = people.iter().filter(|p| p.unit_name.is_empty()).collect();
    if !public.is_empty() {
        let points: i64 = public.iter().map(|p| p.best).sum();
        let took = public.len() as i64;
        units.push(UnitResult {
            name: "社会公众".into(),
            expected: 0,
            took,
            passed: public.iter().filter(|p| p.passed).count() as i64,
            points,
            average: average(points, took),
        });
    }
    let mut totals = UnitResult { name: "合计".into(), ..UnitResult::default() };
    for u in &units {
        totals.add(u);
    }
    let missed = sqlx::query(
        "SELECT q.id, q.category, q.stem, COUNT(*) AS shown, CAST(SUM(CASE WHEN a.correct = 0 THEN 1 ELSE 0 END) AS BIGINT) AS wrong
         FROM quiz_answers a JOIN quiz_attempts t ON t.id = a.attempt_id JOIN questions q ON q.id = a.question_id
         WHERE t.quiz_id = $1 AND t.submitted_at > 0 GROUP BY q.id, q.category, q.stem
         ORDER BY SUM(CASE WHEN a.correct = 0 THEN 1 ELSE 0 END) * 1.0 / COUNT(*) DESC, COUNT(*) DESC, q.id LIMIT 10",
    )
    .bind(id)
    .fetch_all(&app.db.pool)
    .await?
    .iter()
    .map(|r| Missed {
        question_id: r.get("id"),
        category: r.get("category"),
        stem: r.get("stem"),
        shown: r.get("shown"),
        wrong: r.get("wrong"),
    })
    .filter(|m| m.wrong > 0)
    .collect();
    let mut people = people;
    people.truncate(PEOPLE_SHOWN);
    Ok((q, Results { totals, units, people, missed }))
}

/// Every taker with his best attempt, best first.
async fn takers(app: &App, q: &Quiz) -> AppResult<Vec<PersonResult>> {
    let rows = sqlx::query(
        "SELECT t.taker, t.name, t.phone, t.score, t.submitted_at, p.name AS person_name, u.name AS unit_name
         FROM quiz_attempts t LEFT JOIN people p ON p.id = t.person_id LEFT JOIN units u ON u.id = p.unit_id
         WHERE t.quiz_id = $1 AND t.submitted_at > 0 ORDER BY t.id",
    )
    .bind(q.id)
    .fetch_all(&app.db.pool)
    .await?;
    let mut by_taker: HashMap<String, PersonResult> = HashMap::new();
    for r in &rows {
        let score: i64 = r.get("score");
        let entry = by_taker.entry(r.get("taker")).or_insert_with(|| PersonResult {
            name: r.get::<Option<String>, _>("person_name").unwrap_or_else(|| r.get("name")),
            unit_name: r.get::<Option<String>, _>("unit_name").unwrap_or_default(),
            phone: String::new(),
            best: -1,
            attempts: 0,
            passed: false,
            submitted_at: 0,
        });
        entry.attempts += 1;
        if score > entry.best {
            entry.best = score;
            entry.submitted_at = r.get("submitted_at");
            entry.passed = score >= q.pass_score;
            entry.phone =
                app.db.vault.column(r, "phone").map(|p| if p.is_empty() { p } else { mask_phone(&p) })?;
        }
    }
    let mut people: Vec<PersonResult> = by_taker.into_values().collect();
    people.sort_by(|a, b| b.best.cmp(&a.best).then(a.submitted_at.cmp(&b.submitted_at)));
    Ok(people)
}

/// The results as a workbook: by unit, by person, the most-missed questions.
pub fn xlsx(q: &Quiz, r: &Results) -> AppResult<Vec<u8>> {
    use crate::services::sheet::write_text;
    let xerr = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let mut book = rust_xlsxwriter::Workbook::new();
    let heads = |sheet: &mut rust_xlsxwriter::Worksheet, row: u32, heads: &[&str]| {
        heads
            .iter()
            .enumerate()
            .try_for_each(|(c, h)| sheet.write_string_with_format(row, c as u16, *h, &bold).map(|_| ()))
    };
    let sheet = book.add_worksheet();
    sheet.set_name("分单位").map_err(xerr)?;
    sheet.write_string_with_format(0, 0, format!("{}　成绩统计", q.title), &bold).map_err(xerr)?;
    heads(sheet, 2, &["单位", "应参加", "实际参加", "参与率", "平均分", "及格人数", "及格率"])
        .map_err(xerr)?;
    for (i, u) in r.units.iter().chain(std::iter::once(&r.totals)).enumerate() {
        let row = i as u32 + 3;
        write_text(sheet, row, 0, &u.name).map_err(xerr)?;
        sheet.write_number(row, 1, u.expected as f64).map_err(xerr)?;
        sheet.write_number(row, 2, u.took as f64).map_err(xerr)?;
        write_text(sheet, row, 3, u.participation().map(|p| format!("{p}%")).unwrap_or_default())
            .map_err(xerr)?;
        sheet.write_number(row, 4, u.average).map_err(xerr)?;
        sheet.write_number(row, 5, u.passed as f64).map_err(xerr)?;
        write_text(sheet, row, 6, format!("{}%", u.pass_rate())).map_err(xerr)?;
    }
    sheet.set_column_width(0, 24).map_err(xerr)?;
    let sheet = book.add_worksheet();
    sheet.set_name("个人成绩").map_err(xerr)?;
    heads(sheet, 0, &["姓名", "单位", "手机号", "最高分", "答题次数", "是否及格", "交卷时间"])
        .map_err(xerr)?;
    for (i, p) in r.people.iter().enumerate() {
        let row = i as u32 + 1;
        write_text(sheet, row, 0, &p.name).map_err(xerr)?;
        write_text(sheet, row, 1, &p.unit_name).map_err(xerr)?;
        write_text(sheet, row, 2, &p.phone).map_err(xerr)?;
        sheet.write_number(row, 3, p.best as f64).map_err(xerr)?;
        sheet.write_number(row, 4, p.attempts as f64).map_err(xerr)?;
        write_text(sheet, row, 5, if p.passed { "是" } else { "否" }).map_err(xerr)?;
        write_text(sheet, row, 6, p.when()).map_err(xerr)?;
    }
    sheet.set_column_width(1, 24).map_err(xerr)?;
    sheet.set_column_width(6, 18).map_err(xerr)?;
    let sheet = book.add_worksheet();
    sheet.set_name("易错题").map_err(xerr)?;
    heads(sheet, 0, &["分类", "题目", "作答人次", "答错人次", "错误率"]).map_err(xerr)?;
    for (i, m) in r.missed.iter().enumerate() {
        let row = i as u32 + 1;
        write_text(sheet, row, 0, &m.category).map_err(xerr)?;
        write_text(sheet, row, 1, &m.stem).map_err(xerr)?;
        sheet.write_number(row, 2, m.shown as f64).map_err(xerr)?;
        sheet.write_number(row, 3, m.wrong as f64).map_err(xerr)?;
        write_text(sheet, row, 4, format!("{}%", m.rate())).map_err(xerr)?;
    }
    sheet.set_column_width(1, 60).map_err(xerr)?;
    book.save_to_buffer().map_err(xerr)
}

/// Files the host unit's ledger entry for the activity from the results.
pub async fn file_ledger(app: &App, actor: &Actor, id: i64) -> AppResult<i64> {
    let (q, r) = results(app, actor, id).await?;
    if !actor.covers(&q.host_path) {
        return Err(AppError::Forbidden);
    }
    let t = &r.totals;
    let taken = match t.participation() {
        Some(p) => format!("应参加{}人，实际参加{}人，参与率{p}%", t.expected, t.took),
        None => format!("共{}人参加", t.took),
    };
    let summary = format!("{}：{taken}，平均分{}分，及格率{}%。", q.title, t.average, t.pass_rate());
    let owner = crate::services::reach::Owner {
        table: "quizzes",
        id,
        activity_id: Some(q.activity_id),
        host_unit_id: q.host_unit_id,
        title: &q.title,
    };
    crate::services::reach::file_ledger(app, actor, owner, t.took, summary).await
}
