//! What the JSON routes share: the one error shape of every refusal, the answer of a create, the
//! reason given for an act, and the body naming a person that a clerk records (signed in at the
//! desk, handed a paper copy).

use serde::{Deserialize, Serialize};

/// The error body of every failed request.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code: unauthorized, forbidden, not_found, validation, conflict, csrf, …
    pub code: String,
    /// Human message in the request's language.
    pub message: String,
    /// Per-field messages for `validation`.
    pub fields: std::collections::HashMap<String, String>,
}

/// Why it was done, kept in the audit log: a signature withdrawn, a decision set aside, a
/// rectification reopened, a person who left.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct Reason {
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

// The id of what was just created.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

// A person on the roster, named by a clerk: signed in at the desk, or handed a paper copy.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ClerkCheckin {
    pub person_id: i64,
}

/// A spreadsheet (XLSX, XLS or CSV) sent as `multipart/form-data`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // documents the body; `form::read_multipart` reads it
pub struct SpreadsheetUpload {
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}
