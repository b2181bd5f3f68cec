//! A campaign's question bank (题库): single choice, multiple choice and true/false, each with
//! its explanation and the rule it comes from; typed in, corrected, retired, or imported from
//! the spreadsheets offices already keep (题型 | 分类 | 题目 | 选项A … | 答案 | 解析 | 出处).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use crate::db::now;
use crate::domain::text::normalize;
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::services::{audit, clean_text, Actor, App};

pub const KINDS: [&str; 3] = ["single", "multiple", "judge"];
/// The options of every true/false question, in this order.
pub const JUDGE_OPTIONS: [&str; 2] = ["正确", "错误"];
pub const MAX_OPTIONS: usize = 8;
/// Questions one import may bring.
pub const MAX_IMPORT: usize = 5_000;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct QuestionInput {
    /// The bank's category: 监察法实施条例, 中央八项规定精神, ….
    #[schema(min_length = 1, max_length = 50)]
    pub category: String,
    /// single, multiple or judge (true/false).
    pub kind: String,
    #[schema(min_length = 1, max_length = 1000)]
    pub stem: String,
    /// The options' texts, A first; ignored for judge.
    #[serde(default)]
    pub options: Vec<String>,
    /// The right options as letters ("B", "ACD"); for judge 正确 or 错误 (对/错, √/× too).
    pub answer: String,
    #[serde(default)]
    pub explanation: String,
    /// The rule it comes from: 《监察法实施条例》第十二条.
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Question {
    pub id: i64,
    pub campaign_id: i64,
    pub category: String,
    pub kind: String,
    pub stem: String,
    pub options: Vec<String>,
    /// The right options' indices, ascending.
    pub answer: Vec<usize>,
    pub explanation: String,
    pub source: String,
    pub retired: bool,
}

impl Question {
    pub(super) fn from_row(r: &sqlx::any::AnyRow) -> Question {
        let options: String = r.get("options");
        let answer: String = r.get("answer");
        Question {
            id: r.get("id"),
            campaign_id: r.get("campaign_id"),
            category: r.get("category"),
            kind: r.get("kind"),
            stem: r.get("stem"),
            options: serde_json::from_str(&options).unwrap_or_default(),
            answer: indices(&answer),
            explanation: r.get("explanation"),
            source: r.get("source"),
            retired: r.get::<i64, _>("retired_at") > 0,
        }
    }

    /// The right answer as letters: "AC"; for true/false, 正确 or 错误.
    pub fn answer_text(&self) -> String {
        if self.kind == "judge" {
            return self.answer.first().map(|&i| JUDGE_OPTIONS[i.min(1)].to_string()).unwrap_or_default();
        }
        self.answer.iter().map(|&i| letter(i)).collect()
    }
}

pub fn letter(i: usize) -> char {
    (b'A' + i as u8) as char
}

/// Indices kept as digits ("013") back to numbers.
pub(super) fn indices(stored: &str) -> Vec<usize> {
    stored.chars().filter_map(|c| c.to_digit(10)).map(|d| d as usize).collect()
}

/// Indices to their stored form, ascending and once each.
pub(super) fn stored(answer: &[usize]) -> String {
    let mut a = answer.to_vec();
    a.sort_unstable();
    a.dedup();
    a.iter().map(|i| i.to_string()).collect()
}

/// A question as checked: what is stored.
struct Checked {
    category: String,
    kind: &'static str,
    stem: String,
    options: Vec<String>,
    answer: String,
    explanation: String,
    source: String,
}

/// The kind as offices write it: 单选题, 多项选择, 判断 ….
fn kind_of(raw: &str) -> Option<&'static str> {
    let k = normalize(raw).to_lowercase();
    let k = k.trim_end_matches('题');
    match k {
        "single" | "单选" | "单项选择" | "单选择" => Some("single"),
        "multiple" | "多选" | "多项选择" | "多选择" | "不定项" | "不定项选择" => {
            Some("multiple")
        }
        "judge" | "判断" | "是非" | "对错" => Some("judge"),
        _ => None,
    }
}

/// A true/false answer as offices write it.
fn judge_answer(raw: &str) -> Option<usize> {
    match normalize(raw).to_uppercase().as_str() {
        "正确" | "对" | "√" | "✓" | "✔" | "是" | "T" | "TRUE" | "Y" | "A" => Some(0),
        "错误" | "错" | "×" | "✗" | "✘" | "X" | "否" | "F" | "FALSE" | "N" | "B" => Some(1),
        _ => None,
    }
}

