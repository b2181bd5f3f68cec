//! Reading spreadsheets as offices send them: XLSX or XLS, or CSV in UTF-8, GBK or Excel's
//! UTF-16 "Unicode text", with the spreadsheet's own row numbers kept for error reports.
//!
//! Every file is hostile until read: a sheet may declare a million rows, a zip entry may inflate a
//! thousandfold, an OLE header may announce four billion sectors. The readers here hold to
//! [`LIMITS`] while they read (zip entries are inflated through a counter before the spreadsheet
//! reader sees them, XLSX cells are streamed one by one, an XLS container and its cell records are
//! checked before it is parsed, CSV records are counted as they come), so memory stays bounded by
//! the limits, never by what the file claims.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xls, Xlsx};

use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

/// What one uploaded spreadsheet may hold.
pub struct Limits {
    /// Bytes of the file itself.
    pub file_bytes: usize,
    /// The last row that may hold a value (titles and headers included).
    pub rows: u32,
    /// The last column that may hold a value.
    pub columns: u32,
    /// Cells holding a value.
    pub cells: usize,
    /// Characters in one cell (Excel's own limit).
    pub cell_chars: usize,
    /// Bytes of all the zip's entries, inflated.
    pub unzipped_bytes: u64,
    /// Entries in the zip.
    pub zip_entries: usize,
}

pub const LIMITS: Limits = Limits {
    file_bytes: 50 * 1024 * 1024,
    rows: 60_000,
    columns: 256,
    cells: 1_500_000,
    cell_chars: 32_767,
    unzipped_bytes: 100 * 1024 * 1024,
    zip_entries: 2_000,
};

/// A parsed sheet: rows of cells as text, with the spreadsheet's own row numbers.
pub struct Sheet {
    pub rows: Vec<(usize, Vec<String>)>,
}

fn unreadable() -> AppError {
    AppError::UnsupportedType(Msg::new("err.roster_unreadable"))
}

fn over(key: &'static str, max: impl ToString) -> AppError {
    AppError::invalid("file", Msg::new(key).arg("max", max.to_string()))
}

/// A cell's text; calamine's types as offices mean them.
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

/// Cells gathered one by one under the limits, then laid out as rows.
#[derive(Default)]
struct Grid {
    cells: Vec<(u32, u32, String)>,
}

impl Grid {
    fn put(&mut self, row: u32, col: u32, text: String) -> AppResult<()> {
        if text.is_empty() {
            return Ok(());
        }
        if row >= LIMITS.rows {
            return Err(over("err.sheet_rows", LIMITS.rows));
        }
        if col >= LIMITS.columns {
            return Err(over("err.sheet_columns", LIMITS.columns));
        }
        if self.cells.len() >= LIMITS.cells {
            return Err(over("err.sheet_cells", LIMITS.cells));
        }
        if text.len() > LIMITS.cell_chars && text.chars().count() > LIMITS.cell_chars {
            return Err(AppError::invalid(
                "file",
                Msg::new("err.sheet_cell_chars").arg("row", row + 1).arg("max", LIMITS.cell_chars),
            ));
        }
        self.cells.push((row, col, text));
        Ok(())
    }

    /// Rows from the first holding a value to the last, numbered as the spreadsheet numbers them;
    /// columns counted from the leftmost holding a value.
    fn into_sheet(mut self) -> Sheet {
        self.cells.sort_by_key(|(r, c, _)| (*r, *c));
        let (Some(first), Some(last)) = (self.cells.first(), self.cells.last()) else {
            return Sheet { rows: Vec::new() };
        };
        let (first_row, last_row) = (first.0, last.0);
        let first_col = self.cells.iter().map(|c| c.1).min().unwrap_or(0);
        let mut rows: Vec<(usize, Vec<String>)> =
            (first_row..=last_row).map(|r| (r as usize + 1, Vec::new())).collect();
        for (r, c, text) in self.cells {
            let cells = &mut rows[(r - first_row) as usize].1;
            let at = (c - first_col) as usize;
            if cells.len() <= at {
                cells.resize(at + 1, String::new());
            }
            cells[at] = text;
        }
        Sheet { rows }
    }
}

