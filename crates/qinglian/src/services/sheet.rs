//! Reading spreadsheets as offices send them: XLSX or XLS, or CSV in UTF-8, GBK or Excel's
//! UTF-16 "Unicode text", with the spreadsheet's own row numbers kept for error reports.

use std::io::Cursor;

use calamine::{Data, Reader};

use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

/// A parsed sheet: rows of cells as text, with the spreadsheet's own row numbers.
pub struct Sheet {
    pub rows: Vec<(usize, Vec<String>)>,
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        // Phones typed as numbers come back as floats: 13812345678.0.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => {
            if *b {
                "是".into()
            } else {
                "否".into()
            }
        }
        Data::DateTime(dt) => dt.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(_) => String::new(),
    }
}

/// Text as Chinese offices save it: UTF-16 with a BOM ("Unicode text"), UTF-8 (with or without
/// BOM), or GBK/GB18030 (Excel's default CSV encoding in China). `None` for binary content.
fn decode_text(bytes: &[u8]) -> Option<String> {
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return Some(encoding_rs::UTF_16LE.decode_without_bom_handling(rest).0.into_owned());
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return Some(encoding_rs::UTF_16BE.decode_without_bom_handling(rest).0.into_owned());
    }
    if bytes.iter().take(4096).any(|b| *b == 0) {
        return None;
    }
    match std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)) {
        Ok(s) => Some(s.to_string()),
        Err(_) => {
            let (s, _, bad) = encoding_rs::GB18030.decode(bytes);
            (!bad).then(|| s.into_owned())
        }
    }
}

pub fn read_sheet(bytes: &[u8]) -> AppResult<Sheet> {
    let unreadable = || AppError::UnsupportedType(Msg::new("err.roster_unreadable"));
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    let is_ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    if is_zip || is_ole {
        let mut workbook =
            calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|_| unreadable())?;
        let range = workbook.worksheet_range_at(0).ok_or_else(unreadable)?.map_err(|_| unreadable())?;
        let start = range.start().map(|(r, _)| r as usize).unwrap_or(0);
        let rows = range
            .rows()
            .enumerate()
            .map(|(i, r)| (start + i + 1, r.iter().map(cell_text).collect()))
            .collect();
        return Ok(Sheet { rows });
    }
    let text = decode_text(bytes).ok_or_else(unreadable)?;
    // Excel's "Unicode text" export is tab-separated; its CSV export uses commas.
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|_| unreadable())?;
        rows.push((i + 1, rec.iter().map(str::to_string).collect()));
    }
    Ok(Sheet { rows })
}

/// The header row: the first of the top ten rows that has a cell `is_key` recognises (offices put
/// a title row or two above it). Returns its index and the column of each recognised header.
pub fn header<C: Copy + Eq + std::hash::Hash>(
    sheet: &Sheet,
    is_key: impl Fn(&str) -> bool,
    column_for: impl Fn(&str) -> Option<C>,
) -> Option<(usize, std::collections::HashMap<C, usize>)> {
    let at = sheet.rows.iter().take(10).position(|(_, cells)| cells.iter().any(|c| is_key(c)))?;
    let mut columns = std::collections::HashMap::new();
    for (i, c) in sheet.rows[at].1.iter().enumerate() {
        if let Some(col) = column_for(c) {
            columns.entry(col).or_insert(i);
        }
    }
    Some((at, columns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_csv_is_read() {
        let (bytes, _, _) = encoding_rs::GBK.encode("姓名,单位\n张三,市纪委监委\n");
        let sheet = read_sheet(&bytes).unwrap();
        assert_eq!(sheet.rows[1].1, vec!["张三".to_string(), "市纪委监委".to_string()]);
    }

    #[test]
    fn excel_unicode_text_is_read() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "姓名\t单位\r\n张三\t东庄村\r\n".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let sheet = read_sheet(&bytes).unwrap();
        assert_eq!(sheet.rows[1].1, vec!["张三".to_string(), "东庄村".to_string()]);
    }

    #[test]
    fn binary_garbage_is_refused() {
        let junk = [0u8, 1, 2, 3, 0, 0, 159, 146, 150];
        assert!(read_sheet(&junk).is_err());
    }
}
