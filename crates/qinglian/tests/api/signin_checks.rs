//! 防代签 beyond one phone per person: the venue's position checked against the phone's, and the
//! unusual sign-ins flagged for the organiser to confirm or strike.

use serde_json::{json, Value};

use crate::harness::{error_of, TestApp};
use crate::sittings::{qr_code, schedule};

/// The venue of these scenarios, and points due north of it (0.001 degree is 111 m).
const VENUE: (f64, f64) = (31.230416, 121.473701);

fn north_of_venue(metres: f64) -> Value {
    json!({"latitude": VENUE.0 + metres / 111_195.0, "longitude": VENUE.1})
}

/// The first `n` people of a rank, with the last four digits of their phones.
async fn people(t: &TestApp, n: usize) -> Vec<(i64, String, String)> {
    let rows: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, name, phone FROM people WHERE rank = '科级' ORDER BY id")
            .fetch_all(&t.app.db.pool)
            .await
            .unwrap();
    // Names the roster holds twice would blur whose digits were wrong.
    let mut seen = std::collections::HashSet::new();
    rows.into_iter()
        .filter(|(_, name, _)| seen.insert(name.clone()))
        .take(n)
        .map(|(id, name, phone)| (id, name, t.open(&phone)[7..].to_string()))
        .collect()
}

crate::on_both_engines!(
    a_sitting_checks_where_the_phone_is,
    the_organiser_confirms_or_strikes_the_unusual,
    the_sign_in_page_asks_for_the_position
);

/// A sitting with the venue's position takes a phone's sign-in only with the phone's position,
/// keeps only the distance, records one from too far and flags it; the clerk needs none.
async fn a_sitting_checks_where_the_phone_is(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let fence = json!({"latitude": VENUE.0, "longitude": VENUE.1, "radius_m": 300});
    let sitting = schedule(&t, &org, -600, json!({"geofence": fence})).await;
    let shown = org.get_json(&format!("/api/v1/sittings/{sitting}")).await;
    assert_eq!(shown["geofence"]["radius_m"], 300, "{shown}");
    assert!((shown["geofence"]["latitude"].as_f64().unwrap() - VENUE.0).abs() < 1e-6);

    // Degrees that are no place and a radius out of range are refused, field by field.
    let activity = t.scalar(&format!("SELECT activity_id FROM sittings WHERE id = {sitting}")).await;
    let at = |s: i64| qinglian::domain::format_datetime(qinglian::db::now() + s);
    let body = json!({
        "title": "廉政讲座", "kind": "lecture", "host_unit_id": shown["host_unit_id"], "venue": "市委党校礼堂",
        "starts_at": at(86_400), "ends_at": at(90_000),
        "geofence": {"latitude": 95.0, "longitude": 121.0, "radius_m": 10},
    });
    let resp = org.post_json(&format!("/api/v1/activities/{activity}/sittings"), &body).await;
    let (status, _, _, fields) = error_of(resp).await;
    assert_eq!(status, 422);
    assert!(fields["geofence"].as_str().unwrap().contains("纬度"), "{fields}");
    assert!(fields["radius_m"].as_str().unwrap().contains("50 至 5000 米"), "{fields}");

    let code = qr_code(&org, sitting).await;
    let who = people(&t, 3).await;
    let sign = |i: usize, position: Option<Value>| {
        let mut body = json!({"code": code, "name": who[i].1, "last4": who[i].2});
        if let Some(p) = position {
            body["position"] = p;
        }
        body
    };
    let phone = t.client();
    let (status, _, message, _) = error_of(phone.post_json("/api/v1/signin", &sign(0, None)).await).await;
    assert_eq!(status, 409);
    assert!(message.contains("未提供位置") && message.contains("签到台"), "{message}");
    // Degrees that are no place count as none.
    let nowhere = json!({"latitude": 400.0, "longitude": 0.0});
    assert_eq!(phone.post_json("/api/v1/signin", &sign(0, Some(nowhere))).await.status(), 409);
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM checkins WHERE sitting_id = {sitting}")).await, 0);

    let near: Value =
        phone.post_json("/api/v1/signin", &sign(0, Some(north_of_venue(120.0)))).await.json().await.unwrap();
    assert_eq!((near["new"].as_bool(), near["far"].as_bool()), (Some(true), Some(false)), "{near}");
    assert!((118..=122).contains(&near["distance_m"].as_i64().unwrap()), "{near}");
    let far: Value = phone
        .post_json("/api/v1/signin", &sign(1, Some(north_of_venue(2_500.0))))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(far["far"], true, "{far}");
    assert!((2_490..=2_510).contains(&far["distance_m"].as_i64().unwrap()), "{far}");
    // The clerk signs in the third, where he stands being no one's concern.
    let clerk = json!({"person_id": who[2].0});
    assert_eq!(org.post_json(&format!("/api/v1/sittings/{sitting}/checkins"), &clerk).await.status(), 200);

    // Only distances are kept: no column of a sign-in holds a degree.
    let kept: Vec<(String, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT method, distance_m FROM checkins WHERE sitting_id = {sitting} ORDER BY id"
    ))
    .fetch_all(&t.app.db.pool)
    .await
    .unwrap();
    assert_eq!(kept.len(), 3);
    assert_eq!(kept[2], ("clerk".to_string(), None));
    let row = sqlx::query(&format!("SELECT * FROM checkins WHERE sitting_id = {sitting} LIMIT 1"))
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    use sqlx::{Column, Row};
    let columns: Vec<String> = row.columns().iter().map(|c| c.name().to_string()).collect();
    assert!(!columns.iter().any(|c| c.contains("lat") || c.contains("lon")), "{columns:?}");

    // The one from too far is the one flagged.
    let flags = org.get_json(&format!("/api/v1/sittings/{sitting}/flags")).await;
    assert_eq!(flags.as_array().unwrap().len(), 1, "{flags}");
    assert_eq!(flags[0]["name"], who[1].1.as_str());
    assert_eq!(flags[0]["reasons"], json!(["far"]));
}

