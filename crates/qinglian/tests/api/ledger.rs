//! Ledger entries: filing with photos, returning, resubmitting, accepting; bad uploads; scope.

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

use crate::harness::{error_of, TestApp};

pub(crate) const PHOTO: &[u8] = include_bytes!("../fixtures/meeting.png");

/// The pending demo task of 东庄村 ("开展一次集中警示教育大会").
pub(crate) async fn dongzhuang_village_task(t: &TestApp) -> i64 {
    sqlx::query(
        "UPDATE tasks SET status = 'pending' WHERE unit_id = (SELECT id FROM units WHERE name = '东庄村')",
    )
    .execute(&t.app.db.pool)
    .await
    .unwrap();
    sqlx::query("DELETE FROM ledger_entries WHERE unit_id = (SELECT id FROM units WHERE name = '东庄村')")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    t.scalar("SELECT t.id FROM tasks t JOIN units u ON u.id = t.unit_id WHERE u.name = '东庄村'").await
}

pub(crate) fn entry_form(date: &str, place: &str, participants: &str, summary: &str) -> Form {
    Form::new()
        .text("entry_date", date.to_string())
        .text("place", place.to_string())
        .text("participants", participants.to_string())
        .text("summary", summary.to_string())
}

pub(crate) async fn file_return_resubmit_accept(t: TestApp) {
    let task = dongzhuang_village_task(&t).await;
    let camp = t.scalar("SELECT MIN(id) FROM campaigns").await;
    let org = t.api_as("jiwei").await;
    let board_before = org.get_json(&format!("/api/v1/campaigns/{camp}/board")).await["totals"].clone();

    let unit = t.api_as("dongzhuang").await;
    let form = entry_form("2022-05-20", "东庄村党群服务中心", "35", "组织村两委干部观看《零容忍》。")
        .text("theme_ids", t.scalar("SELECT MIN(id) + 2 FROM campaign_themes").await.to_string())
        .part("files", Part::bytes(PHOTO.to_vec()).file_name("会场.png"));
    let resp = unit.post_multipart(&format!("/api/v1/tasks/{task}/entries"), form).await;
    assert_eq!(resp.status(), 200);
    let entry = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    let board = org.get_json(&format!("/api/v1/campaigns/{camp}/board")).await["totals"].clone();
    assert_eq!(board["submitted"].as_i64().unwrap(), board_before["submitted"].as_i64().unwrap() + 1);
    assert_eq!(board["pending"].as_i64().unwrap(), board_before["pending"].as_i64().unwrap() - 1);

    let e = unit.get_json(&format!("/api/v1/entries/{entry}")).await;
    assert_eq!(e["participants"], 35);
    assert_eq!(e["themes"][0], "乡村振兴");
    let file_id = e["attachments"][0]["id"].as_i64().unwrap();
    let resp = unit.get(&format!("/api/v1/files/{file_id}")).await;
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), PHOTO);

    // Returning needs a comment.
    let (status, _, message, _) = error_of(
        org.post_json(&format!("/api/v1/entries/{entry}/review"), &json!({"decision": "return"})).await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(message.contains("审核意见"), "{message}");
    let resp = org
        .post_json(
            &format!("/api/v1/entries/{entry}/review"),
            &json!({"decision": "return", "comment": "请补充参会人员签到表照片"}),
        )
        .await;
    assert_eq!(resp.status(), 204);
    assert_eq!(unit.get_json(&format!("/api/v1/tasks/{task}")).await["status"], "returned");
    // A unit administrator cannot review.
    assert_eq!(
        unit.post_json(&format!("/api/v1/entries/{entry}/review"), &json!({"decision": "accept"}))
            .await
            .status(),
        403
    );

    let form =
        entry_form("2022-05-20", "东庄村党群服务中心", "36", "组织村两委干部观看《零容忍》，补充签到表。")
            .part("files", Part::bytes(PHOTO.to_vec()).file_name("签到表.png"));
    assert_eq!(unit.post_multipart(&format!("/api/v1/entries/{entry}/resubmit"), form).await.status(), 204);
    let e = unit.get_json(&format!("/api/v1/entries/{entry}")).await;
    assert_eq!((e["status"].as_str(), e["participants"].as_i64()), (Some("submitted"), Some(36)));
    assert_eq!(e["attachments"].as_array().unwrap().len(), 2);

    assert_eq!(
        org.post_json(&format!("/api/v1/entries/{entry}/review"), &json!({"decision": "accept"}))
            .await
            .status(),
        204
    );
    // Reviewing twice is a conflict, not a second decision.
    assert_eq!(
        org.post_json(
            &format!("/api/v1/entries/{entry}/review"),
            &json!({"decision": "return", "comment": "x"})
        )
        .await
        .status(),
        409
    );
    let board = org.get_json(&format!("/api/v1/campaigns/{camp}/board")).await["totals"].clone();
    assert_eq!(board["accepted"].as_i64().unwrap(), board_before["accepted"].as_i64().unwrap() + 1);

    let actions: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT action FROM audit_log WHERE entity = 'ledger_entry' AND entity_id = '{entry}' ORDER BY id"
    ))
    .fetch_all(&t.app.db.pool)
    .await
    .unwrap();
    assert_eq!(actions, ["ledger.submit", "ledger.return", "ledger.resubmit", "ledger.accept"]);
}

