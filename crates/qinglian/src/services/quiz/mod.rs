//! 廉政知识测试 (online knowledge tests). A test belongs to an activity and is addressed to an
//! audience as a study material is, or to the public by name and phone. Each taker draws his own
//! paper from the campaign's bank (so many questions of each category, options shuffled), has a
//! time limit and a number of attempts; every answer is saved on the server as it is given (a
//! phone that loses its signal loses nothing) and judged there, never in the browser. A paper
//! not handed in by its deadline is scored as it stands.

pub mod bank;
pub mod results;

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::audience::Audience;
use super::audit::{self, Who};
use super::filter::Where;
use super::privacy::{self, Form};
use super::throttle::{Rule, Throttle};
use super::{clean_text, Actor, App};
use crate::db::{now, Tx};
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

/// Questions one paper may hold.
pub const MAX_QUESTIONS: i64 = 200;
/// Answers arriving this long after the deadline still count: the last request in flight.
pub const GRACE_SECONDS: i64 = 30;

/// So many questions of a category on each paper.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Draw {
    pub category: String,
    pub count: i64,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct QuizInput {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[serde(default)]
    pub intro: String,
    /// How many questions of each category every paper draws.
    pub draw: Vec<Draw>,
    /// The time limit of one attempt, 1 to 180 minutes.
    pub minutes: i64,
    /// Attempts each taker may make, 1 to 10; his best score counts.
    pub attempts: i64,
    /// The score (of 100) that passes.
    pub pass_score: i64,
    pub host_unit_id: i64,
    /// Open to anyone by name and phone; otherwise to the audience.
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub audience: Audience,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Quiz {
    pub id: i64,
    pub activity_id: i64,
    pub campaign_id: i64,
    pub title: String,
    pub intro: String,
    pub draw: Vec<Draw>,
    pub minutes: i64,
    pub attempts: i64,
    pub pass_score: i64,
    pub public: bool,
    pub host_unit_id: i64,
    pub host_unit_name: String,
    pub audience: Audience,
    pub ledger_entry_id: Option<i64>,
    /// Its campaign is closed: its figures are final, so it draws no new papers (one open at the
    /// close may still be finished and handed in).
    pub closed: bool,
    #[serde(skip)]
    pub host_path: String,
    #[serde(skip)]
    audience_path: Option<String>,
    #[serde(skip)]
    created_at: i64,
}

impl Quiz {
    /// Questions on each paper.
    pub fn questions(&self) -> i64 {
        self.draw.iter().map(|d| d.count).sum()
    }

    pub(crate) fn audience_sql(&self, w: &mut Where) -> String {
        let named = super::audience::QUIZ.subquery(self.id);
        self.audience.condition(self.audience_path.as_deref(), &named, self.created_at, w)
    }
}

pub async fn create(app: &App, actor: &Actor, activity_id: i64, input: QuizInput) -> AppResult<i64> {
    let activity = super::campaigns::activity(app, activity_id).await?;
    let title = clean_text("title", &input.title, 200, true)?;
    let intro = clean_text("intro", &input.intro, 5000, false)?;
    let host = super::units::get(app, input.host_unit_id)
        .await
        .map_err(|_| AppError::invalid("host_unit_id", Msg::new("err.unit_unknown")))?;
    if !actor.covers(&host.path) {
        return Err(AppError::Forbidden);
    }
    for (field, value, range) in [
        ("minutes", input.minutes, 1..=180),
        ("attempts", input.attempts, 1..=10),
        ("pass_score", input.pass_score, 0..=100),
    ] {
        if !range.contains(&value) {
            let msg = Msg::new("err.between").arg("min", range.start()).arg("max", range.end());
            return Err(AppError::invalid(field, msg));
        }
    }
    let draw = check_draw(app, activity.campaign_id, &input.draw).await?;
    let mut tx = app.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO quizzes (activity_id, host_unit_id, title, intro, draw, minutes, attempts, pass_score, public,
            audience_unit_id, audience_ranks, audience_party, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(activity_id)
    .bind(input.host_unit_id)
    .bind(&title)
    .bind(&intro)
    .bind(json!(draw).to_string())
    .bind(input.minutes)
    .bind(input.attempts)
    .bind(input.pass_score)
    .bind(i64::from(input.public))
    .bind(input.audience.unit_id)
    .bind(input.audience.ranks_text())
    .bind(input.audience.party_column())
    .bind(actor.user_id)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    super::audience::QUIZ.save(&mut tx, id, &input.audience.person_ids).await?;
    let detail = json!({"title": title, "draw": draw, "minutes": input.minutes, "public": input.public});
    audit::record(&mut tx, actor, "quiz.create", "quiz", id, detail).await?;
    tx.commit().await?;
    Ok(id)
}

/// The draw as asked, each category in the bank with enough questions for it.
async fn check_draw(app: &App, campaign: i64, draw: &[Draw]) -> AppResult<Vec<Draw>> {
    let bank = bank::categories(app, campaign).await?;
    let mut out: Vec<Draw> = Vec::new();
    for d in draw.iter().filter(|d| d.count != 0) {
        let category = text::normalize(&d.category);
        let Some(c) = bank.iter().find(|c| c.name == category) else {
            return Err(AppError::invalid("draw", Msg::new("err.draw_category").arg("category", category)));
        };
        if d.count < 0 || d.count > c.active {
            let msg = Msg::new("err.draw_short").arg("category", &c.name).arg("n", c.active);
            return Err(AppError::invalid("draw", msg));
        }
        match out.iter_mut().find(|o| o.category == category) {
            Some(_) => return Err(AppError::invalid("draw", Msg::new("err.duplicate"))),
            None => out.push(Draw { category, count: d.count }),
        }
    }
    let total: i64 = out.iter().map(|d| d.count).sum();
    if total == 0 || total > MAX_QUESTIONS {
        return Err(AppError::invalid(
            "draw",
            Msg::new("err.between").arg("min", 1).arg("max", MAX_QUESTIONS),
        ));
    }
    Ok(out)
}

pub async fn get(app: &App, id: i64) -> AppResult<Quiz> {
    let r = sqlx::query(
        "SELECT q.*, a.campaign_id, c.status AS campaign_status, h.name AS host_name, h.path AS host_path,
                au.path AS audience_path
         FROM quizzes q JOIN activities a ON a.id = q.activity_id JOIN campaigns c ON c.id = a.campaign_id
         JOIN units h ON h.id = q.host_unit_id
         LEFT JOIN units au ON au.id = q.audience_unit_id WHERE q.id = $1",
    )
    .bind(id)
    .fetch_optional(&app.db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let invitees = super::audience::QUIZ.load(&app.db.pool, id).await?;
    let draw: String = r.get("draw");
    Ok(Quiz {
        id,
        activity_id: r.get("activity_id"),
        campaign_id: r.get("campaign_id"),
        title: r.get("title"),
        intro: r.get("intro"),
        draw: serde_json::from_str(&draw).unwrap_or_default(),
        minutes: r.get("minutes"),
        attempts: r.get("attempts"),
        pass_score: r.get("pass_score"),
        public: r.get::<i64, _>("public") == 1,
        host_unit_id: r.get("host_unit_id"),
        host_unit_name: r.get("host_name"),
        audience: Audience::from_row(&r, invitees),
        ledger_entry_id: r.get("ledger_entry_id"),
        closed: r.get::<String, _>("campaign_status") == crate::domain::status::CAMPAIGN_CLOSED,
        host_path: r.get("host_path"),
        audience_path: r.get("audience_path"),
        created_at: r.get("created_at"),
    })
}

/// The tests of an activity, for its page: (id, title, public).
pub async fn list_for_activity(app: &App, activity_id: i64) -> AppResult<Vec<(i64, String, bool)>> {
    Ok(sqlx::query("SELECT id, title, public FROM quizzes WHERE activity_id = $1 ORDER BY id")
        .bind(activity_id)
        .fetch_all(&app.db.pool)
        .await?
        .iter()
        .map(|r| (r.get("id"), r.get("title"), r.get::<i64, _>("public") == 1))
        .collect())
}

/// Who takes a test: a roster entry, or a member of the public by phone.
#[derive(Debug, Clone)]
pub enum Taker {
    Person {
        id: i64,
        name: String,
    },
    /// `resume`: the secret of the paper this browser started, the only key to a paper open
    /// under the phone (whoever knows a number cannot take over its owner's paper).
    Public {
        name: String,
        phone: String,
        consent: String,
        resume: Option<String>,
    },
}

/// What the public gives to take a public test.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PublicTaker {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
    /// Agreement to the privacy notice (`/api/v1/privacy/notices`, form `quiz`).
    #[serde(default)]
    pub consent: bool,
    /// The notice shown (`quiz/1`).
    #[serde(default)]
    pub notice: Option<String>,
    /// The secret of the paper this taker started and has not handed in, to take it up again:
    /// a paper open under the phone is given to no one without it.
    #[serde(default)]
    pub resume: Option<String>,
}

/// The test for one who would take it: its audience (a public test, anyone), and those who run
/// it; with the caller's roster entry when the test is addressed to him.
pub async fn for_taker(
    app: &App,
    actor: Option<&Actor>,
    id: i64,
) -> AppResult<(Quiz, Option<(i64, String)>)> {
    let q = get(app, id).await?;
    let person = match actor {
        Some(a) => super::audience::linked_person(&app.db, a.user_id, |w| {
            if q.public {
                "1 = 1".to_string()
            } else {
                q.audience_sql(w)
            }
        })
        .await?
        .map(|p| (p.id, p.name)),
        None => None,
    };
    let runs = actor.is_some_and(|a| a.covers(&q.host_path) || a.campaign_wide());
    if person.is_none() && !q.public && !runs {
        return Err(AppError::NotFound);
    }
    Ok((q, person))
}

/// Where a taker stands: attempts made, the best score, and the paper still open, if any.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Standing {
    pub made: i64,
    pub best: Option<i64>,
    pub open: bool,
}

pub async fn standing(app: &App, quiz: i64, person: i64) -> AppResult<Standing> {
    let rows = sqlx::query(
        "SELECT score, submitted_at, deadline FROM quiz_attempts WHERE quiz_id = $1 AND taker = $2",
    )
    .bind(quiz)
    .bind(format!("p:{person}"))
    .fetch_all(&app.db.pool)
    .await?;
    let t = now();
    let mut s = Standing { made: rows.len() as i64, ..Standing::default() };
    for r in rows {
        let (score, submitted, deadline): (i64, i64, i64) =
            (r.get("score"), r.get("submitted_at"), r.get("deadline"));
        if submitted > 0 || deadline + GRACE_SECONDS < t {
            s.best = Some(s.best.map_or(score, |b: i64| b.max(score)));
        } else {
            s.open = true;
        }
    }
    Ok(s)
}

/// Public starts from one address a minute: the limit public signatures have.
fn start_rule(app: &App) -> Rule {
    Rule { limit: app.config.public_signatures_per_minute.max(1), window: 60 }
}

/// Starts an attempt, or takes up the one still open (under a new address: the old one stops
/// working, so a paper is answered from one place at a time). Returns the paper's secret.
pub async fn start(
    app: &App,
    actor: Option<&Actor>,
    id: i64,
    public: &PublicTaker,
    ip: &str,
) -> AppResult<String> {
    let (q, person) = for_taker(app, actor, id).await?;
    let taker = match person {
        Some((id, name)) => Taker::Person { id, name },
        None if q.public => {
            let address = [(format!("quiz:{ip}"), start_rule(app))];
            if !Throttle::allowed(&address, &app.throttle.claim(&app.db, &address).await?) {
                return Err(AppError::TooMany(Msg::new("err.signing_too_fast")));
            }
            let name = text::normalize_name(&public.name);
            if name.is_empty() || name.chars().count() > 50 {
                return Err(AppError::invalid("person_name", Msg::new("err.required")));
            }
            let phone = crate::domain::parse_phone(&public.phone)
                .ok_or_else(|| AppError::invalid("phone", Msg::new("err.phone")))?;
            let consent = privacy::consent(Form::Quiz, public.consent, public.notice.as_deref())?;
            Taker::Public { name, phone, consent, resume: public.resume.clone() }
        }
        None => return Err(AppError::Conflict(Msg::new("err.not_addressed"))),
    };
    open_paper(app, &q, &taker, actor.map(|a| a.user_id), ip).await
}

/// Opens a paper of `q` for `taker`, or takes up his open one. The caller has checked the
/// taker's right to it ([`start`] does; the demo and the benchmark seat their own takers).
pub async fn open_paper(
    app: &App,
    q: &Quiz,
    taker: &Taker,
    user: Option<i64>,
    ip: &str,
) -> AppResult<String> {
    let (key, person_id, name, phone, phone_idx, consent) = match taker {
        Taker::Person { id, name } => {
            (format!("p:{id}"), Some(*id), name.clone(), String::new(), String::new(), String::new())
        }
        Taker::Public { name, phone, consent, .. } => {
            let idx = app.db.vault.index(crate::vault::Blind::Phone, phone);
            (format!("t:{idx}"), None, name.clone(), app.db.vault.seal(phone), idx, consent.clone())
        }
    };
    let secret = super::auth::random_token();
    let token = super::auth::token_hash(&secret);
    let t = now();
    let mut tx = app.db.begin().await?;
    let open: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, token FROM quiz_attempts WHERE quiz_id = $1 AND taker = $2 AND submitted_at = 0 AND deadline > $3",
    )
    .bind(q.id)
    .bind(&key)
    .bind(t)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((attempt, held)) = open {
        if let Taker::Public { resume, .. } = taker {
            // The public's paper is taken up only by the browser that holds its secret.
            return match resume {
                Some(secret) if held == super::auth::token_hash(secret) => Ok(secret.clone()),
                _ => Err(AppError::Conflict(Msg::new("err.paper_elsewhere"))),
            };
        }
        sqlx::query("UPDATE quiz_attempts SET token = $1 WHERE id = $2")
            .bind(&token)
            .bind(attempt)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Ok(secret);
    }
    if q.closed {
        return Err(AppError::Conflict(Msg::new("err.quiz_closed")));
    }
    let made: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM quiz_attempts WHERE quiz_id = $1 AND taker = $2")
            .bind(q.id)
            .bind(&key)
            .fetch_one(&mut *tx)
            .await?;
    if made >= q.attempts {
        return Err(AppError::Conflict(Msg::new("err.attempts_used").arg("n", q.attempts)));
    }
    let paper = draw_paper(&mut tx, q).await?;
    // Two starts at once both count the same attempts made; the unique number lets one through.
    let attempt: i64 = sqlx::query_scalar(
        "INSERT INTO quiz_attempts (quiz_id, taker, number, person_id, name, phone, phone_idx, consent, token, started_at, deadline, total)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(q.id)
    .bind(&key)
    .bind(made + 1)
    .bind(person_id)
    .bind(&name)
    .bind(&phone)
    .bind(&phone_idx)
    .bind(&consent)
    .bind(&token)
    .bind(t)
    .bind(t + q.minutes * 60)
    .bind(paper.len() as i64)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| crate::error::unique_as(e, "quiz", Msg::new("err.attempt_parallel")))?;
    for (position, (question, shown)) in paper.iter().enumerate() {
        sqlx::query(
            "INSERT INTO quiz_answers (attempt_id, position, question_id, shown) VALUES ($1, $2, $3, $4)",
        )
        .bind(attempt)
        .bind(position as i64 + 1)
        .bind(question)
        .bind(shown)
        .execute(&mut *tx)
        .await?;
    }
    let who = Who { user_id: user, name: &name, ip };
    audit::record_as(
        &mut tx,
        who,
        "quiz.start",
        "quiz",
        q.id,
        json!({"attempt": attempt, "number": made + 1}),
    )
    .await?;
    tx.commit().await?;
    Ok(secret)
}

