//! Numbers as Chinese official documents write them: small ordinals and durations in Chinese
//! numerals (一是, 为期三天, 十项), counts in Arabic digits with their measure word (56名,
//! 345次), and round large counts in 万 (12万人次).

const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// 0‥9999 in Chinese numerals: 3 → 三, 10 → 十, 15 → 十五, 20 → 二十, 105 → 一百零五.
/// Larger numbers fall back to Arabic digits, as documents do.
pub fn chinese(n: i64) -> String {
    if !(0..10_000).contains(&n) {
        return n.to_string();
    }
    if n < 10 {
        return DIGITS[n as usize].to_string();
    }
    let places = [(1000, '千'), (100, '百'), (10, '十')];
    let mut out = String::new();
    let mut rest = n;
    let mut zero_pending = false;
    for (value, name) in places {
        let d = rest / value;
        rest %= value;
        if d == 0 {
            if !out.is_empty() {
                zero_pending = true;
            }
            continue;
        }
        if zero_pending {
            out.push('零');
            zero_pending = false;
        }
        // 十五, not 一十五, when ten leads the number.
        if !(value == 10 && d == 1 && out.is_empty()) {
            out.push(DIGITS[d as usize]);
        }
        out.push(name);
    }
    if rest > 0 {
        if zero_pending {
            out.push('零');
        }
        out.push(DIGITS[rest as usize]);
    }
    out
}

/// The ordinal lead of an enumeration: 1 → 一是, 10 → 十是.
pub fn ordinal_lead(n: i64) -> String {
    format!("{}是", chinese(n))
}

/// A heading number: 1 → 一、.
pub fn heading_number(n: i64) -> String {
    format!("{}、", chinese(n))
}

/// A count with its measure word: 56名, 345次; exact multiples of ten thousand as 万
/// (120000 → 12万), everything else in full digits so no figure is rounded.
pub fn count(n: i64, measure: &str) -> String {
    if n >= 10_000 && n % 10_000 == 0 {
        format!("{}万{measure}", n / 10_000)
    } else {
        format!("{n}{measure}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals_read_as_written() {
        let cases = [
            (0, "零"),
            (3, "三"),
            (10, "十"),
            (15, "十五"),
            (20, "二十"),
            (56, "五十六"),
            (100, "一百"),
            (105, "一百零五"),
            (110, "一百一十"),
            (345, "三百四十五"),
            (1001, "一千零一"),
            (2030, "二千零三十"),
        ];
        for (n, want) in cases {
            assert_eq!(chinese(n), want, "{n}");
        }
        assert_eq!(chinese(12_345), "12345");
        assert_eq!(ordinal_lead(10), "十是");
        assert_eq!(heading_number(3), "三、");
    }

    #[test]
    fn counts_keep_every_digit_unless_round() {
        assert_eq!(count(56, "名"), "56名");
        assert_eq!(count(345, "次"), "345次");
        assert_eq!(count(120_000, "人次"), "12万人次");
        assert_eq!(count(123_456, "人次"), "123456人次");
    }
}