/// Inflates every entry through a counter, so neither a zip bomb nor a lying size field gets
/// past the limits before the spreadsheet reader opens the same entries.
fn check_zip(bytes: &[u8]) -> AppResult<()> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    if zip.len() > LIMITS.zip_entries {
        return Err(unreadable());
    }
    let too_big = || over("err.sheet_unzipped", LIMITS.unzipped_bytes / (1024 * 1024));
    let mut budget = LIMITS.unzipped_bytes;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|_| unreadable())?;
        let inflated =
            std::io::copy(&mut entry.take(budget + 1), &mut std::io::sink()).map_err(|_| unreadable())?;
        budget = budget.checked_sub(inflated).ok_or_else(too_big)?;
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8]) -> AppResult<Sheet> {
    check_zip(bytes)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let first = book.sheet_names().first().cloned().ok_or_else(unreadable)?;
    // Cell by cell: the declared dimension is never allocated.
    let mut cells = book.worksheet_cells_reader(&first).map_err(|_| unreadable())?;
    let mut grid = Grid::default();
    while let Some(cell) = cells.next_cell().map_err(|_| unreadable())? {
        let (row, col) = cell.get_position();
        grid.put(row, col, cell_text(&Data::from(cell.get_value().clone())))?;
    }
    Ok(grid.into_sheet())
}

/// An XLS workbook. Its OLE container is read by the `cfb` crate, which checks sector chains and
/// sizes, and the workbook stream is put back into a container we write ourselves, so the
/// spreadsheet reader never follows a chain or a size an attacker wrote. Its BIFF records are
/// checked first for what the reader would allocate from them.
fn read_xls(bytes: &[u8]) -> AppResult<Sheet> {
    let io = |_| unreadable();
    let mut source = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(io)?;
    let name = ["/Workbook", "/Book"].into_iter().find(|n| source.is_stream(n)).ok_or_else(unreadable)?;
    let mut stream = Vec::new();
    source.open_stream(name).map_err(io)?.take(bytes.len() as u64).read_to_end(&mut stream).map_err(io)?;
    check_biff(&stream)?;
    let mut clean = cfb::CompoundFile::create(Cursor::new(Vec::new())).map_err(io)?;
    std::io::Write::write_all(&mut clean.create_stream("/Workbook").map_err(io)?, &stream).map_err(io)?;
    clean.flush().map_err(io)?;
    let clean = clean.into_inner().into_inner();
    let mut book: Xls<_> = Xls::new(Cursor::new(clean)).map_err(|_| unreadable())?;
    let range = book.worksheet_range_at(0).ok_or_else(unreadable)?.map_err(|_| unreadable())?;
    let (start_row, start_col) = range.start().unwrap_or((0, 0));
    let mut grid = Grid::default();
    for (r, c, value) in range.used_cells() {
        grid.put(start_row + r as u32, start_col + c as u32, cell_text(value))?;
    }
    Ok(grid.into_sheet())
}

/// BIFF records as the XLS reader walks them: (type, data), stopping at a truncated record.
fn biff_records(stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = stream;
    std::iter::from_fn(move || {
        let typ = u16::from_le_bytes(rest.get(0..2)?.try_into().ok()?);
        let len = u16::from_le_bytes(rest.get(2..4)?.try_into().ok()?) as usize;
        let data = rest.get(4..4 + len)?;
        rest = &rest[4 + len..];
        Some((typ, data))
    })
}

fn le16(d: &[u8], at: usize) -> u32 {
    d.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as u32).unwrap_or(0)
}

fn le32(d: &[u8], at: usize) -> u32 {
    d.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).unwrap_or(0)
}

