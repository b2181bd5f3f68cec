//! The live dashboard (数据大屏): a campaign's figures at this moment, for the leadership's screen
//! and, without anything not already public, for the portal. Every figure is a count of what
//! happened (counters kept with the rows, indexed counts), each server keeps a snapshot for two
//! seconds, so a hundred screens cost one computation per server and campaign.

use serde::Serialize;
use sqlx::Row;

use super::{Actor, App};
use crate::domain::status;
use crate::error::{AppError, AppResult};

/// How long a server keeps a computed snapshot.
pub const FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(2);
/// How often an open screen is sent the figures (when they changed).
pub const PUSH_EVERY: std::time::Duration = std::time::Duration::from_secs(3);
/// Screens one server feeds at once; more are asked to come back later.
pub const MAX_STREAMS: usize = 1000;
/// The latest signers shown.
const LATEST: usize = 8;

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Snapshot {
    pub campaign_id: i64,
    pub title: String,
    /// Sign-ins at the campaign's sittings today (China time) and in all.
    pub signins_today: i64,
    pub signins: i64,
    /// Signatures on the campaign's pledges (public ones only, on the portal's).
    pub signatures: i64,
    /// Study materials read and signed.
    pub readers: i64,
    /// Knowledge-test papers handed in.
    pub tests_taken: i64,
    pub placements: i64,
    /// Works received by the campaign's calls.
    pub works: i64,
    /// Units that reported (a task submitted or accepted), of the units given tasks.
    pub units_covered: i64,
    pub units_assigned: i64,
    /// One tile per unit below the city, with its subtree.
    pub coverage: Vec<Tile>,
    /// The newest signatures on the campaign's pledges, names masked.
    pub latest: Vec<Signer>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Tile {
    pub name: String,
    pub assigned: i64,
    pub covered: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Signer {
    /// 张*明.
    pub name: String,
    pub pledge: String,
    pub signed_at: i64,
}

/// The snapshot of campaign `id`: the leadership's (`public` false, organisers only) or the
/// portal's (published campaigns, public pledges' signers only). Read through this server's
/// two-second memory.
pub async fn snapshot(
    app: &App,
    actor: Option<&Actor>,
    id: i64,
    public: bool,
) -> AppResult<std::sync::Arc<Snapshot>> {
    if !public {
        actor.ok_or(AppError::Unauthorized)?.require_organiser()?;
    }
    app.dashboards.get((id, public), compute(app, id, public)).await
}

/// Counts everything the screen shows, now.
pub async fn compute(app: &App, id: i64, public: bool) -> AppResult<Snapshot> {
    let pool = &app.db.pool;
    let campaign = sqlx::query("SELECT title, status FROM campaigns WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(AppError::NotFound)?;
    if public && campaign.get::<String, _>("status") == status::CAMPAIGN_DRAFT {
        return Err(AppError::NotFound);
    }
    let count =
        |sql: &'static str| async move { sqlx::query_scalar::<_, i64>(sql).bind(id).fetch_one(pool).await };
    let count_with = |sql: &'static str, second: i64| async move {
        sqlx::query_scalar::<_, i64>(sql).bind(id).bind(second).fetch_one(pool).await
    };
    // Today's and all sign-ins in one pass over the campaign's.
    let (signins, signins_today): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN c.checked_at >= $2 THEN 1 ELSE 0 END), 0) AS BIGINT)
         FROM checkins c JOIN sittings s ON s.id = c.sitting_id JOIN activities a ON a.id = s.activity_id
         WHERE a.campaign_id = $1",
    )
    .bind(id)
    .bind(crate::domain::start_of_today())
    .fetch_one(pool)
    .await?;
    let signatures = count_with(
        "SELECT CAST(COALESCE(SUM(p.signature_count), 0) AS BIGINT) FROM pledges p JOIN activities a ON a.id = p.activity_id
         WHERE a.campaign_id = $1 AND (p.public = 1 OR $2 = 0)",
        i64::from(public),
    )
    .await?;
    let readers = count(
        "SELECT COUNT(*) FROM signatures g JOIN materials m ON g.subject = 'material' AND m.id = g.subject_id
         JOIN activities a ON a.id = m.activity_id WHERE a.campaign_id = $1 AND g.withdrawn_at = 0",
    )
    .await?;
    let tests_taken = count(
        "SELECT COUNT(*) FROM quiz_attempts t JOIN quizzes q ON q.id = t.quiz_id JOIN activities a ON a.id = q.activity_id
         WHERE a.campaign_id = $1 AND t.submitted_at > 0",
    )
    .await?;
    let placements = count("SELECT COUNT(*) FROM placements WHERE campaign_id = $1").await?;
    let works = count(
        "SELECT COUNT(*) FROM works w JOIN calls k ON k.id = w.call_id WHERE k.campaign_id = $1 AND w.status <> 'reference'",
    )
    .await?;
    let (coverage, units_assigned, units_covered) = coverage(app, id).await?;
    Ok(Snapshot {
        campaign_id: id,
        title: campaign.get("title"),
        signins_today,
        signins,
        signatures,
        readers,
        tests_taken,
        placements,
        works,
        units_covered,
        units_assigned,
        coverage,
        latest: latest_signers(app, id, public).await?,
    })
}

