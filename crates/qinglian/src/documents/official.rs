//! Official documents (公文) in the layout of GB/T 9704-2012, as DOCX: A4; top margin 37 mm,
//! left 28 mm, a 156 × 225 mm text block of 22 lines × 28 characters; the 版头 (the organ's
//! mark in red, the 发文字号, the 签发人 of a 上行文, the red line); the title in 2号 (22 pt)
//! 小标宋 centred, broken as [`layout`](super::layout) plans; the body in 3号 (16 pt) 仿宋 at a
//! fixed 28.95 pt line pitch with two characters of first-line indent; headings 一、 in 黑体 and
//! （一） in 楷体; the issuer and the date placed as §7.3.5.2 says and kept with the last lines of
//! text; the 版记 (抄送, 印发机关 and 印发日期 between rules) at the foot of the last even page;
//! page numbers "— 1 —" in 4号 宋体, odd pages right and even pages left.
//!
//! The WordprocessingML is written here directly: the standard fixes every measure, and a few
//! hundred lines of XML we control fully open in Word and LibreOffice without repair.

use std::io::Write;

/// A document to print: the report, or the notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// 版头; None prints the title at the top of the first page.
    pub head: Option<Head>,
    pub title: String,
    /// 主送机关, written under the title ("各乡镇（街道），市直各单位：").
    pub addressee: Option<String>,
    pub blocks: Vec<Block>,
    pub issuer: String,
    /// 成文日期, already in Chinese form: 2022年5月16日.
    pub date: String,
    /// 版记; None ends the document with the date.
    pub record: Option<Record>,
}

/// 版头: 发文机关标志, 发文字号 (清发〔2022〕8号) and, for a 上行文, the 签发人.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    pub organ: String,
    pub number: String,
    pub signer: Option<String>,
}

/// 版记: 抄送机关 (ending with 。) and 印发机关 with the 印发日期 (2022年5月16日).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub copy_to: String,
    pub printer: String,
    pub printed: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    Heading1(String),
    Heading2(String),
    Para(String),
}

/// The standard's measures, in twentieths of a point (twips) unless said otherwise.
pub mod layout {
    const TWIPS_PER_MM: f64 = 1440.0 / 25.4;
    pub fn mm(v: f64) -> i64 {
        (v * TWIPS_PER_MM).round() as i64
    }
    pub const PAGE_WIDTH_MM: f64 = 210.0;
    pub const PAGE_HEIGHT_MM: f64 = 297.0;
    pub const TOP_MM: f64 = 37.0;
    pub const LEFT_MM: f64 = 28.0;
    pub const BLOCK_WIDTH_MM: f64 = 156.0;
    pub const BLOCK_HEIGHT_MM: f64 = 225.0;
    pub const LINES: f64 = 22.0;
    pub const CHARS: f64 = 28.0;
    /// 3号 body text, in points.
    pub const BODY_PT: f64 = 16.0;
    /// 2号 title.
    pub const TITLE_PT: f64 = 22.0;
    /// 4号 page numbers.
    pub const PAGE_NUMBER_PT: f64 = 14.0;
    /// The line pitch of 22 lines in the 225 mm block: 28.95 pt, the value offices' templates
    /// use (225 mm / 22 is 28.99 pt; the conventional 28.95 keeps the 22nd line clear of the
    /// block's lower edge).
    pub fn line_pitch_pt() -> f64 {
        28.95
    }
    /// The character pitch that fits 28 characters a line: 15.79 pt.
    pub fn char_pitch_pt() -> f64 {
        BLOCK_WIDTH_MM / CHARS / 25.4 * 72.0
    }

    /// Character spacing that fits 28 body characters in the 156 mm line (a little under the
    /// exact pitch, so rounding never pushes the 28th character to the next line).
    pub fn tracking_pt() -> f64 {
        (char_pitch_pt() - BODY_PT).min(0.0) - 0.05
    }

