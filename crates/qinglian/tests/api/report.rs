//! The report that writes itself: the draft follows the seed's structure and figures (and a
//! snapshot of its text), every figure links to its records, edits and overrides are versioned
//! and audited, the DOCX has the GB/T 9704 layout and LibreOffice opens it, the PDF is typeset,
//! ledgers are exported directly and as a background job, statistics, clone and comparison.

use std::time::Duration;

use serde_json::{json, Value};

use crate::harness::{assert_snapshot, error_of, pdftotext, Client, TestApp};

async fn campaign(t: &TestApp) -> i64 {
    t.scalar("SELECT MIN(id) FROM campaigns").await
}

async fn report(c: &Client, camp: i64) -> Value {
    c.get_json(&format!("/api/v1/campaigns/{camp}/report")).await
}

const SNAPSHOT: &str = "report_draft.txt";

async fn the_draft_reads_like_the_seed(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let camp = campaign(&t).await;
    let r = report(&org, camp).await;
    let text = r["text"].as_str().unwrap().to_string();
    let lines: Vec<&str> = text.lines().collect();

    // Three parts, in order.
    let part = |p: &str| {
        lines.iter().position(|l| l.starts_with(p)).unwrap_or_else(|| panic!("no part {p}: {text}"))
    };
    assert!(part("一、") < part("二、") && part("二、") < part("三、"));
    assert!(lines[part("二、")].contains("十项活动"), "{}", lines[part("二、")]);
    assert!(lines[part("三、")].contains("四个结合"));

    // The ten activities in order, each with its lead department.
    let seed = [
        ("一是", "集中教育宣讲", "市纪委监委"),
        ("二是", "集中警示教育", "市纪委监委"),
        ("三是", "访谈约稿", "市纪委监委"),
        ("四是", "社会层面宣传", "市委宣传部"),
        ("五是", "诗歌散文征集", "市委宣传部"),
        ("六是", "主题党日", "市委组织部"),
        ("七是", "廉洁教育主题活动", "市委组织部"),
        ("八是", "清廉家风", "市妇联"),
        ("九是", "清廉民企论谈会", "市委统战部"),
        ("十是", "优化营商环境", "市行政审批服务管理局"),
    ];
    let mut last = part("二、");
    for (lead, what, dept) in seed {
        let at = lines
            .iter()
            .position(|l| l.starts_with(lead) && l.contains(what))
            .unwrap_or_else(|| panic!("{lead}{what}"));
        assert!(at > last, "{lead} out of order");
        assert!(lines[at].contains(dept), "{lead}: {}", lines[at]);
        last = at;
    }
    assert!(last < part("三、"));
    // The seed's figures where the demo holds them.
    let training = lines.iter().find(|l| l.starts_with("七是")).unwrap();
    assert!(training.contains("为期三天") && training.contains("56名学员"), "{training}");
    assert!(text.contains("监督检查345次"), "{text}");
    // The call for works and the column, from their records.
    let works = lines.iter().find(|l| l.starts_with("五是")).unwrap();
    let collected =
        t.scalar("SELECT COUNT(*) FROM works WHERE call_id IS NOT NULL AND status <> 'rejected'").await;
    let winners = t.scalar("SELECT COUNT(*) FROM works WHERE published_at > 0").await;
    assert!(
        works.contains(&format!("征集作品{collected}篇")) && works.contains(&format!("获奖作品{winners}篇")),
        "{works}"
    );
    let column = lines.iter().find(|l| l.starts_with("三是开展")).unwrap();
    let published = t.scalar("SELECT COUNT(*) FROM column_pieces WHERE status = 'published'").await;
    assert!(column.contains(&format!("已刊发{published}篇")), "{column}");
    assert!(lines
        .iter()
        .find(|l| l.starts_with("三是将"))
        .unwrap()
        .contains("班子清廉、村务清爽、民风清朗、队伍清正"));

    // The same text on both engines, and the same as the reviewed snapshot.
    assert_snapshot(SNAPSHOT, &text);

    // Every figure links to the records it counts, and those pages open.
    let segments: Vec<&Value> =
        r["rendered"].as_array().unwrap().iter().flat_map(|b| b["segments"].as_array().unwrap()).collect();
    let figures: Vec<&&Value> = segments.iter().filter(|s| !s["key"].is_null()).collect();
    assert!(figures.len() > 30);
    let b = t.browser_as("jiwei").await;
    let mut sources: Vec<&str> = figures.iter().map(|s| s["source"].as_str().expect("a source")).collect();
    sources.sort();
    sources.dedup();
    for src in sources {
        assert_eq!(b.get(src).await.status(), 200, "{src}");
    }
    let seven = figures.iter().find(|s| s["key"] == "a7.trainees").unwrap();
    assert_eq!(seven["text"], "56名");
    // Each figure says what it counts.
    let all = r["draft"]["figures"].as_object().unwrap();
    for (key, f) in all {
        assert!(!f["basis"].as_str().unwrap().is_empty(), "{key} does not say what it counts");
    }
    // The page shows the figures as links.
    let page = b.text(&format!("/campaigns/{camp}/report")).await;
    assert!(page.contains("class=\"figure\"") && page.contains("56名"));

    // A unit administrator is not an organiser.
    let dz = t.api_as("dongzhuang").await;
    assert_eq!(dz.get(&format!("/api/v1/campaigns/{camp}/report")).await.status(), 403);
}

