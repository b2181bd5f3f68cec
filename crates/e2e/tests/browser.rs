//! The key user flow in a real browser, as the foundation issue tells it: an organiser signs in,
//! sees the campaign, assigns a task to every unit; a unit administrator files a ledger entry
//! with a photo; the organiser returns it; the unit sees the comment; the board changes.
//! Screenshots of each step go to `target/e2e-screenshots/` for people to look at.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

#[path = "browser/face.rs"]
mod face;

const PASSWORD: &str = "E2e#2022pass";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// How the browser presents itself: a phone (390 × 844, touch, mobile user agent) or a desktop
/// window of the given size.
#[derive(Clone, Copy)]
enum Screen {
    Phone,
    Desktop(u32, u32),
}

async fn browser() -> (Client, Driver) {
    browser_on(Screen::Phone).await
}

async fn browser_on(screen: Screen) -> (Client, Driver) {
    for bin in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
        assert!(
            Path::new(bin).exists(),
            "{bin} is missing: run scripts/setup (it installs Debian's chromium and chromium-driver)"
        );
    }
    let port = free_port();
    let child = Command::new("/usr/bin/chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    let profile = tempfile::tempdir().unwrap().keep();
    let (width, height) = match screen {
        Screen::Phone => (390, 844),
        Screen::Desktop(w, h) => (w, h),
    };
    let mut options = json!({
        "binary": "/usr/bin/chromium",
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", format!("--window-size={width},{height}"), "--lang=zh-CN",
                 "--hide-scrollbars", format!("--user-data-dir={}", profile.display())]
    });
    if let Screen::Phone = screen {
        options["mobileEmulation"] =
            json!({"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 1.0}});
    }
    let caps = json!({ "goog:chromeOptions": options });
    let caps = caps.as_object().unwrap().clone();
    let mut last = None;
    for _ in 0..50 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => return (c, driver),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("cannot reach chromedriver: {last:?}");
}

async fn server() -> (String, qinglian::services::App, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let app =
        qinglian::start(qinglian::config::Config::for_dir(dir.path().to_path_buf(), None)).await.unwrap();
    qinglian::demo::load(&app, "admin", PASSWORD).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(qinglian::http::run(listener, app.clone(), std::future::pending()));
    (base, app, dir)
}

fn shots_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(shots_dir().join(format!("{name}.png")), png).unwrap();
}

async fn sign_in(c: &Client, base: &str, user: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    fill(c, "username", user).await;
    fill(c, "password", PASSWORD).await;
    click(c, Locator::Css("form[action='/login'] button[type=submit]")).await;
    c.wait().for_element(Locator::Css(".who")).await.unwrap();
}

/// Signs out as a user would: on a phone the account links sit behind the menu button.
async fn sign_out(c: &Client) {
    let menu = c.find(Locator::Css(".menu-button")).await.unwrap();
    if menu.is_displayed().await.unwrap() {
        menu.click().await.unwrap();
    }
    click(c, Locator::Css("form[action='/logout'] button")).await;
    c.wait().for_element(Locator::Id("username")).await.unwrap();
}

