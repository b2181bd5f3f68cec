//! Sittings and attendance: QR sign-in on a phone, the clerk, capacity, registration with a
//! waiting list, the unit ledger filled from attendance, a person's own list.

use serde_json::{json, Value};

use crate::harness::{error_of, Client, TestApp};

fn local(t: i64) -> String {
    qinglian::domain::format_datetime(t)
}

/// Schedules a sitting of the warning-education activity starting `from_now` seconds from now.
pub(crate) async fn schedule(t: &TestApp, org: &Client, from_now: i64, extra: Value) -> i64 {
    let activity = t.scalar("SELECT id FROM activities WHERE kind = 'warning_education'").await;
    let host = t.scalar("SELECT id FROM units WHERE name = '市纪委监委'").await;
    let now = qinglian::db::now();
    let mut body = json!({
        "title": "集中观看警示教育片（第一场）", "kind": "warning", "host_unit_id": host, "venue": "市委党校礼堂",
        "starts_at": local(now + from_now), "ends_at": local(now + from_now + 7200),
        "audience": {"ranks": ["县处级", "科级"]}
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let resp = org.post_json(&format!("/api/v1/activities/{activity}/sittings"), &body).await;
    let status = resp.status();
    let v: Value = resp.json().await.unwrap();
    assert_eq!(status, 200, "{v}");
    v["id"].as_i64().unwrap()
}

/// A person of the given rank, with the last four digits of his phone.
pub(crate) async fn person_of_rank(t: &TestApp, rank: &str) -> (i64, String, String) {
    let row: (i64, String, String) = sqlx::query_as(&format!(
        "SELECT id, name, phone FROM people WHERE rank = '{rank}' ORDER BY id LIMIT 1"
    ))
    .fetch_one(&t.app.db.pool)
    .await
    .unwrap();
    (row.0, row.1, t.open(&row.2)[7..].to_string())
}

/// What a phone does after scanning: open the link, then submit name and digits.
async fn phone_sign_in(t: &TestApp, code: &str, name: &str, last4: &str) -> (u16, String) {
    let phone = t.client();
    let page = phone.get(&format!("/s/{code}")).await;
    let status = page.status().as_u16();
    let html = page.text().await.unwrap();
    if status != 200 {
        return (status, html);
    }
    let field = |n: &str| {
        let at = html.find(&format!("name=\"{n}\" value=\"")).expect(n) + n.len() + 15;
        html[at..].split('"').next().unwrap().to_string()
    };
    let resp = phone
        .post_form(
            "/s",
            &[("_csrf", &field("_csrf")), ("pass", &field("pass")), ("name", name), ("last4", last4)],
        )
        .await;
    (resp.status().as_u16(), resp.text().await.unwrap())
}

pub(crate) async fn qr_code(org: &Client, sitting: i64) -> String {
    org.get_json(&format!("/api/v1/sittings/{sitting}/qr")).await["code"].as_str().unwrap().to_string()
}

pub(crate) async fn scan_sign_in_once_and_refusals(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let sitting = schedule(&t, &org, -600, json!({})).await;
    let code = qr_code(&org, sitting).await;
    let (_, name, last4) = person_of_rank(&t, "科级").await;

    let (status, html) = phone_sign_in(&t, &code, &name, &last4).await;
    assert_eq!(status, 200);
    assert!(html.contains("签到成功") && html.contains(&name), "{html}");
    let (status, html) = phone_sign_in(&t, &code, &name, &last4).await;
    assert_eq!(status, 200);
    assert!(html.contains("您已签到，无需重复签到"), "a second scan says so");
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM checkins WHERE sitting_id = {sitting}")).await, 1);

    // Not expected (a 一般干部), wrong digits, forged, expired: clear messages, no record.
    let (_, other, other4) = person_of_rank(&t, "一般干部").await;
    let (status, html) = phone_sign_in(&t, &code, &other, &other4).await;
    assert_eq!(status, 422);
    assert!(html.contains("未在本场应到人员中找到您"));
    let (status, _) = phone_sign_in(&t, &code, &name, "0000").await;
    assert_eq!(status, 422);
    let forged = code.replacen(&format!("{sitting}-"), &format!("{}-", sitting + 1), 1);
    let (status, html) = phone_sign_in(&t, &forged, &name, &last4).await;
    assert_eq!((status, html.contains("二维码无效")), (422, true));
    let old = t.app.signer.qr_token(sitting, qinglian::db::now() - 95);
    let (status, html) = phone_sign_in(&t, &old, &name, &last4).await;
    assert_eq!((status, html.contains("二维码已过期")), (409, true));
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM checkins WHERE sitting_id = {sitting}")).await, 1);

    // The attendance view counts the sign-in; the audit log has it.
    let a = org.get_json(&format!("/api/v1/sittings/{sitting}/attendance")).await;
    let expected = t.scalar("SELECT COUNT(*) FROM people WHERE rank IN ('县处级', '科级')").await;
    assert_eq!(
        (a["expected"].as_i64(), a["present"].as_i64(), a["absent"].as_i64()),
        (Some(expected), Some(1), Some(expected - 1))
    );
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'sitting.checkin' AND entity_id = '{sitting}'"
        ))
        .await,
        1
    );
}

