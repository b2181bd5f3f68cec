//! Roster import as offices send rosters: XLSX with a title row, GBK CSV, full-width digits,
//! phones typed as numbers, stray spaces; bad rows reported in Chinese; nothing half-written.

use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::harness::{Client, TestApp};

fn xlsx(rows: &[[&str; 7]]) -> Vec<u8> {
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

async fn upload(c: &Client, name: &str, bytes: Vec<u8>, mode: &str) -> reqwest::Response {
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
        t.scalar(
            "SELECT COUNT(*) FROM people WHERE name = '赵一' AND phone = '13700000001' AND party_member = 1"
        )
        .await,
        1
    );
    assert_eq!(
        t.scalar(
            "SELECT COUNT(*) FROM people WHERE name = '钱二' AND phone = '13700000002' AND party_member = 0"
        )
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

crate::on_both_engines!(
    xlsx_import_normalises_and_reimport_updates,
    invalid_rows_block_the_import_unless_valid_only,
    gbk_csv_from_excel_is_read,
    unreadable_files_get_a_clear_refusal,
    unit_admin_cannot_import_into_other_units,
    import_page_offers_valid_rows_only_without_reupload,
);
