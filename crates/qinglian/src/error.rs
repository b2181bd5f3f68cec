//! `AppError`: the one error type of the services. Use
//! - `Unauthorized` when nobody is signed in or the session has ended,
//! - `Forbidden` when the signed-in user's role or unit scope does not cover the thing,
//! - `NotFound` when it does not exist (or is out of scope and its existence must not leak),
//! - `Invalid` for input that fails validation, one message per field,
//! - `Conflict` when the request is valid but the current state forbids it,
//! - `Internal` for everything the user cannot fix (logged, shown as a polite apology).
//!
//! As an API response it is `{"error": {"code", "message", "fields"}}` in the request's language.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::i18n::{self, Msg};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("unauthorized")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error("conflict: {0:?}")]
    Conflict(Msg),
    #[error("the initial password must be changed first")]
    PasswordChangeRequired,
    /// A privileged action, and the password was last given too long ago.
    #[error("the password must be given again")]
    ReauthRequired,
    /// The account must enrol a second factor before anything else.
    #[error("a second factor must be enrolled first")]
    SecondFactorRequired,
    #[error("csrf token missing or wrong")]
    Csrf,
    #[error("too many requests")]
    TooMany(Msg),
    #[error("payload too large")]
    TooLarge(Msg),
    #[error("unsupported media type")]
    UnsupportedType(Msg),
    /// A request the server cannot parse at all (malformed JSON, a path that is not a number).
    #[error("bad request")]
    BadRequest(Msg),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("internal error: {0}")]
    Internal(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub msg: Msg,
}

impl FieldError {
    /// "地点：此项为必填项。" — the field's label (when the catalogue has one) before the message.
    pub fn render(&self, lang: i18n::Lang) -> String {
        let key = format!("field.{}", self.field);
        let msg = self.msg.render(lang);
        if !i18n::has_key(&key) {
            return msg;
        }
        match lang {
            i18n::Lang::Zh => format!("{}：{msg}", i18n::tr(lang, &key)),
            i18n::Lang::En => format!("{}: {msg}", i18n::tr(lang, &key)),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn invalid(field: impl Into<String>, msg: Msg) -> AppError {
        AppError::Invalid(vec![FieldError { field: field.into(), msg }])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden
            | AppError::Csrf
            | AppError::PasswordChangeRequired
            | AppError::ReauthRequired
            | AppError::SecondFactorRequired => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Invalid(_) => "validation",
            AppError::Conflict(_) => "conflict",
            AppError::Csrf => "csrf",
            AppError::PasswordChangeRequired => "password_change_required",
            AppError::ReauthRequired => "reauth_required",
            AppError::SecondFactorRequired => "second_factor_enrollment_required",
            AppError::TooMany(_) => "too_many_requests",
            AppError::TooLarge(_) => "payload_too_large",
            AppError::UnsupportedType(_) => "unsupported_type",
            AppError::BadRequest(_) => "bad_request",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::Internal(_) => "internal",
        }
    }

    /// The headline message, rendered in `lang`.
    pub fn message(&self, lang: i18n::Lang) -> String {
        let key = match self {
            AppError::Unauthorized => "err.unauthorized",
            AppError::Forbidden => "err.forbidden",
            AppError::NotFound => "err.not_found",
            AppError::Invalid(fields) if fields.len() == 1 => return fields[0].render(lang),
            AppError::Invalid(_) => "err.invalid",
            AppError::Conflict(m)
            | AppError::TooMany(m)
            | AppError::TooLarge(m)
            | AppError::UnsupportedType(m)
            | AppError::BadRequest(m) => return m.render(lang),
            AppError::MethodNotAllowed => "err.method",
            AppError::Csrf => "err.csrf",
            AppError::PasswordChangeRequired => "err.must_change_password",
            AppError::ReauthRequired => "err.reauth",
            AppError::SecondFactorRequired => "err.must_enrol_second_factor",
            AppError::Internal(_) => "err.internal",
        };
        i18n::tr(lang, key).to_string()
    }

    pub fn fields(&self) -> &[FieldError] {
        match self {
            AppError::Invalid(f) => f,
            _ => &[],
        }
    }
}

/// A write refused by a unique constraint, said of the field it concerns: the check made before
/// the write gives this message, and so does the constraint when two writes race past the check.
pub fn unique_as(e: sqlx::Error, field: &'static str, msg: Msg) -> AppError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => AppError::invalid(field, msg),
        _ => e.into(),
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return AppError::Conflict(Msg::new("err.duplicate"));
            }
            if db.is_foreign_key_violation() {
                return AppError::Conflict(Msg::new("err.in_use"));
            }
        }
        AppError::Internal(e.to_string())
    }
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let lang = i18n::current();
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let fields: serde_json::Map<String, serde_json::Value> =
            self.fields().iter().map(|f| (f.field.clone(), json!(f.render(lang)))).collect();
        let body = json!({"error": {
            "code": self.code(),
            "message": self.message(lang),
            "fields": fields,
        }});
        (self.status(), Json(body)).into_response()
    }
}
