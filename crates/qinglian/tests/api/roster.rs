//! Roster import as offices send rosters: XLSX with a title row, GBK CSV, full-width digits,
//! phones typed as numbers, stray spaces; bad rows reported in Chinese; nothing half-written.

use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::harness::{Client, TestApp};

pub(crate) fn xlsx(rows: &[[&str; 7]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "清河市某单位干部花名册（2022年5月）").unwrap();
    for (c, h) in ["序号", " 姓 名 ", "单位", "职务", "职级", "手机号码", "政治面貌"].iter().enumerate()
    {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 2;
        sheet.write_number(r, 0, f64::from(r - 1)).unwrap();
        for (c, v) in row.iter().enumerate().skip(1) {
            // Offices type phones as numbers; Excel then stores a float.
            if c == 5 && !v.is_empty() && v.chars().all(|ch| ch.is_ascii_digit()) {
                sheet.write_number(r, c as u16, v.parse::<f64>().unwrap()).unwrap();
            } else {
                sheet.write_string(r, c as u16, *v).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

pub(crate) async fn upload(c: &Client, name: &str, bytes: Vec<u8>, mode: &str) -> reqwest::Response {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()));
    c.post_multipart(&format!("/api/v1/people/import?mode={mode}"), form).await
}

async fn xlsx_import_normalises_and_reimport_updates(t: TestApp) {
    let c = t.api_as("admin").await;
    let before = t.scalar("SELECT COUNT(*) FROM people").await;
    let file = xlsx(&[
        ["", "赵　 一", "东庄村", "村支书", "科级", "13700000001", "中共党员"],
        ["", "钱二", " 西庄村 ", "会计", "一般干部", "１３７００００００02", "群众"],
        ["", "孙三", "五一路派出所", "民警", "一般干部", "137-0000-0003", "是"],
    ]);
    let resp = upload(&c, "花名册.xlsx", file, "all").await;
    assert_eq!(resp.status(), 200);
    let report: Value = resp.json().await.unwrap();
    assert_eq!((report["created"].as_i64(), report["written"].as_bool()), (Some(3), Some(true)), "{report}");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM people").await, before + 3);
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM people WHERE name = '赵一' AND phone_idx = '{}' AND party_member = 1",
            t.phone_idx("13700000001")
        ))
        .await,
        1
    );
    assert_eq!(
        t.scalar(&format!(
            "SELECT COUNT(*) FROM people WHERE name = '钱二' AND phone_idx = '{}' AND party_member = 0",
            t.phone_idx("13700000002")
        ))
        .await,
        1
    );
    // The report's row numbers are the spreadsheet's (title row, header row, then data).
    assert_eq!(report["rows"][0]["row"], 3);

    // Re-import with a promotion and a transfer: updated in place, no duplicates.
    let file = xlsx(&[
        ["", "赵一", "东庄村", "村主任", "科级", "13700000001", "党员"],
        ["", "钱二", "前营村", "会计", "一般干部", "13700000002", "否"],
    ]);
    let report: Value = upload(&c, "花名册.xlsx", file, "all").await.json().await.unwrap();
    assert_eq!((report["created"].as_i64(), report["updated"].as_i64()), (Some(0), Some(2)));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM people").await, before + 3);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM people p JOIN units u ON u.id = p.unit_id WHERE p.name = '钱二' AND u.name = '前营村'").await, 1);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM people WHERE name = '赵一' AND position = '村主任'").await, 1);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'roster.import'").await, 2);
}

