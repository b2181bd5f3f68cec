//! The page plan of an official document: where every line of a 公文 falls, decided once here
//! and followed by both printers (the DOCX flows to the same breaks; the PDF places each line
//! where the plan says). GB/T 9704-2012 fixes a grid of 22 rows of 28 characters, so the plan is
//! exact: a line holds 28 characters, punctuation included; no line starts with a closing mark
//! or ends with an opening one; numbers are never split.
//!
//! The plan also carries the furniture: the 版头 (organ mark in red, 发文字号, 签发人 for a
//! 上行文, the red line), the title broken at word boundaries into a trapezoid or a diamond, the
//! 署名 and 成文日期 of a document without a seal (§7.3.5.2), kept on a page together with the
//! last lines of the text, and the 版记 at the foot of the last even page.

use serde::Serialize;

use super::official::Document;

/// Rows of the text block.
pub const ROWS: usize = 22;
/// Body (3号) characters in a row.
pub const CELLS: f64 = 28.0;
/// Title (2号, 22 pt) characters in the 156 mm line: 442 pt / 22 pt.
pub const TITLE_CELLS: f64 = 20.0;
/// 版记 (4号, 14 pt) characters in the 156 mm line, less one character of margin each side,
/// counted in 4号 characters.
pub const RECORD_CELLS: f64 = 29.0;
use super::official::layout::{char_pitch_pt, line_pitch_pt, TITLE_PT};

/// Advances as the renderers set 3号 text, in points (measured in both renders with pdftotext
/// -bbox): a full-width character with the body's tracking (16 pt less a quarter point:
/// LibreOffice rounds the DOCX's −6 twips to it), a digit (half an em less the tracking), a per
/// cent sign (Times' 0.83 em), other Latin a little over half an em (proportional, so allowed
/// for generously), and LibreOffice's space between Chinese and a Latin letter or digit.
const FULL_PT: f64 = 15.75;
const DIGIT_PT: f64 = 7.77;
const PERCENT_PT: f64 = 13.4;
const LATIN_PT: f64 = 8.8;
const GAP_PT: f64 = 3.3;

/// The width of a character in cells (body characters of the 28-character line).
pub fn width_of(c: char) -> f64 {
    let pt = if c.is_ascii_digit() {
        DIGIT_PT
    } else if c == '%' {
        PERCENT_PT
    } else if c.is_ascii() {
        LATIN_PT
    } else {
        FULL_PT
    };
    pt / char_pitch_pt()
}

/// The space a renderer may put between Chinese (characters or full-width marks) and a Latin
/// letter or digit next to it. Word can be told not to (`autoSpaceDE`, which we set, and the PDF
/// sets none); LibreOffice always adds it, and fits it into the line before a break too, so the
/// plan allows for it and both renders break lines alike.
fn gap(prev: Option<char>, next: char) -> f64 {
    let Some(prev) = prev else { return 0.0 };
    let latin = |c: char| c.is_ascii_alphanumeric();
    let chinese = |c: char| !c.is_ascii();
    if (latin(prev) && chinese(next)) || (chinese(prev) && latin(next)) {
        GAP_PT / char_pitch_pt()
    } else {
        0.0
    }
}

pub fn width(s: &str) -> f64 {
    let mut prev = None;
    let mut w = 0.0;
    for c in s.chars() {
        w += width_of(c) + gap(prev, c);
        prev = Some(c);
    }
    w
}

/// Marks that may not begin a line (避头): closing brackets and quotes, pauses and stops.
fn no_start(c: char) -> bool {
    "，。、；：？！）】》〉」』”’…—·%,.;:?!)]}".contains(c)
}

/// Marks that may not end a line (避尾): opening brackets and quotes.
fn no_end(c: char) -> bool {
    "（【《〈「『“‘([{".contains(c)
}

