//! Official documents as PDF, typeset by the typst library in the same GB/T 9704 layout as the
//! DOCX. The template (`templates/official.typ`) is compiled into the binary and reads the
//! document as JSON, so no text of ours or of a user's is ever parsed as typst markup.
//!
//! Fonts are the machine's own: the official fonts where installed (仿宋_GB2312, 黑体, 楷体,
//! 方正小标宋), else open CJK fonts (Noto CJK from Debian's `fonts-noto-cjk`). They are found
//! once per process; typesetting itself is CPU work for a blocking thread.

use std::sync::OnceLock;

use serde_json::json;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::layout::PagedDocument;
use typst::syntax::{FileId, Source, VirtualPath};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_kit::fonts::{FontSearcher, FontSlot};

use super::official::Document;
use crate::error::AppResult;

static TEMPLATE: &str = include_str!("../../templates/official.typ");

/// Families the template can fall back to for Chinese; one must be installed.
const CJK_FAMILIES: [&str; 8] = [
    "noto serif cjk sc",
    "noto sans cjk sc",
    "source han serif sc",
    "source han sans sc",
    "fangsong",
    "simsun",
    "ar pl uming cn",
    "wenquanyi zen hei",
];

#[derive(Debug, thiserror::Error)]
pub enum TypesetError {
    #[error("no Chinese font is installed (install fonts-noto-cjk)")]
    NoChineseFont,
    #[error("typesetting failed: {0}")]
    Typst(String),
}

struct FontCatalogue {
    book: LazyHash<FontBook>,
    slots: Vec<FontSlot>,
}

fn fonts() -> &'static FontCatalogue {
    static FONTS: OnceLock<FontCatalogue> = OnceLock::new();
    FONTS.get_or_init(|| {
        let found = FontSearcher::new().include_system_fonts(true).search();
        FontCatalogue { book: LazyHash::new(found.book), slots: found.fonts }
    })
}

/// Whether this machine can typeset Chinese (so pages can say so before anyone waits).
pub fn chinese_fonts_available() -> bool {
    let book = &fonts().book;
    CJK_FAMILIES.iter().any(|f| book.contains_family(f))
}

impl From<TypesetError> for crate::error::AppError {
    /// A machine without Chinese fonts gets a polite refusal; anything else is our fault.
    fn from(e: TypesetError) -> Self {
        match e {
            TypesetError::NoChineseFont => {
                crate::error::AppError::UnsupportedType(crate::i18n::Msg::new("err.no_chinese_font"))
            }
            e => crate::error::AppError::Internal(e.to_string()),
        }
    }
}

struct OneDocument {
    library: LazyHash<Library>,
    main: Source,
    data: Bytes,
    data_id: FileId,
}

impl World for OneDocument {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().book
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }
    fn font(&self, index: usize) -> Option<Font> {
        fonts().slots.get(index)?.get()
    }
    fn today(&self, _offset: Option<i64>) -> Option<Datetime> {
        None
    }
}

/// What the template reads: the document's page plan, with its title and issuer for the PDF's
/// metadata.
fn data(doc: &Document) -> serde_json::Value {
    let plan = super::layout::plan(doc);
    json!({"title": doc.title, "issuer": doc.issuer, "head": plan.head, "pages": plan.pages})
}

/// Typesetting takes a core for up to a second, and anyone may ask for a signed copy or the share
/// picture: at most two run at once on this server, the others wait their turn for a while and
/// are then told to try again (a 429), so a flood queues instead of taking every core.
static SLOTS: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(2));

async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, TypesetError> + Send + 'static,
) -> AppResult<T> {
    let done = crate::services::bounded(&SLOTS, std::time::Duration::from_secs(10), "err.typeset_busy", work);
    Ok(done.await??)
}

/// The document as a PDF, typeset on a blocking thread so the async workers stay free.
pub async fn pdf_off_thread(doc: Document) -> AppResult<Vec<u8>> {
    off_thread(move || pdf(&doc)).await
}

fn failure(diags: &[typst::diag::SourceDiagnostic]) -> TypesetError {
    TypesetError::Typst(diags.iter().map(|d| d.message.to_string()).collect::<Vec<_>>().join("; "))
}

/// Compiles one of our templates over its JSON data. Blocking.
fn compile(template: &str, data: &serde_json::Value) -> Result<PagedDocument, TypesetError> {
    if !chinese_fonts_available() {
        return Err(TypesetError::NoChineseFont);
    }
    let world = OneDocument {
        library: LazyHash::new(Library::builder().build()),
        main: Source::new(FileId::new(None, VirtualPath::new("/main.typ")), template.to_string()),
        data: Bytes::new(data.to_string().into_bytes()),
        data_id: FileId::new(None, VirtualPath::new("/data.json")),
    };
    typst::compile(&world).output.map_err(|d| failure(&d))
}

/// The document as a PDF. Blocking: call it from a blocking thread.
pub fn pdf(doc: &Document) -> Result<Vec<u8>, TypesetError> {
    let document = compile(TEMPLATE, &data(doc))?;
    typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|d| failure(&d))
}

static SIGNED_TEMPLATE: &str = include_str!("../../templates/signed.typ");

/// A signed copy as a PDF with its fonts embedded; `data` holds what `templates/signed.typ`
/// reads (title, paragraphs, the signer, the SVG signature, the issuer and check lines).
pub async fn signed_copy(data: serde_json::Value) -> AppResult<Vec<u8>> {
    off_thread(move || {
        let document = compile(SIGNED_TEMPLATE, &data)?;
        typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|d| failure(&d))
    })
    .await
}

static SHARE_TEMPLATE: &str = include_str!("../../templates/share.typ");

/// The picture a chat app shows for a shared link (Open Graph `og:image`): 1200 × 630 PNG with
/// the site's name, a title, a line and a period.
pub async fn share_card(site: String, title: String, theme: String, period: String) -> AppResult<Vec<u8>> {
    off_thread(move || {
        let data = json!({"site": site, "title": title, "theme": theme, "period": period});
        let document = compile(SHARE_TEMPLATE, &data)?;
        let page = document.pages.first().ok_or_else(|| TypesetError::Typst("no page".into()))?;
        typst_render::render(page, 2.0).encode_png().map_err(|e| TypesetError::Typst(e.to_string()))
    })
    .await
}
