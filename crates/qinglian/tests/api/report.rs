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
        works.contains(&format!("应征作品{collected}篇")) && works.contains(&format!("获奖作品{winners}篇")),
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

    // Which units led the way, from their ledgers' participants.
    let warning = lines.iter().find(|l| l.starts_with("二是")).unwrap();
    let top: String = sqlx::query_scalar(
        "SELECT u.name FROM ledger_entries e JOIN units u ON u.id = e.unit_id JOIN activities a ON a.id = e.activity_id
         WHERE a.campaign_id = $1 AND a.seq = 2 AND e.status IN ('submitted', 'accepted')
         GROUP BY u.id, u.name ORDER BY SUM(e.participants) DESC, u.id LIMIT 1",
    )
    .bind(camp)
    .fetch_one(&t.app.db.pool)
    .await
    .unwrap();
    assert!(warning.contains(&format!("{top}、")) && warning.contains("等单位组织参与人数较多"), "{warning}");
    // The notice was the 市委's (the seed says so), the report is the 纪委监委's.
    assert!(text.contains("中共清河市委印发《关于开展2022年清廉清河宣传周活动的通知》"), "{text}");
    // Nothing in the text is addressed to the organiser rather than the reader.
    for note in ["有待补录", "据系统记录", "系统中", "尚无"] {
        assert!(!text.contains(note), "a system note ({note}) in the document: {text}");
    }
    // Varied wording: a four-character phrase of our own (not a title, unit or campaign name from
    // the data) recurs in at most four paragraphs, which is the genre's own 一是将清廉宣传与…相结合
    // of 四个结合, and few phrases recur at all (the report's terms 学习资料, 阅后签名 and that
    // lead are all that may).
    let (repeated, worst) = repeated_phrases(&text);
    assert!(worst <= 4 && repeated.len() <= 8, "repeated phrases: {repeated:?}");
    // A closing on what the campaign achieved, from its totals.
    let closing = lines.iter().rev().find(|l| l.starts_with("通过系列活动")).expect("a closing paragraph");
    assert!(closing.contains("报送率") && closing.contains("人次"), "{closing}");

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

