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

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct InspectionInput {
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
    #[serde(default)]
    pub findings: Vec<FindingInput>,
}

/// Records an inspection with its findings, in one transaction.
pub async fn create(app: &App, actor: &Actor, campaign_id: i64, input: InspectionInput) -> AppResult<i64> {
    actor.require_organiser()?;
    let mut errors: Vec<FieldError> = Vec::new();
    let date =
        parse_date("inspected_on", &input.inspected_on).map_err(|e| errors.extend(e.fields().to_vec())).ok();
    if date.as_deref().is_some_and(|d| d > today().as_str()) {
        errors.push(FieldError { field: "inspected_on".into(), msg: Msg::new("err.future_date") });
    }
    let focus =
        clean_text("focus", &input.focus, 100, true).map_err(|e| errors.extend(e.fields().to_vec())).ok();
    let team =
        clean_text("team", &input.team, 200, false).map_err(|e| errors.extend(e.fields().to_vec())).ok();
    let summary = clean_text("summary", &input.summary, 5_000, false)
        .map_err(|e| errors.extend(e.fields().to_vec()))
        .ok();
    let mut findings = Vec::new();
    for (i, f) in input.findings.iter().enumerate() {
        let field = |name: &str| format!("findings.{i}.{name}");
        let category = clean_text("category", &f.category, 50, true)
            .map_err(|_| FieldError { field: field("category"), msg: Msg::new("err.required") });
        let description = clean_text("description", &f.description, 2_000, true)
            .map_err(|_| FieldError { field: field("description"), msg: Msg::new("err.required") });
        let deadline = parse_date("deadline", &f.deadline)
            .map_err(|_| FieldError { field: field("deadline"), msg: Msg::new("err.date") });
        if !SEVERITIES.contains(&f.severity.as_str()) {
            errors.push(FieldError { field: field("severity"), msg: Msg::new("err.severity") });
        }
        match (category, description, deadline) {
            (Ok(c), Ok(d), Ok(dl)) => {
                if date.as_ref().is_some_and(|day| dl < *day) {
                    errors
                        .push(FieldError { field: field("deadline"), msg: Msg::new("err.deadline_before") });
                }
                findings.push((c, f.severity.clone(), d, f.owner_unit_id.unwrap_or(input.unit_id), dl));
            }
            (c, d, dl) => errors.extend([c.err(), d.err(), dl.err()].into_iter().flatten()),
        }
    }
    let (Some(date), Some(focus), Some(team), Some(summary), true) =
        (date, focus, team, summary, errors.is_empty())
    else {
        return Err(AppError::Invalid(errors));
    };
    super::units::get(app, input.unit_id)
        .await
        .map_err(|_| AppError::invalid("unit_id", Msg::new("err.unit_unknown")))?;
    let mut tx = app.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO inspections (campaign_id, inspected_on, unit_id, focus, team, summary, theme_id, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, (SELECT id FROM campaign_themes WHERE id = $7 AND campaign_id = $1), $8, $9) RETURNING id",
    )
    .bind(campaign_id)
    .bind(&date)
    .bind(input.unit_id)
    .bind(&focus)
    .bind(&team)
    .bind(&summary)
    .bind(input.theme_id.unwrap_or(0))
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
        json!({"unit_id": input.unit_id, "findings": findings.len()}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
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