/// The same phone for two names, digits guessed at, an entry after the close: flagged for the
/// organiser, who confirms one and strikes another (gone from the attendance, kept in the log),
/// with a reason; no one outside the host's scope may, and a filed sitting keeps its sign-ins.
async fn the_organiser_confirms_or_strikes_the_unusual(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let sitting = schedule(&t, &org, -600, json!({"one_device": true})).await;
    let code = qr_code(&org, sitting).await;
    let who = people(&t, 4).await;
    let sign = |i: usize, last4: &str, device: &str| json!({"code": code, "name": who[i].1, "last4": last4, "device": device});
    let phone = t.client();
    let shared = "device-shared-0123456789";
    assert_eq!(phone.post_json("/api/v1/signin", &sign(0, &who[0].2, shared)).await.status(), 200);
    assert_eq!(phone.post_json("/api/v1/signin", &sign(1, &who[1].2, shared)).await.status(), 409);
    // Three wrong guesses at the third one's digits, then the right ones, from another phone.
    let guesser = "device-guesser-987654321";
    for wrong in ["0000", "1111", "2222"] {
        let wrong = if wrong == who[2].2 { "3333" } else { wrong };
        assert_eq!(phone.post_json("/api/v1/signin", &sign(2, wrong, guesser)).await.status(), 422);
    }
    assert_eq!(phone.post_json("/api/v1/signin", &sign(2, &who[2].2, guesser)).await.status(), 200);
    // An honest sign-in is not flagged.
    assert_eq!(
        phone.post_json("/api/v1/signin", &sign(3, &who[3].2, "device-honest-00000000")).await.status(),
        200
    );

    let flags = org.get_json(&format!("/api/v1/sittings/{sitting}/flags")).await;
    let by_name = |name: &str| flags.as_array().unwrap().iter().find(|f| f["name"] == name).cloned();
    let first = by_name(&who[0].1).expect("the shared phone's sign-in is flagged");
    assert_eq!(first["reasons"], json!(["same_device"]), "{flags}");
    assert_eq!(first["also_tried"], json!([who[1].1]));
    let guessed = by_name(&who[2].1).expect("the guessed name is flagged");
    assert_eq!(
        (guessed["reasons"].clone(), guessed["wrong_digits"].as_i64()),
        (json!(["wrong_digits"]), Some(3))
    );
    assert!(by_name(&who[3].1).is_none(), "{flags}");

    // Only those who run the sitting may judge it.
    let review_at = |sitting: i64, id: &Value| format!("/api/v1/sittings/{sitting}/checkins/{id}/review");
    let review = |id: &Value| review_at(sitting, id);
    let outsider = t.api_as("dongzhuang").await;
    let strike = json!({"verdict": "strike", "reason": "本人未到场，系他人代签"});
    assert_eq!(outsider.post_json(&review(&guessed["checkin_id"]), &strike).await.status(), 404);
    // An honest sign-in is not the organiser's to strike through this door.
    let honest = t
        .scalar(&format!("SELECT id FROM checkins WHERE sitting_id = {sitting} AND person_id = {}", who[3].0))
        .await;
    assert_eq!(org.post_json(&review(&json!(honest)), &strike).await.status(), 404);
    let (status, _, _, fields) =
        error_of(org.post_json(&review(&guessed["checkin_id"]), &json!({"verdict": "strike"})).await).await;
    assert_eq!(status, 422);
    assert!(fields["reason"].is_string(), "{fields}");

    let before =
        org.get_json(&format!("/api/v1/sittings/{sitting}/attendance")).await["present"].as_i64().unwrap();
    assert_eq!(org.post_json(&review(&guessed["checkin_id"]), &strike).await.status(), 204);
    assert_eq!(
        org.post_json(&review(&first["checkin_id"]), &json!({"verdict": "confirm"})).await.status(),
        204
    );
    let after = org.get_json(&format!("/api/v1/sittings/{sitting}/attendance")).await;
    assert_eq!(after["present"].as_i64().unwrap(), before - 1, "{after}");
    let flags = org.get_json(&format!("/api/v1/sittings/{sitting}/flags")).await;
    assert_eq!(flags.as_array().unwrap().len(), 1, "the struck one is gone: {flags}");
    assert_eq!(flags[0]["confirmed"], true);
    // The attendance sheet filed on paper says the same.
    let sheet = t.browser_as("jiwei").await.get(&format!("/sittings/{sitting}/attendance.xlsx")).await;
    let bytes = sheet.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let rows = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(rows.get_value((3, 7)).map(|c| c.to_string()).as_deref(), Some("核验"));
    let noted: Vec<(String, String)> = rows
        .rows()
        .skip(4)
        .filter(|r| !r[7].to_string().is_empty())
        .map(|r| (r[1].to_string(), r[7].to_string()))
        .collect();
    assert_eq!(noted, vec![(who[0].1.clone(), "同一手机为多人签到；已确认有效".to_string())]);
    let logged = |action: &str| {
        format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND entity_id = '{sitting}' AND detail LIKE '%{}%'", who[2].1)
    };
    assert_eq!(t.scalar(&logged("signin.strike")).await, 1);
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'signin.confirm' AND entity_id = '{sitting}'"
        ))
        .await,
        1
    );
    // Struck, the person may sign in again himself (from his own phone).
    assert_eq!(
        phone.post_json("/api/v1/signin", &sign(2, &who[2].2, "device-own-phone-5555555")).await.status(),
        200
    );

    // The clerk enters his paper list after the close (补录): recorded and flagged; phones are refused.
    let over = schedule(&t, &org, -3 * 3600, json!({})).await;
    let late = json!({"person_id": who[0].0});
    assert_eq!(org.post_json(&format!("/api/v1/sittings/{over}/checkins"), &late).await.status(), 200);
    let code = qr_code(&org, over).await;
    let body = json!({"code": code, "name": who[1].1, "last4": who[1].2});
    assert_eq!(phone.post_json("/api/v1/signin", &body).await.status(), 409);
    let flags = org.get_json(&format!("/api/v1/sittings/{over}/flags")).await;
    assert_eq!(flags[0]["reasons"], json!(["after_close"]), "{flags}");
    // Long after, not even the clerk.
    let old = schedule(&t, &org, -5 * 86_400, json!({})).await;
    assert_eq!(org.post_json(&format!("/api/v1/sittings/{old}/checkins"), &late).await.status(), 409);

    // Once the ledger entry is filed from the attendance, its sign-ins stay as filed.
    let entry = t.scalar("SELECT id FROM ledger_entries ORDER BY id LIMIT 1").await;
    sqlx::query(&format!("UPDATE sittings SET ledger_entry_id = {entry} WHERE id = {over}"))
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let (status, _, message, _) =
        error_of(org.post_json(&review_at(over, &flags[0]["checkin_id"]), &strike).await).await;
    assert_eq!(status, 409);
    assert!(message.contains("台账"), "{message}");
}

