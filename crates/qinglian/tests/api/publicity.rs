//! Social publicity placements: recorded with photos, imported from spreadsheets, refused when
//! absurd, totalled by channel, material and district, scoped to the recording unit.

use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

use crate::harness::{error_of, TestApp};

const PHOTO: &[u8] = include_bytes!("../fixtures/meeting.png");

pub(crate) fn placement(unit: i64) -> Value {
    json!({"unit_id": unit, "material": "海报", "channel": "公共场所", "place": "人民路公交站台", "district": "城关街道",
           "quantity": 1200, "start_date": "2022-05-16", "end_date": "2022-05-22", "lat": 34.75, "lng": 113.62})
}

pub(crate) async fn placements_recorded_refused_and_totalled(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let camp = t.scalar("SELECT MIN(id) FROM campaigns").await;
    let dept = t.scalar("SELECT id FROM units WHERE name = '市委宣传部'").await;
    let path = format!("/api/v1/campaigns/{camp}/placements");
    let before = org.get_json(&format!("{path}/totals")).await;
    assert_eq!(org.post_json(&path, &placement(dept)).await.status(), 200);

    // With photos, from a phone (multipart); a photo that is not an image is refused.
    let form = |photo: Vec<u8>, name: &str| {
        Form::new()
            .text("unit_id", dept.to_string())
            .text("material", "banner")
            .text("channel", "电子屏")
            .text("place", "市民广场电子屏")
            .text("quantity", "60")
            .text("start_date", "2022-05-16")
            .text("end_date", "2022-05-22")
            .part("photos", Part::bytes(photo).file_name(name.to_string()))
    };
    assert_eq!(org.post_multipart(&path, form(PHOTO.to_vec(), "屏幕.png")).await.status(), 200);
    let (status, _, message, _) =
        error_of(org.post_multipart(&path, form(b"%PDF-1.4 not a photo".to_vec(), "a.pdf")).await).await;
    assert_eq!(status, 415);
    assert!(message.contains("不是图片"), "{message}");

    // Absurd counts, dates outside the campaign, impossible coordinates: refused, nothing stored.
    let mut bad = placement(dept);
    bad["quantity"] = json!(-5);
    bad["start_date"] = json!("2021-01-01");
    bad["lat"] = json!(123.0);
    let (status, _, _, fields) = error_of(org.post_json(&path, &bad).await).await;
    assert_eq!(status, 422);
    assert!(fields["quantity"].as_str().unwrap().contains("1到1000000"));
    assert!(fields["start_date"].as_str().unwrap().contains("活动期间"));
    assert!(fields["coordinates"].as_str().unwrap().contains("纬度"));
    assert_eq!(t.scalar("SELECT COUNT(*) FROM placements").await, before["placements"].as_i64().unwrap() + 2);

    let totals = org.get_json(&format!("{path}/totals")).await;
    assert_eq!(totals["quantity"].as_i64().unwrap(), before["quantity"].as_i64().unwrap() + 1260);
    let channel = |name: &str| {
        totals["by_channel"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| c["quantity"].as_i64().unwrap())
    };
    assert!(channel("公共场所").unwrap() >= 1200 && channel("电子屏").unwrap() >= 60);

    // A unit administrator sees and records only for his own units.
    let dz = t.api_as("dongzhuang").await;
    let town = t.scalar("SELECT id FROM units WHERE name = '东庄乡'").await;
    assert_eq!(dz.post_json(&path, &placement(dept)).await.status(), 422);
    assert_eq!(dz.post_json(&path, &placement(town)).await.status(), 200);
    assert_eq!(dz.get_json(&format!("{path}/totals")).await["quantity"], 1200);
}

async fn placements_imported_from_a_spreadsheet(t: TestApp) {
    let org = t.api_as("jiwei").await;
    let camp = t.scalar("SELECT MIN(id) FROM campaigns").await;
    let before = t.scalar("SELECT COUNT(*) FROM placements").await;
    let sheet = |rows: &[[&str; 6]]| {
        let mut book = rust_xlsxwriter::Workbook::new();
        let s = book.add_worksheet();
        s.write_string(0, 0, "社会宣传投放台账").unwrap();
        for (c, h) in ["材料", "载体", "地点", "数量", "负责单位", "开始日期"].iter().enumerate()
        {
            s.write_string(1, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                s.write_string(r as u32 + 2, c as u16, *v).unwrap();
            }
        }
        book.save_to_buffer().unwrap()
    };
    let upload = |bytes: Vec<u8>| Form::new().part("file", Part::bytes(bytes).file_name("台账.xlsx"));
    let rows = [
        ["标语", "交通工具", "1路公交车", "30", "市委宣传部", "2022-05-16"],
        ["展板", "公共场所", "火车站广场", "8", "市委宣传部", "2022-05-16"],
        ["气球", "公共场所", "人民公园", "-3", "不存在的单位", "2022-05-16"],
    ];
    let report: Value = org
        .post_multipart(&format!("/api/v1/campaigns/{camp}/placements/import"), upload(sheet(&rows)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["created"], 0);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0][0], 5, "the spreadsheet's own row number");
    let text = errors[0][1].to_string();
    assert!(
        text.contains("不存在的单位") && text.contains("宣传材料不在清单中") && text.contains("数量"),
        "{text}"
    );
    assert_eq!(t.scalar("SELECT COUNT(*) FROM placements").await, before, "nothing written");
    let report: Value = org
        .post_multipart(&format!("/api/v1/campaigns/{camp}/placements/import"), upload(sheet(&rows[..2])))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["created"], 2);
    assert_eq!(t.scalar("SELECT COUNT(*) FROM placements").await, before + 2);
}

crate::on_both_engines!(placements_recorded_refused_and_totalled, placements_imported_from_a_spreadsheet);