/// One taker's questions: so many of each category at random, each with its options shuffled
/// (a true/false question keeps 正确 before 错误). As (question, options' order shown).
async fn draw_paper(tx: &mut Tx, q: &Quiz) -> AppResult<Vec<(i64, String)>> {
    let mut paper = Vec::new();
    for d in &q.draw {
        let rows = sqlx::query(
            "SELECT id, kind, options FROM questions WHERE campaign_id = $1 AND category = $2 AND retired_at = 0",
        )
        .bind(q.campaign_id)
        .bind(&d.category)
        .fetch_all(&mut **tx)
        .await?;
        if (rows.len() as i64) < d.count {
            let msg = Msg::new("err.draw_short").arg("category", &d.category).arg("n", rows.len());
            return Err(AppError::Conflict(msg));
        }
        let mut rng = rand::thread_rng();
        for r in rows.choose_multiple(&mut rng, d.count as usize) {
            let options: Vec<String> =
                serde_json::from_str(&r.get::<String, _>("options")).unwrap_or_default();
            let mut order: Vec<usize> = (0..options.len()).collect();
            if r.get::<String, _>("kind") != "judge" {
                order.shuffle(&mut rng);
            }
            paper.push((r.get::<i64, _>("id"), order.iter().map(|i| i.to_string()).collect::<String>()));
        }
    }
    Ok(paper)
}

