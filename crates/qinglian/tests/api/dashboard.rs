//! The live dashboard (数据大屏): its figures are the counts of what happened, the public's
//! variant holds nothing private, and the event stream sends new figures without a reload.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::harness::TestApp;

async fn the_figures_are_what_happened_and_the_public_sees_nothing_private(t: TestApp) {
    let camp = t.scalar("SELECT MIN(id) FROM campaigns").await;
    let org = t.api_as("jiwei").await;
    let d = org.get_json(&format!("/api/v1/campaigns/{camp}/dashboard")).await;
    let counted = |sql: String| {
        let t = &t;
        async move { t.scalar(&sql).await }
    };
    let in_campaign = format!("JOIN activities a ON a.id = s.activity_id WHERE a.campaign_id = {camp}");
    assert_eq!(
        d["signins"].as_i64().unwrap(),
        counted(format!(
            "SELECT COUNT(*) FROM checkins c JOIN sittings s ON s.id = c.sitting_id {in_campaign}"
        ))
        .await
    );
    assert!(d["signins"].as_i64().unwrap() > 1000, "{d}");
    assert_eq!(
        d["signatures"].as_i64().unwrap(),
        counted(format!(
            "SELECT COUNT(*) FROM signatures g JOIN pledges s ON g.subject = 'pledge' AND s.id = g.subject_id {in_campaign} AND g.withdrawn_at = 0"
        ))
        .await
    );
    assert_eq!(
        d["placements"].as_i64().unwrap(),
        counted(format!("SELECT COUNT(*) FROM placements WHERE campaign_id = {camp}")).await
    );
    let tiles = d["coverage"].as_array().unwrap();
    let assigned: i64 = tiles.iter().map(|c| c["assigned"].as_i64().unwrap()).sum();
    assert_eq!(assigned, d["units_assigned"].as_i64().unwrap(), "every unit given a task is in one tile");
    assert!(d["units_covered"].as_i64().unwrap() > 0);
    assert_eq!(d["latest"].as_array().unwrap().len(), 8);

    // The public's: published campaigns only, signers of public pledges only, names masked and
    // no number anywhere.
    let public = t.client();
    let p = public.get_json(&format!("/api/v1/portal/campaigns/{camp}/dashboard")).await;
    let public_signatures = counted(format!(
        "SELECT COUNT(*) FROM signatures g JOIN pledges s ON g.subject = 'pledge' AND s.id = g.subject_id {in_campaign}
           AND g.withdrawn_at = 0 AND s.public = 1"
    ))
    .await;
    assert_eq!(p["signatures"].as_i64().unwrap(), public_signatures);
    assert!(public_signatures < d["signatures"].as_i64().unwrap());
    for s in p["latest"].as_array().unwrap() {
        assert!(s["name"].as_str().unwrap().contains('*'), "{s}");
    }
    let text = p.to_string();
    assert!(
        !text.chars().collect::<Vec<_>>().windows(11).any(|w| w.iter().all(char::is_ascii_digit)),
        "{text}"
    );
    let page = public.text(&format!("/portal/campaigns/{camp}/dashboard")).await;
    assert!(page.contains("实时数据大屏") && page.contains("/dashboard/events"));

    // The leadership's is the organisers'; a draft is nobody's outside.
    let unit = t.api_as("dongzhuang").await;
    assert_eq!(unit.get(&format!("/api/v1/campaigns/{camp}/dashboard")).await.status(), 403);
    assert_eq!(public.get(&format!("/campaigns/{camp}/dashboard/events")).await.status(), 303);
    let draft = json!({"title": "2027年清廉宣传周", "year": 2027, "start_date": "2027-05-10", "end_date": "2027-05-16"});
    let id = org.post_json("/api/v1/campaigns", &draft).await.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(public.get(&format!("/api/v1/portal/campaigns/{id}/dashboard")).await.status(), 404);
    assert_eq!(org.get(&format!("/api/v1/campaigns/{id}/dashboard")).await.status(), 200);
    for id in [i64::MAX - 1, -camp] {
        assert_eq!(
            public.get(&format!("/api/v1/portal/campaigns/{id}/dashboard")).await.status(),
            404,
            "{id}"
        );
    }
}

/// Reads server-sent events from `resp` until one carries a snapshot that `wanted` accepts.
async fn until_snapshot(resp: &mut reqwest::Response, wanted: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut buffer = String::new();
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let event: String = buffer.drain(..end + 2).collect();
            if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) {
                let v: Value = serde_json::from_str(data).unwrap();
                if wanted(&v) {
                    return v;
                }
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk =
            tokio::time::timeout(left, resp.chunk()).await.expect("a snapshot in time").unwrap().unwrap();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

async fn the_stream_sends_new_figures_as_people_sign(t: TestApp) {
    let camp = t.scalar("SELECT MIN(id) FROM campaigns").await;
    let pledge = t
        .scalar(&format!(
            "SELECT MIN(p.id) FROM pledges p JOIN activities a ON a.id = p.activity_id WHERE a.campaign_id = {camp} AND p.public = 1"
        ))
        .await;
    sqlx::query("UPDATE pledges SET status = 'open' WHERE id = $1")
        .bind(pledge)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let public = t.client();
    let mut stream = public.get(&format!("/portal/campaigns/{camp}/dashboard/events")).await;
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let first = until_snapshot(&mut stream, |_| true).await;
    let before = first["signatures"].as_i64().unwrap();

    let body = json!({"name": "黄建明", "org": "清河绿源食品有限公司", "phone": "13760000099",
                      "strokes": "[[[100,200],[300,100],[500,250]]]", "consent": true});
    let resp = public.post_json(&format!("/api/v1/pledges/{pledge}/sign"), &body).await;
    assert_eq!(resp.status(), 200);
    let next = until_snapshot(&mut stream, |v| v["signatures"].as_i64() != Some(before)).await;
    assert_eq!(next["signatures"].as_i64().unwrap(), before + 1);
    assert_eq!(next["latest"][0]["name"], "黄*明", "{next}");
}

crate::on_both_engines!(
    the_figures_are_what_happened_and_the_public_sees_nothing_private,
    the_stream_sends_new_figures_as_people_sign,
);
