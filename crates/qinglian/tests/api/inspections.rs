//! Supervision inspections: recorded with findings, refused when wrong, rectified only with
//! evidence, overdue ones flagged, counted by focus, month, unit and theme (the seed's 345).

use serde_json::{json, Value};

use crate::harness::{error_of, TestApp};

async fn the_seed_345_and_a_new_inspection(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let camp = t.scalar("SELECT MIN(id) FROM campaigns").await;
    let stats = org.get_json(&format!("/api/v1/campaigns/{camp}/inspections/statistics")).await;
    assert_eq!(stats["inspections"], 345, "疫情防控期间开展监督检查345次");
    let epidemic = stats["by_theme"].as_array().unwrap().iter().find(|s| s["key"] == "疫情防控").unwrap();
    assert_eq!(epidemic["inspections"], 345);
    assert_eq!(stats["by_month"].as_array().unwrap().len(), 4);
    assert!(stats["overdue"].as_i64().unwrap() > 0, "a few rectifications still open and late");

    let village = t.scalar("SELECT id FROM units WHERE name = '东庄村'").await;
    let body = |date: &str, deadline: &str, severity: &str| {
        json!({"inspected_on": date, "unit_id": village, "focus": "疫情防控纪律", "team": "第二监督检查室",
               "findings": [{"category": "值班值守", "severity": severity, "description": "卡口夜间无人值守", "deadline": deadline}]})
    };
    let path = format!("/api/v1/campaigns/{camp}/inspections");
    let (status, _, _, fields) =
        error_of(org.post_json(&path, &body("2099-01-01", "2099-01-10", "extreme")).await).await;
    assert_eq!(status, 422);
    assert!(fields["inspected_on"].as_str().unwrap().contains("不能晚于今天"));
    assert!(fields["findings.0.severity"].as_str().is_some());
    let (status, _, _, fields) =
        error_of(org.post_json(&path, &body("2022-05-20", "2022-05-01", "high")).await).await;
    assert_eq!(status, 422);
    assert!(fields["findings.0.deadline"].as_str().unwrap().contains("不能早于检查日期"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM inspections").await, 345, "nothing stored");
    assert_eq!(org.post_json(&path, &body("2022-05-20", "2022-05-30", "high")).await.status(), 200);
    let dz = t.api_as("dongzhuang").await;
    assert_eq!(
        dz.post_json(&path, &body("2022-05-20", "2022-05-30", "high")).await.status(),
        403,
        "inspectors only"
    );

    // The village's administrator sees its rectification; closing needs evidence.
    let open: Value =
        dz.get_json(&format!("/api/v1/campaigns/{camp}/findings?status=open&per_page=100")).await;
    let mine = open["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["description"] == "卡口夜间无人值守")
        .expect("the village's finding")
        .clone();
    assert_eq!(mine["overdue"], true, "its deadline in 2022 has passed");
    let id = mine["id"].as_i64().unwrap();
    let (status, _, message, _) =
        error_of(dz.post_json(&format!("/api/v1/findings/{id}/close"), &json!({"evidence": " "})).await)
            .await;
    assert_eq!(status, 422);
    assert!(message.contains("整改情况"), "{message}");
    assert_eq!(
        dz.post_json(
            &format!("/api/v1/findings/{id}/close"),
            &json!({"evidence": "已安排专人夜间值守并建立轮班表"})
        )
        .await
        .status(),
        204
    );
    assert_eq!(
        dz.post_json(&format!("/api/v1/findings/{id}/close"), &json!({"evidence": "again"})).await.status(),
        409
    );
    let other = t.api_as("wuyilu").await;
    let theirs = other.get_json(&format!("/api/v1/campaigns/{camp}/findings?per_page=500")).await;
    assert!(theirs["items"].as_array().unwrap().iter().all(|f| f["owner_unit"] == "五一路派出所"));

    // The page shows the overdue alert; the XLSX lists every finding.
    let b = t.browser_as("jiwei").await;
    assert!(b.text(&format!("/campaigns/{camp}/inspections")).await.contains("有整改事项已超过时限"));
    let xlsx = b.get(&format!("/campaigns/{camp}/inspections.xlsx")).await.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let rows = book.worksheet_range_at(0).unwrap().unwrap().get_size().0 as i64;
    assert_eq!(rows, 1 + t.scalar("SELECT COUNT(*) FROM findings").await);
}

crate::on_both_engines!(the_seed_345_and_a_new_inspection);