    pub const TITLE_FONT: &str = "方正小标宋简体";
    pub const BODY_FONT: &str = "仿宋_GB2312";
    pub const HEADING1_FONT: &str = "黑体";
    pub const HEADING2_FONT: &str = "楷体_GB2312";
    pub const PAGE_NUMBER_FONT: &str = "宋体";
}

/// Text as XML character data; characters XML cannot carry are dropped.
fn esc(s: &str) -> String {
    let kept: String =
        s.chars().map(|c| if c == '\t' { ' ' } else { c }).filter(|c| (*c as u32) >= 0x20).collect();
    crate::domain::text::escape_markup(&kept)
}

/// A paragraph of one run; `ppr` holds properties after the style, in the schema's order.
fn paragraph(style: &str, ppr: &str, text: &str) -> String {
    format!(
        r#"<w:p><w:pPr><w:pStyle w:val="{style}"/>{ppr}</w:pPr><w:r><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
        esc(text)
    )
}

/// An empty paragraph exactly `twips` high (a spacer, or a blank row of the grid).
fn spacer(twips: i64, extra: &str) -> String {
    format!(
        r#"<w:p><w:pPr><w:pStyle w:val="Plain"/>{extra}<w:spacing w:line="{twips}" w:lineRule="exact"/></w:pPr></w:p>"#
    )
}

fn row_twips() -> i64 {
    (layout::line_pitch_pt() * 20.0).round() as i64
}

/// A body cell's advance in twips: 3号 less the tracking.
fn cell_twips() -> f64 {
    layout::BODY_PT * 20.0 + tracking_twips() as f64
}

