//! Integrity units (清廉单元): 清廉村居, 清廉派出所, 清廉窗口 … Each type has a checklist of
//! criteria (a new checklist is a new version; applications keep the version they answered). A
//! unit applies with a statement and evidence per criterion; an evaluator, never of his own unit,
//! scores each criterion; the unit is named (命名) or returned (退回). Named units are public.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::uploads::{self, Upload};
use super::{audit, clean_text, Actor, App};
use crate::db::now;
use crate::domain::Role;
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::storage::Stored;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CriterionInput {
    #[schema(min_length = 1, max_length = 500)]
    pub text: String,
    pub max_score: i64,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct TypeInput {
    /// Stable code (village, police_station …); a second checklist with the same code is its next version.
    #[schema(min_length = 1, max_length = 50)]
    pub code: String,
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    pub pass_score: i64,
    pub criteria: Vec<CriterionInput>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IntegrityType {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub version: i64,
    pub pass_score: i64,
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = ChecklistCriterion)]
pub struct Criterion {
    pub id: i64,
    pub seq: i64,
    pub text: String,
    pub max_score: i64,
}

pub async fn create_type(app: &App, actor: &Actor, input: TypeInput) -> AppResult<i64> {
    actor.require_organiser()?;
    let code = clean_text("code", &input.code, 50, true)?;
    let name = clean_text("name", &input.name, 50, true)?;
    if input.criteria.is_empty() || input.criteria.len() > 50 {
        return Err(AppError::invalid("criteria", Msg::new("err.criteria")));
    }
    let mut total = 0;
    for c in &input.criteria {
        clean_text("criteria", &c.text, 500, true)?;
        if !(1..=100).contains(&c.max_score) {
            return Err(AppError::invalid("criteria", Msg::new("err.criterion_score")));
        }
        total += c.max_score;
    }
    if !(0..=total).contains(&input.pass_score) {
        return Err(AppError::invalid("pass_score", Msg::new("err.pass_score").arg("max", total)));
    }
    let mut tx = app.db.begin().await?;
    let version: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) + 1 FROM integrity_types WHERE code = $1")
            .bind(&code)
            .fetch_one(&mut *tx)
            .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO integrity_types (code, name, version, pass_score, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(&code)
    .bind(&name)
    .bind(version)
    .bind(input.pass_score)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    for (i, c) in input.criteria.iter().enumerate() {
        sqlx::query("INSERT INTO integrity_criteria (type_id, seq, text, max_score) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(i as i64 + 1)
            .bind(c.text.trim())
            .bind(c.max_score)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        actor,
        "integrity.type",
        "integrity_type",
        id,
        json!({"code": code, "version": version}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The current (latest) version of each type.
pub async fn types(app: &App) -> AppResult<Vec<IntegrityType>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM integrity_types t WHERE version = (SELECT MAX(version) FROM integrity_types x WHERE x.code = t.code) ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await?;
    let mut out = Vec::new();
    for id in ids {
        out.push(get_type(app, id).await?);
    }
    Ok(out)
}

pub async fn get_type(app: &App, id: i64) -> AppResult<IntegrityType> {
    let r = sqlx::query("SELECT * FROM integrity_types WHERE id = $1")
        .bind(id)
        .fetch_optional(&app.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let criteria = sqlx::query(
        "SELECT id, seq, text, max_score FROM integrity_criteria WHERE type_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&app.db.pool)
    .await?
    .iter()
    .map(|c| Criterion {
        id: c.get("id"),
        seq: c.get("seq"),
        text: c.get("text"),
        max_score: c.get("max_score"),
    })
    .collect();
    Ok(IntegrityType {
        id,
        code: r.get("code"),
        name: r.get("name"),
        version: r.get("version"),
        pass_score: r.get("pass_score"),
        criteria,
    })
}

/// A unit's answer to one criterion.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ItemInput {
    pub criterion_id: i64,
    pub statement: String,
}

/// A unit applies, answering every criterion; evidence files may accompany the answers.
/// Where an application stands in the campaign: its theme tag (四个结合), when given.
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
pub struct Tag {
    pub campaign_id: Option<i64>,
    pub theme_id: Option<i64>,
}

pub async fn apply(
    app: &App,
    actor: &Actor,
    type_id: i64,
    unit_id: i64,
    tag: Tag,
    items: Vec<ItemInput>,
    evidence: Vec<(i64, Upload)>,
) -> AppResult<i64> {
    let t = get_type(app, type_id).await?;
    let unit = super::units::get(app, unit_id)
        .await
        .map_err(|_| AppError::invalid("unit_id", Msg::new("err.unit_unknown")))?;
    if !actor.covers(&unit.path) {
        return Err(AppError::Forbidden);
    }
    for c in &t.criteria {
        let answered = items.iter().any(|i| i.criterion_id == c.id && !i.statement.trim().is_empty());
        if !answered {
            return Err(AppError::invalid("items", Msg::new("err.criterion_unanswered").arg("n", c.seq)));
        }
    }
    let pending: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM integrity_applications WHERE unit_id = $1 AND type_id IN (SELECT id FROM integrity_types WHERE code = $2)
         AND status IN ('submitted', 'recognised')",
    )
    .bind(unit_id)
    .bind(&t.code)
    .fetch_optional(&app.db.pool)
    .await?;
    if pending.is_some() {
        return Err(AppError::Conflict(Msg::new("err.application_exists")));
    }
    let (criteria, files): (Vec<i64>, Vec<Upload>) = evidence.into_iter().unzip();
    let stored = uploads::accept(app, &files, app.config.max_upload_bytes, uploads::Accept::Evidence).await?;
    let keys: Vec<(i64, String)> =
        criteria.into_iter().zip(stored).map(|(c, f)| (c, format!("{}:{}", f.key, f.content_type))).collect();
    let mut tx = app.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO integrity_applications (type_id, unit_id, campaign_id, theme_id, status, submitted_at)
         VALUES ($1, $2, (SELECT id FROM campaigns WHERE id = $3), (SELECT id FROM campaign_themes WHERE id = $4 AND campaign_id = $3),
                 'submitted', $5) RETURNING id",
    )
    .bind(type_id)
    .bind(unit_id)
    .bind(tag.campaign_id.unwrap_or(0))
    .bind(tag.theme_id.unwrap_or(0))
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    for c in &t.criteria {
        let statement = items
            .iter()
            .find(|i| i.criterion_id == c.id)
            .map(|i| i.statement.trim().chars().take(5_000).collect::<String>())
            .unwrap_or_default();
        let key = keys.iter().find(|(k, _)| *k == c.id).map(|(_, v)| v.clone()).unwrap_or_default();
        sqlx::query("INSERT INTO integrity_items (application_id, criterion_id, statement, evidence_key) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(c.id)
            .bind(statement)
            .bind(key)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        actor,
        "integrity.apply",
        "integrity_application",
        id,
        json!({"unit_id": unit_id, "type": t.code}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Application {
    pub id: i64,
    pub type_name: String,
    pub type_version: i64,
    pub pass_score: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub status: String,
    pub total_score: i64,
    pub decision_comment: String,
    pub items: Vec<Item>,
    #[serde(skip)]
    pub unit_path: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Item {
    pub criterion_id: i64,
    pub seq: i64,
    pub text: String,
    pub max_score: i64,
    pub statement: String,
    pub has_evidence: bool,
    pub score: Option<i64>,
    pub comment: String,
}

pub async fn application(app: &App, actor: &Actor, id: i64) -> AppResult<Application> {
    let r = sqlx::query(
        "SELECT a.*, t.name AS type_name, t.version, t.pass_score, u.name AS unit_name, u.path
         FROM integrity_applications a JOIN integrity_types t ON t.id = a.type_id JOIN units u ON u.id = a.unit_id WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(&app.db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let path: String = r.get("path");
    if !actor.covers(&path) {
        return Err(AppError::NotFound);
    }
    let items = sqlx::query(
        "SELECT i.*, c.seq, c.text, c.max_score FROM integrity_items i JOIN integrity_criteria c ON c.id = i.criterion_id
         WHERE i.application_id = $1 ORDER BY c.seq",
    )
    .bind(id)
    .fetch_all(&app.db.pool)
    .await?
    .iter()
    .map(|i| Item {
        criterion_id: i.get("criterion_id"),
        seq: i.get("seq"),
        text: i.get("text"),
        max_score: i.get("max_score"),
        statement: i.get("statement"),
        has_evidence: !i.get::<String, _>("evidence_key").is_empty(),
        score: i.get("score"),
        comment: i.get("comment"),
    })
    .collect();
    Ok(Application {
        id,
        type_name: r.get("type_name"),
        type_version: r.get("version"),
        pass_score: r.get("pass_score"),
        unit_id: r.get("unit_id"),
        unit_name: r.get("unit_name"),
        status: r.get("status"),
        total_score: r.get("total_score"),
        decision_comment: r.get("decision_comment"),
        items,
        unit_path: path,
    })
}

/// An evidence file, for those who may see the application.
pub async fn evidence(
    app: &App,
    actor: &Actor,
    application_id: i64,
    criterion_id: i64,
) -> AppResult<(String, Stored)> {
    application(app, actor, application_id).await?;
    let key: String = sqlx::query_scalar(
        "SELECT evidence_key FROM integrity_items WHERE application_id = $1 AND criterion_id = $2",
    )
    .bind(application_id)
    .bind(criterion_id)
    .fetch_optional(&app.db.pool)
    .await?
    .filter(|k: &String| !k.is_empty())
    .ok_or(AppError::NotFound)?;
    let (key, kind) = key.split_once(':').ok_or(AppError::NotFound)?;
    Ok((kind.to_string(), app.files.open(key).await?))
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Score {
    pub criterion_id: i64,
    pub score: i64,
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Evaluation {
    pub scores: Vec<Score>,
    /// recognise (命名) or return (退回).
    pub decision: String,
    #[serde(default)]
    pub comment: String,
}

/// An evaluator scores every criterion and decides; nobody evaluates his own unit.
pub async fn evaluate(app: &App, actor: &Actor, id: i64, e: Evaluation) -> AppResult<()> {
    actor.require_organiser()?;
    let a = application(app, actor, id).await?;
    let own_unit = actor.grants.iter().any(|g| {
        g.role == Role::UnitAdmin && g.unit_path.as_deref().is_some_and(|p| a.unit_path.starts_with(p))
    });
    let own_person: Option<i64> = sqlx::query_scalar(
        "SELECT p.id FROM users s JOIN people p ON p.id = s.person_id JOIN units u ON u.id = p.unit_id WHERE s.id = $1 AND u.id = $2",
    )
    .bind(actor.user_id)
    .bind(a.unit_id)
    .fetch_optional(&app.db.pool)
    .await?;
    if own_unit || own_person.is_some() {
        return Err(AppError::Conflict(Msg::new("err.own_unit_evaluation")));
    }
    if a.status != "submitted" {
        return Err(AppError::Conflict(Msg::new("err.application_decided")));
    }
    let mut total = 0;
    for item in &a.items {
        let s = e.scores.iter().find(|s| s.criterion_id == item.criterion_id).ok_or_else(|| {
            AppError::invalid("scores", Msg::new("err.criterion_unscored").arg("n", item.seq))
        })?;
        if !(0..=item.max_score).contains(&s.score) {
            return Err(AppError::invalid(
                "scores",
                Msg::new("err.score_range").arg("n", item.seq).arg("max", item.max_score),
            ));
        }
        total += s.score;
    }
    let status = match e.decision.as_str() {
        "recognise" if total >= a.pass_score => "recognised",
        "recognise" => {
            return Err(AppError::Conflict(
                Msg::new("err.below_pass").arg("total", total).arg("pass", a.pass_score),
            ))
        }
        "return" => {
            clean_text("comment", &e.comment, 2_000, true)?;
            "returned"
        }
        _ => return Err(AppError::invalid("decision", Msg::new("err.decision"))),
    };
    let mut tx = app.db.begin().await?;
    let claimed = sqlx::query(
        "UPDATE integrity_applications SET status = $1, total_score = $2, evaluator_id = $3, decision_comment = $4, decided_at = $5
         WHERE id = $6 AND status = 'submitted'",
    )
    .bind(status)
    .bind(total)
    .bind(actor.user_id)
    .bind(e.comment.trim())
    .bind(now())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    // Claimed first, guarded on the old status: of two organisers deciding at once, the second
    // changes nothing.
    if claimed.rows_affected() == 0 {
        return Err(AppError::Conflict(Msg::new("err.application_decided")));
    }
    for s in &e.scores {
        sqlx::query("UPDATE integrity_items SET score = $1, comment = $2 WHERE application_id = $3 AND criterion_id = $4")
            .bind(s.score)
            .bind(s.comment.trim())
            .bind(id)
            .bind(s.criterion_id)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        actor,
        "integrity.evaluate",
        "integrity_application",
        id,
        json!({"status": status, "total": total}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The applicant corrects his answers while the application awaits evaluation; every
/// criterion stays answered, and the evidence files stay as they were.
pub async fn correct(app: &App, actor: &Actor, id: i64, items: Vec<ItemInput>) -> AppResult<()> {
    let a = application(app, actor, id).await?;
    for item in &a.items {
        let answered =
            items.iter().any(|i| i.criterion_id == item.criterion_id && !i.statement.trim().is_empty());
        if !answered {
            return Err(AppError::invalid("items", Msg::new("err.criterion_unanswered").arg("n", item.seq)));
        }
    }
    let mut tx = app.db.begin().await?;
    // Claimed on the old status first, so an evaluation in between is not scored on other words.
    claim_submitted(&mut tx, id).await?;
    let mut was = serde_json::Map::new();
    let mut now_ = serde_json::Map::new();
    for item in &a.items {
        let statement: String = items
            .iter()
            .find(|i| i.criterion_id == item.criterion_id)
            .map(|i| i.statement.trim().chars().take(5_000).collect())
            .unwrap_or_default();
        if statement == item.statement {
            continue;
        }
        sqlx::query(
            "UPDATE integrity_items SET statement = $1 WHERE application_id = $2 AND criterion_id = $3",
        )
        .bind(&statement)
        .bind(id)
        .bind(item.criterion_id)
        .execute(&mut *tx)
        .await?;
        was.insert(item.seq.to_string(), json!(item.statement));
        now_.insert(item.seq.to_string(), json!(statement));
    }
    let detail = json!({"before": was, "after": now_});
    audit::record(&mut tx, actor, "integrity.correct", "integrity_application", id, detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes the application's write lock while it still awaits evaluation, or says it is decided.
async fn claim_submitted(tx: &mut crate::db::Tx, id: i64) -> AppResult<()> {
    let n = sqlx::query(
        "UPDATE integrity_applications SET status = status WHERE id = $1 AND status = 'submitted'",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::Conflict(Msg::new("err.application_decided")));
    }
    Ok(())
}

/// The applicant withdraws an application that awaits evaluation; it is kept, marked
/// withdrawn, and the unit may apply again.
pub async fn withdraw(app: &App, actor: &Actor, id: i64, reason: &str) -> AppResult<()> {
    application(app, actor, id).await?;
    let reason = clean_text("reason", reason, 500, true)?;
    let mut tx = app.db.begin().await?;
    claim_submitted(&mut tx, id).await?;
    sqlx::query("UPDATE integrity_applications SET status = 'withdrawn', decision_comment = $1, decided_at = $2 WHERE id = $3")
        .bind(&reason)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        "integrity.withdraw",
        "integrity_application",
        id,
        json!({"reason": reason}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An organiser sets aside a decision made in error (a unit named or returned wrongly): the
/// application awaits evaluation again, its scores cleared; the log keeps the decision undone.
/// Not once the campaign it served is closed.
pub async fn reopen(app: &App, actor: &Actor, id: i64, reason: &str) -> AppResult<()> {
    actor.require_organiser()?;
    let a = application(app, actor, id).await?;
    let reason = clean_text("reason", reason, 500, true)?;
    let mut tx = app.db.begin().await?;
    let n = sqlx::query(
        "UPDATE integrity_applications SET status = 'submitted', total_score = 0, evaluator_id = NULL, decision_comment = '', decided_at = 0
         WHERE id = $1 AND status IN ('recognised', 'returned')
           AND (campaign_id IS NULL OR EXISTS (SELECT 1 FROM campaigns c WHERE c.id = integrity_applications.campaign_id AND c.status <> 'closed'))",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        let key = if matches!(a.status.as_str(), "recognised" | "returned") {
            "err.campaign_closed"
        } else {
            "err.application_undecided"
        };
        return Err(AppError::Conflict(Msg::new(key)));
    }
    sqlx::query("UPDATE integrity_items SET score = NULL, comment = '' WHERE application_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let detail = json!({"reason": reason, "before": {"status": a.status, "total": a.total_score, "comment": a.decision_comment}});
    audit::record(&mut tx, actor, "integrity.reopen", "integrity_application", id, detail).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplicationRow {
    pub id: i64,
    pub type_name: String,
    pub unit_name: String,
    pub status: String,
    pub total_score: i64,
    pub theme: Option<String>,
}

/// Applications the actor may see: his units' (unit administrators) or all (organisers).
pub async fn applications(app: &App, actor: &Actor) -> AppResult<Vec<ApplicationRow>> {
    let sql = format!(
        "SELECT a.id, t.name AS type_name, u.name AS unit_name, a.status, a.total_score, th.name AS theme
         FROM integrity_applications a JOIN integrity_types t ON t.id = a.type_id JOIN units u ON u.id = a.unit_id
         LEFT JOIN campaign_themes th ON th.id = a.theme_id
         WHERE {} ORDER BY CASE a.status WHEN 'submitted' THEN 0 ELSE 1 END, a.id DESC LIMIT 500",
        actor.scope_sql("u.path")
    );
    Ok(sqlx::query(&sql).fetch_all(&app.db.pool).await?.iter().map(application_row).collect())
}

fn application_row(r: &sqlx::any::AnyRow) -> ApplicationRow {
    ApplicationRow {
        id: r.get("id"),
        type_name: r.get("type_name"),
        unit_name: r.get("unit_name"),
        status: r.get("status"),
        total_score: r.get("total_score"),
        theme: r.get("theme"),
    }
}

/// The named units, for the public page.
pub async fn recognised(app: &App) -> AppResult<Vec<ApplicationRow>> {
    Ok(sqlx::query(
        "SELECT a.id, t.name AS type_name, u.name AS unit_name, a.status, a.total_score, th.name AS theme
         FROM integrity_applications a JOIN integrity_types t ON t.id = a.type_id JOIN units u ON u.id = a.unit_id
         LEFT JOIN campaign_themes th ON th.id = a.theme_id
         WHERE a.status = 'recognised' ORDER BY t.id, u.path",
    )
    .fetch_all(&app.db.pool)
    .await?
    .iter()
    .map(application_row)
    .collect())
}

/// The applications the actor may see, as XLSX.
pub async fn export_xlsx(app: &App, actor: &Actor) -> AppResult<Vec<u8>> {
    let xerr = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("清廉单元").map_err(xerr)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in ["单位", "类型", "结合主题", "状态", "得分"].iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold).map_err(xerr)?;
    }
    for (i, a) in applications(app, actor).await?.iter().enumerate() {
        let r = i as u32 + 1;
        let status = match a.status.as_str() {
            "recognised" => "已命名",
            "returned" => "已退回",
            _ => "待评估",
        };
        for (c, v) in
            [a.unit_name.as_str(), &a.type_name, a.theme.as_deref().unwrap_or(""), status].iter().enumerate()
        {
            crate::services::sheet::write_text(sheet, r, c as u16, *v).map_err(xerr)?;
        }
        sheet.write_number(r, 4, a.total_score as f64).map_err(xerr)?;
    }
    sheet.set_column_width(0, 24).map_err(xerr)?;
    book.save_to_buffer().map_err(xerr)
}