async fn bad_uploads_are_refused_and_nothing_is_written(t: TestApp) {
    let task = dongzhuang_village_task(&t).await;
    let unit = t.api_as("dongzhuang").await;
    let entries = t.scalar("SELECT COUNT(*) FROM ledger_entries").await;

    // An executable named like a photo.
    let form = entry_form("2022-05-20", "会议室", "10", "警示教育")
        .part("files", Part::bytes(b"MZ\x90\x00\x03\x00\x00\x00".to_vec()).file_name("photo.jpg"));
    let (status, code, message, _) =
        error_of(unit.post_multipart(&format!("/api/v1/tasks/{task}/entries"), form).await).await;
    assert_eq!((status, code.as_str()), (415, "unsupported_type"));
    assert!(message.contains("photo.jpg") && message.contains("不是图片或PDF"), "{message}");

    // Larger than the 10 MB limit for one file.
    let mut big = PHOTO.to_vec();
    big.resize(11 * 1024 * 1024, 0);
    let form = entry_form("2022-05-20", "会议室", "10", "警示教育")
        .part("files", Part::bytes(big).file_name("big.png"));
    let (status, _, message, _) =
        error_of(unit.post_multipart(&format!("/api/v1/tasks/{task}/entries"), form).await).await;
    assert_eq!(status, 413);
    assert!(message.contains("超过10MB"), "{message}");

    // Field errors, all at once, in Chinese; and in English when asked.
    let form = entry_form("2022-13-40", "", "-3", "x");
    let (status, _, _, fields) =
        error_of(unit.post_multipart(&format!("/api/v1/tasks/{task}/entries"), form).await).await;
    assert_eq!(status, 422);
    assert!(fields["entry_date"].as_str().unwrap().contains("日期格式不正确"));
    assert!(fields["place"].as_str().unwrap().contains("必填"));
    assert!(fields["participants"].as_str().unwrap().contains("0到1000000"));
    let resp = unit
        .http
        .post(format!("{}/api/v1/tasks/{task}/entries", unit.base))
        .bearer_auth(unit.token.as_ref().unwrap())
        .header("accept-language", "en")
        .json(&json!({"entry_date": "2022-05-20", "place": "", "participants": 3, "summary": "ok"}))
        .send()
        .await
        .unwrap();
    let (_, _, message, _) = error_of(resp).await;
    assert_eq!(message, "Place: This is required.");

    assert_eq!(t.scalar("SELECT COUNT(*) FROM ledger_entries").await, entries, "nothing written");
    assert_eq!(
        t.scalar(&format!("SELECT COUNT(*) FROM tasks WHERE id = {task} AND status = 'pending'")).await,
        1
    );
}

async fn another_units_data_is_out_of_reach(t: TestApp) {
    let task = dongzhuang_village_task(&t).await;
    let other = t.api_as("wuyilu").await;
    assert_eq!(other.get(&format!("/api/v1/tasks/{task}")).await.status(), 404);
    let form = entry_form("2022-05-20", "会议室", "10", "冒名报送");
    assert_eq!(other.post_multipart(&format!("/api/v1/tasks/{task}/entries"), form).await.status(), 404);
    let mine = other.get_json("/api/v1/tasks?per_page=100").await;
    assert_eq!(mine["total"], 1, "only 五一路派出所's own task");
    // Another unit's entry and its photo are out of reach too.
    let entry = t.scalar("SELECT MIN(e.id) FROM ledger_entries e JOIN units u ON u.id = e.unit_id WHERE u.name <> '五一路派出所'").await;
    assert_eq!(other.get(&format!("/api/v1/entries/{entry}")).await.status(), 404);
}

