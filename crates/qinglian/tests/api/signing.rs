//! Study materials read and signed for, pledges signed by the public and by cadres, the signed
//! copy and its verification, the signature wall, and the SM3 chain that exposes tampering.

use serde_json::{json, Value};

use crate::harness::{error_of, Client, TestApp};

const STROKES: &str = "[[[100,200],[200,120],[320,260],[450,140]],[[520,220],[700,200],[880,240]]]";

async fn public_pledge(t: &TestApp, org: &Client) -> i64 {
    let host = t.scalar("SELECT id FROM units WHERE name = '市委统战部'").await;
    let resp = org
        .post_json("/api/v1/pledges", &json!({"title": "亲清政商关系承诺书", "body": "一、坚持守法经营。\n二、不行贿、不送礼。", "host_unit_id": host, "public": true}))
        .await;
    assert_eq!(resp.status(), 200);
    resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

fn signer(name: &str, phone: &str) -> Value {
    json!({"name": name, "org": "清河宏达物流有限公司", "phone": phone, "strokes": STROKES, "consent": true})
}

async fn public_pledge_signing_and_refusals(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let pledge = public_pledge(&t, &org).await;
    let public = t.client();
    let path = format!("/api/v1/pledges/{pledge}/sign");
    let resp = public.post_json(&path, &signer("周建平", "13760000001")).await;
    assert_eq!(resp.status(), 200);
    let signed: Value = resp.json().await.unwrap();
    let code = signed["code"].as_str().unwrap().to_string();

    // A second signature, markup, an empty or a monstrous signature: refused, nothing stored.
    let (status, _, message, _) =
        error_of(public.post_json(&path, &signer("周建平", "137 6000 0001")).await).await;
    assert_eq!((status, message.as_str()), (409, "您已签署，无需重复签名。"));
    let (status, _, message, _) =
        error_of(public.post_json(&path, &signer("<script>alert(1)</script>", "13760000002")).await).await;
    assert_eq!(status, 422);
    assert!(message.contains("特殊字符"), "{message}");
    let mut empty = signer("吴丽华", "13760000003");
    empty["strokes"] = json!("[[[10,10]]]");
    let (status, _, message, _) = error_of(public.post_json(&path, &empty).await).await;
    assert_eq!(status, 422);
    assert!(message.contains("手写签名"), "{message}");
    let mut huge = signer("吴丽华", "13760000003");
    huge["strokes"] =
        json!(format!("[{}]", (0..61).map(|i| format!("[[{i},1],[{i},300]]")).collect::<Vec<_>>().join(",")));
    assert_eq!(public.post_json(&path, &huge).await.status(), 422);
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM signatures WHERE subject = 'pledge' AND subject_id = {pledge}"
        ))
        .await,
        1
    );

    // Typing the name instead of drawing is accepted (for those who cannot draw).
    let typed = json!({"name": "郑国强", "org": "清河建工集团有限公司", "phone": "13760000004", "typed": true, "consent": true});
    assert_eq!(public.post_json(&path, &typed).await.status(), 200);

    let wall = public.get_json(&format!("/api/v1/pledges/{pledge}/wall")).await;
    assert_eq!(wall["count"], 2);
    let names: Vec<&str> =
        wall["recent"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["郑*强", "周*平"], "newest first, masked");
    let html = public.text(&format!("/p/{pledge}/wall")).await;
    assert!(html.contains("周*平") && !html.contains("周建平") && !html.contains("13760000001"));

    // The signed copy and its public check.
    let pdf = public.get(&format!("/signatures/{code}.pdf")).await;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copy.pdf");
    std::fs::write(&file, pdf.bytes().await.unwrap()).unwrap();
    let text = crate::harness::pdftotext(&file);
    for expected in
        ["承诺人：周建平", "单位：清河宏达物流有限公司", "发起单位：市委统战部", &format!("验证码：{code}")]
    {
        assert!(text.contains(expected), "the copy says {expected}: {text}");
    }
    let fonts = std::process::Command::new("pdffonts").arg(&file).output().unwrap();
    let fonts = String::from_utf8_lossy(&fonts.stdout).to_string();
    // pdffonts' columns end "emb sub uni object ID".
    let embedded = |l: &str| l.split_whitespace().rev().nth(4) == Some("yes");
    assert!(fonts.lines().count() > 2 && fonts.lines().skip(2).all(embedded), "every font embedded: {fonts}");
    let check = public.get_json(&format!("/api/v1/signatures/{}", code.to_lowercase())).await;
    assert_eq!((check["name"].as_str(), check["withdrawn"].as_bool()), (Some("周*平"), Some(false)));
    let svg = public.get(&format!("/signatures/{code}.svg")).await;
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");

    // Withdrawal: administrators only, logged; the wall and the check follow.
    let reason = json!({"reason": "本人申请撤回"});
    assert_eq!(org.post_json(&format!("/api/v1/signatures/{code}/withdraw"), &reason).await.status(), 403);
    let admin = t.api_as("admin").await;
    assert_eq!(admin.post_json(&format!("/api/v1/signatures/{code}/withdraw"), &reason).await.status(), 204);
    assert_eq!(public.get_json(&format!("/api/v1/pledges/{pledge}/wall")).await["count"], 1);
    assert_eq!(public.get_json(&format!("/api/v1/signatures/{code}")).await["withdrawn"], true);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'signature.withdraw'").await, 1);
    let chain = admin.get_json("/api/v1/chain").await;
    let all = t.scalar("SELECT COUNT(*) FROM signatures").await;
    assert_eq!((chain["intact"].as_bool(), chain["signatures"].as_i64()), (Some(true), Some(all)));

    // A closed pledge takes no more signatures.
    let b = t.browser_as("jiwei").await;
    let csrf = b.csrf_from("/pledges").await;
    assert_eq!(
        b.post_form(&format!("/pledges/{pledge}/status"), &[("_csrf", &csrf), ("open", "0")]).await.status(),
        303
    );
    let (status, _, message, _) =
        error_of(public.post_json(&path, &signer("冯志刚", "13760000005")).await).await;
    assert_eq!((status, message.as_str()), (409, "该承诺书未开放签署。"));
}

