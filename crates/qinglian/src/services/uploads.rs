//! Files people attach: ledger evidence, placement photos, a material's PDF, an integrity
//! application's evidence. Each is checked by size and by its first bytes, given a safe name,
//! and stored *before* the transaction that records it: a store kept in the database takes a
//! connection of its own, and requests that each held a transaction while waiting for a second
//! connection would starve the pool under load. Keys are content addresses, so a file stored
//! for a write that then fails is never referenced and harms nothing.

use super::App;
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;

/// A file as the form or the API received it.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// What kinds a use case takes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// Images and PDF.
    Evidence,
    /// Images only (a placement's photos).
    Images,
}

/// An upload that passed the checks and is in the file store.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub key: String,
    pub content_type: &'static str,
    pub file_name: String,
    pub size: i64,
}

/// Checks every file first (so one bad file refuses the lot before anything is stored), then
/// stores them. `max_bytes` is per file.
pub async fn accept(
    app: &App,
    files: &[Upload],
    max_bytes: usize,
    kinds: Accept,
) -> AppResult<Vec<Accepted>> {
    let types = files.iter().map(|f| check(f, max_bytes, kinds)).collect::<AppResult<Vec<_>>>()?;
    let mut accepted = Vec::with_capacity(files.len());
    for (f, content_type) in files.iter().zip(types) {
        let key = crate::storage::content_key(&f.bytes);
        app.files.put(&key, &f.bytes).await?;
        accepted.push(Accepted {
            key,
            content_type,
            file_name: safe_name(&f.file_name),
            size: f.bytes.len() as i64,
        });
    }
    Ok(accepted)
}

fn check(f: &Upload, max_bytes: usize, kinds: Accept) -> AppResult<&'static str> {
    if f.bytes.len() > max_bytes {
        return Err(AppError::TooLarge(
            Msg::new("err.file_too_large").arg("name", &f.file_name).arg("mb", max_bytes / 1024 / 1024),
        ));
    }
    match (crate::storage::sniff(&f.bytes), kinds) {
        (Some(kind), Accept::Evidence) => Ok(kind),
        (Some(kind), Accept::Images) if kind.starts_with("image/") => Ok(kind),
        (_, Accept::Images) => {
            Err(AppError::UnsupportedType(Msg::new("err.not_image").arg("name", &f.file_name)))
        }
        (None, Accept::Evidence) => {
            Err(AppError::UnsupportedType(Msg::new("err.file_type").arg("name", &f.file_name)))
        }
    }
}

/// The name shown on download: no control characters or path separators, at most 120 characters.
fn safe_name(raw: &str) -> String {
    let name: String = raw.chars().filter(|c| !c.is_control() && *c != '/' && *c != '\\').take(120).collect();
    if name.trim().is_empty() {
        "file".to_string()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_and_controls() {
        assert_eq!(safe_name("../../etc/passwd"), "....etcpasswd");
        assert_eq!(safe_name("a\u{0}b\\c.png"), "abc.png");
        assert_eq!(safe_name(" "), "file");
        assert_eq!(safe_name(&"长".repeat(300)).chars().count(), 120);
    }

    #[test]
    fn kinds_are_decided_by_content() {
        let png = Upload { file_name: "p.png".into(), bytes: b"\x89PNG\r\n\x1a\nrest".to_vec() };
        let pdf = Upload { file_name: "p.png".into(), bytes: b"%PDF-1.7 ...".to_vec() };
        assert_eq!(check(&png, 100, Accept::Images).unwrap(), "image/png");
        assert_eq!(check(&pdf, 100, Accept::Evidence).unwrap(), "application/pdf");
        assert!(matches!(check(&pdf, 100, Accept::Images), Err(AppError::UnsupportedType(_))));
        assert!(matches!(check(&png, 10, Accept::Images), Err(AppError::TooLarge(_))));
    }
}