async fn sign_in_only_inside_the_window(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let later = schedule(&t, &org, 3 * 3600, json!({})).await;
    let (_, name, last4) = person_of_rank(&t, "科级").await;
    let resp = t
        .client()
        .post_json(
            "/api/v1/signin",
            &json!({"code": qr_code(&org, later).await, "name": name, "last4": last4}),
        )
        .await;
    let (status, _, message, _) = error_of(resp).await;
    assert_eq!(status, 409);
    assert!(message.contains("签到尚未开始"), "{message}");
    let over = schedule(&t, &org, -3 * 3600, json!({})).await;
    let resp = t
        .client()
        .post_json(
            "/api/v1/signin",
            &json!({"code": qr_code(&org, over).await, "name": name, "last4": last4}),
        )
        .await;
    let (status, _, message, _) = error_of(resp).await;
    assert_eq!((status, message.as_str()), (409, "本场签到已结束。"));
    assert_eq!(
        t.scalar(&format!("SELECT COUNT(*) FROM checkins WHERE sitting_id IN ({later}, {over})")).await,
        0
    );
}

async fn clerk_signs_in_and_attendance_per_unit(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let town = t.scalar("SELECT id FROM units WHERE name = '东庄乡'").await;
    let sitting = schedule(
        &t,
        &org,
        -1200,
        json!({"title": "东庄乡警示教育大会", "host_unit_id": town, "audience": {"unit_id": town}}),
    )
    .await;
    let clerk = t.api_as("dongzhuang").await;
    let people: Vec<i64> = sqlx::query_scalar(
        "SELECT p.id FROM people p JOIN units u ON u.id = p.unit_id WHERE u.name IN ('东庄村', '西庄村') ORDER BY p.id LIMIT 3",
    )
    .fetch_all(&t.app.db.pool)
    .await
    .unwrap();
    for p in &people {
        let r =
            clerk.post_json(&format!("/api/v1/sittings/{sitting}/checkins"), &json!({"person_id": p})).await;
        assert_eq!(r.status(), 200);
    }
    let again: Value = clerk
        .post_json(&format!("/api/v1/sittings/{sitting}/checkins"), &json!({"person_id": people[0]}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["new"], false);
    let outsider = t.scalar("SELECT p.id FROM people p JOIN units u ON u.id = p.unit_id WHERE u.name = '五一路派出所' LIMIT 1").await;
    assert_eq!(
        clerk
            .post_json(&format!("/api/v1/sittings/{sitting}/checkins"), &json!({"person_id": outsider}))
            .await
            .status(),
        422
    );
    assert_eq!(
        t.api_as("wuyilu").await.get(&format!("/api/v1/sittings/{sitting}")).await.status(),
        404,
        "another unit's sitting"
    );

    let a = clerk.get_json(&format!("/api/v1/sittings/{sitting}/attendance")).await;
    let expected = t.scalar("SELECT COUNT(*) FROM people p JOIN units u ON u.id = p.unit_id WHERE u.path LIKE (SELECT path FROM units WHERE name = '东庄乡') || '%'").await;
    assert_eq!((a["expected"].as_i64(), a["present"].as_i64()), (Some(expected), Some(3)));
    let units = a["units"].as_array().unwrap();
    assert_eq!(units.len(), 5);
    let present: i64 = units.iter().map(|u| u["present"].as_i64().unwrap()).sum();
    assert_eq!(present, 3);
    let absent =
        clerk.get_json(&format!("/api/v1/sittings/{sitting}/attendees?show=absent&per_page=5")).await;
    assert_eq!(absent["total"].as_i64().unwrap(), expected - 3);

    // The attendance sheet opens as a spreadsheet with one row per expected person.
    let b = t.browser_as("dongzhuang").await;
    let resp = b.get(&format!("/sittings/{sitting}/attendance.xlsx")).await;
    assert_eq!(resp.status(), 200);
    let bytes = resp.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.get_size().0 as i64, 4 + expected);
    let states: Vec<String> = sheet.rows().skip(4).map(|r| r[6].to_string()).collect();
    assert_eq!(states.iter().filter(|s| *s != "缺席").count(), 3);
}

async fn a_full_sitting_takes_nobody_more(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let sitting = schedule(&t, &org, -600, json!({"capacity": 1})).await;
    let code = qr_code(&org, sitting).await;
    let ids: Vec<(String, String)> =
        sqlx::query_as("SELECT name, phone FROM people WHERE rank = '科级' ORDER BY id LIMIT 2")
            .fetch_all(&t.app.db.pool)
            .await
            .unwrap();
    let ids: Vec<(String, String)> = ids.into_iter().map(|(name, phone)| (name, t.open(&phone))).collect();
    let sign = |i: usize| json!({"code": code, "name": ids[i].0, "last4": &ids[i].1[7..]});
    assert_eq!(t.client().post_json("/api/v1/signin", &sign(0)).await.status(), 200);
    let (status, _, message, _) = error_of(t.client().post_json("/api/v1/signin", &sign(1)).await).await;
    assert_eq!((status, message.as_str()), (409, "本场人数已满。"));
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM checkins WHERE sitting_id = {sitting}")).await, 1);
}