async fn one_address_flooding_the_form_is_slowed(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let pledge = public_pledge(&t, &org).await;
    let public = t.client();
    for i in 0..30 {
        let resp = public
            .post_json(
                &format!("/api/v1/pledges/{pledge}/sign"),
                &signer("王海燕", &format!("1376100{i:04}")),
            )
            .await;
        assert_eq!(resp.status(), 200);
    }
    let (status, _, message, _) = error_of(
        public.post_json(&format!("/api/v1/pledges/{pledge}/sign"), &signer("王海燕", "13762000000")).await,
    )
    .await;
    assert_eq!((status, message.as_str()), (429, "提交过于频繁，请稍后再试。"));
}

async fn the_chain_exposes_any_edit_or_deletion(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let pledge = public_pledge(&t, &org).await;
    let public = t.client();
    for i in 0..5 {
        public
            .post_json(
                &format!("/api/v1/pledges/{pledge}/sign"),
                &signer(&format!("签名人{i}"), &format!("1376300{i:04}")),
            )
            .await;
    }
    let admin = t.api_as("admin").await;
    assert_eq!(admin.get_json("/api/v1/chain").await["intact"], true);
    let third = t
        .scalar(&format!(
            "SELECT MIN(id) + 2 FROM signatures WHERE subject = 'pledge' AND subject_id = {pledge}"
        ))
        .await;
    sqlx::query(&format!("UPDATE signatures SET name = '改过的名字' WHERE id = {third}"))
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let report = admin.get_json("/api/v1/chain").await;
    assert_eq!((report["intact"].as_bool(), report["broken_at"].as_i64()), (Some(false), Some(third)));
    let b = t.browser_as("admin").await;
    assert!(b.text("/admin/chain").await.contains("签名链校验失败"));
    // Put it back, then delete the newest: the head no longer matches.
    sqlx::query(&format!("UPDATE signatures SET name = '签名人2' WHERE id = {third}"))
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(admin.get_json("/api/v1/chain").await["intact"], true);
    sqlx::query("DELETE FROM signatures WHERE id = (SELECT MAX(id) FROM signatures)")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(admin.get_json("/api/v1/chain").await["intact"], false);
}

/// An account for the first person of `rank`, linked to the roster.
async fn reader(t: &TestApp, rank: &str, username: &str) -> (Client, i64) {
    let (person, phone): (i64, String) =
        sqlx::query_as(&format!("SELECT id, phone FROM people WHERE rank = '{rank}' ORDER BY id LIMIT 1"))
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    let phone = t.open(&phone);
    let admin = t.api_as("admin").await;
    let body = json!({"username": username, "display_name": username, "password": "Reader#2022pw", "role": "member", "person_phone": phone});
    assert_eq!(admin.post_json("/api/v1/users", &body).await.status(), 200);
    (t.api_with(username, "Reader#2022pw").await, person)
}

