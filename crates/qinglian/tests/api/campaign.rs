//! The seed's campaign, adding activities, assigning work to units, the progress board.

use serde_json::{json, Value};

use crate::harness::{error_of, TestApp};

async fn the_seed_campaign_with_ten_activities(t: TestApp) {
    let c = t.api_as("jiwei").await;
    let list = c.get_json("/api/v1/campaigns").await;
    let id = list[0]["id"].as_i64().unwrap();
    let camp = c.get_json(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(camp["year"], 2022);
    assert!(camp["theme"].as_str().unwrap().contains("助力全方位高质量发展"));
    let acts = camp["activities"].as_array().unwrap();
    assert_eq!(acts.len(), 10);
    let leads: Vec<&str> = acts.iter().map(|a| a["lead_unit_name"].as_str().unwrap()).collect();
    assert_eq!(&leads[..4], &["市纪委监委", "市纪委监委", "市纪委监委", "市委宣传部"]);
    assert_eq!(leads[9], "市行政审批服务管理局");
    assert_eq!(acts[7]["co_units"][0]["name"], "市教科局");
    let themes: Vec<&str> =
        camp["themes"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(themes, ["疫情防控", "机关建设", "乡村振兴", "基层服务"]);
    // The seed's 56 new staff are in the roster.
    assert_eq!(t.scalar("SELECT COUNT(*) FROM people WHERE rank = '新进事业人员'").await, 56);

    let b = t.browser_as("jiwei").await;
    let html = b.text(&format!("/campaigns/{id}")).await;
    assert!(
        html.contains("清廉清河建设为引领")
            && html.contains("开展一次优化营商环境活动")
            && html.contains("指导思想")
    );
}

async fn assign_to_all_units_and_watch_the_board(t: TestApp) {
    let c = t.api_as("jiwei").await;
    let camp = c.get_json("/api/v1/campaigns").await[0]["id"].as_i64().unwrap();
    let resp = c
        .post_json(
            &format!("/api/v1/campaigns/{camp}/activities"),
            &json!({
                "kind": "warning_education", "title": "各单位警示教育大会", "lead_unit_id": 2,
                "start_date": "2022-05-16", "end_date": "2022-06-05", "theme_ids": []
            }),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let activity = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let city = t.scalar("SELECT id FROM units WHERE name = '清河市'").await;
    let resp = c.post_json(&format!("/api/v1/activities/{activity}/assignments"), &json!({
        "title": "开展一次警示教育大会", "due_date": "2099-06-05", "targets": {"by": "below", "unit_id": city}
    })).await;
    assert_eq!(resp.status(), 200);
    let created: Value = resp.json().await.unwrap();
    let units = t.scalar("SELECT COUNT(*) FROM units").await;
    assert_eq!(created["tasks"].as_i64().unwrap(), units - 1, "one task per unit below the city");

    let board = c.get_json(&format!("/api/v1/campaigns/{camp}/board?activity_id={activity}")).await;
    assert_eq!(board["totals"]["total"].as_i64().unwrap(), units - 1);
    assert_eq!(board["totals"]["pending"].as_i64().unwrap(), units - 1);
    assert_eq!(board["totals"]["overdue"], 0);

    // By type: only the three police stations.
    let resp = c.post_json(&format!("/api/v1/activities/{activity}/assignments"), &json!({
        "title": "清廉派出所自查", "due_date": "2022-06-01", "targets": {"by": "types", "type_codes": ["police_station"]}
    })).await;
    assert_eq!(resp.json::<Value>().await.unwrap()["tasks"], 3);
    let board =
        c.get_json(&format!("/api/v1/campaigns/{camp}/board?activity_id={activity}&overdue=true")).await;
    assert_eq!(board["totals"]["overdue"], 3, "a due date in the past makes them overdue");
    assert_eq!(board["units"]["total"], 3, "overdue filter keeps only those units");

    // The board page for the dongzhuang administrator shows only his units.
    let dz = t.api_as("dongzhuang").await;
    let board = dz.get_json(&format!("/api/v1/campaigns/{camp}/board?activity_id={activity}")).await;
    assert_eq!(board["totals"]["total"], 5, "东庄乡 and the four units below it");
}

async fn assignments_are_validated(t: TestApp) {
    let c = t.api_as("jiwei").await;
    let activity = t.scalar("SELECT MIN(id) FROM activities").await;
    let resp = c
        .post_json(
            &format!("/api/v1/activities/{activity}/assignments"),
            &json!({
                "title": "", "due_date": "明天", "targets": {"by": "units", "unit_ids": []}
            }),
        )
        .await;
    let (status, code, message, _) = error_of(resp).await;
    assert_eq!((status, code.as_str()), (422, "validation"));
    assert!(message.contains("必填"), "{message}");
    let resp = c
        .post_json(
            &format!("/api/v1/activities/{activity}/assignments"),
            &json!({
                "title": "x", "due_date": "2022-06-05", "targets": {"by": "units", "unit_ids": [999999]}
            }),
        )
        .await;
    let (status, _, message, _) = error_of(resp).await;
    assert_eq!(status, 422);
    assert!(message.contains("999999"), "{message}");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM assignments").await, 1, "only the demo's assignment");

    let dz = t.api_as("dongzhuang").await;
    let resp = dz
        .post_json(
            &format!("/api/v1/activities/{activity}/assignments"),
            &json!({
                "title": "x", "due_date": "2022-06-05", "targets": {"by": "units", "unit_ids": [1]}
            }),
        )
        .await;
    assert_eq!(resp.status(), 403);
}

async fn campaign_lifecycle_and_custom_themes(t: TestApp) {
    let c = t.api_as("jiwei").await;
    let resp = c.post_json("/api/v1/campaigns", &json!({
        "title": "2023年清廉清河宣传周", "year": 2023, "start_date": "2023-05-15", "end_date": "2023-05-10", "themes": []
    })).await;
    let (status, _, message, _) = error_of(resp).await;
    assert_eq!(status, 422);
    assert!(message.contains("结束日期不能早于开始日期"), "{message}");
    let resp = c.post_json("/api/v1/campaigns", &json!({
        "title": "2023年清廉清河宣传周", "year": 2023, "start_date": "2023-05-15", "end_date": "2023-05-21", "themes": ["清廉学校", "清廉医院"]
    })).await;
    let id = resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let camp = c.get_json(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(camp["status"], "draft");
    assert_eq!(camp["themes"].as_array().unwrap().len(), 2);
    assert_eq!(
        c.post_json(&format!("/api/v1/campaigns/{id}/status"), &json!({"status": "closed"})).await.status(),
        409
    );
    assert_eq!(
        c.post_json(&format!("/api/v1/campaigns/{id}/status"), &json!({"status": "published"}))
            .await
            .status(),
        204
    );
    assert_eq!(
        c.post_json(&format!("/api/v1/campaigns/{id}/status"), &json!({"status": "closed"})).await.status(),
        204
    );
}

async fn organisers_edit_the_campaign_on_its_page(t: TestApp) {
    let b = t.browser_as("jiwei").await;
    let csrf = b.csrf_from("/").await;
    let resp = b
        .post_form(
            "/campaigns",
            &[
                ("_csrf", &csrf),
                ("title", "2023年清廉清河宣传周"),
                ("year", "2023"),
                ("start_date", "2023/5/15"),
                ("end_date", "2023年5月21日"),
                ("themes", "清廉学校、清廉医院，清廉学校"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let id = t.scalar("SELECT id FROM campaigns WHERE year = 2023").await;
    assert_eq!(
        t.scalar(&format!("SELECT COUNT(*) FROM campaign_themes WHERE campaign_id = {id}")).await,
        2,
        "duplicates folded"
    );
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM campaigns WHERE id = {id} AND start_date = '2023-05-15' AND end_date = '2023-05-21'")).await, 1);

    // The seed campaign: a theme used by activities cannot be dropped; nothing changes then.
    let seed = t.scalar("SELECT MIN(id) FROM campaigns").await;
    let path = format!("/campaigns/{seed}/edit");
    let fields = |themes: &'static str, theme: &'static str| {
        vec![
            ("_csrf", csrf.clone()),
            ("title", "2022年清廉清河宣传周".into()),
            ("year", "2022".into()),
            ("theme", theme.into()),
            ("start_date", "2022-05-16".into()),
            ("end_date", "2022-06-15".into()),
            ("themes", themes.into()),
        ]
    };
    let resp = b
        .http
        .post(format!("{}{path}", b.base))
        .form(&fields("疫情防控、乡村振兴", "新主题"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("已被活动或台账使用"));
    assert_eq!(
        t.scalar(&format!("SELECT COUNT(*) FROM campaigns WHERE id = {seed} AND theme = '新主题'")).await,
        0
    );

    let resp = b
        .http
        .post(format!("{}{path}", b.base))
        .form(&fields("疫情防控、机关建设、乡村振兴、基层服务、清廉文化", "新主题"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let html = b.text(&format!("/campaigns/{seed}")).await;
    assert!(html.contains("新主题") && html.contains("清廉文化"));
    let detail: String = sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'campaign.update'")
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    assert!(detail.contains("清廉清河建设为引领") && detail.contains("新主题"), "before and after: {detail}");

    // Close it; a closed campaign no longer changes.
    let resp =
        b.post_form(&format!("/campaigns/{seed}/status"), &[("_csrf", &csrf), ("status", "closed")]).await;
    assert_eq!(resp.status(), 303);
    let resp = b
        .http
        .post(format!("{}{path}", b.base))
        .form(&fields("疫情防控、机关建设、乡村振兴、基层服务", "又一个"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
}

crate::on_both_engines!(
    organisers_edit_the_campaign_on_its_page,
    the_seed_campaign_with_ten_activities,
    assign_to_all_units_and_watch_the_board,
    assignments_are_validated,
    campaign_lifecycle_and_custom_themes,
);