async fn public_registration_with_waiting_list(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let forum_host = t.scalar("SELECT id FROM units WHERE name = '市委统战部'").await;
    let sitting = schedule(&t, &org, -600, json!({"title": "清廉民企论谈会", "kind": "forum", "host_unit_id": forum_host, "public": true, "capacity": 1, "audience": {}})).await;
    let public = t.client();
    let reg = |name: &str, phone: &str| json!({"name": name, "phone": phone, "consent": true});
    let a: Value = public
        .post_json(&format!("/api/v1/sittings/{sitting}/registrations"), &reg("周老板", "13900001111"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["status"], "registered");
    let b: Value = public
        .post_json(&format!("/api/v1/sittings/{sitting}/registrations"), &reg("吴经理", "13900002222"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((b["status"].as_str(), b["waiting_place"].as_i64()), (Some("waitlisted"), Some(1)));
    let again: Value = public
        .post_json(&format!("/api/v1/sittings/{sitting}/registrations"), &reg("周老板", "139 0000 1111"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["id"], a["id"], "registering twice is one registration");
    let (status, _, _, _) = error_of(
        public.post_json(&format!("/api/v1/sittings/{sitting}/registrations"), &reg("郑", "123")).await,
    )
    .await;
    assert_eq!(status, 422);

    // The waitlisted cannot sign in yet; when the first cancels, he takes the place.
    let code = qr_code(&org, sitting).await;
    let resp =
        public.post_json("/api/v1/signin", &json!({"code": code, "name": "吴经理", "last4": "2222"})).await;
    assert_eq!(resp.status(), 422);
    assert!(again["receipt"].is_null(), "the receipt is given once, not to whoever knows the phone");
    let cancel = format!("/api/v1/sittings/{sitting}/registrations/cancel");
    let (status, _, _, _) =
        error_of(public.post_json(&cancel, &json!({"receipt": "BM-GUESSED000"})).await).await;
    assert_eq!(status, 422);
    let resp = public.post_json(&cancel, &json!({"receipt": a["receipt"]})).await;
    assert_eq!(resp.status(), 204);
    let resp =
        public.post_json("/api/v1/signin", &json!({"code": code, "name": "吴经理", "last4": "2222"})).await;
    assert_eq!(resp.status(), 200);
    let a = org.get_json(&format!("/api/v1/sittings/{sitting}/attendance")).await;
    assert_eq!((a["expected"].as_i64(), a["present"].as_i64()), (Some(1), Some(1)));
}

async fn a_units_meeting_fills_its_ledger(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let village = t.scalar("SELECT id FROM units WHERE name = '东庄村'").await;
    sqlx::query(&format!("UPDATE tasks SET status = 'pending' WHERE unit_id = {village}"))
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    sqlx::query(&format!("DELETE FROM ledger_entries WHERE unit_id = {village}"))
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let task = t.scalar(&format!("SELECT id FROM tasks WHERE unit_id = {village}")).await;
    let sitting = schedule(
        &t,
        &org,
        -1800,
        json!({"title": "东庄村警示教育大会", "host_unit_id": village, "venue": "东庄村党群服务中心",
        "task_id": task, "audience": {"unit_id": village}}),
    )
    .await;
    let unit = t.api_as("dongzhuang").await;
    let people: Vec<i64> =
        sqlx::query_scalar(&format!("SELECT id FROM people WHERE unit_id = {village} ORDER BY id LIMIT 12"))
            .fetch_all(&t.app.db.pool)
            .await
            .unwrap();
    for p in &people {
        unit.post_json(&format!("/api/v1/sittings/{sitting}/checkins"), &json!({"person_id": p})).await;
    }
    let entry: Value =
        unit.post_json(&format!("/api/v1/sittings/{sitting}/ledger"), &json!({})).await.json().await.unwrap();
    let entry = unit.get_json(&format!("/api/v1/entries/{}", entry["id"])).await;
    assert_eq!(
        (entry["participants"].as_i64(), entry["place"].as_str()),
        (Some(12), Some("东庄村党群服务中心"))
    );
    assert!(entry["summary"].as_str().unwrap().contains("实到12人"));
    assert_eq!(entry["task_id"].as_i64(), Some(task));
    assert_eq!(unit.get_json(&format!("/api/v1/tasks/{task}")).await["status"], "submitted");
    assert_eq!(unit.post_json(&format!("/api/v1/sittings/{sitting}/ledger"), &json!({})).await.status(), 409);
}

async fn a_cadre_sees_his_sessions_and_signs_in_with_his_account(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let sitting = schedule(&t, &org, -300, json!({})).await;
    let queued = t.scalar("SELECT COUNT(*) FROM outbox WHERE channel = 'sms'").await;
    let expected =
        t.scalar("SELECT COUNT(*) FROM people WHERE rank IN ('县处级', '科级') AND phone IS NOT NULL").await;
    assert_eq!(queued, expected, "a notice queued for everyone expected");
    // A channel delivers them once, even with two deliverers at work.
    let channel = qinglian::services::outbox::LogChannel;
    let (a, b) = tokio::join!(
        qinglian::services::outbox::deliver(&t.app, &channel, 100_000),
        qinglian::services::outbox::deliver(&t.app, &channel, 100_000)
    );
    assert_eq!(a.unwrap() + b.unwrap(), expected as usize);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM outbox WHERE sent_at = 0").await, 0);

    let (person, _, _) = person_of_rank(&t, "县处级").await;
    let admin = t.api_as("admin").await;
    let issued: Value = admin.post_json("/api/v1/users", &json!({"username": "cadre1", "display_name": "干部", "password": "Cadre#2022pw", "role": "member"})).await.json().await.unwrap();
    sqlx::query(&format!("UPDATE users SET person_id = {person} WHERE id = {}", issued["user_id"]))
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let me = t.api_with("cadre1", "Cadre#2022pw").await;
    let mine = me.get_json("/api/v1/me/sittings").await;
    assert!(mine.as_array().unwrap().iter().any(|m| m["id"] == sitting && m["checked_at"].is_null()));

    let b = t.browser_with("cadre1", "Cadre#2022pw").await;
    let html = b.text(&format!("/s/{}", qr_code(&org, sitting).await)).await;
    assert!(html.contains("一键签到"), "{html}");
    let at = html.find("name=\"pass\" value=\"").unwrap() + 19;
    let pass = html[at..].split('"').next().unwrap().to_string();
    let csrf = b.csrf_from("/").await;
    let resp = b.post_form("/s", &[("_csrf", &csrf), ("pass", &pass), ("as_account", "1")]).await;
    assert!(resp.text().await.unwrap().contains("签到成功"));
    let mine = me.get_json("/api/v1/me/sittings").await;
    assert!(mine.as_array().unwrap().iter().any(|m| m["id"] == sitting && m["checked_at"].is_i64()));
}

async fn the_demo_follows_the_seed(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let training = t.scalar("SELECT id FROM sitting_series").await;
    let p = org.get_json(&format!("/api/v1/series/{training}")).await;
    assert_eq!(p["trainees"].as_array().unwrap().len(), 56, "56名新进事业人员");
    assert_eq!(p["day_count"], 3, "为期三天");
    let completed = p["completed"].as_i64().unwrap();
    assert!((45..56).contains(&completed), "most attend all days, a few miss one: {completed}");
    let warning = t.scalar("SELECT id FROM activities WHERE kind = 'warning_education'").await;
    let list = org.get_json(&format!("/api/v1/activities/{warning}/sittings")).await;
    let screenings = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["title"].as_str().unwrap().starts_with("集中观看警示教育片"))
        .count();
    assert_eq!(screenings, 3, "three sittings across the city");
    let first = t.scalar("SELECT MIN(id) FROM sittings WHERE title LIKE '集中观看警示教育片%'").await;
    let a = org.get_json(&format!("/api/v1/sittings/{first}/attendance")).await;
    assert!(
        a["expected"].as_i64().unwrap() > 0
            && a["present"].as_i64().unwrap() < a["expected"].as_i64().unwrap()
    );
}

async fn three_day_training_completion_and_certificates(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let activity = t.scalar("SELECT id FROM activities WHERE kind = 'training'").await;
    let host = t.scalar("SELECT id FROM units WHERE name = '市委组织部'").await;
    let now = qinglian::db::now();
    let day = |i: i64| {
        json!({"title": format!("初任培训第{}天", i + 1), "kind": "training", "host_unit_id": host, "venue": "党群服务中心",
        "starts_at": local(now - 600 + i * 60), "ends_at": local(now + 7200), "audience": {"ranks": ["新进事业人员"]}})
    };
    let resp = org
        .post_json(
            &format!("/api/v1/activities/{activity}/series"),
            &json!({"title": "2022年新进事业人员初任培训", "days": [day(0), day(1), day(2)]}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let series = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let days: Vec<i64> =
        sqlx::query_scalar(&format!("SELECT id FROM sittings WHERE series_id = {series} ORDER BY day_no"))
            .fetch_all(&t.app.db.pool)
            .await
            .unwrap();
    let trainees: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM people WHERE rank = '新进事业人员' ORDER BY id")
            .fetch_all(&t.app.db.pool)
            .await
            .unwrap();
    assert_eq!(trainees.len(), 56);
    for (i, p) in trainees.iter().enumerate() {
        for (d, sitting) in days.iter().enumerate() {
            // The last six miss the third day.
            if i >= 50 && d == 2 {
                continue;
            }
            let r = org
                .post_json(&format!("/api/v1/sittings/{sitting}/checkins"), &json!({"person_id": p}))
                .await;
            assert_eq!(r.status(), 200);
        }
    }
    let progress = org.get_json(&format!("/api/v1/series/{series}")).await;
    assert_eq!((progress["completed"].as_i64(), progress["required"].as_i64()), (Some(50), Some(3)));
    assert_eq!(progress["trainees"].as_array().unwrap().len(), 56);

    let issued = org
        .post_json(&format!("/api/v1/series/{series}/certificates"), &json!({}))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(issued["issued"], 50);
    let again = org
        .post_json(&format!("/api/v1/series/{series}/certificates"), &json!({}))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(again["issued"], 0, "one certificate per person");

    let (code, name): (String, String) = sqlx::query_as(
        "SELECT c.code, p.name FROM certificates c JOIN people p ON p.id = c.person_id ORDER BY c.id LIMIT 1",
    )
    .fetch_one(&t.app.db.pool)
    .await
    .unwrap();
    let pdf = t.client().get(&format!("/certificates/{code}.pdf")).await;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-1.4"));
    let hex: String = name.chars().map(|c| format!("{:04X}", c as u32)).collect();
    assert!(String::from_utf8_lossy(&bytes).contains(&hex), "the holder's name is on the certificate");

    let v = t.client().get_json(&format!("/api/v1/certificates/{}", code.to_lowercase())).await;
    assert_eq!(v["training"], "2022年新进事业人员初任培训");
    assert!(v["name"].as_str().unwrap().contains('*'), "masked on the public check");
    let page = t.client().get("/verify?code=NOTACODE").await;
    assert_eq!(page.status(), 404);
    assert!(page.text().await.unwrap().contains("未找到该验证码"));
    assert!(t.client().text(&format!("/verify?code={code}")).await.contains("证书真实有效"));
}

/// Forty phones at once make a door busy, and its server then answers from who it knows to be
/// expected: the answers stay exact, someone imported a moment ago is found, and a person on
/// several phones at once is recorded once.
async fn a_busy_door_answers_from_memory_and_stays_exact(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let sitting = schedule(&t, &org, -600, json!({})).await;
    let expected: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, phone FROM people WHERE rank IN ('县处级', '科级') AND phone IS NOT NULL ORDER BY id LIMIT 41",
    )
    .fetch_all(&t.app.db.pool)
    .await
    .unwrap();
    let expected: Vec<(String, String)> =
        expected.into_iter().map(|(name, phone)| (name, t.open(&phone))).collect();
    assert_eq!(expected.len(), 41, "the demo has enough cadres for a busy door");
    // Each phone scanned the screen and holds a pass of its own.
    let sign = |name: String, last4: String| {
        let (t, pass) = (&t, t.app.signer.pass(sitting, qinglian::db::now()));
        async move {
            let resp = t
                .client()
                .post_json("/api/v1/signin", &json!({"pass": pass, "name": name, "last4": last4}))
                .await;
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap())
        }
    };
    let answers = futures_util::future::join_all(
        expected[..40].iter().map(|(name, phone)| sign(name.clone(), phone[7..].to_string())),
    )
    .await;
    assert!(answers.iter().all(|(status, v)| *status == 200 && v["new"] == true), "{answers:?}");
    let present = format!("SELECT COUNT(*) FROM checkins WHERE sitting_id = {sitting}");
    assert_eq!(t.scalar(&present).await, 40);

    // Wrong digits and someone not expected are refused as before.
    let (name, phone) = &expected[40];
    let wrong = if &phone[7..] == "0000" { "1111" } else { "0000" };
    assert_eq!(sign(name.clone(), wrong.into()).await.0, 422);
    let (_, other, other4) = person_of_rank(&t, "一般干部").await;
    assert_eq!(sign(other, other4).await.0, 422);

    // A cadre imported a moment ago (on any server) is found.
    let unit = t.scalar("SELECT id FROM units WHERE name = '市纪委监委'").await;
    sqlx::query(
        "INSERT INTO people (unit_id, name, position, rank, party_member, phone, staff_no, created_at, updated_at)
         VALUES ($1, '新调入', '科员', '科级', 1, '13899990001', 'NEW-1', 0, 0)",
    )
    .bind(unit)
    .execute(&t.app.db.pool)
    .await
    .unwrap();
    let (status, v) = sign("新调入".into(), "0001".into()).await;
    assert_eq!((status, &v["new"]), (200, &json!(true)), "{v}");

    // One person on six phones at once: six answers, one record.
    let answers =
        futures_util::future::join_all((0..6).map(|_| sign(name.clone(), phone[7..].to_string()))).await;
    assert!(answers.iter().all(|(status, _)| *status == 200), "{answers:?}");
    assert_eq!(answers.iter().filter(|(_, v)| v["new"] == true).count(), 1, "{answers:?}");
    assert_eq!(t.scalar(&present).await, 42);
}

/// A sitting is corrected or called off before it is held: those expected hear of it, the
/// audit keeps before and after, the screen's state moves on, and once anyone has signed in
/// the sitting is locked, with the reason.
async fn a_sitting_is_moved_or_called_off_until_someone_signs_in(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let sitting = schedule(&t, &org, 3600, json!({})).await;
    let path = format!("/api/v1/sittings/{sitting}");
    let mut body = org.get_json(&path).await;
    let expected = t.scalar("SELECT COUNT(*) FROM outbox WHERE subject LIKE '参加通知：%'").await;
    assert!(expected > 0);
    let screen = t.browser_as("jiwei").await;
    let screen_json = format!("/sittings/{sitting}/screen.json");
    let before = screen.get_json(&screen_json).await["state"].clone();

    // Moved to another hall, an hour later.
    let now = qinglian::db::now();
    let change = json!({
        "title": body["title"], "kind": body["kind"], "host_unit_id": body["host_unit_id"],
        "venue": "市纪委监委三楼会议室", "starts_at": local(now + 7200), "ends_at": local(now + 14_400),
        "audience": body["audience"],
    });
    let resp = org.request(reqwest::Method::PUT, &path).json(&change).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    body = resp.json().await.unwrap();
    assert_eq!((body["venue"].as_str(), body["revision"].as_i64()), (Some("市纪委监委三楼会议室"), Some(1)));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM outbox WHERE subject LIKE '变更通知：%'").await, expected);
    let detail: String = sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'sitting.update'")
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    let detail: Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(
        (detail["before"]["venue"].as_str(), detail["after"]["venue"].as_str()),
        (Some("市委党校礼堂"), Some("市纪委监委三楼会议室")),
        "{detail}"
    );
    assert!(detail["before"].get("title").is_none(), "only what changed: {detail}");
    assert_ne!(screen.get_json(&screen_json).await["state"], before, "the venue screen redraws");

    // A correction is checked as a new sitting is, and another unit cannot touch it.
    let mut wrong = change.clone();
    wrong["ends_at"] = json!(local(now + 3600));
    let resp = org.request(reqwest::Method::PUT, &path).json(&wrong).send().await.unwrap();
    assert_eq!(resp.status(), 422);
    let unit = t.api_as("dongzhuang").await;
    let resp = unit.request(reqwest::Method::PUT, &path).json(&change).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(org.get_json(&path).await["revision"], 1, "nothing written");

    // Called off: those expected are told why; the phone's sign-in page says so.
    let other = schedule(&t, &org, -300, json!({"title": "集中观看警示教育片（第二场）"})).await;
    let code = qr_code(&org, other).await;
    let resp = org
        .post_json(&format!("/api/v1/sittings/{other}/cancel"), &json!({"reason": "与全市大会时间冲突"}))
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM outbox WHERE subject LIKE '取消通知：%'").await, expected);
    let html = t.client().text(&format!("/s/{code}")).await;
    assert!(html.contains("本场次已取消：与全市大会时间冲突") && !html.contains("name=\"last4\""), "{html}");
    let (_, name, last4) = person_of_rank(&t, "科级").await;
    let sign = json!({"code": code, "name": name, "last4": last4});
    let (status, _, message, _) = error_of(t.client().post_json("/api/v1/signin", &sign).await).await;
    assert_eq!(status, 409);
    assert!(message.contains("已取消"), "{message}");
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM checkins WHERE sitting_id = {other}")).await, 0);
    let resp = org
        .request(reqwest::Method::PUT, &format!("/api/v1/sittings/{other}"))
        .json(&change)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);

    // Once someone has signed in, what the sign-in records depend on is locked.
    let started = schedule(&t, &org, -300, json!({"title": "集中观看警示教育片（第三场）"})).await;
    let code = qr_code(&org, started).await;
    let (status, _) = phone_sign_in(&t, &code, &name, &last4).await;
    assert_eq!(status, 200);
    let resp = org
        .request(reqwest::Method::PUT, &format!("/api/v1/sittings/{started}"))
        .json(&change)
        .send()
        .await
        .unwrap();
    let (status, _, message, _) = error_of(resp).await;
    assert_eq!(status, 409);
    assert!(message.contains("已有1人签到"), "{message}");
    let resp = org.post_json(&format!("/api/v1/sittings/{started}/cancel"), &json!({"reason": "改期"})).await;
    assert_eq!(resp.status(), 409);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM audit_log WHERE action IN ('sitting.update', 'sitting.cancel')").await,
        2
    );
}

/// A person moved to another unit after he signed in still counts for the unit he signed in
/// for, in the sitting's attendance and the campaign's statistics.
async fn a_moved_persons_attendance_stays_with_the_unit_he_signed_in_for(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let town = t.scalar("SELECT id FROM units WHERE name = '东庄乡'").await;
    let (from, to) = (
        t.scalar("SELECT id FROM units WHERE name = '东庄村'").await,
        t.scalar("SELECT id FROM units WHERE name = '西庄村'").await,
    );
    let sitting = schedule(&t, &org, 60, json!({"audience": {"unit_id": town}})).await;
    let person = t.scalar(&format!("SELECT MIN(id) FROM people WHERE unit_id = {from}")).await;
    let resp =
        org.post_json(&format!("/api/v1/sittings/{sitting}/checkins"), &json!({"person_id": person})).await;
    assert_eq!(resp.status(), 200);

    let dz = t.api_as("dongzhuang").await;
    let p = dz.get_json(&format!("/api/v1/people/{person}")).await;
    let moved = json!({"name": p["name"], "unit_id": to, "position": p["position"], "rank": p["rank"], "party_member": p["party_member"]});
    let resp = dz
        .request(reqwest::Method::PUT, &format!("/api/v1/people/{person}"))
        .json(&moved)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let a = org.get_json(&format!("/api/v1/sittings/{sitting}/attendance")).await;
    let present = |name: &str| {
        a["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit_name"] == name)
            .map(|u| u["present"].as_i64().unwrap())
    };
    assert_eq!((present("东庄村"), present("西庄村").unwrap_or(0)), (Some(1), 0), "{a}");
    let list = org.get_json(&format!("/api/v1/sittings/{sitting}/attendees?show=present")).await;
    assert_eq!(list["items"][0]["unit_name"], "东庄村", "{list}");
}

