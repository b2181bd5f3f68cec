//! What every feature's pages and JSON routes share: who is calling (`auth`), reading forms and
//! uploads (`form`), the text cleaning every body goes through (`text_input`), the page layout and
//! error page (`page`), files and downloads (`respond`) and the API's error shape (`api`).
//! Features import from here only, never from each other.

pub(crate) mod auth;
pub(crate) mod form;
pub(crate) mod text_input;

mod api;
pub(crate) mod page;
mod respond;

pub(crate) use api::{ClerkCheckin, Created, ErrorBody, ErrorDetail, Reason, SpreadsheetUpload};
pub(crate) use auth::{cookie, set_cookie, with_cookies, ApiActor, Caller, PageActor, SESSION_COOKIE};
pub(crate) use form::{read_multipart, Fields};
/// The unit picker with nothing ticked.
pub(crate) const NONE_CHECKED: &[i64] = &[];
pub use page::time_of;
pub(crate) use page::{
    anonymous_page, check_page, render, see_other, CodeQuery, Ctx, Notice, PageError, PageResult, Pairs,
};
pub(crate) use respond::{
    base_url, content_type, download, inline_file, uploaded_file, xlsx_download, Share,
};
