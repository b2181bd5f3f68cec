//! 廉政知识测试: a bank imported from an office's spreadsheet (every row or none), a test drawn
//! for each taker, answers saved as they go and judged on the server, the time limit and the
//! attempts held under parallel starts, the results per unit with the most-missed questions,
//! their workbook, the ledger entry and the report's figures; a public test by name, phone and
//! consent, its papers in a person's data and anonymised with the campaign's.

use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};

use crate::corrections::send;
use crate::harness::{error_of, Client, TestApp};

/// An office's bank: a title row, headers as offices write them, kinds in words, answers in
/// letters with separators, true/false as ticks; `bad` adds two wrong rows (rows 7 and 8).
fn bank_xlsx(bad: bool) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "2022年廉政知识题库").unwrap();
    let head = ["题型", "分类", "题干", "A", "B", "C", "D", "正确答案", "答案解析", "出题依据"];
    for (c, h) in head.iter().enumerate() {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    let mut rows = vec![
        [
            "单项选择题",
            "中央八项规定精神",
            "中央八项规定于哪一年通过？",
            "2012年",
            "2013年",
            "2014年",
            "",
            "A",
            "2012年12月4日。",
            "八项规定",
        ],
        [
            "多选",
            "中央八项规定精神",
            "“四风”包括：",
            "形式主义",
            "官僚主义",
            "享乐主义",
            "奢靡之风",
            "A、B、C、D",
            "",
            "",
        ],
        [
            "判断",
            "廉洁自律",
            "党员可以收受管理服务对象的礼金。",
            "",
            "",
            "",
            "",
            "×",
            "违反廉洁纪律。",
            "纪律处分条例",
        ],
        ["", "廉洁自律", "准则自2016年1月1日起施行。", "", "", "", "", "对", "", ""],
    ];
    if bad {
        rows.push(["单选", "廉洁自律", "选项只有四个，答案却写E。", "甲", "乙", "丙", "丁", "E", "", ""]);
        rows.push(["单选", "廉洁自律", "单选题写了两个答案。", "甲", "乙", "丙", "丁", "AB", "", ""]);
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(r as u32 + 2, c as u16, *v).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

async fn import(c: &Client, campaign: i64, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()));
    c.post_multipart(&format!("/api/v1/campaigns/{campaign}/questions/import"), form).await
}

