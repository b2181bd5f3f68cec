//! Pages of the knowledge tests: the campaign's question bank (typed in, corrected, retired,
//! imported), a test added to an activity, its start page (a public test asks name, phone and
//! consent), the paper (answers saved as they are given), the result with its explanations, and
//! the results with their workbook and ledger entry.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::error::AppError;
use crate::http::common::{
    anonymous_page, cookie, read_multipart, render, see_other, set_cookie, with_cookies, xlsx_download,
    Caller, Ctx, Fields, Notice, PageActor, PageResult, Pairs,
};
use crate::i18n;
use crate::services::audience::Audience;
use crate::services::quiz::{self, bank, results};
use crate::services::{audit, campaigns, privacy, App};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/campaigns/{id}/questions", get(bank_page).post(add_question))
        .route("/campaigns/{id}/questions/import", post(import_bank))
        .route("/questions/{id}/edit", get(question_edit).post(revise_question))
        .route("/questions/{id}/retire", post(retire_question))
        .route("/activities/{id}/quizzes", post(create_quiz))
        .route("/quizzes/{id}", get(quiz_page).post(start_quiz))
        .route("/quizzes/{id}/results", get(results_page))
        .route("/quizzes/{id}/results.xlsx", get(results_xlsx))
        .route("/quizzes/{id}/ledger", post(quiz_ledger))
        .route("/quiz/{secret}", get(paper_page).post(submit_paper))
        .route("/quiz/{secret}/answer", post(save_answer))
        .route("/me/quizzes", get(my_quizzes))
}

// ---- the bank ----

#[derive(Deserialize, Default)]
struct BankQuery {
    #[serde(default)]
    category: String,
    ok: Option<String>,
}

#[derive(Template)]
#[template(path = "bank.html")]
struct BankPage {
    ctx: Ctx,
    campaign: campaigns::Campaign,
    categories: Vec<bank::Category>,
    category: String,
    questions: Vec<bank::Question>,
    /// What an import brought, or why a form came back.
    report: Option<bank::BankImport>,
    error: Option<String>,
    form: QuestionForm,
}

/// The add form as it was sent, to come back with an error.
#[derive(Default, Clone)]
struct QuestionForm {
    category: String,
    kind: String,
    stem: String,
    options: Vec<String>,
    answer: String,
    explanation: String,
    source: String,
}

impl QuestionForm {
    fn from_fields(f: &Fields) -> QuestionForm {
        QuestionForm {
            category: f.get("category").to_string(),
            kind: f.get("kind").to_string(),
            stem: f.get("stem").to_string(),
            options: (0..bank::MAX_OPTIONS).map(|i| f.get(&format!("option{i}")).to_string()).collect(),
            answer: f.get("answer").to_string(),
            explanation: f.get("explanation").to_string(),
            source: f.get("source").to_string(),
        }
    }
    fn from_question(q: &bank::Question) -> QuestionForm {
        let mut options = if q.kind == "judge" { Vec::new() } else { q.options.clone() };
        options.resize(bank::MAX_OPTIONS, String::new());
        QuestionForm {
            category: q.category.clone(),
            kind: q.kind.clone(),
            stem: q.stem.clone(),
            options,
            answer: q.answer_text(),
            explanation: q.explanation.clone(),
            source: q.source.clone(),
        }
    }
    fn input(&self) -> bank::QuestionInput {
        bank::QuestionInput {
            category: self.category.clone(),
            kind: self.kind.clone(),
            stem: self.stem.clone(),
            options: self.options.clone(),
            answer: self.answer.clone(),
            explanation: self.explanation.clone(),
            source: self.source.clone(),
        }
    }
    fn blank() -> QuestionForm {
        QuestionForm {
            kind: "single".into(),
            options: vec![String::new(); bank::MAX_OPTIONS],
            ..Default::default()
        }
    }
    /// The option fields shown: four, or as many as are filled.
    pub fn shown_options(&self) -> Vec<(usize, char, String)> {
        let filled = self.options.iter().rposition(|o| !o.trim().is_empty()).map_or(0, |i| i + 1);
        (0..filled.max(4))
            .map(|i| (i, bank::letter(i), self.options.get(i).cloned().unwrap_or_default()))
            .collect()
    }
}