async fn browser_flow_files_with_photo_and_organiser_returns(t: TestApp) {
    let task = dongzhuang_village_task(&t).await;
    let unit = t.browser_as("dongzhuang").await;
    let csrf = unit.csrf_from(&format!("/tasks/{task}")).await;
    let form = Form::new()
        .text("_csrf", csrf)
        .text("entry_date", "2022-05-21")
        .text("place", "东庄村委会")
        .text("participants", "２８")
        .text("summary", "观看《零容忍》专题片")
        .part("files", Part::bytes(PHOTO.to_vec()).file_name("现场.png"));
    let resp = unit.post_multipart(&format!("/tasks/{task}/entries"), form).await;
    assert_eq!(resp.status(), 303);
    let html = unit.text(&format!("/tasks/{task}")).await;
    assert!(html.contains("台账已报送") || html.contains("待审核"));
    assert_eq!(
        t.scalar(&format!("SELECT participants FROM ledger_entries WHERE task_id = {task}")).await,
        28
    );

    let org = t.browser_as("jiwei").await;
    let entry = t.scalar(&format!("SELECT id FROM ledger_entries WHERE task_id = {task}")).await;
    let csrf = org.csrf_from(&format!("/tasks/{task}")).await;
    let resp = org
        .post_form(
            &format!("/entries/{entry}/review"),
            &[("_csrf", &csrf), ("decision", "return"), ("comment", "照片不清晰")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let html = unit.text(&format!("/tasks/{task}")).await;
    assert!(html.contains("照片不清晰") && html.contains("重新报送"));
}

async fn entries_for_an_activity_itself(t: TestApp) {
    let lecture = t.scalar("SELECT id FROM activities WHERE kind = 'lecture'").await;
    let jiwei_unit = t.scalar("SELECT id FROM units WHERE name = '市纪委监委'").await;
    let station = t.scalar("SELECT id FROM units WHERE name = '五一路派出所'").await;
    let village = t.scalar("SELECT id FROM units WHERE name = '东庄村'").await;
    let body = |unit: i64| {
        json!({"unit_id": unit, "entry_date": "2022-05-17", "place": "市委党校报告厅", "participants": 260,
               "summary": "《监察法实施条例》集中宣讲解读。"})
    };

    // The lead department's organiser records the lecture itself.
    let org = t.api_as("jiwei").await;
    let resp = org.post_json(&format!("/api/v1/activities/{lecture}/entries"), &body(jiwei_unit)).await;
    assert_eq!(resp.status(), 200);
    let lecture_entry = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    // A station may record its own part, not a village's.
    let station_admin = t.api_as("wuyilu").await;
    assert_eq!(
        station_admin
            .post_json(&format!("/api/v1/activities/{lecture}/entries"), &body(village))
            .await
            .status(),
        403
    );
    let form = entry_form("2022-05-18", "五一路派出所会议室", "18", "组织民警集中学习。")
        .text("unit_id", station.to_string())
        .part("files", Part::bytes(PHOTO.to_vec()).file_name("学习.png"));
    assert_eq!(
        station_admin.post_multipart(&format!("/api/v1/activities/{lecture}/entries"), form).await.status(),
        200
    );
    let (status, _, message, _) = error_of(
        station_admin
            .post_json(
                &format!("/api/v1/activities/{lecture}/entries"),
                &json!({"entry_date": "2022-05-18", "place": "x", "participants": 1, "summary": "x"}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 422, "{message}");

    let all = org.get_json(&format!("/api/v1/activities/{lecture}/entries")).await;
    assert_eq!(all["total"], 2);
    let mine = station_admin.get_json(&format!("/api/v1/activities/{lecture}/entries")).await;
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["files"], 1);

    // Reviewed like any other entry; the page of a task-less entry is its own.
    assert_eq!(
        org.post_json(&format!("/api/v1/entries/{lecture_entry}/review"), &json!({"decision": "accept"}))
            .await
            .status(),
        204
    );
    let b = t.browser_as("jiwei").await;
    let html = b.text(&format!("/entries/{lecture_entry}")).await;
    assert!(html.contains("市委党校报告厅") && html.contains("已通过"), "{html}");
    let html = b.text(&format!("/activities/{lecture}")).await;
    assert!(html.contains("五一路派出所会议室") && html.contains("报送本活动台账"));
}

async fn unit_lists_are_scoped(t: TestApp) {
    let dz = t.api_as("dongzhuang").await;
    let units = dz.get_json("/api/v1/units").await;
    let names: Vec<&str> = units.as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 5, "{names:?}");
    assert!(names.contains(&"东庄村") && !names.contains(&"五一路派出所"));
    let org = t.api_as("jiwei").await;
    assert_eq!(
        org.get_json("/api/v1/units").await.as_array().unwrap().len() as i64,
        t.scalar("SELECT COUNT(*) FROM units").await
    );
}

async fn many_units_filing_at_once_all_succeed(t: TestApp) {
    // Twenty-four units report with photos in the same second, more than the connection pool holds:
    // no "database is locked", no request starved of a connection (a file stored in the
    // database takes one of its own), nothing lost.
    let tasks: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM tasks WHERE status = 'pending' ORDER BY id LIMIT 24")
            .fetch_all(&t.app.db.pool)
            .await
            .unwrap();
    assert_eq!(tasks.len(), 24);
    let org = std::sync::Arc::new(t.api_as("jiwei").await);
    let before = t.scalar("SELECT COUNT(*) FROM ledger_entries").await;
    let mut handles = Vec::new();
    for task in tasks {
        let org = org.clone();
        handles.push(tokio::spawn(async move {
            let form = entry_form("2022-05-20", "会议室", "12", "警示教育大会")
                .part("files", Part::bytes(PHOTO.to_vec()).file_name("p.png"));
            org.post_multipart(&format!("/api/v1/tasks/{task}/entries"), form).await.status().as_u16()
        }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), 200);
    }
    assert_eq!(t.scalar("SELECT COUNT(*) FROM ledger_entries").await, before + 24);
}

crate::on_both_engines!(
    many_units_filing_at_once_all_succeed,
    entries_for_an_activity_itself,
    unit_lists_are_scoped,
    file_return_resubmit_accept,
    bad_uploads_are_refused_and_nothing_is_written,
    another_units_data_is_out_of_reach,
    browser_flow_files_with_photo_and_organiser_returns,
);