/// The unbreakable pieces of a text: a run of Latin letters and digits (2022, SM3, 10.5) stays
/// whole; every other character is a piece of its own.
fn pieces(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut run = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || (c == '.' && !run.is_empty()) {
            run.push(c);
            continue;
        }
        if !run.is_empty() {
            out.push(std::mem::take(&mut run));
        }
        out.push(c.to_string());
    }
    if !run.is_empty() {
        out.push(run);
    }
    out
}

/// Breaks `text` into lines: the first `first` cells wide, the rest `rest` wide. A closing mark
/// that would begin a line takes the previous character down with it (as Word and WPS do), and an
/// opening mark at a line's end moves down to the next.
pub fn break_lines(text: &str, first: f64, rest: f64) -> Vec<String> {
    let pieces = pieces(text);
    // Each piece's advance with the space it needs before the next piece, which a line must
    // hold even when the next piece starts the next line.
    let advance: Vec<f64> = pieces
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let next = pieces.get(i + 1).and_then(|n| n.chars().next());
            width(p) + next.map_or(0.0, |n| gap(p.chars().last(), n))
        })
        .collect();
    let mut lines: Vec<Vec<usize>> = vec![Vec::new()];
    let mut used = 0.0;
    for i in 0..pieces.len() {
        let limit = if lines.len() == 1 { first } else { rest };
        if used + advance[i] > limit + 1e-9 && !lines.last().unwrap().is_empty() {
            let line = lines.last_mut().unwrap();
            // What goes down to the next line before this piece.
            let mut carried: Vec<usize> = Vec::new();
            let begins = |carried: &[usize]| pieces[*carried.first().unwrap_or(&i)].chars().next();
            // A closing mark never begins a line, and LibreOffice will not break between one
            // and a number after it (“，51名”): both go down with the character before.
            let glued = |line: &[usize], carried: &[usize]| {
                let next = begins(carried);
                let last = line.last().and_then(|&p| pieces[p].chars().last());
                next.is_some_and(no_start)
                    || (next.is_some_and(|c| c.is_ascii_alphanumeric()) && last.is_some_and(no_start))
            };
            while line.len() > 1 && glued(line, &carried) {
                carried.insert(0, line.pop().unwrap());
            }
            while line.len() > 1 && line.last().and_then(|&p| pieces[p].chars().last()).is_some_and(no_end) {
                carried.insert(0, line.pop().unwrap());
            }
            used = carried.iter().map(|&p| advance[p]).sum();
            lines.push(carried);
        }
        used += advance[i];
        lines.last_mut().unwrap().push(i);
    }
    let lines: Vec<String> =
        lines.into_iter().map(|l| l.into_iter().map(|p| pieces[p].as_str()).collect::<String>()).collect();
    lines.into_iter().filter(|l| !l.is_empty()).collect()
}