async fn an_offices_bank_is_imported_whole_or_not_at_all(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let camp = t.scalar("SELECT MIN(id) FROM campaigns").await;
    let (status, _, message, _) = error_of(import(&org, camp, "题库.xlsx", bank_xlsx(true)).await).await;
    assert_eq!(status, 422);
    assert!(
        message.contains("有2行未能导入") && message.contains("第7行：答案：") && message.contains("第8行"),
        "{message}"
    );
    assert!(message.contains("单选题只能有一个答案") && !message.contains("。；"), "{message}");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM questions").await, 0, "nothing half-written");

    let done: Value = import(&org, camp, "题库.xlsx", bank_xlsx(false)).await.json().await.unwrap();
    assert_eq!(done["added"], 4, "{done}");
    assert_eq!(done["categories"], json!([["中央八项规定精神", 2], ["廉洁自律", 2]]));
    let bank = org.get_json(&format!("/api/v1/campaigns/{camp}/questions")).await;
    let kinds: Vec<&str> = bank.as_array().unwrap().iter().map(|q| q["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["single", "multiple", "judge", "judge"],
        "a row without a kind is read from its answer"
    );
    assert_eq!(bank[1]["answer"], json!([0, 1, 2, 3]));
    assert_eq!((bank[2]["answer"].clone(), bank[3]["answer"].clone()), (json!([1]), json!([0])));
    assert_eq!(bank[0]["source"], "八项规定");

    // A GBK CSV from an older office, typed in; the bank is the organisers'.
    let (csv, _, _) = encoding_rs::GBK.encode("题目,选项A,选项B,答案\n监察委员会是专责机关吗？,是,否,A\n");
    let done: Value = import(&org, camp, "题库.csv", csv.to_vec()).await.json().await.unwrap();
    assert_eq!(done["categories"], json!([["综合", 1]]));
    let unit = t.api_as("dongzhuang").await;
    assert_eq!(import(&unit, camp, "题库.xlsx", bank_xlsx(false)).await.status(), 403);
    let q = json!({"category": "廉洁自律", "kind": "single", "stem": "问", "options": ["甲"], "answer": "A"});
    let (status, _, _, fields) =
        error_of(unit.post_json(&format!("/api/v1/campaigns/{camp}/questions"), &q).await).await;
    assert_eq!(status, 403, "{fields}");
    let (status, _, _, fields) =
        error_of(org.post_json(&format!("/api/v1/campaigns/{camp}/questions"), &q).await).await;
    assert_eq!(status, 422);
    assert!(fields["options"].as_str().unwrap().contains("2到8个选项"), "{fields}");

    // Corrected and retired: out of the draw, still in the bank.
    let id = bank[0]["id"].as_i64().unwrap();
    let fix = json!({"category": "中央八项规定精神", "kind": "single", "stem": "中央八项规定于哪一年审议通过？",
                     "options": ["2012年", "2013年"], "answer": "a"});
    assert_eq!(send(&org, Method::PUT, &format!("/api/v1/questions/{id}"), &fix).await.status(), 204);
    let retire = org.post_json(&format!("/api/v1/questions/{id}/retire"), &json!({"retired": true})).await;
    assert_eq!(retire.status(), 204);
    let active = t.scalar("SELECT COUNT(*) FROM questions WHERE retired_at = 0").await;
    assert_eq!(active, 4);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'question.%'").await, 4);
}

/// A bank of `n` single-choice questions in each of two categories, typed in by the organiser.
async fn typed_bank(t: &TestApp, org: &Client, n: usize) -> i64 {
    let camp = t.scalar("SELECT MIN(id) FROM campaigns").await;
    for category in ["监察法", "廉洁自律"] {
        for i in 0..n {
            let letter = ["A", "B", "C", "D"][i % 4];
            let q = json!({"category": category, "kind": "single", "stem": format!("{category}第{i}题"),
                           "options": ["甲", "乙", "丙", "丁"], "answer": letter,
                           "explanation": format!("解析{i}"), "source": "《监察法》"});
            let resp = org.post_json(&format!("/api/v1/campaigns/{camp}/questions"), &q).await;
            assert_eq!(resp.status(), 200);
        }
    }
    camp
}

/// A test of the study activity for the people of 东庄乡: three 监察法 and two 廉洁自律.
async fn publish(t: &TestApp, org: &Client, extra: Value) -> i64 {
    let activity = t.scalar("SELECT MIN(id) FROM activities").await;
    let host = t.scalar("SELECT id FROM units WHERE name = '市纪委监委'").await;
    let town = t.scalar("SELECT id FROM units WHERE name = '东庄乡'").await;
    let mut body = json!({"title": "廉政知识线上测试", "host_unit_id": host, "minutes": 10, "attempts": 2,
        "pass_score": 60, "draw": [{"category": "监察法", "count": 3}, {"category": "廉洁自律", "count": 2}],
        "audience": {"unit_id": town}});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let resp = org.post_json(&format!("/api/v1/activities/{activity}/quizzes"), &body).await;
    let v: Value = resp.json().await.unwrap();
    v["id"].as_i64().unwrap_or_else(|| panic!("{v}"))
}

/// Links `username` to a person of `unit` (the first) and signs in.
async fn cadre_of(t: &TestApp, username: &str, unit: &str) -> (Client, i64) {
    let person = t
        .scalar(&format!(
            "SELECT MIN(p.id) FROM people p JOIN units u ON u.id = p.unit_id WHERE u.name = '{unit}'"
        ))
        .await;
    sqlx::query(&format!("UPDATE users SET person_id = {person} WHERE username = '{username}'"))
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    (t.api_as(username).await, person)
}

/// The bank's key of each question on the paper, by position.
async fn key(t: &TestApp, secret: &str) -> Vec<(i64, Vec<usize>)> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT a.position, q.answer FROM quiz_answers a JOIN questions q ON q.id = a.question_id
         JOIN quiz_attempts t ON t.id = a.attempt_id WHERE t.token = $1 ORDER BY a.position",
    )
    .bind(qinglian::services::auth::token_hash(secret))
    .fetch_all(&t.app.db.pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(p, a)| (p, a.chars().map(|c| c.to_digit(10).unwrap() as usize).collect()))
        .collect()
}

