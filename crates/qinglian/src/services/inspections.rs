//! Supervision inspections (监督检查): who was inspected, when, on what focus (疫情防控纪律 …), by
//! which team; findings with category and severity; rectification of each by its owner unit,
//! with a deadline, closed only with evidence. Overdue rectifications are flagged.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::filter::Where;
use super::{audit, clean_text, Actor, App, Page, Paging};
use crate::db::now;
use crate::domain::{parse_date, today};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;

pub const SEVERITIES: [&str; 3] = ["low", "medium", "high"];

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct FindingInput {
    #[schema(min_length = 1, max_length = 50)]
    pub category: String,
    /// low, medium or high.
    pub severity: String,
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
    /// The unit that must put it right; the inspected unit when absent.
    pub owner_unit_id: Option<i64>,
    pub deadline: String,
}

/// An inspection's own record: recorded with its findings, corrected on its own.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct InspectionRecord {
    pub inspected_on: String,
    pub unit_id: i64,
    #[schema(min_length = 1, max_length = 100)]
    pub focus: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub summary: String,
    /// One of the campaign's theme tags (四个结合), e.g. 疫情防控.
    pub theme_id: Option<i64>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct InspectionInput {
    #[serde(flatten)]
    pub record: InspectionRecord,
    #[serde(default)]
    pub findings: Vec<FindingInput>,
}

/// Checks an inspection's date (not in the future), focus, team and summary, gathering errors.
fn check_header(
    (inspected_on, focus, team, summary): (&str, &str, &str, &str),
    errors: &mut Vec<FieldError>,
) -> (Option<String>, Option<String>, Option<String>, Option<String>) {
    let mut keep = |r: AppResult<String>| r.map_err(|e| errors.extend(e.fields().to_vec())).ok();
    let date = keep(parse_date("inspected_on", inspected_on));
    let focus = keep(clean_text("focus", focus, 100, true));
    let team = keep(clean_text("team", team, 200, false));
    let summary = keep(clean_text("summary", summary, 5_000, false));
    if date.as_deref().is_some_and(|d| d > today().as_str()) {
        errors.push(FieldError { field: "inspected_on".into(), msg: Msg::new("err.future_date") });
    }
    (date, focus, team, summary)
}

struct CheckedFinding {
    category: String,
    severity: String,
    description: String,
    deadline: String,
}

/// Checks a finding; its fields are named after `prefix` (`findings.0.`), and its deadline
/// cannot come before the inspection.
fn check_finding(f: &FindingInput, inspected_on: Option<&str>, prefix: &str) -> AppResult<CheckedFinding> {
    let field = |name: &str| format!("{prefix}{name}");
    let mut errors = Vec::new();
    let category = clean_text("category", &f.category, 50, true)
        .map_err(|_| errors.push(FieldError { field: field("category"), msg: Msg::new("err.required") }));
    let description = clean_text("description", &f.description, 2_000, true)
        .map_err(|_| errors.push(FieldError { field: field("description"), msg: Msg::new("err.required") }));
    let deadline = parse_date("deadline", &f.deadline)
        .map_err(|_| errors.push(FieldError { field: field("deadline"), msg: Msg::new("err.date") }));
    if !SEVERITIES.contains(&f.severity.as_str()) {
        errors.push(FieldError { field: field("severity"), msg: Msg::new("err.severity") });
    }
    if let (Ok(dl), Some(day)) = (&deadline, inspected_on) {
        if dl.as_str() < day {
            errors.push(FieldError { field: field("deadline"), msg: Msg::new("err.deadline_before") });
        }
    }
    match (category, description, deadline, errors.is_empty()) {
        (Ok(category), Ok(description), Ok(deadline), true) => {
            Ok(CheckedFinding { category, severity: f.severity.clone(), description, deadline })
        }
        _ => Err(AppError::Invalid(errors)),
    }
}

