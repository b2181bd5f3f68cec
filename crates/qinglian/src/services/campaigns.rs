//! Campaigns, their activities and the assignments that turn an activity into one task per unit.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::{audit, clean_text, Actor, App};
use crate::db::{now, Tx};
use crate::domain::{parse_date, status};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CampaignSummary {
    pub id: i64,
    pub title: String,
    pub year: i64,
    pub status: String,
    pub start_date: String,
    pub end_date: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Campaign {
    pub id: i64,
    pub title: String,
    pub year: i64,
    pub theme: String,
    pub start_date: String,
    pub end_date: String,
    pub guiding_text: String,
    pub requirements: String,
    pub issuer_unit_id: Option<i64>,
    pub issuer_name: Option<String>,
    pub status: String,
    pub themes: Vec<Theme>,
    pub activities: Vec<Activity>,
    /// The furniture of the notice and the report (版头, 主送, 署名, 版记).
    pub paperwork: super::report::paperwork::Paperwork,
    /// Days after the end the public's personal data is kept, then anonymised.
    pub retention_days: i64,
}

impl Campaign {
    /// The day after which the public's personal data is anonymised.
    pub fn anonymised_after(&self) -> String {
        super::privacy::anonymised_after(&self.end_date, self.retention_days).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Theme {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Activity {
    pub id: i64,
    pub campaign_id: i64,
    pub seq: i64,
    pub kind: String,
    pub kind_name: String,
    pub title: String,
    pub lead_unit_id: i64,
    pub lead_unit_name: String,
    pub co_units: Vec<NamedId>,
    pub description: String,
    pub audience: String,
    pub start_date: String,
    pub end_date: String,
    pub themes: Vec<Theme>,
}

impl Activity {
    pub fn has_theme(&self, id: &i64) -> bool {
        self.themes.iter().any(|t| t.id == *id)
    }
    pub fn co_unit_ids(&self) -> Vec<i64> {
        self.co_units.iter().map(|u| u.id).collect()
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NamedId {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActivityKind {
    pub code: String,
    pub name: String,
}

pub async fn list(app: &App) -> AppResult<Vec<CampaignSummary>> {
    Ok(sqlx::query(
        "SELECT id, title, year, status, start_date, end_date FROM campaigns ORDER BY year DESC, id DESC",
    )
    .fetch_all(&app.db.pool)
    .await?
    .iter()
    .map(|r| CampaignSummary {
        id: r.get("id"),
        title: r.get("title"),
        year: r.get("year"),
        status: r.get("status"),
        start_date: r.get("start_date"),
        end_date: r.get("end_date"),
    })
    .collect())
}

pub async fn kinds(app: &App) -> AppResult<Vec<ActivityKind>> {
    Ok(sqlx::query("SELECT code, name FROM activity_kinds ORDER BY sort, code")
        .fetch_all(&app.db.pool)
        .await?
        .iter()
        .map(|r| ActivityKind { code: r.get("code"), name: r.get("name") })
        .collect())
}

pub async fn get(app: &App, id: i64) -> AppResult<Campaign> {
    let r = sqlx::query(
        "SELECT c.*, u.name AS issuer_name FROM campaigns c LEFT JOIN units u ON u.id = c.issuer_unit_id WHERE c.id = $1",
    )
    .bind(id)
    .fetch_optional(&app.db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let themes = sqlx::query("SELECT id, name FROM campaign_themes WHERE campaign_id = $1 ORDER BY sort, id")
        .bind(id)
        .fetch_all(&app.db.pool)
        .await?
        .iter()
        .map(|r| Theme { id: r.get("id"), name: r.get("name") })
        .collect();
    Ok(Campaign {
        id,
        title: r.get("title"),
        year: r.get("year"),
        theme: r.get("theme"),
        start_date: r.get("start_date"),
        end_date: r.get("end_date"),
        guiding_text: r.get("guiding_text"),
        requirements: r.get("requirements"),
        issuer_unit_id: r.get("issuer_unit_id"),
        issuer_name: r.get("issuer_name"),
        status: r.get("status"),
        themes,
        activities: activities(app, id, None).await?,
        paperwork: super::report::paperwork::parse(&r.get::<String, _>("paperwork")),
        retention_days: r.get("retention_days"),
    })
}

async fn activities(app: &App, campaign_id: i64, only: Option<i64>) -> AppResult<Vec<Activity>> {
    let rows = sqlx::query(
        "SELECT a.*, k.name AS kind_name, u.name AS lead_unit_name
         FROM activities a JOIN activity_kinds k ON k.code = a.kind JOIN units u ON u.id = a.lead_unit_id
         WHERE a.campaign_id = $1 AND ($2 = 0 OR a.id = $2) ORDER BY a.seq, a.id",
    )
    .bind(campaign_id)
    .bind(only.unwrap_or(0))
    .fetch_all(&app.db.pool)
    .await?;
    let co = sqlx::query(
        "SELECT c.activity_id, u.id, u.name FROM activity_co_units c JOIN units u ON u.id = c.unit_id
         JOIN activities a ON a.id = c.activity_id WHERE a.campaign_id = $1 ORDER BY u.path",
    )
    .bind(campaign_id)
    .fetch_all(&app.db.pool)
    .await?;
    let tags = sqlx::query(
        "SELECT at.activity_id, t.id, t.name FROM activity_themes at JOIN campaign_themes t ON t.id = at.theme_id
         WHERE t.campaign_id = $1 ORDER BY t.sort, t.id",
    )
    .bind(campaign_id)
    .fetch_all(&app.db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let id: i64 = r.get("id");
            Activity {
                id,
                campaign_id,
                seq: r.get("seq"),
                kind: r.get("kind"),
                kind_name: r.get("kind_name"),
                title: r.get("title"),
                lead_unit_id: r.get("lead_unit_id"),
                lead_unit_name: r.get("lead_unit_name"),
                co_units: co
                    .iter()
                    .filter(|c| c.get::<i64, _>("activity_id") == id)
                    .map(|c| NamedId { id: c.get("id"), name: c.get("name") })
                    .collect(),
                description: r.get("description"),
                audience: r.get("audience"),
                start_date: r.get("start_date"),
                end_date: r.get("end_date"),
                themes: tags
                    .iter()
                    .filter(|c| c.get::<i64, _>("activity_id") == id)
                    .map(|c| Theme { id: c.get("id"), name: c.get("name") })
                    .collect(),
            }
        })
        .collect())
}

pub async fn activity(app: &App, id: i64) -> AppResult<Activity> {
    let campaign_id: i64 = sqlx::query_scalar("SELECT campaign_id FROM activities WHERE id = $1")
        .bind(id)
        .fetch_optional(&app.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    activities(app, campaign_id, Some(id)).await?.pop().ok_or(AppError::NotFound)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CampaignInput {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    pub year: i64,
    #[serde(default)]
    pub theme: String,
    pub start_date: String,
    pub end_date: String,
    #[serde(default)]
    pub guiding_text: String,
    #[serde(default)]
    pub requirements: String,
    pub issuer_unit_id: Option<i64>,
    /// Theme tags; the seed's 四个结合 when empty.
    #[serde(default)]
    pub themes: Vec<String>,
}

pub const DEFAULT_THEMES: [&str; 4] = ["疫情防控", "机关建设", "乡村振兴", "基层服务"];

fn check_period(start: &str, end: &str) -> AppResult<(String, String)> {
    let s = parse_date("start_date", start)?;
    let e = parse_date("end_date", end)?;
    if e < s {
        return Err(AppError::invalid("end_date", Msg::new("err.period_order")));
    }
    Ok((s, e))
}

/// A campaign's fields after validation.
struct CheckedCampaign {
    title: String,
    year: i64,
    theme: String,
    start: String,
    end: String,
    guiding_text: String,
    requirements: String,
    issuer_unit_id: Option<i64>,
    themes: Vec<String>,
}

fn check_campaign(input: &CampaignInput) -> AppResult<CheckedCampaign> {
    let title = clean_text("title", &input.title, 200, true)?;
    if !(2000..=2100).contains(&input.year) {
        return Err(AppError::invalid("year", Msg::new("err.year")));
    }
    let (start, end) = check_period(&input.start_date, &input.end_date)?;
    let mut themes: Vec<String> = Vec::new();
    for name in input.themes.iter().map(|s| crate::domain::text::normalize(s)).filter(|s| !s.is_empty()) {
        if name.chars().count() > 20 {
            return Err(AppError::invalid("themes", Msg::new("err.too_long").arg("max", 20)));
        }
        if !themes.contains(&name) {
            themes.push(name);
        }
    }
    Ok(CheckedCampaign {
        title,
        year: input.year,
        theme: clean_text("theme", &input.theme, 500, false)?,
        start,
        end,
        guiding_text: clean_text("guiding_text", &input.guiding_text, 20_000, false)?,
        requirements: clean_text("requirements", &input.requirements, 20_000, false)?,
        issuer_unit_id: input.issuer_unit_id,
        themes,
    })
}

pub async fn create(app: &App, actor: &Actor, input: CampaignInput) -> AppResult<i64> {
    actor.require_organiser()?;
    let mut c = check_campaign(&input)?;
    if c.themes.is_empty() {
        c.themes = DEFAULT_THEMES.iter().map(|s| s.to_string()).collect();
    }
    let mut tx = app.db.begin().await?;
    let t = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO campaigns (title, year, theme, start_date, end_date, guiding_text, requirements, issuer_unit_id, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(&c.title)
    .bind(c.year)
    .bind(&c.theme)
    .bind(&c.start)
    .bind(&c.end)
    .bind(&c.guiding_text)
    .bind(&c.requirements)
    .bind(c.issuer_unit_id)
    .bind(status::CAMPAIGN_DRAFT)
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    set_themes(&mut tx, id, &c.themes).await?;
    audit::record(&mut tx, actor, "campaign.create", "campaign", id, json!({"title": c.title})).await?;
    tx.commit().await?;
    Ok(id)
}

/// Makes the campaign's theme tags exactly `names`, in that order. A tag already used by an
/// activity or a ledger entry cannot be removed.
async fn set_themes(tx: &mut Tx, campaign_id: i64, names: &[String]) -> AppResult<()> {
    let existing = sqlx::query("SELECT id, name FROM campaign_themes WHERE campaign_id = $1")
        .bind(campaign_id)
        .fetch_all(&mut **tx)
        .await?;
    for r in &existing {
        let name: String = r.get("name");
        if names.contains(&name) {
            continue;
        }
        let id: i64 = r.get("id");
        let used: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM activity_themes WHERE theme_id = $1) + (SELECT COUNT(*) FROM ledger_entry_themes WHERE theme_id = $1)",
        )
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
        if used > 0 {
            return Err(AppError::invalid("themes", Msg::new("err.theme_in_use").arg("name", &name)));
        }
        sqlx::query("DELETE FROM campaign_themes WHERE id = $1").bind(id).execute(&mut **tx).await?;
    }
    for (i, name) in names.iter().enumerate() {
        sqlx::query(
            "INSERT INTO campaign_themes (campaign_id, name, sort) VALUES ($1, $2, $3)
             ON CONFLICT (campaign_id, name) DO UPDATE SET sort = excluded.sort",
        )
        .bind(campaign_id)
        .bind(name)
        .bind(i as i64)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Changes the campaign's notice: title, theme, period, guiding text, requirements, tags. The
/// audit record keeps the fields as they were.
pub async fn update(app: &App, actor: &Actor, id: i64, input: CampaignInput) -> AppResult<()> {
    actor.require_organiser()?;
    let c = check_campaign(&input)?;
    let before = get(app, id).await?;
    if before.status == status::CAMPAIGN_CLOSED {
        return Err(AppError::Conflict(Msg::new("err.campaign_closed")));
    }
    let mut tx = app.db.begin().await?;
    sqlx::query(
        "UPDATE campaigns SET title = $1, year = $2, theme = $3, start_date = $4, end_date = $5, guiding_text = $6,
                requirements = $7, issuer_unit_id = $8, updated_at = $9 WHERE id = $10",
    )
    .bind(&c.title)
    .bind(c.year)
    .bind(&c.theme)
    .bind(&c.start)
    .bind(&c.end)
    .bind(&c.guiding_text)
    .bind(&c.requirements)
    .bind(c.issuer_unit_id)
    .bind(now())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if !c.themes.is_empty() {
        set_themes(&mut tx, id, &c.themes).await?;
    }
    let detail = json!({
        "before": {"title": before.title, "theme": before.theme, "start_date": before.start_date, "end_date": before.end_date,
                   "themes": before.themes.iter().map(|t| t.name.clone()).collect::<Vec<_>>()},
        "after": {"title": c.title, "theme": c.theme, "start_date": c.start, "end_date": c.end, "themes": c.themes},
    });
    audit::record(&mut tx, actor, "campaign.update", "campaign", id, detail).await?;
    tx.commit().await?;
    Ok(())
}

/// draft → published → closed.
pub async fn set_status(app: &App, actor: &Actor, id: i64, new_status: &str) -> AppResult<()> {
    actor.require_organiser()?;
    let current: String = sqlx::query_scalar("SELECT status FROM campaigns WHERE id = $1")
        .bind(id)
        .fetch_optional(&app.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let allowed = matches!(
        (current.as_str(), new_status),
        (status::CAMPAIGN_DRAFT, status::CAMPAIGN_PUBLISHED)
            | (status::CAMPAIGN_PUBLISHED, status::CAMPAIGN_CLOSED)
    );
    if !allowed {
        return Err(AppError::Conflict(Msg::new("err.status_transition")));
    }
    let mut tx = app.db.begin().await?;
    sqlx::query("UPDATE campaigns SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(new_status)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        "campaign.status",
        "campaign",
        id,
        json!({"from": current, "to": new_status}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ActivityInput {
    pub kind: String,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    pub lead_unit_id: i64,
    #[serde(default)]
    pub co_unit_ids: Vec<i64>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub audience: String,
    pub start_date: String,
    pub end_date: String,
    #[serde(default)]
    pub theme_ids: Vec<i64>,
}

pub async fn add_activity(
    app: &App,
    actor: &Actor,
    campaign_id: i64,
    input: ActivityInput,
) -> AppResult<i64> {
    actor.require_organiser()?;
    let mut tx = app.db.begin().await?;
    let id = insert_activity(&mut tx, campaign_id, &input).await?;
    audit::record(
        &mut tx,
        actor,
        "activity.create",
        "activity",
        id,
        json!({"campaign_id": campaign_id, "title": input.title}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// An activity's fields as checked against its campaign.
struct CheckedActivity {
    title: String,
    start: String,
    end: String,
    description: String,
    audience: String,
}

async fn check_activity(tx: &mut Tx, campaign_id: i64, input: &ActivityInput) -> AppResult<CheckedActivity> {
    let title = clean_text("title", &input.title, 200, true)?;
    let (start, end) = check_period(&input.start_date, &input.end_date)?;
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_optional(&mut **tx)
        .await?;
    exists.ok_or(AppError::NotFound)?;
    let kind: Option<String> = sqlx::query_scalar("SELECT code FROM activity_kinds WHERE code = $1")
        .bind(&input.kind)
        .fetch_optional(&mut **tx)
        .await?;
    kind.ok_or_else(|| AppError::invalid("kind", Msg::new("err.kind_unknown")))?;
    let mut units = vec![input.lead_unit_id];
    units.extend(&input.co_unit_ids);
    for (i, unit_id) in units.iter().enumerate() {
        let known: Option<i64> = sqlx::query_scalar("SELECT id FROM units WHERE id = $1")
            .bind(unit_id)
            .fetch_optional(&mut **tx)
            .await?;
        if known.is_none() {
            let field = if i == 0 { "lead_unit_id" } else { "co_unit_ids" };
            return Err(AppError::invalid(field, Msg::new("err.unit_unknown")));
        }
    }
    Ok(CheckedActivity {
        title,
        start,
        end,
        description: clean_text("description", &input.description, 20_000, false)?,
        audience: clean_text("audience", &input.audience, 500, false)?,
    })
}

/// Makes the activity's co-operating units and theme tags exactly those of `input`.
async fn link_activity(tx: &mut Tx, id: i64, campaign_id: i64, input: &ActivityInput) -> AppResult<()> {
    for table in ["activity_co_units", "activity_themes"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE activity_id = $1"))
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    for unit_id in input.co_unit_ids.iter().filter(|u| **u != input.lead_unit_id) {
        sqlx::query(
            "INSERT INTO activity_co_units (activity_id, unit_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(unit_id)
        .execute(&mut **tx)
        .await?;
    }
    for theme_id in &input.theme_ids {
        let n = sqlx::query(
            "INSERT INTO activity_themes (activity_id, theme_id)
             SELECT $1, id FROM campaign_themes WHERE id = $2 AND campaign_id = $3 ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(theme_id)
        .bind(campaign_id)
        .execute(&mut **tx)
        .await?;
        if n.rows_affected() == 0 {
            return Err(AppError::invalid("theme_ids", Msg::new("err.theme_unknown")));
        }
    }
    Ok(())
}

/// Validates and inserts an activity; shared with the demo loader.
pub async fn insert_activity(tx: &mut Tx, campaign_id: i64, input: &ActivityInput) -> AppResult<i64> {
    let c = check_activity(tx, campaign_id, input).await?;
    let seq: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM activities WHERE campaign_id = $1")
            .bind(campaign_id)
            .fetch_one(&mut **tx)
            .await?;
    let t = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO activities (campaign_id, seq, kind, title, lead_unit_id, description, audience, start_date, end_date, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(campaign_id)
    .bind(seq)
    .bind(&input.kind)
    .bind(&c.title)
    .bind(input.lead_unit_id)
    .bind(&c.description)
    .bind(&c.audience)
    .bind(&c.start)
    .bind(&c.end)
    .bind(t)
    .fetch_one(&mut **tx)
    .await?;
    link_activity(tx, id, campaign_id, input).await?;
    Ok(id)
}

/// An activity's correctable fields, for [`audit::changes`]; unit and theme ids in order.
fn activity_fields(a: &Activity) -> serde_json::Value {
    let co: Vec<i64> = a.co_units.iter().map(|u| u.id).collect();
    let themes: Vec<i64> = a.themes.iter().map(|t| t.id).collect();
    fields_of(
        &a.kind,
        &a.title,
        a.lead_unit_id,
        &a.description,
        &a.audience,
        (&a.start_date, &a.end_date),
        co,
        themes,
    )
}

#[allow(clippy::too_many_arguments)]
fn fields_of(
    kind: &str,
    title: &str,
    lead: i64,
    description: &str,
    audience: &str,
    (start, end): (&str, &str),
    mut co: Vec<i64>,
    mut themes: Vec<i64>,
) -> serde_json::Value {
    co.retain(|u| *u != lead);
    for ids in [&mut co, &mut themes] {
        ids.sort_unstable();
        ids.dedup();
    }
    json!({
        "kind": kind, "title": title, "lead_unit_id": lead, "description": description, "audience": audience,
        "start_date": start, "end_date": end, "co_unit_ids": co, "theme_ids": themes,
    })
}

/// The campaign is still open and no ledger entry of the activity is dated outside `$1`..`$2`;
/// checked before the write for a clear message and repeated inside it, so an entry filed in
/// between is not left outside its activity's period.
const PERIOD_HOLDS: &str = "EXISTS (SELECT 1 FROM campaigns c WHERE c.id = activities.campaign_id AND c.status <> 'closed')
     AND NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.activity_id = activities.id AND (e.entry_date < $1 OR e.entry_date > $2))";

/// Corrects an activity: its kind, title, dates, lead and co-operating units, themes and text.
/// The dates cannot leave out a ledger entry already filed for it.
pub async fn update_activity(app: &App, actor: &Actor, id: i64, input: ActivityInput) -> AppResult<Activity> {
    actor.require_organiser()?;
    let before = activity(app, id).await?;
    if get_status(app, before.campaign_id).await? == status::CAMPAIGN_CLOSED {
        return Err(AppError::Conflict(Msg::new("err.campaign_closed")));
    }
    let mut tx = app.db.begin().await?;
    let c = check_activity(&mut tx, before.campaign_id, &input).await?;
    let outside: Vec<String> = sqlx::query_scalar(
        "SELECT entry_date FROM ledger_entries WHERE activity_id = $1 AND (entry_date < $2 OR entry_date > $3)
         ORDER BY entry_date",
    )
    .bind(id)
    .bind(&c.start)
    .bind(&c.end)
    .fetch_all(&mut *tx)
    .await?;
    if let (Some(first), Some(last)) = (outside.first(), outside.last()) {
        return Err(AppError::invalid(
            "start_date",
            Msg::new("err.activity_entries_outside")
                .arg("n", outside.len())
                .arg("first", first)
                .arg("last", last),
        ));
    }
    let changed = sqlx::query(&format!(
        "UPDATE activities SET kind = $3, title = $4, lead_unit_id = $5, description = $6, audience = $7,
                start_date = $1, end_date = $2, updated_at = $8 WHERE id = $9 AND {PERIOD_HOLDS}"
    ))
    .bind(&c.start)
    .bind(&c.end)
    .bind(&input.kind)
    .bind(&c.title)
    .bind(input.lead_unit_id)
    .bind(&c.description)
    .bind(&c.audience)
    .bind(now())
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(AppError::Conflict(Msg::new("err.changed_meanwhile")));
    }
    link_activity(&mut tx, id, before.campaign_id, &input).await?;
    let after = fields_of(
        &input.kind,
        &c.title,
        input.lead_unit_id,
        &c.description,
        &c.audience,
        (&c.start, &c.end),
        input.co_unit_ids.clone(),
        input.theme_ids.clone(),
    );
    let detail = audit::changes(activity_fields(&before), after);
    audit::record(&mut tx, actor, "activity.update", "activity", id, detail).await?;
    tx.commit().await?;
    activity(app, id).await
}

async fn get_status(app: &App, campaign_id: i64) -> AppResult<String> {
    sqlx::query_scalar("SELECT status FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_optional(&app.db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

/// What an activity's records hang on it.
const ACTIVITY_DEPENDENTS: super::Dependents = super::Dependents(&[
    ("SELECT COUNT(*) FROM assignments WHERE activity_id = $1", "dep.assignments"),
    ("SELECT COUNT(*) FROM ledger_entries WHERE activity_id = $1", "dep.entries"),
    ("SELECT COUNT(*) FROM sittings WHERE activity_id = $1", "dep.sittings"),
    ("SELECT COUNT(*) FROM sitting_series WHERE activity_id = $1", "dep.series"),
    ("SELECT COUNT(*) FROM materials WHERE activity_id = $1", "dep.materials"),
    ("SELECT COUNT(*) FROM pledges WHERE activity_id = $1", "dep.pledges"),
    ("SELECT COUNT(*) FROM calls WHERE activity_id = $1", "dep.calls"),
]);

/// Deletes an activity made by mistake, while nothing has been made under it.
pub async fn delete_activity(app: &App, actor: &Actor, id: i64) -> AppResult<i64> {
    actor.require_organiser()?;
    let a = activity(app, id).await?;
    if get_status(app, a.campaign_id).await? == status::CAMPAIGN_CLOSED {
        return Err(AppError::Conflict(Msg::new("err.campaign_closed")));
    }
    let mut tx = app.db.begin().await?;
    // Taking the row's write lock first, so a sitting or task added meanwhile waits and then fails.
    sqlx::query("UPDATE activities SET updated_at = $1 WHERE id = $2")
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    ACTIVITY_DEPENDENTS.refuse_if_any(&mut tx, id, "err.activity_in_use").await?;
    for table in ["activity_co_units", "activity_themes"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE activity_id = $1"))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM activities WHERE id = $1").bind(id).execute(&mut *tx).await?;
    audit::record(&mut tx, actor, "activity.delete", "activity", id, json!({"before": activity_fields(&a)}))
        .await?;
    tx.commit().await?;
    Ok(a.campaign_id)
}

/// Which units an assignment asks.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Targets {
    /// These units.
    Units { unit_ids: Vec<i64> },
    /// Every unit of these types.
    Types { type_codes: Vec<String> },
    /// Every unit below this one (not the unit itself).
    Below { unit_id: i64 },
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AssignmentInput {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub due_date: String,
    pub targets: Targets,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AssignmentCreated {
    pub id: i64,
    pub tasks: usize,
}

/// Writes this large change the planner's picture of a table.
const BULK: usize = 200;

pub async fn assign(
    app: &App,
    actor: &Actor,
    activity_id: i64,
    input: AssignmentInput,
) -> AppResult<AssignmentCreated> {
    actor.require_organiser()?;
    let title = clean_text("title", &input.title, 200, true)?;
    let due = parse_date("due_date", &input.due_date)?;
    activity(app, activity_id).await?;
    let unit_ids: Vec<i64> = match &input.targets {
        Targets::Units { unit_ids } => {
            let mut ids = unit_ids.clone();
            ids.sort_unstable();
            ids.dedup();
            let known = crate::services::units::list(app).await?;
            if let Some(bad) = ids.iter().find(|id| !known.iter().any(|u| u.id == **id)) {
                return Err(AppError::invalid("targets", Msg::new("err.unit_unknown_id").arg("id", bad)));
            }
            ids
        }
        Targets::Types { type_codes } => {
            let all = crate::services::units::list(app).await?;
            all.iter().filter(|u| type_codes.contains(&u.type_code)).map(|u| u.id).collect()
        }
        Targets::Below { unit_id } => {
            let root = crate::services::units::get(app, *unit_id)
                .await
                .map_err(|_| AppError::invalid("targets", Msg::new("err.unit_unknown")))?;
            let all = crate::services::units::list(app).await?;
            all.iter().filter(|u| u.path.starts_with(&root.path) && u.id != root.id).map(|u| u.id).collect()
        }
    };
    if unit_ids.is_empty() {
        return Err(AppError::invalid("targets", Msg::new("err.no_targets")));
    }
    let t = now();
    let mut tx = app.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO assignments (activity_id, title, description, due_date, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(activity_id)
    .bind(&title)
    .bind(clean_text("description", &input.description, 20_000, false)?)
    .bind(&due)
    .bind(actor.user_id)
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    for chunk in unit_ids.chunks(500) {
        let values: Vec<String> =
            (0..chunk.len()).map(|i| format!("($1, ${}, 'pending', $2)", i + 3)).collect();
        let sql = format!(
            "INSERT INTO tasks (assignment_id, unit_id, status, updated_at) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(id).bind(t);
        for u in chunk {
            q = q.bind(*u);
        }
        q.execute(&mut *tx).await?;
    }
    audit::record(
        &mut tx,
        actor,
        "assignment.create",
        "assignment",
        id,
        json!({"activity_id": activity_id, "title": title, "due_date": due, "units": unit_ids.len()}),
    )
    .await?;
    tx.commit().await?;
    if unit_ids.len() >= BULK {
        app.db.refresh_statistics("tasks").await;
    }
    Ok(AssignmentCreated { id, tasks: unit_ids.len() })
}

/// One assignment of an activity, with how many units it reached and how many have reported.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssignmentRow {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub due_date: String,
    pub tasks: i64,
    pub pending: i64,
}

pub async fn assignments(app: &App, activity_id: i64) -> AppResult<Vec<AssignmentRow>> {
    Ok(sqlx::query(
        "SELECT a.id, a.title, a.description, a.due_date, COUNT(t.id) AS tasks,
                COALESCE(SUM(CASE WHEN t.status = 'pending' THEN 1 ELSE 0 END), 0) AS pending
         FROM assignments a LEFT JOIN tasks t ON t.assignment_id = a.id
         WHERE a.activity_id = $1 GROUP BY a.id, a.title, a.description, a.due_date ORDER BY a.id",
    )
    .bind(activity_id)
    .fetch_all(&app.db.pool)
    .await?
    .iter()
    .map(|r| AssignmentRow {
        id: r.get("id"),
        title: r.get("title"),
        description: r.get("description"),
        due_date: r.get("due_date"),
        tasks: r.get("tasks"),
        pending: r.get("pending"),
    })
    .collect())
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AssignmentChange {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// A later date extends the deadline for every unit; an earlier one cannot pass today.
    pub due_date: String,
}

/// Corrects an assignment's wording or moves its deadline; a deadline never moves into the past,
/// and the units' group robots hear of a new one.
pub async fn update_assignment(
    app: &App,
    actor: &Actor,
    id: i64,
    input: AssignmentChange,
) -> AppResult<AssignmentRow> {
    actor.require_organiser()?;
    let before =
        sqlx::query("SELECT activity_id, title, description, due_date FROM assignments WHERE id = $1")
            .bind(id)
            .fetch_optional(&app.db.pool)
            .await?
            .ok_or(AppError::NotFound)?;
    let activity_id: i64 = before.get("activity_id");
    let old_due: String = before.get("due_date");
    let title = clean_text("title", &input.title, 200, true)?;
    let description = clean_text("description", &input.description, 20_000, false)?;
    let due = parse_date("due_date", &input.due_date)?;
    if due != old_due && due < crate::domain::today() {
        return Err(AppError::invalid("due_date", Msg::new("err.due_in_past")));
    }
    let mut tx = app.db.begin().await?;
    sqlx::query("UPDATE assignments SET title = $1, description = $2, due_date = $3 WHERE id = $4")
        .bind(&title)
        .bind(&description)
        .bind(&due)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let fields = |title: &str, description: &str, due: &str| json!({"title": title, "description": description, "due_date": due});
    let detail = audit::changes(
        fields(before.get("title"), before.get("description"), &old_due),
        fields(&title, &description, &due),
    );
    audit::record(&mut tx, actor, "assignment.update", "assignment", id, detail).await?;
    if due != old_due {
        let body = crate::i18n::Msg::new("notice.deadline_moved")
            .arg("title", &title)
            .arg("from", &old_due)
            .arg("to", &due)
            .render(crate::i18n::Lang::Zh);
        super::outbox::to_robots(&mut tx, app, &format!("任务截止日期调整：{title}"), &body).await?;
    }
    tx.commit().await?;
    assignments(app, activity_id).await?.into_iter().find(|a| a.id == id).ok_or(AppError::NotFound)
}

/// What a unit's task hangs on it: the entries it filed and the sittings it held for it.
const TASK_DEPENDENTS: super::Dependents = super::Dependents(&[
    ("SELECT COUNT(*) FROM ledger_entries WHERE task_id = $1", "dep.entries"),
    ("SELECT COUNT(*) FROM sittings WHERE task_id = $1", "dep.sittings"),
]);

/// Withdraws an assignment from one unit, while the unit has done nothing under it yet.
pub async fn withdraw_task(app: &App, actor: &Actor, task_id: i64, reason: &str) -> AppResult<i64> {
    actor.require_organiser()?;
    let task = super::ledger::task(app, actor, task_id).await?;
    let reason = clean_text("reason", reason, 200, true)?;
    let mut tx = app.db.begin().await?;
    // The write lock first, so an entry filed meanwhile is either counted or waits and fails.
    let held = sqlx::query("UPDATE tasks SET updated_at = $1 WHERE id = $2 AND status = 'pending'")
        .bind(now())
        .bind(task_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    TASK_DEPENDENTS.refuse_if_any(&mut tx, task_id, "err.task_in_use").await?;
    if held == 0 {
        return Err(AppError::Conflict(Msg::new("err.changed_meanwhile")));
    }
    sqlx::query("DELETE FROM tasks WHERE id = $1").bind(task_id).execute(&mut *tx).await?;
    let detail = json!({
        "assignment_id": task.assignment_id, "title": task.title, "unit_id": task.unit_id,
        "unit": task.unit_name, "before": {"status": task.status}, "reason": reason,
    });
    audit::record(&mut tx, actor, "task.withdraw", "task", task_id, detail).await?;
    tx.commit().await?;
    Ok(task.activity_id)
}