/// The phone's page says the place is checked and carries the position; the organiser's page
/// shows the flags and strikes one from its form.
async fn the_sign_in_page_asks_for_the_position(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let fence = json!({"latitude": VENUE.0, "longitude": VENUE.1, "radius_m": 500});
    let sitting = schedule(&t, &org, -600, json!({"geofence": fence})).await;
    let code = qr_code(&org, sitting).await;
    let who = people(&t, 1).await;
    let phone = t.client();
    let html = phone.text(&format!("/s/{code}")).await;
    assert!(html.contains("本场签到将核验位置") && html.contains("data-geofence"), "{html}");
    assert!(html.contains("name=\"latitude\""));
    let field = |n: &str| {
        let at = html.find(&format!("name=\"{n}\" value=\"")).expect(n) + n.len() + 15;
        html[at..].split('"').next().unwrap().to_string()
    };
    let (csrf, pass) = (field("_csrf"), field("pass"));
    let far = (VENUE.0 + 0.02).to_string();
    let lon = VENUE.1.to_string();
    let form = [
        ("_csrf", csrf.as_str()),
        ("pass", pass.as_str()),
        ("name", who[0].1.as_str()),
        ("last4", who[0].2.as_str()),
        ("latitude", far.as_str()),
        ("longitude", lon.as_str()),
    ];
    let done = phone.post_form("/s", &form).await;
    assert_eq!(done.status(), 200);
    let done = done.text().await.unwrap();
    assert!(done.contains("签到成功") && done.contains("超出签到范围"), "{done}");

    let desk = t.browser_as("jiwei").await;
    let page = desk.text(&format!("/sittings/{sitting}")).await;
    assert!(
        page.contains("异常签到") && page.contains("距会场过远") && page.contains("距会场 500 米内"),
        "{page}"
    );
    let checkin = t.scalar(&format!("SELECT id FROM checkins WHERE sitting_id = {sitting}")).await;
    let csrf = desk.csrf_from(&format!("/sittings/{sitting}")).await;
    let struck = desk
        .post_form(
            &format!("/sittings/{sitting}/flags/{checkin}"),
            &[("_csrf", &csrf), ("verdict", "strike"), ("reason", "定位显示不在会场")],
        )
        .await;
    assert_eq!(struck.status(), 303);
    let back = struck.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(back, format!("/sittings/{sitting}?ok=ok.signin_struck#flags"));
    assert!(desk.text(&back).await.contains("已作废该签到"));
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM checkins WHERE sitting_id = {sitting}")).await, 0);
}