/// The 版头's paragraphs, summing exactly to the rows above the title.
fn head_xml(h: &super::layout::HeadPlan, title_row: usize) -> String {
    let row = row_twips();
    let organ_line = (h.organ_pt * 1.2 * 20.0).round() as i64;
    let mut out = String::new();
    let mut used = 0;
    let top = layout::mm(h.organ_top_mm) - (organ_line - (h.organ_pt * 20.0) as i64) / 2;
    out.push_str(&spacer(top, ""));
    used += top;
    out.push_str(&format!(
        r#"<w:p><w:pPr><w:pStyle w:val="OrganMark"/><w:spacing w:line="{organ_line}" w:lineRule="exact"/><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:sz w:val="{s}"/><w:szCs w:val="{s}"/></w:rPr><w:t>{}</w:t></w:r></w:p>"#,
        esc(&h.organ),
        s = (h.organ_pt * 2.0) as i64
    ));
    used += organ_line;
    let gap = layout::mm(h.number_top_mm) - used;
    out.push_str(&spacer(gap, ""));
    used += gap;
    let one_char = layout::BODY_PT as i64 * 20;
    match &h.signer {
        None => out.push_str(&paragraph("Plain", r#"<w:jc w:val="center"/>"#, &h.number)),
        Some(signer) => {
            let right_tab = layout::mm(layout::BLOCK_WIDTH_MM) - one_char;
            out.push_str(&format!(
                r#"<w:p><w:pPr><w:pStyle w:val="Plain"/><w:tabs><w:tab w:val="right" w:pos="{right_tab}"/></w:tabs><w:ind w:left="{one_char}"/></w:pPr><w:r><w:t xml:space="preserve">{}</w:t></w:r><w:r><w:tab/><w:t>签发人：</w:t></w:r><w:r><w:rPr>{}</w:rPr><w:t>{}</w:t></w:r></w:p>"#,
                esc(&h.number),
                fonts(layout::HEADING2_FONT),
                esc(signer)
            ));
        }
    }
    used += row;
    // The red line: the lower border of a spacer 4 mm high (a 1.5 pt rule).
    let rule_gap = layout::mm(4.0);
    out.push_str(&spacer(
        rule_gap,
        r#"<w:pBdr><w:bottom w:val="single" w:sz="12" w:space="0" w:color="FF0000"/></w:pBdr>"#,
    ));
    used += rule_gap + 30;
    let rest = title_row as i64 * row - used;
    if rest > 0 {
        out.push_str(&spacer(rest, ""));
    }
    out
}

/// The 版记 as a borderless table of rules floating at the foot of its page: thick rules above
/// and below, a thin one between (§7.4.1), rows on the grid.
fn record_xml(lines: &[&super::layout::Line]) -> String {
    let row = row_twips();
    let width = layout::mm(layout::BLOCK_WIDTH_MM);
    let four = (14.0 * 20.0) as i64;
    let lead = (super::layout::width("抄送：") * 14.0 * 20.0) as i64;
    let cell = |height: i64, content: String| {
        format!(
            r#"<w:tr><w:trPr><w:trHeight w:val="{}" w:hRule="exact"/></w:trPr><w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>{content}</w:tc></w:tr>"#,
            // A point short of the rows, for the rules LibreOffice adds to the table's height.
            height - 20
        )
    };
    let mut rows = String::new();
    let copy: Vec<&str> =
        lines.iter().filter(|l| l.kind == super::layout::Kind::CopyTo).map(|l| l.text.as_str()).collect();
    if !copy.is_empty() {
        rows.push_str(&cell(
            row * copy.len() as i64,
            format!(
                r#"<w:p><w:pPr><w:pStyle w:val="Record"/><w:ind w:left="{}" w:right="{four}" w:hanging="{lead}"/></w:pPr><w:r><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
                four + lead,
                esc(&copy.concat())
            ),
        ));
    }
    if let Some(p) = lines.iter().find(|l| l.kind == super::layout::Kind::Printed) {
        rows.push_str(&cell(
            row,
            format!(
                r#"<w:p><w:pPr><w:pStyle w:val="Record"/><w:tabs><w:tab w:val="right" w:pos="{}"/></w:tabs><w:ind w:left="{four}"/></w:pPr><w:r><w:t xml:space="preserve">{}</w:t></w:r><w:r><w:tab/><w:t>{}</w:t></w:r></w:p>"#,
                width - four,
                esc(&p.text),
                esc(&p.right)
            ),
        ));
    }
    format!(
        r#"<w:tbl><w:tblPr><w:tblpPr w:leftFromText="0" w:rightFromText="0" w:vertAnchor="margin" w:horzAnchor="margin" w:tblpYSpec="bottom"/><w:tblW w:w="{width}" w:type="dxa"/><w:tblBorders><w:top w:val="single" w:sz="8" w:space="0" w:color="000000"/><w:left w:val="nil"/><w:bottom w:val="single" w:sz="8" w:space="0" w:color="000000"/><w:right w:val="nil"/><w:insideH w:val="single" w:sz="6" w:space="0" w:color="000000"/><w:insideV w:val="nil"/></w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tblCellMar><w:tblLook w:val="0000"/></w:tblPr><w:tblGrid><w:gridCol w:w="{width}"/></w:tblGrid>{rows}</w:tbl>"#
    )
}

fn document_xml(doc: &Document) -> String {
    use super::layout::Kind;
    let plan = super::layout::plan(doc);
    let unnumbered_tail = plan.pages.last().is_some_and(|p| p.number.is_none());
    let lines: Vec<(usize, &super::layout::Line)> =
        plan.pages.iter().enumerate().flat_map(|(i, p)| p.lines.iter().map(move |l| (i, l))).collect();
    let of = |kind: Kind| lines.iter().filter(move |(_, l)| l.kind == kind).map(|(_, l)| *l);
    let placed = |kind: Kind| lines.iter().find(|(_, l)| l.kind == kind).map(|(page, l)| (*page, *l));
    let indent = |cells: f64| (cells * cell_twips()).round() as i64;
    let mut body = String::new();
    if let Some(h) = &plan.head {
        let title_row = of(Kind::Title).next().map(|l| l.row).unwrap_or(0);
        body.push_str(&head_xml(h, title_row));
    }
    let title: Vec<String> = of(Kind::Title).map(|l| esc(&l.text)).collect();
    body.push_str(&format!(
        r#"<w:p><w:pPr><w:pStyle w:val="DocTitle"/></w:pPr><w:r><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
        title.join(r#"</w:t></w:r><w:r><w:br/><w:t xml:space="preserve">"#)
    ));
    body.push_str(&spacer(row_twips(), ""));
    if let Some(a) = doc.addressee.as_deref().filter(|a| !a.is_empty()) {
        body.push_str(&paragraph("Plain", "", a));
    }
    // The last paragraph keeps its last lines with the signature (keep-with-next and widow
    // control), as the plan does; Word and LibreOffice move them.
    let count = doc.blocks.len();
    for (i, b) in doc.blocks.iter().enumerate() {
        let (style, text) = match b {
            Block::Heading1(t) => ("Heading1", t),
            Block::Heading2(t) => ("Heading2", t),
            Block::Para(t) => ("Normal", t),
        };
        let keep = if i + 1 == count { r#"<w:keepNext/><w:widowControl/>"# } else { "" };
        body.push_str(&paragraph(style, keep, text));
    }
    body.push_str(&spacer(row_twips(), "<w:keepNext/>"));
    if let Some(issuer) = of(Kind::Issuer).next() {
        body.push_str(&paragraph(
            "Signature",
            &format!(r#"<w:keepNext/><w:ind w:left="{}"/>"#, indent(issuer.indent)),
            &issuer.text,
        ));
    }
    let date = placed(Kind::Date);
    let date_at = date.map(|(page, l)| (page, l.row));
    if let Some((_, date)) = date {
        body.push_str(&paragraph(
            "Signature",
            &format!(r#"<w:ind w:left="{}"/>"#, indent(date.indent)),
            &date.text,
        ));
    }
    let record: Vec<(usize, &super::layout::Line)> =
        lines.iter().filter(|(_, l)| matches!(l.kind, Kind::CopyTo | Kind::Printed)).cloned().collect();
    if let (Some((page, first)), Some((date_page, date_row))) = (record.first(), date_at) {
        // Blank rows down to the record's first, on the plan's page: LibreOffice lays the table
        // where it flows, Word floats it to the foot (tblpYSpec) over the same blank rows.
        let mut row = date_row + 1;
        for i in 0..page.saturating_sub(date_page) {
            if i == 0 && unnumbered_tail {
                // The blank page before the record and the record's page carry no number
                // (§7.5): they are a section of their own, whose footers are empty.
                body.push_str(&format!(
                    r#"<w:p><w:pPr><w:pStyle w:val="Plain"/><w:spacing w:line="10" w:lineRule="exact"/><w:sectPr>{}</w:sectPr></w:pPr></w:p>"#,
                    section(NUMBERED)
                ));
                body.push_str(&spacer(row_twips(), ""));
            } else {
                body.push_str(&spacer(row_twips(), "<w:pageBreakBefore/>"));
            }
            row = 1;
        }
        for _ in row..first.row {
            body.push_str(&spacer(row_twips(), ""));
        }
        body.push_str(&record_xml(&record.iter().map(|(_, l)| *l).collect::<Vec<_>>()));
    }
    // Word wants a paragraph after a table; half a point high, it fits in the block's spare point.
    body.push_str(&spacer(10, ""));
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body>{body}<w:sectPr>{}</w:sectPr></w:body></w:document>"#,
        section(if unnumbered_tail { UNNUMBERED } else { NUMBERED })
    )
}

/// Footers (default, even): the page numbers, or the empty footer.
const NUMBERED: (&str, &str) = ("rId4", "rId5");
const UNNUMBERED: (&str, &str) = ("rId6", "rId6");

/// A section's properties: the page, its margins and grid, and its footers.
fn section((default, even): (&str, &str)) -> String {
    use layout::*;
    format!(
        r#"<w:footerReference w:type="default" r:id="{default}"/><w:footerReference w:type="even" r:id="{even}"/><w:pgSz w:w="{w}" w:h="{h}"/><w:pgMar w:top="{top}" w:right="{right}" w:bottom="{bottom}" w:left="{left}" w:header="851" w:footer="{footer}" w:gutter="0"/><w:cols w:space="425"/><w:docGrid w:type="lines" w:linePitch="{line_pitch}"/>"#,
        w = mm(PAGE_WIDTH_MM),
        h = mm(PAGE_HEIGHT_MM),
        top = mm(TOP_MM),
        right = mm(PAGE_WIDTH_MM - LEFT_MM - BLOCK_WIDTH_MM),
        bottom = mm(PAGE_HEIGHT_MM - TOP_MM - BLOCK_HEIGHT_MM),
        left = mm(LEFT_MM),
        // The page number's dash line sits 7 mm under the text block.
        footer = mm(PAGE_HEIGHT_MM - TOP_MM - BLOCK_HEIGHT_MM - 7.0 - 5.0),
        line_pitch = row_twips(),
    )
}

/// The body's character spacing in twips (Word's `w:spacing` of a run).
fn tracking_twips() -> i64 {
    (layout::tracking_pt() * 20.0).floor() as i64
}

/// A Chinese font for Chinese text; digits and Latin letters in Times New Roman, as offices'
/// templates set them (half an em wide, and metric-compatible Liberation Serif where Times is
/// not installed, so every renderer breaks lines alike).
fn fonts(name: &str) -> String {
    format!(
        r#"<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="{name}" w:cs="Times New Roman"/>"#
    )
}

/// No punctuation hangs past the line's end in LibreOffice, so a line holds 28 characters,
/// punctuation included, as the plan breaks them. ECMA-376 spells that `overflowPunct = 0`, but
/// LibreOffice reads the flag inverted (its import turns hanging on for 0), so we write the value
/// it reads as "off". Word reads the same value as its own default for Chinese text: a closing
/// mark may hang at a line's end, as offices' templates do.
const NO_HANGING: &str = r#"<w:overflowPunct w:val="1"/>"#;

fn styles_xml() -> String {
    use layout::*;
    let body_sz = (BODY_PT * 2.0) as i64;
    let line = row_twips();
    let indent = (BODY_PT * 2.0 * 20.0) as i64;
    let style = |id: &str, name: &str, ppr: &str, rpr: &str| {
        format!(
            r#"<w:style w:type="paragraph" w:customStyle="1" w:styleId="{id}"><w:name w:val="{name}"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr>{ppr}</w:pPr><w:rPr>{rpr}</w:rPr></w:style>"#
        )
    };
    let no_indent = r#"<w:ind w:firstLine="0" w:firstLineChars="0"/>"#;
    // The furniture keeps its own heights: off the document grid, which would round each line
    // up to whole rows.
    let off_grid = r#"<w:snapToGrid w:val="0"/>"#;
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr>{body_fonts}<w:kern w:val="2"/><w:sz w:val="{body_sz}"/><w:szCs w:val="{body_sz}"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:widowControl w:val="0"/>{no_hanging}<w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/><w:spacing w:before="0" w:after="0" w:line="{line}" w:lineRule="exact"/><w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/><w:pPr>{no_hanging}<w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/><w:ind w:firstLine="{indent}" w:firstLineChars="200"/></w:pPr><w:rPr>{body_fonts}<w:spacing w:val="{tracking}"/><w:sz w:val="{body_sz}"/><w:szCs w:val="{body_sz}"/></w:rPr></w:style>{title}{organ}{plain}{h1}{h2}{signature}{record}{footer}</w:styles>"#,
        body_fonts = fonts(BODY_FONT),
        tracking = tracking_twips(),
        no_hanging = NO_HANGING,
        title = style(
            "DocTitle",
            "Document Title",
            &format!(r#"{off_grid}{no_indent}<w:jc w:val="center"/>"#),
            &format!(
                r#"{}<w:spacing w:val="0"/><w:sz w:val="{s}"/><w:szCs w:val="{s}"/>"#,
                fonts(TITLE_FONT),
                s = (TITLE_PT * 2.0) as i64
            ),
        ),
        plain = style("Plain", "Plain", &format!("{off_grid}{no_indent}"), ""),
        h1 = style(
            "Heading1",
            "heading 1",
            r#"<w:keepNext/><w:outlineLvl w:val="0"/>"#,
            &fonts(HEADING1_FONT)
        ),
        h2 = style(
            "Heading2",
            "heading 2",
            r#"<w:keepNext/><w:outlineLvl w:val="1"/>"#,
            &fonts(HEADING2_FONT)
        ),
        organ = style(
            "OrganMark",
            "Organ Mark",
            &format!(r#"{off_grid}{no_indent}<w:jc w:val="center"/>"#),
            &format!(r#"{}<w:color w:val="FF0000"/><w:spacing w:val="0"/>"#, fonts(TITLE_FONT)),
        ),
        // Placed by its left indent (§7.3.5.2), so never justified.
        signature = style("Signature", "Signature", &format!(r#"{no_indent}<w:jc w:val="left"/>"#), ""),
        record = style(
            "Record",
            "Record",
            &format!(r#"{off_grid}<w:jc w:val="left"/>"#),
            &format!(
                r#"<w:spacing w:val="0"/><w:sz w:val="{s}"/><w:szCs w:val="{s}"/>"#,
                s = (PAGE_NUMBER_PT * 2.0) as i64
            ),
        ),
        footer = style(
            "PageNumber",
            "Page Number Line",
            &format!(r#"<w:spacing w:line="240" w:lineRule="auto"/>{no_indent}"#),
            &format!(
                r#"{}<w:sz w:val="{s}"/><w:szCs w:val="{s}"/>"#,
                fonts(PAGE_NUMBER_FONT),
                s = (PAGE_NUMBER_PT * 2.0) as i64
            ),
        ),
    )
}

// WordprocessingML is a sequence schema: Word refuses (asks to repair) a file whose children
// come in another order than the schema's, e.g. <w:jc> before <w:ind> in a paragraph's
// properties. The orders below follow ECMA-376 and the tests check the ones that matter.

/// "— 1 —": odd pages at the right, one character in; even pages at the left.
fn footer_xml(align: &str) -> String {
    let side = if align == "right" { "right" } else { "left" };
    let one_char = (layout::PAGE_NUMBER_PT * 20.0) as i64;
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:ftr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:p><w:pPr><w:pStyle w:val="PageNumber"/><w:ind w:{side}="{one_char}"/><w:jc w:val="{side}"/></w:pPr><w:r><w:t xml:space="preserve">— </w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t xml:space="preserve"> —</w:t></w:r></w:p></w:ftr>"#
    )
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/word/footer2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/word/footer3.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/><Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer2.xml"/><Relationship Id="rId6" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer3.xml"/></Relationships>"#;

const SETTINGS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:defaultTabStop w:val="420"/><w:evenAndOddHeaders/><w:characterSpacingControl w:val="doNotCompress"/><w:compat><w:spaceForUL/><w:balanceSingleByteDoubleByteWidth/><w:doNotLeaveBackslashAlone/><w:ulTrailSpace/><w:doNotExpandShiftReturn/><w:adjustLineHeightInTable/><w:useFELayout/></w:compat></w:settings>"#;

fn core_xml(doc: &Document) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>{}</dc:title><dc:creator>{}</dc:creator></cp:coreProperties>"#,
        esc(&doc.title),
        esc(&doc.issuer)
    )
}

/// The document as a DOCX file.
pub fn docx(doc: &Document) -> std::io::Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let empty_footer = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:ftr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:p/></w:ftr>"#;
    let parts: [(&str, String); 10] = [
        ("[Content_Types].xml", CONTENT_TYPES.to_string()),
        ("_rels/.rels", ROOT_RELS.to_string()),
        ("docProps/core.xml", core_xml(doc)),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS.to_string()),
        ("word/document.xml", document_xml(doc)),
        ("word/styles.xml", styles_xml()),
        ("word/settings.xml", SETTINGS.to_string()),
        ("word/footer1.xml", footer_xml("right")),
        ("word/footer2.xml", footer_xml("left")),
        ("word/footer3.xml", empty_footer.to_string()),
    ];
    for (name, content) in parts {
        zip.start_file(name, options).map_err(std::io::Error::other)?;
        zip.write_all(content.as_bytes())?;
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_measures() {
        assert_eq!(layout::mm(210.0), 11906);
        assert_eq!(layout::mm(297.0), 16838);
        assert!((layout::line_pitch_pt() - 28.95).abs() < 0.05);
        assert!((layout::char_pitch_pt() - 15.79).abs() < 0.05);
        // 28 characters with the spacing fit in the line; 29 do not.
        let per_char = layout::BODY_PT + super::tracking_twips() as f64 / 20.0;
        let line = layout::BLOCK_WIDTH_MM / 25.4 * 72.0;
        assert!(per_char * 28.0 <= line && per_char * 29.0 > line);
    }

    #[test]
    fn a_blank_page_before_the_record_and_the_record_page_have_no_number() {
        // Find a length of text whose signature ends an even page with no room for the record.
        let doc = |chars: usize| Document {
            head: None,
            title: "关于测试的报告".into(),
            addressee: None,
            blocks: vec![Block::Para("清".repeat(chars))],
            issuer: "清河市纪委监委".into(),
            date: "2022年6月15日".into(),
            record: Some(Record {
                copy_to: String::new(),
                printer: "办公室".into(),
                printed: "2022年6月16日".into(),
            }),
        };
        let blank = (100..1400)
            .map(doc)
            .find(|d| super::super::layout::plan(d).pages.iter().any(|p| p.lines.is_empty()))
            .expect("some length leaves a blank page");
        let xml = document_xml(&blank);
        assert_eq!(xml.matches("<w:sectPr>").count(), 2, "a section for the unnumbered pages");
        let last = xml.rsplit("<w:sectPr>").next().unwrap();
        assert!(last.contains(r#"r:id="rId6""#) && !last.contains("rId4"));
        // Without a blank page: one section, numbered throughout.
        let plain = doc(100);
        assert_eq!(document_xml(&plain).matches("<w:sectPr>").count(), 1);
    }

    #[test]
    fn text_is_escaped_and_control_characters_dropped() {
        assert_eq!(esc("a<b>&\"c\u{1}"), "a&lt;b&gt;&amp;&quot;c");
    }

    #[test]
    fn a_docx_is_a_zip_with_the_parts_word_needs() {
        let doc = Document {
            head: Some(Head {
                organ: "清河市纪委监委".into(),
                number: "清纪发〔2022〕9号".into(),
                signer: None,
            }),
            title: "关于<测试>的报告".into(),
            addressee: Some("各有关单位：".into()),
            blocks: vec![Block::Heading1("一、总体情况".into()), Block::Para("正文。".into())],
            issuer: "清河市纪委监委".into(),
            date: "2022年6月15日".into(),
            record: Some(Record {
                copy_to: "市委办公室。".into(),
                printer: "清河市纪委监委办公室".into(),
                printed: "2022年6月16日".into(),
            }),
        };
        let bytes = docx(&doc).unwrap();
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut z.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
        assert!(xml.contains("关于&lt;测试&gt;的报告"));
        assert!(xml.contains(r#"w:pgSz w:w="11906" w:h="16838""#));
        assert!(xml.contains(r#"w:top="2098""#) && xml.contains(r#"w:left="1587""#));
        assert!(xml.contains(r#"w:linePitch="579""#));
        assert!(xml.contains("清纪发〔2022〕9号") && xml.contains(r#"w:color="FF0000""#), "the red line");
        assert!(xml.contains("抄送：市委办公室。") && xml.contains("2022年6月16日印发"));
        for part in [
            "word/_rels/document.xml.rels",
            "word/styles.xml",
            "word/footer1.xml",
            "word/footer2.xml",
            "[Content_Types].xml",
        ] {
            assert!(z.by_name(part).is_ok(), "{part}");
        }
    }
}
