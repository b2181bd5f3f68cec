//! The campaign notice (通知), written from the campaign's definition: theme, guiding text,
//! period, the activities with their lead and co-operating units, the requirements, the issuing
//! body and date.

use sqlx::Row;

use super::compose::period;
use crate::documents::official::{Block, Document};
use crate::domain::{chinese_date, numerals};
use crate::error::AppResult;
use crate::services::{Actor, App};

/// 主送: the kinds of units directly under the city, in the usual order of a municipal notice.
async fn addressee(app: &App) -> AppResult<String> {
    let kinds: Vec<String> = sqlx::query(
        "SELECT DISTINCT u.type_code FROM units u JOIN units p ON p.id = u.parent_id WHERE p.parent_id IS NULL",
    )
    .fetch_all(&app.db.pool)
    .await?
    .iter()
    .map(|r| r.get("type_code"))
    .collect();
    let has = |k: &str| kinds.iter().any(|x| x == k);
    let mut parts = Vec::new();
    if has("township") {
        parts.push("各乡镇（街道）");
    }
    if has("department") {
        parts.push("市直各单位");
    }
    if has("enterprise") || has("school") || has("other") {
        parts.push("各有关单位");
    }
    if parts.is_empty() {
        parts.push("各有关单位");
    }
    Ok(format!("{}：", parts.join("，")))
}

/// The lines of a section's text. Lines the organiser numbered 一、二、 (or 1. 2.) are the
/// second level here, under the section's own 一、 heading: they become （一）（二）, as the
/// standard's numbering of levels asks.
fn numbered_lines(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let numbered = |l: &str| -> Option<String> {
        let (lead, rest) = l.split_once(['、', '.', '．'])?;
        let is_number = !lead.is_empty()
            && lead.chars().count() <= 3
            && lead.chars().all(|c| "一二三四五六七八九十".contains(c) || c.is_ascii_digit());
        is_number.then(|| rest.trim().to_string())
    };
    if lines.iter().all(|l| numbered(l).is_some()) {
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                format!("（{}）{}", numerals::chinese(i as i64 + 1), numbered(l).unwrap_or_default())
            })
            .collect()
    } else {
        lines.into_iter().map(str::to_string).collect()
    }
}

pub async fn notice(app: &App, actor: &Actor, campaign_id: i64) -> AppResult<Document> {
    actor.require_organiser()?;
    let c = &crate::services::campaigns::get(app, campaign_id).await?;
    let furniture = &c.paperwork.notice;
    let issuer = if furniture.issuer.is_empty() {
        c.issuer_name.clone().unwrap_or_default()
    } else {
        furniture.issuer.clone()
    };
    let mut blocks = vec![Block::Para(format!(
        "为深入推进清廉建设，营造崇廉尚廉的浓厚氛围，经研究，决定于{}开展{}活动。现将有关事项通知如下。",
        period(&c.start_date, &c.end_date),
        c.title
    ))];
    let mut part = 0;
    let mut heading = |blocks: &mut Vec<Block>, text: &str| {
        part += 1;
        blocks.push(Block::Heading1(format!("{}{text}", numerals::heading_number(part))));
    };
    heading(&mut blocks, "活动主题");
    blocks.push(Block::Para(format!("“{}”。", c.theme.trim_end_matches('。'))));
    if !c.guiding_text.trim().is_empty() {
        heading(&mut blocks, "指导思想");
        blocks.extend(numbered_lines(&c.guiding_text).into_iter().map(Block::Para));
    }
    heading(&mut blocks, "时间安排");
    blocks.push(Block::Para(format!(
        "{}。各项活动的具体时间由牵头单位另行安排。",
        period(&c.start_date, &c.end_date)
    )));
    heading(&mut blocks, "活动内容");
    for (i, a) in c.activities.iter().enumerate() {
        blocks.push(Block::Heading2(format!("（{}）{}", numerals::chinese(i as i64 + 1), a.title)));
        let mut text = a.description.trim().to_string();
        if !text.is_empty() && !text.ends_with('。') {
            text.push('。');
        }
        if !a.audience.trim().is_empty() {
            text.push_str(&format!("参加对象：{}。", a.audience.trim()));
        }
        let mut lead = format!("牵头单位：{}", a.lead_unit_name);
        if !a.co_units.is_empty() {
            let co: Vec<&str> = a.co_units.iter().map(|u| u.name.as_str()).collect();
            lead.push_str(&format!("；配合单位：{}", co.join("、")));
        }
        text.push_str(&format!("（{lead}）"));
        blocks.push(Block::Para(text));
    }
    if !c.requirements.trim().is_empty() {
        heading(&mut blocks, "工作要求");
        blocks.extend(numbered_lines(&c.requirements).into_iter().map(Block::Para));
    }
    let addressee =
        if furniture.addressee.is_empty() { addressee(app).await? } else { furniture.addressee.clone() };
    Ok(Document {
        head: furniture.head(),
        title: format!("关于开展{}活动的通知", c.title),
        addressee: Some(addressee),
        blocks,
        issuer,
        date: chinese_date(&c.start_date),
        record: furniture.record(&c.start_date),
    })
}