pub(crate) async fn read_then_sign(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let activity = t.scalar("SELECT id FROM activities WHERE kind = 'lecture'").await;
    let host = t.scalar("SELECT id FROM units WHERE name = '市纪委监委'").await;
    let material = |title: &str, seconds: i64| {
        json!({"title": title, "kind": "document", "body": "第一章 总则……", "delivery": "online", "due_date": "2022-06-30",
               "min_read_seconds": seconds, "host_unit_id": host, "audience": {"ranks": ["县处级"]}})
    };
    let m: Value = org
        .post_json(&format!("/api/v1/activities/{activity}/materials"), &material("《监察法实施条例》", 0))
        .await
        .json()
        .await
        .unwrap();
    let m = m["id"].as_i64().unwrap();
    let (cadre, _) = reader(&t, "县处级", "leader1").await;
    let sign = json!({"strokes": STROKES});

    let (status, _, message, _) =
        error_of(cadre.post_json(&format!("/api/v1/materials/{m}/sign"), &sign).await).await;
    assert_eq!((status, message.as_str()), (409, "请先打开并阅读资料，再签名。"));
    assert_eq!(cadre.post_json(&format!("/api/v1/materials/{m}/open"), &json!({})).await.status(), 200);
    let signed = cadre.post_json(&format!("/api/v1/materials/{m}/sign"), &sign).await;
    assert_eq!(signed.status(), 200);
    assert_eq!(cadre.post_json(&format!("/api/v1/materials/{m}/sign"), &sign).await.status(), 409);
    let mine = cadre.get_json("/api/v1/me/materials").await;
    assert!(mine.as_array().unwrap().iter().any(|x| x["id"] == m && x["signed_at"].is_i64()));

    // A minimum reading time holds the pen until it has passed.
    let slow: Value = org
        .post_json(&format!("/api/v1/activities/{activity}/materials"), &material("忏悔录", 600))
        .await
        .json()
        .await
        .unwrap();
    let slow = slow["id"].as_i64().unwrap();
    cadre.post_json(&format!("/api/v1/materials/{slow}/open"), &json!({})).await;
    let (status, _, message, _) =
        error_of(cadre.post_json(&format!("/api/v1/materials/{slow}/sign"), &sign).await).await;
    assert_eq!(status, 409);
    assert!(message.contains("秒后可签名"), "{message}");

    // Someone it was not given to cannot read it.
    let (other, _) = reader(&t, "一般干部", "staff1").await;
    assert_eq!(other.get(&format!("/api/v1/materials/{m}")).await.status(), 404);

    // Progress, reminders to those who have not signed, per unit and rank.
    let expected = t.scalar("SELECT COUNT(*) FROM people WHERE rank = '县处级'").await;
    let p = org.get_json(&format!("/api/v1/materials/{m}/progress")).await;
    assert_eq!(
        (p["totals"]["expected"].as_i64(), p["totals"]["signed"].as_i64(), p["totals"]["opened"].as_i64()),
        (Some(expected), Some(1), Some(1))
    );
    assert_eq!(p["ranks"][0]["name"], "县处级");
    assert_eq!(p["unsigned"].as_array().unwrap().len() as i64, expected - 1);
    let sent = t.scalar("SELECT COUNT(*) FROM outbox").await;
    let reminded = org
        .post_json(&format!("/api/v1/materials/{m}/remind"), &json!({}))
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(reminded["reminded"].as_i64(), Some(expected - 1));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM outbox").await, sent + expected - 1);
}

async fn paper_copies_recorded_by_a_clerk(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let activity = t.scalar("SELECT id FROM activities WHERE kind = 'warning_education'").await;
    let host = t.scalar("SELECT id FROM units WHERE name = '市纪委监委'").await;
    let m: Value = org
        .post_json(
            &format!("/api/v1/activities/{activity}/materials"),
            &json!({"title": "《曝光台》", "kind": "booklet", "body": "典型案例通报",
            "delivery": "paper", "host_unit_id": host, "audience": {"ranks": ["科级"]}}),
        )
        .await
        .json()
        .await
        .unwrap();
    let m = m["id"].as_i64().unwrap();
    let person = t.scalar("SELECT id FROM people WHERE rank = '科级' ORDER BY id LIMIT 1").await;
    assert_eq!(
        org.post_json(&format!("/api/v1/materials/{m}/paper"), &json!({"person_id": person})).await.status(),
        204
    );
    let outsider = t.scalar("SELECT id FROM people WHERE rank = '一般干部' ORDER BY id LIMIT 1").await;
    assert_eq!(
        org.post_json(&format!("/api/v1/materials/{m}/paper"), &json!({"person_id": outsider}))
            .await
            .status(),
        422
    );
    let p = org.get_json(&format!("/api/v1/materials/{m}/progress")).await;
    assert_eq!(p["totals"]["delivered"], 1, "paper copies count only when handed out");
}