async fn bank_view(
    app: &App,
    caller: &Caller,
    campaign: i64,
    category: String,
    outcome: (Option<bank::BankImport>, Option<String>, QuestionForm),
    notice: Option<&str>,
) -> Result<BankPage, AppError> {
    let actor = caller.actor.as_ref().ok_or(AppError::Unauthorized)?;
    let questions = bank::list(app, actor, campaign, Some(&category)).await?;
    let (report, error, form) = outcome;
    Ok(BankPage {
        ctx: Ctx::new(caller, notice),
        campaign: campaigns::get(app, campaign).await?,
        categories: bank::categories(app, campaign).await?,
        category,
        questions,
        report,
        error,
        form,
    })
}

async fn bank_page(
    State(app): State<App>,
    PageActor { caller, .. }: PageActor,
    Path(id): Path<i64>,
    Query(q): Query<BankQuery>,
) -> PageResult {
    let page = bank_view(&app, &caller, id, q.category, (None, None, QuestionForm::blank()), q.ok.as_deref())
        .await?;
    Ok(render(&page))
}

async fn add_question(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let form = QuestionForm::from_fields(&Fields(f));
    match bank::add(&app, &actor, id, &form.input()).await {
        Ok(_) => Ok(see_other(&format!("/campaigns/{id}/questions?ok=ok.question_added#bank"))),
        Err(e) => {
            let message = Some(e.message(i18n::current()));
            let page = bank_view(&app, &caller, id, String::new(), (None, message, form), None).await?;
            let mut resp = render(&page);
            *resp.status_mut() = e.status();
            Ok(resp)
        }
    }
}

async fn import_bank(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    let (f, mut files) = read_multipart(mp).await?;
    let file = files.pop().ok_or_else(|| AppError::invalid("file", crate::i18n::Msg::new("err.required")))?;
    let (outcome, status) =
        match bank::import(&app, &actor, id, (&file.file_name, &file.bytes), f.get("category")).await {
            Ok(report) => ((Some(report), None, QuestionForm::blank()), StatusCode::OK),
            Err(e) => ((None, Some(e.message(i18n::current())), QuestionForm::blank()), e.status()),
        };
    let page = bank_view(&app, &caller, id, String::new(), outcome, None).await?;
    let mut resp = render(&page);
    *resp.status_mut() = status;
    Ok(resp)
}

#[derive(Template)]
#[template(path = "question_edit.html")]
struct QuestionEdit {
    ctx: Ctx,
    q: bank::Question,
    form: QuestionForm,
    error: Option<String>,
}

async fn question_edit(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let q = bank::get(&app, id).await?;
    actor.require_organiser()?;
    Ok(render(&QuestionEdit {
        ctx: Ctx::new(&caller, None),
        form: QuestionForm::from_question(&q),
        q,
        error: None,
    }))
}

async fn revise_question(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let form = QuestionForm::from_fields(&Fields(f));
    match bank::revise(&app, &actor, id, &form.input()).await {
        Ok(()) => {
            let q = bank::get(&app, id).await?;
            Ok(see_other(&format!("/campaigns/{}/questions?ok=ok.question_saved#q{id}", q.campaign_id)))
        }
        Err(e) => {
            let q = bank::get(&app, id).await?;
            let page = QuestionEdit {
                ctx: Ctx::new(&caller, None),
                q,
                form,
                error: Some(e.message(i18n::current())),
            };
            let mut resp = render(&page);
            *resp.status_mut() = e.status();
            Ok(resp)
        }
    }
}

async fn retire_question(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let retired = Fields(f).get("retired") == "1";
    bank::retire(&app, &actor, id, retired).await?;
    let q = bank::get(&app, id).await?;
    Ok(see_other(&format!("/campaigns/{}/questions?ok=ok.question_saved#q{id}", q.campaign_id)))
}