/// An option as the taker sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Shown {
    /// What an answer names: the option's index in the bank.
    pub value: usize,
    /// The letter shown: A, B, … in the paper's order.
    pub letter: char,
    pub text: String,
    pub chosen: bool,
    /// After the paper is handed in: whether this option is right.
    pub right: Option<bool>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PaperItem)]
pub struct Item {
    pub position: i64,
    pub kind: String,
    pub category: String,
    pub stem: String,
    pub options: Vec<Shown>,
    pub answered: bool,
    /// After the paper is handed in.
    pub correct: Option<bool>,
    pub answer: Option<String>,
    pub explanation: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Paper {
    pub quiz_id: i64,
    pub title: String,
    pub number: i64,
    pub attempts: i64,
    pub name: String,
    pub deadline: i64,
    /// Seconds left to answer; 0 once handed in or over.
    pub remaining: i64,
    pub finished: bool,
    pub total: i64,
    pub correct: i64,
    pub score: i64,
    pub pass_score: i64,
    pub items: Vec<Item>,
}

impl Shown {
    pub fn is_right(&self) -> bool {
        self.right == Some(true)
    }
}

impl Item {
    pub fn is_right(&self) -> bool {
        self.correct == Some(true)
    }
    pub fn answer_text(&self) -> &str {
        self.answer.as_deref().unwrap_or_default()
    }
}

impl Paper {
    /// The time left as the paper's bar shows it: 12:05.
    pub fn remaining_text(&self) -> String {
        format!("{}:{:02}", self.remaining / 60, self.remaining % 60)
    }
    pub fn passed(&self) -> bool {
        self.finished && self.score >= self.pass_score
    }
    pub fn answered(&self) -> usize {
        self.items.iter().filter(|i| i.answered).count()
    }
}

/// The attempt behind a paper's secret, with the test's figures it needs.
struct Attempt {
    id: i64,
    quiz_id: i64,
    deadline: i64,
    submitted_at: i64,
}

async fn attempt(app: &App, secret: &str) -> AppResult<Attempt> {
    let r = sqlx::query("SELECT id, quiz_id, deadline, submitted_at FROM quiz_attempts WHERE token = $1")
        .bind(super::auth::token_hash(secret))
        .fetch_optional(&app.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Attempt {
        id: r.get("id"),
        quiz_id: r.get("quiz_id"),
        deadline: r.get("deadline"),
        submitted_at: r.get("submitted_at"),
    })
}

/// How many of the attempt's answers are right, as a subquery of the attempt's row.
const RIGHT: &str =
    "SELECT COUNT(*) FROM quiz_answers a WHERE a.attempt_id = quiz_attempts.id AND a.correct = 1";

/// Scores the attempts `which` picks from their answers as saved, once each: an attempt
/// scored stays as it was. `when` is the time it counts as handed in.
fn scoring(when: &str, which: &str) -> String {
    format!(
        "UPDATE quiz_attempts SET submitted_at = {when}, correct = ({RIGHT}),
           score = (100 * ({RIGHT}) + total / 2) / total
         WHERE submitted_at = 0 AND {which}"
    )
}

/// Scores the test's papers whose time ran out before they were handed in, as they stand.
pub async fn close_expired(app: &App, quiz: i64) -> AppResult<u64> {
    Ok(sqlx::query(&scoring("deadline", "quiz_id = $1 AND deadline < $2"))
        .bind(quiz)
        .bind(now() - GRACE_SECONDS)
        .execute(&app.db.pool)
        .await?
        .rows_affected())
}

/// Scores every paper of campaign `campaign`'s tests whose time ran out, before its figures are read.
pub async fn close_expired_of_campaign(app: &App, campaign: i64) -> AppResult<u64> {
    let which = "deadline < $2 AND quiz_id IN
      (SELECT q.id FROM quizzes q JOIN activities a ON a.id = q.activity_id WHERE a.campaign_id = $1)";
    Ok(sqlx::query(&scoring("deadline", which))
        .bind(campaign)
        .bind(now() - GRACE_SECONDS)
        .execute(&app.db.pool)
        .await?
        .rows_affected())
}

/// The paper behind a secret: to answer while it is open, with its result once it is not.
pub async fn paper(app: &App, secret: &str) -> AppResult<Paper> {
    let a = attempt(app, secret).await?;
    if a.submitted_at == 0 && a.deadline + GRACE_SECONDS < now() {
        close_expired(app, a.quiz_id).await?;
    }
    paper_of(app, a.id).await
}

async fn paper_of(app: &App, attempt: i64) -> AppResult<Paper> {
    let r = sqlx::query(
        "SELECT t.*, q.title, q.attempts, q.pass_score FROM quiz_attempts t JOIN quizzes q ON q.id = t.quiz_id WHERE t.id = $1",
    )
    .bind(attempt)
    .fetch_one(&app.db.pool)
    .await?;
    let finished = r.get::<i64, _>("submitted_at") > 0;
    let deadline: i64 = r.get("deadline");
    let rows = sqlx::query(
        "SELECT a.position, a.shown, a.answer AS chosen, a.correct AS judged, q.*
         FROM quiz_answers a JOIN questions q ON q.id = a.question_id WHERE a.attempt_id = $1 ORDER BY a.position",
    )
    .bind(attempt)
    .fetch_all(&app.db.pool)
    .await?;
    let items = rows
        .iter()
        .map(|row| {
            let q = bank::Question::from_row(row);
            let chosen = bank::indices(&row.get::<String, _>("chosen"));
            let shown = bank::indices(&row.get::<String, _>("shown"));
            let options = shown
                .iter()
                .enumerate()
                .filter_map(|(i, &v)| {
                    Some(Shown {
                        value: v,
                        letter: bank::letter(i),
                        text: q.options.get(v)?.clone(),
                        chosen: chosen.contains(&v),
                        right: finished.then(|| q.answer.contains(&v)),
                    })
                })
                .collect::<Vec<_>>();
            let answer = finished.then(|| {
                options.iter().filter(|o| o.right == Some(true)).map(|o| o.letter).collect::<String>()
            });
            Item {
                position: row.get("position"),
                answered: !chosen.is_empty(),
                correct: finished.then(|| row.get::<i64, _>("judged") == 1),
                answer: if q.kind == "judge" { finished.then(|| q.answer_text()) } else { answer },
                explanation: finished.then(|| q.explanation.clone()),
                source: finished.then(|| q.source.clone()),
                kind: q.kind,
                category: q.category,
                stem: q.stem,
                options,
            }
        })
        .collect();
    Ok(Paper {
        quiz_id: r.get("quiz_id"),
        title: r.get("title"),
        number: r.get("number"),
        attempts: r.get("attempts"),
        name: r.get("name"),
        deadline,
        remaining: if finished { 0 } else { (deadline - now()).max(0) },
        finished,
        total: r.get("total"),
        correct: r.get("correct"),
        score: r.get("score"),
        pass_score: r.get("pass_score"),
        items,
    })
}

/// An answer to one question: the options chosen, by their `value`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct Answer {
    pub position: i64,
    #[serde(default)]
    pub answer: Vec<usize>,
}

