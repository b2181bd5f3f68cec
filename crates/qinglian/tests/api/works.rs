//! Calls for works, the blind jury, the column and the public portal with its Chinese search:
//! every rule through the HTTP surface, on both engines.

use serde_json::{json, Value};

use crate::harness::{error_of, Client, TestApp};

/// A call open from an hour ago to an hour from now, judged by `jurors`.
pub(crate) async fn open_call(t: &TestApp, org: &Client, jurors: &[&str]) -> i64 {
    let camp = t.scalar("SELECT MIN(id) FROM campaigns").await;
    let now = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8));
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    let at = |h: i64| (now + time::Duration::hours(h)).format(&fmt).unwrap();
    let body = json!({
        "campaign_id": camp, "title": "“清廉家风”诗歌征集", "rules": "<p>征集<b>诗歌</b></p><script>alert(1)</script>",
        "genres": [{"code": "poem", "name": "诗歌", "min_chars": 8, "max_chars": 200}],
        "groups": ["adult", "youth"], "opens_at": at(-1), "closes_at": at(1),
        "criteria": [{"name": "思想内容", "weight": 60, "max_score": 10}, {"name": "艺术表现", "weight": 40, "max_score": 10}],
        "jurors": jurors,
    });
    let resp = org.post_json("/api/v1/calls", &body).await;
    assert_eq!(resp.status(), 200, "create call");
    resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

pub(crate) fn entry(author: &str, contact: &str, title: &str, body: &str) -> Value {
    json!({"author": author, "contact": contact, "group": "adult", "genre": "poem", "title": title, "body": body,
           "declaration": true, "consent": true})
}

async fn close(t: &TestApp, call: i64) {
    sqlx::query("UPDATE calls SET closes_at = $1 WHERE id = $2")
        .bind(time::OffsetDateTime::now_utc().unix_timestamp() - 1)
        .bind(call)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
}

