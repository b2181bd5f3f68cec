//! The jury (评审): after the deadline every juror scores every work blind (no author, no
//! contact) against the rubric, except works on which he declared a conflict of interest; one
//! score per juror and work. The department follows each juror's progress, ranks the works by
//! the weighted trimmed mean (ties shown), decides the prizes and publishes the winners.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::works::{self, Call, PRIZES};
use super::{audit, clean_text, Actor, App};
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

async fn is_juror(app: &App, call_id: i64, user_id: i64) -> AppResult<bool> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM call_jurors WHERE call_id = $1 AND user_id = $2")
        .bind(call_id)
        .bind(user_id)
        .fetch_one(&app.db.pool)
        .await?
        > 0)
}

/// The call, if the actor sits on its jury and judging has begun.
async fn judging(app: &App, actor: &Actor, call_id: i64) -> AppResult<Call> {
    let c = works::call(app, call_id).await?;
    if !is_juror(app, call_id, actor.user_id).await? {
        return Err(AppError::Forbidden);
    }
    if now() < c.closes_at {
        return Err(AppError::Conflict(Msg::new("err.judging_not_started")));
    }
    if c.status == "published" {
        return Err(AppError::Conflict(Msg::new("err.call_published")));
    }
    Ok(c)
}

/// A work as a juror sees it: no author, no contact.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BlindWork {
    pub id: i64,
    pub title: String,
    pub genre: String,
    pub group: String,
    pub body: String,
    pub conflict: bool,
    /// This juror's scores by criterion id, once given.
    pub scores: Vec<(i64, i64)>,
    pub comment: String,
}

pub async fn my_works(app: &App, actor: &Actor, call_id: i64) -> AppResult<(Call, Vec<BlindWork>)> {
    let c = judging(app, actor, call_id).await?;
    let rows = sqlx::query(
        "SELECT w.id, w.title, w.genre, w.group_code, w.body,
           (SELECT COUNT(*) FROM conflicts x WHERE x.work_id = w.id AND x.user_id = $2) AS conflict
         FROM works w WHERE w.call_id = $1 AND w.status = 'submitted' ORDER BY w.id",
    )
    .bind(call_id)
    .bind(actor.user_id)
    .fetch_all(&app.db.pool)
    .await?;
    let scores = sqlx::query(
        "SELECT s.work_id, s.criterion_id, s.score, s.comment FROM scores s JOIN works w ON w.id = s.work_id
         WHERE w.call_id = $1 AND s.user_id = $2 ORDER BY s.criterion_id",
    )
    .bind(call_id)
    .bind(actor.user_id)
    .fetch_all(&app.db.pool)
    .await?;
    let list = rows
        .iter()
        .map(|r| {
            let id: i64 = r.get("id");
            let mine: Vec<&sqlx::any::AnyRow> =
                scores.iter().filter(|s| s.get::<i64, _>("work_id") == id).collect();
            BlindWork {
                id,
                title: r.get("title"),
                genre: r.get("genre"),
                group: r.get("group_code"),
                body: r.get("body"),
                conflict: r.get::<i64, _>("conflict") > 0,
                scores: mine.iter().map(|s| (s.get("criterion_id"), s.get("score"))).collect(),
                comment: mine.first().map(|s| s.get("comment")).unwrap_or_default(),
            }
        })
        .collect();
    Ok((c, list))
}

async fn work_call(app: &App, work_id: i64) -> AppResult<i64> {
    sqlx::query_scalar::<_, Option<i64>>("SELECT call_id FROM works WHERE id = $1 AND status = 'submitted'")
        .bind(work_id)
        .fetch_optional(&app.db.pool)
        .await?
        .flatten()
        .ok_or(AppError::NotFound)
}

