//! The progress board: completion per activity and per unit, overdue tasks. Counts come straight
//! from `tasks` (whose status the ledger workflow keeps current) in two grouped queries, so they
//! are right at every moment and cheap for thousands of units.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::filter::Where;
use super::ledger::{TASK_FROM, TASK_FROM_NO_UNITS};
use super::{Actor, App, Page, Paging};
use crate::domain::status;
use crate::error::AppResult;

#[derive(Debug, Default, Clone, Serialize, utoipa::ToSchema, PartialEq, Eq)]
pub struct Counts {
    pub total: i64,
    pub pending: i64,
    pub submitted: i64,
    pub returned: i64,
    pub accepted: i64,
    /// Not accepted and past the due date.
    pub overdue: i64,
}

impl Counts {
    fn add(&mut self, status_: &str, overdue: bool, n: i64) {
        self.total += n;
        match status_ {
            status::PENDING => self.pending += n,
            status::SUBMITTED => self.submitted += n,
            status::RETURNED => self.returned += n,
            status::ACCEPTED => self.accepted += n,
            _ => {}
        }
        if overdue && status_ != status::ACCEPTED {
            self.overdue += n;
        }
    }
    /// Accepted share in whole percent.
    pub fn percent_done(&self) -> i64 {
        if self.total == 0 {
            0
        } else {
            self.accepted * 100 / self.total
        }
    }
    /// Share that has at least reported (submitted or accepted), in whole percent.
    pub fn percent_reported(&self) -> i64 {
        if self.total == 0 {
            0
        } else {
            (self.accepted + self.submitted) * 100 / self.total
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActivityRow {
    pub activity_id: i64,
    pub seq: i64,
    pub title: String,
    pub lead_unit_name: String,
    pub counts: Counts,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UnitRow {
    pub unit_id: i64,
    pub unit_name: String,
    pub counts: Counts,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Board {
    pub campaign_id: i64,
    pub totals: Counts,
    pub activities: Vec<ActivityRow>,
    pub units: Page<UnitRow>,
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
pub struct BoardFilter {
    pub activity_id: Option<i64>,
    /// Only units below (and including) this one.
    pub unit_id: Option<i64>,
    /// Only units with overdue tasks.
    pub overdue: Option<bool>,
    /// Only units with a task in this status.
    pub status: Option<String>,
}

pub async fn board(
    app: &App,
    actor: &Actor,
    campaign_id: i64,
    filter: &BoardFilter,
    paging: Paging,
) -> AppResult<Board> {
    let mut w = Where::new([format!("ac.campaign_id = {campaign_id}")]);
    // Joining units costs one probe per task; only a unit scope or a unit filter needs it.
    let mut by_unit = !actor.campaign_wide();
    if by_unit {
        w.fixed(actor.scope_sql("u.path"));
    }
    if let Some(a) = filter.activity_id {
        w.fixed(format!("ac.id = {a}"));
    }
    if let Some(unit_id) = filter.unit_id {
        let unit = super::units::get(app, unit_id).await?;
        w.bind("u.path LIKE ?", format!("{}%", unit.path));
        by_unit = true;
    }
    // Today is made here, digits and dashes only, so it can stand in the SQL as a literal.
    let late = format!("CASE WHEN a.due_date < '{}' THEN 1 ELSE 0 END", crate::domain::today());
    let from = if by_unit { TASK_FROM } else { TASK_FROM_NO_UNITS };

    // Per activity.
    let sql = format!(
        "SELECT ac.id, t.status, {late} AS late, COUNT(*) AS n {from} WHERE {} GROUP BY ac.id, t.status, {late}",
        w.sql()
    );
    let mut per_activity: BTreeMap<i64, Counts> = BTreeMap::new();
    let mut totals = Counts::default();
    for r in w.fetch_all(&app.db.pool, &sql).await? {
        let s: String = r.get("status");
        let late = r.get::<i64, _>("late") == 1;
        let n: i64 = r.get("n");
        per_activity.entry(r.get("id")).or_default().add(&s, late, n);
        totals.add(&s, late, n);
    }
    let activities = sqlx::query(
        "SELECT a.id, a.seq, a.title, u.name AS lead FROM activities a JOIN units u ON u.id = a.lead_unit_id
         WHERE a.campaign_id = $1 ORDER BY a.seq",
    )
    .bind(campaign_id)
    .fetch_all(&app.db.pool)
    .await?
    .iter()
    .filter(|r| filter.activity_id.is_none_or(|a| a == r.get::<i64, _>("id")))
    .map(|r| ActivityRow {
        activity_id: r.get("id"),
        seq: r.get("seq"),
        title: r.get("title"),
        lead_unit_name: r.get("lead"),
        counts: per_activity.get(&r.get::<i64, _>("id")).cloned().unwrap_or_default(),
    })
    .collect();

    // Per unit: grouped in SQL, filtered and paged here (a city has at most a few thousand units).
    // Grouped on the integer key first; names and paths joined to the 2,000-odd groups after.
    let sql = format!(
        "SELECT g.unit_id AS id, u.name, u.path, g.status, g.late, g.n FROM (
             SELECT t.unit_id, t.status, {late} AS late, COUNT(*) AS n {from} WHERE {}
             GROUP BY t.unit_id, t.status, {late}
         ) g JOIN units u ON u.id = g.unit_id",
        w.sql()
    );
    let mut per_unit: BTreeMap<(String, i64), (String, Counts)> = BTreeMap::new();
    for r in w.fetch_all(&app.db.pool, &sql).await? {
        let key = (r.get::<String, _>("path"), r.get::<i64, _>("id"));
        let entry = per_unit.entry(key).or_insert_with(|| (r.get("name"), Counts::default()));
        entry.1.add(&r.get::<String, _>("status"), r.get::<i64, _>("late") == 1, r.get("n"));
    }
    let rows: Vec<UnitRow> = per_unit
        .into_iter()
        .map(|((_, id), (name, counts))| UnitRow { unit_id: id, unit_name: name, counts })
        .filter(|u| !filter.overdue.unwrap_or(false) || u.counts.overdue > 0)
        .filter(|u| match filter.status.as_deref() {
            Some(status::PENDING) => u.counts.pending > 0,
            Some(status::SUBMITTED) => u.counts.submitted > 0,
            Some(status::RETURNED) => u.counts.returned > 0,
            Some(status::ACCEPTED) => u.counts.accepted > 0,
            _ => true,
        })
        .collect();
    let total = rows.len() as i64;
    let items = rows.into_iter().skip(paging.offset() as usize).take(paging.per_page() as usize).collect();
    Ok(Board { campaign_id, totals, activities, units: Page::new(items, total, paging) })
}