async fn start(c: &Client, quiz: i64, body: &Value) -> reqwest::Response {
    c.post_json(&format!("/api/v1/quizzes/{quiz}/start"), body).await
}

async fn secret_of(resp: reqwest::Response) -> String {
    let v: Value = resp.json().await.unwrap();
    v["secret"].as_str().unwrap_or_else(|| panic!("{v}")).to_string()
}

async fn answer(c: &Client, secret: &str, position: i64, answer: &[usize]) -> reqwest::Response {
    let body = json!({"position": position, "answer": answer});
    send(c, Method::PUT, &format!("/api/v1/quiz-papers/{secret}/answers"), &body).await
}

async fn a_cadre_takes_a_test_saved_as_he_goes_and_scored_on_the_server(t: TestApp) {
    let org = t.api_as("jiwei").await;
    typed_bank(&t, &org, 6).await;
    let activity = t.scalar("SELECT MIN(id) FROM activities").await;
    let host = t.scalar("SELECT id FROM units WHERE name = '市纪委监委'").await;
    let path = format!("/api/v1/activities/{activity}/quizzes");
    let too_many = json!({"title": "测", "host_unit_id": host, "minutes": 10, "attempts": 1, "pass_score": 60,
                          "draw": [{"category": "监察法", "count": 7}]});
    let (status, _, _, fields) = error_of(org.post_json(&path, &too_many).await).await;
    assert_eq!(status, 422);
    assert!(fields["draw"].as_str().unwrap().contains("只有6道"), "{fields}");
    let unknown = json!({"title": "测", "host_unit_id": host, "minutes": 10, "attempts": 1, "pass_score": 60,
                         "draw": [{"category": "无此类", "count": 1}]});
    assert_eq!(org.post_json(&path, &unknown).await.status(), 422);
    // A unit administrator publishes for his own units only.
    let dongzhuang = t.api_as("dongzhuang").await;
    let theirs = json!({"title": "测", "host_unit_id": host, "minutes": 10, "attempts": 1, "pass_score": 60,
                        "draw": [{"category": "监察法", "count": 1}]});
    assert_eq!(dongzhuang.post_json(&path, &theirs).await.status(), 403);
    let quiz = publish(&t, &org, json!({})).await;

    // Outside the audience the test is not there at all.
    let (outsider, _) = cadre_of(&t, "wuyilu", "市公安局").await;
    assert_eq!(outsider.get(&format!("/api/v1/quizzes/{quiz}")).await.status(), 404);
    assert_eq!(start(&outsider, quiz, &json!({})).await.status(), 404);

    let (cadre, person) = cadre_of(&t, "dongzhuang", "东庄乡").await;
    let secret = secret_of(start(&cadre, quiz, &json!({})).await).await;
    let paper = cadre.get_json(&format!("/api/v1/quiz-papers/{secret}")).await;
    let items = paper["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    let categories: Vec<&str> = items.iter().map(|i| i["category"].as_str().unwrap()).collect();
    assert_eq!(categories, ["监察法", "监察法", "监察法", "廉洁自律", "廉洁自律"]);
    for i in items {
        assert!(
            i["answer"].is_null() && i["explanation"].is_null() && i["correct"].is_null(),
            "no key on an open paper: {i}"
        );
        let mut values: Vec<i64> =
            i["options"].as_array().unwrap().iter().map(|o| o["value"].as_i64().unwrap()).collect();
        values.sort_unstable();
        assert_eq!(values, [0, 1, 2, 3]);
        assert!(i["options"].as_array().unwrap().iter().all(|o| o["right"].is_null()));
    }

    // Answers saved one by one: four right, one wrong; a wrong shape refused.
    let key = key(&t, &secret).await;
    for (n, (position, right)) in key.iter().enumerate() {
        let given = if n == 4 { vec![(right[0] + 1) % 4] } else { right.clone() };
        assert_eq!(answer(&cadre, &secret, *position, &given).await.status(), 204);
    }
    assert_eq!(answer(&cadre, &secret, 1, &[7]).await.status(), 422);
    assert_eq!(answer(&cadre, &secret, 1, &[0, 1]).await.status(), 422);
    assert_eq!(answer(&cadre, &secret, 99, &[0]).await.status(), 422);
    let reloaded = cadre.get_json(&format!("/api/v1/quiz-papers/{secret}")).await;
    let chosen = reloaded["items"].as_array().unwrap().iter().filter(|i| i["answered"] == true).count();
    assert_eq!(chosen, 5, "a reload finds every answer saved");

    // Starting again from another phone takes up the same paper under a new secret.
    let moved = secret_of(start(&cadre, quiz, &json!({})).await).await;
    assert_ne!(moved, secret);
    assert_eq!(cadre.get(&format!("/api/v1/quiz-papers/{secret}")).await.status(), 404);
    let done: Value = cadre
        .post_json(&format!("/api/v1/quiz-papers/{moved}/submit"), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (done["finished"].clone(), done["correct"].clone(), done["score"].clone()),
        (json!(true), json!(4), json!(80))
    );
    let last = &done["items"][4];
    assert_eq!(
        (last["correct"].clone(), last["explanation"].as_str().map(|e| e.starts_with("解析"))),
        (json!(false), Some(true))
    );
    assert_eq!(answer(&cadre, &moved, 1, &key[0].1).await.status(), 409, "a paper handed in stays as it was");
    let again: Value = cadre
        .post_json(&format!("/api/v1/quiz-papers/{moved}/submit"), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["score"], 80);

    // The second attempt, started from six tabs at once: one paper.
    let nothing = json!({});
    let starts = (0..6).map(|_| start(&cadre, quiz, &nothing));
    let results = futures_util::future::join_all(starts).await;
    let ok = results.iter().filter(|r| r.status() == 200).count();
    assert!(ok >= 1, "{:?}", results.iter().map(|r| r.status()).collect::<Vec<_>>());
    let taker = format!("p:{person}");
    let attempts = t.scalar(&format!("SELECT COUNT(*) FROM quiz_attempts WHERE taker = '{taker}'")).await;
    assert_eq!(attempts, 2, "never more attempts than allowed");
    let second = secret_of(start(&cadre, quiz, &json!({})).await).await;
    let submitted: Value = cadre
        .post_json(&format!("/api/v1/quiz-papers/{second}/submit"), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(submitted["score"], 0, "nothing answered, nothing right");
    let (status, _, message, _) = error_of(start(&cadre, quiz, &json!({})).await).await;
    assert_eq!(status, 409);
    assert!(message.contains("每人可答2次"), "{message}");
    let mine = cadre.get_json("/api/v1/me/quizzes").await;
    assert_eq!(
        (mine[0]["standing"]["made"].clone(), mine[0]["standing"]["best"].clone()),
        (json!(2), json!(80))
    );
    assert_eq!(t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'quiz.submit'").await, 2);
}

async fn a_paper_out_of_time_is_scored_as_it_stands(t: TestApp) {
    let org = t.api_as("jiwei").await;
    typed_bank(&t, &org, 4).await;
    let quiz = publish(&t, &org, json!({})).await;
    let (cadre, _) = cadre_of(&t, "dongzhuang", "东庄乡").await;
    let secret = secret_of(start(&cadre, quiz, &json!({})).await).await;
    let key = key(&t, &secret).await;
    assert_eq!(answer(&cadre, &secret, key[0].0, &key[0].1).await.status(), 204);
    sqlx::query("UPDATE quiz_attempts SET deadline = $1")
        .bind(qinglian::db::now() - 120)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let (status, _, message, _) = error_of(answer(&cadre, &secret, key[1].0, &key[1].1).await).await;
    assert_eq!(status, 409);
    assert!(message.contains("答题时间已到"), "{message}");
    let paper = cadre.get_json(&format!("/api/v1/quiz-papers/{secret}")).await;
    assert_eq!((paper["finished"].clone(), paper["score"].clone()), (json!(true), json!(20)));
    // Answers sent with a late hand-in do not count.
    let late = json!({"answers": [{"position": key[1].0, "answer": key[1].1}]});
    let after: Value =
        cadre.post_json(&format!("/api/v1/quiz-papers/{secret}/submit"), &late).await.json().await.unwrap();
    assert_eq!(after["correct"], 1);
    // The campaign closed, its test takes no new papers (a second attempt was left).
    let camp = t.scalar("SELECT MIN(id) FROM campaigns").await;
    let close = json!({"status": "closed"});
    assert_eq!(org.post_json(&format!("/api/v1/campaigns/{camp}/status"), &close).await.status(), 204);
    let (status, _, message, _) = error_of(start(&cadre, quiz, &json!({})).await).await;
    assert_eq!((status, message.as_str()), (409, "本次活动已结束，该测试不再开放答题。"));
    let page = t.browser_as("dongzhuang").await.text(&format!("/quizzes/{quiz}")).await;
    assert!(page.contains(r#"id="quiz-closed""#) && !page.contains(r#"id="quiz-start""#), "{page}");
}

async fn results_by_unit_with_the_most_missed_in_a_workbook_a_ledger_and_the_report(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let camp = typed_bank(&t, &org, 4).await;
    let quiz = publish(&t, &org, json!({"attempts": 1})).await;
    let q = qinglian::services::quiz::get(&t.app, quiz).await.unwrap();
    // Eight of 东庄乡's people hand in: the first four all right, the rest missing the first two.
    let people: Vec<(i64, String)> = sqlx::query_as(
        "SELECT p.id, p.name FROM people p JOIN units u ON u.id = p.unit_id
         WHERE u.path LIKE (SELECT path FROM units WHERE name = '东庄乡') || '%' ORDER BY p.id LIMIT 8",
    )
    .fetch_all(&t.app.db.pool)
    .await
    .unwrap();
    let public = t.client();
    for (n, (id, name)) in people.iter().enumerate() {
        let taker = qinglian::services::quiz::Taker::Person { id: *id, name: name.clone() };
        let secret = qinglian::services::quiz::open_paper(&t.app, &q, &taker, None, "test").await.unwrap();
        for (i, (position, right)) in key(&t, &secret).await.iter().enumerate() {
            let given = if n >= 4 && i < 2 { vec![(right[0] + 1) % 4] } else { right.clone() };
            assert_eq!(answer(&public, &secret, *position, &given).await.status(), 204);
        }
        let resp = public.post_json(&format!("/api/v1/quiz-papers/{secret}/submit"), &json!({})).await;
        assert_eq!(resp.status(), 200);
    }
    let r = org.get_json(&format!("/api/v1/quizzes/{quiz}/results")).await;
    let expected = t
        .scalar(
            "SELECT COUNT(*) FROM people p JOIN units u ON u.id = p.unit_id
             WHERE u.path LIKE (SELECT path FROM units WHERE name = '东庄乡') || '%' AND p.left_at = 0",
        )
        .await;
    assert_eq!(
        (r["totals"]["expected"].as_i64(), r["totals"]["took"].as_i64()),
        (Some(expected), Some(8)),
        "{}",
        r["totals"]
    );
    assert_eq!((r["totals"]["average"].as_f64(), r["totals"]["passed"].as_i64()), (Some(80.0), Some(8)));
    assert_eq!(r["people"].as_array().unwrap().len(), 8);
    assert_eq!(r["people"][0]["best"], 100);
    let missed = r["missed"].as_array().unwrap();
    assert!(!missed.is_empty() && missed[0]["wrong"].as_i64().unwrap() >= 1, "{missed:?}");
    let unit_rows: i64 = r["units"].as_array().unwrap().iter().map(|u| u["took"].as_i64().unwrap()).sum();
    assert_eq!(unit_rows, 8);
    // Those outside the host's units see nothing of it.
    let (outsider, _) = cadre_of(&t, "wuyilu", "市公安局").await;
    assert_eq!(outsider.get(&format!("/api/v1/quizzes/{quiz}/results")).await.status(), 404);

    // The workbook: by unit, by person, most missed.
    let page = t.browser_as("jiwei").await;
    let resp = page.get(&format!("/quizzes/{quiz}/results.xlsx")).await;
    assert_eq!(resp.status(), 200);
    let bytes = resp.bytes().await.unwrap();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(book.sheet_names(), ["分单位", "个人成绩", "易错题"]);
    let persons = book.worksheet_range("个人成绩").unwrap();
    assert_eq!(persons.height(), 9);

    // The ledger entry, once; the dashboard and the report count the papers.
    let entry: Value =
        org.post_json(&format!("/api/v1/quizzes/{quiz}/ledger"), &json!({})).await.json().await.unwrap();
    let entry = entry["id"].as_i64().unwrap();
    let summary: String = sqlx::query_scalar("SELECT summary FROM ledger_entries WHERE id = $1")
        .bind(entry)
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    assert!(
        summary.contains("实际参加8人") && summary.contains("平均分80分") && summary.contains("及格率100%"),
        "{summary}"
    );
    assert_eq!(org.post_json(&format!("/api/v1/quizzes/{quiz}/ledger"), &json!({})).await.status(), 409);
    let board = org.get_json(&format!("/api/v1/campaigns/{camp}/dashboard")).await;
    assert_eq!(board["tests_taken"], 8);
    let facts = qinglian::services::report::facts::load(&t.app, camp).await.unwrap();
    let figures = facts.figures();
    let activity = facts.activities.iter().find(|a| a.activity.id == q.activity_id).unwrap();
    let k = |name: &str| format!("a{}.{name}", activity.activity.seq);
    assert_eq!(figures[&k("test_takers")].value, 8);
    assert_eq!(figures[&k("test_average")].value, 80);
    assert_eq!(figures[&k("test_pass_share")].value, 100);
    let draft: Vec<String> =
        qinglian::services::report::compose::compose(&facts).into_iter().map(|b| b.text).collect();
    let draft = draft.join("\n");
    let said = format!("组织{{{}}}参加廉政知识线上测试，平均分{{{}}}", k("test_takers"), k("test_average"));
    assert!(draft.contains(&said), "the activity's paragraph tells the test: {draft}");
}

async fn a_public_test_asks_name_phone_and_consent_and_forgets_them_with_its_campaign(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let camp = typed_bank(&t, &org, 4).await;
    let quiz = publish(&t, &org, json!({"public": true, "attempts": 1})).await;
    let public = t.client();
    let notices = public.get_json("/api/v1/privacy/notices").await;
    assert!(notices.as_array().unwrap().iter().any(|n| n["id"] == "quiz/1"), "{notices}");
    let page = public.text(&format!("/quizzes/{quiz}")).await;
    assert!(page.contains(r#"name="notice" value="quiz/1""#) && page.contains("手机号码"));

    let (status, _, _, fields) =
        error_of(start(&public, quiz, &json!({"name": "赵公众", "phone": "13780000001"})).await).await;
    assert_eq!((status, fields["consent"].is_string()), (422, true), "{fields}");
    let (status, _, _, fields) =
        error_of(start(&public, quiz, &json!({"name": "赵公众", "phone": "12345", "consent": true})).await)
            .await;
    assert_eq!((status, fields["phone"].is_string()), (422, true), "{fields}");
    let me = json!({"name": "赵公众", "phone": "13780000001", "consent": true, "notice": "quiz/1"});
    let secret = secret_of(start(&public, quiz, &me).await).await;
    // An open paper is taken up again only by the browser that holds its secret: someone else who
    // knows the phone number cannot take it over.
    let (status, _, message, _) = error_of(start(&public, quiz, &me).await).await;
    assert_eq!((status, message.contains("尚未交卷")), (409, true), "{message}");
    let mut again = me.clone();
    again["resume"] = json!("not-the-secret");
    assert_eq!(start(&public, quiz, &again).await.status(), 409);
    again["resume"] = json!(secret);
    assert_eq!(secret_of(start(&public, quiz, &again).await).await, secret);
    let k = key(&t, &secret).await;
    let answers: Vec<Value> = k.iter().map(|(p, a)| json!({"position": p, "answer": a})).collect();
    let done: Value = public
        .post_json(&format!("/api/v1/quiz-papers/{secret}/submit"), &json!({"answers": answers}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["score"], 100);
    // One attempt per phone, whatever name comes with it.
    let other_name = json!({"name": "赵别名", "phone": "13780000001", "consent": true});
    assert_eq!(start(&public, quiz, &other_name).await.status(), 409);

    let r = org.get_json(&format!("/api/v1/quizzes/{quiz}/results")).await;
    assert_eq!(r["people"][0]["phone"], "137****0001");
    assert_eq!(r["units"].as_array().unwrap().last().unwrap()["name"], "社会公众");
    let stored: String =
        sqlx::query_scalar("SELECT phone FROM quiz_attempts").fetch_one(&t.app.db.pool).await.unwrap();
    assert!(!stored.contains("13780000001"), "the phone is sealed");
    let mine: Value =
        org.post_json("/api/v1/privacy/export", &json!({"phone": "13780000001"})).await.json().await.unwrap();
    assert_eq!(mine["papers"][0]["phone"], "13780000001", "{mine}");

    // The campaign's retention over, the paper forgets who took it; the counts stay.
    let retention = format!("/api/v1/campaigns/{camp}/retention");
    assert_eq!(send(&org, Method::PUT, &retention, &json!({"retention_days": 30})).await.status(), 204);
    let done: Value = org.post_json("/api/v1/privacy/anonymise", &json!({})).await.json().await.unwrap();
    assert_eq!(done["papers"], 1, "{done}");
    let left: (String, String, i64) = sqlx::query_as("SELECT name, phone, score FROM quiz_attempts")
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(left, (String::new(), String::new(), 100));
    let r = org.get_json(&format!("/api/v1/quizzes/{quiz}/results")).await;
    assert_eq!(r["totals"]["took"], 1);
}

crate::on_both_engines!(
    an_offices_bank_is_imported_whole_or_not_at_all,
    a_cadre_takes_a_test_saved_as_he_goes_and_scored_on_the_server,
    a_paper_out_of_time_is_scored_as_it_stands,
    results_by_unit_with_the_most_missed_in_a_workbook_a_ledger_and_the_report,
    a_public_test_asks_name_phone_and_consent_and_forgets_them_with_its_campaign,
);
