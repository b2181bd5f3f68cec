//! Integrity units: versioned checklists, applications answering every criterion, evaluation
//! (never of one's own unit), naming only above the pass mark, the public list.

use serde_json::{json, Value};

use crate::harness::{error_of, TestApp};

pub(crate) async fn apply_evaluate_and_name(t: TestApp) {
    // The demo: 东庄村 and 五一路派出所 named, the approval bureau's window awaiting evaluation.
    let public = t.client().get_json("/api/v1/integrity/recognised").await;
    let named: Vec<&str> =
        public.as_array().unwrap().iter().map(|a| a["unit_name"].as_str().unwrap()).collect();
    assert!(named.contains(&"东庄村") && named.contains(&"五一路派出所"));
    let dongzhuang = public.as_array().unwrap().iter().find(|a| a["unit_name"] == "东庄村").unwrap();
    assert_eq!(dongzhuang["theme"], "乡村振兴", "tagged for the report's 四个结合");
    assert!(t.client().text("/integrity").await.contains("清廉村居"));

    let org = t.api_as("jiwei").await;
    let types = org.get_json("/api/v1/integrity/types").await;
    let village = types.as_array().unwrap().iter().find(|t| t["code"] == "village").unwrap().clone();
    let criteria: Vec<&str> =
        village["criteria"].as_array().unwrap().iter().map(|c| c["text"].as_str().unwrap()).collect();
    assert!(
        criteria.iter().any(|c| c.starts_with("班子清廉"))
            && criteria.iter().any(|c| c.starts_with("队伍清正"))
    );

    // A revised checklist is a new version; old applications keep theirs.
    let revised = json!({"code": "village", "name": "清廉村居", "pass_score": 60,
        "criteria": [{"text": "班子清廉", "max_score": 25}, {"text": "村务清爽", "max_score": 25}, {"text": "民风清朗", "max_score": 25}, {"text": "队伍清正", "max_score": 25}]});
    let v2 = org.post_json("/api/v1/integrity/types", &revised).await.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let v2type = org
        .get_json("/api/v1/integrity/types")
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "village")
        .unwrap()
        .clone();
    assert_eq!((v2type["id"].as_i64(), v2type["version"].as_i64()), (Some(v2), Some(2)));

    // 西庄村 applies through its township's administrator; every criterion needs an answer.
    let dz = t.api_as("dongzhuang").await;
    let unit = t.scalar("SELECT id FROM units WHERE name = '西庄村'").await;
    let ids: Vec<i64> =
        v2type["criteria"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    let partial = json!({"type_id": v2, "unit_id": unit, "items": [{"criterion_id": ids[0], "statement": "班子成员签订廉洁承诺"}]});
    let (status, _, message, _) =
        error_of(dz.post_json("/api/v1/integrity/applications", &partial).await).await;
    assert_eq!(status, 422);
    assert!(message.contains("第2条标准"), "{message}");
    let items: Vec<Value> = ids.iter().map(|c| json!({"criterion_id": c, "statement": "已落实"})).collect();
    let full = json!({"type_id": v2, "unit_id": unit, "items": items});
    let application =
        dz.post_json("/api/v1/integrity/applications", &full).await.json::<Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap();
    assert_eq!(dz.post_json("/api/v1/integrity/applications", &full).await.status(), 409, "one at a time");
    let outside = json!({"type_id": v2, "unit_id": t.scalar("SELECT id FROM units WHERE name = '柳河村'").await, "items": ids.iter().map(|c| json!({"criterion_id": c, "statement": "x"})).collect::<Vec<_>>()});
    assert_eq!(dz.post_json("/api/v1/integrity/applications", &outside).await.status(), 403);

    // Scores within range; naming only above the pass mark; nobody evaluates his own unit.
    let scores = |points: i64| json!({"scores": ids.iter().map(|c| json!({"criterion_id": c, "score": points})).collect::<Vec<_>>(), "decision": "recognise"});
    let path = format!("/api/v1/integrity/applications/{application}/evaluate");
    assert_eq!(org.post_json(&path, &scores(30)).await.status(), 422, "over the criterion's maximum");
    let (status, _, message, _) = error_of(org.post_json(&path, &scores(10)).await).await;
    assert_eq!(status, 409);
    assert!(message.contains("未达到命名分数线60分"), "{message}");
    let admin = t.api_as("admin").await;
    sqlx::query(&format!("INSERT INTO user_roles (user_id, role, unit_id) SELECT id, 'unit_admin', {unit} FROM users WHERE username = 'admin'"))
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let admin_again = t.api_as("admin").await;
    let (status, _, message, _) = error_of(admin_again.post_json(&path, &scores(20)).await).await;
    assert_eq!(status, 409);
    assert!(message.contains("不能评估本单位"), "{message}");
    drop(admin);
    assert_eq!(org.post_json(&path, &scores(20)).await.status(), 204);
    let a = org.get_json(&format!("/api/v1/integrity/applications/{application}")).await;
    assert_eq!((a["status"].as_str(), a["total_score"].as_i64()), (Some("recognised"), Some(80)));
    assert!(t
        .client()
        .get_json("/api/v1/integrity/recognised")
        .await
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["unit_name"] == "西庄村"));
    assert_eq!(org.post_json(&path, &scores(20)).await.status(), 409, "decided once");
}

crate::on_both_engines!(apply_evaluate_and_name);
