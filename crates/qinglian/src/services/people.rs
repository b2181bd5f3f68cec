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
use crate::vault::Blind;

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
            let phone = app.db.vault.column(&r, "phone")?;
            Ok(Person {
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
            })
        })
        .collect::<AppResult<_>>()?;
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
                p.party_member, p.phone, p.phone_idx, p.email, p.notify_by, p.left_at, p.left_reason, p.merged_into
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
    let phone = app.db.vault.column(&r, "phone")?;
    let email = app.db.vault.column(&r, "email")?;
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
    let vault = &app.db.vault;
    let (phone_before, email_before) =
        (vault.column_opt(&before, "phone")?, vault.column_opt(&before, "email")?);
    let phone = match input.phone.as_deref().map(normalize) {
        None => phone_before.clone(),
        Some(raw) if raw.is_empty() => None,
        Some(raw) => parse_phone(&raw).or_else(|| {
            err("phone", Msg::new("roster.phone_invalid").arg("phone", &raw));
            None
        }),
    };
    let email = match input.email.as_deref().map(normalize) {
        None => email_before.clone(),
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
    let phone_idx = vault.index_opt(Blind::Phone, phone.as_deref());
    if let Some(p) = &phone_idx {
        let other: Option<i64> =
            sqlx::query_scalar("SELECT id FROM people WHERE phone_idx = $1 AND id <> $2")
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
                email = $7, notify_by = $8, updated_at = $9, phone_idx = $11 WHERE id = $10",
    )
    .bind(&name)
    .bind(input.unit_id)
    .bind(&position)
    .bind(rank.clone().unwrap_or_default())
    .bind(input.party_member as i64)
    .bind(vault.seal_opt(phone.as_deref()))
    .bind(vault.seal_opt(email.as_deref()))
    .bind(&notify_by)
    .bind(crate::db::now())
    .bind(id)
    .bind(&phone_idx)
    .execute(&mut *tx)
    .await
    .map_err(|e| crate::error::unique_as(e, "phone", Msg::new("err.phone_taken")))?;
    let was = Logged {
        name: before.get("name"),
        unit_id: before.get("unit_id"),
        position: before.get("position"),
        rank: before.get("rank"),
        party_member: before.get::<i64, _>("party_member") != 0,
        phone: phone_before,
        email: email_before,
        notify_by: before.get("notify_by"),
    };
    let now = Logged {
        name: name.clone(),
        unit_id: input.unit_id,
        position: position.clone(),
        rank: rank.clone().unwrap_or_default(),
        party_member: input.party_member,
        phone: phone.clone(),
        email: email.clone(),
        notify_by: notify_by.clone(),
    };
    let detail = audit::changes(was.json(), now.json());
    audit::record(&mut tx, actor, "person.update", "person", id, detail).await?;
    tx.commit().await?;
    get(app, actor, id).await
}

/// A person's fields as the audit log keeps them.
struct Logged {
    name: String,
    unit_id: i64,
    position: String,
    rank: String,
    party_member: bool,
    phone: Option<String>,
    email: Option<String>,
    notify_by: String,
}

impl Logged {
    /// Contact details enter the log masked: the log is read more widely than the roster.
    fn json(&self) -> serde_json::Value {
        json!({
            "name": self.name, "unit_id": self.unit_id, "position": self.position, "rank": self.rank,
            "party_member": self.party_member,
            "phone": mask_phone(self.phone.as_deref().unwrap_or_default()),
            "email": crate::domain::mask_email(self.email.as_deref().unwrap_or_default()),
            "notify_by": self.notify_by,
        })
    }
}

/// Records that a person left the roster (调离, 退休, 辞职). Nothing of his is removed: what
/// addressed him before still counts him, with what he did; nothing addressed later expects him,
/// and no notice reaches him. His unit's administrator records it.
pub async fn leave(app: &App, actor: &Actor, id: i64, reason: &str) -> AppResult<()> {
    visible_row(app, actor, id).await?;
    let reason = super::clean_text("reason", reason, 500, true)?;
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
    if before.get::<Option<i64>, _>("merged_into").is_some() {
        return Err(AppError::Conflict(Msg::new("err.already_merged")));
    }
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

/// Someone else on the roster with the same name, offered as the record a duplicate is merged into.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Namesake {
    pub id: i64,
    pub unit_name: String,
    pub position: String,
    /// Masked unless the viewer administers the person's unit.
    pub phone: String,
}

/// The others of the same name the actor may see, not left nor merged: where duplicates are.
pub async fn namesakes(app: &App, actor: &Actor, id: i64) -> AppResult<Vec<Namesake>> {
    let me = visible_row(app, actor, id).await?;
    let sql = format!(
        "SELECT p.id, u.name AS unit_name, u.path, p.position, p.phone FROM people p JOIN units u ON u.id = p.unit_id
         WHERE p.name = $1 AND p.id <> $2 AND p.left_at = 0 AND {} ORDER BY u.path, p.id LIMIT 20",
        actor.scope_sql("u.path")
    );
    let rows = sqlx::query(&sql).bind(me.get::<String, _>("name")).bind(id).fetch_all(&app.db.pool).await?;
    rows.iter()
        .map(|r| {
            let phone = app.db.vault.column(r, "phone")?;
            Ok(Namesake {
                id: r.get("id"),
                unit_name: r.get("unit_name"),
                position: r.get("position"),
                phone: if actor.sees_phones_of(&r.get::<String, _>("path")) {
                    phone
                } else {
                    mask_phone(&phone)
                },
            })
        })
        .collect()
}

