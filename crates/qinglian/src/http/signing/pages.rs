//! Pages of study materials and pledges: publishing, reading and signing (with a drawn or typed
//! signature), the public pledge page and signature wall, signed copies, verification, and the
//! check of the signature chain.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};

use crate::error::AppError;
use crate::http::common::{
    anonymous_page, base_url, check_page, inline_file, read_multipart, render, see_other, uploaded_file,
    xlsx_download, Caller, CodeQuery, Ctx, Fields, Notice, PageActor, PageError, Pairs, Share,
};
use crate::i18n;
use crate::services::audience::Audience;
use crate::services::{audit, materials, people, pledges, privacy, revisions, signatures, units, App};

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/activities/{id}/materials", post(create_material))
        .route("/materials/{id}", get(material_page))
        .route("/materials/{id}/sign", post(sign_material))
        .route("/materials/{id}/edit", get(material_edit).post(revise_material))
        .route("/pledges/{id}/edit", get(pledge_edit).post(revise_pledge))
        .route("/materials/{id}/file", get(material_file))
        .route("/materials/{id}/progress", get(material_progress))
        .route("/materials/{id}/progress.xlsx", get(material_xlsx))
        .route("/materials/{id}/ledger", post(material_ledger))
        .route("/pledges/{id}/progress", get(pledge_progress))
        .route("/pledges/{id}/progress.xlsx", get(pledge_xlsx))
        .route("/pledges/{id}/ledger", post(pledge_ledger))
        .route("/materials/{id}/remind", post(remind))
        .route("/materials/{id}/paper", post(deliver_paper))
        .route("/me/materials", get(my_materials))
        .route("/pledges", get(pledges_page).post(create_pledge))
        .route("/pledges/{id}/status", post(pledge_status))
        .route("/p/{id}", get(pledge_form).post(sign_pledge))
        .route("/p/{id}/wall", get(wall))
        .route("/p/{id}/qr.svg", get(pledge_qr))
        .route("/signatures/{file}", get(signature_file))
        .route("/check", get(check))
        .route("/admin/chain", get(chain))
        .route("/admin/signatures/withdraw", post(withdraw))
}

type PageResult = Result<Response, PageError>;

fn audience_from(f: &Fields) -> Audience {
    let party = match f.get("party") {
        "1" => Some(true),
        "0" => Some(false),
        _ => None,
    };
    Audience {
        unit_id: f.get("audience_unit_id").parse().ok(),
        ranks: f.all("ranks"),
        party,
        person_ids: Vec::new(),
    }
}

// ---- materials ----

/// The minimum reading time a material's form asks for; blank, none.
fn reading_seconds(f: &Fields) -> Result<i64, AppError> {
    if f.get("min_read_seconds").trim().is_empty() {
        return Ok(0);
    }
    f.int("min_read_seconds", "err.number")
}

async fn create_material(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(activity): Path<i64>,
    mp: Multipart,
) -> PageResult {
    let (f, mut files) = read_multipart(mp).await?;
    let input = materials::MaterialInput {
        title: f.get("title").to_string(),
        kind: f.get("kind").to_string(),
        body: f.get("body").to_string(),
        link: f.get("link").to_string(),
        delivery: f.get("delivery").to_string(),
        due_date: f.get("due_date").to_string(),
        min_read_seconds: reading_seconds(&f)?,
        host_unit_id: f.int("host_unit_id", "err.unit_unknown")?,
        audience: audience_from(&f),
    };
    let id = materials::create(&app, &actor, activity, input, files.pop()).await?;
    Ok(see_other(&format!("/materials/{id}/progress?ok=ok.material_added")))
}

#[derive(Template)]
#[template(path = "material.html")]
struct MaterialPage {
    ctx: Ctx,
    m: materials::Material,
    addressed: bool,
    signed: Option<String>,
    wait: i64,
    error: Option<String>,
}

async fn material_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let (m, person) = materials::for_reader(&app, &actor, id).await?;
    material_view(&app, &caller, m, person, None, StatusCode::OK).await
}

async fn material_view(
    app: &App,
    caller: &Caller,
    m: materials::Material,
    person: Option<i64>,
    error: Option<String>,
    status: StatusCode,
) -> PageResult {
    let (mut wait, mut signed) = (0, None);
    if let Some(p) = person {
        let opened = materials::open(app, m.id, p).await?;
        wait = (opened + m.min_read_seconds - crate::db::now()).max(0);
        signed = materials::signed_code(app, m.id, p).await?;
    }
    let mut resp = render(&MaterialPage {
        ctx: Ctx::new(caller, None),
        addressed: person.is_some(),
        m,
        signed,
        wait,
        error,
    });
    *resp.status_mut() = status;
    Ok(resp)
}

