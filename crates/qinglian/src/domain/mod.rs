//! Plain types and rules, no I/O: what a valid phone, password, date or role is.

pub mod geo;
pub mod numerals;
pub mod ranks;
pub mod roles;
pub mod screening;
pub mod text;

pub use roles::{Role, RoleGrant};

use crate::error::AppError;
use crate::i18n::Msg;

/// A calendar date as stored: `YYYY-MM-DD`.
pub fn parse_date(field: &str, raw: &str) -> Result<String, AppError> {
    let raw = text::normalize(raw);
    // Offices write 2022/6/5, 2022.6.5 and 2022年6月5日 as often as 2022-06-05.
    let cleaned: String = raw.replace(['/', '.', '年', '月'], "-").replace('日', "");
    let parts: Vec<&str> = cleaned.split('-').collect();
    let bad = || AppError::invalid(field, Msg::new("err.date"));
    if parts.len() != 3 {
        return Err(bad());
    }
    let y: i32 = parts[0].trim().parse().map_err(|_| bad())?;
    let m: u8 = parts[1].trim().parse().map_err(|_| bad())?;
    let d: u8 = parts[2].trim().parse().map_err(|_| bad())?;
    let month = time::Month::try_from(m).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(y, month, d).map_err(|_| bad())?;
    if !(2000..=2100).contains(&y) {
        return Err(bad());
    }
    Ok(format!("{:04}-{:02}-{:02}", date.year(), m, d))
}

const CHINA: time::UtcOffset = time::macros::offset!(+8);

/// A local date and time ("2022-05-18 09:00", "2022-05-18T09:00", "2022/5/18 9:00") as unix
/// seconds; times are China time.
pub fn parse_datetime(field: &str, raw: &str) -> Result<i64, AppError> {
    let raw = text::normalize(raw).replace('T', " ");
    let bad = || AppError::invalid(field, Msg::new("err.datetime"));
    let (date, clock) = raw.split_once(' ').ok_or_else(bad)?;
    let date = parse_date(field, date).map_err(|_| bad())?;
    let (h, m) = clock.trim().split_once([':', '：']).ok_or_else(bad)?;
    let (h, m): (u8, u8) =
        (h.parse().map_err(|_| bad())?, m.get(..2).unwrap_or(m).parse().map_err(|_| bad())?);
    let date = time::Date::parse(&date, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| bad())?;
    let clock = time::Time::from_hms(h, m, 0).map_err(|_| bad())?;
    Ok(time::PrimitiveDateTime::new(date, clock).assume_offset(CHINA).unix_timestamp())
}

/// Unix seconds as a moment in China time.
pub fn china_time(t: i64) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::from_unix_timestamp(t).ok().map(|d| d.to_offset(CHINA))
}

/// Unix seconds as China time, "2022-05-18 09:00".
pub fn format_datetime(t: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    china_time(t).and_then(|d| d.format(&fmt).ok()).unwrap_or_default()
}

/// A calendar date as stored: `YYYY-MM-DD`.
pub fn iso_date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// The moment today began in China, as a Unix time.
pub fn start_of_today() -> i64 {
    let now = time::OffsetDateTime::now_utc().to_offset(CHINA);
    now.replace_time(time::Time::MIDNIGHT).unix_timestamp()
}

/// Today's date in China (UTC+8), as stored.
pub fn today() -> String {
    let now = time::OffsetDateTime::now_utc().to_offset(CHINA);
    iso_date(now.date())
}

/// A stored date written the way official documents write it: 2022年6月5日.
pub fn chinese_date(iso: &str) -> String {
    let parts: Vec<&str> = iso.split('-').collect();
    match parts.as_slice() {
        [y, m, d] => format!("{}年{}月{}日", y, m.trim_start_matches('0'), d.trim_start_matches('0')),
        _ => iso.to_string(),
    }
}

/// Password rules: at least 8 characters from at least three of four classes.
pub fn check_password_rules(password: &str) -> Result<(), AppError> {
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if password.chars().count() < 8 || classes.iter().filter(|c| **c).count() < 3 {
        return Err(AppError::invalid("password", Msg::new("err.password_rules")));
    }
    Ok(())
}