/// Breaks a title into lines no wider than the line, at word boundaries (jieba), shaped as the
/// standard asks: two lines as a trapezoid (the upper longer), three as a diamond (the middle
/// longest), and never a line that begins with a particle such as 的.
pub fn break_title(title: &str) -> Vec<String> {
    if width(title) <= TITLE_CELLS {
        return vec![title.to_string()];
    }
    let words: Vec<&str> =
        crate::domain::text::segmenter().cut(title, true).into_iter().map(|t| t.word).collect();
    let bad_start = |w: &str| {
        matches!(w, "的" | "和" | "与" | "及" | "了" | "等") || w.chars().next().is_some_and(no_start)
    };
    // Candidate break points (byte offsets after word i), with a cost for tearing a
    // one-character word (宣传|周) from its neighbour.
    let mut cuts = Vec::new();
    let mut at = 0;
    for (i, w) in words.iter().enumerate().take(words.len().saturating_sub(1)) {
        at += w.len();
        if !bad_start(words[i + 1]) && !w.chars().last().is_some_and(no_end) {
            let single = |w: &str| w.chars().count() == 1 && !w.is_ascii();
            cuts.push((at, if single(w) || single(words[i + 1]) { 2.0 } else { 0.0 }));
        }
    }
    let score = |lines: &[&str], cost: f64| -> Option<f64> {
        let w: Vec<f64> = lines.iter().map(|l| width(l)).collect();
        if w.iter().any(|&x| x > TITLE_CELLS) {
            return None;
        }
        let shaped = match w.len() {
            2 => w[0] >= w[1],
            3 => w[1] >= w[0] && w[1] >= w[2],
            _ => true,
        };
        let spread = w.iter().cloned().fold(0.0, f64::max) - w.iter().cloned().fold(f64::MAX, f64::min);
        Some(spread + cost + if shaped { 0.0 } else { 100.0 })
    };
    let mut candidates: Vec<(f64, Vec<&str>)> = Vec::new();
    for &(a, cost) in &cuts {
        let lines = vec![&title[..a], &title[a..]];
        candidates.extend(score(&lines, cost).map(|s| (s, lines)));
    }
    if !candidates.iter().any(|(s, _)| *s < 100.0) {
        for (i, &(a, ca)) in cuts.iter().enumerate() {
            for &(b, cb) in &cuts[i + 1..] {
                let lines = vec![&title[..a], &title[a..b], &title[b..]];
                candidates.extend(score(&lines, ca + cb).map(|s| (s, lines)));
            }
        }
    }
    let best = candidates.into_iter().min_by(|x, y| x.0.total_cmp(&y.0));
    match best {
        Some((_, lines)) => lines.into_iter().map(str::to_string).collect(),
        // No word boundary fits (a title of one enormous word): break by width.
        None => break_lines(title, TITLE_CELLS, TITLE_CELLS),
    }
}

#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Title,
    Addressee,
    Heading1,
    Heading2,
    Body,
    Issuer,
    Date,
    /// 版记's 抄送 line(s), in 4号.
    CopyTo,
    /// 版记's 印发机关 (left) and 印发日期 (right), in 4号.
    Printed,
}

/// One line of the plan, placed on the grid.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Line {
    pub kind: Kind,
    pub text: String,
    /// Row 0‥21 of the text block.
    pub row: usize,
    /// Distance from the block's left edge, in body cells.
    pub indent: f64,
    /// Stretched to the full line (every line of a paragraph but its last).
    pub justify: bool,
    /// For `Printed`: the text set flush right (the date).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub right: String,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Page {
    pub lines: Vec<Line>,
    /// "— n —", or None on a blank page before the 版记 page and on that page (§7.5).
    pub number: Option<usize>,
    /// The 版记's rules are drawn on this page (above its first row, between, at the foot).
    pub record_from: Option<usize>,
}

/// The 版头 as placed on page 1, in millimetres from the block's top edge.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct HeadPlan {
    pub organ: String,
    /// The mark's size in points: as large as 15 mm a character allows, narrower for long names.
    pub organ_pt: f64,
    pub organ_top_mm: f64,
    pub number: String,
    /// 上行文: the 签发人 at the right of the number's row; the number then sits at the left.
    pub signer: Option<String>,
    pub number_top_mm: f64,
    pub rule_top_mm: f64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Plan {
    pub head: Option<HeadPlan>,
    pub pages: Vec<Page>,
}

/// 15 mm, the largest the standard's examples set a mark's character.
const ORGAN_MAX_PT: f64 = 42.0;

fn mm_per_row() -> f64 {
    line_pitch_pt() / 72.0 * 25.4
}

