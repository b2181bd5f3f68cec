//! The furniture of a campaign's two official documents: who issues each (the notice is often
//! the 市委's, the report the 纪委监委's), their 版头 (organ mark, 发文字号, 签发人 for a 上行文),
//! 主送, and 版记 (抄送, 印发机关, 印发日期). Kept with the campaign as JSON; every field is
//! optional, and a document prints without a 版头 or 版记 until its organ or printer is set.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row;

use super::super::{audit, Actor, App};
use crate::documents::official::{Head, Record};
use crate::domain::{chinese_date, parse_date, text::normalize};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Msg;

/// One document's furniture.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(default)]
pub struct Furniture {
    /// 发文机关标志, printed in red: 中共清河市委员会文件. Empty: no 版头.
    #[schema(max_length = 40)]
    pub organ: String,
    /// 发文字号: 清发〔2022〕8号 (brackets typed as [] or () become 〔〕).
    #[schema(max_length = 40)]
    pub number: String,
    /// 签发人, for a 上行文 (a report to a higher organ); it moves the mark lower, as the standard
    /// says.
    #[schema(max_length = 20)]
    pub signer: String,
    /// 署名 under the text; empty: the campaign's issuing unit.
    #[schema(max_length = 60)]
    pub issuer: String,
    /// 主送机关, ending with a colon; empty: the notice's usual addressees, none for the report.
    #[schema(max_length = 200)]
    pub addressee: String,
    /// 抄送机关, ending with 。.
    #[schema(max_length = 300)]
    pub copy_to: String,
    /// 印发机关 (usually the issuer's office). Empty: no 版记.
    #[schema(max_length = 60)]
    pub printer: String,
    /// 印发日期, YYYY-MM-DD; empty: the 成文日期.
    pub printed_on: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(default)]
pub struct Paperwork {
    pub notice: Furniture,
    pub report: Furniture,
}

/// 清发[2022]8号, 清发(2022)8号, 清发（2022）8号 → 清发〔2022〕8号. Returns None when the number does
/// not read as 机关代字〔年份〕序号号.
pub fn document_number(raw: &str) -> Option<String> {
    let s: String = normalize(raw).chars().filter(|c| !c.is_whitespace()).collect();
    let s = s.replace(['[', '(', '（', '【', '［'], "〔").replace([']', ')', '）', '】', '］'], "〕");
    let (code, rest) = s.split_once('〔')?;
    let (year, serial) = rest.split_once('〕')?;
    let serial = serial.strip_suffix('号')?;
    let ok = !code.is_empty()
        && year.len() == 4
        && year.chars().all(|c| c.is_ascii_digit())
        && !serial.is_empty()
        && serial.chars().all(|c| c.is_ascii_digit());
    // The standard writes the serial without leading zeros (8号, not 08号).
    ok.then(|| format!("{code}〔{year}〕{}号", serial.trim_start_matches('0').max("0")))
}

impl Furniture {
    fn checked(self, prefix: &str, errors: &mut Vec<FieldError>) -> Furniture {
        let mut field = |name: &str, value: String, max: usize| -> String {
            // Document text keeps its full-width marks (normalize would make them ASCII); only
            // line breaks and runs of spaces go.
            let v = value.split_whitespace().collect::<Vec<_>>().join(" ");
            if v.chars().count() > max {
                errors.push(FieldError {
                    field: format!("{prefix}.{name}"),
                    msg: Msg::new("err.too_long").arg("max", max),
                });
            }
            v
        };
        let organ = field("organ", self.organ, 40);
        let number = field("number", self.number, 40);
        let signer = field("signer", self.signer, 20);
        let issuer = field("issuer", self.issuer, 60);
        let addressee = field("addressee", self.addressee, 200);
        let copy_to = field("copy_to", self.copy_to, 300);
        let printer = field("printer", self.printer, 60);
        let number = if number.is_empty() {
            number
        } else {
            document_number(&number).unwrap_or_else(|| {
                errors
                    .push(FieldError { field: format!("{prefix}.number"), msg: Msg::new("err.doc_number") });
                number
            })
        };
        let printed_on = if self.printed_on.trim().is_empty() {
            String::new()
        } else {
            parse_date("printed_on", &self.printed_on).unwrap_or_else(|_| {
                errors.push(FieldError { field: format!("{prefix}.printed_on"), msg: Msg::new("err.date") });
                String::new()
            })
        };
        // 主送 ends with a full-width colon, 抄送 with a full stop, as documents write them.
        let ending = |s: String, end: char| {
            let s = s.trim_end_matches([':', '：', '.', '。', ',', '，', ';', '；']).to_string();
            if s.is_empty() {
                s
            } else {
                format!("{s}{end}")
            }
        };
        Furniture {
            organ,
            number,
            signer,
            issuer,
            addressee: ending(addressee, '：'),
            copy_to: ending(copy_to, '。'),
            printer,
            printed_on,
        }
    }