// ---- a test ----

/// The draw as the activity's form sends it: one count per category of the bank.
fn draw_from(f: &Fields) -> Result<Vec<quiz::Draw>, AppError> {
    let counts = f.all("draw_count");
    f.all("draw_category")
        .into_iter()
        .zip(counts)
        .filter(|(_, n)| !n.trim().is_empty())
        .map(|(category, n)| {
            let count =
                n.trim().parse().map_err(|_| AppError::invalid("draw", i18n::Msg::new("err.number")))?;
            Ok(quiz::Draw { category, count })
        })
        .collect()
}

async fn create_quiz(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(activity): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let party = match f.get("party") {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    };
    let input = quiz::QuizInput {
        title: f.get("title").to_string(),
        intro: f.get("intro").to_string(),
        draw: draw_from(&f)?,
        minutes: f.int("minutes", "err.number")?,
        attempts: f.int("attempts", "err.number")?,
        pass_score: f.int("pass_score", "err.number")?,
        host_unit_id: f.int("host_unit_id", "err.unit_unknown")?,
        public: f.get("public") == "1",
        audience: Audience {
            unit_id: f.get("audience_unit_id").parse().ok(),
            ranks: f.all("ranks"),
            party,
            person_ids: Vec::new(),
        },
    };
    let id = quiz::create(&app, &actor, activity, input).await?;
    Ok(see_other(&format!("/quizzes/{id}/results?ok=ok.quiz_added")))
}

#[derive(Template)]
#[template(path = "quiz.html")]
struct QuizPage {
    ctx: Ctx,
    q: quiz::Quiz,
    /// The caller takes it as his roster entry.
    member: bool,
    standing: quiz::Standing,
    /// The caller runs it: the results are his to see.
    runs: bool,
    notice: Option<privacy::Notice>,
    error: Option<String>,
    name: String,
}

async fn quiz_view(
    app: &App,
    caller: &Caller,
    id: i64,
    error: Option<(String, StatusCode)>,
    name: String,
) -> PageResult {
    let (q, person) = quiz::for_taker(app, caller.actor.as_ref(), id).await?;
    let standing = match &person {
        Some((p, _)) => quiz::standing(app, id, *p).await?,
        None => quiz::Standing::default(),
    };
    let runs = caller.actor.as_ref().is_some_and(|a| a.covers(&q.host_path) || a.campaign_wide());
    let notice = if q.public && person.is_none() {
        Some(privacy::notice_for(app, privacy::Form::Quiz, id).await?)
    } else {
        None
    };
    let (error, status) = match error {
        Some((e, s)) => (Some(e), s),
        None => (None, StatusCode::OK),
    };
    let page = QuizPage {
        ctx: Ctx::new(caller, None),
        member: person.is_some(),
        q,
        standing,
        runs,
        notice,
        error,
        name,
    };
    Ok(anonymous_page(caller, status, |ctx| render(&QuizPage { ctx, ..page })))
}

async fn quiz_page(State(app): State<App>, caller: Caller, Path(id): Path<i64>) -> PageResult {
    quiz_view(&app, &caller, id, None, String::new()).await
}

async fn start_quiz(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: axum::http::HeaderMap,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    // The browser that started a public paper keeps its secret, the only key to take it up again.
    let held = format!("ql_paper_{id}");
    let public = quiz::PublicTaker {
        name: f.get("name").to_string(),
        phone: f.get("phone").to_string(),
        consent: f.get("consent") == "1",
        notice: Some(f.get("notice").to_string()),
        resume: cookie(&headers, &held),
    };
    match quiz::start(&app, caller.actor.as_ref(), id, &public, &caller.ip).await {
        Ok(secret) if caller.actor.is_none() => Ok(with_cookies(
            see_other(&format!("/quiz/{secret}")),
            &[set_cookie(&held, &secret, "Lax", Some(86_400), caller.secure)],
        )),
        Ok(secret) => Ok(see_other(&format!("/quiz/{secret}"))),
        Err(e) => {
            let status = e.status();
            quiz_view(&app, &caller, id, Some((e.message(i18n::current()), status)), public.name).await
        }
    }
}

