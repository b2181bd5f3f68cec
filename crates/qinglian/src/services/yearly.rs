//! Campaigns repeat yearly (建立长效机制): a campaign is cloned to a new year with its themes,
//! activities, assignments (a fresh task for every unit), study materials, pledges and calls for
//! works (rubric and jury), none of last year's records; and two years are compared on the report's key figures.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::report::facts::{self, Facts};
use super::{audit, Actor, App};
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CloneInput {
    pub year: i64,
}

/// The same calendar day `years` later (29 February becomes the 28th).
fn shift(date: &str, years: i64) -> String {
    let parts: Vec<i64> = date.split('-').filter_map(|p| p.parse().ok()).collect();
    match parts.as_slice() {
        [y, m, d] => {
            let y = y + years;
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let d = if *m == 2 && *d == 29 && !leap { 28 } else { *d };
            format!("{y:04}-{m:02}-{d:02}")
        }
        _ => date.to_string(),
    }
}

const COPY_MATERIALS: &str = "INSERT INTO materials (activity_id, host_unit_id, title, kind, body, link, file_key, file_type,
       file_name, version, delivery, due_date, min_read_seconds, audience_unit_id, audience_ranks, audience_party, created_by, created_at)
     SELECT $1, host_unit_id, title, kind, body, link, file_key, file_type, file_name, 1,
       delivery, '', min_read_seconds, audience_unit_id, audience_ranks, audience_party, $2, $3
     FROM materials WHERE activity_id = $4 ORDER BY id";

const COPY_PLEDGES: &str = "INSERT INTO pledges (activity_id, host_unit_id, title, body, public, audience_unit_id, audience_ranks,
       audience_party, status, signature_count, created_by, created_at)
     SELECT $1, host_unit_id, title, body, public, audience_unit_id, audience_ranks, audience_party, 'open', 0, $2, $3
     FROM pledges WHERE activity_id = $4 ORDER BY id";

/// An instant the same day and hour `years` later.
fn shift_instant(t: i64, years: i64) -> i64 {
    let Ok(d) = time::OffsetDateTime::from_unix_timestamp(t) else { return t };
    let year = d.year() + years as i32;
    d.replace_year(year)
        .or_else(|_| d.replace_day(28).and_then(|d| d.replace_year(year)))
        .map(|d| d.unix_timestamp())
        .unwrap_or(t)
}

