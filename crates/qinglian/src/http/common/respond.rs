//! Responses and request details the features share: files and downloads under their own
//! (often Chinese) names, the address phones should use, a request's content type.

use axum::body::Body;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::auth::Caller;
use crate::storage::Stored;

/// A request's or response's content type, empty when there is none.
pub(crate) fn content_type(headers: &axum::http::HeaderMap) -> &str {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// The address phones and shared links should use: this server as the browser reached it.
pub(crate) fn base_url(headers: &axum::http::HeaderMap, caller: &Caller) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    format!("{}://{host}", if caller.secure { "https" } else { "http" })
}

/// What a link pasted into a chat shows (Open Graph and WeChat's own tags): a title, a line and
/// a picture, all with absolute addresses.
pub(crate) struct Share {
    pub title: String,
    pub description: String,
    pub url: String,
    pub image: String,
}

impl Share {
    pub(crate) fn new(
        headers: &axum::http::HeaderMap,
        caller: &Caller,
        path: &str,
        title: &str,
        line: &str,
    ) -> Share {
        let base = base_url(headers, caller);
        Share {
            title: title.to_string(),
            description: line.chars().take(120).collect(),
            url: format!("{base}{path}"),
            image: format!("{base}/portal/share.png"),
        }
    }
}

/// A file's content in a response: bytes made for this request, or a stored file streamed from
/// the store chunk by chunk (with its length, so a cut-off download is seen as one).
pub(crate) struct FileBody {
    body: Body,
    len: u64,
}

impl From<Vec<u8>> for FileBody {
    fn from(bytes: Vec<u8>) -> FileBody {
        FileBody { len: bytes.len() as u64, body: Body::from(bytes) }
    }
}

impl From<Stored> for FileBody {
    fn from(s: Stored) -> FileBody {
        FileBody { len: s.size, body: Body::from_stream(s.chunks) }
    }
}

/// A generated file as a download under its own (possibly Chinese) name.
pub(crate) fn download(content_type: &str, file_name: &str, file: impl Into<FileBody>) -> Response {
    file_response("attachment", content_type.to_string(), file_name, file.into())
}

/// A file under its own name, `inline` (shown) or `attachment` (saved), the name encoded per
/// RFC 5987 so Chinese names survive.
fn file_response(disposition: &str, content_type: String, file_name: &str, file: FileBody) -> Response {
    let name = url::form_urlencoded::byte_serialize(file_name.as_bytes()).collect::<String>();
    let mut resp = (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, format!("{disposition}; filename*=UTF-8''{name}")),
        ],
        file.body,
    )
        .into_response();
    resp.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(file.len));
    resp
}

/// A workbook as a download named `name.xlsx`.
pub(crate) fn xlsx_download(name: &str, file: impl Into<FileBody>) -> Response {
    download(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{name}.xlsx"),
        file,
    )
}

/// A stored or generated file shown in the browser under its own (possibly Chinese) name.
pub(crate) fn inline_file(content_type: String, file_name: &str, file: impl Into<FileBody>) -> Response {
    file_response("inline", content_type, file_name, file.into())
}

/// A file someone uploaded. Pictures are shown; anything else (a PDF, which may carry scripts or
/// actions) is saved rather than opened inside our origin.
pub(crate) fn uploaded_file(content_type: String, file_name: &str, file: Stored) -> Response {
    let disposition = if content_type.starts_with("image/") { "inline" } else { "attachment" };
    let mut resp = file_response(disposition, content_type, file_name, file.into());
    resp.headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    resp
}
