//! Documents the product hands out. `pdf` writes small PDFs (certificates) with no font files:
//! Chinese text uses the PDF standard's predefined CJK font (STSong-Light, Adobe-GB1), which
//! every conforming reader provides, so a certificate is a few kilobytes and renders anywhere.

pub mod pdf;
