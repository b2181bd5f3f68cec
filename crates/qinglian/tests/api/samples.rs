//! Hostile and ordinary files the tests upload: a workbook spanning Excel's whole grid, and XLS
//! workbooks written record by record.

use std::io::Write;

/// A workbook with `header` in the first cell and a value in the last cell Excel allows.
pub fn corner_to_corner(header: &str) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, header).unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    book.save_to_buffer().unwrap()
}

/// One BIFF record: type, length, data.
pub fn record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    out.extend_from_slice(&typ.to_le_bytes());
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
}

/// A BIFF8 workbook stream: globals (BOF, `globals`, one BoundSheet8, EOF), then the sheet's
/// BOF, `cells` and EOF, the BoundSheet8 pointing at the sheet.
pub fn biff_stream(globals: &[(u16, Vec<u8>)], cells: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let bof = |dt: u16| [&0x0600u16.to_le_bytes()[..], &dt.to_le_bytes(), &[0u8; 12]].concat();
    let mut s = Vec::new();
    record(&mut s, 0x0809, &bof(0x0005));
    for (typ, data) in globals {
        record(&mut s, *typ, data);
    }
    let at = s.len() + 4;
    record(&mut s, 0x0085, &[0, 0, 0, 0, 0, 0, 2, 0, b'S', b'1']);
    record(&mut s, 0x000A, &[]);
    let sheet = s.len() as u32;
    s[at..at + 4].copy_from_slice(&sheet.to_le_bytes());
    record(&mut s, 0x0809, &bof(0x0010));
    for (typ, data) in cells {
        record(&mut s, *typ, data);
    }
    record(&mut s, 0x000A, &[]);
    s
}

/// A NUMBER record: `value` at (`row`, `col`).
pub fn number(row: u16, col: u16, value: f64) -> (u16, Vec<u8>) {
    (0x0203, [&row.to_le_bytes()[..], &col.to_le_bytes(), &0u16.to_le_bytes(), &value.to_le_bytes()].concat())
}

/// A workbook stream inside an OLE container, as an .xls file.
pub fn wrap_biff(stream: &[u8]) -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    file.create_stream("/Workbook").unwrap().write_all(stream).unwrap();
    file.flush().unwrap();
    file.into_inner().into_inner()
}

/// An XLS workbook of one sheet holding `cells` (row, column, number).
pub fn xls(cells: &[(u16, u16, f64)]) -> Vec<u8> {
    let records: Vec<_> = cells.iter().map(|(r, c, v)| number(*r, *c, *v)).collect();
    wrap_biff(&biff_stream(&[], &records))
}
