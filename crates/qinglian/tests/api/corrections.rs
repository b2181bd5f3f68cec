//! Correcting what was made: activities, assignments and their tasks, calls, units and people.
//! Each correction is audited with before and after, and what records depend on stays locked,
//! with the reason.

use reqwest::Method;
use serde_json::{json, Value};

use crate::harness::{error_of, Client, TestApp};

/// The detail of the latest audit record of `action`.
pub(crate) async fn last_audit(t: &TestApp, action: &str) -> Value {
    let detail: String =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1")
            .bind(action)
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap_or_else(|e| panic!("no {action} in the audit log: {e}"));
    serde_json::from_str(&detail).unwrap()
}

pub(crate) async fn send(c: &Client, method: Method, path: &str, body: &Value) -> reqwest::Response {
    c.request(method, path).json(body).send().await.unwrap()
}

async fn new_activity(t: &TestApp, org: &Client, title: &str) -> i64 {
    let camp = t.scalar("SELECT MIN(id) FROM campaigns").await;
    let lead = t.scalar("SELECT id FROM units WHERE name = '市纪委监委'").await;
    let resp = org
        .post_json(
            &format!("/api/v1/campaigns/{camp}/activities"),
            &json!({"kind": "training", "title": title, "lead_unit_id": lead,
                    "start_date": "2022-05-16", "end_date": "2022-05-20"}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// An activity's dates, units and themes are corrected; its dates cannot leave out an entry
/// filed for it; it is deleted only while nothing hangs on it.
async fn an_activity_is_corrected_and_deleted_while_nothing_depends_on_it(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let activity = new_activity(&t, &org, "廉洁教育培训班").await;
    let path = format!("/api/v1/activities/{activity}");
    let before = org.get_json(&path).await;
    let co = t.scalar("SELECT id FROM units WHERE name = '市委组织部'").await;
    let theme = t.scalar("SELECT MIN(id) FROM campaign_themes").await;
    let mut change = json!({
        "kind": "training", "title": "廉洁教育专题培训班", "lead_unit_id": before["lead_unit_id"],
        "co_unit_ids": [co], "theme_ids": [theme], "start_date": "2022-05-16", "end_date": "2022-05-27",
    });
    let resp = send(&org, Method::PUT, &path, &change).await;
    assert_eq!(resp.status(), 200);
    let after: Value = resp.json().await.unwrap();
    assert_eq!(
        (after["end_date"].as_str(), after["co_units"][0]["id"].as_i64()),
        (Some("2022-05-27"), Some(co))
    );
    assert_eq!(after["themes"][0]["id"].as_i64(), Some(theme));
    let detail = last_audit(&t, "activity.update").await;
    assert_eq!(detail["before"]["end_date"], "2022-05-20", "{detail}");
    assert_eq!(detail["after"]["title"], "廉洁教育专题培训班", "{detail}");
    assert!(detail["before"].get("kind").is_none(), "only what changed: {detail}");

    // Checked as a new activity is; a unit administrator may not.
    let mut wrong = change.clone();
    wrong["end_date"] = json!("2022-05-01");
    assert_eq!(send(&org, Method::PUT, &path, &wrong).await.status(), 422);
    let unit = t.api_as("dongzhuang").await;
    assert_eq!(send(&unit, Method::PUT, &path, &change).await.status(), 403);
    assert_eq!(org.get_json(&path).await["end_date"], "2022-05-27", "nothing written");

    // An entry filed on the 25th holds the dates around it, and the activity itself.
    let jiwei = t.scalar("SELECT id FROM units WHERE name = '市纪委监委'").await;
    let entry = json!({"unit_id": jiwei, "entry_date": "2022-05-25", "place": "市委党校", "participants": 80,
                       "summary": "举办廉洁教育专题培训班。"});
    assert_eq!(org.post_json(&format!("{path}/entries"), &entry).await.status(), 200);
    change["end_date"] = json!("2022-05-24");
    let (status, _, message, _) = error_of(send(&org, Method::PUT, &path, &change).await).await;
    assert_eq!(status, 422);
    assert!(message.contains("1条台账") && message.contains("2022-05-25"), "{message}");
    let (status, _, message, _) = error_of(org.request(Method::DELETE, &path).send().await.unwrap()).await;
    assert_eq!(status, 409);
    assert!(message.contains("1条台账"), "{message}");
    assert_eq!(org.get_json(&path).await["title"], "廉洁教育专题培训班");

    // One made by mistake goes, and the log keeps what it was.
    let mistake = new_activity(&t, &org, "误建的活动").await;
    let resp = org.request(Method::DELETE, &format!("/api/v1/activities/{mistake}")).send().await.unwrap();
    assert_eq!(resp.status(), 204);
    assert_eq!(org.get(&format!("/api/v1/activities/{mistake}")).await.status(), 404);
    assert_eq!(last_audit(&t, "activity.delete").await["before"]["title"], "误建的活动");

    // The page offers both, and says why a delete was refused.
    let b = t.browser_as("jiwei").await;
    let page = format!("/activities/{activity}");
    let html = b.text(&page).await;
    assert!(html.contains("id=\"activity-edit-form\"") && html.contains("廉洁教育专题培训班"), "{html}");
    let csrf = b.csrf_from(&page).await;
    let resp = b.post_form(&format!("{page}/delete"), &[("_csrf", &csrf)]).await;
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.unwrap().contains("不能删除"));
}

/// An assignment's deadline moves for every unit (never into the past); a unit's task is
/// withdrawn while the unit has filed nothing for it.
async fn a_deadline_is_extended_and_a_task_withdrawn_from_one_unit(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let activity = new_activity(&t, &org, "清廉派出所建设").await;
    let resp = org
        .post_json(
            &format!("/api/v1/activities/{activity}/assignments"),
            &json!({"title": "清廉派出所自查", "due_date": "2099-06-01", "targets": {"by": "types", "type_codes": ["police_station"]}}),
        )
        .await;
    let assignment = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let path = format!("/api/v1/assignments/{assignment}");
    let change = json!({"title": "清廉派出所建设自查", "due_date": "2099-06-15"});
    let resp = send(&org, Method::PUT, &path, &change).await;
    assert_eq!(resp.status(), 200);
    let row: Value = resp.json().await.unwrap();
    assert_eq!((row["due_date"].as_str(), row["tasks"].as_i64()), (Some("2099-06-15"), Some(3)));
    let detail = last_audit(&t, "assignment.update").await;
    assert_eq!(
        (detail["before"]["due_date"].as_str(), detail["after"]["due_date"].as_str()),
        (Some("2099-06-01"), Some("2099-06-15"))
    );
    let listed = org.get_json(&format!("/api/v1/activities/{activity}/assignments")).await;
    assert_eq!(listed[0]["title"], "清廉派出所建设自查");
    let past = json!({"title": "清廉派出所建设自查", "due_date": "2021-01-01"});
    let (status, _, _, fields) = error_of(send(&org, Method::PUT, &path, &past).await).await;
    assert_eq!(status, 422);
    assert!(fields["due_date"].as_str().unwrap().contains("今天"), "{fields}");
    let station = t.api_as("wuyilu").await;
    assert_eq!(send(&station, Method::PUT, &path, &change).await.status(), 403);

    // 五一路派出所 has filed; another station has not.
    let task_of = |unit: &str| {
        format!("SELECT t.id FROM tasks t JOIN units u ON u.id = t.unit_id WHERE t.assignment_id = {assignment} AND u.name = '{unit}'")
    };
    let filed = t.scalar(&task_of("五一路派出所")).await;
    let form =
        crate::ledger::entry_form("2022-05-20", "五一路派出所会议室", "18", "开展清廉派出所建设自查。");
    assert_eq!(station.post_multipart(&format!("/api/v1/tasks/{filed}/entries"), form).await.status(), 200);
    let idle = t
        .scalar(&format!(
            "SELECT MIN(t.id) FROM tasks t JOIN units u ON u.id = t.unit_id WHERE t.assignment_id = {assignment} AND u.name <> '五一路派出所'"
        ))
        .await;
    let reason = json!({"reason": "该所本年度已完成专项自查"});
    assert_eq!(station.post_json(&format!("/api/v1/tasks/{filed}/withdraw"), &reason).await.status(), 403);
    let (status, _, message, _) =
        error_of(org.post_json(&format!("/api/v1/tasks/{filed}/withdraw"), &reason).await).await;
    assert_eq!(status, 409);
    assert!(message.contains("1条台账"), "{message}");
    assert_eq!(org.post_json(&format!("/api/v1/tasks/{idle}/withdraw"), &reason).await.status(), 204);
    assert_eq!(org.get(&format!("/api/v1/tasks/{idle}")).await.status(), 404);
    let board = org.get_json(&format!("/api/v1/activities/{activity}/assignments")).await;
    assert_eq!(board[0]["tasks"], 2, "the withdrawn task leaves the figures");
    let detail = last_audit(&t, "task.withdraw").await;
    assert_eq!(
        (detail["reason"].as_str(), detail["before"]["status"].as_str()),
        (Some("该所本年度已完成专项自查"), Some("pending"))
    );

    // The pages: the activity lists its assignments with a form, the task page offers withdrawal.
    let b = t.browser_as("jiwei").await;
    let html = b.text(&format!("/activities/{activity}")).await;
    assert!(
        html.contains("清廉派出所建设自查") && html.contains(&format!("/assignments/{assignment}/edit")),
        "{html}"
    );
    let other = t.scalar(&format!("SELECT MAX(id) FROM tasks WHERE assignment_id = {assignment}")).await;
    let other = if other == filed {
        t.scalar(&format!("SELECT MIN(id) FROM tasks WHERE assignment_id = {assignment}")).await
    } else {
        other
    };
    let html = b.text(&format!("/tasks/{other}")).await;
    assert!(html.contains(&format!("/tasks/{other}/withdraw")), "{html}");
    assert!(!b.text(&format!("/tasks/{filed}")).await.contains("/withdraw\""));
}

/// A call is closed early, reopened and extended until a juror scores; then it stays closed.
async fn a_call_is_closed_early_reopened_and_locked_once_judged(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let call = crate::works::open_call(&t, &org, &["pingwei1"]).await;
    let closing = format!("/api/v1/calls/{call}/closing");
    let works = format!("/api/v1/calls/{call}/works");
    let public = t.client();
    let resp = org.post_json(&closing, &json!({"closes_at": null})).await;
    assert_eq!(resp.status(), 200);
    let poem = |n: u32| {
        crate::works::entry(
            "孙晓光",
            &format!("1380000{n:04}"),
            "家风如灯",
            "母亲的叮嘱像一盏灯，照亮我清白做人的路。",
        )
    };
    assert_eq!(public.post_json(&works, &poem(1)).await.status(), 409, "closed early");
    assert_eq!(last_audit(&t, "call.closing").await["change"], "closed early");

    let later = qinglian::domain::format_datetime(qinglian::db::now() + 7200);
    let resp = org.post_json(&closing, &json!({"closes_at": later})).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(public.post_json(&works, &poem(2)).await.status(), 200, "reopened");
    assert_eq!(last_audit(&t, "call.closing").await["change"], "reopened");
    let past = qinglian::domain::format_datetime(qinglian::db::now() - 7200);
    assert_eq!(error_of(org.post_json(&closing, &json!({"closes_at": past})).await).await.0, 422);
    let unit = t.api_as("dongzhuang").await;
    assert_eq!(unit.post_json(&closing, &json!({"closes_at": null})).await.status(), 403);

    // Closed again and scored: judging has begun, so it takes no more works.
    assert_eq!(org.post_json(&closing, &json!({"closes_at": null})).await.status(), 200);
    let c = public.get_json(&format!("/api/v1/calls/{call}")).await;
    let work = t.scalar(&format!("SELECT MIN(id) FROM works WHERE call_id = {call}")).await;
    let scores = json!({"scores": [{"criterion_id": c["criteria"][0]["id"], "score": 8}, {"criterion_id": c["criteria"][1]["id"], "score": 7}]});
    let juror = t.api_as("pingwei1").await;
    assert_eq!(juror.post_json(&format!("/api/v1/works/{work}/scores"), &scores).await.status(), 204);
    let (status, _, message, _) = error_of(org.post_json(&closing, &json!({"closes_at": later})).await).await;
    assert_eq!(status, 409);
    assert!(message.contains("评审已经开始"), "{message}");
    assert_eq!(public.post_json(&works, &poem(3)).await.status(), 409);

    let b = t.browser_as("jiwei").await;
    assert!(b.text(&format!("/calls/{call}/manage")).await.contains(&format!("/calls/{call}/closing")));
}

/// A new village under `parent`, as the API answers it.
async fn add_village(org: &Client, name: &str, parent: i64) -> Value {
    let resp = org
        .post_json("/api/v1/units", &json!({"name": name, "type_code": "village", "parent_id": parent}))
        .await;
    assert_eq!(resp.status(), 200, "{name}");
    resp.json::<Value>().await.unwrap()
}

/// A unit is renamed or moved with its subtree, within the mover's scope and never under itself.
async fn a_unit_is_renamed_and_moved_with_everything_below_it(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let office = t.scalar("SELECT id FROM units WHERE name = '市委办公室'").await;
    let township = t.scalar("SELECT id FROM units WHERE name = '东庄乡'").await;
    let add = |name: &'static str, parent: i64| add_village(&org, name, parent);
    let village = add("试点村", office).await;
    let id = village["id"].as_i64().unwrap();
    let school = add("试点村小学", id).await;
    let path = format!("/api/v1/units/{id}");
    let resp = send(
        &org,
        Method::PUT,
        &path,
        &json!({"name": "试点村", "type_code": "village", "parent_id": township}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let moved: Value = resp.json().await.unwrap();
    let township_path: String = sqlx::query_scalar("SELECT path FROM units WHERE id = $1")
        .bind(township)
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(moved["path"].as_str().unwrap(), format!("{township_path}{id}/"));
    let (school_path, school_depth): (String, i64) =
        sqlx::query_as("SELECT path, depth FROM units WHERE id = $1")
            .bind(school["id"].as_i64().unwrap())
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    assert_eq!(school_path, format!("{township_path}{id}/{}/", school["id"]));
    assert_eq!(school_depth, moved["depth"].as_i64().unwrap() + 1, "the subtree keeps its shape");
    assert_eq!(last_audit(&t, "unit.update").await["before"]["parent_id"].as_i64(), Some(office));

    // Never under itself; names stay unique.
    let under_itself = json!({"name": "东庄乡", "type_code": "township", "parent_id": id});
    let (status, _, _, fields) =
        error_of(send(&org, Method::PUT, &format!("/api/v1/units/{township}"), &under_itself).await).await;
    assert_eq!(status, 422);
    assert!(fields["parent_id"].as_str().unwrap().contains("下级"), "{fields}");
    let taken = json!({"name": "东庄村", "type_code": "village", "parent_id": township});
    assert_eq!(send(&org, Method::PUT, &path, &taken).await.status(), 422);

    // The township's administrator now has it, may rename it, may not move it out of his tree;
    // another unit's administrator does not see it.
    let admin = t.api_as("dongzhuang").await;
    let mine = admin.get_json("/api/v1/units").await;
    assert!(mine.as_array().unwrap().iter().any(|u| u["id"] == id), "scope follows the tree");
    let renamed = json!({"name": "试点村民委员会", "type_code": "village", "parent_id": township});
    assert_eq!(send(&admin, Method::PUT, &path, &renamed).await.status(), 200);
    let away = json!({"name": "试点村民委员会", "type_code": "village", "parent_id": office});
    assert_eq!(send(&admin, Method::PUT, &path, &away).await.status(), 403);
    let station = t.api_as("wuyilu").await;
    assert_eq!(send(&station, Method::PUT, &path, &renamed).await.status(), 404);
    let b = t.browser_as("dongzhuang").await;
    let html = b.text(&format!("/units/{id}")).await;
    assert!(html.contains("试点村民委员会") && html.contains("id=\"unit-form\""), "{html}");
}

/// A person is corrected and moved by his unit's administrator, within that administrator's
/// units; contact details stay masked for those who may not see them.
async fn a_person_is_corrected_and_moved_within_the_administrators_units(t: TestApp) {
    let (id, phone): (i64, String) = sqlx::query_as(
        "SELECT p.id, p.phone FROM people p JOIN units u ON u.id = p.unit_id WHERE u.name = '东庄村' AND p.phone IS NOT NULL ORDER BY p.id LIMIT 1",
    )
    .fetch_one(&t.app.db.pool)
    .await
    .unwrap();
    let phone = t.open(&phone);
    let path = format!("/api/v1/people/{id}");
    let admin = t.api_as("dongzhuang").await;
    let before = admin.get_json(&path).await;
    assert_eq!(before["phone"], phone.as_str(), "the unit's administrator sees the number");
    let township = t.scalar("SELECT id FROM units WHERE name = '东庄乡'").await;
    let mut change = json!({"name": before["name"], "unit_id": township, "position": "乡党委委员", "rank": "科级", "party_member": true});
    let resp = send(&admin, Method::PUT, &path, &change).await;
    assert_eq!(resp.status(), 200);
    let after: Value = resp.json().await.unwrap();
    assert_eq!((after["unit_id"].as_i64(), after["position"].as_str()), (Some(township), Some("乡党委委员")));
    assert_eq!(after["phone"], phone.as_str(), "an absent phone is kept");
    let detail = last_audit(&t, "person.update").await;
    assert_eq!(detail["after"]["position"], "乡党委委员", "{detail}");
    assert!(!detail.to_string().contains(&phone), "no phone in the log: {detail}");

    // Out of his units, a rank not on the list, another's phone: refused, with the field named.
    let station = t.scalar("SELECT id FROM units WHERE name = '五一路派出所'").await;
    change["unit_id"] = json!(station);
    let (status, _, _, fields) = error_of(send(&admin, Method::PUT, &path, &change).await).await;
    assert_eq!(status, 422);
    assert!(fields["unit_id"].as_str().unwrap().contains("无权"), "{fields}");
    change["unit_id"] = json!(township);
    change["rank"] = json!("某某级");
    assert!(error_of(send(&admin, Method::PUT, &path, &change).await).await.3.get("rank").is_some());
    change["rank"] = json!("科级");
    let other: String = sqlx::query_scalar(
        "SELECT phone FROM people WHERE phone IS NOT NULL AND id <> $1 ORDER BY id LIMIT 1",
    )
    .bind(id)
    .fetch_one(&t.app.db.pool)
    .await
    .unwrap();
    change["phone"] = json!(t.open(&other));
    let (status, _, _, fields) = error_of(send(&admin, Method::PUT, &path, &change).await).await;
    assert_eq!(status, 422);
    assert!(fields["phone"].as_str().unwrap().contains("其他人员"), "{fields}");
    assert_eq!(admin.get_json(&path).await["phone"], phone.as_str(), "nothing written");

    // Another unit's administrator cannot reach him; the organiser sees him masked.
    let wuyilu = t.api_as("wuyilu").await;
    assert_eq!(wuyilu.get(&path).await.status(), 404);
    assert_eq!(send(&wuyilu, Method::PUT, &path, &change).await.status(), 404);
    let org = t.api_as("jiwei").await;
    assert!(org.get_json(&path).await["phone"].as_str().unwrap().contains("****"));

    // The page: blank contact fields keep what is stored.
    let b = t.browser_as("dongzhuang").await;
    let page = format!("/people/{id}");
    let csrf = b.csrf_from(&page).await;
    let township = township.to_string();
    let form = [
        ("_csrf", csrf.as_str()),
        ("name", "东庄 新名"),
        ("unit_id", township.as_str()),
        ("position", "乡党委委员"),
        ("rank", "科级"),
        ("party_member", "1"),
        ("phone", ""),
        ("email", ""),
        ("notify_by", "sms"),
    ];
    let resp = b.post_form(&page, &form).await;
    assert!(resp.status().is_redirection() || resp.status() == 200, "{}", resp.status());
    let now = admin.get_json(&path).await;
    assert_eq!((now["name"].as_str(), now["phone"].as_str()), (Some("东庄新名"), Some(phone.as_str())));
}

/// A placement is corrected or deleted by its unit while the campaign is open, and the totals follow.
async fn a_placement_is_corrected_or_deleted_until_the_campaign_closes(t: TestApp) {
    let camp = t.scalar("SELECT MIN(id) FROM campaigns").await;
    let town = t.scalar("SELECT id FROM units WHERE name = '东庄乡'").await;
    let admin = t.api_as("dongzhuang").await;
    let list = format!("/api/v1/campaigns/{camp}/placements");
    let resp = admin.post_json(&list, &crate::publicity::placement(town)).await;
    let id = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let path = format!("/api/v1/placements/{id}");
    let totals = || async { admin.get_json(&format!("{list}/totals")).await["quantity"].as_i64().unwrap() };
    assert_eq!(totals().await, 1200);

    let mut change = crate::publicity::placement(town);
    change["quantity"] = json!(800);
    assert_eq!(send(&admin, Method::PUT, &path, &change).await.status(), 204);
    assert_eq!(totals().await, 800);
    let detail = last_audit(&t, "placement.update").await;
    assert_eq!(
        (detail["before"]["quantity"].as_i64(), detail["after"]["quantity"].as_i64()),
        (Some(1200), Some(800))
    );
    let mut wrong = change.clone();
    wrong["end_date"] = json!("2022-05-01");
    assert_eq!(send(&admin, Method::PUT, &path, &wrong).await.status(), 422);
    let dept = t.scalar("SELECT id FROM units WHERE name = '市委宣传部'").await;
    let mut elsewhere = change.clone();
    elsewhere["unit_id"] = json!(dept);
    assert_eq!(send(&admin, Method::PUT, &path, &elsewhere).await.status(), 422, "not to another unit");
    let station = t.api_as("wuyilu").await;
    assert_eq!(send(&station, Method::PUT, &path, &change).await.status(), 404);
    assert_eq!(station.request(Method::DELETE, &path).send().await.unwrap().status(), 404);
    assert_eq!(totals().await, 800, "nothing written");

    // From the page, then gone from the totals; a closed campaign's placements stay as they are.
    let b = t.browser_as("dongzhuang").await;
    let page = format!("/campaigns/{camp}/placements");
    assert!(b.text(&page).await.contains(&format!("/placements/{id}/delete")));
    let csrf = b.csrf_from(&page).await;
    // Corrected from its own page, which shows what is stored.
    let html = b.text(&format!("/placements/{id}")).await;
    assert!(
        html.contains("id=\"placement-edit-form\"")
            && html.contains("value=\"800\"")
            && html.contains("人民路公交站台"),
        "{html}"
    );
    let town_s = town.to_string();
    let form = [
        ("_csrf", csrf.as_str()),
        ("unit_id", &town_s),
        ("material", "海报"),
        ("channel", "公共场所"),
        ("place", "人民路公交站台"),
        ("district", "城关街道"),
        ("quantity", "900"),
        ("start_date", "2022-05-16"),
        ("end_date", "2022-05-22"),
    ];
    assert_eq!(b.post_form(&format!("/placements/{id}"), &form).await.status(), 303);
    assert_eq!(totals().await, 900);
    let resp = b
        .post_form(
            &format!("/placements/{id}/delete"),
            &[("_csrf", &csrf), ("campaign_id", &camp.to_string())],
        )
        .await;
    assert!(resp.status().is_redirection() || resp.status() == 200, "{}", resp.status());
    assert_eq!(totals().await, 0);
    assert_eq!(last_audit(&t, "placement.delete").await["before"]["quantity"], 900);
    let resp = admin.post_json(&list, &crate::publicity::placement(town)).await;
    let kept = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    sqlx::query("UPDATE campaigns SET status = 'closed' WHERE id = $1")
        .bind(camp)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let (status, _, message, _) =
        error_of(admin.request(Method::DELETE, &format!("/api/v1/placements/{kept}")).send().await.unwrap())
            .await;
    assert_eq!(status, 409);
    assert!(message.contains("已结束"), "{message}");
}

/// A finding's deadline is extended and its wording corrected while open; a rectification
/// closed without enough done is reopened with a reason; an inspection is corrected, and
/// deleted only while none of its findings has been rectified.
async fn an_inspection_and_its_findings_are_corrected_reopened_and_deleted(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let camp = t.scalar("SELECT MIN(id) FROM campaigns").await;
    let village = t.scalar("SELECT id FROM units WHERE name = '东庄村'").await;
    let finding = |description: &str| json!({"category": "值班值守", "severity": "medium", "description": description, "deadline": "2022-05-30"});
    let body = json!({"inspected_on": "2022-05-20", "unit_id": village, "focus": "疫情防控纪律",
                      "findings": [finding("卡口夜间无人值守"), finding("登记台账不全")]});
    let resp = org.post_json(&format!("/api/v1/campaigns/{camp}/inspections"), &body).await;
    let inspection = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM findings WHERE inspection_id = $1 ORDER BY id")
        .bind(inspection)
        .fetch_all(&t.app.db.pool)
        .await
        .unwrap();
    let (night, ledger) = (ids[0], ids[1]);

    // Extended and reworded; never before the inspection; not by the unit that answers for it.
    let mut change = finding("卡口夜间无人值守，值班表未落实");
    change["deadline"] = json!("2022-06-15");
    change["severity"] = json!("high");
    let path = format!("/api/v1/findings/{night}");
    assert_eq!(send(&org, Method::PUT, &path, &change).await.status(), 204);
    let detail = last_audit(&t, "finding.update").await;
    assert_eq!(
        (detail["before"]["deadline"].as_str(), detail["after"]["deadline"].as_str()),
        (Some("2022-05-30"), Some("2022-06-15"))
    );
    assert_eq!(detail["after"]["severity"], "high");
    let mut early = change.clone();
    early["deadline"] = json!("2022-05-01");
    let (status, _, _, fields) = error_of(send(&org, Method::PUT, &path, &early).await).await;
    assert_eq!(status, 422);
    assert!(fields["deadline"].as_str().unwrap().contains("不能早于检查日期"), "{fields}");
    let dz = t.api_as("dongzhuang").await;
    assert_eq!(send(&dz, Method::PUT, &path, &change).await.status(), 403);

    // Closed by the village, reopened by the commission with a reason; the evidence stays logged.
    let evidence = json!({"evidence": "已排班"});
    assert_eq!(dz.post_json(&format!("{path}/close"), &evidence).await.status(), 204);
    let (status, _, message, _) = error_of(send(&org, Method::PUT, &path, &change).await).await;
    assert_eq!(status, 409);
    assert!(message.contains("重新打开"), "{message}");
    assert_eq!(org.post_json(&format!("{path}/reopen"), &json!({"reason": " "})).await.status(), 422);
    assert_eq!(dz.post_json(&format!("{path}/reopen"), &json!({"reason": "未见值班表"})).await.status(), 403);
    assert_eq!(
        org.post_json(&format!("{path}/reopen"), &json!({"reason": "未见值班表"})).await.status(),
        204
    );
    let detail = last_audit(&t, "finding.reopen").await;
    assert_eq!(
        (detail["reason"].as_str(), detail["evidence"].as_str()),
        (Some("未见值班表"), Some("已排班"))
    );
    let status: String = sqlx::query_scalar("SELECT status FROM findings WHERE id = $1")
        .bind(night)
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "open");
    assert_eq!(org.post_json(&format!("{path}/reopen"), &json!({"reason": "再次"})).await.status(), 409);

    // The inspection itself: its date cannot pass a deadline; deleted only while none is rectified.
    let ipath = format!("/api/v1/inspections/{inspection}");
    let mut header = json!({"inspected_on": "2022-05-21", "unit_id": village, "focus": "疫情防控工作纪律", "team": "第二监督检查室"});
    assert_eq!(send(&org, Method::PUT, &ipath, &header).await.status(), 204);
    assert_eq!(org.get_json(&ipath).await["focus"], "疫情防控工作纪律");
    assert_eq!(last_audit(&t, "inspection.update").await["before"]["inspected_on"], "2022-05-20");
    header["inspected_on"] = json!("2022-06-01");
    let (status, _, _, fields) = error_of(send(&org, Method::PUT, &ipath, &header).await).await;
    assert_eq!(status, 422, "{fields}");
    assert_eq!(
        dz.post_json(&format!("/api/v1/findings/{ledger}/close"), &json!({"evidence": "已补齐"}))
            .await
            .status(),
        204
    );
    let (status, _, message, _) = error_of(org.request(Method::DELETE, &ipath).send().await.unwrap()).await;
    assert_eq!(status, 409);
    assert!(message.contains("1项问题已整改销号"), "{message}");
    assert_eq!(
        org.request(Method::DELETE, &format!("/api/v1/findings/{ledger}")).send().await.unwrap().status(),
        409
    );
    assert_eq!(
        org.request(Method::DELETE, &format!("/api/v1/findings/{night}")).send().await.unwrap().status(),
        204
    );

    // From the pages: an organiser reopens the rectified one, then the inspection goes.
    let b = t.browser_as("jiwei").await;
    let page = format!("/campaigns/{camp}/inspections");
    let csrf = b.csrf_from(&page).await;
    let camp_s = camp.to_string();
    let resp = b
        .post_form(
            &format!("/findings/{ledger}/reopen"),
            &[("_csrf", &csrf), ("campaign_id", &camp_s), ("reason", "台账仍缺两日")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let html = b.text(&format!("/inspections/{inspection}")).await;
    assert!(html.contains("id=\"inspection-edit-form\"") && html.contains("疫情防控工作纪律"), "{html}");
    let resp = b.post_form(&format!("/inspections/{inspection}/delete"), &[("_csrf", &csrf)]).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(org.get(&ipath).await.status(), 404);
    assert_eq!(
        t.scalar(&format!("SELECT COUNT(*) FROM findings WHERE inspection_id = {inspection}")).await,
        0
    );
    assert_eq!(last_audit(&t, "inspection.delete").await["before"]["findings"], 1);
}

/// An integrity application is corrected by its unit while it awaits evaluation, withdrawn
/// (the unit may apply again), and a decision made in error is set aside by an organiser.
async fn an_integrity_application_is_corrected_withdrawn_and_its_decision_set_aside(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let dz = t.api_as("dongzhuang").await;
    let types = org.get_json("/api/v1/integrity/types").await;
    let village = types.as_array().unwrap().iter().find(|t| t["code"] == "village").unwrap().clone();
    let ids: Vec<i64> =
        village["criteria"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    let unit = t.scalar("SELECT id FROM units WHERE name = '西庄村'").await;
    let answers =
        |word: &str| ids.iter().map(|c| json!({"criterion_id": c, "statement": word})).collect::<Vec<_>>();
    let apply = json!({"type_id": village["id"], "unit_id": unit, "items": answers("已落实")});
    let resp = dz.post_json("/api/v1/integrity/applications", &apply).await;
    let id = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let path = format!("/api/v1/integrity/applications/{id}");

    // Corrected: every criterion still answered; the log keeps the words replaced.
    let mut partial = answers("班子成员签订廉洁承诺书");
    partial[1]["statement"] = json!(" ");
    let (status, _, message, _) =
        error_of(send(&dz, Method::PUT, &path, &json!({"items": partial})).await).await;
    assert_eq!(status, 422);
    assert!(message.contains("第2条标准"), "{message}");
    assert_eq!(
        send(&dz, Method::PUT, &path, &json!({"items": answers("班子成员签订廉洁承诺书")})).await.status(),
        204
    );
    let a = dz.get_json(&path).await;
    assert_eq!(a["items"][0]["statement"], "班子成员签订廉洁承诺书");
    let detail = last_audit(&t, "integrity.correct").await;
    assert_eq!(detail["before"]["1"], "已落实", "{detail}");
    let station = t.api_as("wuyilu").await;
    assert_eq!(send(&station, Method::PUT, &path, &json!({"items": answers("x")})).await.status(), 404);

    // Withdrawn, and applied for again.
    assert_eq!(
        dz.post_json(&format!("{path}/withdraw"), &json!({"reason": "材料需补充"})).await.status(),
        204
    );
    assert_eq!(dz.get_json(&path).await["status"], "withdrawn");
    assert_eq!(send(&dz, Method::PUT, &path, &json!({"items": answers("再改")})).await.status(), 409);
    let again = dz.post_json("/api/v1/integrity/applications", &apply).await;
    assert_eq!(again.status(), 200, "a withdrawn application does not block a new one");
    let again = again.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    // Named, then the naming set aside: scores cleared, the log keeps the decision undone.
    let criteria = village["criteria"].as_array().unwrap();
    let full: i64 = criteria.iter().map(|c| c["max_score"].as_i64().unwrap()).sum();
    let scores = json!({"scores": criteria.iter().map(|c| json!({"criterion_id": c["id"], "score": c["max_score"]})).collect::<Vec<_>>(), "decision": "recognise"});
    let again_path = format!("/api/v1/integrity/applications/{again}");
    assert_eq!(org.post_json(&format!("{again_path}/evaluate"), &scores).await.status(), 204);
    assert_eq!(dz.post_json(&format!("{again_path}/reopen"), &json!({"reason": "误评"})).await.status(), 403);
    assert_eq!(
        org.post_json(&format!("{again_path}/reopen"), &json!({"reason": "评分时误用旧标准"})).await.status(),
        204
    );
    let a = org.get_json(&again_path).await;
    assert_eq!((a["status"].as_str(), a["items"][0]["score"].is_null()), (Some("submitted"), true));
    let detail = last_audit(&t, "integrity.reopen").await;
    assert_eq!(
        (detail["before"]["status"].as_str(), detail["before"]["total"].as_i64()),
        (Some("recognised"), Some(full))
    );
    assert_eq!(
        org.post_json(&format!("{again_path}/reopen"), &json!({"reason": "再次"})).await.status(),
        409
    );
    let named = t.client().get_json("/api/v1/integrity/recognised").await;
    assert!(!named.as_array().unwrap().iter().any(|a| a["id"] == again), "no longer on the public list");

    // The page offers the correction to the unit.
    let b = t.browser_as("dongzhuang").await;
    let page = format!("/integrity/applications/{again}");
    let html = b.text(&page).await;
    assert!(html.contains("id=\"correct-form\"") && html.contains("id=\"withdraw-form\""), "{html}");
    let csrf = b.csrf_from(&page).await;
    let mut form: Vec<(String, String)> = vec![("_csrf".into(), csrf)];
    form.extend(ids.iter().map(|c| (format!("statement_{c}"), "村务公开栏按月更新".to_string())));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(b.post_form(&format!("{page}/correct"), &pairs).await.status(), 303);
    assert_eq!(org.get_json(&again_path).await["items"][1]["statement"], "村务公开栏按月更新");
}

/// A person who leaves stays counted by what addressed him before, with what he did; what is
/// published after neither expects nor notifies him; his unit's administrator records it.
async fn a_person_who_leaves_keeps_past_figures_and_is_not_expected_after(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let activity = t.scalar("SELECT id FROM activities WHERE kind = 'lecture'").await;
    let host = t.scalar("SELECT id FROM units WHERE name = '市纪委监委'").await;
    let publish = |title: &str| {
        json!({"title": title, "kind": "document", "body": "第一章 总则", "delivery": "online",
               "host_unit_id": host, "audience": {"ranks": ["县处级"]}})
    };
    let material =
        |r: reqwest::Response| async move { r.json::<Value>().await.unwrap()["id"].as_i64().unwrap() };
    let materials = format!("/api/v1/activities/{activity}/materials");
    let before = material(org.post_json(&materials, &publish("《监察法实施条例》")).await).await;
    let expected = |m: i64| {
        let org = &org;
        async move {
            org.get_json(&format!("/api/v1/materials/{m}/progress")).await["totals"]["expected"]
                .as_i64()
                .unwrap()
        }
    };
    let all = expected(before).await;
    let person = t.scalar("SELECT MIN(id) FROM people WHERE rank = '县处级'").await;
    let path = format!("/api/v1/people/{person}");
    // A second later, so the material was published before he left.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    let station = t.api_as("wuyilu").await;
    let leaving = json!({"reason": "调离"});
    assert_eq!(station.post_json(&format!("{path}/leave"), &leaving).await.status(), 404, "not his unit");
    assert_eq!(org.post_json(&format!("{path}/leave"), &json!({"reason": " "})).await.status(), 422);
    assert_eq!(org.post_json(&format!("{path}/leave"), &leaving).await.status(), 204);
    assert_eq!(org.post_json(&format!("{path}/leave"), &leaving).await.status(), 409);
    assert_eq!(last_audit(&t, "person.leave").await["reason"], "调离");
    assert!(org.get_json(&path).await["left_at"].as_i64().unwrap() > 0);

    assert_eq!(expected(before).await, all, "the earlier material still counts him");
    let after = material(org.post_json(&materials, &publish("忏悔录")).await).await;
    assert_eq!(expected(after).await, all - 1, "the later one does not");
    let reminded = org.post_json(&format!("/api/v1/materials/{before}/remind"), &json!({})).await;
    assert_eq!(
        reminded.json::<Value>().await.unwrap()["reminded"].as_i64(),
        Some(all - 1),
        "no notice reaches him"
    );

    // Shown on the roster; put back, he is expected again by what comes next.
    let b = t.browser_as("jiwei").await;
    let html = b.text(&format!("/people/{person}")).await;
    assert!(
        html.contains("id=\"person-left\"") && html.contains("调离") && html.contains("id=\"rejoin-form\""),
        "{html}"
    );
    let csrf = b.csrf_from(&format!("/people/{person}")).await;
    assert_eq!(b.post_form(&format!("/people/{person}/rejoin"), &[("_csrf", &csrf)]).await.status(), 303);
    assert_eq!(org.get_json(&path).await["left_at"], 0);
    let later = material(org.post_json(&materials, &publish("廉洁自律准则")).await).await;
    assert_eq!(expected(later).await, all);
}

/// A person listed twice is merged: what the duplicate did (a signature, the account) counts
/// for the one kept, the duplicate is expected by nothing more, and the chain stays intact.
async fn a_duplicate_person_is_merged_into_the_one_kept(t: TestApp) {
    let admin = t.api_as("admin").await;
    let rows = [
        ["", "赵一", "东庄村", "村支书", "科级", "13700000101", "中共党员"],
        ["", "赵一", "西庄村", "", "科级", "13700000102", "中共党员"],
    ];
    let resp = crate::roster::upload(&admin, "花名册.xlsx", crate::roster::xlsx(&rows), "all").await;
    assert_eq!(resp.status(), 200);
    let by_phone = |phone: &str| format!("SELECT id FROM people WHERE phone_idx = '{}'", t.phone_idx(phone));
    let kept = t.scalar(&by_phone("13700000101")).await;
    let dup = t.scalar(&by_phone("13700000102")).await;
    let account = json!({"username": "zhaoyi", "display_name": "赵一", "password": "Reader#2022pw", "role": "member", "person_phone": "13700000102"});
    assert_eq!(admin.post_json("/api/v1/users", &account).await.status(), 200);
    let reader = t.api_with("zhaoyi", "Reader#2022pw").await;

    // The duplicate's account reads and signs a material addressed to the township.
    let org = t.api_as("jiwei").await;
    let activity = t.scalar("SELECT id FROM activities WHERE kind = 'lecture'").await;
    let host = t.scalar("SELECT id FROM units WHERE name = '东庄乡'").await;
    let body = json!({"title": "廉洁从政若干准则", "kind": "document", "body": "第一条", "delivery": "online",
                      "host_unit_id": host, "audience": {"unit_id": host}});
    let m = org.post_json(&format!("/api/v1/activities/{activity}/materials"), &body).await;
    let m = m.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    reader.post_json(&format!("/api/v1/materials/{m}/open"), &json!({})).await;
    let sign = json!({"typed": true});
    assert_eq!(reader.post_json(&format!("/api/v1/materials/{m}/sign"), &sign).await.status(), 200);
    let progress =
        || async { org.get_json(&format!("/api/v1/materials/{m}/progress")).await["totals"].clone() };
    let before = progress().await;

    // The duplicate's page offers the namesake; refusals first.
    let b = t.browser_as("dongzhuang").await;
    let html = b.text(&format!("/people/{dup}")).await;
    assert!(
        html.contains("id=\"namesakes\"") && html.contains(&format!("name=\"into\" value=\"{kept}\"")),
        "{html}"
    );
    let dz = t.api_as("dongzhuang").await;
    let merge = |into: i64| json!({"into": into});
    let path = format!("/api/v1/people/{dup}/merge");
    assert_eq!(dz.post_json(&path, &merge(dup)).await.status(), 422);
    let station = t.api_as("wuyilu").await;
    assert_eq!(station.post_json(&path, &merge(kept)).await.status(), 404, "not his unit");
    let csrf = b.csrf_from(&format!("/people/{dup}")).await;
    let into = kept.to_string();
    let resp = b.post_form(&format!("/people/{dup}/merge"), &[("_csrf", &csrf), ("into", &into)]).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(dz.post_json(&path, &merge(kept)).await.status(), 409, "merged once");

    // The signature counts for the one kept; the duplicate is expected no more.
    let after = progress().await;
    assert_eq!(after["expected"].as_i64(), before["expected"].as_i64().map(|n| n - 1), "{after}");
    assert_eq!(after["signed"], before["signed"]);
    let mine = reader.get_json("/api/v1/me/materials").await;
    assert!(mine.as_array().unwrap().iter().any(|x| x["id"] == m && x["signed_at"].is_i64()), "{mine}");
    assert_eq!(
        reader.post_json(&format!("/api/v1/materials/{m}/sign"), &sign).await.status(),
        409,
        "signed already"
    );
    let detail = last_audit(&t, "person.merge").await;
    assert_eq!(
        (detail["moved"]["signatures"].as_i64(), detail["moved"]["users"].as_i64()),
        (Some(1), Some(1)),
        "{detail}"
    );
    assert_eq!(admin.get_json("/api/v1/chain").await["intact"], true);
    let dup_now = dz.get_json(&format!("/api/v1/people/{dup}")).await;
    assert!(
        dup_now["left_at"].as_i64().unwrap() > 0
            && dup_now["left_reason"].as_str().unwrap().contains("合并至赵一")
    );
    assert_eq!(dz.get_json(&format!("/api/v1/people/{kept}")).await["unit_name"], "东庄村");
}

/// A village merged into another (撤并): its people, the units below it and its placements go
/// to the kept village, and it is removed; a task both villages have, or an account scoped to
/// it, holds the merge until settled.
async fn a_unit_is_merged_into_another_unless_something_must_be_settled_first(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let township = t.scalar("SELECT id FROM units WHERE name = '东庄乡'").await;
    let kept = t.scalar("SELECT id FROM units WHERE name = '东庄村'").await;
    let add = |name: &'static str, parent: i64| {
        let org = &org;
        async move { add_village(org, name, parent).await["id"].as_i64().unwrap() }
    };
    let gone = add("南庄村", township).await;
    let group = add("南庄村第一村民小组", gone).await;
    let dz = t.api_as("dongzhuang").await;
    let person = t.scalar(&format!("SELECT MIN(id) FROM people WHERE unit_id = {kept}")).await;
    let p = dz.get_json(&format!("/api/v1/people/{person}")).await;
    let to_gone = json!({"name": p["name"], "unit_id": gone, "position": p["position"], "rank": p["rank"], "party_member": p["party_member"]});
    assert_eq!(send(&dz, Method::PUT, &format!("/api/v1/people/{person}"), &to_gone).await.status(), 200);
    let camp = t.scalar("SELECT MIN(id) FROM campaigns WHERE status <> 'closed'").await;
    let placed = dz
        .post_json(&format!("/api/v1/campaigns/{camp}/placements"), &crate::publicity::placement(gone))
        .await;
    assert_eq!(placed.status(), 200);
    let placement = placed.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    // Refused: into a unit below it, by someone it is not his, or while a village keeps tasks.
    let path = format!("/api/v1/units/{gone}/merge");
    assert_eq!(dz.post_json(&path, &json!({"into": group})).await.status(), 422);
    let station = t.api_as("wuyilu").await;
    assert_eq!(station.post_json(&path, &json!({"into": kept})).await.status(), 404);
    let west = t.scalar("SELECT id FROM units WHERE name = '西庄村'").await;
    let shared = t.scalar(&format!(
        "SELECT COUNT(*) FROM tasks t WHERE t.unit_id = {west} AND EXISTS (SELECT 1 FROM tasks k WHERE k.assignment_id = t.assignment_id AND k.unit_id = {kept})"
    )).await;
    assert!(shared > 0, "the demo gives both villages tasks of the same assignments");
    let (status, _, message, _) =
        error_of(dz.post_json(&format!("/api/v1/units/{west}/merge"), &json!({"into": kept})).await).await;
    assert_eq!(status, 409);
    assert!(message.contains(&format!("有{shared}项工作两个单位都有任务")), "{message}");
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM units WHERE id = {west}")).await, 1, "nothing moved");

    // From the page: everything of 南庄村 is 东庄村's, the group under it, and 南庄村 gone.
    let b = t.browser_as("dongzhuang").await;
    let page = format!("/units/{gone}");
    assert!(b.text(&page).await.contains("id=\"unit-merge-form\""));
    let csrf = b.csrf_from(&page).await;
    let into = kept.to_string();
    assert_eq!(
        b.post_form(&format!("{page}/merge"), &[("_csrf", &csrf), ("into", &into)]).await.status(),
        303
    );
    assert_eq!(dz.get_json(&format!("/api/v1/people/{person}")).await["unit_id"], kept);
    assert_eq!(t.scalar(&format!("SELECT unit_id FROM placements WHERE id = {placement}")).await, kept);
    assert_eq!(t.scalar(&format!("SELECT parent_id FROM units WHERE id = {group}")).await, kept);
    let (kept_path, group_path): (String, String) = sqlx::query_as(&format!(
        "SELECT k.path, g.path FROM units k, units g WHERE k.id = {kept} AND g.id = {group}"
    ))
    .fetch_one(&t.app.db.pool)
    .await
    .unwrap();
    assert_eq!(group_path, format!("{kept_path}{group}/"));
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM units WHERE id = {gone}")).await, 0);
    let detail = last_audit(&t, "unit.merge").await;
    assert_eq!(
        (detail["name"].as_str(), detail["moved"]["people.unit_id"].as_i64()),
        (Some("南庄村"), Some(1)),
        "{detail}"
    );

    // An account scoped to the unit holds its merge.
    let held = add("北庄村", township).await;
    let admin = t.api_as("admin").await;
    let user = json!({"username": "beizhuang", "display_name": "北庄村管理员", "password": "Village#2022pw", "role": "unit_admin", "unit_id": held});
    assert_eq!(admin.post_json("/api/v1/users", &user).await.status(), 200);
    let (status, _, message, _) =
        error_of(dz.post_json(&format!("/api/v1/units/{held}/merge"), &json!({"into": kept})).await).await;
    assert_eq!(status, 409);
    assert!(message.contains("1个账号的管理范围是本单位"), "{message}");
}

crate::on_both_engines!(
    a_unit_is_merged_into_another_unless_something_must_be_settled_first,
    a_duplicate_person_is_merged_into_the_one_kept,
    a_person_who_leaves_keeps_past_figures_and_is_not_expected_after,
    an_integrity_application_is_corrected_withdrawn_and_its_decision_set_aside,
    an_inspection_and_its_findings_are_corrected_reopened_and_deleted,
    a_placement_is_corrected_or_deleted_until_the_campaign_closes,
    a_unit_is_renamed_and_moved_with_everything_below_it,
    a_person_is_corrected_and_moved_within_the_administrators_units,
    an_activity_is_corrected_and_deleted_while_nothing_depends_on_it,
    a_deadline_is_extended_and_a_task_withdrawn_from_one_unit,
    a_call_is_closed_early_reopened_and_locked_once_judged,
);