/// Records an inspection with its findings, in one transaction.
pub async fn create(app: &App, actor: &Actor, campaign_id: i64, input: InspectionInput) -> AppResult<i64> {
    actor.require_organiser()?;
    let mut errors: Vec<FieldError> = Vec::new();
    let (date, focus, team, summary) = check_header(
        (&input.record.inspected_on, &input.record.focus, &input.record.team, &input.record.summary),
        &mut errors,
    );
    let mut findings = Vec::new();
    for (i, f) in input.findings.iter().enumerate() {
        match check_finding(f, date.as_deref(), &format!("findings.{i}.")) {
            Ok(c) => findings.push((
                c.category,
                c.severity,
                c.description,
                f.owner_unit_id.unwrap_or(input.record.unit_id),
                c.deadline,
            )),
            Err(e) => errors.extend(e.fields().to_vec()),
        }
    }
    let (Some(date), Some(focus), Some(team), Some(summary), true) =
        (date, focus, team, summary, errors.is_empty())
    else {
        return Err(AppError::Invalid(errors));
    };
    super::units::get(app, input.record.unit_id)
        .await
        .map_err(|_| AppError::invalid("unit_id", Msg::new("err.unit_unknown")))?;
    let mut tx = app.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO inspections (campaign_id, inspected_on, unit_id, focus, team, summary, theme_id, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, (SELECT id FROM campaign_themes WHERE id = $7 AND campaign_id = $1), $8, $9) RETURNING id",
    )
    .bind(campaign_id)
    .bind(&date)
    .bind(input.record.unit_id)
    .bind(&focus)
    .bind(&team)
    .bind(&summary)
    .bind(input.record.theme_id.unwrap_or(0))
    .bind(actor.user_id)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    for (category, severity, description, owner, deadline) in &findings {
        sqlx::query(
            "INSERT INTO findings (inspection_id, category, severity, description, owner_unit_id, deadline) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(category)
        .bind(severity)
        .bind(description)
        .bind(owner)
        .bind(deadline)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        actor,
        "inspection.create",
        "inspection",
        id,
        json!({"unit_id": input.record.unit_id, "findings": findings.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Inspection {
    pub id: i64,
    pub campaign_id: i64,
    pub inspected_on: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub focus: String,
    pub team: String,
    pub summary: String,
    pub theme_id: Option<i64>,
    pub findings: i64,
}

pub async fn get(app: &App, actor: &Actor, id: i64) -> AppResult<Inspection> {
    actor.require_organiser()?;
    let r = sqlx::query(
        "SELECT i.*, u.name AS unit_name, (SELECT COUNT(*) FROM findings f WHERE f.inspection_id = i.id) AS findings
         FROM inspections i JOIN units u ON u.id = i.unit_id WHERE i.id = $1",
    )
    .bind(id)
    .fetch_optional(&app.db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(Inspection {
        id,
        campaign_id: r.get("campaign_id"),
        inspected_on: r.get("inspected_on"),
        unit_id: r.get("unit_id"),
        unit_name: r.get("unit_name"),
        focus: r.get("focus"),
        team: r.get("team"),
        summary: r.get("summary"),
        theme_id: r.get("theme_id"),
        findings: r.get("findings"),
    })
}

fn inspection_fields(i: &Inspection) -> serde_json::Value {
    json!({"inspected_on": i.inspected_on, "unit_id": i.unit_id, "focus": i.focus, "team": i.team,
           "summary": i.summary, "theme_id": i.theme_id})
}

/// The campaign of inspection `$1` is still open: a closed campaign's report stands on it.
const INSPECTION_OPEN: &str =
    "EXISTS (SELECT 1 FROM inspections i JOIN campaigns c ON c.id = i.campaign_id WHERE i.id = $1 AND c.status <> 'closed')";

/// Refuses a correction once the inspection's campaign is closed; asked inside the transaction.
async fn refuse_if_closed(tx: &mut crate::db::Tx, inspection_id: i64) -> AppResult<()> {
    let open: i64 = sqlx::query_scalar(&format!("SELECT CASE WHEN {INSPECTION_OPEN} THEN 1 ELSE 0 END"))
        .bind(inspection_id)
        .fetch_one(&mut **tx)
        .await?;
    if open == 0 {
        return Err(AppError::Conflict(Msg::new("err.campaign_closed")));
    }
    Ok(())
}

/// Corrects an inspection's date, unit, focus, team, summary and theme; its date cannot pass a
/// finding's deadline.
pub async fn update(app: &App, actor: &Actor, id: i64, input: InspectionRecord) -> AppResult<()> {
    let before = get(app, actor, id).await?;
    let mut errors = Vec::new();
    let (date, focus, team, summary) =
        check_header((&input.inspected_on, &input.focus, &input.team, &input.summary), &mut errors);
    let (Some(date), Some(focus), Some(team), Some(summary), true) =
        (date, focus, team, summary, errors.is_empty())
    else {
        return Err(AppError::Invalid(errors));
    };
    super::units::get(app, input.unit_id)
        .await
        .map_err(|_| AppError::invalid("unit_id", Msg::new("err.unit_unknown")))?;
    let mut tx = app.db.begin().await?;
    refuse_if_closed(&mut tx, id).await?;
    let earlier: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM findings WHERE inspection_id = $1 AND deadline < $2")
            .bind(id)
            .bind(&date)
            .fetch_one(&mut *tx)
            .await?;
    if earlier > 0 {
        return Err(AppError::invalid("inspected_on", Msg::new("err.deadline_before")));
    }
    // The theme is kept only if it is one of the campaign's; the log shows what was kept.
    let theme: Option<i64> = sqlx::query_scalar(
        "UPDATE inspections SET inspected_on = $1, unit_id = $2, focus = $3, team = $4, summary = $5,
                theme_id = (SELECT id FROM campaign_themes WHERE id = $6 AND campaign_id = $7) WHERE id = $8
         RETURNING theme_id",
    )
    .bind(&date)
    .bind(input.unit_id)
    .bind(&focus)
    .bind(&team)
    .bind(&summary)
    .bind(input.theme_id.unwrap_or(0))
    .bind(before.campaign_id)
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let after = json!({"inspected_on": date, "unit_id": input.unit_id, "focus": focus, "team": team,
                       "summary": summary, "theme_id": theme});
    audit::record(
        &mut tx,
        actor,
        "inspection.update",
        "inspection",
        id,
        audit::changes(inspection_fields(&before), after),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes an inspection recorded by mistake, with its findings, while none has been rectified.
pub async fn delete(app: &App, actor: &Actor, id: i64) -> AppResult<i64> {
    let before = get(app, actor, id).await?;
    let mut tx = app.db.begin().await?;
    refuse_if_closed(&mut tx, id).await?;
    // Taking the findings' write lock first, so a rectification closed meanwhile waits and is seen.
    sqlx::query("UPDATE findings SET status = status WHERE inspection_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    INSPECTION_DEPENDENTS.refuse_if_any(&mut tx, id, "err.inspection_in_use").await?;
    sqlx::query("DELETE FROM findings WHERE inspection_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM inspections WHERE id = $1").bind(id).execute(&mut *tx).await?;
    let mut was = inspection_fields(&before);
    was["findings"] = json!(before.findings);
    audit::record(&mut tx, actor, "inspection.delete", "inspection", id, json!({"before": was})).await?;
    tx.commit().await?;
    Ok(before.campaign_id)
}

const INSPECTION_DEPENDENTS: super::Dependents = super::Dependents(&[(
    "SELECT COUNT(*) FROM findings WHERE inspection_id = $1 AND status = 'closed'",
    "dep.rectified",
)]);

/// A finding as it is stored, for correcting it.
struct StoredFinding {
    inspection_id: i64,
    inspected_on: String,
    fields: serde_json::Value,
}

async fn stored_finding(app: &App, actor: &Actor, id: i64) -> AppResult<StoredFinding> {
    actor.require_organiser()?;
    let r = sqlx::query(
        "SELECT f.*, i.inspected_on FROM findings f JOIN inspections i ON i.id = f.inspection_id WHERE f.id = $1",
    )
    .bind(id)
    .fetch_optional(&app.db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(StoredFinding {
        inspection_id: r.get("inspection_id"),
        inspected_on: r.get("inspected_on"),
        fields: json!({"category": r.get::<String, _>("category"), "severity": r.get::<String, _>("severity"),
                       "description": r.get::<String, _>("description"), "owner_unit_id": r.get::<i64, _>("owner_unit_id"),
                       "deadline": r.get::<String, _>("deadline"), "evidence": r.get::<String, _>("evidence")}),
    })
}

/// Corrects an open finding: its category, severity, description, owner unit or deadline
/// (extended, or brought forward no earlier than the inspection). A rectified one is reopened
/// first, so its evidence is never judged against a changed finding.
pub async fn update_finding(app: &App, actor: &Actor, id: i64, input: FindingInput) -> AppResult<()> {
    let before = stored_finding(app, actor, id).await?;
    let f = check_finding(&input, Some(&before.inspected_on), "")?;
    let owner = input.owner_unit_id.unwrap_or(before.fields["owner_unit_id"].as_i64().unwrap_or_default());
    super::units::get(app, owner)
        .await
        .map_err(|_| AppError::invalid("owner_unit_id", Msg::new("err.unit_unknown")))?;
    let mut tx = app.db.begin().await?;
    refuse_if_closed(&mut tx, before.inspection_id).await?;
    let n = sqlx::query(
        "UPDATE findings SET category = $1, severity = $2, description = $3, owner_unit_id = $4, deadline = $5
         WHERE id = $6 AND status = 'open'",
    )
    .bind(&f.category)
    .bind(&f.severity)
    .bind(&f.description)
    .bind(owner)
    .bind(&f.deadline)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::Conflict(Msg::new("err.finding_rectified")));
    }
    let after = json!({"category": f.category, "severity": f.severity, "description": f.description,
                       "owner_unit_id": owner, "deadline": f.deadline});
    audit::record(&mut tx, actor, "finding.update", "finding", id, audit::changes(before.fields, after))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Reopens a rectification closed without enough done; the reason is logged with the evidence
/// that was given, and the owner unit answers again.
pub async fn reopen_finding(app: &App, actor: &Actor, id: i64, reason: &str) -> AppResult<()> {
    let before = stored_finding(app, actor, id).await?;
    let reason = clean_text("reason", reason, 500, true)?;
    let mut tx = app.db.begin().await?;
    refuse_if_closed(&mut tx, before.inspection_id).await?;
    let n = sqlx::query("UPDATE findings SET status = 'open', closed_at = 0, closed_by = NULL WHERE id = $1 AND status = 'closed'")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::Conflict(Msg::new("err.finding_open")));
    }
    let detail = json!({"reason": reason, "evidence": before.fields["evidence"]});
    audit::record(&mut tx, actor, "finding.reopen", "finding", id, detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a finding recorded by mistake, while it is open.
pub async fn delete_finding(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    let before = stored_finding(app, actor, id).await?;
    let mut tx = app.db.begin().await?;
    refuse_if_closed(&mut tx, before.inspection_id).await?;
    let n = sqlx::query("DELETE FROM findings WHERE id = $1 AND status = 'open'")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::Conflict(Msg::new("err.finding_rectified")));
    }
    audit::record(&mut tx, actor, "finding.delete", "finding", id, json!({"before": before.fields})).await?;
    tx.commit().await?;
    Ok(())
}

/// Closes a rectification: only with evidence of what was done, by its owner unit or an organiser.
pub async fn close(app: &App, actor: &Actor, finding_id: i64, evidence: &str) -> AppResult<()> {
    let r = sqlx::query(
        "SELECT f.status, u.path FROM findings f JOIN units u ON u.id = f.owner_unit_id WHERE f.id = $1",
    )
    .bind(finding_id)
    .fetch_optional(&app.db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    if !actor.covers(&r.get::<String, _>("path")) {
        return Err(AppError::NotFound);
    }
    let evidence = clean_text("evidence", evidence, 2_000, true)
        .map_err(|_| AppError::invalid("evidence", Msg::new("err.evidence_needed")))?;
    if r.get::<String, _>("status") == "closed" {
        return Err(AppError::Conflict(Msg::new("err.already_closed")));
    }
    let mut tx = app.db.begin().await?;
    // Guarded on the old status so two people closing at once do not both record it.
    let n = sqlx::query("UPDATE findings SET status = 'closed', evidence = $1, closed_at = $2, closed_by = $3 WHERE id = $4 AND status = 'open'")
        .bind(&evidence)
        .bind(now())
        .bind(actor.user_id)
        .bind(finding_id)
        .execute(&mut *tx)
        .await?;
    if n.rows_affected() == 0 {
        return Err(AppError::Conflict(Msg::new("err.already_closed")));
    }
    audit::record(&mut tx, actor, "finding.close", "finding", finding_id, json!({"evidence": evidence}))
        .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Finding {
    pub id: i64,
    pub inspection_id: i64,
    pub inspected_on: String,
    pub inspected_unit: String,
    pub focus: String,
    pub category: String,
    pub severity: String,
    pub description: String,
    pub owner_unit: String,
    pub deadline: String,
    pub status: String,
    pub evidence: String,
    pub overdue: bool,
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
pub struct FindingFilter {
    /// open or closed.
    pub status: Option<String>,
    /// Only open and past their deadline.
    pub overdue: Option<bool>,
}

/// Rectifications the actor answers for (his units') or oversees (organisers: all).
pub async fn findings(
    app: &App,
    actor: &Actor,
    campaign_id: i64,
    filter: &FindingFilter,
    paging: Paging,
) -> AppResult<Page<Finding>> {
    let mut w = Where::new([format!("i.campaign_id = {campaign_id}"), actor.scope_sql("o.path")]);
    if let Some(s) = filter.status.as_deref().filter(|s| !s.is_empty()) {
        w.bind("f.status = ?", s);
    }
    let day = today();
    if filter.overdue == Some(true) {
        w.bind("f.status = 'open' AND f.deadline < ?", day.clone());
    }
    let from = "FROM findings f JOIN inspections i ON i.id = f.inspection_id JOIN units iu ON iu.id = i.unit_id JOIN units o ON o.id = f.owner_unit_id";
    let total = w.count(&app.db.pool, from).await?;
    let sql = format!(
        "SELECT f.*, i.inspected_on, i.focus, iu.name AS inspected_unit, o.name AS owner_unit {from} WHERE {}
         ORDER BY CASE f.status WHEN 'open' THEN 0 ELSE 1 END, f.deadline, f.id{}",
        w.sql(),
        paging.sql()
    );
    let items = w
        .fetch_all(&app.db.pool, &sql)
        .await?
        .iter()
        .map(|r| {
            let status: String = r.get("status");
            let deadline: String = r.get("deadline");
            Finding {
                id: r.get("id"),
                inspection_id: r.get("inspection_id"),
                inspected_on: r.get("inspected_on"),
                inspected_unit: r.get("inspected_unit"),
                focus: r.get("focus"),
                category: r.get("category"),
                severity: r.get("severity"),
                description: r.get("description"),
                owner_unit: r.get("owner_unit"),
                overdue: status == "open" && deadline < day,
                deadline,
                status,
                evidence: r.get("evidence"),
            }
        })
        .collect();
    Ok(Page::new(items, total, paging))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Stat {
    pub key: String,
    pub inspections: i64,
    pub findings: i64,
    pub open: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = InspectionStatistics)]
pub struct Statistics {
    pub inspections: i64,
    pub findings: i64,
    pub open: i64,
    pub overdue: i64,
    pub by_focus: Vec<Stat>,
    pub by_unit: Vec<Stat>,
    pub by_month: Vec<Stat>,
    pub by_theme: Vec<Stat>,
}

/// Counts by focus, unit, month and theme, grouped in the database: findings are counted once per
/// inspection first, and the units are joined only for a unit scope or the per-unit counts.
pub async fn statistics(app: &App, actor: &Actor, campaign_id: i64) -> AppResult<Statistics> {
    let wide = actor.campaign_wide();
    let scope = if wide {
        Where::new([format!("i.campaign_id = {campaign_id}")])
    } else {
        Where::new([format!("i.campaign_id = {campaign_id}"), actor.scope_sql("u.path")])
    };
    let group = |key: &str, join: &str, needs_units: bool| {
        let units = if needs_units || !wide { "JOIN units u ON u.id = i.unit_id" } else { "" };
        format!(
            "SELECT {key} AS k, COUNT(*) AS n, CAST(COALESCE(SUM(f.fc), 0) AS BIGINT) AS fcount, CAST(COALESCE(SUM(f.oc), 0) AS BIGINT) AS open
             FROM inspections i {units} {join}
             LEFT JOIN (SELECT inspection_id, COUNT(*) AS fc, SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END) AS oc
                        FROM findings GROUP BY inspection_id) f ON f.inspection_id = i.id
             WHERE {} GROUP BY {key} ORDER BY n DESC, {key}",
            scope.sql()
        )
    };
    let read = |rows: Vec<sqlx::any::AnyRow>| -> Vec<Stat> {
        rows.iter()
            .map(|r| Stat {
                key: r.get::<Option<String>, _>("k").unwrap_or_default(),
                inspections: r.get("n"),
                findings: r.get("fcount"),
                open: r.get("open"),
            })
            .collect()
    };
    let by_focus = read(scope.fetch_all(&app.db.pool, &group("i.focus", "", false)).await?);
    let by_unit = read(scope.fetch_all(&app.db.pool, &group("u.name", "", true)).await?);
    let by_month =
        read(scope.fetch_all(&app.db.pool, &group("SUBSTR(i.inspected_on, 1, 7)", "", false)).await?);
    let by_theme = read(
        scope
            .fetch_all(
                &app.db.pool,
                &group("t.name", "LEFT JOIN campaign_themes t ON t.id = i.theme_id", false),
            )
            .await?,
    );
    let units = if wide { "" } else { "JOIN units u ON u.id = i.unit_id" };
    let overdue_sql = format!(
        "SELECT COUNT(*) FROM findings f JOIN inspections i ON i.id = f.inspection_id {units}
         WHERE {} AND f.status = 'open' AND f.deadline < '{}'",
        scope.sql(),
        today()
    );
    let overdue =
        scope.fetch_all(&app.db.pool, &overdue_sql).await?.first().map(|r| r.get::<i64, _>(0)).unwrap_or(0);
    Ok(Statistics {
        inspections: by_focus.iter().map(|s| s.inspections).sum(),
        findings: by_focus.iter().map(|s| s.findings).sum(),
        open: by_focus.iter().map(|s| s.open).sum(),
        overdue,
        by_focus,
        by_unit,
        by_month,
        by_theme,
    })
}

/// Every finding of the campaign the actor may see, as XLSX.
pub async fn export_xlsx(app: &App, actor: &Actor, campaign_id: i64) -> AppResult<Vec<u8>> {
    let xerr = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("监督检查").map_err(xerr)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in [
        "检查日期",
        "被检查单位",
        "检查重点",
        "问题类别",
        "严重程度",
        "问题描述",
        "整改单位",
        "整改时限",
        "状态",
        "整改情况",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(0, c as u16, *h, &bold).map_err(xerr)?;
    }
    let (mut row, mut page) = (1u32, 1);
    loop {
        let chunk = findings(
            app,
            actor,
            campaign_id,
            &FindingFilter::default(),
            Paging { page: Some(page), per_page: Some(500) },
        )
        .await?;
        for f in &chunk.items {
            let status = if f.status == "closed" {
                "已整改"
            } else if f.overdue {
                "逾期未整改"
            } else {
                "整改中"
            };
            let severity = match f.severity.as_str() {
                "high" => "严重",
                "medium" => "一般",
                _ => "轻微",
            };
            let cells = [
                &f.inspected_on,
                &f.inspected_unit,
                &f.focus,
                &f.category,
                severity,
                &f.description,
                &f.owner_unit,
                &f.deadline,
                status,
                &f.evidence,
            ];
            for (c, v) in cells.iter().enumerate() {
                crate::services::sheet::write_text(sheet, row, c as u16, *v).map_err(xerr)?;
            }
            row += 1;
        }
        if chunk.items.len() < 500 {
            break;
        }
        page += 1;
    }
    book.save_to_buffer().map_err(xerr)
}