/// Four-character runs of Chinese that recur in three or more paragraphs, once the data's own
/// words (activity titles, unit names, the campaign's title and theme) are taken out; and the
/// largest number of paragraphs any of them recurs in.
fn repeated_phrases(text: &str) -> (Vec<String>, usize) {
    let mut data: Vec<String> =
        ["2022年清廉清河宣传周", "清廉清河建设为引领，助力全方位高质量发展"].map(String::from).to_vec();
    for l in text.lines() {
        // An activity's title is what follows 一是 … up to its full stop.
        if let Some(rest) = ["一是", "二是", "三是", "四是", "五是", "六是", "七是", "八是", "九是", "十是"]
            .iter()
            .find_map(|p| l.strip_prefix(p))
        {
            if let Some((title, _)) = rest.split_once('。') {
                data.push(title.to_string());
            }
        }
    }
    data.extend(
        [
            "市纪委监委",
            "市委宣传部",
            "市委组织部",
            "市妇联",
            "市教科局",
            "市委统战部",
            "市行政审批服务管理局",
        ]
        .map(String::from),
    );
    let mut counts: std::collections::HashMap<String, usize> = Default::default();
    for para in text.lines().skip(1).filter(|l| l.chars().count() > 20) {
        let mut p = para.to_string();
        for d in &data {
            p = p.replace(d.as_str(), "|");
        }
        let mut seen = std::collections::HashSet::new();
        for run in p.split(|c: char| !('\u{4e00}'..='\u{9fff}').contains(&c)) {
            let chars: Vec<char> = run.chars().collect();
            for w in chars.windows(4) {
                seen.insert(w.iter().collect::<String>());
            }
        }
        for g in seen {
            *counts.entry(g).or_default() += 1;
        }
    }
    let repeated: Vec<String> =
        counts.iter().filter(|(_, n)| **n >= 3).map(|(g, n)| format!("{g}×{n}")).collect();
    (repeated, counts.values().copied().max().unwrap_or(0))
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

    // The furniture (版头, 主送, 版记) in the DOCX: the red mark, the number and signer of a
    // 上行文, the red line, and the record's rules.
    // The notice is the 市委's, a 下行文: its mark and number centred, no signer; its 工作要求
    // numbered （一） under the section's 五、.
    assert!(
        doc.contains("中共清河市委员会文件") && doc.contains("清发〔2022〕8号") && !doc.contains("签发人")
    );
    assert!(doc.contains("（一）提高思想认识"), "second-level numbering");
    assert_schema_order(&doc);
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(docx.clone())).unwrap();
    let doc = part(&mut z, "word/document.xml");
    assert!(doc.contains("中共清河市纪律检查委员会") && doc.contains("清纪报〔2022〕9号"));
    assert!(doc.contains("签发人：") && doc.contains("王清和"));
    assert!(doc.contains(r#"w:color="FF0000""#), "the red line");
    assert!(styles.contains(r#"w:styleId="OrganMark""#) && styles.contains(r#"<w:color w:val="FF0000"/>"#));
    assert!(
        doc.contains("中共清河市委：") && doc.contains("抄送：省纪委监委宣传部。") && doc.contains("印发")
    );
    assert!(doc.contains("tblpYSpec=\"bottom\""), "the record floats at the page's foot");
    // Paragraph properties in the schema's order, which Word insists on.
    for xml in [&doc, &styles] {
        assert_schema_order(xml);
    }

    // LibreOffice opens the DOCX and converts it (CI has it; see scripts/setup); both renders
    // follow the same page plan.
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
    let date = chinese_date(r_date(&org, camp).await.as_str());
    let typst_pages = check_layout(&dir.path().join("typst.pdf"), &date, "typst");
    let office_pages = check_layout(&dir.path().join("report.pdf"), &date, "LibreOffice");
    assert_eq!(typst_pages, office_pages, "both renders break the same lines on the same pages");

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

async fn r_date(org: &Client, camp: i64) -> String {
    report(org, camp).await["draft"]["body"]["date"].as_str().unwrap().to_string()
}

/// 2026-12-03 → 2026年12月3日.
fn chinese_date(iso: &str) -> String {
    let p: Vec<u32> = iso.split('-').map(|x| x.parse().unwrap()).collect();
    format!("{}年{}月{}日", p[0], p[1], p[2])
}

/// The order ECMA-376 gives the children of <w:pPr> (those we write).
const PPR_ORDER: [&str; 17] = [
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "widowControl",
    "pBdr",
    "tabs",
    "overflowPunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "snapToGrid",
    "spacing",
    "ind",
    "jc",
    "outlineLvl",
    "rPr",
    "sectPr",
];

fn assert_schema_order(xml: &str) {
    for ppr in xml.split("<w:pPr>").skip(1) {
        let body = ppr.split("</w:pPr>").next().unwrap();
        let mut last = 0;
        let mut depth = 0;
        for tag in body.split('<').skip(1) {
            if tag.starts_with('/') {
                depth -= 1;
                continue;
            }
            let name = tag.trim_start_matches("w:").split([' ', '/', '>']).next().unwrap();
            if depth == 0 {
                let at =
                    PPR_ORDER.iter().position(|n| *n == name).unwrap_or_else(|| panic!("unexpected {name}"));
                assert!(at >= last, "<w:{name}> out of the schema's order in <w:pPr>{body}");
                last = at;
            }
            if !tag.trim_end().ends_with("/>") {
                depth += 1;
            }
        }
    }
}

/// One line of a PDF: its page, the baseline's distance from the top, the height of its words,
/// and its text.
struct PdfLine {
    top: f64,
    bottom: f64,
    text: String,
}

/// The lines of each page as pdftotext -bbox reads them: words on one baseline, left to right.
fn pdf_lines(path: &std::path::Path) -> Vec<Vec<PdfLine>> {
    let out = std::process::Command::new("pdftotext").arg("-bbox").arg(path).arg("-").output().unwrap();
    let xml = String::from_utf8(out.stdout).unwrap();
    let attr = |w: &str, name: &str| -> f64 {
        let at = w.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        w[at..].split('"').next().unwrap().parse().unwrap()
    };
    xml.split("<page ")
        .skip(1)
        .map(|page| {
            let mut words: Vec<(i64, f64, f64, String)> = page
                .split("<word ")
                .skip(1)
                .map(|w| {
                    let text = w.split_once('>').unwrap().1.split("</word>").next().unwrap().to_string();
                    (attr(w, "yMax").round() as i64, attr(w, "xMin"), attr(w, "yMin"), text)
                })
                .collect();
            words.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
            let mut lines: Vec<PdfLine> = Vec::new();
            let mut last_y = i64::MIN;
            for (y, _, top, text) in words {
                if y == last_y {
                    lines.last_mut().unwrap().text.push_str(&text);
                } else {
                    lines.push(PdfLine { top, bottom: y as f64, text });
                    last_y = y;
                }
            }
            lines
        })
        .collect()
}

/// Width in the grid's characters: Chinese and full-width marks one, digits and Latin half.
fn grid_width(s: &str) -> f64 {
    s.chars().map(|c| if c.is_ascii() { 0.5 } else { 1.0 }).sum()
}

/// Pixels of a page rendered by pdftoppm: (width, height, RGB).
fn page_pixels(pdf: &std::path::Path, page: usize) -> (usize, usize, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", "36", "-f", &page.to_string(), "-l", &page.to_string(), "-singlefile"])
        .arg(pdf)
        .arg(dir.path().join("p"))
        .status()
        .unwrap();
    assert!(status.success());
    let ppm = std::fs::read(dir.path().join("p.ppm")).unwrap();
    // P6 <w> <h> 255 <RGB…>
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while ppm[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !ppm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&ppm[start..at]).to_string());
    }
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    (w, h, ppm[at + 1..].to_vec())
}

/// Checks a rendered report against GB/T 9704: at most 22 rows a page and 28 characters a row
/// (punctuation included) in the text block; the red mark and the red line on page 1; the
/// signature's page holding text too; the 版记 on an even last page. Returns each page's body
/// lines, for comparing the renders.
fn check_layout(pdf: &std::path::Path, date: &str, render: &str) -> Vec<Vec<String>> {
    // The block: 37 mm to 262 mm from the top of the page (105 pt to 743 pt).
    let (block_top, block_bottom) = (37.0 / 25.4 * 72.0, 262.0 / 25.4 * 72.0);
    let pages = pdf_lines(pdf);
    let mut body_pages = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let in_block: Vec<&PdfLine> =
            page.iter().filter(|l| l.top >= block_top - 2.0 && l.bottom <= block_bottom + 2.0).collect();
        assert!(in_block.len() <= 22, "{render}: page {} has {} rows", i + 1, in_block.len());
        // The text: on page 1 what follows the 主送 line (the head and title come before it);
        // not the record's lines.
        let from = if i == 0 {
            in_block.iter().position(|l| l.text.ends_with('：')).map_or(0, |p| p + 1)
        } else {
            0
        };
        let body: Vec<String> = in_block[from..]
            .iter()
            .filter(|l| !l.text.starts_with("抄送：") && !l.text.ends_with("印发"))
            .map(|l| l.text.clone())
            .collect();
        for l in &body {
            assert!(grid_width(l) <= 28.0, "{render}: more than 28 characters in “{l}”");
        }
        body_pages.push(body);
    }
    let widest = body_pages.iter().flatten().map(|l| grid_width(l)).fold(0.0, f64::max);
    assert!(widest >= 27.0, "{render}: full lines hold 28 characters ({widest})");
    // Page 1: the organ's mark, then the number and the signer on one row.
    let first = &pages[0];
    assert_eq!(first[0].text, "中共清河市纪律检查委员会", "{render}");
    assert!(first[0].bottom - first[0].top > 30.0, "{render}: the mark is large");
    assert!(
        first[1].text.contains("清纪报〔2022〕9号") && first[1].text.contains("签发人：王清和"),
        "{render}"
    );
    let (w, h, rgb) = page_pixels(pdf, 1);
    let red = |x: usize, y: usize| {
        let p = &rgb[(y * w + x) * 3..];
        p[0] > 180 && p[1] < 90 && p[2] < 90
    };
    let mark_red = (0..h / 2).flat_map(|y| (0..w).map(move |x| (x, y))).filter(|&(x, y)| red(x, y)).count();
    assert!(mark_red > 100, "{render}: the mark is red ({mark_red} red pixels)");
    let line_width = (0..h).map(|y| (0..w).filter(|&x| red(x, y)).count()).max().unwrap();
    assert!(
        line_width as f64 > w as f64 * 0.7,
        "{render}: a red line across the block ({line_width} of {w})"
    );
    // The signature's page holds the last lines of the text as well.
    let signed = pages.iter().position(|p| p.iter().any(|l| l.text == date)).expect("the date");
    assert!(
        body_pages[signed].len() >= 3,
        "{render}: the issuer and date stand alone on page {}",
        signed + 1
    );
    // The record on the last page, an even one, at its foot.
    assert_eq!(pages.len() % 2, 0, "{render}: the record is on an even page");
    let last = pages.last().unwrap();
    let printed = last.iter().find(|l| l.text.ends_with("印发")).expect("印发 in the record");
    assert!(printed.bottom > block_bottom - 30.0, "{render}: the record ends at the block's foot");
    assert!(last.iter().any(|l| l.text.starts_with("抄送：")), "{render}");
    body_pages
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
    assert_eq!(rows.len() as i64, entries + 2, "a header, the entries and a 合计 row");
    assert!(rows[1..rows.len() - 1].iter().all(|r| r[0] == "开展一次集中警示教育"));
    let participants = t
        .scalar(&format!(
            "SELECT CAST(SUM(participants) AS BIGINT) FROM ledger_entries WHERE activity_id = {warning}"
        ))
        .await;
    let totals = rows.last().unwrap();
    assert_eq!(totals[0], format!("合计{entries}条"));
    assert_eq!(totals[4], participants.to_string(), "the 合计 row sums the participants");
    let checkins = t
        .scalar(&format!("SELECT COUNT(*) FROM checkins c JOIN sittings s ON s.id = c.sitting_id WHERE s.activity_id = {warning}"))
        .await;
    assert_eq!(sheet_rows(bytes, "签到记录").len() as i64, checkins + 2);

    // A unit administrator exports his own units, and no one else's.
    let dz = t.api_as("dongzhuang").await;
    let town = t.scalar("SELECT id FROM units WHERE name = '东庄乡'").await;
    let station = t.scalar("SELECT id FROM units WHERE name = '五一路派出所'").await;
    let own = dz.get(&format!("/api/v1/campaigns/{camp}/ledger.xlsx?unit={town}")).await;
    assert_eq!(own.status(), 200);
    let rows = sheet_rows(own.bytes().await.unwrap().to_vec(), "工作台账");
    let names = ["东庄乡", "东庄乡纪委", "东庄村", "西庄村", "前营村"];
    assert!(rows[1..rows.len() - 1].iter().all(|r| names.contains(&r[1].as_str())), "{rows:?}");
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
    assert_eq!(sheet_rows(bytes.clone(), "签到记录").len() as i64, all + 2);
    assert_eq!(sheet_rows(bytes.clone(), "汇总").len(), 12, "a header, ten activities and 合计");
    // A sheet each for placements, inspections with their findings, integrity units and works.
    let count = |sql: String| {
        let t = &t;
        async move { t.scalar(&sql).await }
    };
    let placements = count(format!("SELECT COUNT(*) FROM placements WHERE campaign_id = {camp}")).await;
    let quantity =
        count(format!("SELECT CAST(SUM(quantity) AS BIGINT) FROM placements WHERE campaign_id = {camp}"))
            .await;
    let placed = sheet_rows(bytes.clone(), "宣传投放");
    assert_eq!(placed.len() as i64, placements + 2);
    assert_eq!(placed.last().unwrap()[5], quantity.to_string());
    let inspected = count(format!(
        "SELECT COUNT(*) FROM inspections i LEFT JOIN findings f ON f.inspection_id = i.id WHERE i.campaign_id = {camp}"
    ))
    .await;
    assert_eq!(sheet_rows(bytes.clone(), "监督检查").len() as i64, inspected + 2, "one row per finding");
    let applied =
        count(format!("SELECT COUNT(*) FROM integrity_applications WHERE campaign_id = {camp}")).await;
    assert_eq!(sheet_rows(bytes.clone(), "清廉单元").len() as i64, applied + 2);
    let works = sheet_rows(bytes.clone(), "征集作品");
    let received = count(format!(
        "SELECT COUNT(*) FROM works w JOIN calls k ON k.id = w.call_id WHERE k.campaign_id = {camp} AND k.activity_id IS NOT NULL"
    ))
    .await;
    assert_eq!(works.len() as i64, received + 2);
    assert!(
        works.iter().any(|r| !r[9].is_empty() && r[8].parse::<i64>().unwrap_or(0) > 0),
        "scores and prizes"
    );
    // The roster's pledge signatures one by one; every pledge with its count (a public one's
    // names are on its signature wall).
    let pledged = t
        .scalar(&format!("SELECT COUNT(*) FROM signatures g JOIN pledges k ON g.subject = 'pledge' AND k.id = g.subject_id JOIN activities a ON a.id = k.activity_id WHERE a.campaign_id = {camp} AND g.person_id IS NOT NULL"))
        .await;
    assert!(pledged > 0);
    assert_eq!(sheet_rows(bytes.clone(), "承诺签名").len() as i64, pledged + 2);
    let pledges = sheet_rows(bytes.clone(), "承诺书");
    let total = t
        .scalar(&format!("SELECT CAST(SUM(k.signature_count) AS BIGINT) FROM pledges k JOIN activities a ON a.id = k.activity_id WHERE a.campaign_id = {camp}"))
        .await;
    assert_eq!(pledges.last().unwrap()[3], total.to_string(), "{pledges:?}");
    let public = t
        .scalar(&format!("SELECT COUNT(*) FROM signatures g JOIN pledges k ON g.subject = 'pledge' AND k.id = g.subject_id JOIN activities a ON a.id = k.activity_id WHERE a.campaign_id = {camp} AND g.person_id IS NULL AND g.withdrawn_at = 0"))
        .await;
    assert!(public > 0);
    assert_eq!(pledges.last().unwrap()[4], public.to_string(), "the public's share: {pledges:?}");
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
    for i in 1..=10 {
        let mut xml = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name(&format!("xl/worksheets/sheet{i}.xml")).unwrap(),
            &mut xml,
        )
        .unwrap();
        assert!(xml.contains(r#"ySplit="1""#), "sheet {i} keeps its header in view");
        // The 合计 row is formulas Excel recomputes, not numbers we typed.
        assert!(
            xml.contains("<f>SUM(") || xml.contains("<f>\"合计\"&amp;COUNTA("),
            "sheet {i}: {}",
            &xml[..300.min(xml.len())]
        );
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
    // Its draft states the plan and claims nothing; the page says what is missing, and
    // downloading the report asks first.
    let text = report(&org, next).await["text"].as_str().unwrap().to_string();
    assert!(!text.contains("有待补录") && !text.contains("取得了较好成效"), "{text}");
    assert!(!text.contains("56名"));
    // Last year is there to compare with, and what is new against it is said.
    let figures = &report(&org, next).await["draft"]["figures"];
    assert_eq!(figures["c.prev_checkins"]["value"].as_i64().unwrap(), all_checkins(&t, camp).await);
    let lead = t.scalar("SELECT id FROM units WHERE name = '市纪委监委'").await;
    let added = org
        .post_json(
            &format!("/api/v1/campaigns/{next}/activities"),
            &json!({"kind": "lecture", "title": "开展一次廉政知识线上测试", "lead_unit_id": lead,
                    "start_date": "2023-05-16", "end_date": "2023-05-20"}),
        )
        .await;
    assert_eq!(added.status(), 200);
    let text = report(&org, next).await["text"].as_str().unwrap().to_string();
    assert!(text.contains("在延续上届活动的基础上，新增“一次廉政知识线上测试”"), "{text}");
    let page = b.text(&format!("/campaigns/{next}/report")).await;
    let gaps = page.split("id=\"gaps\"").nth(1).expect("the gaps notice").split("</div>").next().unwrap();
    assert!(gaps.matches("<li>").count() >= 10, "{gaps}");
    assert!(page.contains("id=\"download-docx\" data-confirm="), "the download asks first");
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
    assert_eq!(row("活动项数")["b"], 11, "the ten cloned and the one added");
    assert!(b.text(&format!("/compare?a={camp}&b={next}")).await.contains("2023年清廉清河宣传周"));
}

async fn all_checkins(t: &TestApp, camp: i64) -> i64 {
    t.scalar(&format!(
        "SELECT COUNT(*) FROM checkins c JOIN sittings s ON s.id = c.sitting_id JOIN activities a ON a.id = s.activity_id WHERE a.campaign_id = {camp}"
    ))
    .await
}

async fn put(c: &Client, path: &str, body: &Value) -> reqwest::Response {
    c.request(reqwest::Method::PUT, path).json(body).send().await.expect("put")
}

async fn the_documents_furniture_is_the_organisers(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let camp = campaign(&t).await;
    let path = format!("/api/v1/campaigns/{camp}/paperwork");
    let before = org.get_json(&path).await;
    assert_eq!(before["notice"]["organ"], "中共清河市委员会文件");
    // Typed the way people type: brackets, no colon, no full stop; all normalised.
    let mut input = before.clone();
    input["report"]["number"] = json!("清纪报[2022]12号");
    input["report"]["addressee"] = json!("中共清河市委");
    input["report"]["copy_to"] = json!("省纪委监委宣传部，市委办公室");
    input["report"]["signer"] = json!("");
    let saved: Value = put(&org, &path, &input).await.json().await.unwrap();
    assert_eq!(saved["report"]["number"], "清纪报〔2022〕12号");
    assert_eq!(saved["report"]["addressee"], "中共清河市委：");
    assert_eq!(saved["report"]["copy_to"], "省纪委监委宣传部，市委办公室。");
    assert_eq!(org.get_json(&path).await, saved);
    // Without a signer the report is a 下行文: its mark 35 mm down, the number centred.
    let docx =
        org.get(&format!("/api/v1/campaigns/{camp}/documents/report.docx")).await.bytes().await.unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(docx.to_vec())).unwrap();
    let doc = part(&mut z, "word/document.xml");
    assert!(
        doc.contains("清纪报〔2022〕12号")
            && !doc.contains("签发人")
            && doc.contains("抄送：省纪委监委宣传部，市委办公室。")
    );
    // Bad values are refused field by field, and nothing is written.
    let mut bad = saved.clone();
    bad["notice"]["number"] = json!("第八号");
    bad["report"]["printed_on"] = json!("六月");
    bad["report"]["organ"] = json!("长".repeat(41));
    let (status, _, _, fields) = error_of(put(&org, &path, &bad).await).await;
    assert_eq!(status, 422);
    for f in ["notice.number", "report.printed_on", "report.organ"] {
        assert!(fields[f].is_string(), "{f}: {fields}");
    }
    assert_eq!(org.get_json(&path).await, saved);
    // Audited with before and after; a unit administrator can neither read nor set it.
    assert_eq!(t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'campaign.paperwork'").await, 1);
    let dz = t.api_as("dongzhuang").await;
    assert_eq!(dz.get(&path).await.status(), 403);
    assert_eq!(put(&dz, &path, &saved).await.status(), 403);
    // The page's form saves the same.
    let b = t.browser_as("jiwei").await;
    let page = b.text(&format!("/campaigns/{camp}/report")).await;
    assert!(page.contains("id=\"paperwork-form\"") && page.contains("清纪报〔2022〕12号"));
    let csrf = b.csrf_from(&format!("/campaigns/{camp}/report")).await;
    let mut form: Vec<(String, String)> = vec![("_csrf".into(), csrf)];
    for doc in ["notice", "report"] {
        for (k, v) in saved[doc].as_object().unwrap() {
            form.push((format!("{doc}.{k}"), v.as_str().unwrap().to_string()));
        }
    }
    form.iter_mut().find(|(k, _)| k == "report.signer").unwrap().1 = "王清和".into();
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let resp = b.post_form(&format!("/campaigns/{camp}/paperwork"), &pairs).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(org.get_json(&path).await["report"]["signer"], "王清和");
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
    assert!(!text.contains("开展零项") && !text.contains("尚未"), "{text}");
    let page = t.browser_as("jiwei").await.text(&format!("/campaigns/{id}/report")).await;
    assert!(page.contains("尚未设置活动项目"), "the page says what is missing");
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
    the_documents_furniture_is_the_organisers,
);
