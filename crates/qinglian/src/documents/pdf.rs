//! A one-page PDF writer for short documents: lines of text at chosen sizes, centred or
//! left-aligned, in the predefined Chinese font STSong-Light (UniGB-UCS2-H encoding).

use std::fmt::Write as _;

/// A4 in points.
pub const A4_WIDTH: f64 = 595.0;
pub const A4_HEIGHT: f64 = 842.0;

pub enum Align {
    Left(f64),
    Centre,
}

pub struct Line {
    pub text: String,
    pub size: f64,
    pub align: Align,
    /// Distance from the top of the page to the baseline, in points.
    pub top: f64,
}

/// The width of `text` at `size`: CJK full width, ASCII half width (as the font's /W says).
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().map(|c| if c.is_ascii() { 0.5 } else { 1.0 }).sum::<f64>() * size
}

/// Breaks `text` into lines no wider than `width` points at `size`.
pub fn wrap(text: &str, size: f64, width: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        let mut candidate = current.clone();
        candidate.push(c);
        if text_width(&candidate, size) > width && !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// UCS-2 big-endian hex, as the UniGB-UCS2-H encoding reads it; characters outside the basic
/// plane (rare in names) become a full-width question mark.
fn ucs2_hex(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 4);
    for c in text.chars() {
        let code = if (c as u32) <= 0xFFFF { c as u32 } else { 0xFF1F };
        let _ = write!(out, "{code:04X}");
    }
    out
}

/// A single A4 page (portrait, or landscape when `landscape`) with the given lines and an
/// optional frame, as PDF bytes.
pub fn page(lines: &[Line], landscape: bool, frame: bool) -> Vec<u8> {
    let (w, h) = if landscape { (A4_HEIGHT, A4_WIDTH) } else { (A4_WIDTH, A4_HEIGHT) };
    let mut content = String::new();
    if frame {
        let _ = writeln!(content, "0.64 0.09 0.10 RG 3 w 28 28 {:.1} {:.1} re S", w - 56.0, h - 56.0);
        let _ = writeln!(content, "1 w 36 36 {:.1} {:.1} re S", w - 72.0, h - 72.0);
    }
    content.push_str("0 g\n");
    for line in lines {
        let x = match line.align {
            Align::Left(x) => x,
            Align::Centre => (w - text_width(&line.text, line.size)) / 2.0,
        };
        let _ = writeln!(
            content,
            "BT /F1 {:.1} Tf {:.1} {:.1} Td <{}> Tj ET",
            line.size,
            x,
            h - line.top,
            ucs2_hex(&line.text)
        );
    }
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w} {h}] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        "<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>".to_string(),
        "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 7 0 R /DW 1000 /W [1 95 500] >>".to_string(),
        "<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>".to_string(),
    ];
    let mut out = Vec::from("%PDF-1.4\n%\u{e2}\u{e3}\u{cf}\u{d3}\n".as_bytes());
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for o in offsets {
        let _ = writeln!(table, "{o:010} 00000 n ");
    }
    let _ =
        write!(table, "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1);
    out.extend_from_slice(table.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_encoded_and_the_xref_points_at_objects() {
        let pdf = page(
            &[Line { text: "结业证书 2022".into(), size: 30.0, align: Align::Centre, top: 100.0 }],
            true,
            true,
        );
        let s = String::from_utf8_lossy(&pdf);
        assert!(s.contains("<7ED34E1A8BC14E6600200032003000320032> Tj"));
        let startxref: usize =
            s.rsplit("startxref\n").next().unwrap().lines().next().unwrap().parse().unwrap();
        assert!(s[startxref..].starts_with("xref"));
        let first: usize = s[startxref..].lines().nth(3).unwrap()[..10].parse().unwrap();
        assert!(s[first..].starts_with("1 0 obj"));
    }

    #[test]
    fn wrapping_respects_width() {
        let lines = wrap("于2022年5月16日至18日参加初任培训，经考核合格，准予结业。", 16.0, 160.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| text_width(l, 16.0) <= 160.0));
        assert_eq!(lines.concat(), "于2022年5月16日至18日参加初任培训，经考核合格，准予结业。");
    }
}
