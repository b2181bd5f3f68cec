//! The face, page by page, as each kind of user meets it on a 390-pixel phone and on 1366 × 768
//! (the venue screen also at 1920 × 1080): nothing scrolls sideways, the phone header stays
//! compact, the report page stays short, the venue screen shows its code and count at once,
//! and axe-core finds no serious or critical accessibility violation. Every page is
//! photographed into `target/e2e-screenshots/face-*.png`.

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::Value;

use super::{browser_on, click, fill, server, shot, sign_in, sign_out, Screen, PASSWORD};

/// axe-core, installed by `scripts/setup` (npm) outside the repository.
fn axe_source() -> String {
    let path = std::env::var_os("QINGLIAN_AXE").map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| "/root".into());
        home.join(".cache/qinglian/node_modules/axe-core/axe.min.js")
    });
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{}: {e}; run scripts/setup (it installs axe-core from npm)", path.display())
    })
}

/// The demo with its current week, and the ids the tour visits.
struct Demo {
    base: String,
    app: qinglian::services::App,
    _dir: tempfile::TempDir,
    seed: i64,
    live: i64,
    sitting: i64,
    call: i64,
    pledge: i64,
    work: i64,
    task: i64,
    activity: i64,
    person: i64,
    unit: i64,
    material: i64,
    inspection: i64,
    quiz: i64,
}

async fn demo() -> Demo {
    let (base, app, dir) = server().await;
    let live = qinglian::demo::load_current_week(&app, "admin").await.unwrap();
    let one = |sql: String| {
        let pool = app.db.pool.clone();
        async move { sqlx::query_scalar::<_, i64>(&sql).fetch_one(&pool).await.unwrap() }
    };
    let now = qinglian::db::now();
    Demo {
        seed: one("SELECT MIN(id) FROM campaigns".into()).await,
        sitting: one(format!(
            "SELECT s.id FROM sittings s JOIN activities a ON a.id = s.activity_id
             WHERE a.campaign_id = {live} AND s.starts_at <= {now} AND s.ends_at > {now}"
        ))
        .await,
        call: one(format!("SELECT id FROM calls WHERE campaign_id = {live}")).await,
        pledge: one(format!(
            "SELECT p.id FROM pledges p JOIN activities a ON a.id = p.activity_id WHERE a.campaign_id = {live}"
        ))
        .await,
        work: one("SELECT MIN(id) FROM works WHERE published_at > 0".into()).await,
        task: one(format!(
            "SELECT MIN(t.id) FROM tasks t JOIN assignments s ON s.id = t.assignment_id
             JOIN activities a ON a.id = s.activity_id JOIN units u ON u.id = t.unit_id
             WHERE a.campaign_id = {live} AND u.name = '东庄村'"
        ))
        .await,
        activity: one(format!("SELECT MIN(id) FROM activities WHERE campaign_id = {live}")).await,
        person: one(
            "SELECT MIN(p.id) FROM people p JOIN units u ON u.id = p.unit_id WHERE u.name = '东庄村'".into(),
        )
        .await,
        unit: one("SELECT id FROM units WHERE name = '东庄村'".into()).await,
        material: one(format!(
            "SELECT MIN(m.id) FROM materials m JOIN activities a ON a.id = m.activity_id WHERE a.campaign_id = {live}"
        ))
        .await,
        inspection: one("SELECT MIN(id) FROM inspections".into()).await,
        quiz: one("SELECT MIN(id) FROM quizzes".into()).await,
        live,
        base,
        app,
        _dir: dir,
    }
}

/// What one page must hold to, measured in the browser.
async fn measure(c: &Client, axe: &str) -> Value {
    c.execute(axe, vec![]).await.unwrap();
    c.execute_async(
        "const done = arguments[arguments.length - 1];
         const root = document.documentElement;
         const header = document.querySelector('header.top');
         axe.run(document, {resultTypes: ['violations']}).then(r => done({
           scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, height: root.scrollHeight,
           header: header ? header.getBoundingClientRect().height : 0,
           violations: r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
             .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))
         })).catch(e => done({error: String(e)}));",
        vec![],
    )
    .await
    .unwrap()
}

