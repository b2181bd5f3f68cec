//! Who is expected: the people of a unit subtree, of some ranks, of a party membership, and
//! people asked by name. Sittings, study materials, pledges and tests all address their audience so.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::filter::Where;
use crate::db::Tx;
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

/// The roster entry a signed-in account is linked to.
pub struct LinkedPerson {
    pub id: i64,
    pub name: String,
    pub phone: Option<String>,
}

/// The roster entry the account `user_id` is linked to, if the audience condition `audience`
/// (over `p`, people, and `u`, units) takes it in.
pub async fn linked_person(
    db: &crate::db::Db,
    user_id: i64,
    audience: impl FnOnce(&mut Where) -> String,
) -> AppResult<Option<LinkedPerson>> {
    let mut w = Where::default();
    let cond = audience(&mut w);
    w.fixed(cond).fixed(format!("p.id = (SELECT person_id FROM users WHERE id = {user_id})"));
    let sql = format!(
        "SELECT p.id, p.name, p.phone FROM people p JOIN units u ON u.id = p.unit_id WHERE {}",
        w.sql()
    );
    let Some(r) = w.fetch_all(&db.pool, &sql).await?.into_iter().next() else { return Ok(None) };
    Ok(Some(LinkedPerson { id: r.get("id"), name: r.get("name"), phone: db.vault.column_opt(&r, "phone")? }))
}

/// Where a sitting, material or pledge keeps the people asked by name.
pub struct Named {
    table: &'static str,
    owner: &'static str,
}

pub const SITTING: Named = Named { table: "sitting_invitees", owner: "sitting_id" };
pub const MATERIAL: Named = Named { table: "material_invitees", owner: "material_id" };
pub const PLEDGE: Named = Named { table: "pledge_invitees", owner: "pledge_id" };
pub const QUIZ: Named = Named { table: "quiz_invitees", owner: "quiz_id" };

impl Named {
    /// The ids of the people asked by name, as a subquery for [`Audience::condition`].
    pub fn subquery(&self, id: i64) -> String {
        format!("SELECT person_id FROM {} WHERE {} = {id}", self.table, self.owner)
    }

    pub async fn load(&self, pool: &sqlx::AnyPool, id: i64) -> AppResult<Vec<i64>> {
        Ok(sqlx::query_scalar(&format!(
            "SELECT person_id FROM {} WHERE {} = $1 ORDER BY person_id",
            self.table, self.owner
        ))
        .bind(id)
        .fetch_all(pool)
        .await?)
    }

    /// Replaces the people asked by name (a corrected audience).
    pub async fn replace(&self, tx: &mut Tx, id: i64, people: &[i64]) -> AppResult<()> {
        sqlx::query(&format!("DELETE FROM {} WHERE {} = $1", self.table, self.owner))
            .bind(id)
            .execute(&mut **tx)
            .await?;
        self.save(tx, id, people).await
    }

    /// Records the people asked by name; an id not on the roster is refused.
    pub async fn save(&self, tx: &mut Tx, id: i64, people: &[i64]) -> AppResult<()> {
        for person in people {
            let added = sqlx::query(&format!(
                "INSERT INTO {} ({}, person_id) SELECT $1, id FROM people WHERE id = $2 ON CONFLICT DO NOTHING",
                self.table, self.owner
            ))
            .bind(id)
            .bind(person)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if added == 0 {
                let known: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE id = $1")
                    .bind(person)
                    .fetch_optional(&mut **tx)
                    .await?;
                known.ok_or_else(|| {
                    AppError::invalid("audience", Msg::new("err.person_unknown").arg("id", person))
                })?;
            }
        }
        Ok(())
    }
}

/// With no rule and nobody named, the whole roster.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Audience {
    pub unit_id: Option<i64>,
    #[serde(default)]
    pub ranks: Vec<String>,
    /// true: party members only; false: non-members only; absent: both.
    pub party: Option<bool>,
    #[serde(default)]
    pub person_ids: Vec<i64>,
}

impl Audience {
    /// Read from the columns every audience-bearing table has: `audience_unit_id`,
    /// `audience_ranks` (joined with 、) and `audience_party` (-1 any, 1 members, 0 others).
    pub fn from_row(r: &sqlx::any::AnyRow, person_ids: Vec<i64>) -> Audience {
        let ranks: String = r.get("audience_ranks");
        let party: i64 = r.get("audience_party");
        Audience {
            unit_id: r.get("audience_unit_id"),
            ranks: ranks.split('、').filter(|s| !s.is_empty()).map(str::to_string).collect(),
            party: (party >= 0).then_some(party == 1),
            person_ids,
        }
    }

    /// The ranks as stored.
    pub fn ranks_text(&self) -> String {
        self.ranks
            .iter()
            .map(|r| crate::domain::text::normalize(r))
            .filter(|r| !r.is_empty())
            .collect::<Vec<_>>()
            .join("、")
    }

    pub fn party_column(&self) -> i64 {
        self.party.map(|p| p as i64).unwrap_or(-1)
    }

    /// A condition over `people p JOIN units u` that holds for this audience. `unit_path` is the
    /// path of `unit_id`; `named` a subquery giving the ids of the people asked by name; `as_of`
    /// the time it addresses them (a sitting's start, a text's publication): who left the roster
    /// before then is not expected, who left after still is, so past figures stay as they were.
    /// A duplicate merged into another record is expected by nothing.
    pub fn condition(&self, unit_path: Option<&str>, named: &str, as_of: i64, w: &mut Where) -> String {
        let mut rules = Vec::new();
        // Paths are made of digits and slashes by this program, so they may stand in the SQL.
        if let Some(path) = unit_path.filter(|p| p.chars().all(|c| c.is_ascii_digit() || c == '/')) {
            rules.push(format!("u.path LIKE '{path}%'"));
        }
        if !self.ranks.is_empty() {
            let args: Vec<String> = self.ranks.iter().map(|r| w.arg(r.clone())).collect();
            rules.push(format!("p.rank IN ({})", args.join(", ")));
        }
        if let Some(party) = self.party {
            rules.push(format!("p.party_member = {}", party as i64));
        }
        let rules = match (rules.is_empty(), self.person_ids.is_empty()) {
            (false, _) => rules.join(" AND "),
            (true, true) => "1=1".to_string(),
            (true, false) => "1=0".to_string(),
        };
        // A record merged into another is the same person twice: never expected.
        format!("((({rules}) OR p.id IN ({named})) AND p.merged_into IS NULL AND (p.left_at = 0 OR p.left_at > {as_of}))")
    }
}