async fn edits_and_overrides_are_versioned(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let camp = campaign(&t).await;
    let path = format!("/api/v1/campaigns/{camp}/report");
    let r = report(&org, camp).await;
    assert_eq!(r["draft"]["version"], 0);
    let mut blocks: Vec<String> = r["draft"]["body"]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["text"].as_str().unwrap().to_string())
        .collect();
    let title = r["draft"]["body"]["title"].as_str().unwrap().to_string();

    // An unknown marker is refused with the marker named; nothing is stored.
    blocks[0] = format!("{}{{a99.nothing}}", blocks[0]);
    let edit = |blocks: &Vec<String>, base: i64| json!({"base_version": base, "title": title, "date": "2022-06-20", "blocks": blocks});
    let (status, _, message, _) = error_of(org.post_json(&path, &edit(&blocks, 0)).await).await;
    assert_eq!(status, 422);
    assert!(message.contains("a99.nothing"), "{message}");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM report_drafts").await, 0);

    // A real edit: reworded opening, a paragraph dropped, the date set.
    blocks[0] = "本报告由系统根据活动数据生成，共{c.activities}重点活动。".into();
    blocks[2] = String::new();
    let saved: Value = org.post_json(&path, &edit(&blocks, 0)).await.json().await.unwrap();
    assert_eq!(saved["version"], 1);
    let r = report(&org, camp).await;
    assert_eq!(r["draft"]["body"]["date"], "2022-06-20");
    assert!(r["text"].as_str().unwrap().contains("共十项重点活动"));
    assert_eq!(r["draft"]["body"]["blocks"].as_array().unwrap().len(), blocks.len() - 1);
    // Saving on an old version is refused: someone else saved in between.
    let (status, _, message, _) = error_of(org.post_json(&path, &edit(&blocks, 0)).await).await;
    assert_eq!(status, 409);
    assert!(message.contains("刷新"), "{message}");

    // An override needs a reason, then shows as such.
    let over = format!("{path}/overrides");
    let (status, _, _, fields) =
        error_of(org.post_json(&over, &json!({"key": "a7.trainees", "value": 57, "reason": " "})).await)
            .await;
    assert_eq!(status, 422);
    assert!(fields["reason"].is_string());
    let saved: Value = org
        .post_json(&over, &json!({"key": "a7.trainees", "value": 57, "reason": "一名学员由外单位借调参训"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(saved["version"], 2);
    let r = report(&org, camp).await;
    let seg = r["rendered"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["segments"].as_array().unwrap().clone())
        .find(|s| s["key"] == "a7.trainees")
        .unwrap();
    assert_eq!(seg["text"], "57名");
    assert_eq!(seg["overridden"], true);
    assert_eq!(r["draft"]["figures"]["a7.trainees"]["value"], 56, "the data's figure is kept beside it");

    // New records make the snapshot stale until the figures are refreshed.
    let village = t.scalar("SELECT id FROM units WHERE name = '东庄村'").await;
    let inspection =
        json!({"inspected_on": "2022-05-20", "unit_id": village, "focus": "疫情防控纪律", "findings": []});
    assert_eq!(
        org.post_json(&format!("/api/v1/campaigns/{camp}/inspections"), &inspection).await.status(),
        200
    );
    let r = report(&org, camp).await;
    assert!(r["draft"]["stale"].as_array().unwrap().iter().any(|k| k == "c.inspections"));
    let b = t.browser_as("jiwei").await;
    let csrf = b.csrf_from(&format!("/campaigns/{camp}/report")).await;
    let resp = b.post_form(&format!("/campaigns/{camp}/report/refresh"), &[("_csrf", csrf.as_str())]).await;
    assert_eq!(resp.status(), 303);
    let r = report(&org, camp).await;
    assert_eq!(r["draft"]["version"], 3);
    assert!(r["draft"]["stale"].as_array().unwrap().is_empty());
    assert_eq!(r["draft"]["figures"]["c.inspections"]["value"], 346);
    assert_eq!(r["draft"]["overrides"]["a7.trainees"]["value"], 57, "overrides survive a refresh");

    // Every save is in the audit log.
    assert_eq!(t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'report.save'").await, 3);
    // Regenerating writes the draft anew and drops the overrides.
    let saved: Value = org.post_json(&format!("{path}/regenerate"), &json!({})).await.json().await.unwrap();
    assert_eq!(saved["version"], 4);
    assert!(report(&org, camp).await["draft"]["overrides"].as_object().unwrap().is_empty());
}

fn part(zip: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str) -> String {
    let mut s = String::new();
    std::io::Read::read_to_string(&mut zip.by_name(name).unwrap_or_else(|_| panic!("{name}")), &mut s)
        .unwrap();
    s
}

async fn documents_in_the_official_layout(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let camp = campaign(&t).await;
    let resp = org.get(&format!("/api/v1/campaigns/{camp}/documents/report.docx")).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().contains("wordprocessingml"));
    let docx = resp.bytes().await.unwrap().to_vec();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(docx.clone())).unwrap();
    let doc = part(&mut z, "word/document.xml");
    let styles = part(&mut z, "word/styles.xml");
    let footer = part(&mut z, "word/footer1.xml");
    // A4, margins top 37 mm and left 28 mm, a 156 × 225 mm block of 22 lines.
    assert!(doc.contains(r#"<w:pgSz w:w="11906" w:h="16838"/>"#));
    assert!(doc.contains(r#"w:top="2098" w:right="1474" w:bottom="1984" w:left="1587""#), "{doc}");
    assert!(doc.contains(r#"w:linePitch="579""#));
    // Body 3号 仿宋 at a fixed 28.95 pt; title 2号 小标宋; headings 黑体 and 楷体.
    assert!(styles.contains(r#"w:line="579" w:lineRule="exact""#));
    assert!(styles.contains(r#"w:eastAsia="仿宋_GB2312""#) && styles.contains(r#"<w:sz w:val="32"/>"#));
    assert!(styles.contains(r#"w:eastAsia="方正小标宋简体""#) && styles.contains(r#"<w:sz w:val="44"/>"#));
    assert!(styles.contains(r#"w:eastAsia="黑体""#) && styles.contains(r#"w:eastAsia="楷体_GB2312""#));
    // "— 1 —" page numbers in 4号 宋体, odd and even pages apart.
    assert!(footer.contains("— ") && footer.contains(" PAGE ") && footer.contains(" —"));
    assert!(styles.contains(r#"w:eastAsia="宋体""#) && styles.contains(r#"<w:sz w:val="28"/>"#));
    assert!(part(&mut z, "word/settings.xml").contains("evenAndOddHeaders"));
    assert!(doc.contains("为期三天") && doc.contains("56名"));

    // The PDF is typeset with Chinese text in it.
    let pdf = org.get(&format!("/api/v1/campaigns/{camp}/documents/report.pdf")).await;
    assert_eq!(pdf.status(), 200);
    let pdf = pdf.bytes().await.unwrap().to_vec();
    assert!(pdf.starts_with(b"%PDF"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("typst.pdf"), &pdf).unwrap();
    let text = pdftotext(&dir.path().join("typst.pdf"));
    assert!(text.replace(char::is_whitespace, "").contains("为期三天"), "{text}");
    assert!(text.contains("— 1 —") || text.contains("—1—"), "page numbers: {text}");

    // The notice, from the campaign's definition.
    let notice = org
        .get(&format!("/api/v1/campaigns/{camp}/documents/notice.docx"))
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(notice)).unwrap();
    let doc = part(&mut z, "word/document.xml");
    assert!(doc.contains("关于开展2022年清廉清河宣传周活动的通知"));
    assert!(doc.contains("各乡镇（街道），市直各单位"), "主送");
    assert!(doc.contains("牵头单位：市委组织部") && doc.contains("配合单位：市教科局"));
    assert!(doc.contains("2022年5月16日至6月15日"));

    // LibreOffice opens the DOCX and converts it (CI has it; see scripts/setup).
    std::fs::write(dir.path().join("report.docx"), &docx).unwrap();
    let out = std::process::Command::new("soffice")
        .args(["--headless", "--norestore", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .arg(dir.path().join("report.docx"))
        .env("HOME", dir.path())
        .output()
        .expect("LibreOffice (soffice) must be installed: scripts/setup installs it");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let converted = pdftotext(&dir.path().join("report.pdf"));
    assert!(converted.replace(char::is_whitespace, "").contains("开展十项活动"), "{converted}");

    // The same documents from the command line.
    let cli_out = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_qinglian"))
        .arg("--database-url")
        .arg(&t.app.config.database_url)
        .arg("--data-dir")
        .arg(&t.app.config.data_dir)
        .args(["report", "--campaign", &camp.to_string(), "--out"])
        .arg(cli_out.path())
        .status()
        .unwrap();
    assert!(status.success());
    for f in [
        format!("报告-{camp}.docx"),
        format!("报告-{camp}.pdf"),
        format!("通知-{camp}.docx"),
        format!("台账-{camp}.xlsx"),
    ] {
        assert!(cli_out.path().join(&f).metadata().map(|m| m.len() > 1000).unwrap_or(false), "{f}");
    }
}

fn sheet_rows(bytes: Vec<u8>, name: &str) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range(name).unwrap_or_else(|_| panic!("sheet {name}"));
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

pub(crate) async fn ledgers_directly_and_as_a_job(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let camp = campaign(&t).await;
    let warning =
        t.scalar(&format!("SELECT id FROM activities WHERE campaign_id = {camp} AND seq = 2")).await;
    let xlsx = org.get(&format!("/api/v1/campaigns/{camp}/ledger.xlsx?activity={warning}")).await;
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.unwrap().to_vec();
    let entries =
        t.scalar(&format!("SELECT COUNT(*) FROM ledger_entries WHERE activity_id = {warning}")).await;
    let rows = sheet_rows(bytes.clone(), "工作台账");
    assert_eq!(rows.len() as i64, entries + 1);
    assert!(rows[1..].iter().all(|r| r[0] == "开展一次集中警示教育"));
    let checkins = t
        .scalar(&format!("SELECT COUNT(*) FROM checkins c JOIN sittings s ON s.id = c.sitting_id WHERE s.activity_id = {warning}"))
        .await;
    assert_eq!(sheet_rows(bytes, "签到记录").len() as i64, checkins + 1);

    // A unit administrator exports his own units, and no one else's.
    let dz = t.api_as("dongzhuang").await;
    let town = t.scalar("SELECT id FROM units WHERE name = '东庄乡'").await;
    let station = t.scalar("SELECT id FROM units WHERE name = '五一路派出所'").await;
    let own = dz.get(&format!("/api/v1/campaigns/{camp}/ledger.xlsx?unit={town}")).await;
    assert_eq!(own.status(), 200);
    let rows = sheet_rows(own.bytes().await.unwrap().to_vec(), "工作台账");
    let names = ["东庄乡", "东庄乡纪委", "东庄村", "西庄村", "前营村"];
    assert!(rows[1..].iter().all(|r| names.contains(&r[1].as_str())), "{rows:?}");
    assert_eq!(dz.get(&format!("/api/v1/campaigns/{camp}/ledger.xlsx?unit={station}")).await.status(), 404);
    assert_eq!(
        dz.post_json(&format!("/api/v1/campaigns/{camp}/ledger-jobs"), &json!({})).await.status(),
        403
    );

    // The whole campaign as a background job with progress.
    let job: Value = org
        .post_json(&format!("/api/v1/campaigns/{camp}/ledger-jobs"), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let id = job["id"].as_i64().unwrap();
    let mut status = Value::Null;
    for _ in 0..300 {
        status = org.get_json(&format!("/api/v1/jobs/{id}")).await;
        if status["status"] == "done" || status["status"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status["status"], "done", "{status}");
    assert_eq!(status["progress"], 100);
    let b = t.browser_as("jiwei").await;
    assert!(b.text(&format!("/jobs/{id}")).await.contains("job-download"));
    let bytes = org.get(&format!("/api/v1/jobs/{id}/download")).await.bytes().await.unwrap().to_vec();
    let all = t
        .scalar(&format!("SELECT COUNT(*) FROM checkins c JOIN sittings s ON s.id = c.sitting_id JOIN activities a ON a.id = s.activity_id WHERE a.campaign_id = {camp}"))
        .await;
    assert_eq!(sheet_rows(bytes.clone(), "签到记录").len() as i64, all + 1);
    assert_eq!(sheet_rows(bytes.clone(), "汇总").len(), 11, "a header and ten activities");
    let pledged = t
        .scalar(&format!("SELECT COUNT(*) FROM signatures g JOIN pledges k ON g.subject = 'pledge' AND k.id = g.subject_id JOIN activities a ON a.id = k.activity_id WHERE a.campaign_id = {camp}"))
        .await;
    assert!(pledged > 0);
    assert_eq!(sheet_rows(bytes.clone(), "承诺签名").len() as i64, pledged + 1);
    // Dates and times are Excel's own, so they sort and filter as dates; headers stay frozen.
    {
        use calamine::{Data, Reader};
        let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
        let checkins = book.worksheet_range("签到记录").unwrap();
        assert!(matches!(checkins.get((1, 5)), Some(Data::DateTime(_))), "{:?}", checkins.get((1, 5)));
        let entries = book.worksheet_range("工作台账").unwrap();
        assert!(matches!(entries.get((1, 2)), Some(Data::DateTime(_))), "{:?}", entries.get((1, 2)));
        assert!(matches!(entries.get((1, 4)), Some(Data::Float(_))), "participants are numbers");
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    for i in 1..=5 {
        let mut xml = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name(&format!("xl/worksheets/sheet{i}.xml")).unwrap(),
            &mut xml,
        )
        .unwrap();
        assert!(xml.contains(r#"ySplit="1""#), "sheet {i} keeps its header in view");
    }
    // Someone else's job is not found.
    assert_eq!(dz.get(&format!("/api/v1/jobs/{id}")).await.status(), 404);
}

async fn statistics_next_year_and_comparison(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let camp = campaign(&t).await;
    let s = org.get_json(&format!("/api/v1/campaigns/{camp}/statistics")).await;
    let days = s["by_day"].as_array().unwrap();
    assert_eq!(days.len(), 31, "16 May to 15 June");
    assert_eq!(days[0]["date"], "2022-05-16");
    let in_period: i64 = days.iter().map(|d| d["checkins"].as_i64().unwrap()).sum();
    assert!(in_period > 1000, "{in_period}");
    for c in s["coverage"].as_array().unwrap() {
        let parts: i64 =
            ["accepted", "submitted", "returned", "pending"].iter().map(|k| c[k].as_i64().unwrap()).sum();
        assert_eq!(parts, c["units"].as_i64().unwrap());
    }
    let ranks = s["by_rank"].as_array().unwrap();
    assert!(ranks.iter().any(|r| r["key"] == "新进事业人员"));
    let b = t.browser_as("jiwei").await;
    let page = b.text(&format!("/campaigns/{camp}/statistics")).await;
    assert!(page.matches("<svg").count() >= 4 && page.contains("role=\"img\""));

    // Next year's campaign from this one: activities and a fresh task for every unit, no records.
    let (status, _, _, fields) =
        error_of(org.post_json(&format!("/api/v1/campaigns/{camp}/clone"), &json!({"year": 2022})).await)
            .await;
    assert_eq!(status, 422);
    assert!(fields["year"].is_string());
    let created: Value = org
        .post_json(&format!("/api/v1/campaigns/{camp}/clone"), &json!({"year": 2023}))
        .await
        .json()
        .await
        .unwrap();
    let next = created["id"].as_i64().unwrap();
    let c = org.get_json(&format!("/api/v1/campaigns/{next}")).await;
    assert_eq!(c["year"], 2023);
    assert_eq!(c["start_date"], "2023-05-16");
    assert_eq!(c["status"], "draft");
    assert_eq!(c["activities"].as_array().unwrap().len(), 10);
    assert_eq!(c["title"], "2023年清廉清河宣传周");
    let tasks = t
        .scalar(&format!("SELECT COUNT(*) FROM tasks t JOIN assignments s ON s.id = t.assignment_id JOIN activities a ON a.id = s.activity_id WHERE a.campaign_id = {next} AND t.status = 'pending'"))
        .await;
    assert_eq!(tasks, t.scalar("SELECT COUNT(*) FROM units").await - 1, "every unit but the city");
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM pledges p JOIN activities a ON a.id = p.activity_id WHERE a.campaign_id = {next}")).await, 3);
    // The call for works comes along with its rubric and jury, open again a year on, without entries.
    let call = t.scalar(&format!("SELECT id FROM calls WHERE campaign_id = {next}")).await;
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM call_criteria WHERE call_id = {call}")).await, 4);
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM call_jurors WHERE call_id = {call}")).await, 5);
    assert_eq!(t.scalar(&format!("SELECT COUNT(*) FROM works WHERE call_id = {call}")).await, 0);
    let old_opens = t.scalar("SELECT MIN(opens_at) FROM calls").await;
    assert_eq!(
        t.scalar(&format!("SELECT opens_at FROM calls WHERE id = {call}")).await - old_opens,
        365 * 86_400
    );
    // Its draft says what is missing instead of presenting zeros.
    let text = report(&org, next).await["text"].as_str().unwrap().to_string();
    assert!(text.matches("有待补录").count() >= 10, "{text}");
    assert!(!text.contains("56名"));
    // No zero is presented as a fact: "0人次", "0个单位", "0份" and the like.
    let zeros = ["0人", "0个", "0份", "0名", "0场", "0处", "0件", "0次", "0种"];
    for (i, _) in text.match_indices('0') {
        let before = text[..i].chars().last().unwrap_or(' ');
        let after: String = text[i..].chars().take(2).collect();
        assert!(
            before.is_ascii_digit() || !zeros.contains(&after.as_str()),
            "a zero stated as a fact: …{}…",
            &text[i.saturating_sub(30)..(i + 6).min(text.len())]
        );
    }

    let cmp = org.get_json(&format!("/api/v1/compare?a={camp}&b={next}")).await;
    let row =
        |label: &str| cmp["rows"].as_array().unwrap().iter().find(|r| r["label"] == label).unwrap().clone();
    assert!(row("签到人次")["a"].as_i64().unwrap() > 1000);
    assert_eq!(row("签到人次")["b"], 0);
    assert_eq!(row("活动项数")["b"], 10);
    assert!(b.text(&format!("/compare?a={camp}&b={next}")).await.contains("2023年清廉清河宣传周"));
}

async fn an_empty_campaign_says_what_is_missing(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let created: Value = org
        .post_json(
            "/api/v1/campaigns",
            &json!({"title": "2024年清廉清河宣传周", "year": 2024, "theme": "清廉", "start_date": "2024-05-13", "end_date": "2024-05-19", "themes": []}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_i64().unwrap();
    let text = report(&org, id).await["text"].as_str().unwrap().to_string();
    assert!(text.contains("尚未设置具体活动项目"), "{text}");
    assert!(!text.contains("开展零项"));
    let docx = org.get(&format!("/api/v1/campaigns/{id}/documents/report.docx")).await;
    assert_eq!(docx.status(), 200);
}

crate::on_both_engines!(
    the_draft_reads_like_the_seed,
    edits_and_overrides_are_versioned,
    documents_in_the_official_layout,
    ledgers_directly_and_as_a_job,
    statistics_next_year_and_comparison,
    an_empty_campaign_says_what_is_missing,
);