/// Units given tasks and units that reported, one tile per unit below the city with its subtree:
/// one row per unit read, grouped here by the first step of its path (`/1/5/23/` is under 5).
async fn coverage(app: &App, id: i64) -> AppResult<(Vec<Tile>, i64, i64)> {
    let pool = &app.db.pool;
    let units = sqlx::query(
        "SELECT u.path, MAX(CASE WHEN t.status IN ('submitted', 'accepted') THEN 1 ELSE 0 END) AS covered
         FROM tasks t JOIN assignments s ON s.id = t.assignment_id JOIN activities a ON a.id = s.activity_id
           JOIN units u ON u.id = t.unit_id
         WHERE a.campaign_id = $1 GROUP BY u.id, u.path",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let tops = sqlx::query(
        "SELECT id, name FROM units WHERE parent_id = (SELECT MIN(id) FROM units WHERE parent_id IS NULL) ORDER BY sort, id",
    )
    .fetch_all(pool)
    .await?;
    let mut tiles: Vec<Tile> =
        tops.iter().map(|r| Tile { name: r.get("name"), assigned: 0, covered: 0 }).collect();
    let place: std::collections::HashMap<i64, usize> =
        tops.iter().enumerate().map(|(i, r)| (r.get::<i64, _>("id"), i)).collect();
    let (mut assigned, mut covered) = (0, 0);
    for u in &units {
        let path: String = u.get("path");
        let done = u.get::<i64, _>("covered") > 0;
        assigned += 1;
        covered += i64::from(done);
        let top = path.split('/').filter(|s| !s.is_empty()).nth(1).and_then(|s| s.parse::<i64>().ok());
        if let Some(tile) = top.and_then(|t| place.get(&t)).map(|&i| &mut tiles[i]) {
            tile.assigned += 1;
            tile.covered += i64::from(done);
        }
    }
    tiles.retain(|t| t.assigned > 0);
    Ok((tiles, assigned, covered))
}

/// The newest signatures on the campaign's pledges: each pledge's newest by its index, merged,
/// so a campaign among millions of signatures reads a few rows.
async fn latest_signers(app: &App, id: i64, public: bool) -> AppResult<Vec<Signer>> {
    let pledges = sqlx::query(
        "SELECT p.id, p.title FROM pledges p JOIN activities a ON a.id = p.activity_id
         WHERE a.campaign_id = $1 AND (p.public = 1 OR $2 = 0) AND p.signature_count > 0",
    )
    .bind(id)
    .bind(i64::from(public))
    .fetch_all(&app.db.pool)
    .await?;
    let mut latest: Vec<(i64, Signer)> = Vec::new();
    for p in &pledges {
        let title: String = p.get("title");
        let rows = sqlx::query(&format!(
            "SELECT id, name, signed_at FROM signatures WHERE subject = 'pledge' AND subject_id = $1
               AND withdrawn_at = 0 AND anonymised_at = 0 ORDER BY id DESC LIMIT {LATEST}"
        ))
        .bind(p.get::<i64, _>("id"))
        .fetch_all(&app.db.pool)
        .await?;
        latest.extend(rows.iter().map(|r| {
            let name = super::series::mask_name(&r.get::<String, _>("name"));
            (r.get("id"), Signer { name, pledge: title.clone(), signed_at: r.get("signed_at") })
        }));
    }
    latest.sort_by_key(|(id, _)| std::cmp::Reverse(*id));
    Ok(latest.into_iter().take(LATEST).map(|(_, s)| s).collect())
}
