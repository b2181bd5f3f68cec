//! Official documents (公文) in the layout of GB/T 9704-2012, as DOCX: A4; top margin 37 mm,
//! left 28 mm, a 156 × 225 mm text block of 22 lines × 28 characters; the title in 2号 (22 pt)
//! 小标宋 centred; the body in 3号 (16 pt) 仿宋 at a fixed 28.95 pt line pitch with two
//! characters of first-line indent; headings 一、 in 黑体 and （一） in 楷体; the issuer and the
//! date (2022年5月16日) at the right; page numbers "— 1 —" in 4号 宋体, odd pages right and
//! even pages left.
//!
//! The WordprocessingML is written here directly: the standard fixes every measure, and a few
//! hundred lines of XML we control fully open in Word and LibreOffice without repair.

use std::io::Write;

/// A document to print: the report, or the notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    pub title: String,
    /// 主送机关, written under the title ("各乡镇（街道），市直各单位：").
    pub addressee: Option<String>,
    pub blocks: Vec<Block>,
    pub issuer: String,
    /// 成文日期, already in Chinese form: 2022年5月16日.
    pub date: String,
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

fn paragraph(style: &str, text: &str) -> String {
    format!(
        r#"<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
        esc(text)
    )
}

fn empty_line() -> String {
    r#"<w:p><w:pPr><w:pStyle w:val="Plain"/></w:pPr></w:p>"#.to_string()
}

fn document_xml(doc: &Document) -> String {
    use layout::*;
    let mut body = String::new();
    body.push_str(&paragraph("DocTitle", &doc.title));
    body.push_str(&empty_line());
    if let Some(a) = &doc.addressee {
        body.push_str(&paragraph("Plain", a));
    }
    for b in &doc.blocks {
        let (style, text) = match b {
            Block::Heading1(t) => ("Heading1", t),
            Block::Heading2(t) => ("Heading2", t),
            Block::Para(t) => ("Normal", t),
        };
        body.push_str(&paragraph(style, text));
    }
    body.push_str(&empty_line());
    if !doc.issuer.is_empty() {
        body.push_str(&paragraph("Signature", &doc.issuer));
    }
    body.push_str(&paragraph("Signature", &doc.date));
    let line_pitch = (line_pitch_pt() * 20.0).round() as i64;
    let right = mm(PAGE_WIDTH_MM - LEFT_MM - BLOCK_WIDTH_MM);
    let bottom = mm(PAGE_HEIGHT_MM - TOP_MM - BLOCK_HEIGHT_MM);
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body>{body}<w:sectPr><w:footerReference w:type="default" r:id="rId4"/><w:footerReference w:type="even" r:id="rId5"/><w:pgSz w:w="{w}" w:h="{h}"/><w:pgMar w:top="{top}" w:right="{right}" w:bottom="{bottom}" w:left="{left}" w:header="851" w:footer="{footer}" w:gutter="0"/><w:cols w:space="425"/><w:docGrid w:type="lines" w:linePitch="{line_pitch}"/></w:sectPr></w:body></w:document>"#,
        w = mm(PAGE_WIDTH_MM),
        h = mm(PAGE_HEIGHT_MM),
        top = mm(TOP_MM),
        left = mm(LEFT_MM),
        // The page number's dash line sits 7 mm under the text block.
        footer = mm(PAGE_HEIGHT_MM - TOP_MM - BLOCK_HEIGHT_MM - 7.0 - 5.0),
    )
}

/// The body's character spacing in twips (Word's `w:spacing` of a run).
fn tracking_twips() -> i64 {
    (layout::tracking_pt() * 20.0).floor() as i64
}