async fn submissions_are_checked_screened_and_limited(t: TestApp) {
    let org = t.api_as("jiwei").await;
    // A call is validated as a whole.
    let camp = t.scalar("SELECT MIN(id) FROM campaigns").await;
    let bad = json!({"campaign_id": camp, "title": "", "genres": [], "groups": ["kids"], "opens_at": "2022-06-05 10:00",
                     "closes_at": "2022-06-01 10:00", "criteria": [], "jurors": ["nobody"]});
    let (status, _, _, fields) = error_of(org.post_json("/api/v1/calls", &bad).await).await;
    assert_eq!(status, 422);
    for f in ["title", "genres", "groups", "closes_at", "criteria", "jurors"] {
        assert!(fields[f].is_string(), "{f}: {fields}");
    }
    let call = open_call(&t, &org, &["pingwei1", "pingwei2"]).await;
    let public = t.client();
    let c = public.get_json(&format!("/api/v1/calls/{call}")).await;
    assert_eq!(c["rules"], "<p>征集<b>诗歌</b></p>", "rules are sanitised");
    let path = format!("/api/v1/calls/{call}/works");

    // Bad entries: a clear message for each, nothing stored.
    let mut youth = entry("小明", "13912340001", "", "清风明月照我心，廉洁自律做好人");
    youth["group"] = json!("youth");
    youth["body"] = json!("短");
    youth["declaration"] = json!(false);
    let (status, _, _, fields) = error_of(public.post_json(&path, &youth).await).await;
    assert_eq!(status, 422);
    assert!(fields["title"].as_str().unwrap().contains("必填"));
    assert!(fields["guardian"].as_str().unwrap().contains("监护人"));
    assert!(fields["body"].as_str().unwrap().contains("8到200字"), "{fields}");
    assert!(fields["declaration"].is_string());
    let (status, _, _, fields) = error_of(
        public
            .post_json(&path, &entry("张三", "not a contact", "题目", "清风明月照我心，廉洁自律做好人"))
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(fields["contact"].as_str().unwrap().contains("手机"));
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM works WHERE call_id = {call}")).await, 0);

    // A good entry, with markup taken out; the receipt shows it and allows an edit.
    let r: Value = public
        .post_json(
            &path,
            &entry(
                "王晓燕",
                "13912340001",
                "<b>清风</b>颂",
                "<script>x()</script>清风明月照我心，廉洁自律做好人。",
            ),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["status"], "submitted");
    let code = r["code"].as_str().unwrap().to_string();
    let status = public.get_json(&format!("/api/v1/receipts?code={code}")).await;
    assert_eq!(status["title"], "清风颂");
    assert!(!status["body"].as_str().unwrap().contains('<'));
    assert_eq!(status["editable"], true);
    let mut changed =
        entry("王晓燕", "13912340001", "清风颂（修改稿）", "清风明月照我心，廉洁自律做好人，初心不改。");
    changed["code"] = json!(code);
    let edited: Value = public.post_json("/api/v1/receipts", &changed).await.json().await.unwrap();
    assert_eq!(edited["title"], "清风颂（修改稿）");
    assert_eq!(public.get("/api/v1/receipts?code=ZJ-NOPE-NOPE").await.status(), 404);

    // A sensitive word holds the entry for a moderator, the word marked.
    let held: Value = public
        .post_json(&path, &entry("李四", "13912340002", "远离赌博", "远离赌 博，清清白白做人做事。"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(held["status"], "held");
    let queue = org.get_json(&format!("{path}?status=held")).await;
    let w = &queue.as_array().unwrap()[0];
    assert_eq!(w["words"][0]["word"], "赌博");
    assert_eq!(w["contact"], "139****0002", "contacts are masked");
    let id = w["id"].as_i64().unwrap();
    let b = t.browser_as("jiwei").await;
    assert!(b.text(&format!("/calls/{call}/manage")).await.contains("<mark>赌 博</mark>"));
    let moderation = format!("/api/v1/works/{id}/moderation");
    assert_eq!(org.post_json(&moderation, &json!({"release": true})).await.status(), 204);
    assert_eq!(org.post_json(&moderation, &json!({"release": true})).await.status(), 409, "already handled");

    // A near-copy of last year's winner is flagged with the passage both share.
    let copy = "一缕清风过山岗，吹开廉洁的花香。村头的老槐树下，支书把账目一笔笔晾在阳光里。乡亲们说，干净的账本，比金子还亮堂。";
    let r: Value =
        public.post_json(&path, &entry("赵六", "13912340003", "清风", copy)).await.json().await.unwrap();
    let all = org.get_json(&path).await;
    let flagged = all.as_array().unwrap().iter().find(|w| w["id"] == r["work_id"]).unwrap();
    assert_eq!(flagged["similar_title"], "清风颂");
    assert!(flagged["similarity"].as_i64().unwrap() >= 500, "{flagged}");
    assert!(flagged["passage"].as_str().unwrap().contains("干净的账本"), "{flagged}");
    let original = all.as_array().unwrap().iter().find(|w| w["title"] == "清风颂（修改稿）").unwrap();
    assert!(original["similar_to"].is_null());

    // A flood from one address is stopped, and nothing of it stored.
    let before = t.scalar("SELECT COUNT(*) FROM works").await;
    let mut accepted = 0;
    let mut refused = None;
    for i in 0..10 {
        let resp = public
            .post_json(
                &path,
                &entry(
                    "刷稿者",
                    &format!("1391234{:04}", 100 + i),
                    &format!("第{i}首"),
                    &format!("清风第{i}首，明月照我心，廉洁自律。"),
                ),
            )
            .await;
        if resp.status() == 429 {
            refused = Some(error_of(resp).await.2);
            break;
        }
        accepted += 1;
    }
    assert!(refused.unwrap().contains("频繁"));
    assert_eq!(accepted + 3, 5, "five entries from one address in ten minutes");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM works").await, before + accepted);

    // After the deadline: no entry, no edit.
    close(&t, call).await;
    let (status, _, message, _) = error_of(
        public
            .post_json(&path, &entry("钱七", "13912349999", "迟到", "清风明月照我心，廉洁自律做好人"))
            .await,
    )
    .await;
    assert_eq!(status, 409);
    assert!(message.contains("已截止"));
    assert_eq!(error_of(public.post_json("/api/v1/receipts", &changed).await).await.0, 409);
    assert!(t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'work.submit'").await >= 4);
}

async fn a_blind_jury_ranks_and_the_winners_are_published(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let call = open_call(&t, &org, &["pingwei1", "pingwei2", "pingwei3"]).await;
    let public = t.client();
    let path = format!("/api/v1/calls/{call}/works");
    let texts = [
        ("家风如灯", "孙晓光", "母亲的叮嘱像一盏灯，照亮我清白做人的路。"),
        ("清白传家", "钱文静", "祖父留下一句话：不义之财不可取，清白二字传子孙。"),
        ("小手拉大手", "周小雨", "我拉着爸爸的手，说廉洁是我们家最好的礼物。"),
    ];
    let mut ids = Vec::new();
    for (i, (title, author, body)) in texts.iter().enumerate() {
        let r: Value = public
            .post_json(&path, &entry(author, &format!("1370000{:04}", i + 1), title, body))
            .await
            .json()
            .await
            .unwrap();
        ids.push(r["work_id"].as_i64().unwrap());
    }
    let j1 = t.api_as("pingwei1").await;
    let (status, _, message, _) = error_of(j1.get(&format!("/api/v1/calls/{call}/jury")).await).await;
    assert_eq!(status, 409, "judging starts at the deadline");
    assert!(message.contains("截止"));
    close(&t, call).await;

    // Blind: the juror sees the text, not who wrote it.
    let view = j1.get(&format!("/api/v1/calls/{call}/jury")).await.text().await.unwrap();
    assert!(view.contains("家风如灯"));
    for (_, author, _) in texts {
        assert!(!view.contains(author), "{author} shown to a juror");
    }
    assert!(!view.contains("1370000"));
    assert_eq!(t.api_as("dongzhuang").await.get(&format!("/api/v1/calls/{call}/jury")).await.status(), 403);

    let c = public.get_json(&format!("/api/v1/calls/{call}")).await;
    let (c1, c2) = (c["criteria"][0]["id"].as_i64().unwrap(), c["criteria"][1]["id"].as_i64().unwrap());
    let scores = |a: i64, b: i64| json!({"scores": [{"criterion_id": c1, "score": a}, {"criterion_id": c2, "score": b}], "comment": "好"});
    let score_path = |w: i64| format!("/api/v1/works/{w}/scores");

    // A conflict takes the work away from the juror.
    assert_eq!(
        j1.post_json(&format!("/api/v1/works/{}/conflict", ids[0]), &json!({"reason": "作者是我的学生"}))
            .await
            .status(),
        204
    );
    let (status, _, message, _) = error_of(j1.post_json(&score_path(ids[0]), &scores(9, 9)).await).await;
    assert_eq!(status, 409);
    assert!(message.contains("回避") || message.contains("利益冲突"), "{message}");
    // Scores within the rubric, once.
    let (status, _, _, fields) = error_of(j1.post_json(&score_path(ids[1]), &scores(11, 5)).await).await;
    assert_eq!(status, 422);
    assert!(fields["scores.0"].as_str().unwrap().contains("0到10"));
    let missing = json!({"scores": [{"criterion_id": c1, "score": 5}]});
    assert_eq!(error_of(j1.post_json(&score_path(ids[1]), &missing).await).await.0, 422);
    assert_eq!(j1.post_json(&score_path(ids[1]), &scores(8, 6)).await.status(), 204);
    assert_eq!(
        error_of(j1.post_json(&score_path(ids[1]), &scores(8, 6)).await).await.0,
        409,
        "one score per juror"
    );
    assert_eq!(j1.post_json(&score_path(ids[2]), &scores(8, 6)).await.status(), 204);
    // Two more jurors; works 1 and 2 end level.
    for (juror, marks) in
        [("pingwei2", [(10, 10), (6, 4), (6, 4)]), ("pingwei3", [(7, 7), (10, 10), (10, 10)])]
    {
        let j = t.api_as(juror).await;
        for (w, (a, b)) in ids.iter().zip(marks) {
            assert_eq!(j.post_json(&score_path(*w), &scores(a, b)).await.status(), 204);
        }
    }
    let s = org.get_json(&format!("/api/v1/calls/{call}/standings")).await;
    let p1 = s["progress"].as_array().unwrap().iter().find(|p| p["name"] == "评委 周明").unwrap().clone();
    assert_eq!(
        (p1["scored"].as_i64(), p1["conflicts"].as_i64(), p1["to_score"].as_i64()),
        (Some(2), Some(1), Some(0))
    );
    let ranking = s["ranking"].as_array().unwrap();
    // Work 0: two jurors (100, 70) → 85. Works 1, 2: three jurors (72, 52, 100) → trimmed 72.
    assert_eq!(ranking[0]["work_id"], ids[0]);
    assert_eq!(ranking[0]["score"], 85.0);
    assert_eq!(ranking[1]["score"], 72.0);
    assert_eq!(ranking[1]["rank"], 2);
    assert_eq!(ranking[2]["rank"], 2, "equal scores share a rank");
    assert_eq!(ranking[2]["tied"], true);

    // The department decides, publishes; the portal shows the winners, never their contacts.
    let (status, _, _, fields) = error_of(
        org.post_json(&format!("/api/v1/works/{}/prize", ids[0]), &json!({"prize": "特等奖"})).await,
    )
    .await;
    assert_eq!(status, 422);
    assert!(fields["prize"].is_string());
    assert_eq!(
        error_of(org.post_json(&format!("/api/v1/calls/{call}/publish"), &json!({})).await).await.0,
        409,
        "no winner yet"
    );
    assert_eq!(
        org.post_json(&format!("/api/v1/works/{}/prize", ids[0]), &json!({"prize": "一等奖"})).await.status(),
        204
    );
    assert_eq!(
        org.post_json(&format!("/api/v1/works/{}/prize", ids[1]), &json!({"prize": "二等奖"})).await.status(),
        204
    );
    let done: Value =
        org.post_json(&format!("/api/v1/calls/{call}/publish"), &json!({})).await.json().await.unwrap();
    assert_eq!(done["count"], 2);
    let page = public.text(&format!("/portal/works/{}", ids[0])).await;
    assert!(page.contains("家风如灯") && page.contains("孙晓光") && page.contains("一等奖"));
    assert!(!page.contains("13700000001"));
    assert_eq!(public.get(&format!("/portal/works/{}", ids[2])).await.status(), 404, "not a winner");
    let home = public.text("/api/v1/portal").await;
    assert!(!home.contains("1370000"), "no contact on the portal");
    // Found by a word of the text and by the author's name.
    let hits = public.get_json("/api/v1/search?q=%E5%AE%B6%E9%A3%8E").await;
    assert!(hits.as_array().unwrap().iter().any(|h| h["ref_id"] == ids[0] && h["kind"] == "work"));
    let hits = public.get_json(&format!("/api/v1/search?q={}", url_encode("钱文静"))).await;
    assert_eq!(hits[0]["ref_id"], ids[1]);
    assert!(hits[0]["excerpt_html"].as_str().unwrap().contains("<mark>"));
    // Judging is over once published.
    assert_eq!(error_of(j1.get(&format!("/api/v1/calls/{call}/jury")).await).await.0, 409);
    assert!(t.scalar("SELECT COUNT(*) FROM audit_log WHERE action IN ('jury.score', 'jury.conflict', 'work.prize', 'call.publish')").await >= 11);
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn the_column_and_news_reach_the_portal(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let camp = t.scalar("SELECT MIN(id) FROM campaigns").await;
    let town = t.scalar("SELECT id FROM units WHERE name = '西庄村'").await;
    let school = t.scalar("SELECT id FROM units WHERE name = '清河市第一中学'").await;
    let invited: Value = org
        .post_json(
            &format!("/api/v1/campaigns/{camp}/column/invitations"),
            &json!({"unit_ids": [town, school], "due_date": "2022-05-30"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(invited["count"], 2);
    let pieces = org.get_json(&format!("/api/v1/campaigns/{camp}/column")).await;
    let mine =
        |p: &Value, unit: &str| p.as_array().unwrap().iter().find(|x| x["unit"] == unit).unwrap().clone();
    let town_piece = mine(&pieces, "西庄村");
    assert_eq!(town_piece["status"], "invited");
    assert_eq!(town_piece["overdue"], true);
    assert!(!town_piece["head_name"].as_str().unwrap().is_empty(), "the unit's head from the roster");
    let outbox_before = t.scalar("SELECT COUNT(*) FROM outbox").await;
    let reminded: Value = org
        .post_json(&format!("/api/v1/campaigns/{camp}/column/reminders"), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert!(reminded["count"].as_i64().unwrap() >= 2);
    assert!(t.scalar("SELECT COUNT(*) FROM outbox").await >= outbox_before + 2);

    // The township's administrator hands in its piece, and only its own.
    let dz = t.api_as("dongzhuang").await;
    let own = dz.get_json(&format!("/api/v1/campaigns/{camp}/column")).await;
    assert!(own
        .as_array()
        .unwrap()
        .iter()
        .all(|p| ["东庄乡", "西庄村"].contains(&p["unit"].as_str().unwrap())));
    let id = town_piece["id"].as_i64().unwrap();
    let school_id = mine(&pieces, "清河市第一中学")["id"].as_i64().unwrap();
    let bad = json!({"kind": "video", "title": "访谈", "video_link": "javascript:alert(1)"});
    assert_eq!(error_of(dz.post_json(&format!("/api/v1/column/{id}"), &bad).await).await.0, 422);
    let article = json!({"kind": "article", "title": "清廉村居的乡镇答卷", "body": "我们坚持村务公开，推动小微权力清单落地，清廉村居建设取得实效。"});
    assert_eq!(dz.post_json(&format!("/api/v1/column/{school_id}"), &article).await.status(), 404);
    assert_eq!(dz.post_json(&format!("/api/v1/column/{id}"), &article).await.status(), 204);
    assert_eq!(dz.post_json(&format!("/api/v1/column/{id}/schedule"), &json!({})).await.status(), 403);
    // The editor's revision, then publication: one piece a day.
    let edited = json!({"kind": "article", "title": "清廉村居的东庄答卷", "body": "东庄乡坚持村务公开，推动小微权力清单落地，清廉村居建设取得实效。"});
    assert_eq!(org.post_json(&format!("/api/v1/column/{id}"), &edited).await.status(), 204);
    assert_eq!(
        mine(&org.get_json(&format!("/api/v1/campaigns/{camp}/column")).await, "西庄村")["status"],
        "edited"
    );
    let school_article = json!({"kind": "article", "title": "清廉学校建设谈", "body": "学校把廉洁教育融入课堂，家校共育清廉家风。"});
    assert_eq!(org.post_json(&format!("/api/v1/column/{school_id}"), &school_article).await.status(), 204);
    let first: Value =
        org.post_json(&format!("/api/v1/column/{id}/schedule"), &json!({})).await.json().await.unwrap();
    let second: Value = org
        .post_json(&format!("/api/v1/column/{school_id}/schedule"), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let today = first["publish_on"].as_str().unwrap().to_string();
    assert!(second["publish_on"].as_str().unwrap() > today.as_str(), "one piece a day");
    assert_eq!(error_of(org.post_json(&format!("/api/v1/column/{id}"), &edited).await).await.0, 409);
    let public = t.client();
    let home: Value = public.get_json("/api/v1/portal").await;
    let titles: Vec<&str> =
        home["pieces"].as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"清廉村居的东庄答卷"));
    assert!(!titles.contains(&"清廉学校建设谈"), "scheduled for a later day");
    assert_eq!(public.get(&format!("/portal/column/{school_id}")).await.status(), 404);
    assert_eq!(public.get(&format!("/portal/column/{id}")).await.status(), 200);

    // News, found through search.
    let news: Value = org
        .post_json(
            &format!("/api/v1/campaigns/{camp}/news"),
            &json!({"title": "清廉家风宣讲走进社区", "body": "市妇联组织家风宣讲团走进东关社区。"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let hits = public.get_json(&format!("/api/v1/search?q={}", url_encode("家风宣讲"))).await;
    assert!(hits.as_array().unwrap().iter().any(|h| h["kind"] == "news" && h["ref_id"] == news["id"]));
    assert!(public.text("/portal").await.contains("清廉家风宣讲走进社区"));
}

async fn search_finds_words_inside_compounds_and_names(t: TestApp) {
    let public = t.client();
    // Every indexed document whose text holds 廉洁 is found, with the word marked.
    let hits = public.get_json(&format!("/api/v1/search?q={}", url_encode("廉洁"))).await;
    let hits = hits.as_array().unwrap();
    let expected =
        t.scalar("SELECT COUNT(*) FROM search_index WHERE title LIKE '%廉洁%' OR body LIKE '%廉洁%'").await;
    assert!(expected >= 2);
    assert_eq!(hits.len() as i64, expected.min(30));
    assert!(hits.iter().all(|h| h["title_html"].as_str().unwrap().contains("<mark>廉洁</mark>")
        || h["excerpt_html"].as_str().unwrap().contains("<mark>廉洁</mark>")));
    // 廉洁文化 finds a text about 廉洁 and 文化 even where the two are apart.
    let org = t.api_as("jiwei").await;
    let camp = t.scalar("SELECT MIN(id) FROM campaigns").await;
    let n: Value = org
        .post_json(
            &format!("/api/v1/campaigns/{camp}/news"),
            &json!({"title": "廉洁文化进校园", "body": "把廉洁教育和校园文化结合起来。"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let hits = public.get_json(&format!("/api/v1/search?q={}", url_encode("廉洁文化"))).await;
    assert_eq!(hits[0]["ref_id"], n["id"], "the title match ranks first");
    // A published author's name finds the work.
    let (id, author): (i64, String) =
        sqlx::query_as("SELECT id, author FROM works WHERE published_at > 0 ORDER BY id LIMIT 1")
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    let hits = public.get_json(&format!("/api/v1/search?q={}", url_encode(&author))).await;
    assert!(hits.as_array().unwrap().iter().any(|h| h["ref_id"] == id), "{author}");
    // Markup in a query is text, nothing else.
    let page = public.text(&format!("/portal/search?q={}", url_encode("<script>廉洁"))).await;
    assert!(!page.contains("<script>廉洁") && page.contains("&#60;script&#62;廉洁"));
    assert!(public
        .get_json(&format!("/api/v1/search?q={}", url_encode("，。！")))
        .await
        .as_array()
        .unwrap()
        .is_empty());
}

crate::on_both_engines!(
    submissions_are_checked_screened_and_limited,
    a_blind_jury_ranks_and_the_winners_are_published,
    the_column_and_news_reach_the_portal,
    search_finds_words_inside_compounds_and_names,
);
