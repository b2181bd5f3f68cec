//! Normalising text typed into Chinese office spreadsheets: full-width letters and digits,
//! ideographic spaces, stray spaces inside names; and Chinese words (jieba), for the search
//! index and for breaking titles.

/// The word segmenter, loaded once per process (its dictionary takes a few megabytes).
pub fn segmenter() -> &'static jieba_rs::Jieba {
    static JIEBA: std::sync::LazyLock<jieba_rs::Jieba> = std::sync::LazyLock::new(jieba_rs::Jieba::new);
    &JIEBA
}

/// Full-width ASCII → half-width, ideographic space → space, runs of whitespace → one space,
/// trimmed. Chinese punctuation other than the full-width ASCII block is left alone.
pub fn normalize(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut last_space = true;
    for c in raw.chars() {
        let c = match c {
            '\u{3000}' | '\u{00a0}' | '\t' | '\r' | '\n' => ' ',
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '\u{200b}' | '\u{feff}' => continue,
            _ => c,
        };
        if c == ' ' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// A person's or unit's name: normalised, and spaces between Chinese characters removed
/// ("张  三" is how Excel users align two-character names).
pub fn normalize_name(raw: &str) -> String {
    let s = normalize(raw);
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, c) in chars.iter().enumerate() {
        if *c == ' ' {
            let prev_cjk = i > 0 && is_cjk(chars[i - 1]);
            let next_cjk = chars.get(i + 1).is_some_and(|n| is_cjk(*n));
            if prev_cjk || next_cjk {
                continue;
            }
        }
        out.push(*c);
    }
    out
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '·')
}

/// Yes/no as offices write it: 是/否, 党员/群众, Y/N, 1/0, √.
pub fn parse_yes_no(raw: &str) -> Option<bool> {
    match normalize(raw).to_lowercase().as_str() {
        "是" | "党员" | "中共党员" | "y" | "yes" | "1" | "√" | "true" | "预备党员" => Some(true),
        "否" | "非党员" | "群众" | "n" | "no" | "0" | "false" | "" | "×" => Some(false),
        _ => None,
    }
}

/// Text made safe inside HTML, XML or SVG markup, attribute values included.
pub fn escape_markup(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The rule of a required text field, as a JSON Schema pattern: at least one character that is
/// neither white space nor one of [`is_not_text`]'s, so it is still there once the input has been
/// cleaned and trimmed. The API document puts it on every text field with `minLength: 1`.
pub const NOT_BLANK_PATTERN: &str = r"[^\s\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]";

/// Characters that are not text: control characters other than tab and line breaks, and the
/// bidirectional overrides and isolates that make a name display backwards.
pub fn is_not_text(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` without the characters [`is_not_text`] refuses; borrowed when there were none.
pub fn strip_not_text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(is_not_text) {
        s.chars().filter(|c| !is_not_text(*c)).collect::<String>().into()
    } else {
        s.into()
    }
}

/// Whether a spreadsheet would read `s` as a formula (or a formula's start) if typed into a cell:
/// `=`, `+`, `-`, `@`, a tab or a carriage return first.
pub fn looks_like_formula(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A CSV field that no spreadsheet will evaluate: a leading apostrophe where it would.
pub fn inert_csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if looks_like_formula(s) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_and_spaces() {
        assert_eq!(normalize("　ＡＢＣ１２３　 x\t y "), "ABC123 x y");
        assert_eq!(normalize_name(" 张　 三 "), "张三");
        assert_eq!(normalize_name("John  Smith"), "John Smith");
        assert_eq!(normalize_name("阿依·买买提"), "阿依·买买提");
    }

    #[test]
    fn yes_no() {
        assert_eq!(parse_yes_no("是"), Some(true));
        assert_eq!(parse_yes_no("中共党员"), Some(true));
        assert_eq!(parse_yes_no("群众"), Some(false));
        assert_eq!(parse_yes_no("也许"), None);
    }
}