/// A juror who knows the author says so; the work is then not his to score.
pub async fn declare_conflict(app: &App, actor: &Actor, work_id: i64, reason: &str) -> AppResult<()> {
    let call_id = work_call(app, work_id).await?;
    judging(app, actor, call_id).await?;
    let reason = clean_text("reason", reason, 200, false)?;
    let mut tx = app.db.begin().await?;
    let scored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM scores WHERE work_id = $1 AND user_id = $2")
        .bind(work_id)
        .bind(actor.user_id)
        .fetch_one(&mut *tx)
        .await?;
    if scored > 0 {
        return Err(AppError::Conflict(Msg::new("err.already_scored")));
    }
    sqlx::query(
        "INSERT INTO conflicts (work_id, user_id, reason, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (work_id, user_id) DO NOTHING",
    )
    .bind(work_id)
    .bind(actor.user_id)
    .bind(&reason)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    audit::record(&mut tx, actor, "jury.conflict", "work", work_id, json!({"reason": reason})).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct ScoreInput {
    /// (criterion id, score) for every criterion of the rubric.
    pub scores: Vec<CriterionScore>,
    #[serde(default)]
    pub comment: String,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct CriterionScore {
    pub criterion_id: i64,
    pub score: i64,
}

pub async fn score(app: &App, actor: &Actor, work_id: i64, input: ScoreInput) -> AppResult<()> {
    let call_id = work_call(app, work_id).await.map_err(|_| AppError::NotFound)?;
    let c = judging(app, actor, call_id).await?;
    let comment = clean_text("comment", &input.comment, 1000, false)?;
    let mut errors = Vec::new();
    for (i, cr) in c.criteria.iter().enumerate() {
        let given: Vec<&CriterionScore> = input.scores.iter().filter(|s| s.criterion_id == cr.id).collect();
        match given.as_slice() {
            [s] if (0..=cr.max_score).contains(&s.score) => {}
            _ => errors.push(crate::error::FieldError {
                field: format!("scores.{i}"),
                msg: Msg::new("err.jury_score_range").arg("name", &cr.name).arg("max", cr.max_score),
            }),
        }
    }
    if input.scores.len() != c.criteria.len() && errors.is_empty() {
        errors.push(crate::error::FieldError {
            field: "scores".into(),
            msg: Msg::new("err.score_unknown_criterion"),
        });
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let mut tx = app.db.begin().await?;
    let conflict: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM conflicts WHERE work_id = $1 AND user_id = $2")
            .bind(work_id)
            .bind(actor.user_id)
            .fetch_one(&mut *tx)
            .await?;
    if conflict > 0 {
        return Err(AppError::Conflict(Msg::new("err.score_conflict")));
    }
    let t = now();
    for s in &input.scores {
        // The primary key (work, juror, criterion) refuses a second score.
        let r = sqlx::query(
            "INSERT INTO scores (work_id, user_id, criterion_id, score, comment, created_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (work_id, user_id, criterion_id) DO NOTHING",
        )
        .bind(work_id)
        .bind(actor.user_id)
        .bind(s.criterion_id)
        .bind(s.score)
        .bind(&comment)
        .bind(t)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            return Err(AppError::Conflict(Msg::new("err.already_scored")));
        }
    }
    let detail: Vec<(i64, i64)> = input.scores.iter().map(|s| (s.criterion_id, s.score)).collect();
    audit::record(&mut tx, actor, "jury.score", "work", work_id, json!({"scores": detail})).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct JurorProgress {
    pub name: String,
    pub scored: i64,
    pub conflicts: i64,
    pub to_score: i64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Ranked {
    pub work_id: i64,
    pub title: String,
    pub author: String,
    pub group: String,
    pub genre: String,
    /// Jurors who scored it.
    pub jurors: i64,
    /// The weighted score of each juror (0‥100), trimmed of the highest and lowest when at
    /// least three scored, then averaged; two decimals.
    pub score: f64,
    /// 1-based within its group; equal scores share a rank.
    pub rank: i64,
    pub tied: bool,
    pub prize: String,
    /// Flagged as a near-copy of another work: for the department to weigh before a prize.
    pub flagged: bool,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Standings {
    pub progress: Vec<JurorProgress>,
    pub ranking: Vec<Ranked>,
}

/// The mean of the scores, less the single highest and lowest when there are three or more.
pub fn trimmed_mean(scores: &mut [f64]) -> f64 {
    if scores.is_empty() {
        return 0.0;
    }
    scores.sort_by(|a, b| a.total_cmp(b));
    let kept = if scores.len() >= 3 { &scores[1..scores.len() - 1] } else { &scores[..] };
    kept.iter().sum::<f64>() / kept.len() as f64
}

pub async fn standings(app: &App, actor: &Actor, call_id: i64) -> AppResult<Standings> {
    actor.require_organiser()?;
    let c = works::call(app, call_id).await?;
    let pool = &app.db.pool;
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM works WHERE call_id = $1 AND status = 'submitted'")
            .bind(call_id)
            .fetch_one(pool)
            .await?;
    let per_criterion = c.criteria.len().max(1) as i64;
    let progress = sqlx::query(
        "SELECT u.display_name,
           (SELECT COUNT(*) FROM scores s JOIN works w ON w.id = s.work_id WHERE w.call_id = j.call_id AND s.user_id = j.user_id) AS scored,
           (SELECT COUNT(*) FROM conflicts x JOIN works w ON w.id = x.work_id WHERE w.call_id = j.call_id AND x.user_id = j.user_id) AS conflicts
         FROM call_jurors j JOIN users u ON u.id = j.user_id WHERE j.call_id = $1 ORDER BY u.id",
    )
    .bind(call_id)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| {
        let (scored, conflicts): (i64, i64) = (r.get("scored"), r.get("conflicts"));
        JurorProgress {
            name: r.get("display_name"),
            scored: scored / per_criterion,
            conflicts,
            to_score: total - conflicts - scored / per_criterion,
        }
    })
    .collect();
    let weights: HashMap<i64, (i64, i64)> =
        c.criteria.iter().map(|k| (k.id, (k.weight, k.max_score))).collect();
    let weight_sum: i64 = c.criteria.iter().map(|k| k.weight).sum::<i64>().max(1);
    let rows = sqlx::query(
        "SELECT w.id, w.title, w.author, w.group_code, w.genre, w.prize, w.similar_to, s.user_id, s.criterion_id, s.score
         FROM works w LEFT JOIN scores s ON s.work_id = w.id WHERE w.call_id = $1 AND w.status = 'submitted' ORDER BY w.id",
    )
    .bind(call_id)
    .fetch_all(pool)
    .await?;
    // work → juror → weighted points
    let mut by_work: Vec<(i64, Ranked, HashMap<i64, f64>)> = Vec::new();
    for r in &rows {
        let id: i64 = r.get("id");
        if by_work.last().is_none_or(|w| w.0 != id) {
            let ranked = Ranked {
                work_id: id,
                title: r.get("title"),
                author: r.get("author"),
                group: r.get("group_code"),
                genre: r.get("genre"),
                jurors: 0,
                score: 0.0,
                rank: 0,
                tied: false,
                prize: r.get("prize"),
                flagged: r.get::<Option<i64>, _>("similar_to").is_some(),
            };
            by_work.push((id, ranked, HashMap::new()));
        }
        if let (Some(user), Some(criterion), Some(score)) = (
            r.get::<Option<i64>, _>("user_id"),
            r.get::<Option<i64>, _>("criterion_id"),
            r.get::<Option<i64>, _>("score"),
        ) {
            let (w, max) = weights.get(&criterion).copied().unwrap_or((0, 1));
            let points = score as f64 / max as f64 * w as f64 / weight_sum as f64 * 100.0;
            if let Some(last) = by_work.last_mut() {
                *last.2.entry(user).or_default() += points;
            }
        }
    }
    let mut ranking: Vec<Ranked> = by_work
        .into_iter()
        .map(|(_, mut r, jurors)| {
            let mut points: Vec<f64> = jurors.values().copied().collect();
            r.jurors = points.len() as i64;
            r.score = (trimmed_mean(&mut points) * 100.0).round() / 100.0;
            r
        })
        .collect();
    ranking.sort_by(|a, b| {
        a.group.cmp(&b.group).then(b.score.total_cmp(&a.score)).then(a.work_id.cmp(&b.work_id))
    });
    for i in 0..ranking.len() {
        let same_as_before =
            i > 0 && ranking[i - 1].group == ranking[i].group && ranking[i - 1].score == ranking[i].score;
        ranking[i].rank = if i > 0 && ranking[i - 1].group == ranking[i].group {
            if same_as_before {
                ranking[i - 1].rank
            } else {
                ranking[..i].iter().filter(|r| r.group == ranking[i].group).count() as i64 + 1
            }
        } else {
            1
        };
        if same_as_before {
            ranking[i].tied = true;
            ranking[i - 1].tied = true;
        }
    }
    Ok(Standings { progress, ranking })
}

/// The department's decision on a work: a prize tier, or none ("").
pub async fn decide(app: &App, actor: &Actor, work_id: i64, prize: &str) -> AppResult<()> {
    actor.require_organiser()?;
    if !prize.is_empty() && !PRIZES.contains(&prize) {
        return Err(AppError::invalid("prize", Msg::new("err.prize")));
    }
    let call_id = work_call(app, work_id).await?;
    let c = works::call(app, call_id).await?;
    if now() < c.closes_at {
        return Err(AppError::Conflict(Msg::new("err.judging_not_started")));
    }
    let mut tx = app.db.begin().await?;
    sqlx::query("UPDATE works SET prize = $1, updated_at = $2 WHERE id = $3")
        .bind(prize)
        .bind(now())
        .bind(work_id)
        .execute(&mut *tx)
        .await?;
    audit::record(&mut tx, actor, "work.prize", "work", work_id, json!({"prize": prize})).await?;
    tx.commit().await?;
    Ok(())
}

/// Publishes the prize-winning works to the portal (and its search); they stay there.
pub async fn publish(app: &App, actor: &Actor, call_id: i64) -> AppResult<i64> {
    actor.require_organiser()?;
    let c = works::call(app, call_id).await?;
    if now() < c.closes_at {
        return Err(AppError::Conflict(Msg::new("err.judging_not_started")));
    }
    let mut tx = app.db.begin().await?;
    let t = now();
    let winners = sqlx::query(
        "SELECT id, title, author, body FROM works WHERE call_id = $1 AND status = 'submitted' AND prize <> '' ORDER BY id",
    )
    .bind(call_id)
    .fetch_all(&mut *tx)
    .await?;
    if winners.is_empty() {
        return Err(AppError::Conflict(Msg::new("err.no_winners")));
    }
    for w in &winners {
        let id: i64 = w.get("id");
        sqlx::query("UPDATE works SET published_at = $1 WHERE id = $2 AND published_at = 0")
            .bind(t)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let (title, author, body): (String, String, String) =
            (w.get("title"), w.get("author"), w.get("body"));
        super::search::put(&mut tx, app.db.engine, "work", id, &title, &author, &body).await?;
    }
    sqlx::query("UPDATE calls SET status = 'published' WHERE id = $1")
        .bind(call_id)
        .execute(&mut *tx)
        .await?;
    audit::record(&mut tx, actor, "call.publish", "call", call_id, json!({"winners": winners.len()})).await?;
    tx.commit().await?;
    Ok(winners.len() as i64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_highest_and_lowest_are_left_out_from_three_scores() {
        assert_eq!(super::trimmed_mean(&mut [90.0, 10.0, 80.0, 70.0, 100.0]), 80.0);
        assert_eq!(super::trimmed_mean(&mut [60.0, 80.0]), 70.0);
        assert_eq!(super::trimmed_mean(&mut []), 0.0);
    }
}
