//! Responses and request details the features share: files and downloads under their own
//! (often Chinese) names, the address phones should use, a request's content type.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::auth::Caller;

/// A request's or response's content type, empty when there is none.
pub(crate) fn content_type(headers: &axum::http::HeaderMap) -> &str {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The address phones and shared links should use: this server as the browser reached it.
pub(crate) fn base_url(headers: &axum::http::HeaderMap, caller: &Caller) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    format!("{}://{host}", if caller.secure { "https" } else { "http" })
}

/// A generated file as a download under its own (possibly Chinese) name.
pub(crate) fn download(content_type: &str, file_name: &str, bytes: Vec<u8>) -> Response {
    file_response("attachment", content_type.to_string(), file_name, bytes)
}

/// A file under its own name, `inline` (shown) or `attachment` (saved), the name encoded per
/// RFC 5987 so Chinese names survive.
fn file_response(disposition: &str, content_type: String, file_name: &str, bytes: Vec<u8>) -> Response {
    let name = url::form_urlencoded::byte_serialize(file_name.as_bytes()).collect::<String>();
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, format!("{disposition}; filename*=UTF-8''{name}")),
        ],
        bytes,
    )
        .into_response()
}

/// A workbook as a download named `name.xlsx`.
pub(crate) fn xlsx_download(name: &str, bytes: Vec<u8>) -> Response {
    download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{name}.xlsx"),
        bytes,
    )
}

/// A stored or generated file shown in the browser under its own (possibly Chinese) name.
pub(crate) fn inline_file(content_type: String, file_name: &str, bytes: Vec<u8>) -> Response {
    file_response("inline", content_type, file_name, bytes)
}

/// A file someone uploaded. Pictures are shown; anything else (a PDF, which may carry scripts or
/// actions) is saved rather than opened inside our origin.
pub(crate) fn uploaded_file(content_type: String, file_name: &str, bytes: Vec<u8>) -> Response {
    let disposition = if content_type.starts_with("image/") { "inline" } else { "attachment" };
    let mut resp = file_response(disposition, content_type, file_name, bytes);
    resp.headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    resp
}
