//! Text that is not text never gets in: every form and JSON body and every query string has
//! its control and bidi-override characters removed here, before any handler reads it, so a NUL
//! or a right-to-left override cannot reach a page, a highlight, a wall or a spreadsheet. The
//! text fields of multipart uploads are cleaned the same way where they are read (`form`).
//! JSON numbers that are whole (`18833.0`) become integers on the way: JSON Schema counts them
//! as integers, serde's `i64` does not, and a client must not be refused for writing `1.0`.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::domain::text::strip_not_text;
use crate::error::AppError;
use crate::i18n::Msg;

pub async fn clean(req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    if let Some(cleaned) =
        parts.uri.query().filter(|q| q.contains('%')).and_then(|q| clean_urlencoded(q.as_bytes()))
    {
        let mut uri = parts.uri.clone().into_parts();
        uri.path_and_query = format!("{}?{cleaned}", parts.uri.path()).parse().ok();
        if let Ok(u) = Uri::from_parts(uri) {
            parts.uri = u;
        }
    }
    let ct = super::respond::content_type(&parts.headers);
    let kind = if ct.starts_with("application/x-www-form-urlencoded") {
        Kind::Form
    } else if ct.starts_with("application/json") {
        Kind::Json
    } else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    // The body was limited by the authentication layer; reading it whole here is bounded.
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return AppError::TooLarge(Msg::new("err.request_too_large")).into_response();
    };
    let cleaned = match kind {
        Kind::Form => clean_urlencoded(&bytes).map_or(bytes, |c| c.into_bytes().into()),
        Kind::Json => clean_json(bytes),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    next.run(Request::from_parts(parts, Body::from(cleaned))).await
}

enum Kind {
    Form,
    Json,
}

/// A urlencoded list with every name and value cleaned, re-encoded; `None` when nothing in it
/// needed cleaning (it is then passed on untouched).
fn clean_urlencoded(raw: &[u8]) -> Option<String> {
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(raw).map(|(k, v)| (k.into(), v.into())).collect();
    if !pairs.iter().any(|(k, v)| k.chars().chain(v.chars()).any(crate::domain::text::is_not_text)) {
        return None;
    }
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        out.append_pair(&strip_not_text(k), &strip_not_text(v));
    }
    Some(out.finish())
}

/// A JSON body with every string cleaned and every whole number an integer. Malformed JSON is passed on as it came, for the
/// handler's extractor to refuse with its own message.
fn clean_json(bytes: axum::body::Bytes) -> axum::body::Bytes {
    // Control characters can only be inside JSON strings as escapes; overrides also raw. A
    // digit before `.`, `e` or `E` may be a number written with a fraction or an exponent.
    let suspicious = bytes
        .windows(2)
        .any(|w| w == b"\\u" || (w[0].is_ascii_digit() && matches!(w[1], b'.' | b'e' | b'E')))
        || std::str::from_utf8(&bytes).is_ok_and(|s| s.chars().any(crate::domain::text::is_not_text));
    if !suspicious {
        return bytes;
    }
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return bytes;
    };
    if !clean_value(&mut value) {
        return bytes;
    }
    serde_json::to_vec(&value).map(Into::into).unwrap_or(bytes)
}

/// Cleans `v` in place; whether anything changed (an unchanged body is passed on as it came).
fn clean_value(v: &mut serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => match strip_not_text(s) {
            std::borrow::Cow::Owned(c) => {
                *s = c;
                true
            }
            std::borrow::Cow::Borrowed(_) => false,
        },
        serde_json::Value::Number(n) => match n.as_f64().filter(|_| n.is_f64()).and_then(whole_number) {
            Some(whole) => {
                *v = whole.into();
                true
            }
            None => false,
        },
        serde_json::Value::Array(items) => {
            items.iter_mut().fold(false, |changed, item| clean_value(item) | changed)
        }
        serde_json::Value::Object(map) => {
            map.values_mut().fold(false, |changed, item| clean_value(item) | changed)
        }
        _ => false,
    }
}

/// `f` as an integer when it is one that `i64` holds.
fn whole_number(f: f64) -> Option<i64> {
    (f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64).then_some(f as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_json_lose_controls_and_overrides() {
        assert_eq!(
            clean_urlencoded("name=%E5%BC%A0%00%E4%B8%89%E2%80%AE&x=1".as_bytes()).as_deref(),
            Some("name=%E5%BC%A0%E4%B8%89&x=1")
        );
        assert_eq!(clean_urlencoded(b"a=b+c"), None, "nothing to clean: passed on as it came");
        let out = clean_json(r#"{"t":"诗\u0000\u202e题","n":[1,"\u0007"]}"#.as_bytes().to_vec().into());
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&out).unwrap(),
            serde_json::json!({"t": "诗题", "n": [1, ""]})
        );
        let keep = "{\"t\":\"第一行\\n第二行\"}";
        let out = clean_json(keep.as_bytes().to_vec().into());
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&out).unwrap()["t"], "第一行\n第二行");
    }

    #[test]
    fn whole_numbers_become_integers_and_the_rest_stay() {
        let out = clean_json(
            r#"{"id":18833.0,"ids":[-4.0,2e3],"score":1.5,"huge":1e300,"n":7}"#.as_bytes().to_vec().into(),
        );
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["id"].as_i64(), Some(18833));
        assert_eq!(v["ids"], serde_json::json!([-4, 2000]));
        assert_eq!(v["score"].as_f64(), Some(1.5));
        assert!(v["huge"].is_f64(), "beyond i64 a number is left as it came");
        assert_eq!(v["n"], 7);
    }
}
