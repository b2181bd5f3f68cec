//! The OpenAPI document of `/api/v1` (`/api/openapi.json`): its title, bearer scheme and error
//! shape here, each feature's paths from that feature's own list, and on every operation the
//! refusals any request can meet.

use axum::response::{IntoResponse, Response};
use axum::Json;
use utoipa::OpenApi;

use super::common::{ErrorBody, ErrorDetail};

#[derive(OpenApi)]
#[openapi(
    info(title = "Qinglian API", version = "1", description = "清廉建设平台接口。Errors are `{\"error\": {\"code\", \"message\", \"fields\"}}`; lists take `page` and `per_page` and return `total`."),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&BearerAuth),
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security =
            Some(vec![utoipa::openapi::security::SecurityRequirement::new("bearer", Vec::<String>::new())]);
    }
}

pub async fn openapi_json() -> Response {
    // The document never changes while the server runs: built once, served as it is.
    static DOC: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(openapi);
    Json(&*DOC).into_response()
}

/// The whole document, with the refusals every operation can answer (malformed or oversized
/// bodies, sign-in, scope, throttles) stated on each, all in the one error shape, and the rule
/// of required text on every text field that must not be empty.
pub fn openapi() -> serde_json::Value {
    let mut doc = ApiDoc::openapi();
    for feature in super::FEATURES {
        doc.merge((feature.doc)());
    }
    let mut doc = serde_json::to_value(doc).unwrap_or_default();
    const REFUSALS: &[(&str, &str)] = &[
        ("400", "The request is malformed (JSON syntax, a path or query value of the wrong type)."),
        ("401", "Not signed in, or the session has ended."),
        ("403", "The role or unit scope does not cover it; or a password change, a second factor or the password again (`reauth_required`) is needed first."),
        ("404", "No such record (or it is outside the caller's scope)."),
        ("405", "The path does not take this method."),
        ("409", "Valid, but the current state does not allow it."),
        ("413", "The body is larger than the limit."),
        ("415", "The body's content type is not one this operation takes."),
        ("422", "The input fails validation; `fields` says where."),
        ("429", "Too many attempts; try again later."),
    ];
    if let Some(paths) = doc["paths"].as_object_mut() {
        for operation in paths.values_mut().filter_map(|p| p.as_object_mut()).flat_map(|p| p.values_mut()) {
            let Some(responses) = operation.get_mut("responses").and_then(|r| r.as_object_mut()) else {
                continue;
            };
            for (code, description) in REFUSALS {
                responses.entry(code.to_string()).or_insert_with(|| {
                    serde_json::json!({"description": description, "content": {"application/json":
                        {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}})
                });
            }
        }
    }
    not_blank(&mut doc["components"]);
    doc
}

/// A required text field (`minLength: 1`) is trimmed and cleaned of what is not text before it
/// is checked, so the document states the rule that survives that: a visible character.
fn not_blank(schema: &mut serde_json::Value) {
    match schema {
        serde_json::Value::Object(map) => {
            if map.get("type").and_then(|t| t.as_str()) == Some("string")
                && map.get("minLength").and_then(|m| m.as_u64()) == Some(1)
            {
                map.entry("pattern").or_insert_with(|| crate::domain::text::NOT_BLANK_PATTERN.into());
            }
            map.values_mut().for_each(not_blank);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(not_blank),
        _ => {}
    }
}