/// A mainland mobile number: 11 digits starting with 1, after normalisation (+86, spaces, dashes).
pub fn parse_phone(raw: &str) -> Option<String> {
    let digits: String =
        text::normalize(raw).chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
    let digits = digits.strip_prefix("+86").or_else(|| digits.strip_prefix("0086")).unwrap_or(&digits);
    (digits.len() == 11 && digits.starts_with('1') && digits.chars().all(|c| c.is_ascii_digit()))
        .then(|| digits.to_string())
}

/// 13812341234 → 138****1234.
pub fn mask_phone(phone: &str) -> String {
    if phone.len() == 11 && phone.is_ascii() {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else if phone.is_empty() {
        String::new()
    } else {
        "****".to_string()
    }
}

/// An e-mail address as stored: trimmed, lower-case, one `@` between a name and a dotted domain.
pub fn parse_email(raw: &str) -> Option<String> {
    let email = text::normalize(raw).trim().to_lowercase();
    let (name, domain) = email.split_once('@')?;
    let plain =
        |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_graphic() && !"@<>()[],;:\\\"".contains(c));
    let fits = email.len() <= 254 && plain(name) && plain(domain);
    (fits && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')).then_some(email)
}

/// An e-mail address as lists show it: `q***@qinghe.gov.cn`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((name, domain)) => format!("{}***@{domain}", name.chars().next().unwrap_or('*')),
        None => "****".to_string(),
    }
}

/// Task and ledger-entry states.
pub mod status {
    pub const PENDING: &str = "pending";
    pub const SUBMITTED: &str = "submitted";
    pub const ACCEPTED: &str = "accepted";
    pub const RETURNED: &str = "returned";

    pub const CAMPAIGN_DRAFT: &str = "draft";
    pub const CAMPAIGN_PUBLISHED: &str = "published";
    pub const CAMPAIGN_CLOSED: &str = "closed";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_office_spellings() {
        assert_eq!(parse_date("d", "2022-06-05").unwrap(), "2022-06-05");
        assert_eq!(parse_date("d", "2022/6/5").unwrap(), "2022-06-05");
        assert_eq!(parse_date("d", "２０２２年６月５日").unwrap(), "2022-06-05");
        assert!(parse_date("d", "2022-02-30").is_err());
        assert!(parse_date("d", "明天").is_err());
        assert_eq!(chinese_date("2022-05-16"), "2022年5月16日");
    }

    #[test]
    fn local_date_times() {
        let t = parse_datetime("t", "2022-05-18 09:30").unwrap();
        assert_eq!(t, 1_652_837_400);
        assert_eq!(parse_datetime("t", "2022-05-18T09:30").unwrap(), t);
        assert_eq!(parse_datetime("t", "2022/5/18 9:30").unwrap(), t);
        assert_eq!(format_datetime(t), "2022-05-18 09:30");
        assert!(parse_datetime("t", "2022-05-18").is_err());
        assert!(parse_datetime("t", "2022-05-18 25:00").is_err());
    }

    #[test]
    fn password_rules() {
        assert!(check_password_rules("Abcdefg1").is_ok());
        assert!(check_password_rules("abcdefg1!").is_ok());
        assert!(check_password_rules("abcdefgh1").is_err());
        assert!(check_password_rules("Ab1!").is_err());
    }

    #[test]
    fn phones() {
        assert_eq!(parse_phone("138 1234 5678").as_deref(), Some("13812345678"));
        assert_eq!(parse_phone("+86-138-1234-5678").as_deref(), Some("13812345678"));
        assert_eq!(parse_phone("１３８１２３４５６７８").as_deref(), Some("13812345678"));
        assert_eq!(parse_phone("1381234567"), None);
        assert_eq!(parse_phone("23812345678"), None);
        assert_eq!(mask_phone("13812341234"), "138****1234");
    }
}