crate::on_both_engines!(
    the_number_on_the_screen_signs_in_as_the_code_does,
    one_phone_signs_in_one_person,
    the_sign_in_page_binds_the_phone,
    a_moved_persons_attendance_stays_with_the_unit_he_signed_in_for,
    a_sitting_is_moved_or_called_off_until_someone_signs_in,
    a_busy_door_answers_from_memory_and_stays_exact,
    the_demo_follows_the_seed,
    three_day_training_completion_and_certificates,
    scan_sign_in_once_and_refusals,
    sign_in_only_inside_the_window,
    clerk_signs_in_and_attendance_per_unit,
    a_full_sitting_takes_nobody_more,
    public_registration_with_waiting_list,
    a_units_meeting_fills_its_ledger,
    a_cadre_sees_his_sessions_and_signs_in_with_his_account,
);

/// 防代签: at a sitting that takes one sign-in per phone, the phone that signed in one person
/// cannot sign in another, even both at once; the clerk still can, and the attempt is recorded.
async fn one_phone_signs_in_one_person(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let sitting = schedule(&t, &org, -600, json!({"one_device": true})).await;
    assert_eq!(org.get_json(&format!("/api/v1/sittings/{sitting}")).await["one_device"], true);
    let code = qr_code(&org, sitting).await;
    let people: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, name, phone FROM people WHERE rank = '科级' ORDER BY id LIMIT 4")
            .fetch_all(&t.app.db.pool)
            .await
            .unwrap();
    let sign = |i: usize, device: Option<&str>| {
        let mut body = json!({"code": code, "name": people[i].1, "last4": &t.open(&people[i].2)[7..]});
        if let Some(d) = device {
            body["device"] = json!(d);
        }
        body
    };
    let phone = "device-0123456789abcdef";
    let public = t.client();
    assert_eq!(public.post_json("/api/v1/signin", &sign(0, Some(phone))).await.status(), 200);
    let (status, _, message, _) =
        error_of(public.post_json("/api/v1/signin", &sign(1, Some(phone))).await).await;
    assert_eq!(status, 409);
    assert!(message.starts_with("这部手机已为本场其他人签到"), "{message}");
    let (status, _, message, _) = error_of(public.post_json("/api/v1/signin", &sign(1, None)).await).await;
    assert_eq!(status, 409);
    assert!(message.contains("签到台"), "{message}");
    // His own phone; the first person again from hers (the same record).
    assert_eq!(
        public.post_json("/api/v1/signin", &sign(1, Some("device-fedcba9876543210"))).await.status(),
        200
    );
    let again: Value = public.post_json("/api/v1/signin", &sign(0, Some(phone))).await.json().await.unwrap();
    assert_eq!(again["new"], false);

    // Two names from one new phone at the same moment: one gets in.
    let other = "device-aaaaaaaaaaaaaaaa";
    let (first, second) = (sign(2, Some(other)), sign(3, Some(other)));
    let (a, b) =
        tokio::join!(public.post_json("/api/v1/signin", &first), public.post_json("/api/v1/signin", &second));
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);

    // The clerk signs in the one refused; the refusals are counted for the organiser.
    let refused = if a.status() == 200 { 3 } else { 2 };
    let clerk = json!({"person_id": people[refused].0});
    assert_eq!(org.post_json(&format!("/api/v1/sittings/{sitting}/checkins"), &clerk).await.status(), 200);
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM checkins WHERE sitting_id = {sitting}")).await, 4);
    let logged = t
        .scalar(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'signin.refused' AND entity_id = '{sitting}' AND detail LIKE '%device_used%'"
        ))
        .await;
    assert_eq!(logged, 2);
    let attendance = org.get_json(&format!("/api/v1/sittings/{sitting}/attendance")).await;
    assert!(attendance["refused"].as_i64().unwrap() >= 2, "{attendance}");

    // Without the setting, one phone may sign in several (a family at a public lecture).
    let open = schedule(&t, &org, -600, json!({"title": "廉政讲座"})).await;
    let code = qr_code(&org, open).await;
    for person in &people[..2] {
        let body = json!({"code": code, "name": person.1, "last4": &t.open(&person.2)[7..], "device": phone});
        assert_eq!(public.post_json("/api/v1/signin", &body).await.status(), 200);
    }
}