fn head_plan(doc: &Document) -> Option<(HeadPlan, usize)> {
    let head = doc.head.as_ref()?;
    // §7.2.2: the mark's top edge 35 mm under the block's (80 mm for a 上行文, which has a 签发人).
    let organ_top_mm = if head.signer.is_some() { 80.0 } else { 35.0 };
    let chars = head.organ.chars().count().max(1) as f64;
    let organ_pt = ORGAN_MAX_PT.min(156.0 / 25.4 * 72.0 / chars).floor();
    let organ_mm = organ_pt / 72.0 * 25.4;
    // §7.2.3: the number two rows under the mark; §7.2.5: the red line 4 mm under the number.
    let number_top_mm = organ_top_mm + organ_mm + 2.0 * mm_per_row();
    let rule_top_mm = number_top_mm + mm_per_row() + 4.0;
    // §7.3.1: the title two rows under the red line.
    let title_row = (rule_top_mm / mm_per_row()).ceil() as usize + 2;
    Some((
        HeadPlan {
            organ: head.organ.clone(),
            organ_pt,
            organ_top_mm,
            number: head.number.clone(),
            signer: head.signer.clone(),
            number_top_mm,
            rule_top_mm,
        },
        title_row,
    ))
}

/// A paragraph of the flow (a heading or text), broken into lines: the first indented two
/// characters, the rest full width.
struct Flowing {
    kind: Kind,
    lines: Vec<String>,
}

const FIRST_LINE_INDENT: f64 = 2.0;

fn body_para(kind: Kind, text: &str) -> Flowing {
    Flowing { kind, lines: break_lines(text, CELLS - FIRST_LINE_INDENT, CELLS) }
}

/// Where the issuer and the date begin (§7.3.5.2, no seal): the issuer two characters from the
/// right, the date on the next row two characters right of the issuer's first; a date longer
/// than that sits two characters from the right and moves the issuer left with it.
pub fn signature_indents(issuer: &str, date: &str) -> (f64, f64) {
    let (wi, wd) = (width(issuer), width(date));
    if wd <= wi - 2.0 {
        let start = CELLS - 2.0 - wi;
        (start, start + 2.0)
    } else {
        let date_start = CELLS - 2.0 - wd;
        ((date_start - 2.0).max(0.0), date_start)
    }
}

struct Pager {
    pages: Vec<Page>,
    row: usize,
}

impl Pager {
    fn new_page(&mut self) {
        self.pages.push(Page { lines: Vec::new(), number: None, record_from: None });
        self.row = 0;
    }
    fn room(&self) -> usize {
        ROWS - self.row
    }
    fn put(&mut self, kind: Kind, text: String, indent: f64, justify: bool) {
        if self.row >= ROWS {
            self.new_page();
        }
        let row = self.row;
        self.pages.last_mut().unwrap().lines.push(Line {
            kind,
            text,
            row,
            indent,
            justify,
            right: String::new(),
        });
        self.row += 1;
    }
    /// The row the next line goes on (a full page's next line starts the next page).
    fn next_row(&self) -> usize {
        if self.row >= ROWS {
            0
        } else {
            self.row
        }
    }
    /// The row after the last of `n` lines put from here (on whatever page they end).
    fn row_after(&self, n: usize) -> usize {
        if n == 0 {
            return self.row;
        }
        (self.next_row() + n - 1) % ROWS + 1
    }
    fn skip(&mut self, rows: usize) {
        // A blank row at the top of a page is not needed: the page's edge already separates.
        if self.row > 0 {
            self.row = (self.row + rows).min(ROWS);
        }
    }
}

