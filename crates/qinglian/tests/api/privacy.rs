//! 个人信息保护 (PIPL): public forms state what they collect and record consent with the notice's
//! version; a person's data is gathered for him; the public's data is anonymised when its
//! campaign's retention is over, the counts and the signature chain kept.

use serde_json::{json, Value};

use reqwest::Method;

use crate::corrections::send;
use crate::harness::{error_of, Client, TestApp};

const STROKES: &str = "[[[100,200],[300,100],[500,250]]]";

/// A public pledge of the seed's campaign.
async fn campaign_pledge(t: &TestApp, org: &Client) -> i64 {
    let activity = t.scalar("SELECT id FROM activities WHERE kind = 'warning_education'").await;
    let host = t.scalar("SELECT id FROM units WHERE name = '市委统战部'").await;
    let body = json!({"title": "清廉民企承诺书", "body": "守法经营，不行贿。", "host_unit_id": host, "public": true,
                      "activity_id": activity});
    let resp = org.post_json("/api/v1/pledges", &body).await;
    assert_eq!(resp.status(), 200);
    resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

fn signer(name: &str, phone: &str) -> Value {
    json!({"name": name, "org": "清河测试有限公司", "phone": phone, "strokes": STROKES, "consent": true})
}

async fn public_forms_record_consent_to_the_notice_in_force(t: TestApp) {
    let public = t.client();
    let notices = public.get_json("/api/v1/privacy/notices").await;
    let ids: Vec<&str> = notices.as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["pledge/1", "registration/1", "work/1", "quiz/1"]);
    assert!(notices[0]["text"].as_str().unwrap().contains("手机号码"), "{notices}");

    let org = t.api_as("jiwei").await;
    let pledge = campaign_pledge(&t, &org).await;
    // The page states what is collected, why and for how long (the campaign's retention).
    let page = public.text(&format!("/p/{pledge}")).await;
    assert!(page.contains("个人信息收集说明") && page.contains("活动结束后 3650 天"), "the notice is shown");
    assert!(page.contains(r#"name="notice" value="pledge/1""#));

    let path = format!("/api/v1/pledges/{pledge}/sign");
    let mut refused = signer("钱同意", "13770000011");
    refused["consent"] = json!(false);
    let (status, _, _, fields) = error_of(public.post_json(&path, &refused).await).await;
    assert_eq!(status, 422);
    assert_eq!(fields["consent"], "请阅读并同意个人信息收集说明。", "{fields}");
    let mut stale = signer("钱同意", "13770000011");
    stale["notice"] = json!("pledge/0");
    let (status, _, _, fields) = error_of(public.post_json(&path, &stale).await).await;
    assert_eq!(status, 422);
    assert!(fields["consent"].as_str().unwrap().contains("已更新"), "{fields}");
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM signatures WHERE subject = 'pledge' AND subject_id = {pledge}"
        ))
        .await,
        0
    );

    let mut agreed = signer("钱同意", "13770000011");
    agreed["notice"] = json!("pledge/1");
    assert_eq!(public.post_json(&path, &agreed).await.status(), 200);
    let consent: String =
        sqlx::query_scalar("SELECT consent FROM signatures WHERE subject = 'pledge' AND subject_id = $1")
            .bind(pledge)
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    assert_eq!(consent, "pledge/1");

    // A public registration and a work keep theirs too; a cadre registering as himself is asked
    // nothing, his roster entry being the unit's record.
    let sitting = crate::sittings::schedule(&t, &org, -600, json!({"public": true, "audience": {}})).await;
    let reg = format!("/api/v1/sittings/{sitting}/registrations");
    let (status, _, _, fields) =
        error_of(public.post_json(&reg, &json!({"name": "孙报名", "phone": "13770000012"})).await).await;
    assert_eq!((status, fields["consent"].is_string()), (422, true), "{fields}");
    let body = json!({"name": "孙报名", "phone": "13770000012", "consent": true});
    assert_eq!(public.post_json(&reg, &body).await.status(), 200);
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM registrations WHERE sitting_id = {sitting} AND consent = 'registration/1'"
        ))
        .await,
        1
    );
    let register_page = public.text(&format!("/sittings/{sitting}/register")).await;
    assert!(register_page.contains(r#"value="registration/1""#), "the registration form shows its notice");
    let call = crate::works::open_call(&t, &org, &["pingwei1"]).await;
    let work = crate::works::entry("李投稿", "13770000013", "清风", "清风明月照我心，廉洁自律做好人");
    assert_eq!(public.post_json(&format!("/api/v1/calls/{call}/works"), &work).await.status(), 200);
    assert_eq!(
        t.scalar(&format!("SELECT COUNT(*) FROM works WHERE call_id = {call} AND consent = 'work/1'")).await,
        1
    );
    assert!(public.text("/privacy").await.contains("work/1"), "every notice's words are public");
}

async fn a_persons_data_is_gathered_for_him(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let pledge = campaign_pledge(&t, &org).await;
    let public = t.client();
    let path = format!("/api/v1/pledges/{pledge}/sign");
    assert_eq!(public.post_json(&path, &signer("周查询", "13770000021")).await.status(), 200);

    let data = org.post_json("/api/v1/privacy/export", &json!({"phone": "137 7000 0021"})).await;
    let status = data.status();
    let data: Value = data.json().await.unwrap();
    assert_eq!(status, 200, "{data}");
    assert_eq!(data["phone"], "13770000021");
    let signed = data["signatures"].as_array().unwrap();
    assert_eq!(signed.len(), 1, "{data}");
    assert_eq!(
        (signed[0]["name"].as_str(), signed[0]["phone"].as_str()),
        (Some("周查询"), Some("13770000021"))
    );
    assert_eq!(signed[0]["consent"], "pledge/1");

    // A cadre's request: his roster entry with his own number, and what he did.
    let (person, stored): (i64, String) = sqlx::query_as(
        "SELECT p.id, p.phone FROM people p WHERE EXISTS (SELECT 1 FROM checkins c WHERE c.person_id = p.id)
           AND EXISTS (SELECT 1 FROM signatures s WHERE s.person_id = p.id) ORDER BY p.id LIMIT 1",
    )
    .fetch_one(&t.app.db.pool)
    .await
    .unwrap();
    let phone = t.open(&stored);
    let mine: Value =
        org.post_json("/api/v1/privacy/export", &json!({"phone": phone})).await.json().await.unwrap();
    assert_eq!(mine["roster"][0]["id"], person, "{mine}");
    assert_eq!(mine["roster"][0]["phone"], phone.as_str());
    let checkins = t.scalar(&format!("SELECT COUNT(*) FROM checkins WHERE person_id = {person}")).await;
    assert_eq!(mine["checkins"].as_array().unwrap().len() as i64, checkins);
    let signatures = t.scalar(&format!("SELECT COUNT(*) FROM signatures WHERE person_id = {person}")).await;
    assert_eq!(mine["signatures"].as_array().unwrap().len() as i64, signatures);

    // Organisers only; a bad number is told as such; every request is audited without the number.
    let unit = t.api_as("dongzhuang").await;
    assert_eq!(unit.post_json("/api/v1/privacy/export", &json!({"phone": phone})).await.status(), 403);
    let (status, _, _, fields) =
        error_of(org.post_json("/api/v1/privacy/export", &json!({"phone": "12"})).await).await;
    assert_eq!((status, fields["phone"].is_string()), (422, true));
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'data.export' AND detail LIKE '%personal_data%' ORDER BY id",
    )
    .fetch_all(&t.app.db.pool)
    .await
    .unwrap();
    assert_eq!(audited.len(), 2, "{audited:?}");
    assert!(audited[0].contains("137****0021") && !audited[0].contains("13770000021"), "{audited:?}");

    // The page hands the same as a file, after the password.
    let b = t.browser_as("jiwei").await;
    assert_eq!(b.get("/privacy/requests").await.status(), 200);
    let csrf = b.csrf_from("/privacy/requests").await;
    let resp = b.post_form("/privacy/requests", &[("_csrf", &csrf), ("phone", "13770000021")]).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let file: Value = resp.json().await.unwrap();
    assert_eq!(file["signatures"][0]["name"], "周查询");
}