/// Rows that name a person and move to the one kept, each as (table, the statements that move
/// what does not clash and drop what does: the kept person already has that sign-in, invitation,
/// receipt or certificate). `$1` is the duplicate, `$2` the person kept.
const MERGED: &[(&str, &[&str])] = &[
    ("checkins", &[
        "DELETE FROM checkins WHERE person_id = $1 AND sitting_id IN (SELECT sitting_id FROM checkins WHERE person_id = $2)",
        "UPDATE checkins SET person_id = $2, attendee_key = 'p:' || CAST($2 AS TEXT) WHERE person_id = $1",
    ]),
    ("registrations", &["UPDATE registrations SET person_id = $2 WHERE person_id = $1"]),
    ("certificates", &[
        "DELETE FROM certificates WHERE person_id = $1 AND series_id IN (SELECT series_id FROM certificates WHERE person_id = $2)",
        "UPDATE certificates SET person_id = $2 WHERE person_id = $1",
    ]),
    ("material_receipts", &[
        "DELETE FROM material_receipts WHERE person_id = $1 AND material_id IN (SELECT material_id FROM material_receipts WHERE person_id = $2)",
        "UPDATE material_receipts SET person_id = $2 WHERE person_id = $1",
    ]),
    ("sitting_invitees", &[
        "DELETE FROM sitting_invitees WHERE person_id = $1 AND sitting_id IN (SELECT sitting_id FROM sitting_invitees WHERE person_id = $2)",
        "UPDATE sitting_invitees SET person_id = $2 WHERE person_id = $1",
    ]),
    ("material_invitees", &[
        "DELETE FROM material_invitees WHERE person_id = $1 AND material_id IN (SELECT material_id FROM material_invitees WHERE person_id = $2)",
        "UPDATE material_invitees SET person_id = $2 WHERE person_id = $1",
    ]),
    ("pledge_invitees", &[
        "DELETE FROM pledge_invitees WHERE person_id = $1 AND pledge_id IN (SELECT pledge_id FROM pledge_invitees WHERE person_id = $2)",
        "UPDATE pledge_invitees SET person_id = $2 WHERE person_id = $1",
    ]),
    // The chain names the duplicate on its signatures; they count for the one kept unless he
    // signed the same himself.
    ("signatures", &[
        "UPDATE signatures SET counted_for = $2 WHERE counted_for = $1 AND NOT EXISTS
           (SELECT 1 FROM signatures k WHERE k.counted_for = $2 AND k.subject = signatures.subject AND k.subject_id = signatures.subject_id)",
    ]),
    ("users", &["UPDATE users SET person_id = $2 WHERE person_id = $1"]),
];

/// Merges a duplicate record into the person kept: his sign-ins, registrations, certificates,
/// receipts, invitations, signatures and account count for the one kept; a phone, staff number
/// or e-mail the kept one lacks comes over; the duplicate stays, marked merged (the signature
/// chain names it), and is expected by nothing again. Both must be the actor's to administer.
pub async fn merge(app: &App, actor: &Actor, duplicate: i64, kept: i64) -> AppResult<()> {
    if duplicate == kept {
        return Err(AppError::invalid("into", Msg::new("err.merge_itself")));
    }
    let dup = visible_row(app, actor, duplicate).await?;
    let keep = visible_row(app, actor, kept)
        .await
        .map_err(|_| AppError::invalid("into", Msg::new("err.person_unknown").arg("id", kept)))?;
    if keep.get::<i64, _>("left_at") > 0 {
        return Err(AppError::invalid("into", Msg::new("err.merge_into_left")));
    }
    let mut tx = app.db.begin().await?;
    // Claimed first: of two merges of the same duplicate, the second finds it gone.
    let reason = format!("合并至{}（编号{kept}）", keep.get::<String, _>("name"));
    let claimed = sqlx::query(
        "UPDATE people SET merged_into = $1, left_at = $2, left_reason = $3, phone = NULL, phone_idx = NULL, staff_no = NULL, email = NULL,
                updated_at = $2 WHERE id = $4 AND merged_into IS NULL",
    )
    .bind(kept)
    .bind(crate::db::now())
    .bind(&reason)
    .bind(duplicate)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        return Err(AppError::Conflict(Msg::new("err.already_merged")));
    }
    // The one kept is asked again here: merged or gone meanwhile, he takes nothing.
    let taken = sqlx::query(
        "UPDATE people SET phone = COALESCE(phone, $1), phone_idx = CASE WHEN phone IS NULL THEN $5 ELSE phone_idx END,
                staff_no = COALESCE(staff_no, $2), email = COALESCE(email, $3)
         WHERE id = $4 AND merged_into IS NULL AND left_at = 0",
    )
    .bind(dup.get::<Option<String>, _>("phone"))
    .bind(dup.get::<Option<String>, _>("staff_no"))
    .bind(dup.get::<Option<String>, _>("email"))
    .bind(kept)
    .bind(dup.get::<Option<String>, _>("phone_idx"))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if taken == 0 {
        return Err(AppError::invalid("into", Msg::new("err.merge_into_left")));
    }
    let mut moved = serde_json::Map::new();
    for (table, statements) in MERGED {
        let mut n = 0;
        for sql in *statements {
            n += sqlx::query(sql).bind(duplicate).bind(kept).execute(&mut *tx).await?.rows_affected();
        }
        moved.insert(table.to_string(), json!(n));
    }
    let detail = json!({"into": kept, "name": dup.get::<String, _>("name"), "moved": moved});
    audit::record(&mut tx, actor, "person.merge", "person", duplicate, detail).await?;
    tx.commit().await?;
    Ok(())
}