/// The phone's page gives it a key of its own, and a second name from it is sent to the clerk.
async fn the_sign_in_page_binds_the_phone(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let sitting = schedule(&t, &org, -600, json!({"one_device": true})).await;
    let code = qr_code(&org, sitting).await;
    let people: Vec<(String, String)> =
        sqlx::query_as("SELECT name, phone FROM people WHERE rank = '科级' ORDER BY id LIMIT 2")
            .fetch_all(&t.app.db.pool)
            .await
            .unwrap();
    let phone = t.client();
    let page = phone.get(&format!("/s/{code}")).await;
    let set =
        page.headers().get_all("set-cookie").iter().any(|v| v.to_str().unwrap().starts_with("ql_device="));
    assert!(set, "the scan gives the phone its key");
    // Each person scans, then fills in the form on the same phone.
    let submit = |i: usize| {
        let (phone, code) = (&phone, &code);
        let (name, last4) = (people[i].0.clone(), t.open(&people[i].1)[7..].to_string());
        async move {
            let html = phone.text(&format!("/s/{code}")).await;
            let field = |name: &str| {
                let at = format!("name=\"{name}\" value=\"");
                html.split(at.as_str()).nth(1).unwrap().split('"').next().unwrap().to_string()
            };
            let (csrf, pass) = (field("_csrf"), field("pass"));
            phone
                .post_form("/s", &[("_csrf", &csrf), ("pass", &pass), ("name", &name), ("last4", &last4)])
                .await
        }
    };
    assert_eq!(submit(0).await.status(), 200);
    let second = submit(1).await;
    assert_eq!(second.status(), 409);
    assert!(second.text().await.unwrap().contains("一部手机只能为一人签到"));
    let devices = t
        .scalar(&format!(
            "SELECT COUNT(DISTINCT device) FROM checkins WHERE sitting_id = {sitting} AND device <> ''"
        ))
        .await;
    assert_eq!(devices, 1, "only the phone's digest is kept");
}

