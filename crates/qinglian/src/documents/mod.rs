//! Documents the product hands out.
//!
//! - `pdf` writes small PDFs (certificates, signed copies) with no font files: Chinese text uses
//!   the PDF standard's predefined CJK font (STSong-Light, Adobe-GB1), which every conforming
//!   reader provides, so a certificate is a few kilobytes and renders anywhere.
//! - `official` writes official documents (the summary report, the notice) as DOCX in the
//!   GB/T 9704-2012 layout; `typeset` prints the same documents as PDF through typst; both follow
//!   the page plan of `layout`.
//! - `chart` draws the statistics' bar and line charts as SVG on the server.

pub mod chart;
pub mod layout;
pub mod official;
pub mod pdf;
pub mod typeset;