#[derive(Template)]
#[template(path = "paper.html")]
struct PaperPage {
    ctx: Ctx,
    secret: String,
    p: quiz::Paper,
    error: Option<String>,
}

fn paper_view(
    caller: &Caller,
    secret: String,
    p: quiz::Paper,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let page = PaperPage { ctx: Ctx::new(caller, None), secret, p, error };
    let mut resp = anonymous_page(caller, status, |ctx| render(&PaperPage { ctx, ..page }));
    // The paper's address is its key: no cache keeps it, no other site is told it.
    resp.headers_mut()
        .insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    resp
}

async fn paper_page(State(app): State<App>, caller: Caller, Path(secret): Path<String>) -> PageResult {
    let p = quiz::paper(&app, &secret).await?;
    Ok(paper_view(&caller, secret, p, None, StatusCode::OK))
}

/// The answers of a paper's form: `q<position>` once per option chosen.
fn answers_from(f: &Fields, p: &quiz::Paper) -> Vec<quiz::Answer> {
    p.items
        .iter()
        .map(|i| quiz::Answer {
            position: i.position,
            answer: f.all(&format!("q{}", i.position)).iter().filter_map(|v| v.parse().ok()).collect(),
        })
        .collect()
}

async fn submit_paper(
    State(app): State<App>,
    caller: Caller,
    Path(secret): Path<String>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let before = quiz::paper(&app, &secret).await?;
    let answers = answers_from(&f, &before);
    match quiz::submit(&app, &secret, &answers, &caller.ip).await {
        Ok(_) => Ok(see_other(&format!("/quiz/{secret}"))),
        Err(e) => Ok(paper_view(&caller, secret, before, Some(e.message(i18n::current())), e.status())),
    }
}

/// One answer saved as it is given (the paper's script); 204, or the refusal's message.
async fn save_answer(State(app): State<App>, Path(secret): Path<String>, Form(f): Form<Pairs>) -> Response {
    let f = Fields(f);
    let answer = quiz::Answer {
        position: f.get("position").parse().unwrap_or(0),
        answer: f.all("answer").iter().filter_map(|v| v.parse().ok()).collect(),
    };
    match quiz::save(&app, &secret, &answer).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => (e.status(), e.message(i18n::current())).into_response(),
    }
}

// ---- results ----

#[derive(Template)]
#[template(path = "quiz_results.html")]
struct ResultsPage {
    ctx: Ctx,
    q: quiz::Quiz,
    r: results::Results,
}

async fn results_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> PageResult {
    let (q, r) = results::results(&app, &actor, id).await?;
    Ok(render(&ResultsPage { ctx: Ctx::new(&caller, n.ok.as_deref()), q, r }))
}

async fn results_xlsx(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let (q, r) = results::results(&app, &actor, id).await?;
    let bytes = results::xlsx(&q, &r)?;
    audit::bulk_read(&app.db, &actor, "quiz_results", ("quiz", id), r.people.len() as u32).await?;
    Ok(xlsx_download(&format!("quiz-{id}"), bytes))
}

async fn quiz_ledger(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let entry = results::file_ledger(&app, &actor, id).await?;
    Ok(see_other(&format!("/entries/{entry}?ok=ok.entry_filed")))
}

#[derive(Template)]
#[template(path = "my_quizzes.html")]
struct MyQuizzes {
    ctx: Ctx,
    quizzes: Vec<quiz::MyQuiz>,
}

async fn my_quizzes(State(app): State<App>, PageActor { actor, caller }: PageActor) -> PageResult {
    Ok(render(&MyQuizzes { ctx: Ctx::new(&caller, None), quizzes: quiz::mine(&app, &actor).await? }))
}