async fn party_members_sign_their_pledge(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let village = t.scalar("SELECT id FROM units WHERE name = '东庄村'").await;
    let body = json!({"title": "廉洁自律承诺书", "body": "本人郑重承诺：严守纪律，廉洁自律。", "host_unit_id": village,
        "audience": {"unit_id": village, "party": true}});
    let pledge =
        org.post_json("/api/v1/pledges", &body).await.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let (member, member_phone): (String, String) = sqlx::query_as(&format!(
        "SELECT name, phone FROM people WHERE unit_id = {village} AND party_member = 1 ORDER BY id LIMIT 1"
    ))
    .fetch_one(&t.app.db.pool)
    .await
    .unwrap();
    let member_phone = t.open(&member_phone);
    let (other, _other_phone): (String, String) = sqlx::query_as(&format!(
        "SELECT name, phone FROM people WHERE unit_id = {village} AND party_member = 0 ORDER BY id LIMIT 1"
    ))
    .fetch_one(&t.app.db.pool)
    .await
    .unwrap();
    // Not signed in: refused, whatever name and phone are typed, and nothing is looked up.
    let public = t.client();
    let sign =
        |name: &str, phone: &str| json!({"name": name, "phone": phone, "strokes": STROKES, "consent": true});
    let path = format!("/api/v1/pledges/{pledge}/sign");
    let (status, _, refused_member, _) =
        error_of(public.post_json(&path, &sign(&member, &member_phone)).await).await;
    let (status2, _, refused_stranger, _) =
        error_of(public.post_json(&path, &sign("无此人", "13900000000")).await).await;
    assert_eq!((status, status2), (409, 409));
    assert_eq!(refused_member, refused_stranger, "the roster is not revealed");
    assert!(refused_member.contains("请先登录"), "{refused_member}");
    // Signed in, as the person the account is linked to.
    let link = |name: &str, person_name: &str| {
        let (name, person_name) = (name.to_string(), person_name.to_string());
        let pool = t.app.db.pool.clone();
        async move {
            sqlx::query("UPDATE users SET person_id = (SELECT id FROM people WHERE name = $1 LIMIT 1) WHERE username = $2")
                .bind(person_name)
                .bind(name)
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    link("dongzhuang", &member).await;
    let cadre = t.api_as("dongzhuang").await;
    assert_eq!(cadre.post_json(&path, &json!({"strokes": STROKES})).await.status(), 200);
    link("wuyilu", &other).await;
    let outsider = t.api_as("wuyilu").await;
    let (status, _, message, _) =
        error_of(outsider.post_json(&path, &json!({"strokes": STROKES})).await).await;
    assert_eq!(status, 409);
    assert!(message.contains("不在本承诺书的签署范围内"), "{message}");

    // Its reach: signed of asked, per unit and rank; as a workbook; as the village's ledger entry.
    let members = t
        .scalar(&format!("SELECT COUNT(*) FROM people WHERE unit_id = {village} AND party_member = 1"))
        .await;
    let p = org.get_json(&format!("/api/v1/pledges/{pledge}/progress")).await;
    assert_eq!((p["totals"]["expected"].as_i64(), p["totals"]["signed"].as_i64()), (Some(members), Some(1)));
    assert_eq!(p["units"][0]["name"], "东庄村");
    assert_eq!(p["unsigned"].as_array().unwrap().len() as i64, members - 1);
    let b = t.browser_as("jiwei").await;
    let xlsx = b.get(&format!("/pledges/{pledge}/progress.xlsx")).await.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    assert_eq!(book.sheet_names(), ["分单位", "分职级", "未签名人员"]);
    let unsigned = book.worksheet_range("未签名人员").unwrap();
    assert_eq!(unsigned.get_size().0 as i64, members);
    // A pledge of no activity has no ledger to fill.
    assert_eq!(org.post_json(&format!("/api/v1/pledges/{pledge}/ledger"), &json!({})).await.status(), 409);
}

async fn a_materials_reach_fills_the_ledger(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let m = t.scalar("SELECT MIN(id) FROM materials").await;
    let p = org.get_json(&format!("/api/v1/materials/{m}/progress")).await;
    let signed = p["totals"]["signed"].as_i64().unwrap();
    assert!(signed > 0, "the demo has signatures");
    let entry: Value =
        org.post_json(&format!("/api/v1/materials/{m}/ledger"), &json!({})).await.json().await.unwrap();
    let entry = org.get_json(&format!("/api/v1/entries/{}", entry["id"])).await;
    assert_eq!(entry["participants"].as_i64(), Some(signed));
    assert!(entry["summary"].as_str().unwrap().contains("签名率"));
    assert_eq!(
        org.post_json(&format!("/api/v1/materials/{m}/ledger"), &json!({})).await.status(),
        409,
        "once"
    );
}

/// A pledge closed on one server takes no signature on another, though that one read it open a
/// moment ago: whether it is open is asked again where the signature is written.
async fn a_pledge_closed_on_another_server_takes_no_signature(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let pledge = public_pledge(&t, &org).await;
    let path = format!("/api/v1/pledges/{pledge}/sign");
    let public = t.client();
    assert_eq!(public.post_json(&path, &signer("冯志刚", "13760000005")).await.status(), 200);
    let other = TestApp::serving(qinglian::start((*t.app.config).clone()).await.unwrap()).await;
    let b = other.browser_as("jiwei").await;
    let csrf = b.csrf_from("/pledges").await;
    let closed = b.post_form(&format!("/pledges/{pledge}/status"), &[("_csrf", &csrf), ("open", "0")]).await;
    assert_eq!(closed.status(), 303);
    let (status, _, message, _) =
        error_of(public.post_json(&path, &signer("王海燕", "13760000006")).await).await;
    assert_eq!((status, message.as_str()), (409, "该承诺书未开放签署。"));
    assert_eq!(t.scalar(&format!("SELECT signature_count FROM pledges WHERE id = {pledge}")).await, 1);
}

/// Correcting a pledge's or a material's wording makes a new version: signatures on the old one
/// stand on the text their signers saw, a signer shown the old one is asked to read again, and
/// a closed campaign's texts stay as they were signed.
async fn a_corrected_text_is_a_new_version_and_old_signatures_keep_theirs(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let pledge = public_pledge(&t, &org).await;
    let public = t.client();
    let sign = format!("/api/v1/pledges/{pledge}/sign");
    let first =
        public.post_json(&sign, &signer("周建平", "13760000001")).await.json::<Value>().await.unwrap();
    let first = first["code"].as_str().unwrap().to_string();

    let path = format!("/api/v1/pledges/{pledge}");
    let v2 = json!({"title": "亲清政商关系承诺书", "body": "一、坚持守法诚信经营。\n二、不行贿、不送礼。\n三、主动报告问题线索。", "version": 1});
    let resp = crate::corrections::send(&org, reqwest::Method::PUT, &path, &v2).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["version"], 2);
    let detail = crate::corrections::last_audit(&t, "pledge.revise").await;
    assert_eq!(
        (detail["before"]["version"].as_i64(), detail["after"]["version"].as_i64()),
        (Some(1), Some(2))
    );
    assert!(detail["before"]["body"].as_str().unwrap().contains("坚持守法经营"), "{detail}");

    // The earlier signature keeps the text it was given; the check page says which version.
    let check = public.get_json(&format!("/api/v1/signatures/{first}")).await;
    assert_eq!(check["version"], 1);
    let html = public.text(&format!("/check?code={first}")).await;
    assert!(
        html.contains("一、坚持守法经营。") && !html.contains("主动报告") && html.contains("第1版"),
        "{html}"
    );

    // A signer shown the first version is asked to read again; the new one is signed as 2.
    let mut stale = signer("郑国强", "13760000004");
    stale["version"] = json!(1);
    let (status, _, message, _) = error_of(public.post_json(&sign, &stale).await).await;
    assert_eq!((status, message.as_str()), (409, "内容已修订为第2版，请阅读新版本后再签名。"));
    stale["version"] = json!(2);
    let second = public.post_json(&sign, &stale).await.json::<Value>().await.unwrap();
    let second = public.get_json(&format!("/api/v1/signatures/{}", second["code"].as_str().unwrap())).await;
    assert_eq!(second["version"], 2);
    let versions = org.get_json(&format!("{path}/versions")).await;
    let counts: Vec<(i64, i64)> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["version"].as_i64().unwrap(), v["signatures"].as_i64().unwrap()))
        .collect();
    assert_eq!(counts, [(1, 1), (2, 1)]);
    let admin = t.api_as("admin").await;
    assert_eq!(admin.get_json("/api/v1/chain").await["intact"], true);

    // A correction made from an old version, or by someone who does not run it, is refused.
    let (status, _, message, _) =
        error_of(crate::corrections::send(&org, reqwest::Method::PUT, &path, &v2).await).await;
    assert_eq!(status, 409);
    assert!(message.contains("刷新页面"), "{message}");
    let unit = t.api_as("dongzhuang").await;
    let mut v3 = v2.clone();
    v3["version"] = json!(2);
    assert_eq!(crate::corrections::send(&unit, reqwest::Method::PUT, &path, &v3).await.status(), 403);
    assert_eq!(public.get_json(&path).await["version"], 2, "nothing written");

    // A material: a reader who opened the first wording opens the new one before signing it;
    // a change of the due date alone is no new version.
    let activity = t.scalar("SELECT id FROM activities WHERE kind = 'lecture'").await;
    let host = t.scalar("SELECT id FROM units WHERE name = '市纪委监委'").await;
    let m = org
        .post_json(
            &format!("/api/v1/activities/{activity}/materials"),
            &json!({"title": "《监察法实施条例》", "kind": "document", "body": "第一章 总则", "delivery": "online",
                    "host_unit_id": host, "audience": {"ranks": ["县处级"]}}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (cadre, _) = reader(&t, "县处级", "leader1").await;
    assert_eq!(cadre.post_json(&format!("/api/v1/materials/{m}/open"), &json!({})).await.status(), 200);
    let mpath = format!("/api/v1/materials/{m}");
    let due =
        json!({"title": "《监察法实施条例》", "body": "第一章 总则", "due_date": "2099-06-30", "version": 1});
    let resp = crate::corrections::send(&org, reqwest::Method::PUT, &mpath, &due).await;
    assert_eq!(resp.json::<Value>().await.unwrap()["version"], 1);
    let reworded =
        json!({"title": "《监察法实施条例》", "body": "第一章 总则\n第二章 监察机关及其职责", "version": 1});
    let resp = crate::corrections::send(&org, reqwest::Method::PUT, &mpath, &reworded).await;
    assert_eq!(resp.json::<Value>().await.unwrap()["version"], 2);
    let strokes = json!({"strokes": STROKES, "version": 2});
    let (status, _, message, _) = error_of(cadre.post_json(&format!("{mpath}/sign"), &strokes).await).await;
    assert_eq!((status, message.as_str()), (409, "请先打开并阅读资料，再签名。"));
    cadre.post_json(&format!("{mpath}/open"), &json!({})).await;
    let signed = cadre.post_json(&format!("{mpath}/sign"), &strokes).await.json::<Value>().await.unwrap();
    let signed = public.get_json(&format!("/api/v1/signatures/{}", signed["code"].as_str().unwrap())).await;
    assert_eq!(signed["version"], 2);

    // The pages: the form with the versions, and a closed campaign's text stays as signed.
    let b = t.browser_as("jiwei").await;
    let page = format!("/materials/{m}/edit");
    let html = b.text(&page).await;
    assert!(
        html.contains("id=\"revise-form\"") && html.contains("第2版") && html.contains("第二章"),
        "{html}"
    );
    let csrf = b.csrf_from(&page).await;
    let camp = t.scalar(&format!("SELECT campaign_id FROM activities WHERE id = {activity}")).await;
    sqlx::query("UPDATE campaigns SET status = 'closed' WHERE id = $1")
        .bind(camp)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let resp = b
        .post_form(
            &page,
            &[("_csrf", &csrf), ("version", "2"), ("title", "《监察法实施条例》"), ("body", "改")],
        )
        .await;
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.unwrap().contains("已结束"));
    assert_eq!(org.get_json(&mpath).await["version"], 2);
}

crate::on_both_engines!(
    a_corrected_text_is_a_new_version_and_old_signatures_keep_theirs,
    a_pledge_closed_on_another_server_takes_no_signature,
    public_pledge_signing_and_refusals,
    one_address_flooding_the_form_is_slowed,
    the_chain_exposes_any_edit_or_deletion,
    read_then_sign,
    paper_copies_recorded_by_a_clerk,
    party_members_sign_their_pledge,
    a_materials_reach_fills_the_ledger,
);