    /// The 版头, when an organ mark is set.
    pub fn head(&self) -> Option<Head> {
        (!self.organ.is_empty()).then(|| Head {
            organ: self.organ.clone(),
            number: self.number.clone(),
            signer: (!self.signer.is_empty()).then(|| self.signer.clone()),
        })
    }

    /// The 版记, when a printer is set; printed on `date` (YYYY-MM-DD) unless a date is given.
    pub fn record(&self, date: &str) -> Option<Record> {
        (!self.printer.is_empty()).then(|| Record {
            copy_to: self.copy_to.trim_start_matches("抄送：").to_string(),
            printer: self.printer.clone(),
            printed: chinese_date(if self.printed_on.is_empty() { date } else { &self.printed_on }),
        })
    }
}

/// The stored JSON; a campaign saved before there was furniture has none (`{}`).
pub fn parse(raw: &str) -> Paperwork {
    serde_json::from_str(raw).unwrap_or_default()
}

pub async fn get(app: &App, campaign_id: i64) -> AppResult<Paperwork> {
    let raw: Option<String> = sqlx::query("SELECT paperwork FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_optional(&app.db.pool)
        .await?
        .map(|r| r.get("paperwork"));
    let raw = raw.ok_or(AppError::NotFound)?;
    Ok(parse(&raw))
}

pub async fn set(app: &App, actor: &Actor, campaign_id: i64, input: Paperwork) -> AppResult<Paperwork> {
    actor.require_organiser()?;
    let before = get(app, campaign_id).await?;
    let mut errors = Vec::new();
    let checked = Paperwork {
        notice: input.notice.checked("notice", &mut errors),
        report: input.report.checked("report", &mut errors),
    };
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let mut tx = app.db.begin().await?;
    let raw = serde_json::to_string(&checked).map_err(|e| AppError::Internal(e.to_string()))?;
    sqlx::query("UPDATE campaigns SET paperwork = $1, updated_at = $2 WHERE id = $3")
        .bind(&raw)
        .bind(crate::db::now())
        .bind(campaign_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        "campaign.paperwork",
        "campaign",
        campaign_id,
        json!({"before": before, "after": checked}),
    )
    .await?;
    tx.commit().await?;
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_numbers_take_the_standard_brackets() {
        assert_eq!(document_number("清发[2022]8号").as_deref(), Some("清发〔2022〕8号"));
        assert_eq!(document_number("清纪报（2022）09号").as_deref(), Some("清纪报〔2022〕9号"));
        assert_eq!(document_number(" 清发 〔2022〕 12号").as_deref(), Some("清发〔2022〕12号"));
        assert_eq!(document_number("清发2022年8号"), None);
        assert_eq!(document_number("〔2022〕8号"), None);
        assert_eq!(document_number("清发〔22〕8号"), None);
    }

    #[test]
    fn furniture_is_normalised_and_checked() {
        let mut errors = Vec::new();
        let f = Furniture {
            addressee: "中共清河市委".into(),
            copy_to: "省纪委监委宣传部，".into(),
            number: "清纪报[2022]9号".into(),
            ..Default::default()
        }
        .checked("report", &mut errors);
        assert!(errors.is_empty());
        assert_eq!(f.addressee, "中共清河市委：");
        assert_eq!(f.copy_to, "省纪委监委宣传部。");
        assert_eq!(f.number, "清纪报〔2022〕9号");
        let _ = Furniture {
            number: "九号".into(),
            printed_on: "明天".into(),
            organ: "长".repeat(41),
            ..Default::default()
        }
        .checked("notice", &mut errors);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["notice.organ", "notice.number", "notice.printed_on"]);
    }
}
