//! The campaign's statistics page: coverage (units that completed each task), participation by
//! unit and by rank, and sign-ins and signatures day by day over the campaign. Organisers only.

use serde::Serialize;
use sqlx::Row;

use super::{Actor, App};
use crate::error::AppResult;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Coverage {
    pub assignment: String,
    pub activity: String,
    pub units: i64,
    pub accepted: i64,
    pub submitted: i64,
    pub returned: i64,
    pub pending: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Count {
    pub key: String,
    pub value: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Day {
    pub date: String,
    pub checkins: i64,
    pub signatures: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = CampaignStatistics)]
pub struct Statistics {
    pub campaign_id: i64,
    /// 0: every activity.
    pub activity_id: i64,
    pub coverage: Vec<Coverage>,
    pub by_unit: Vec<Count>,
    pub by_rank: Vec<Count>,
    pub by_day: Vec<Day>,
}

fn day_number(iso: &str) -> Option<i64> {
    let d = time::Date::parse(iso, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    Some((d - time::Date::from_calendar_date(1970, time::Month::January, 1).ok()?).whole_days())
}

fn day_label(n: i64) -> String {
    let epoch = time::Date::from_calendar_date(1970, time::Month::January, 1).expect("epoch");
    crate::domain::iso_date(epoch + time::Duration::days(n))
}

fn counts(rows: Vec<sqlx::any::AnyRow>) -> Vec<Count> {
    rows.iter().map(|r| Count { key: r.get("k"), value: r.get("n") }).collect()
}

pub async fn statistics(
    app: &App,
    actor: &Actor,
    campaign_id: i64,
    activity_id: i64,
) -> AppResult<Statistics> {
    actor.require_organiser()?;
    let c = super::campaigns::get(app, campaign_id).await?;
    let pool = &app.db.pool;
    let q = |sql: &'static str| sqlx::query(sql).bind(campaign_id).bind(activity_id).fetch_all(pool);
    let coverage = q("SELECT s.title, a.title AS activity, COUNT(*) AS units,
           CAST(SUM(CASE WHEN t.status = 'accepted' THEN 1 ELSE 0 END) AS BIGINT) AS accepted,
           CAST(SUM(CASE WHEN t.status = 'submitted' THEN 1 ELSE 0 END) AS BIGINT) AS submitted,
           CAST(SUM(CASE WHEN t.status = 'returned' THEN 1 ELSE 0 END) AS BIGINT) AS returned
         FROM tasks t JOIN assignments s ON s.id = t.assignment_id JOIN activities a ON a.id = s.activity_id
         WHERE a.campaign_id = $1 AND ($2 = 0 OR a.id = $2) GROUP BY s.id, s.title, a.title, a.seq ORDER BY a.seq, s.id")
    .await?
    .iter()
    .map(|r| {
        let (units, accepted, submitted, returned): (i64, i64, i64, i64) =
            (r.get("units"), r.get("accepted"), r.get("submitted"), r.get("returned"));
        Coverage {
            assignment: r.get("title"),
            activity: r.get("activity"),
            units,
            accepted,
            submitted,
            returned,
            pending: units - accepted - submitted - returned,
        }
    })
    .collect();
    // Each sign-in counts for its unit as it was then (`sittings::CHECKIN_UNIT`, written out: the
    // query is a literal).
    let by_unit = counts(
        q("SELECT u.name AS k, COUNT(*) AS n FROM checkins c JOIN sittings s ON s.id = c.sitting_id
             JOIN activities a ON a.id = s.activity_id JOIN people p ON p.id = c.person_id JOIN units u ON u.id = COALESCE(c.unit_id, p.unit_id)
           WHERE a.campaign_id = $1 AND ($2 = 0 OR a.id = $2) GROUP BY u.name ORDER BY n DESC, u.name LIMIT 15")
        .await?,
    );
    let by_rank = counts(
        q("SELECT CASE WHEN p.rank = '' THEN '未填写' ELSE p.rank END AS k, COUNT(*) AS n FROM checkins c
             JOIN sittings s ON s.id = c.sitting_id JOIN activities a ON a.id = s.activity_id JOIN people p ON p.id = c.person_id
           WHERE a.campaign_id = $1 AND ($2 = 0 OR a.id = $2) GROUP BY p.rank ORDER BY n DESC")
        .await?,
    );
    // Days are counted in China time: 28800 s is UTC+8.
    let checkins = q("SELECT (c.checked_at + 28800) / 86400 AS d, COUNT(*) AS n FROM checkins c
           JOIN sittings s ON s.id = c.sitting_id JOIN activities a ON a.id = s.activity_id
         WHERE a.campaign_id = $1 AND ($2 = 0 OR a.id = $2) GROUP BY (c.checked_at + 28800) / 86400")
    .await?;
    let signatures = q("SELECT (g.signed_at + 28800) / 86400 AS d, COUNT(*) AS n FROM signatures g
           JOIN materials m ON g.subject = 'material' AND m.id = g.subject_id JOIN activities a ON a.id = m.activity_id
         WHERE a.campaign_id = $1 AND ($2 = 0 OR a.id = $2) AND g.withdrawn_at = 0 GROUP BY (g.signed_at + 28800) / 86400
         UNION ALL
         SELECT (g.signed_at + 28800) / 86400 AS d, COUNT(*) AS n FROM signatures g
           JOIN pledges p ON g.subject = 'pledge' AND p.id = g.subject_id JOIN activities a ON a.id = p.activity_id
         WHERE a.campaign_id = $1 AND ($2 = 0 OR a.id = $2) AND g.withdrawn_at = 0 GROUP BY (g.signed_at + 28800) / 86400")
    .await?;
    let (first, last) = (day_number(&c.start_date).unwrap_or(0), day_number(&c.end_date).unwrap_or(0));
    let mut by_day: Vec<Day> = (first..=last.min(first + 366))
        .map(|d| Day { date: day_label(d), checkins: 0, signatures: 0 })
        .collect();
    for (rows, is_checkin) in [(checkins, true), (signatures, false)] {
        for r in rows {
            let (d, n): (i64, i64) = (r.get("d"), r.get("n"));
            if let Some(day) = by_day.get_mut((d - first) as usize).filter(|_| d >= first) {
                if is_checkin {
                    day.checkins += n;
                } else {
                    day.signatures += n;
                }
            }
        }
    }
    Ok(Statistics { campaign_id, activity_id, coverage, by_unit, by_rank, by_day })
}
