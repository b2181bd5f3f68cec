//! The roster: people with their unit, position, rank, party membership and phone.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use serde_json::json;

use super::filter::Where;
use super::{audit, Actor, App, Page, Paging};
use crate::domain::text::{normalize, normalize_name};
use crate::domain::{mask_phone, parse_email, parse_phone};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;

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
    /// When he left the roster (调离, 退休); 0 while he is on it.
    pub left_at: i64,
}

impl Person {
    pub fn left(&self) -> bool {
        self.left_at > 0
    }
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
                p.party_member, p.phone, p.left_at
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
                left_at: r.get("left_at"),
            }
        })
        .collect();
    Ok(Page::new(items, total, paging))
}

/// One person as his unit's administrator corrects him: contact details in full only for those
/// who may see them, otherwise masked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonDetail {
    #[serde(flatten)]
    pub person: Person,
    pub email: String,
    /// sms, email or none.
    pub notify_by: String,
    /// Why he left (调离、退休), when he has.
    pub left_reason: String,
}

async fn visible_row(app: &App, actor: &Actor, id: i64) -> AppResult<sqlx::any::AnyRow> {
    let r = sqlx::query(
        "SELECT p.id, p.name, p.unit_id, u.name AS unit_name, u.path, p.staff_no, p.position, p.rank,
                p.party_member, p.phone, p.email, p.notify_by, p.left_at, p.left_reason
         FROM people p JOIN units u ON u.id = p.unit_id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_optional(&app.db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    // Another unit's person is not there for this actor at all.
    if !actor.covers(&r.get::<String, _>("path")) {
        return Err(AppError::NotFound);
    }
    Ok(r)
}

pub async fn get(app: &App, actor: &Actor, id: i64) -> AppResult<PersonDetail> {
    let r = visible_row(app, actor, id).await?;
    let full = actor.sees_phones_of(&r.get::<String, _>("path"));
    let phone = r.get::<Option<String>, _>("phone").unwrap_or_default();
    let email = r.get::<Option<String>, _>("email").unwrap_or_default();
    Ok(PersonDetail {
        person: Person {
            id,
            name: r.get("name"),
            unit_id: r.get("unit_id"),
            unit_name: r.get("unit_name"),
            staff_no: r.get("staff_no"),
            position: r.get("position"),
            rank: r.get("rank"),
            party_member: r.get::<i64, _>("party_member") != 0,
            phone: if full { phone } else { mask_phone(&phone) },
            left_at: r.get("left_at"),
        },
        email: if full { email } else { crate::domain::mask_email(&email) },
        notify_by: r.get("notify_by"),
        left_reason: r.get("left_reason"),
    })
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PersonInput {
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    /// A unit the actor administers; a different one moves the person there.
    pub unit_id: i64,
    #[serde(default)]
    pub position: String,
    /// One of the configured ranks, or empty.
    #[serde(default)]
    pub rank: String,
    #[serde(default)]
    pub party_member: bool,
    /// Absent keeps the number; empty removes it.
    pub phone: Option<String>,
    /// Absent keeps the address; empty removes it.
    pub email: Option<String>,
    /// sms, email or none; absent keeps the choice.
    pub notify_by: Option<String>,
}

/// Corrects a person on the roster, or moves him to another unit; the actor must administer
/// both the unit he is in and the one he goes to.
pub async fn update(app: &App, actor: &Actor, id: i64, input: PersonInput) -> AppResult<PersonDetail> {
    let before = visible_row(app, actor, id).await?;
    let mut errors = Vec::new();
    let mut err = |field: &str, msg: Msg| errors.push(FieldError { field: field.to_string(), msg });
    let name = normalize_name(&input.name);
    if name.is_empty() {
        err("name", Msg::new("err.required"));
    } else if name.chars().count() > 50 {
        err("name", Msg::new("err.too_long").arg("max", 50));
    }
    let position = normalize(&input.position);
    if position.chars().count() > 100 {
        err("position", Msg::new("err.too_long").arg("max", 100));
    }
    let rank = super::roster::read_rank(&app.config.ranks, &input.rank).unwrap_or_else(|m| {
        err("rank", m);
        None
    });
    let phone = match input.phone.as_deref().map(normalize) {
        None => before.get::<Option<String>, _>("phone"),
        Some(raw) if raw.is_empty() => None,
        Some(raw) => parse_phone(&raw).or_else(|| {
            err("phone", Msg::new("roster.phone_invalid").arg("phone", &raw));
            None
        }),
    };
    let email = match input.email.as_deref().map(normalize) {
        None => before.get::<Option<String>, _>("email"),
        Some(raw) if raw.is_empty() => None,
        Some(raw) => parse_email(&raw).or_else(|| {
            err("email", Msg::new("roster.email_invalid").arg("email", &raw));
            None
        }),
    };
    let notify_by = match input.notify_by.as_deref() {
        None => before.get::<String, _>("notify_by"),
        Some(raw) => match ["sms", "email", "none"]
            .into_iter()
            .find(|k| *k == raw)
            .or_else(|| super::roster::parse_notify_by(raw))
        {
            Some(k) => k.to_string(),
            None => {
                err("notify_by", Msg::new("roster.notify_invalid").arg("value", raw));
                String::new()
            }
        },
    };
    let unit_path: Option<String> = sqlx::query_scalar("SELECT path FROM units WHERE id = $1")
        .bind(input.unit_id)
        .fetch_optional(&app.db.pool)
        .await?;
    match &unit_path {
        None => err("unit_id", Msg::new("err.unit_unknown")),
        Some(path) if !actor.covers(path) => err("unit_id", Msg::new("err.unit_out_of_scope")),
        Some(_) => {}
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let mut tx = app.db.begin().await?;
    if let Some(p) = &phone {
        let other: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE phone = $1 AND id <> $2")
            .bind(p)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        if other.is_some() {
            return Err(AppError::invalid("phone", Msg::new("err.phone_taken")));
        }
    }
    sqlx::query(
        "UPDATE people SET name = $1, unit_id = $2, position = $3, rank = $4, party_member = $5, phone = $6,
                email = $7, notify_by = $8, updated_at = $9 WHERE id = $10",
    )
    .bind(&name)
    .bind(input.unit_id)
    .bind(&position)
    .bind(rank.clone().unwrap_or_default())
    .bind(input.party_member as i64)
    .bind(&phone)
    .bind(&email)
    .bind(&notify_by)
    .bind(crate::db::now())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    // Contact details enter the log masked: the log is read more widely than the roster.
    let fields = |name: &str,
                  unit: i64,
                  position: &str,
                  rank: &str,
                  party: bool,
                  phone: &Option<String>,
                  email: &Option<String>,
                  notify: &str| {
        json!({
            "name": name, "unit_id": unit, "position": position, "rank": rank, "party_member": party,
            "phone": mask_phone(phone.as_deref().unwrap_or_default()),
            "email": crate::domain::mask_email(email.as_deref().unwrap_or_default()), "notify_by": notify,
        })
    };
    let detail = audit::changes(
        fields(
            before.get("name"),
            before.get("unit_id"),
            before.get("position"),
            before.get("rank"),
            before.get::<i64, _>("party_member") != 0,
            &before.get("phone"),
            &before.get("email"),
            before.get("notify_by"),
        ),
        fields(
            &name,
            input.unit_id,
            &position,
            rank.as_deref().unwrap_or_default(),
            input.party_member,
            &phone,
            &email,
            &notify_by,
        ),
    );
    audit::record(&mut tx, actor, "person.update", "person", id, detail).await?;
    tx.commit().await?;
    get(app, actor, id).await
}

/// Records that a person left the roster (调离, 退休, 辞职). Nothing of his is removed: what
/// addressed him before still counts him, with what he did; nothing addressed later expects him,
/// and no notice reaches him. His unit's administrator records it.
pub async fn leave(app: &App, actor: &Actor, id: i64, reason: &str) -> AppResult<()> {
    visible_row(app, actor, id).await?;
    let reason = super::clean_text("reason", reason, 200, true)?;
    let mut tx = app.db.begin().await?;
    let n = sqlx::query(
        "UPDATE people SET left_at = $1, left_reason = $2, updated_at = $1 WHERE id = $3 AND left_at = 0",
    )
    .bind(crate::db::now())
    .bind(&reason)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::Conflict(Msg::new("err.person_left")));
    }
    audit::record(&mut tx, actor, "person.leave", "person", id, json!({"reason": reason})).await?;
    tx.commit().await?;
    Ok(())
}

/// Undoes a leaving recorded in error, or welcomes him back: he is expected again from now on.
pub async fn rejoin(app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    let before = visible_row(app, actor, id).await?;
    let mut tx = app.db.begin().await?;
    let n = sqlx::query(
        "UPDATE people SET left_at = 0, left_reason = '', updated_at = $1 WHERE id = $2 AND left_at > 0",
    )
    .bind(crate::db::now())
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::Conflict(Msg::new("err.person_on_roster")));
    }
    let was = json!({"left_at": before.get::<i64, _>("left_at"), "left_reason": before.get::<String, _>("left_reason")});
    audit::record(&mut tx, actor, "person.rejoin", "person", id, json!({"before": was})).await?;
    tx.commit().await?;
    Ok(())
}
