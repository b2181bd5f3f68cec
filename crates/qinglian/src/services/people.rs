//! The roster: people with their unit, position, rank, party membership and phone.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::filter::Where;
use super::{Actor, App, Page, Paging};
use crate::domain::mask_phone;
use crate::error::AppResult;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub staff_no: Option<String>,
    pub position: String,
    pub rank: String,
    pub party_member: bool,
    /// Masked (138****1234) unless the viewer administers the person's unit.
    pub phone: String,
}

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
pub struct PeopleFilter {
    /// Part of a name.
    pub q: Option<String>,
    /// Only this unit and the units below it.
    pub unit_id: Option<i64>,
    pub rank: Option<String>,
}

/// Distinct ranks on the roster, for choosing an audience by rank, in the configured order
/// (highest first); any stored before the list was configured follow by name.
pub async fn ranks(app: &App) -> AppResult<Vec<String>> {
    let mut ranks: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT rank FROM people WHERE rank <> '' ORDER BY rank")
            .fetch_all(&app.db.pool)
            .await?;
    let order: Vec<&str> = app.config.ranks.names().collect();
    ranks.sort_by_key(|r| order.iter().position(|k| k == r).unwrap_or(order.len()));
    Ok(ranks)
}

pub async fn list(
    app: &App,
    actor: &Actor,
    filter: &PeopleFilter,
    paging: Paging,
) -> AppResult<Page<Person>> {
    let mut w = Where::new([actor.scope_sql("u.path")]);
    if let Some(q) = filter.q.as_deref().map(crate::domain::text::normalize_name).filter(|s| !s.is_empty()) {
        w.bind("p.name LIKE ?", format!("%{q}%"));
    }
    if let Some(rank) = filter.rank.as_deref().filter(|s| !s.is_empty()) {
        w.bind("p.rank = ?", rank);
    }
    if let Some(unit_id) = filter.unit_id {
        let unit = super::units::get(app, unit_id).await?;
        w.bind("u.path LIKE ?", format!("{}%", unit.path));
    }
    let from = "FROM people p JOIN units u ON u.id = p.unit_id";
    let total = w.count(&app.db.pool, from).await?;
    let sql = format!(
        "SELECT p.id, p.name, p.unit_id, u.name AS unit_name, u.path, p.staff_no, p.position, p.rank,
                p.party_member, p.phone
         {from} WHERE {} ORDER BY u.path, p.id{}",
        w.sql(),
        paging.sql()
    );
    let items = w
        .fetch_all(&app.db.pool, &sql)
        .await?
        .into_iter()
        .map(|r| {
            let path: String = r.get("path");
            let phone: Option<String> = r.get("phone");
            let phone = phone.unwrap_or_default();
            Person {
                id: r.get("id"),
                name: r.get("name"),
                unit_id: r.get("unit_id"),
                unit_name: r.get("unit_name"),
                staff_no: r.get("staff_no"),
                position: r.get("position"),
                rank: r.get("rank"),
                party_member: r.get::<i64, _>("party_member") != 0,
                phone: if actor.sees_phones_of(&path) { phone } else { mask_phone(&phone) },
            }
        })
        .collect();
    Ok(Page::new(items, total, paging))
}