/// Saves answers on an open paper (judged here, kept for the score); the paper's time and
/// questions bound what is taken.
async fn save_in(tx: &mut Tx, a: &Attempt, answers: &[Answer]) -> AppResult<()> {
    let t = now();
    if a.submitted_at > 0 {
        return Err(AppError::Conflict(Msg::new("err.paper_handed_in")));
    }
    if t > a.deadline + GRACE_SECONDS {
        return Err(AppError::Conflict(Msg::new("err.paper_time_up")));
    }
    if answers.len() as i64 > MAX_QUESTIONS {
        return Err(AppError::invalid("answers", Msg::new("err.too_many")));
    }
    // The paper's questions, read once for all the answers sent.
    let paper: std::collections::HashMap<i64, (Vec<usize>, String, String)> = sqlx::query(
        "SELECT a.position, a.shown, q.kind, q.answer FROM quiz_answers a JOIN questions q ON q.id = a.question_id
         WHERE a.attempt_id = $1",
    )
    .bind(a.id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| (r.get("position"), (bank::indices(&r.get::<String, _>("shown")), r.get("kind"), r.get("answer"))))
    .collect();
    for given in answers {
        let (shown, kind, key) = paper
            .get(&given.position)
            .ok_or_else(|| AppError::invalid("position", Msg::new("err.not_found")))?;
        if given.answer.iter().any(|v| !shown.contains(v)) {
            return Err(AppError::invalid("answer", Msg::new("err.question_answer")));
        }
        let chosen = bank::stored(&given.answer);
        if kind != "multiple" && chosen.len() > 1 {
            return Err(AppError::invalid("answer", Msg::new("err.question_single")));
        }
        let correct = !chosen.is_empty() && &chosen == key;
        sqlx::query(
            "UPDATE quiz_answers SET answer = $1, correct = $2, answered_at = $3 WHERE attempt_id = $4 AND position = $5",
        )
        .bind(&chosen)
        .bind(i64::from(correct))
        .bind(t)
        .bind(a.id)
        .bind(given.position)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Saves one answer as it is given.
pub async fn save(app: &App, secret: &str, answer: &Answer) -> AppResult<()> {
    let a = attempt(app, secret).await?;
    let mut tx = app.db.begin().await?;
    save_in(&mut tx, &a, std::slice::from_ref(answer)).await?;
    tx.commit().await?;
    Ok(())
}

/// Hands the paper in with the answers sent along (saved first), and scores it. Handing in
/// again returns the result as it was.
pub async fn submit(app: &App, secret: &str, answers: &[Answer], ip: &str) -> AppResult<Paper> {
    let a = attempt(app, secret).await?;
    if a.submitted_at > 0 || now() > a.deadline + GRACE_SECONDS {
        return paper(app, secret).await;
    }
    let mut tx = app.db.begin().await?;
    save_in(&mut tx, &a, answers).await?;
    let scored = sqlx::query(&scoring("$1", "id = $2"))
        .bind(now())
        .bind(a.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if scored == 1 {
        let r = sqlx::query("SELECT name, person_id, score FROM quiz_attempts WHERE id = $1")
            .bind(a.id)
            .fetch_one(&mut *tx)
            .await?;
        let name: String = r.get("name");
        let who = Who { user_id: None, name: &name, ip };
        let detail = json!({"attempt": a.id, "score": r.get::<i64, _>("score")});
        audit::record_as(&mut tx, who, "quiz.submit", "quiz", a.quiz_id, detail).await?;
    }
    tx.commit().await?;
    paper_of(app, a.id).await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyQuiz {
    pub id: i64,
    pub title: String,
    pub questions: i64,
    pub minutes: i64,
    pub standing: Standing,
}

/// The tests addressed to the caller (and the public ones), with where he stands.
pub async fn mine(app: &App, actor: &Actor) -> AppResult<Vec<MyQuiz>> {
    let Ok(person) = super::materials::person_of(app, actor).await else { return Ok(Vec::new()) };
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM quizzes ORDER BY id DESC LIMIT 100")
        .fetch_all(&app.db.pool)
        .await?;
    let mut out = Vec::new();
    for id in ids {
        let Ok((q, Some(_))) = for_taker(app, Some(actor), id).await else { continue };
        out.push(MyQuiz {
            id,
            questions: q.questions(),
            minutes: q.minutes,
            title: q.title,
            standing: standing(app, id, person).await?,
        });
    }
    Ok(out)
}