async fn invalid_rows_block_the_import_unless_valid_only(t: TestApp) {
    let c = t.api_as("admin").await;
    let before = t.scalar("SELECT COUNT(*) FROM people").await;
    let rows = [
        ["", "周四", "东庄村", "", "", "13700000011", "是"],
        ["", "吴五", "不存在的单位", "", "", "13700000012", "是"],
        ["", "郑六", "东庄村", "", "", "1234", "是"],
        ["", "", "东庄村", "", "", "13700000014", "是"],
        ["", "王七", "东庄村", "", "", "13700000011", "也许"],
    ];
    let resp = upload(&c, "roster.xlsx", xlsx(&rows), "all").await;
    let report: Value = resp.json().await.unwrap();
    assert_eq!(report["written"], false);
    assert_eq!((report["valid"].as_i64(), report["invalid"].as_i64()), (Some(1), Some(4)));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM people").await, before, "nothing written");
    let errors = |i: usize| {
        report["rows"][i]["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().to_string())
            .collect::<Vec<_>>()
            .join("|")
    };
    assert!(errors(1).contains("单位“不存在的单位”不存在"), "{}", errors(1));
    assert!(errors(2).contains("手机号“1234”格式不正确"), "{}", errors(2));
    assert!(errors(3).contains("姓名为空"), "{}", errors(3));
    assert!(errors(4).contains("与第3行重复") && errors(4).contains("无法识别"), "{}", errors(4));

    let report: Value = upload(&c, "roster.xlsx", xlsx(&rows), "valid_only").await.json().await.unwrap();
    assert_eq!((report["written"].as_bool(), report["created"].as_i64()), (Some(true), Some(1)));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM people").await, before + 1);
}

async fn gbk_csv_from_excel_is_read(t: TestApp) {
    let c = t.api_as("admin").await;
    let text =
        "姓名,单位,职务,职级,手机号,是否党员,工号\r\n李八,五一路派出所,所长,科级,13700000021,是,GA001\r\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let report: Value = upload(&c, "花名册.csv", gbk.into_owned(), "all").await.json().await.unwrap();
    assert_eq!(report["created"], 1, "{report}");
    assert_eq!(
        t.scalar("SELECT COUNT(*) FROM people WHERE name = '李八' AND staff_no = 'GA001' AND rank = '科级'")
            .await,
        1
    );
}

async fn unreadable_files_get_a_clear_refusal(t: TestApp) {
    let c = t.api_as("admin").await;
    let resp = upload(&c, "花名册.xlsx", b"PK\x03\x04 this is not really a workbook".to_vec(), "all").await;
    assert_eq!(resp.status(), 415);
    let v: Value = resp.json().await.unwrap();
    assert!(v["error"]["message"].as_str().unwrap().contains("无法读取该文件"));
    let resp = upload(&c, "photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00binary".to_vec(), "all").await;
    assert_eq!(resp.status(), 415);
    let resp = upload(&c, "list.csv", "编号,备注\n1,无\n".as_bytes().to_vec(), "all").await;
    assert_eq!(resp.status(), 422);
    let v: Value = resp.json().await.unwrap();
    assert!(v["error"]["message"].as_str().unwrap().contains("姓名"));
}

async fn unit_admin_cannot_import_into_other_units(t: TestApp) {
    let c = t.api_as("dongzhuang").await;
    let before = t.scalar("SELECT COUNT(*) FROM people").await;
    let file = xlsx(&[
        ["", "冯九", "五一路派出所", "", "", "13700000031", "否"],
        ["", "陈十", "东庄村", "", "", "13700000032", "否"],
    ]);
    let report: Value = upload(&c, "r.xlsx", file, "all").await.json().await.unwrap();
    assert_eq!(report["written"], false);
    assert!(report["rows"][0]["errors"][0].as_str().unwrap().contains("无权导入"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM people").await, before);
    let member = t.api_as("shenji").await;
    let resp =
        upload(&member, "r.xlsx", xlsx(&[["", "陈十", "东庄村", "", "", "13700000032", "否"]]), "all").await;
    assert_eq!(resp.status(), 403);
}

pub(crate) async fn import_page_offers_valid_rows_only_without_reupload(t: TestApp) {
    let b = t.browser_as("admin").await;
    let before = t.scalar("SELECT COUNT(*) FROM people").await;
    let csrf = b.csrf_from("/people/import").await;
    let rows = [
        ["", "褚一", "东庄村", "", "", "13700000041", "是"],
        ["", "卫二", "火星村", "", "", "13700000042", "是"],
    ];
    let form = Form::new()
        .text("_csrf", csrf.clone())
        .text("mode", "all")
        .part("file", Part::bytes(xlsx(&rows)).file_name("花名册.xlsx"));
    let html = b.post_multipart("/people/import", form).await.text().await.unwrap();
    assert!(html.contains("未写入任何数据") && html.contains("火星村"), "{html}");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM people").await, before);
    let key_at = html.find("name=\"file_key\" value=\"").unwrap() + 23;
    let key = html[key_at..].split('"').next().unwrap().to_string();
    let form = Form::new()
        .text("_csrf", csrf)
        .text("file_key", key)
        .text("file_name", "花名册.xlsx")
        .text("mode", "valid_only");
    let resp = b.post_multipart("/people/import", form).await;
    let html = resp.text().await.unwrap();
    assert!(html.contains("导入完成"), "{html}");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM people").await, before + 1);
}

/// A workbook as an office sends one: a title row, then any header and rows, all text.
fn office_book(header: &[&str], rows: &[Vec<&str>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "清河市某局干部职工花名册").unwrap();
    for (r, cells) in std::iter::once(header.to_vec()).chain(rows.iter().cloned()).enumerate() {
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

fn row_errors(report: &Value, i: usize) -> String {
    let errors = report["rows"][i]["errors"].as_array().unwrap();
    errors.iter().map(|e| e.as_str().unwrap()).collect::<Vec<_>>().join("|")
}

async fn totals_rows_id_numbers_and_rank_spellings_are_handled_as_offices_write_them(t: TestApp) {
    let c = t.api_as("admin").await;
    let before = t.scalar("SELECT COUNT(*) FROM people").await;
    let header = ["序号", "姓名", "身份证号", "单位", "职务", "职级", "手机号码", "政治面貌", "备注"];
    let rows = vec![
        vec!["1", "蒋一", "110101198001011234", "东庄村", "村支书", "正科级", "13700000051", "中共党员", ""],
        vec!["2", "沈二", "110101198502022345", "东庄村", "会计", "二级主任科员", "13700000052", "群众", ""],
        vec![
            "3",
            "韩三",
            "110101199003033456",
            "五一路派出所",
            "所长",
            "副处级",
            "13700000053",
            "是",
            "借调",
        ],
        vec!["合计", "", "", "", "", "", "", "", "共3人"],
    ];
    let report: Value =
        upload(&c, "花名册.xlsx", office_book(&header, &rows), "all").await.json().await.unwrap();
    // The totals row neither counts as a person nor fails a clean roster.
    assert_eq!((report["written"].as_bool(), report["created"].as_i64()), (Some(true), Some(3)), "{report}");
    assert_eq!((report["total"].as_i64(), report["invalid"].as_i64()), (Some(3), Some(0)));
    let notes = report["notes"].to_string();
    assert!(notes.contains("第6行是合计行"), "{notes}");
    assert!(notes.contains("“身份证号”一列未导入") && notes.contains("不保存身份证号码"), "{notes}");
    assert!(notes.contains("未导入：备注"), "{notes}");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM people").await, before + 3);
    // Ranks are stored as the configured rank their spelling means.
    let mut ranks: Vec<(String, String)> = Vec::new();
    for phone in ["13700000051", "13700000052", "13700000053"] {
        ranks.push(
            sqlx::query_as("SELECT name, rank FROM people WHERE phone_idx = $1")
                .bind(t.phone_idx(phone))
                .fetch_one(&t.app.db.pool)
                .await
                .unwrap(),
        );
    }
    let expected = [("蒋一", "科级"), ("沈二", "科级"), ("韩三", "县处级")];
    assert_eq!(ranks, expected.map(|(n, r)| (n.to_string(), r.to_string())));
    let stored_id = "SELECT COUNT(*) FROM people WHERE name LIKE '%1101011980%' OR position LIKE '%1101011980%' OR staff_no LIKE '%1101011980%'";
    assert_eq!(t.scalar(stored_id).await, 0, "ID numbers are not stored anywhere in the roster");

    // A rank not on the list is a row error, with the near spelling suggested where there is one.
    let rows = vec![
        vec!["1", "杨四", "", "东庄村", "", "正处", "13700000054", "是", ""],
        vec!["2", "朱五", "", "东庄村", "", "某某级", "13700000055", "是", ""],
    ];
    let report: Value =
        upload(&c, "花名册.xlsx", office_book(&header, &rows), "all").await.json().await.unwrap();
    assert_eq!((report["written"].as_bool(), report["invalid"].as_i64()), (Some(false), Some(2)), "{report}");
    assert!(row_errors(&report, 0).contains("是否应为“正处级”"), "{}", row_errors(&report, 0));
    let unknown = row_errors(&report, 1);
    assert!(unknown.contains("职级“某某级”不在职级列表中") && unknown.contains("县处级、科级"), "{unknown}");
    assert_eq!(t.scalar("SELECT COUNT(*) FROM people WHERE rank = '某某级'").await, 0);
}

async fn an_empty_file_and_the_documented_report_say_what_they_are(t: TestApp) {
    let c = t.api_as("admin").await;
    let resp = upload(&c, "花名册.xlsx", Vec::new(), "all").await;
    assert_eq!(resp.status(), 422);
    let v: Value = resp.json().await.unwrap();
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains("文件“花名册.xlsx”是空的"), "{message}");

    // The contract describes the report the server returns.
    let doc = t.client().get_json("/api/openapi.json").await;
    let reply = &doc["paths"]["/api/v1/people/import"]["post"]["responses"]["200"]["content"]
        ["application/json"]["schema"];
    let name = reply["$ref"].as_str().expect("a named schema").rsplit('/').next().unwrap();
    let properties = &doc["components"]["schemas"][name]["properties"];
    for field in ["total", "valid", "invalid", "created", "updated", "written", "rows", "notes"] {
        assert!(properties.get(field).is_some(), "{field} missing from {name}: {properties}");
    }
}

crate::on_both_engines!(
    xlsx_import_normalises_and_reimport_updates,
    invalid_rows_block_the_import_unless_valid_only,
    gbk_csv_from_excel_is_read,
    unreadable_files_get_a_clear_refusal,
    unit_admin_cannot_import_into_other_units,
    import_page_offers_valid_rows_only_without_reupload,
    totals_rows_id_numbers_and_rank_spellings_are_handled_as_offices_write_them,
    an_empty_file_and_the_documented_report_say_what_they_are,
);