/// What the report and the wall count: the pledge's signatures, and all signatures,
/// registrations and works held.
async fn counts(t: &TestApp, pledge: i64) -> [i64; 4] {
    [
        t.scalar(&format!("SELECT signature_count FROM pledges WHERE id = {pledge}")).await,
        t.scalar("SELECT COUNT(*) FROM signatures").await,
        t.scalar("SELECT COUNT(*) FROM registrations").await,
        t.scalar("SELECT COUNT(*) FROM works").await,
    ]
}

async fn the_publics_data_is_anonymised_after_the_retention_keeping_counts_and_chain(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let camp = t.scalar("SELECT MIN(id) FROM campaigns").await;
    let pledge = campaign_pledge(&t, &org).await;
    let public = t.client();
    let sign = format!("/api/v1/pledges/{pledge}/sign");
    let signed: Value = public.post_json(&sign, &signer("吴匿名", "13770000031")).await.json().await.unwrap();
    let code = signed["code"].as_str().unwrap().to_string();
    let sitting = crate::sittings::schedule(&t, &org, -600, json!({"public": true, "audience": {}})).await;
    let body = json!({"name": "郑匿名", "phone": "13770000032", "consent": true});
    assert_eq!(
        public.post_json(&format!("/api/v1/sittings/{sitting}/registrations"), &body).await.status(),
        200
    );
    let call = crate::works::open_call(&t, &org, &["pingwei1"]).await;
    let work = crate::works::entry("王匿名", "13770000033", "清风", "清风明月照我心，廉洁自律做好人");
    assert_eq!(public.post_json(&format!("/api/v1/calls/{call}/works"), &work).await.status(), 200);
    let before = counts(&t, pledge).await;
    let roster_signatures =
        t.scalar("SELECT COUNT(*) FROM signatures WHERE person_id IS NOT NULL AND svg <> ''").await;

    // The seed's campaign keeps its data ten years: nothing is due.
    let due: Value = org.post_json("/api/v1/privacy/anonymise", &json!({})).await.json().await.unwrap();
    assert_eq!(due["signatures"], 0, "{due}");
    let retention = format!("/api/v1/campaigns/{camp}/retention");
    let (status, _, _, fields) =
        error_of(send(&org, Method::PUT, &retention, &json!({"retention_days": 7})).await).await;
    assert_eq!(status, 422);
    assert_eq!(fields["retention_days"], "保存期限：应在30至3650天之间。", "{fields}");
    let unit = t.api_as("dongzhuang").await;
    assert_eq!(send(&unit, Method::PUT, &retention, &json!({"retention_days": 30})).await.status(), 403);
    assert_eq!(send(&org, Method::PUT, &retention, &json!({"retention_days": 30})).await.status(), 204);

    // Ended 2022-06-15, kept 30 days: due long ago.
    let done: Value = org.post_json("/api/v1/privacy/anonymise", &json!({})).await.json().await.unwrap();
    let public_signatures = t
        .scalar(&format!(
            "SELECT COUNT(*) FROM signatures s JOIN pledges p ON p.id = s.subject_id JOIN activities a ON a.id = p.activity_id
             WHERE s.subject = 'pledge' AND s.person_id IS NULL AND a.campaign_id = {camp}"
        ))
        .await;
    assert!(public_signatures > 1, "the demo's public signers and ours");
    assert_eq!(done["signatures"], public_signatures, "{done}");
    assert!(done["registrations"].as_i64().unwrap() >= 1 && done["works"].as_i64().unwrap() >= 1, "{done}");

    // Who they were is gone, from the rows and from the lookups.
    for name in ["吴匿名", "郑匿名", "王匿名"] {
        let left = t
            .scalar(&format!(
                "SELECT (SELECT COUNT(*) FROM signatures WHERE name = '{name}') + (SELECT COUNT(*) FROM registrations WHERE name = '{name}')
                      + (SELECT COUNT(*) FROM works WHERE author = '{name}') + (SELECT COUNT(*) FROM checkins WHERE name = '{name}')"
            ))
            .await;
        assert_eq!(left, 0, "{name} is erased");
    }
    let left = t
        .scalar(
            "SELECT COUNT(*) FROM signatures WHERE anonymised_at <> 0
               AND (phone <> '' OR ip <> '' OR svg <> '' OR salt <> '' OR phone_idx <> '' OR org <> '' OR signer_key LIKE 'x:%')",
        )
        .await;
    assert_eq!(left, 0, "no field of an anonymised signature still says who signed");
    for phone in ["13770000031", "13770000032", "13770000033"] {
        let data: Value =
            org.post_json("/api/v1/privacy/export", &json!({"phone": phone})).await.json().await.unwrap();
        let held = ["signatures", "registrations", "works"]
            .iter()
            .map(|k| data[k].as_array().unwrap().len())
            .sum::<usize>();
        assert_eq!(held, 0, "{phone}: {data}");
    }

    // The counts stay, the roster's records are untouched, and the chain still verifies.
    assert_eq!(counts(&t, pledge).await, before);
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM signatures WHERE person_id IS NOT NULL AND svg <> ''").await,
        roster_signatures
    );
    let admin = t.api_as("admin").await;
    let chain = admin.get_json("/api/v1/chain").await;
    assert_eq!(chain["intact"], true, "{chain}");
    let checked = public.get_json(&format!("/api/v1/signatures/{code}")).await;
    assert_eq!(
        (checked["genuine"].as_bool(), checked["anonymised"].as_bool()),
        (Some(true), Some(true)),
        "{checked}"
    );
    assert_eq!(checked["name"], "");
    assert!(public.text(&format!("/check?code={code}")).await.contains("（已匿名化）"));
    assert_eq!(public.get(&format!("/signatures/{code}.svg")).await.status(), 404);

    // An anonymised row altered is still caught: its place in the chain holds what it was.
    sqlx::query("UPDATE signatures SET subject_id = subject_id + 1 WHERE code = $1")
        .bind(&code)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(admin.get_json("/api/v1/chain").await["intact"], false);
    sqlx::query("UPDATE signatures SET subject_id = subject_id - 1 WHERE code = $1")
        .bind(&code)
        .execute(&t.app.db.pool)
        .await
        .unwrap();

    // Recorded once per campaign; a second pass finds nothing left.
    let logged = t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'privacy.anonymise'").await;
    assert_eq!(logged, 1);
    let again: Value = org.post_json("/api/v1/privacy/anonymise", &json!({})).await.json().await.unwrap();
    assert_eq!(
        (again["signatures"].as_i64(), again["registrations"].as_i64(), again["works"].as_i64()),
        (Some(0), Some(0), Some(0))
    );
    assert_eq!(admin.get_json("/api/v1/chain").await["intact"], true);
}

crate::on_both_engines!(
    public_forms_record_consent_to_the_notice_in_force,
    a_persons_data_is_gathered_for_him,
    the_publics_data_is_anonymised_after_the_retention_keeping_counts_and_chain,
);