/// The XLS reader reserves room for each sheet's DIMENSIONS record and lays every sheet out as
/// a dense block from its cells' extent: both are bounded here, for every sheet it will read.
fn check_biff(stream: &[u8]) -> AppResult<()> {
    let too_big = || over("err.sheet_cells", LIMITS.cells);
    let mut sheets = Vec::new();
    for (typ, data) in biff_records(stream) {
        match typ {
            0x0085 => sheets.push(le32(data, 0) as usize), // BoundSheet8: the sheet's offset
            0x000A => break,                               // EOF of the globals
            _ => {}
        }
    }
    for at in sheets {
        let sheet = stream.get(at..).ok_or_else(unreadable)?;
        let (mut rows, mut cols) = ((u32::MAX, 0u32), (u32::MAX, 0u32));
        for (typ, data) in biff_records(sheet) {
            let mut cell = |row: u32, col: u32| {
                rows = (rows.0.min(row), rows.1.max(row));
                cols = (cols.0.min(col), cols.1.max(col));
            };
            match typ {
                0x0200 => {
                    // DIMENSIONS: first row, last row + 1, first column, last column + 1.
                    let (rf, rl, cf, cl) = match data.len() {
                        10 => (le16(data, 0), le16(data, 2), le16(data, 4), le16(data, 6)),
                        14 => (le32(data, 0), le32(data, 4), le16(data, 8), le16(data, 10)),
                        _ => continue,
                    };
                    let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
                    if rl >= 1 && cl >= 1 {
                        let (height, width) = (rl.checked_sub(rf).ok_or_else(too_big)?, cl - cf);
                        if height as u64 * width as u64 > LIMITS.cells as u64 {
                            return Err(too_big());
                        }
                    }
                }
                0x0203 | 0x0204 | 0x0205 | 0x027E | 0x00FD | 0x0006 | 0x00D6 => {
                    cell(le16(data, 0), le16(data, 2))
                }
                0x00BD if data.len() >= 6 => {
                    // MULRK: row, first column, …, last column.
                    cell(le16(data, 0), le16(data, 2));
                    cell(le16(data, 0), le16(data, data.len() - 2));
                }
                0x000A => break,
                _ => {}
            }
        }
        if rows.0 <= rows.1 {
            if rows.1 >= LIMITS.rows {
                return Err(over("err.sheet_rows", LIMITS.rows));
            }
            if cols.1 >= LIMITS.columns {
                return Err(over("err.sheet_columns", LIMITS.columns));
            }
            let extent = (rows.1 - rows.0 + 1) as u64 * (cols.1 - cols.0 + 1) as u64;
            if extent > LIMITS.cells as u64 {
                return Err(too_big());
            }
        }
    }
    Ok(())
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

fn read_text(bytes: &[u8]) -> AppResult<Sheet> {
    let text = decode_text(bytes).ok_or_else(unreadable)?;
    // Excel's "Unicode text" export is tab-separated; its CSV export uses commas.
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') { b'\t' } else { b',' };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut grid = Grid::default();
    let mut record = csv::StringRecord::new();
    let mut row = 0u32;
    while reader.read_record(&mut record).map_err(|_| unreadable())? {
        if record.len() > LIMITS.columns as usize {
            return Err(over("err.sheet_columns", LIMITS.columns));
        }
        for (col, field) in record.iter().enumerate() {
            grid.put(row, col as u32, field.to_string())?;
        }
        row += 1;
        if row > LIMITS.rows {
            return Err(over("err.sheet_rows", LIMITS.rows));
        }
    }
    Ok(grid.into_sheet())
}

/// Reads the first sheet of an XLSX or XLS workbook, or a CSV or tab-separated text, within
/// [`LIMITS`].
pub fn read_sheet(bytes: &[u8]) -> AppResult<Sheet> {
    if bytes.len() > LIMITS.file_bytes {
        return Err(over("err.sheet_file", LIMITS.file_bytes / (1024 * 1024)));
    }
    // The spreadsheet reader indexes into what the file declares and panics on some hostile
    // files (a shared string past the table's end, a record shorter than its type); fuzzing
    // found both. A file it cannot read without panicking is an unreadable file.
    std::panic::catch_unwind(|| {
        if bytes.starts_with(b"PK\x03\x04") {
            read_xlsx(bytes)
        } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            read_xls(bytes)
        } else {
            read_text(bytes)
        }
    })
    .unwrap_or_else(|_| Err(unreadable()))
}

/// Writes text into an exported workbook's cell. Text that a spreadsheet would take for a formula
/// is marked with Excel's quote prefix, so it stays text even when someone edits the cell.
pub fn write_text(
    sheet: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    text: impl AsRef<str>,
) -> Result<&mut rust_xlsxwriter::Worksheet, rust_xlsxwriter::XlsxError> {
    let text = text.as_ref();
    if crate::domain::text::looks_like_formula(text) {
        sheet.write_string_with_format(row, col, text, &rust_xlsxwriter::Format::new().set_quote_prefix())
    } else {
        sheet.write_string(row, col, text)
    }
}

/// Spreadsheets parsed at once, one a core: each may take a second of CPU and up to the limits'
/// worth of memory, so a burst of uploads queues rather than stalling the server.
static PARSE_SLOTS: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| super::slots(1));

/// [`read_sheet`] off the async workers, within the parse slots.
pub async fn read(bytes: &[u8]) -> AppResult<Sheet> {
    let bytes = bytes.to_vec();
    super::bounded(&PARSE_SLOTS, std::time::Duration::from_secs(30), "err.sheet_busy", move || {
        read_sheet(&bytes)
    })
    .await?
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