/// The activity's calls for works: rules, genres, groups, rubric and jury, open again a year on.
async fn copy_calls(
    tx: &mut crate::db::Tx,
    from: i64,
    to: i64,
    campaign: i64,
    years: i64,
    by: i64,
    t: i64,
) -> AppResult<()> {
    let calls = sqlx::query("SELECT * FROM calls WHERE activity_id = $1 ORDER BY id")
        .bind(from)
        .fetch_all(&mut **tx)
        .await?;
    for c in calls {
        let old: i64 = c.get("id");
        let title: String = c.get("title");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO calls (campaign_id, activity_id, title, rules, genres, groups_json, opens_at, closes_at, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(campaign)
        .bind(to)
        .bind(title)
        .bind(c.get::<String, _>("rules"))
        .bind(c.get::<String, _>("genres"))
        .bind(c.get::<String, _>("groups_json"))
        .bind(shift_instant(c.get("opens_at"), years))
        .bind(shift_instant(c.get("closes_at"), years))
        .bind(by)
        .bind(t)
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO call_criteria (call_id, seq, name, weight, max_score) SELECT $1, seq, name, weight, max_score
             FROM call_criteria WHERE call_id = $2 ORDER BY seq",
        )
        .bind(id)
        .bind(old)
        .execute(&mut **tx)
        .await?;
        sqlx::query("INSERT INTO call_jurors (call_id, user_id) SELECT $1, user_id FROM call_jurors WHERE call_id = $2")
            .bind(id)
            .bind(old)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

pub async fn clone_to_year(app: &App, actor: &Actor, id: i64, input: CloneInput) -> AppResult<i64> {
    actor.require_organiser()?;
    let c = super::campaigns::get(app, id).await?;
    if !(2000..=2100).contains(&input.year) || input.year == c.year {
        return Err(AppError::invalid("year", Msg::new("err.clone_year")));
    }
    let years = input.year - c.year;
    let title = if c.title.contains(&c.year.to_string()) {
        c.title.replace(&c.year.to_string(), &input.year.to_string())
    } else {
        format!("{}年{}", input.year, c.title)
    };
    let mut tx = app.db.begin().await?;
    let t = now();
    let new_id: i64 = sqlx::query_scalar(
        "INSERT INTO campaigns (title, year, theme, start_date, end_date, guiding_text, requirements, issuer_unit_id, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $9) RETURNING id",
    )
    .bind(&title)
    .bind(input.year)
    .bind(&c.theme)
    .bind(shift(&c.start_date, years))
    .bind(shift(&c.end_date, years))
    .bind(&c.guiding_text)
    .bind(&c.requirements)
    .bind(c.issuer_unit_id)
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    let mut themes = HashMap::new();
    for (i, th) in c.themes.iter().enumerate() {
        let nid: i64 = sqlx::query_scalar(
            "INSERT INTO campaign_themes (campaign_id, name, sort) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(new_id)
        .bind(&th.name)
        .bind(i as i64)
        .fetch_one(&mut *tx)
        .await?;
        themes.insert(th.id, nid);
    }
    for a in &c.activities {
        let input = super::campaigns::ActivityInput {
            kind: a.kind.clone(),
            title: a.title.clone(),
            lead_unit_id: a.lead_unit_id,
            co_unit_ids: a.co_units.iter().map(|u| u.id).collect(),
            description: a.description.clone(),
            audience: a.audience.clone(),
            start_date: shift(&a.start_date, years),
            end_date: shift(&a.end_date, years),
            theme_ids: a.themes.iter().filter_map(|th| themes.get(&th.id).copied()).collect(),
        };
        let na = super::campaigns::insert_activity(&mut tx, new_id, &input).await?;
        let assignments = sqlx::query(
            "SELECT id, title, description, due_date FROM assignments WHERE activity_id = $1 ORDER BY id",
        )
        .bind(a.id)
        .fetch_all(&mut *tx)
        .await?;
        for s in assignments {
            let ns: i64 = sqlx::query_scalar(
                "INSERT INTO assignments (activity_id, title, description, due_date, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(na)
            .bind(s.get::<String, _>("title"))
            .bind(s.get::<String, _>("description"))
            .bind(shift(&s.get::<String, _>("due_date"), years))
            .bind(actor.user_id)
            .bind(t)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO tasks (assignment_id, unit_id, status, updated_at)
                 SELECT $1, unit_id, 'pending', $2 FROM tasks WHERE assignment_id = $3",
            )
            .bind(ns)
            .bind(t)
            .bind(s.get::<i64, _>("id"))
            .execute(&mut *tx)
            .await?;
        }
        // Materials and pledges come along unsigned: $1 the new activity, $2 who, $3 when, $4 the old.
        for copy in [COPY_MATERIALS, COPY_PLEDGES] {
            sqlx::query(copy).bind(na).bind(actor.user_id).bind(t).bind(a.id).execute(&mut *tx).await?;
        }
        copy_calls(&mut tx, a.id, na, new_id, years, actor.user_id, t).await?;
    }
    audit::record(
        &mut tx,
        actor,
        "campaign.clone",
        "campaign",
        new_id,
        json!({"from": id, "year": input.year}),
    )
    .await?;
    tx.commit().await?;
    Ok(new_id)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Comparison {
    pub a: i64,
    pub b: i64,
    pub title_a: String,
    pub title_b: String,
    pub rows: Vec<CompareRow>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CompareRow {
    pub label: String,
    pub a: i64,
    pub b: i64,
}

fn key_figures(f: &Facts) -> Vec<(String, i64)> {
    let mut rows = vec![
        ("活动项数".to_string(), f.activities.len() as i64),
        ("参与单位".to_string(), f.units_tasked),
        ("举办场次".to_string(), f.total(|a| a.sittings)),
        ("签到人次".to_string(), f.total(|a| a.checkins)),
        ("阅后签名人次".to_string(), f.total(|a| a.read_signed)),
        ("承诺签名人数".to_string(), f.total(|a| a.pledge_signatures)),
        ("参训人数".to_string(), f.activities.iter().flat_map(|a| &a.trainings).map(|t| t.trainees).sum()),
        ("工作台账份数".to_string(), f.total(|a| a.entries)),
        ("宣传投放点位".to_string(), f.placements.sites),
        ("监督检查次数".to_string(), f.inspections),
    ];
    for a in &f.activities {
        rows.push((format!("{}. {} · 签到人次", a.activity.seq, a.activity.title), a.checkins));
    }
    rows
}

pub async fn compare(app: &App, actor: &Actor, a: i64, b: i64) -> AppResult<Comparison> {
    actor.require_organiser()?;
    let (fa, fb) = (facts::load(app, a).await?, facts::load(app, b).await?);
    let (ka, kb) = (key_figures(&fa), key_figures(&fb));
    let mut rows: Vec<CompareRow> =
        ka.iter().map(|(l, v)| CompareRow { label: l.clone(), a: *v, b: 0 }).collect();
    for (label, v) in kb {
        match rows.iter_mut().find(|r| r.label == label) {
            Some(r) => r.b = v,
            None => rows.push(CompareRow { label, a: 0, b: v }),
        }
    }
    Ok(Comparison { a, b, title_a: fa.campaign.title, title_b: fb.campaign.title, rows })
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_move_by_whole_years() {
        assert_eq!(super::shift("2022-05-16", 1), "2023-05-16");
        assert_eq!(super::shift("2024-02-29", 1), "2025-02-28");
        assert_eq!(super::shift("", 1), "");
    }
}