/// Letters of a choice answer as offices write them: "ACD", "A、C、D", "a,c".
fn letters(raw: &str, options: usize) -> Option<Vec<usize>> {
    let mut out = Vec::new();
    for c in normalize(raw).to_uppercase().chars() {
        match c {
            'A'..='H' => {
                let i = (c as u8 - b'A') as usize;
                if i >= options {
                    return None;
                }
                out.push(i);
            }
            ',' | '、' | ' ' | ';' | '，' | '；' | '/' => {}
            _ => return None,
        }
    }
    out.sort_unstable();
    out.dedup();
    (!out.is_empty()).then_some(out)
}

impl QuestionInput {
    fn check(&self) -> AppResult<Checked> {
        let category = clean_text("category", &normalize(&self.category), 50, true)?;
        let stem = clean_text("stem", &self.stem, 1000, true)?;
        let kind =
            kind_of(&self.kind).ok_or_else(|| AppError::invalid("kind", Msg::new("err.question_kind")))?;
        let explanation = clean_text("explanation", &self.explanation, 2000, false)?;
        let source = clean_text("source", &self.source, 200, false)?;
        let (options, answer) = if kind == "judge" {
            let a = judge_answer(&self.answer)
                .ok_or_else(|| AppError::invalid("answer", Msg::new("err.question_judge")))?;
            (JUDGE_OPTIONS.iter().map(|s| s.to_string()).collect(), vec![a])
        } else {
            // Blank options at the end are columns the sheet has and this question does not use.
            let mut options: Vec<String> = self.options.iter().map(|o| o.trim().to_string()).collect();
            while options.last().is_some_and(|o| o.is_empty()) {
                options.pop();
            }
            if options.len() < 2 || options.len() > MAX_OPTIONS || options.iter().any(|o| o.is_empty()) {
                return Err(AppError::invalid(
                    "options",
                    Msg::new("err.question_options").arg("max", MAX_OPTIONS),
                ));
            }
            if options.iter().any(|o| o.chars().count() > 300) {
                return Err(AppError::invalid("options", Msg::new("err.too_long").arg("max", 300)));
            }
            let a = letters(&self.answer, options.len())
                .ok_or_else(|| AppError::invalid("answer", Msg::new("err.question_answer")))?;
            if kind == "single" && a.len() != 1 {
                return Err(AppError::invalid("answer", Msg::new("err.question_single")));
            }
            (options, a)
        };
        Ok(Checked { category, kind, stem, options, answer: stored(&answer), explanation, source })
    }
}

async fn insert(tx: &mut crate::db::Tx, campaign: i64, q: &Checked, t: i64) -> AppResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO questions (campaign_id, category, kind, stem, options, answer, explanation, source, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(campaign)
    .bind(&q.category)
    .bind(q.kind)
    .bind(&q.stem)
    .bind(json!(q.options).to_string())
    .bind(&q.answer)
    .bind(&q.explanation)
    .bind(&q.source)
    .bind(t)
    .fetch_one(&mut **tx)
    .await?)
}

/// The bank is the campaign's: its organisers keep it.
async fn keeper(app: &App, actor: &Actor, campaign: i64) -> AppResult<()> {
    actor.require_organiser()?;
    crate::services::campaigns::get(app, campaign).await.map(|_| ())
}

