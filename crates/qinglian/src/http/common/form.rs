//! Reading submitted forms: repeated fields (`theme_ids=1&theme_ids=2`) and multipart uploads,
//! the same way for pages and the API.

use axum::extract::Multipart;

use crate::error::AppError;
use crate::i18n::Msg;
use crate::services::ledger::{EntryInput, Upload};

/// Form fields in the order sent, repeated names kept.
#[derive(Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    pub fn ids(&self, name: &str) -> Vec<i64> {
        self.0.iter().filter(|(k, _)| k == name).filter_map(|(_, v)| v.trim().parse().ok()).collect()
    }

    /// A whole number, typed perhaps with full-width digits.
    pub fn int(&self, name: &'static str, error_key: &'static str) -> Result<i64, AppError> {
        crate::domain::text::normalize(self.get(name))
            .parse()
            .map_err(|_| AppError::invalid(name, Msg::new(error_key)))
    }

    /// The fields of a ledger entry.
    pub fn entry(&self) -> Result<EntryInput, AppError> {
        Ok(EntryInput {
            entry_date: self.get("entry_date").to_string(),
            place: self.get("place").to_string(),
            participants: self.int("participants", "err.participants")?,
            summary: self.get("summary").to_string(),
            theme_ids: self.ids("theme_ids"),
        })
    }
}

/// Reads a whole multipart body: text fields, and the non-empty file parts.
pub async fn read_multipart(mut mp: Multipart) -> Result<(Fields, Vec<Upload>), AppError> {
    // The reader says which it was: a body over the limit, or one that is not multipart at all.
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge(Msg::new("err.request_too_large"))
        } else {
            AppError::BadRequest(Msg::new("err.bad_multipart"))
        }
    };
    let mut fields = Fields::default();
    let mut files = Vec::new();
    while let Some(part) = mp.next_field().await.map_err(unreadable)? {
        let name = part.name().unwrap_or("").to_string();
        match part.file_name().map(str::to_string) {
            Some(file_name) => {
                let bytes = part.bytes().await.map_err(unreadable)?;
                // A browser sends an empty part with no name for a file input left empty; a
                // named file of no bytes was chosen, and saying "choose a file" would puzzle.
                if !bytes.is_empty() {
                    files.push(Upload { file_name, bytes: bytes.to_vec() });
                } else if !file_name.is_empty() {
                    return Err(AppError::invalid(&name, Msg::new("err.file_empty").arg("name", &file_name)));
                }
            }
            // Text fields of uploads lose what is not text, as every other form does.
            None => {
                let text = part.text().await.map_err(unreadable)?;
                fields.0.push((name, crate::domain::text::strip_not_text(&text).into_owned()));
            }
        }
    }
    Ok((fields, files))
}