fn fonts(name: &str) -> String {
    format!(r#"<w:rFonts w:ascii="{name}" w:hAnsi="{name}" w:eastAsia="{name}" w:cs="{name}"/>"#)
}

fn styles_xml() -> String {
    use layout::*;
    let body_sz = (BODY_PT * 2.0) as i64;
    let line = (line_pitch_pt() * 20.0).round() as i64;
    let indent = (BODY_PT * 2.0 * 20.0) as i64;
    let char_right = (BODY_PT * 2.0 * 20.0) as i64;
    let style = |id: &str, name: &str, ppr: &str, rpr: &str| {
        format!(
            r#"<w:style w:type="paragraph" w:customStyle="1" w:styleId="{id}"><w:name w:val="{name}"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr>{ppr}</w:pPr><w:rPr>{rpr}</w:rPr></w:style>"#
        )
    };
    let no_indent = r#"<w:ind w:firstLine="0" w:firstLineChars="0"/>"#;
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr>{body_fonts}<w:kern w:val="2"/><w:sz w:val="{body_sz}"/><w:szCs w:val="{body_sz}"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:widowControl w:val="0"/><w:spacing w:before="0" w:after="0" w:line="{line}" w:lineRule="exact"/><w:jc w:val="both"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/><w:pPr><w:ind w:firstLine="{indent}" w:firstLineChars="200"/></w:pPr><w:rPr>{body_fonts}<w:spacing w:val="{tracking}"/><w:sz w:val="{body_sz}"/><w:szCs w:val="{body_sz}"/></w:rPr></w:style>{title}{plain}{h1}{h2}{signature}{footer}</w:styles>"#,
        body_fonts = fonts(BODY_FONT),
        tracking = tracking_twips(),
        title = style(
            "DocTitle",
            "Document Title",
            &format!(r#"{no_indent}<w:jc w:val="center"/>"#),
            &format!(
                r#"{}<w:sz w:val="{s}"/><w:szCs w:val="{s}"/>"#,
                fonts(TITLE_FONT),
                s = (TITLE_PT * 2.0) as i64
            ),
        ),
        plain = style("Plain", "Plain", no_indent, ""),
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
        signature = style(
            "Signature",
            "Signature",
            &format!(
                r#"<w:jc w:val="right"/><w:ind w:right="{char_right}" w:rightChars="200" w:firstLine="0" w:firstLineChars="0"/>"#
            ),
            "",
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
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/word/footer2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/><Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer2.xml"/></Relationships>"#;

const SETTINGS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:defaultTabStop w:val="420"/><w:evenAndOddHeaders/><w:characterSpacingControl w:val="compressPunctuation"/><w:compat><w:spaceForUL/><w:balanceSingleByteDoubleByteWidth/><w:doNotLeaveBackslashAlone/><w:ulTrailSpace/><w:doNotExpandShiftReturn/><w:adjustLineHeightInTable/><w:useFELayout/></w:compat></w:settings>"#;

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
    let parts: [(&str, String); 9] = [
        ("[Content_Types].xml", CONTENT_TYPES.to_string()),
        ("_rels/.rels", ROOT_RELS.to_string()),
        ("docProps/core.xml", core_xml(doc)),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS.to_string()),
        ("word/document.xml", document_xml(doc)),
        ("word/styles.xml", styles_xml()),
        ("word/settings.xml", SETTINGS.to_string()),
        ("word/footer1.xml", footer_xml("right")),
        ("word/footer2.xml", footer_xml("left")),
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
    fn text_is_escaped_and_control_characters_dropped() {
        assert_eq!(esc("a<b>&\"c\u{1}"), "a&lt;b&gt;&amp;&quot;c");
    }

    #[test]
    fn a_docx_is_a_zip_with_the_parts_word_needs() {
        let doc = Document {
            title: "关于<测试>的报告".into(),
            addressee: Some("各有关单位：".into()),
            blocks: vec![Block::Heading1("一、总体情况".into()), Block::Para("正文。".into())],
            issuer: "清河市纪委监委".into(),
            date: "2022年6月15日".into(),
        };
        let bytes = docx(&doc).unwrap();
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut z.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
        assert!(xml.contains("关于&lt;测试&gt;的报告"));
        assert!(xml.contains(r#"w:pgSz w:w="11906" w:h="16838""#));
        assert!(xml.contains(r#"w:top="2098""#) && xml.contains(r#"w:left="1587""#));
        assert!(xml.contains(r#"w:linePitch="579""#));
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