pub async fn add(app: &App, actor: &Actor, campaign: i64, input: &QuestionInput) -> AppResult<i64> {
    keeper(app, actor, campaign).await?;
    let q = input.check()?;
    let mut tx = app.db.begin().await?;
    let id = insert(&mut tx, campaign, &q, now()).await?;
    audit::record(
        &mut tx,
        actor,
        "question.add",
        "question",
        id,
        json!({"campaign": campaign, "stem": q.stem}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn get(app: &App, id: i64) -> AppResult<Question> {
    let r = sqlx::query("SELECT * FROM questions WHERE id = $1")
        .bind(id)
        .fetch_optional(&app.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Question::from_row(&r))
}

/// Corrects a question. Papers already answered keep the judgement made when they were.
pub async fn revise(app: &App, actor: &Actor, id: i64, input: &QuestionInput) -> AppResult<()> {
    let before = get(app, id).await?;
    keeper(app, actor, before.campaign_id).await?;
    let q = input.check()?;
    let mut tx = app.db.begin().await?;
    sqlx::query(
        "UPDATE questions SET category = $1, kind = $2, stem = $3, options = $4, answer = $5, explanation = $6, source = $7
         WHERE id = $8",
    )
    .bind(&q.category)
    .bind(q.kind)
    .bind(&q.stem)
    .bind(json!(q.options).to_string())
    .bind(&q.answer)
    .bind(&q.explanation)
    .bind(&q.source)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let after = json!({"category": q.category, "kind": q.kind, "stem": q.stem, "options": q.options,
                       "answer": q.answer, "explanation": q.explanation, "source": q.source});
    let was = json!({"category": before.category, "kind": before.kind, "stem": before.stem,
                     "options": before.options, "answer": stored(&before.answer),
                     "explanation": before.explanation, "source": before.source});
    audit::record(&mut tx, actor, "question.revise", "question", id, audit::changes(was, after)).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a question out of the draw (or puts it back); papers that hold it keep it.
pub async fn retire(app: &App, actor: &Actor, id: i64, retired: bool) -> AppResult<()> {
    let q = get(app, id).await?;
    keeper(app, actor, q.campaign_id).await?;
    let mut tx = app.db.begin().await?;
    sqlx::query("UPDATE questions SET retired_at = $1 WHERE id = $2")
        .bind(if retired { now() } else { 0 })
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(&mut tx, actor, "question.retire", "question", id, json!({"retired": retired})).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Category {
    pub name: String,
    /// Questions in the draw.
    pub active: i64,
}

/// The bank's categories with how many questions each can draw from.
pub async fn categories(app: &App, campaign: i64) -> AppResult<Vec<Category>> {
    Ok(sqlx::query(
        "SELECT category, COUNT(*) AS n FROM questions WHERE campaign_id = $1 AND retired_at = 0
         GROUP BY category ORDER BY MIN(id)",
    )
    .bind(campaign)
    .fetch_all(&app.db.pool)
    .await?
    .iter()
    .map(|r| Category { name: r.get("category"), active: r.get("n") })
    .collect())
}

/// The bank, optionally one category of it, newest last.
pub async fn list(
    app: &App,
    actor: &Actor,
    campaign: i64,
    category: Option<&str>,
) -> AppResult<Vec<Question>> {
    keeper(app, actor, campaign).await?;
    let rows = match category.filter(|c| !c.is_empty()) {
        Some(c) => {
            sqlx::query("SELECT * FROM questions WHERE campaign_id = $1 AND category = $2 ORDER BY id")
                .bind(campaign)
                .bind(c.to_string())
                .fetch_all(&app.db.pool)
                .await?
        }
        None => {
            sqlx::query("SELECT * FROM questions WHERE campaign_id = $1 ORDER BY id LIMIT 5000")
                .bind(campaign)
                .fetch_all(&app.db.pool)
                .await?
        }
    };
    Ok(rows.iter().map(Question::from_row).collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Kind,
    Category,
    Stem,
    Option(usize),
    Answer,
    Explanation,
    Source,
}

fn column_for(header: &str) -> Option<Column> {
    let h: String = normalize(header).chars().filter(|c| !c.is_whitespace()).collect();
    let h = h.to_uppercase();
    let option = h.trim_start_matches("选项").trim_end_matches("选项").trim_end_matches('项');
    if let [c @ b'A'..=b'H'] = option.as_bytes() {
        return Some(Column::Option((c - b'A') as usize));
    }
    Some(match h.as_str() {
        "题型" | "类型" | "题目类型" | "试题类型" => Column::Kind,
        "分类" | "类别" | "题库" | "题库分类" | "知识点" | "专题" | "所属分类" => {
            Column::Category
        }
        "题目" | "题干" | "试题" | "问题" | "题目内容" | "试题内容" => Column::Stem,
        "答案" | "正确答案" | "标准答案" | "参考答案" => Column::Answer,
        "解析" | "答案解析" | "试题解析" | "说明" => Column::Explanation,
        "出处" | "来源" | "依据" | "出题依据" | "法规依据" => Column::Source,
        _ => return None,
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BankImport {
    pub added: usize,
    /// The categories the import brought questions to, with how many each.
    pub categories: Vec<(String, usize)>,
}

/// Imports questions from a spreadsheet: every row or none. A row without a kind is taken for
/// true/false when its answer says so, multiple choice when it names several letters; without a
/// category it goes under the file's default (`category`, or 综合).
pub async fn import(
    app: &App,
    actor: &Actor,
    campaign: i64,
    (file_name, bytes): (&str, &[u8]),
    default_category: &str,
) -> AppResult<BankImport> {
    keeper(app, actor, campaign).await?;
    if bytes.len() > app.config.max_upload_bytes {
        let mb = app.config.max_upload_bytes / 1024 / 1024;
        return Err(AppError::TooLarge(Msg::new("err.file_too_large").arg("name", file_name).arg("mb", mb)));
    }
    let sheet = crate::services::sheet::read(bytes).await?;
    let (at, columns) =
        crate::services::sheet::header(&sheet, |c| column_for(c) == Some(Column::Stem), column_for)
            .ok_or_else(|| AppError::invalid("file", Msg::new("err.bank_no_header")))?;
    if !columns.contains_key(&Column::Answer) {
        return Err(AppError::invalid("file", Msg::new("err.roster_missing_column").arg("column", "答案")));
    }
    let fallback = match normalize(default_category).trim() {
        "" => "综合".to_string(),
        c => c.to_string(),
    };
    let option_columns: Vec<usize> =
        (0..MAX_OPTIONS).map_while(|i| columns.get(&Column::Option(i)).copied()).collect();
    let cell = |cells: &[String], col: Column| {
        columns.get(&col).and_then(|&i| cells.get(i)).cloned().unwrap_or_default()
    };
    let mut checked = Vec::new();
    let mut problems = Vec::new();
    let rows: Vec<_> =
        sheet.rows[at + 1..].iter().filter(|(_, c)| c.iter().any(|x| !x.trim().is_empty())).collect();
    if rows.is_empty() {
        return Err(AppError::invalid("file", Msg::new("err.roster_empty")));
    }
    if rows.len() > MAX_IMPORT {
        return Err(AppError::invalid("file", Msg::new("err.roster_too_many").arg("max", MAX_IMPORT)));
    }
    for (row_no, cells) in rows {
        let answer = cell(cells, Column::Answer);
        let options: Vec<String> =
            option_columns.iter().map(|&i| cells.get(i).cloned().unwrap_or_default()).collect();
        let mut kind = cell(cells, Column::Kind);
        if kind.trim().is_empty() {
            kind = if judge_answer(&answer).is_some()
                && !answer.trim().eq_ignore_ascii_case("a")
                && !answer.trim().eq_ignore_ascii_case("b")
            {
                "judge"
            } else if letters(&answer, MAX_OPTIONS).is_some_and(|a| a.len() > 1) {
                "multiple"
            } else {
                "single"
            }
            .to_string();
        }
        let mut category = cell(cells, Column::Category);
        if category.trim().is_empty() {
            category = fallback.clone();
        }
        let input = QuestionInput {
            category,
            kind,
            stem: cell(cells, Column::Stem),
            options,
            answer,
            explanation: cell(cells, Column::Explanation),
            source: cell(cells, Column::Source),
        };
        match input.check() {
            Ok(q) => checked.push(q),
            Err(e) => problems.push((row_no, e)),
        }
    }
    if !problems.is_empty() {
        let lang = crate::i18n::current();
        let listed: Vec<String> = problems
            .iter()
            .take(10)
            .map(|(row, e)| {
                let problem = e.message(lang).trim_end_matches(['。', '.']).to_string();
                Msg::new("err.bank_row").arg("row", row).arg("problem", problem).render(lang)
            })
            .collect();
        return Err(AppError::invalid(
            "file",
            Msg::new("err.bank_rows").arg("n", problems.len()).arg("rows", listed.join("；")),
        ));
    }
    let t = now();
    let mut tx = app.db.begin().await?;
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut at_index: HashMap<String, usize> = HashMap::new();
    for q in &checked {
        insert(&mut tx, campaign, q, t).await?;
        let i = *at_index.entry(q.category.clone()).or_insert_with(|| {
            counts.push((q.category.clone(), 0));
            counts.len() - 1
        });
        counts[i].1 += 1;
    }
    audit::record(&mut tx, actor, "question.import", "campaign", campaign, json!({"added": checked.len()}))
        .await?;
    tx.commit().await?;
    Ok(BankImport { added: checked.len(), categories: counts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_as_offices_write_them() {
        assert_eq!(letters("A、C、D", 4), Some(vec![0, 2, 3]));
        assert_eq!(letters("ｂ", 4), Some(vec![1]));
        assert_eq!(letters("E", 4), None);
        assert_eq!(letters("", 4), None);
        assert_eq!(judge_answer("√"), Some(0));
        assert_eq!(judge_answer("错"), Some(1));
        assert_eq!(kind_of("多项选择题"), Some("multiple"));
        assert_eq!(kind_of("填空题"), None);
        assert_eq!(column_for("选项 C"), Some(Column::Option(2)));
        assert_eq!(column_for("正确答案"), Some(Column::Answer));
    }

    #[test]
    fn a_single_choice_names_one_option() {
        let q = QuestionInput {
            category: "廉洁自律".into(),
            kind: "单选".into(),
            stem: "问".into(),
            options: vec!["甲".into(), "乙".into(), String::new()],
            answer: "AB".into(),
            explanation: String::new(),
            source: String::new(),
        };
        assert!(q.check().is_err());
        let ok = QuestionInput { answer: "B".into(), ..q };
        let c = ok.check().unwrap();
        assert_eq!((c.options.len(), c.answer.as_str()), (2, "1"));
    }
}