/// A phone that cannot scan types the six digits on the venue screen instead; a wrong or old
/// number is refused, and guessing is limited.
async fn the_number_on_the_screen_signs_in_as_the_code_does(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let sitting = schedule(&t, &org, -600, json!({})).await;
    let b = t.browser_as("jiwei").await;
    let screen = b.get_json(&format!("/sittings/{sitting}/screen.json")).await;
    let number = screen["number"].as_str().unwrap().to_string();
    assert_eq!(number.len(), 6, "{screen}");
    assert!(b.text(&format!("/sittings/{sitting}/screen")).await.contains(&number));
    let (name, stored): (String, String) =
        sqlx::query_as("SELECT name, phone FROM people WHERE rank = '科级' ORDER BY id LIMIT 1")
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    let last4 = t.open(&stored)[7..].to_string();
    let public = t.client();
    let wrong = format!("{:06}", (number.parse::<u32>().unwrap() + 1) % 1_000_000);
    let body = |n: &str| json!({"number": n, "name": name, "last4": last4});
    let (status, _, _, fields) = error_of(public.post_json("/api/v1/signin", &body(&wrong)).await).await;
    assert_eq!((status, fields["number"].is_string()), (422, true), "{fields}");
    let done: Value = public.post_json("/api/v1/signin", &body(&number)).await.json().await.unwrap();
    assert_eq!(done["new"], true, "{done}");
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM checkins WHERE sitting_id = {sitting}")).await, 1);

    // The page: the number leads to the same form a scan does.
    let phone = t.client();
    let html = phone.text("/s").await;
    assert!(html.contains("number-form"));
    let csrf = html.split("name=\"_csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let resp = phone.post_form("/s/number", &[("_csrf", &csrf), ("number", &number)]).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains("name=\"pass\""), "the form to sign in follows");

    // Guessing: thirty tries in ten minutes from one address, then a pause.
    let guesser = t.client();
    let mut last = 0;
    for i in 0..31 {
        last = guesser.post_json("/api/v1/signin", &body(&format!("{:06}", i))).await.status().as_u16();
    }
    assert_eq!(last, 429);
}