/// Lays the document out on pages.
pub fn plan(doc: &Document) -> Plan {
    let mut p = Pager { pages: Vec::new(), row: 0 };
    p.new_page();
    let head = head_plan(doc).map(|(h, row)| {
        p.row = row;
        h
    });
    for line in break_title(&doc.title) {
        // 2号 characters advance 22 pt against the body's 15.8 pt cell.
        let indent = (CELLS - width(&line) * TITLE_PT / char_pitch_pt()) / 2.0;
        p.put(Kind::Title, line, indent.max(0.0), false);
    }
    p.skip(1);
    if let Some(a) = doc.addressee.as_deref().filter(|a| !a.is_empty()) {
        for (i, line) in break_lines(a, CELLS, CELLS).into_iter().enumerate() {
            p.put(Kind::Addressee, line, 0.0, i > 0);
        }
    }
    let flow: Vec<Flowing> = doc
        .blocks
        .iter()
        .map(|b| match b {
            super::official::Block::Heading1(t) => body_para(Kind::Heading1, t),
            super::official::Block::Heading2(t) => body_para(Kind::Heading2, t),
            super::official::Block::Para(t) => body_para(Kind::Body, t),
        })
        .collect();
    let (issuer_at, date_at) = signature_indents(&doc.issuer, &doc.date);
    let signature_rows = 1 + usize::from(!doc.issuer.is_empty()) + 1;
    for (i, para) in flow.iter().enumerate() {
        let n = para.lines.len();
        // A heading never ends a page: it keeps its first following line with it.
        if para.kind != Kind::Body && p.room() < n + 1 {
            p.new_page();
        }
        // The last paragraph carries its last two lines (all of it, when it has fewer than
        // four) to the next page rather than leave the signature there alone.
        let carry_from = (i + 1 == flow.len()).then(|| p.row_after(n)).and_then(|end| {
            if ROWS - end < signature_rows {
                Some(if n >= 4 { n - 2 } else { 0 })
            } else if end == 1 && p.next_row() + n > ROWS {
                // A single line would begin the signature's page: take one more with it.
                Some(n - 2)
            } else {
                None
            }
        });
        for (j, line) in para.lines.iter().enumerate() {
            if Some(j) == carry_from && p.row > 0 {
                p.new_page();
            }
            let indent = if j == 0 { FIRST_LINE_INDENT } else { 0.0 };
            p.put(para.kind, line.clone(), indent, j + 1 < n);
        }
    }
    p.skip(1);
    if p.room() < signature_rows - 1 {
        p.new_page();
    }
    if !doc.issuer.is_empty() {
        p.put(Kind::Issuer, doc.issuer.clone(), issuer_at, false);
    }
    p.put(Kind::Date, doc.date.clone(), date_at, false);
    if let Some(r) = &doc.record {
        place_record(&mut p, r);
    }
    let blank_before_record =
        doc.record.is_some() && p.pages.len() >= 2 && p.pages[p.pages.len() - 2].lines.is_empty();
    let count = p.pages.len();
    for (i, page) in p.pages.iter_mut().enumerate() {
        let unnumbered = blank_before_record && i + 2 >= count;
        page.number = (!unnumbered).then_some(i + 1);
    }
    Plan { head, pages: p.pages }
}