/// Visits `path`, photographs it and checks it; returns the measurements.
async fn page(c: &Client, d: &Demo, axe: &str, size: &str, name: &str, path: &str) -> Value {
    c.goto(&format!("{}{path}", d.base)).await.unwrap();
    c.wait().for_element(Locator::Css("main")).await.unwrap();
    let m = measure(c, axe).await;
    assert!(m.get("error").is_none(), "{path}: axe failed: {m}");
    shot(c, &format!("face-{size}-{name}")).await;
    let (scroll, client) = (m["scrollWidth"].as_i64().unwrap(), m["clientWidth"].as_i64().unwrap());
    assert!(scroll <= client, "{size} {path}: the page scrolls sideways ({scroll} > {client})");
    let violations = m["violations"].as_array().unwrap();
    assert!(violations.is_empty(), "{size} {path}: axe-core finds {violations:?}");
    if size == "phone" && m["header"].as_f64().unwrap() > 0.0 {
        assert!(m["header"].as_f64().unwrap() <= 64.0, "{path}: the phone header is {} px tall", m["header"]);
    }
    m
}

/// The whole tour on one screen size.
async fn tour(d: &Demo, screen: Screen, size: &str) {
    let axe = axe_source();
    let (c, _driver) = browser_on(screen).await;
    let code = d.app.signer.qr_token(d.sitting, qinglian::db::now());

    // The public, without an account.
    for (name, path) in [
        ("portal", "/portal".to_string()),
        ("search", "/portal/search?q=清风".to_string()),
        ("work", format!("/portal/works/{}", d.work)),
        ("pledge", format!("/p/{}", d.pledge)),
        ("wall", format!("/p/{}/wall", d.pledge)),
        ("call", format!("/calls/{}", d.call)),
        ("signin", format!("/s/{code}")),
        ("login", "/login".to_string()),
        ("not-found", "/portal/works/999999".to_string()),
        ("dashboard-public", format!("/portal/campaigns/{}/dashboard", d.seed)),
        ("privacy", "/privacy".to_string()),
        ("signin-number", "/s".to_string()),
    ] {
        page(&c, d, &axe, size, name, &path).await;
    }
    // Larger text (适老化): one tap, remembered from page to page, and still nothing sideways.
    if let Screen::Phone = screen {
        c.goto(&format!("{}/portal", d.base)).await.unwrap();
        c.find(Locator::Css(".menu-button")).await.unwrap().click().await.unwrap();
        c.find(Locator::Css("[data-text-size]")).await.unwrap().click().await.unwrap();
        let large = page(&c, d, &axe, size, "portal-large-text", "/portal").await;
        let font: Value =
            c.execute("return getComputedStyle(document.body).fontSize;", vec![]).await.unwrap();
        assert_eq!(font, "20px", "the larger text carries over to the next page");
        assert!(large["header"].as_f64().unwrap() <= 64.0);
        c.find(Locator::Css(".menu-button")).await.unwrap().click().await.unwrap();
        c.find(Locator::Css("[data-text-size]")).await.unwrap().click().await.unwrap();
    }

    // The phone sign-in page of an open sitting shows the form straight away.
    c.goto(&format!("{}/s/{code}", d.base)).await.unwrap();
    c.find(Locator::Id("signin-form")).await.expect("an open sitting offers the form");

    // Home after sign-in, for each role.
    for user in ["dongzhuang", "pingwei1", "shenji", "jiwei"] {
        sign_in(&c, &d.base, user).await;
        page(&c, d, &axe, size, &format!("home-{user}"), "/").await;
        if user == "dongzhuang" {
            page(&c, d, &axe, size, "task", &format!("/tasks/{}", d.task)).await;
            page(&c, d, &axe, size, "tasks", "/tasks").await;
            page(&c, d, &axe, size, "my-sittings", "/me/sittings").await;
            page(&c, d, &axe, size, "my-materials", "/me/materials").await;
            page(&c, d, &axe, size, "my-quizzes", "/me/quizzes").await;
        }
        if user != "jiwei" {
            sign_out(&c).await;
        }
    }

    // On a phone the navigation opens from one button, with tap targets of at least 44 px.
    if let Screen::Phone = screen {
        c.find(Locator::Css(".menu-button")).await.unwrap().click().await.unwrap();
        let menu: Value = c
            .execute(
                "const nav = document.getElementById('site-nav');
                 const links = [...nav.querySelectorAll('a, button')].filter(a => a.offsetParent);
                 return [getComputedStyle(nav).display, links.length,
                         Math.min(...links.map(a => a.getBoundingClientRect().height))];",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(menu[0], "block", "the menu opens");
        assert!(menu[1].as_i64().unwrap() >= 8 && menu[2].as_f64().unwrap() >= 44.0, "{menu}");
        shot(&c, "face-phone-menu").await;
    }

    // The organiser's pages.
    for (name, path) in [
        ("campaign", format!("/campaigns/{}", d.live)),
        ("campaign-seed", format!("/campaigns/{}", d.seed)),
        ("board", format!("/campaigns/{}/board", d.seed)),
        ("sitting", format!("/sittings/{}", d.sitting)),
        ("statistics", format!("/campaigns/{}/statistics", d.seed)),
        ("integrity", "/integrity/manage".to_string()),
        ("inspections", format!("/campaigns/{}/inspections", d.seed)),
        ("placements", format!("/campaigns/{}/placements", d.seed)),
        ("people", "/people".to_string()),
        ("outbox", "/outbox".to_string()),
        ("call-manage", format!("/calls/{}/manage", d.call)),
        ("activity", format!("/activities/{}", d.activity)),
        ("activity-tasks", format!("/tasks?activity_id={}", d.activity)),
        ("person", format!("/people/{}", d.person)),
        ("unit", format!("/units/{}", d.unit)),
        ("material-revise", format!("/materials/{}/edit", d.material)),
        ("pledge-revise", format!("/pledges/{}/edit", d.pledge)),
        ("inspection", format!("/inspections/{}", d.inspection)),
        ("dashboard", format!("/campaigns/{}/dashboard", d.seed)),
        ("privacy-requests", "/privacy/requests".to_string()),
        ("bank", format!("/campaigns/{}/questions", d.live)),
        ("quiz", format!("/quizzes/{}", d.quiz)),
        ("quiz-results", format!("/quizzes/{}/results", d.quiz)),
    ] {
        page(&c, d, &axe, size, name, &path).await;
    }
    // The corrections further down their pages, scrolled into view.
    for (name, path, form) in [
        ("call-consent", format!("/calls/{}", d.call), "privacy-notice"),
        ("person-leave", format!("/people/{}", d.person), "leave-form"),
        ("unit-merge", format!("/units/{}", d.unit), "unit-merge-form"),
    ] {
        c.goto(&format!("{}{path}", d.base)).await.unwrap();
        c.execute(&format!("document.getElementById('{form}').scrollIntoView();"), vec![]).await.unwrap();
        shot(&c, &format!("face-{size}-{name}")).await;
    }
    // The charts, scrolled into view.
    c.goto(&format!("{}/campaigns/{}/statistics", d.base, d.seed)).await.unwrap();
    c.execute("document.getElementById('chart-days').scrollIntoView();", vec![]).await.unwrap();
    shot(&c, &format!("face-{size}-statistics-chart")).await;
    let report = page(&c, d, &axe, size, "report", &format!("/campaigns/{}/report", d.seed)).await;
    if size == "phone" {
        let height = report["height"].as_i64().unwrap();
        assert!(height < 8000, "the report page is {height} px tall on a phone");
    }

    // The venue screen: code and count in view together, at each projector size.
    let screens: &[(u32, u32)] = match screen {
        Screen::Phone => &[],
        Screen::Desktop(..) => &[(1366, 768), (1920, 1080)],
    };
    for &(w, h) in screens {
        c.set_window_size(w, h).await.unwrap();
        let name = format!("screen-{w}");
        page(&c, d, &axe, size, &name, &format!("/sittings/{}/screen", d.sitting)).await;
        let in_view: Value = c
            .execute(
                "const v = window.innerHeight, w = window.innerWidth;
                 return ['qr', 'present'].map(id => { const r = document.getElementById(id).getBoundingClientRect();
                   return r.bottom <= v && r.right <= w && r.top >= 0; })
                   .concat([document.querySelector('.scan').getBoundingClientRect().bottom <= v]);",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(in_view, serde_json::json!([true, true, true]), "{w}×{h}: code, count and hint in view");
        let title = c.title().await.unwrap();
        assert!(title.contains("签到大屏") && !title.contains("打开"), "{title}");
        // The dashboard fills the screen without scrolling, its tree map drawn.
        let m =
            page(&c, d, &axe, size, &format!("dashboard-{w}"), &format!("/campaigns/{}/dashboard", d.seed))
                .await;
        c.wait().for_element(Locator::Css("#treemap .tile")).await.unwrap();
        shot(&c, &format!("face-{size}-dashboard-{w}-drawn")).await;
        assert!(m["height"].as_i64().unwrap() <= h as i64, "{w}×{h}: the dashboard scrolls: {m}");
    }
    if let Screen::Desktop(w, h) = screen {
        c.set_window_size(w, h).await.unwrap();
    }
    second_factor(&c, d, &axe, size).await;
    c.close().await.unwrap();
}

/// The organiser sets up a second factor from his phone: scans the code (here, the test reads
/// the secret the page shows), confirms it, keeps the recovery codes, and signs in again with
/// password and code.
async fn second_factor(c: &Client, d: &Demo, axe: &str, size: &str) {
    page(c, d, axe, size, "security", "/account/security").await;
    click(c, Locator::Css("form[action='/account/security/begin'] button")).await;
    c.wait().for_element(Locator::Id("totp-secret")).await.unwrap();
    page(c, d, axe, size, "security-enrol", "/account/security").await;
    let secret = c.find(Locator::Id("totp-secret")).await.unwrap().text().await.unwrap();
    let code = |at: i64| qinglian::services::second_factor::code_at(secret.trim(), at as u64).unwrap();
    fill(c, "code", &code(qinglian::db::now())).await;
    click(c, Locator::Css("form[action='/account/security/confirm'] button")).await;
    c.wait().for_element(Locator::Id("recovery-codes")).await.unwrap();
    let codes = c.find_all(Locator::Css("#recovery-codes li")).await.unwrap();
    assert_eq!(codes.len(), 10, "ten recovery codes");
    shot(c, &format!("face-{size}-security-codes")).await;
    sign_out(c).await;
    // The code just used is spent for its 30 seconds; the next sign-in is taken as a later one.
    sqlx::query("UPDATE users SET totp_last_step = 0 WHERE username = 'jiwei'")
        .execute(&d.app.db.pool)
        .await
        .unwrap();
    c.goto(&format!("{}/login", d.base)).await.unwrap();
    fill(c, "username", "jiwei").await;
    fill(c, "password", PASSWORD).await;
    click(c, Locator::Css("form[action='/login'] button[type=submit]")).await;
    c.wait().for_element(Locator::Css("form[action='/login/verify']")).await.unwrap();
    let url = c.current_url().await.unwrap();
    page(c, d, axe, size, "login-verify", &format!("{}?{}", url.path(), url.query().unwrap_or(""))).await;
    fill(c, "code", &code(qinglian::db::now())).await;
    click(c, Locator::Css("form[action='/login/verify'] button")).await;
    c.wait().for_element(Locator::Css(".prior-login")).await.unwrap();
    shot(c, &format!("face-{size}-home-after-second-factor")).await;
    sign_out(c).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_key_page_fits_a_phone_and_passes_axe() {
    let d = demo().await;
    tour(&d, Screen::Phone, "phone").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_key_page_fits_a_desktop_and_passes_axe() {
    let d = demo().await;
    tour(&d, Screen::Desktop(1366, 768), "desktop").await;
}

/// The leadership's dashboard changes by itself when someone signs: no reload, the new signer in
/// the list, masked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_updates_live() {
    let d = demo().await;
    let (c, _driver) = browser_on(Screen::Desktop(1920, 1080)).await;
    let system = qinglian::services::users::system_actor();
    let host = sqlx::query_scalar::<_, i64>("SELECT id FROM units WHERE name = '市委统战部'")
        .fetch_one(&d.app.db.pool)
        .await
        .unwrap();
    let input = qinglian::services::pledges::PledgeInput {
        title: "清廉民企承诺书".into(),
        body: "守法经营，不行贿。".into(),
        host_unit_id: host,
        activity_id: Some(d.activity),
        public: true,
        audience: Default::default(),
    };
    let pledge = qinglian::services::pledges::create(&d.app, &system, input).await.unwrap();
    sign_in(&c, &d.base, "jiwei").await;
    c.goto(&format!("{}/campaigns/{}/dashboard", d.base, d.live)).await.unwrap();
    c.wait().for_element(Locator::Css("#treemap .tile")).await.unwrap();
    let figure = |c: Client| async move {
        c.find(Locator::Id("dash-signatures")).await.unwrap().text().await.unwrap().parse::<i64>().unwrap()
    };
    let before = figure(c.clone()).await;
    let signer = qinglian::services::pledges::SignInput {
        name: "黄建明".into(),
        org: "清河绿源食品有限公司".into(),
        phone: "13760000099".into(),
        strokes: "[[[100,200],[300,100],[500,250]]]".into(),
        consent: true,
        ..Default::default()
    };
    qinglian::services::pledges::sign(&d.app, pledge, signer, None, "10.0.0.9").await.unwrap();
    let mut now = before;
    for _ in 0..40 {
        now = figure(c.clone()).await;
        if now > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(now, before + 1, "the count rose without a reload");
    let latest = c.find(Locator::Id("latest")).await.unwrap().text().await.unwrap();
    assert!(latest.contains("黄*明") && !latest.contains("黄建明"), "{latest}");
    shot(&c, "face-desktop-dashboard-live").await;
    c.close().await.unwrap();
}

/// A sitting that has ended shows no code on the venue screen and says so before the phone's form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_sitting_says_so_on_the_screen_and_the_phone() {
    let d = demo().await;
    let (c, _driver) = browser_on(Screen::Desktop(1366, 768)).await;
    let code = d.app.signer.qr_token(d.sitting, qinglian::db::now());
    sqlx::query("UPDATE sittings SET ends_at = $1 WHERE id = $2")
        .bind(qinglian::db::now() - 60)
        .bind(d.sitting)
        .execute(&d.app.db.pool)
        .await
        .unwrap();
    // The sitting's end moves into the past, as if the clock had run on.
    sign_in(&c, &d.base, "jiwei").await;
    c.goto(&format!("{}/sittings/{}/screen", d.base, d.sitting)).await.unwrap();
    let state = c.find(Locator::Id("screen-state")).await.unwrap().text().await.unwrap();
    assert_eq!(state, "本场签到已结束");
    assert!(c.find(Locator::Id("qr")).await.is_err(), "no code on a finished sitting");
    shot(&c, "face-desktop-screen-finished").await;
    c.goto(&format!("{}/s/{code}", d.base)).await.unwrap();
    let text = c.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
    assert!(text.contains("本场签到已结束"), "{text}");
    assert!(c.find(Locator::Id("signin-form")).await.is_err(), "no form to fill in for nothing");
    c.close().await.unwrap();
}