async fn sign_material(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let input = materials::ReaderSignature {
        strokes: f.get("strokes").to_string(),
        typed: f.get("typed") == "1",
        version: f.get("version").parse().ok(),
    };
    match materials::sign(&app, &actor, id, &input).await {
        Ok(_) => Ok(see_other(&format!("/materials/{id}?ok=ok.signed"))),
        Err(e) => {
            let (m, person) = materials::for_reader(&app, &actor, id).await?;
            material_view(&app, &caller, m, person, Some(e.message(i18n::current())), e.status()).await
        }
    }
}

async fn material_file(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let (m, bytes) = materials::file(&app, &actor, id).await?;
    Ok(uploaded_file(m.file_type, &m.file_name, bytes))
}

/// The reach of a material or an audience pledge.
#[derive(Template)]
#[template(path = "reach.html")]
struct ReachPage {
    ctx: Ctx,
    title: String,
    /// "/materials/5" or "/pledges/3": where its actions live.
    base: String,
    back: String,
    is_material: bool,
    paper: bool,
    ledger_entry_id: Option<i64>,
    p: crate::services::reach::Progress,
}

async fn material_progress(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> PageResult {
    let p = materials::progress(&app, &actor, id).await?;
    let m = materials::get(&app, id).await?;
    Ok(render(&ReachPage {
        ctx: Ctx::new(&caller, n.ok.as_deref()),
        title: m.title.clone(),
        base: format!("/materials/{id}"),
        back: format!("/activities/{}", m.activity_id),
        is_material: true,
        paper: m.delivery == "paper",
        ledger_entry_id: m.ledger_entry_id,
        p,
    }))
}

async fn pledge_progress(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> PageResult {
    let p = pledges::progress(&app, &actor, id).await?;
    let g = pledges::get(&app, id).await?;
    Ok(render(&ReachPage {
        ctx: Ctx::new(&caller, n.ok.as_deref()),
        title: g.title.clone(),
        base: format!("/pledges/{id}"),
        back: "/pledges".into(),
        is_material: false,
        paper: false,
        ledger_entry_id: g.ledger_entry_id,
        p,
    }))
}

async fn material_xlsx(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let p = materials::progress(&app, &actor, id).await?;
    let m = materials::get(&app, id).await?;
    let bytes = crate::services::reach::xlsx(&m.title, &p)?;
    audit::bulk_read(&app.db, &actor, "material_progress", ("material", id), p.unsigned.len() as u32).await?;
    Ok(xlsx_download(&format!("material-{id}"), bytes))
}

async fn pledge_xlsx(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let p = pledges::progress(&app, &actor, id).await?;
    let g = pledges::get(&app, id).await?;
    let bytes = crate::services::reach::xlsx(&g.title, &p)?;
    audit::bulk_read(&app.db, &actor, "pledge_progress", ("pledge", id), p.unsigned.len() as u32).await?;
    Ok(xlsx_download(&format!("pledge-{id}"), bytes))
}

async fn material_ledger(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let entry = materials::file_ledger(&app, &actor, id).await?;
    Ok(see_other(&format!("/entries/{entry}?ok=ok.entry_filed")))
}

async fn pledge_ledger(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    let entry = pledges::file_ledger(&app, &actor, id).await?;
    Ok(see_other(&format!("/entries/{entry}?ok=ok.entry_filed")))
}

async fn remind(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
) -> PageResult {
    materials::remind(&app, &actor, id).await?;
    Ok(see_other(&format!("/materials/{id}/progress?ok=ok.reminded")))
}

async fn deliver_paper(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    materials::deliver_paper(&app, &actor, id, Fields(f).int("person_id", "err.not_in_audience")?).await?;
    Ok(see_other(&format!("/materials/{id}/progress?ok=ok.saved")))
}

#[derive(Template)]
#[template(path = "my_materials.html")]
struct MinePage {
    ctx: Ctx,
    list: Vec<materials::MyMaterial>,
}

async fn my_materials(State(app): State<App>, PageActor { actor, caller }: PageActor) -> PageResult {
    Ok(render(&MinePage { ctx: Ctx::new(&caller, None), list: materials::mine(&app, &actor).await? }))
}

// ---- corrections: a new version of what is signed ----

/// The correction form of a material or a pledge, with the versions kept so far.
#[derive(Template)]
#[template(path = "revise.html")]
struct RevisePage {
    ctx: Ctx,
    /// "/materials/5" or "/pledges/3".
    base: String,
    back: String,
    is_material: bool,
    title: String,
    body: String,
    link: String,
    due_date: String,
    min_read_seconds: i64,
    version: i64,
    versions: Vec<revisions::Version>,
}

async fn material_edit(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> PageResult {
    let (m, versions) = materials::with_versions(&app, &actor, id).await?;
    Ok(render(&RevisePage {
        ctx: Ctx::new(&caller, n.ok.as_deref()),
        base: format!("/materials/{id}"),
        back: format!("/materials/{id}/progress"),
        is_material: true,
        title: m.title,
        body: m.body,
        link: m.link,
        due_date: m.due_date,
        min_read_seconds: m.min_read_seconds,
        version: m.version,
        versions,
    }))
}

async fn revise_material(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let input = materials::MaterialRevision {
        title: f.get("title").to_string(),
        body: f.get("body").to_string(),
        link: f.get("link").to_string(),
        due_date: f.get("due_date").to_string(),
        min_read_seconds: reading_seconds(&f)?,
        version: f.int("version", "err.changed_meanwhile")?,
    };
    materials::revise(&app, &actor, id, input).await?;
    Ok(see_other(&format!("/materials/{id}/edit?ok=ok.saved")))
}

async fn pledge_edit(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> PageResult {
    let (p, versions) = pledges::with_versions(&app, &actor, id).await?;
    Ok(render(&RevisePage {
        ctx: Ctx::new(&caller, n.ok.as_deref()),
        base: format!("/pledges/{id}"),
        back: "/pledges".into(),
        is_material: false,
        title: p.title,
        body: p.body,
        link: String::new(),
        due_date: String::new(),
        min_read_seconds: 0,
        version: p.version,
        versions,
    }))
}

async fn revise_pledge(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let input = pledges::PledgeRevision {
        title: f.get("title").to_string(),
        body: f.get("body").to_string(),
        version: f.int("version", "err.changed_meanwhile")?,
    };
    pledges::revise(&app, &actor, id, input).await?;
    Ok(see_other(&format!("/pledges/{id}/edit?ok=ok.saved")))
}

// ---- pledges ----

#[derive(Template)]
#[template(path = "pledges.html")]
struct PledgesPage {
    ctx: Ctx,
    list: Vec<pledges::PledgeRow>,
    units: Vec<units::Unit>,
    ranks: Vec<String>,
}

async fn pledges_page(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Query(n): Query<Notice>,
) -> PageResult {
    Ok(render(&PledgesPage {
        ctx: Ctx::new(&caller, n.ok.as_deref()),
        list: pledges::list(&app).await?,
        units: units::visible(&app, &actor).await?,
        ranks: people::ranks(&app).await?,
    }))
}

async fn create_pledge(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let input = pledges::PledgeInput {
        title: f.get("title").to_string(),
        body: f.get("body").to_string(),
        host_unit_id: f.int("host_unit_id", "err.unit_unknown")?,
        activity_id: f.get("activity_id").parse().ok(),
        public: f.get("public") == "1",
        audience: audience_from(&f),
    };
    pledges::create(&app, &actor, input).await?;
    Ok(see_other("/pledges?ok=ok.pledge_added"))
}

async fn pledge_status(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Path(id): Path<i64>,
    Form(f): Form<Pairs>,
) -> PageResult {
    pledges::set_status(&app, &actor, id, Fields(f).get("open") == "1").await?;
    Ok(see_other("/pledges?ok=ok.saved"))
}

#[derive(Template)]
#[template(path = "pledge_sign.html")]
struct SignPage {
    ctx: Ctx,
    p: pledges::Pledge,
    error: Option<String>,
    done: Option<signatures::Signed>,
    name: String,
    org: String,
    /// What a chat shows when the pledge's link is shared.
    share: Share,
    /// The notice over the form; looked up only when the form is shown.
    notice: Option<privacy::Notice>,
}

fn sign_page(caller: &Caller, page: SignPage, status: StatusCode) -> Response {
    anonymous_page(caller, status, |ctx| render(&SignPage { ctx, ..page }))
}

/// The share card of a pledge's page: its title and its first line.
fn pledge_share(headers: &HeaderMap, caller: &Caller, p: &pledges::Pledge) -> Share {
    let line = p.body.lines().next().unwrap_or_default();
    Share::new(headers, caller, &format!("/p/{}", p.id), &p.title, line)
}

async fn pledge_form(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> PageResult {
    let p = pledges::get(&app, id).await?;
    let page = SignPage {
        ctx: Ctx::new(&caller, None),
        notice: Some(privacy::notice_for(&app, privacy::Form::Pledge, id).await?),
        share: pledge_share(&headers, &caller, &p),
        p,
        error: None,
        done: None,
        name: String::new(),
        org: String::new(),
    };
    Ok(sign_page(&caller, page, StatusCode::OK))
}

async fn sign_pledge(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    let p = pledges::get(&app, id).await?;
    let input = pledges::SignInput {
        name: f.get("name").to_string(),
        org: f.get("org").to_string(),
        phone: f.get("phone").to_string(),
        strokes: f.get("strokes").to_string(),
        typed: f.get("typed") == "1",
        version: f.get("version").parse().ok(),
        consent: f.get("consent") == "1",
        notice: Some(f.get("notice").to_string()),
    };
    let page = SignPage {
        ctx: Ctx::new(&caller, None),
        notice: None,
        share: pledge_share(&headers, &caller, &p),
        p,
        error: None,
        done: None,
        name: input.name.clone(),
        org: input.org.clone(),
    };
    Ok(match pledges::sign(&app, id, input, caller.actor.as_ref(), &caller.ip).await {
        Ok(done) => sign_page(&caller, SignPage { done: Some(done), ..page }, StatusCode::OK),
        Err(e) => {
            // The form comes back, with its notice.
            let notice = Some(privacy::notice_for(&app, privacy::Form::Pledge, id).await?);
            let page = SignPage { error: Some(e.message(i18n::current())), notice, ..page };
            sign_page(&caller, page, e.status())
        }
    })
}

#[derive(Template)]
#[template(path = "wall.html")]
struct WallPage {
    ctx: Ctx,
    w: pledges::Wall,
    link: String,
}

async fn wall(State(app): State<App>, caller: Caller, Path(id): Path<i64>, headers: HeaderMap) -> PageResult {
    let w = pledges::wall(&app, id).await?;
    let link = format!("{}/p/{id}", base_url(&headers, &caller));
    Ok(render(&WallPage { ctx: Ctx::new(&caller, None), w, link }))
}

/// The share code of a pledge: its public signing page.
async fn pledge_qr(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    pledges::get(&app, id).await?;
    let url = format!("{}/p/{id}", base_url(&headers, &caller));
    let code = qrcode::QrCode::new(url.as_bytes()).map_err(|e| AppError::Internal(e.to_string()))?;
    let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(240, 240).build();
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

/// `/signatures/{code}.pdf` (the signed copy) and `/signatures/{code}.svg` (the signature).
async fn signature_file(
    State(app): State<App>,
    caller: Caller,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> PageResult {
    if let Some(code) = file.strip_suffix(".pdf") {
        let verify = format!("{}/check?code={code}", base_url(&headers, &caller));
        let bytes = pledges::signed_pdf(&app, code, &verify).await?;
        return Ok(inline_file("application/pdf".into(), &format!("signed-{code}.pdf"), bytes));
    }
    let code = file.strip_suffix(".svg").ok_or(AppError::NotFound)?;
    let s = signatures::by_code(&app, code).await?;
    if s.anonymised {
        return Err(AppError::NotFound.into());
    }
    // Drawn here from strokes, never taken from a client; served with a strict type all the same.
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'"),
        ],
        s.svg,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "check.html")]
struct CheckPage {
    ctx: Ctx,
    code: String,
    found: Option<signatures::SignatureView>,
    searched: bool,
}

/// Public: anyone can check a signed copy's code.
async fn check(State(app): State<App>, caller: Caller, Query(q): Query<CodeQuery>) -> Response {
    let code = q.code();
    let searched = !code.is_empty();
    let found = if searched { signatures::by_code(&app, &code).await.ok() } else { None };
    let hit = found.is_some();
    check_page(&CheckPage { ctx: Ctx::new(&caller, None), code, found, searched }, searched, hit)
}

#[derive(Template)]
#[template(path = "chain.html")]
struct ChainPage {
    ctx: Ctx,
    r: signatures::ChainReport,
    audit: crate::services::audit::AuditChainReport,
}

async fn chain(
    State(app): State<App>,
    PageActor { actor, caller }: PageActor,
    Query(n): Query<Notice>,
) -> PageResult {
    actor.require_admin()?;
    let r = signatures::verify_chain(&app).await?;
    let audit = crate::services::audit::verify_chain(&app.db).await?;
    Ok(render(&ChainPage { ctx: Ctx::new(&caller, n.ok.as_deref()), r, audit }))
}

async fn withdraw(
    State(app): State<App>,
    PageActor { actor, .. }: PageActor,
    Form(f): Form<Pairs>,
) -> PageResult {
    let f = Fields(f);
    pledges::withdraw(&app, &actor, f.get("code"), f.get("reason")).await?;
    Ok(see_other("/admin/chain?ok=ok.withdrawn"))
}