/// Clicks as a thumb would: first scrolled to the middle of the screen, where neither the
/// sticky header nor the phone's tab bar covers it (WebDriver alone stops at the very edge).
/// Submits a form by its button and waits for the next page's notice. The page the click leaves
/// may carry a notice of its own, so the wait starts once that page is gone.
async fn submit_for_notice(c: &Client, button: Locator<'_>) {
    let left = c.find(Locator::Css("html")).await.unwrap();
    click(c, button).await;
    for _ in 0..200 {
        if left.tag_name().await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.wait().for_element(Locator::Css(".notice")).await.unwrap();
}

async fn click(c: &Client, target: Locator<'_>) {
    let element = c.find(target).await.unwrap();
    let arg = serde_json::to_value(&element).unwrap();
    c.execute("arguments[0].scrollIntoView({block: 'center'});", vec![arg]).await.unwrap();
    element.click().await.unwrap();
}

async fn fill(c: &Client, id: &str, text: &str) {
    c.find(Locator::Id(id)).await.unwrap().send_keys(text).await.unwrap();
}

/// Date inputs take their value from script: typing into them depends on the browser's locale.
async fn set_value(c: &Client, id: &str, value: &str) {
    c.execute(&format!("document.getElementById('{id}').value = '{value}';"), vec![]).await.unwrap();
}

async fn body_text(c: &Client) -> String {
    c.find(Locator::Css("body")).await.unwrap().text().await.unwrap()
}

async fn count_in_totals(c: &Client, base: &str, campaign: i64, label: &str) -> i64 {
    c.goto(&format!("{base}/campaigns/{campaign}/board")).await.unwrap();
    let text = c.find(Locator::Id("board-totals")).await.unwrap().text().await.unwrap();
    // "任务总数 53 · 已通过 14 · 待审核 13 · …"
    let after = text.split(label).nth(1).unwrap_or_else(|| panic!("{label} not in {text}"));
    after.split_whitespace().next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organiser_assigns_unit_files_with_photo_organiser_returns() {
    let (base, app, _dir) = server().await;
    let (c, _driver) = browser().await;
    let campaign: i64 =
        sqlx::query_scalar("SELECT MIN(id) FROM campaigns").fetch_one(&app.db.pool).await.unwrap();

    // The organiser signs in and sees the seed's campaign, in Chinese, on a phone.
    sign_in(&c, &base, "admin").await;
    click(&c, Locator::LinkText("2022年清廉清河宣传周")).await;
    c.wait().for_element(Locator::Css("dl.facts")).await.unwrap();
    let text = body_text(&c).await;
    assert!(text.contains("清廉清河建设为引领，助力全方位高质量发展"));
    assert!(text.contains("开展一次清廉民企论谈会") && text.contains("市委统战部"));
    shot(&c, "01-campaign").await;

    // She assigns "every unit holds one warning-education meeting by 5 June" to all units.
    click(&c, Locator::LinkText("开展一次集中警示教育")).await;
    let title = c.wait().for_element(Locator::Id("as-title")).await.unwrap();
    title.send_keys("每个单位召开一次警示教育大会").await.unwrap();
    set_value(&c, "as-due", "2099-06-05").await;
    submit_for_notice(&c, Locator::Css("#assign-form button[type=submit]")).await;
    assert!(body_text(&c).await.contains("任务已布置到各单位"));
    shot(&c, "02-assigned").await;
    let submitted_before = count_in_totals(&c, &base, campaign, "待审核").await;
    shot(&c, "03-board").await;
    sign_out(&c).await;

    // The 东庄乡 administrator finds 东庄村's task and files the meeting with a photo.
    sign_in(&c, &base, "dongzhuang").await;
    let task: i64 = sqlx::query_scalar(
        "SELECT t.id FROM tasks t JOIN assignments a ON a.id = t.assignment_id JOIN units u ON u.id = t.unit_id
         WHERE a.title = '每个单位召开一次警示教育大会' AND u.name = '东庄村'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    c.goto(&format!("{base}/tasks")).await.unwrap();
    click(&c, Locator::Css(&format!("a[href='/tasks/{task}']"))).await;
    c.wait().for_element(Locator::Id("entry-form")).await.unwrap();
    set_value(&c, "n-date", "2022-05-25").await;
    fill(&c, "n-participants", "32").await;
    fill(&c, "n-place", "东庄村党群服务中心").await;
    fill(&c, "n-summary", "组织全体党员观看《零容忍》专题片。").await;
    let photo = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../qinglian/tests/fixtures/meeting.png")
        .canonicalize()
        .unwrap();
    fill(&c, "n-files", &photo.display().to_string()).await;
    shot(&c, "04-entry-form").await;
    submit_for_notice(&c, Locator::Css("#entry-form button[type=submit]")).await;
    assert!(body_text(&c).await.contains("台账已报送"));
    let img = c.find(Locator::Css("ul.files img")).await.unwrap();
    assert_eq!(img.attr("alt").await.unwrap().as_deref(), Some("meeting.png"));
    shot(&c, "05-entry-filed").await;
    sign_out(&c).await;

    // The organiser sees the board change, and returns the entry with a comment.
    sign_in(&c, &base, "admin").await;
    assert_eq!(count_in_totals(&c, &base, campaign, "待审核").await, submitted_before + 1);
    c.goto(&format!("{base}/tasks/{task}")).await.unwrap();
    let comment = c.wait().for_element(Locator::Css("form.review textarea")).await.unwrap();
    comment.send_keys("请补充会议签到表照片").await.unwrap();
    submit_for_notice(&c, Locator::Css("form.review button[value=return]")).await;
    assert_eq!(count_in_totals(&c, &base, campaign, "已退回").await, 1);
    sign_out(&c).await;

    // The unit sees the comment and the form to correct and resubmit.
    sign_in(&c, &base, "dongzhuang").await;
    c.goto(&format!("{base}/tasks/{task}")).await.unwrap();
    let text = body_text(&c).await;
    assert!(text.contains("请补充会议签到表照片") && text.contains("重新报送"));
    shot(&c, "06-returned").await;
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_and_keyboard_only_sign_in() {
    let (base, _app, _dir) = server().await;
    let (c, _driver) = browser().await;
    c.goto(&format!("{base}/login")).await.unwrap();
    // Keyboard only: the user name field has focus; Tab reaches the password; Enter submits.
    c.execute("document.activeElement.value = 'admin';", vec![]).await.unwrap();
    let focused: serde_json::Value = c.execute("return document.activeElement.id;", vec![]).await.unwrap();
    assert_eq!(focused, "username");
    let pw = c.find(Locator::Id("password")).await.unwrap();
    pw.send_keys("not-the-password\u{E007}").await.unwrap();
    let err = c.wait().for_element(Locator::Id("login-error")).await.unwrap();
    assert_eq!(err.text().await.unwrap(), "用户名或密码不正确。");
    // Every input has a label.
    let unlabeled: serde_json::Value = c
        .execute("return [...document.querySelectorAll('input:not([type=hidden])')].filter(i => !i.labels.length).length;", vec![])
        .await
        .unwrap();
    assert_eq!(unlabeled, 0);
    shot(&c, "00-login-error").await;
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn venue_screen_qr_code_signs_in_a_phone_and_the_count_rises() {
    let (base, app, _dir) = server().await;
    let (c, _driver) = browser().await;
    let cadres: Vec<(String, String)> =
        sqlx::query_as("SELECT name, phone FROM people WHERE rank = '科级' ORDER BY id LIMIT 2")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    let (name, phone) = (cadres[0].0.clone(), app.db.vault.open(&cadres[0].1).unwrap());

    // The organiser schedules a screening starting now, for cadres of section rank, one phone
    // for one person (防代签).
    sign_in(&c, &base, "admin").await;
    let activity: i64 = sqlx::query_scalar("SELECT id FROM activities WHERE kind = 'warning_education'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    c.goto(&format!("{base}/activities/{activity}")).await.unwrap();
    c.execute("document.querySelector('#sitting-form').closest('details').open = true;", vec![])
        .await
        .unwrap();
    fill(&c, "st-title", "集中观看警示教育片（加场）").await;
    c.execute("document.getElementById('st-kind').value = 'warning';", vec![]).await.unwrap();
    fill(&c, "st-venue", "市委党校礼堂").await;
    let china = |secs: i64| qinglian::domain::format_datetime(qinglian::db::now() + secs).replace(' ', "T");
    set_value(&c, "st-start", &china(-300)).await;
    set_value(&c, "st-end", &china(7200)).await;
    click(&c, Locator::Css("#sitting-form input[name=ranks][value='科级']")).await;
    click(&c, Locator::Css("#sitting-form input[name=one_device]")).await;
    // At the venue, the organiser takes its position from his own phone's.
    c.execute(&stub_position(Some((31.230416, 121.473701))), vec![]).await.unwrap();
    click(&c, Locator::Css("#sitting-form [data-locate]")).await;
    c.wait()
        .for_element(Locator::XPath("//p[@id='st-locate-status' and contains(., '已填入当前位置')]"))
        .await
        .unwrap();
    let lat = c.find(Locator::Id("st-lat")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(lat.as_deref(), Some("31.230416"));
    fill(&c, "st-radius", "300").await;
    click(&c, Locator::Css("#sitting-form button[type=submit]")).await;
    c.wait().for_element(Locator::Id("attendance-summary")).await.unwrap();
    let sitting_url = c.current_url().await.unwrap();
    shot(&c, "07-sitting").await;

    // The venue screen shows the code; read the link it carries.
    c.goto(&format!(
        "{}screen",
        sitting_url.as_str().split('?').next().unwrap().trim_end_matches('/').to_string() + "/"
    ))
    .await
    .unwrap();
    let link =
        c.wait().for_element(Locator::Id("qr-link")).await.unwrap().attr("href").await.unwrap().unwrap();
    assert!(link.contains("/s/"), "{link}");
    let loaded: serde_json::Value = c
        .execute("const i = document.getElementById('qr'); return i.complete && i.naturalWidth > 0;", vec![])
        .await
        .unwrap();
    assert_eq!(loaded, true, "the QR image renders");
    assert_eq!(c.find(Locator::Id("present")).await.unwrap().text().await.unwrap(), "0");
    shot(&c, "08-screen").await;
    let screen = c.window().await.unwrap();

    // A cadre's phone opens the link and signs in with name and the last four digits.
    let phone_tab = c.new_window(true).await.unwrap();
    c.switch_to_window(phone_tab.handle).await.unwrap();
    c.goto(&link).await.unwrap();
    assert!(c.find(Locator::Id("signin-geofence")).await.is_ok(), "the page says the place is checked");
    fill(&c, "si-name", &name).await;
    fill(&c, "si-last4", &phone[7..]).await;
    shot(&c, "09-phone-form").await;
    // A phone that will not tell where it is goes to the clerk, told why.
    c.execute(&stub_position(None), vec![]).await.unwrap();
    click(&c, Locator::Css("#signin-form button[type=submit]")).await;
    let refused = c.wait().for_element(Locator::Id("signin-error")).await.unwrap().text().await.unwrap();
    assert!(refused.contains("未提供位置") && refused.contains("签到台"), "{refused}");
    shot(&c, "09b-phone-no-position").await;
    // Allowed, 80 metres from the venue: signed in.
    c.execute(&stub_position(Some((31.231136, 121.473701))), vec![]).await.unwrap();
    fill(&c, "si-last4", &phone[7..]).await;
    click(&c, Locator::Css("#signin-form button[type=submit]")).await;
    let result = c.wait().for_element(Locator::Id("signin-result")).await.unwrap();
    assert!(result.text().await.unwrap().contains("签到成功"));
    shot(&c, "10-phone-done").await;

    // A colleague's name from the same phone is sent to the clerk.
    c.goto(&link).await.unwrap();
    assert!(c.find(Locator::Id("signin-one-device")).await.is_ok(), "the page says one phone, one person");
    fill(&c, "si-name", &cadres[1].0).await;
    fill(&c, "si-last4", &app.db.vault.open(&cadres[1].1).unwrap()[7..]).await;
    c.execute(&stub_position(Some((31.231136, 121.473701))), vec![]).await.unwrap();
    click(&c, Locator::Css("#signin-form button[type=submit]")).await;
    let refused = c.wait().for_element(Locator::Id("signin-error")).await.unwrap().text().await.unwrap();
    assert!(refused.contains("一部手机只能为一人签到"), "{refused}");
    shot(&c, "10b-phone-second-name-refused").await;

    // Back at the door, the screen's count has risen by itself.
    c.switch_to_window(screen).await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::XPath("//strong[@id='present' and text()='1']"))
        .await
        .expect("the count rises without reloading");
    let distance: Option<i64> =
        sqlx::query_scalar("SELECT distance_m FROM checkins ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(distance.is_some_and(|d| (75..=85).contains(&d)), "{distance:?}");

    // The organiser finds the phone that tried a second name flagged, and confirms it.
    c.goto(sitting_url.as_str()).await.unwrap();
    let flag = c.wait().for_element(Locator::Css("#flags .flag")).await.unwrap().text().await.unwrap();
    assert!(flag.contains("同一手机为多人签到") && flag.contains(&cadres[1].0), "{flag}");
    c.execute("document.getElementById('flags').scrollIntoView();", vec![]).await.unwrap();
    shot(&c, "10c-sitting-flags").await;
    click(&c, Locator::Css("#flags .flag-actions button.secondary")).await;
    let confirmed = c.wait().for_element(Locator::Css("#flags .flag.confirmed")).await.unwrap();
    assert!(confirmed.text().await.unwrap().contains("已确认有效"));
    c.close().await.unwrap();
}

/// Replaces the page's geolocation with one that answers `at` at once (None: refused), as a phone
/// whose owner taps 允许 or 拒绝.
fn stub_position(at: Option<(f64, f64)>) -> String {
    let answer = match at {
        Some((lat, lon)) => {
            format!(
                "ok({{coords: {{latitude: {lat}, longitude: {lon}, accuracy: 20}}, timestamp: Date.now()}})"
            )
        }
        None => "fail({code: 1, message: 'denied'})".to_string(),
    };
    format!(
        "Object.defineProperty(navigator, 'geolocation', {{configurable: true, value: {{
           getCurrentPosition: function (ok, fail) {{ setTimeout(function () {{ {answer}; }}, 10); }} }}}});
         document.querySelectorAll('form[data-asked]').forEach(function (f) {{ f.removeAttribute('data-asked'); }});"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organiser_moves_a_sitting_and_the_venue_screen_follows() {
    use qinglian::services::sittings;
    let (base, app, _dir) = server().await;
    let (c, _driver) = browser_on(Screen::Desktop(1280, 900)).await;
    let activity: i64 = sqlx::query_scalar("SELECT id FROM activities WHERE kind = 'warning_education'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let host: i64 = sqlx::query_scalar("SELECT id FROM units WHERE name = '市纪委监委'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let china = |secs: i64| qinglian::domain::format_datetime(qinglian::db::now() + secs);
    let input = sittings::SittingInput {
        title: "廉政专题党课".into(),
        kind: "lecture".into(),
        host_unit_id: host,
        venue: "市委党校礼堂".into(),
        starts_at: china(3 * 3600),
        ends_at: china(5 * 3600),
        capacity: 0,
        registration_required: false,
        public: false,
        one_device: false,
        geofence: None,
        audience: sittings::Audience { ranks: vec!["县处级".into()], ..Default::default() },
        task_id: None,
        opens_minutes_before: None,
        late_after_minutes: None,
    };
    let system = qinglian::services::users::system_actor();
    let sitting = sittings::create(&app, &system, activity, input).await.unwrap();
    let notices = |subject: &'static str| {
        let pool = app.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(&format!(
                "SELECT COUNT(*) FROM outbox WHERE subject LIKE '{subject}%'"
            ))
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let invited = notices("参加通知：廉政专题党课").await;
    assert!(invited > 0, "those expected were invited");

    // The venue screen is up, showing the old place.
    sign_in(&c, &base, "jiwei").await;
    c.goto(&format!("{base}/sittings/{sitting}/screen")).await.unwrap();
    let place = c.wait().for_element(Locator::Css(".screen-head .where")).await.unwrap();
    assert!(place.text().await.unwrap().contains("市委党校礼堂"));
    let screen = c.window().await.unwrap();

    // In another window the organiser moves it to tomorrow, in another hall.
    let desk = c.new_window(true).await.unwrap();
    c.switch_to_window(desk.handle).await.unwrap();
    c.goto(&format!("{base}/sittings/{sitting}")).await.unwrap();
    click(&c, Locator::Css("#sitting-edit summary")).await;
    set_value(&c, "se-venue", "市纪委监委三楼会议室").await;
    set_value(&c, "se-start", &china(27 * 3600).replace(' ', "T")).await;
    set_value(&c, "se-end", &china(29 * 3600).replace(' ', "T")).await;
    shot(&c, "desktop-sitting-edit").await;
    click(&c, Locator::Css("#sitting-edit-form button[type=submit]")).await;
    c.wait().for_element(Locator::Css("p.notice")).await.unwrap();
    let page = body_text(&c).await;
    assert!(page.contains("场次已修改") && page.contains("市纪委监委三楼会议室"), "{page}");
    let venue: String = sqlx::query_scalar(&format!("SELECT venue FROM sittings WHERE id = {sitting}"))
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(venue, "市纪委监委三楼会议室");

    // Everyone invited hears of the move; the audit keeps what it was.
    assert_eq!(notices("变更通知：廉政专题党课").await, invited);
    let detail: String = sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'sitting.update'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(detail.contains("市委党校礼堂") && detail.contains("市纪委监委三楼会议室"), "{detail}");

    // The screen at the venue redraws by itself with the new place.
    c.switch_to_window(screen).await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::XPath(
            "//p[contains(@class, 'where') and contains(., '· 市纪委监委三楼会议室')]",
        ))
        .await
        .expect("the venue screen follows the move");
    shot(&c, "desktop-screen-moved").await;
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entrepreneur_draws_a_signature_on_a_phone_and_verifies_the_copy() {
    use fantoccini::actions::{InputSource, PointerAction, TouchActions, MOUSE_BUTTON_LEFT};
    let (base, app, _dir) = server().await;
    let (c, _driver) = browser().await;
    let host: i64 = sqlx::query_scalar("SELECT id FROM units WHERE name = '市委统战部'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let input = qinglian::services::pledges::PledgeInput {
        title: "亲清政商关系承诺书".into(),
        body: "一、坚持守法经营，诚信纳税。\n二、不行贿、不送礼，不搞利益输送。".into(),
        host_unit_id: host,
        activity_id: None,
        public: true,
        audience: Default::default(),
    };
    let pledge = qinglian::services::pledges::create(&app, &qinglian::services::users::system_actor(), input)
        .await
        .unwrap();

    // From the shared link, on a phone, without an account.
    c.goto(&format!("{base}/p/{pledge}")).await.unwrap();
    fill(&c, "ps-name", "周建平").await;
    fill(&c, "ps-org", "清河钢铁有限公司").await;
    fill(&c, "ps-phone", "13760000001").await;
    let pad = c.find(Locator::Id("pad")).await.unwrap();
    let finger = TouchActions::new("finger".into())
        .then(PointerAction::MoveToElement { element: pad.clone(), duration: None, x: -120, y: 10 })
        .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
        .then(PointerAction::MoveBy { duration: Some(Duration::from_millis(120)), x: 40, y: -30 })
        .then(PointerAction::MoveBy { duration: Some(Duration::from_millis(120)), x: 40, y: 40 })
        .then(PointerAction::MoveBy { duration: Some(Duration::from_millis(120)), x: 50, y: -25 })
        .then(PointerAction::MoveBy { duration: Some(Duration::from_millis(120)), x: 60, y: 20 })
        .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
    c.perform_actions(finger).await.unwrap();
    let strokes: serde_json::Value =
        c.execute("return document.querySelector('input[name=strokes]').value;", vec![]).await.unwrap();
    assert!(strokes.as_str().unwrap().starts_with("[[["), "the pad recorded the strokes: {strokes}");
    // The form says what it collects and why, and asks for consent before it is sent.
    let notice = c.find(Locator::Id("privacy-notice")).await.unwrap().text().await.unwrap();
    assert!(notice.contains("手机号码") && notice.contains("匿名化"), "{notice}");
    click(&c, Locator::Id("consent")).await;
    shot(&c, "11-pledge-drawn").await;
    click(&c, Locator::Css("#pledge-form button[type=submit]")).await;
    let code = c.wait().for_element(Locator::Id("pledge-code")).await.unwrap().text().await.unwrap();
    shot(&c, "12-pledge-signed").await;
    let consent: String = sqlx::query_scalar("SELECT consent FROM signatures WHERE code = $1")
        .bind(&code)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(consent, "pledge/1", "the consent names the notice agreed to");

    // The signed copy downloads as a PDF; its code checks out on the public page.
    let pdf: serde_json::Value = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(document.getElementById('pledge-pdf').href).then(r => r.arrayBuffer().then(b =>
               done([r.headers.get('content-type'), String.fromCharCode(...new Uint8Array(b).slice(0, 8))])));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(pdf[0], "application/pdf");
    assert!(pdf[1].as_str().unwrap().starts_with("%PDF-1."), "{}", pdf[1]);
    c.goto(&format!("{base}/check?code={code}")).await.unwrap();
    let result = c.wait().for_element(Locator::Id("check-result")).await.unwrap().text().await.unwrap();
    assert!(result.contains("真实有效"), "{result}");
    assert!(body_text(&c).await.contains("周*平"));
    let svg: String = sqlx::query_scalar("SELECT svg FROM signatures WHERE code = $1")
        .bind(&code)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(svg.contains(" L"), "a drawn path, not a typed name");
    shot(&c, "13-pledge-checked").await;
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_records_a_placement_with_a_photo_and_the_totals_change() {
    let (base, app, _dir) = server().await;
    let (c, _driver) = browser().await;
    let campaign: i64 =
        sqlx::query_scalar("SELECT MIN(id) FROM campaigns").fetch_one(&app.db.pool).await.unwrap();
    sign_in(&c, &base, "jiwei").await;
    c.goto(&format!("{base}/campaigns/{campaign}/placements")).await.unwrap();
    let quantity = |c: &Client| {
        let c = c.clone();
        async move {
            let text = c.find(Locator::Id("placement-totals")).await.unwrap().text().await.unwrap();
            text.split("数量").nth(1).unwrap().split_whitespace().next().unwrap().parse::<i64>().unwrap()
        }
    };
    let before = quantity(&c).await;
    c.execute("document.getElementById('pm-material').value = 'poster'; document.getElementById('pm-channel').value = 'public_place';", vec![])
        .await
        .unwrap();
    fill(&c, "pm-place", "人民路公交站台").await;
    fill(&c, "pm-district", "城关街道").await;
    fill(&c, "pm-quantity", "300").await;
    let photo = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../qinglian/tests/fixtures/meeting.png")
        .canonicalize()
        .unwrap();
    c.find(Locator::Id("pm-photos")).await.unwrap().send_keys(&photo.display().to_string()).await.unwrap();
    shot(&c, "14-placement-form").await;
    submit_for_notice(&c, Locator::Css("#placement-form button[type=submit]")).await;
    assert_eq!(quantity(&c).await, before + 300);
    let photos: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM placement_photos").fetch_one(&app.db.pool).await.unwrap();
    assert_eq!(photos, 1);
    shot(&c, "15-placement-totals").await;
    c.close().await.unwrap();
}

/// The week is over: the organiser opens the campaign's report on a phone, finds the draft
/// written from the data with its figures linked to their records, rewords the opening,
/// saves it as a version, starts the whole ledger and watches it finish, and sees the
/// statistics drawn as charts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_organiser_edits_the_report_and_builds_the_ledger() {
    let (base, app, _dir) = server().await;
    let (c, _driver) = browser().await;
    let campaign: i64 =
        sqlx::query_scalar("SELECT MIN(id) FROM campaigns").fetch_one(&app.db.pool).await.unwrap();
    sign_in(&c, &base, "jiwei").await;
    c.goto(&format!("{base}/campaigns/{campaign}")).await.unwrap();
    click(&c, Locator::Id("report-link")).await;
    c.wait().for_element(Locator::Id("draft")).await.unwrap();
    let draft = c.find(Locator::Id("draft")).await.unwrap().text().await.unwrap();
    assert!(draft.contains("七是") && draft.contains("56名") && draft.contains("为期三天"), "{draft}");
    assert!(draft.contains("345次"));
    shot(&c, "16-report-draft").await;

    // The figure "56名" links to the training's records.
    let link = c.find(Locator::XPath("//article[@id='draft']//a[text()='56名']")).await.unwrap();
    let href = link.attr("href").await.unwrap().unwrap();
    assert!(href.starts_with("/activities/"), "{href}");

    // Reword the opening (keeping its figure markers) and save.
    click(&c, Locator::Css("#edit summary")).await;
    let first = c.find(Locator::Id("r-block-1")).await.unwrap();
    first.clear().await.unwrap();
    first.send_keys("宣传周期间，全市{c.units}单位共同参与，{c.activities}重点活动全部开展。").await.unwrap();
    shot(&c, "17-report-edit").await;
    submit_for_notice(&c, Locator::Css("#edit-form button[type=submit]")).await;
    let draft = c.find(Locator::Id("draft")).await.unwrap().text().await.unwrap();
    assert!(draft.contains("全市53个单位共同参与，十项重点活动全部开展"), "{draft}");
    assert!(c.find(Locator::Id("versions")).await.unwrap().text().await.unwrap().contains("版本 1"));

    // The whole ledger as a background job: the page shows progress, then the download.
    click(&c, Locator::Id("ledger-job")).await;
    c.wait().at_most(Duration::from_secs(60)).for_element(Locator::Id("job-download")).await.unwrap();
    shot(&c, "18-ledger-ready").await;

    // Statistics, drawn on the server.
    c.goto(&format!("{base}/campaigns/{campaign}/statistics")).await.unwrap();
    let charts = c.find_all(Locator::Css("figure svg[role=img]")).await.unwrap();
    assert_eq!(charts.len(), 4);
    shot(&c, "19-statistics").await;
    c.close().await.unwrap();
}

/// A member of the public submits a poem from a phone; two jurors score it blind; the
/// department gives it a prize and publishes it; anyone finds it through the portal's search.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poem_is_submitted_scored_published_and_found() {
    let (base, app, _dir) = server().await;
    let (c, _driver) = browser().await;
    let system = qinglian::services::users::system_actor();
    let campaign: i64 =
        sqlx::query_scalar("SELECT MIN(id) FROM campaigns").fetch_one(&app.db.pool).await.unwrap();
    let now = qinglian::domain::format_datetime(qinglian::db::now() - 3600);
    let later = qinglian::domain::format_datetime(qinglian::db::now() + 3600);
    let criterion = |name: &str, weight| qinglian::services::works::Criterion {
        id: 0,
        name: name.into(),
        weight,
        max_score: 10,
    };
    let input = qinglian::services::works::CallInput {
        campaign_id: campaign,
        activity_id: None,
        title: "“清廉家风”短诗征集".into(),
        rules: "<p>请提交原创短诗。</p>".into(),
        genres: vec![qinglian::services::works::Genre {
            code: "poem".into(),
            name: "诗歌".into(),
            min_chars: 8,
            max_chars: 300,
        }],
        groups: vec!["adult".into(), "youth".into()],
        opens_at: now,
        closes_at: later,
        criteria: vec![criterion("思想内容", 60), criterion("艺术表现", 40)],
        jurors: vec!["pingwei1".into(), "pingwei2".into()],
    };
    let call = qinglian::services::works::create_call(&app, &system, input).await.unwrap();

    // A phone, no account.
    c.goto(&format!("{base}/calls/{call}")).await.unwrap();
    fill(&c, "w-author", "林清晓").await;
    fill(&c, "w-contact", "13811112222").await;
    fill(&c, "w-title", "竹影清风").await;
    fill(&c, "w-body", "竹影摇清风，家训挂堂中。父亲常叮嘱，清白最光荣。").await;
    click(&c, Locator::Id("w-declaration")).await;
    click(&c, Locator::Id("consent")).await;
    shot(&c, "20-submit-poem").await;
    click(&c, Locator::Css("#submit-form button[type=submit]")).await;
    let code = c.wait().for_element(Locator::Id("receipt-code")).await.unwrap().text().await.unwrap();
    assert!(code.starts_with("ZJ-"), "{code}");
    shot(&c, "21-receipt").await;
    let work: i64 = sqlx::query_scalar("SELECT id FROM works WHERE title = '竹影清风'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();

    // The deadline passes; two jurors score it, without seeing who wrote it.
    sqlx::query("UPDATE calls SET closes_at = $1 WHERE id = $2")
        .bind(qinglian::db::now() - 1)
        .bind(call)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let criteria: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM call_criteria WHERE call_id = $1 ORDER BY seq")
            .bind(call)
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    for (juror, marks) in [("pingwei1", ["9", "8"]), ("pingwei2", ["8", "9"])] {
        sign_in(&c, &base, juror).await;
        c.goto(&format!("{base}/calls/{call}/jury")).await.unwrap();
        let text = body_text(&c).await;
        assert!(text.contains("竹影清风") && !text.contains("林清晓"), "blind");
        for (criterion, mark) in criteria.iter().zip(marks) {
            fill(&c, &format!("s{work}-{criterion}"), mark).await;
        }
        shot(&c, &format!("22-score-{juror}")).await;
        submit_for_notice(
            &c,
            Locator::Css(&format!("form[action='/works/{work}/score'] button[type=submit]")),
        )
        .await;
        sign_out(&c).await;
    }

    // The department gives the prize and publishes.
    sign_in(&c, &base, "jiwei").await;
    c.goto(&format!("{base}/calls/{call}/manage")).await.unwrap();
    let ranking = c.find(Locator::Id("ranking-table")).await.unwrap().text().await.unwrap();
    assert!(ranking.contains("竹影清风") && ranking.contains("85"), "{ranking}");
    c.execute(&format!("document.getElementById('pz-{work}').value = '一等奖';"), vec![]).await.unwrap();
    submit_for_notice(&c, Locator::Css(&format!("form[action='/works/{work}/prize'] button"))).await;
    click(&c, Locator::Css("#publish-form button")).await;
    c.wait()
        .for_element(Locator::XPath("//p[contains(@class, 'notice') and contains(., '公布')]"))
        .await
        .unwrap();

    // Anyone finds it on the portal.
    sign_out(&c).await;
    c.goto(&format!("{base}/portal")).await.unwrap();
    fill(&c, "portal-q", "竹影").await;
    click(&c, Locator::Css("form[role=search] button")).await;
    let hits = c.wait().for_element(Locator::Id("hits")).await.unwrap().text().await.unwrap();
    assert!(hits.contains("竹影清风"), "{hits}");
    shot(&c, "23-portal-search").await;
    click(&c, Locator::Css("#hits a")).await;
    let page = c.wait().for_element(Locator::Id("portal-item")).await.unwrap().text().await.unwrap();
    assert!(page.contains("林清晓") && page.contains("一等奖") && !page.contains("13811112222"));
    c.close().await.unwrap();
}

/// A cadre takes the week's knowledge test on his phone: each tap is saved as he goes (a reload
/// finds his answers), the paper is handed in, and the score and explanations come back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cadre_takes_the_knowledge_test_on_a_phone() {
    let (base, app, _dir) = server().await;
    qinglian::demo::load_current_week(&app, "admin").await.unwrap();
    let pool = &app.db.pool;
    let quiz: i64 = sqlx::query_scalar("SELECT MIN(id) FROM quizzes").fetch_one(pool).await.unwrap();
    // dongzhuang's account is a cadre of 东庄乡 who has not taken it yet.
    sqlx::query(
        "UPDATE users SET person_id = (SELECT MAX(p.id) FROM people p JOIN units u ON u.id = p.unit_id
           WHERE u.name = '东庄乡') WHERE username = 'dongzhuang'",
    )
    .execute(pool)
    .await
    .unwrap();
    let (c, _driver) = browser().await;
    sign_in(&c, &base, "dongzhuang").await;
    c.goto(&format!("{base}/me/quizzes")).await.unwrap();
    click(&c, Locator::Css("#my-quizzes a")).await;
    c.wait().for_element(Locator::Id("quiz-rules")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().ends_with(&format!("/quizzes/{quiz}")));
    shot(&c, "31-quiz-start").await;
    click(&c, Locator::Css("#quiz-start button")).await;
    c.wait().for_element(Locator::Id("paper-form")).await.unwrap();

    // The key, as the server keeps it, of each question drawn.
    let key: Vec<(i64, String)> = sqlx::query_as(
        "SELECT a.position, q.answer FROM quiz_answers a JOIN questions q ON q.id = a.question_id
         JOIN quiz_attempts t ON t.id = a.attempt_id WHERE t.submitted_at = 0 ORDER BY a.position",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(key.len(), 10);
    // Every question right but the last, tapped as a thumb would.
    for (position, right) in &key[..9] {
        for v in right.chars() {
            click(&c, Locator::Css(&format!("input[name='q{position}'][value='{v}']"))).await;
        }
    }
    let saved = c.wait().for_element(Locator::Id("paper-saved")).await.unwrap();
    for _ in 0..100 {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM quiz_answers WHERE answered_at > 0")
            .fetch_one(pool)
            .await
            .unwrap();
        if n == 9 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(saved.text().await.unwrap(), "已自动保存");
    shot(&c, "32-quiz-answering").await;
    // A reload (the phone lost the page) finds every answer where it was.
    c.refresh().await.unwrap();
    c.wait().for_element(Locator::Id("paper-form")).await.unwrap();
    let checked: serde_json::Value = c
        .execute("return document.querySelectorAll('#paper-form input:checked').length;", vec![])
        .await
        .unwrap();
    let expected: usize = key[..9].iter().map(|(_, r)| r.len()).sum();
    assert_eq!(checked, json!(expected));
    let count = c.find(Locator::Id("paper-count")).await.unwrap().text().await.unwrap();
    assert!(count.contains("9 / 10"), "{count}");
    // Handed in with one left blank: the phone asks first.
    c.execute("window.confirm = () => true;", vec![]).await.unwrap();
    click(&c, Locator::Id("paper-submit")).await;
    let score = c.wait().for_element(Locator::Id("paper-score")).await.unwrap().text().await.unwrap();
    assert_eq!(score, "90");
    assert!(body_text(&c).await.contains("解析"), "the explanations come with the result");
    shot(&c, "33-quiz-result").await;
    c.close().await.unwrap();
}