/// The 版记 at the foot of the last even page (§7.4): on the signature's page when it is even and
/// has room for it with a row to spare, else on the next even page.
fn place_record(p: &mut Pager, r: &super::official::Record) {
    let copy = if r.copy_to.trim().is_empty() {
        Vec::new()
    } else {
        let lead = "抄送：";
        let text = format!("{lead}{}", r.copy_to.trim());
        break_lines(&text, RECORD_CELLS, RECORD_CELLS - width(lead))
    };
    let rows = copy.len() + 1;
    let page_is_even = p.pages.len().is_multiple_of(2);
    if !(page_is_even && p.room() > rows) {
        p.new_page();
        if !p.pages.len().is_multiple_of(2) {
            p.new_page();
        }
    }
    p.row = ROWS - rows;
    let first = p.row;
    // 4号 characters are 14/16 of a body cell: one of them is the margin each side.
    let four = 14.0 / 16.0;
    for (i, line) in copy.into_iter().enumerate() {
        let indent = if i == 0 { four } else { four * (1.0 + width("抄送：")) };
        p.put(Kind::CopyTo, line, indent, false);
    }
    let row = p.row;
    p.pages.last_mut().unwrap().lines.push(Line {
        kind: Kind::Printed,
        text: r.printer.clone(),
        row,
        indent: four,
        justify: false,
        right: format!("{}印发", r.printed),
    });
    p.row += 1;
    p.pages.last_mut().unwrap().record_from = Some(first);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::official::{Block, Head, Record};

    fn doc(paras: usize, chars: usize) -> Document {
        Document {
            head: None,
            title: "关于开展测试的报告".into(),
            addressee: Some("各有关单位：".into()),
            blocks: (0..paras).map(|_| Block::Para("清".repeat(chars))).collect(),
            issuer: "清河市纪委监委".into(),
            date: "2022年6月15日".into(),
            record: None,
        }
    }

    #[test]
    fn a_line_holds_28_characters_and_punctuation_never_begins_one() {
        let lines = break_lines(&"廉".repeat(60), 28.0, 28.0);
        assert_eq!(lines.iter().map(|l| l.chars().count()).collect::<Vec<_>>(), [28, 28, 4]);
        // The 29th character is a comma: it takes the 28th down with it.
        let text = format!("{}，后文", "廉".repeat(28));
        let lines = break_lines(&text, 28.0, 28.0);
        assert_eq!(lines[0].chars().count(), 27);
        assert!(lines[1].starts_with("廉，"));
        // An opening quote never ends a line; numbers are not split.
        let text = format!("{}“廉”", "廉".repeat(27));
        assert!(!break_lines(&text, 28.0, 28.0)[0].ends_with('“'));
        let text = format!("{}20220516", "廉".repeat(25));
        let lines = break_lines(&text, 28.0, 28.0);
        assert!(lines[1] == "20220516", "{lines:?}");
        for l in break_lines(&"于2022年5月16日，，开展“廉洁（文化）”活动。".repeat(9), 26.0, 28.0)
        {
            assert!(width(&l) <= 28.0);
            assert!(!l.starts_with('，') && !l.starts_with('。') && !l.starts_with('”'));
        }
    }

    #[test]
    fn titles_break_at_words_as_a_trapezoid() {
        let lines = break_title("关于2022年清廉清河宣传周活动开展情况的报告");
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(width(&lines[0]) >= width(&lines[1]), "{lines:?}");
        assert!(!lines[1].starts_with('的') && lines[1] != "报告", "{lines:?}");
        assert_eq!(lines.concat(), "关于2022年清廉清河宣传周活动开展情况的报告");
        assert_eq!(break_title("关于开展测试的报告"), ["关于开展测试的报告"]);
        let long = break_title("关于进一步加强和改进新时代全市党员干部廉洁文化建设推动清廉机关清廉学校清廉医院一体建设的实施意见");
        assert_eq!(long.len(), 3, "{long:?}");
        assert!(width(&long[1]) >= width(&long[0]) && width(&long[1]) >= width(&long[2]), "{long:?}");
    }

    #[test]
    fn the_issuer_starts_two_characters_left_of_the_date() {
        let (i, d) = signature_indents("清河市纪委监委", "2022年6月15日");
        assert!((d - i - 2.0).abs() < 1e-9);
        assert!((CELLS - 2.0 - (d + width("2022年6月15日"))).abs() < 1e-9, "date two from the right");
        let (i, d) = signature_indents("中共清河市委员会办公室", "2022年6月15日");
        assert!((CELLS - 2.0 - (i + width("中共清河市委员会办公室"))).abs() < 1e-9);
        assert!((d - i - 2.0).abs() < 1e-9);
    }

    fn rows_on(plan: &Plan) -> Vec<Vec<(Kind, usize)>> {
        plan.pages.iter().map(|p| p.lines.iter().map(|l| (l.kind, l.row)).collect()).collect()
    }

    #[test]
    fn pages_hold_22_rows_and_the_signature_never_stands_alone() {
        // Every amount of text from one to three pages: the signature's page always has body text.
        for chars in (20..1800).step_by(13) {
            let plan = plan(&doc(1, chars));
            for page in &plan.pages {
                assert!(page.lines.iter().all(|l| l.row < ROWS));
                let mut rows: Vec<usize> = page.lines.iter().map(|l| l.row).collect();
                rows.dedup();
                assert_eq!(rows.len(), page.lines.len(), "one line a row");
            }
            let last = plan.pages.last().unwrap();
            assert!(last.lines.iter().any(|l| l.kind == Kind::Body), "{chars}: {:?}", rows_on(&plan));
            assert!(last.lines.iter().filter(|l| l.kind == Kind::Body).count() >= 2 || plan.pages.len() == 1);
            assert_eq!(last.lines.last().unwrap().kind, Kind::Date);
        }
    }

    #[test]
    fn a_heading_keeps_a_line_after_it() {
        let mut d = doc(0, 0);
        d.blocks = vec![
            Block::Para("廉".repeat(26 + 28 * 17)),
            Block::Heading1("二、标题".into()),
            Block::Para("正文。".into()),
        ];
        let plan = plan(&d);
        let heading_page =
            plan.pages.iter().position(|p| p.lines.iter().any(|l| l.kind == Kind::Heading1)).unwrap();
        let page = &plan.pages[heading_page];
        let h = page.lines.iter().find(|l| l.kind == Kind::Heading1).unwrap();
        assert!(h.row + 1 < ROWS);
    }

    #[test]
    fn the_head_and_the_record_sit_where_the_standard_says() {
        let mut d = doc(3, 100);
        d.head = Some(Head {
            organ: "中共清河市委员会文件".into(),
            number: "清发〔2022〕8号".into(),
            signer: None,
        });
        d.record = Some(Record {
            copy_to: "市人大常委会办公室，市政府办公室，市政协办公室。".into(),
            printer: "中共清河市委办公室".into(),
            printed: "2022年5月16日".into(),
        });
        let plan = plan(&d);
        let head = plan.head.as_ref().unwrap();
        assert_eq!(head.organ_top_mm, 35.0);
        assert!(head.rule_top_mm > head.number_top_mm && head.number_top_mm > head.organ_top_mm);
        // The title two rows under the red line.
        let title = &plan.pages[0].lines[0];
        assert_eq!(title.kind, Kind::Title);
        assert!(title.row as f64 * mm_per_row() >= head.rule_top_mm + mm_per_row());
        // The record ends on the last row of an even page.
        assert_eq!(plan.pages.len() % 2, 0);
        let last = plan.pages.last().unwrap();
        assert_eq!(last.lines.last().unwrap().kind, Kind::Printed);
        assert_eq!(last.lines.last().unwrap().row, ROWS - 1);
        assert!(last.record_from.is_some());
        // A 上行文 puts the mark lower and the signer beside the number.
        d.head.as_mut().unwrap().signer = Some("李清".into());
        let up = super::plan(&d);
        assert_eq!(up.head.as_ref().unwrap().organ_top_mm, 80.0);
        assert!(up.pages[0].lines[0].row > plan.pages[0].lines[0].row);
    }

    #[test]
    fn a_blank_page_before_the_record_and_the_record_page_carry_no_number() {
        // Text that fills an even page to its end: the record needs a blank odd page first.
        for chars in (100..1400).step_by(7) {
            let mut d = doc(1, chars);
            d.record = Some(Record {
                copy_to: String::new(),
                printer: "办公室".into(),
                printed: "2022年5月16日".into(),
            });
            let plan = plan(&d);
            assert_eq!(plan.pages.len() % 2, 0, "{chars}");
            let blank = plan.pages.iter().any(|p| p.lines.is_empty());
            let numbered = plan.pages.iter().filter(|p| p.number.is_some()).count();
            assert_eq!(numbered, if blank { plan.pages.len() - 2 } else { plan.pages.len() }, "{chars}");
        }
    }
}
