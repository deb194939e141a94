//! Request parsing that fails with the same error body as everything else.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use orgs::service::{OrgRef, ProjectRef};
use orgs::{OrgId, ProjectId};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;
use crate::state::AppState;

/// A request body type: says which read-only fields clients may send back and we ignore
/// (PostHog ignores them too); any other unknown field is a 400.
pub trait RequestBody: DeserializeOwned {
    const READ_ONLY: &'static [&'static str] = &[];
}

/// A free-form JSON object (e.g. `{"query": {...}}`), validated by the domain.
impl RequestBody for serde_json::Value {}

/// A JSON (or flat form-encoded) body, size-limited, with field-level errors.
pub struct Body<T>(pub T);

impl<T: RequestBody + 'static> FromRequest for Body<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<web::Data<AppState>>().map_or(1 << 20, |s| s.settings.max_body_bytes);
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json")
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let mut payload = payload.take();
        Box::pin(async move {
            let mut bytes = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| ApiError::Parse(format!("Could not read the body: {e}")))?;
                if bytes.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge(limit));
                }
                bytes.extend_from_slice(&chunk);
            }
            let value = match content_type.as_str() {
                "application/json" | "" => parse_json(&bytes)?,
                "application/x-www-form-urlencoded" => form_to_json(&bytes),
                other => return Err(ApiError::UnsupportedMediaType(other.to_string())),
            };
            typed::<T>(value).map(Body)
        })
    }
}

fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::Parse(format!("JSON parse error - {e}")))
}

/// Form bodies (what `curl -d a=b` sends) become a flat JSON object of strings; typed
/// parsing then converts numbers and booleans.
fn form_to_json(bytes: &[u8]) -> Value {
    let map = url::form_urlencoded::parse(bytes)
        .map(|(k, v)| {
            let v = serde_json::from_str::<Value>(&v).unwrap_or(Value::String(v.into_owned()));
            (k.into_owned(), v)
        })
        .collect();
    Value::Object(map)
}

fn typed<T: RequestBody>(mut value: Value) -> Result<T, ApiError> {
    let Value::Object(map) = &mut value else {
        return Err(ApiError::Invalid {
            attr: None,
            code: "invalid_input",
            detail: "Invalid data. Expected a dictionary.".into(),
        });
    };
    for field in T::READ_ONLY {
        map.remove(*field);
    }
    logs_query::serde_wording::integral_floats(&mut value);
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        field_error(&path, &inner)
    })
}

/// serde's messages -> DRF-style codes and `attr` (nested keys joined with `__`).
fn field_error(path: &str, message: &str) -> ApiError {
    let attr_of = |p: &str| p.replace(['.', '['], "__").replace(']', "").trim_matches('_').replace('?', "");
    let join = |base: &str, field: &str| match attr_of(base) {
        b if b.is_empty() => field.to_string(),
        b => format!("{b}__{field}"),
    };
    let quoted = message.split('`').nth(1).unwrap_or_default();
    if message.starts_with("missing field") {
        // The path names the object the field is missing from.
        return ApiError::invalid(&join(path, quoted), "required", "This field is required.");
    }
    if message.starts_with("unknown field") {
        // The path already ends with the unknown field.
        let attr = match attr_of(path) {
            a if a.is_empty() => quoted.to_string(),
            a => a,
        };
        return ApiError::invalid(&attr, "unknown_field", format!("Unknown field: {quoted}."));
    }
    let attr = attr_of(path);
    // DRF's wording (`A valid integer is required.`), not serde's.
    let detail = logs_query::serde_wording::drf_message(message)
        .unwrap_or_else(|| message.split(" at line").next().unwrap_or(message).to_string());
    let code = if message.starts_with("invalid type: null") { "null" } else { "invalid_input" };
    ApiError::Invalid { attr: (!attr.is_empty()).then_some(attr), code, detail }
}

/// `@current` or a UUID.
pub fn org_ref(raw: &str) -> Result<OrgRef, ApiError> {
    if raw == "@current" {
        return Ok(OrgRef::Current);
    }
    uuid::Uuid::parse_str(raw).map(|u| OrgRef::Id(OrgId(u))).map_err(|_| orgs::OrgsError::NotFound.into())
}

/// `@current` or an integer; anything else is "Project not found." (PostHog's answer).
pub fn project_ref(raw: &str) -> Result<ProjectRef, ApiError> {
    if raw == "@current" {
        return Ok(ProjectRef::Current);
    }
    raw.parse::<i64>()
        .map(|id| ProjectRef::Id(ProjectId(id)))
        .map_err(|_| orgs::OrgsError::ProjectNotFound.into())
}

/// Accepts `null` as a value distinct from "absent" for nullable fields.
pub fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    serde::Deserialize::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        n: i64,
    }
    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        items: Option<Vec<Inner>>,
    }
    impl RequestBody for Outer {
        const READ_ONLY: &'static [&'static str] = &["id"];
    }

    fn err(v: Value) -> (Option<String>, &'static str) {
        match typed::<Outer>(v) {
            Err(ApiError::Invalid { attr, code, .. }) => (attr, code),
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn field_errors_name_the_field() {
        use serde_json::json;
        assert_eq!(err(json!({})), (Some("name".into()), "required"));
        assert_eq!(err(json!({"name": 1})), (Some("name".into()), "invalid_input"));
        assert_eq!(err(json!({"name": null})), (Some("name".into()), "null"));
        assert_eq!(err(json!({"name": "x", "bogus": 1})), (Some("bogus".into()), "unknown_field"));
        assert_eq!(
            err(json!({"name": "x", "items": [{"n": "a"}]})),
            (Some("items__0__n".into()), "invalid_input")
        );
        assert!(typed::<Outer>(json!({"name": "x", "id": 5})).is_ok(), "read-only fields are ignored");
        let detail = |v| match typed::<Outer>(v) {
            Err(ApiError::Invalid { detail, .. }) => detail,
            other => panic!("expected a field error, got {other:?}"),
        };
        assert_eq!(detail(json!({"name": 5})), "Not a valid string.");
        assert_eq!(detail(json!({"name": "x", "items": [{"n": "a"}]})), "A valid integer is required.");
        assert_eq!(
            detail(json!({"name": "x", "items": "a"})),
            "Expected a list of items but got type \"str\"."
        );
        let whole = typed::<Outer>(json!({"name": "x", "items": [{"n": 5.0}]}));
        assert!(matches!(whole, Ok(Outer { items: Some(ref i), .. }) if i[0].n == 5), "{whole:?}");
        assert!(typed::<Outer>(json!({"name": "x", "items": [{"n": 5.5}]})).is_err());
        assert!(matches!(typed::<Outer>(json!([1])), Err(ApiError::Invalid { attr: None, .. })));
    }

    #[test]
    fn refs() {
        assert!(matches!(project_ref("@current"), Ok(ProjectRef::Current)));
        assert!(matches!(project_ref("12"), Ok(ProjectRef::Id(ProjectId(12)))));
        assert!(project_ref("abc").is_err());
        assert!(org_ref("nope").is_err());
    }
}
