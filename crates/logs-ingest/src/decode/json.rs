//! OTLP/JSON decoding of one `ExportLogsServiceRequest`, with the normalisation described in
//! the parent module. opentelemetry-proto's serde does the rest: camelCase names, hex ids,
//! int64s as strings or numbers, unknown fields ignored.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::logs::v1::SeverityNumber;
use serde_json::{Map, Value};

/// The general path: `Value`, normalisation, opentelemetry-proto's serde.
pub(super) fn decode_general(text: &[u8]) -> Result<ExportLogsServiceRequest, String> {
    let mut value: Value = serde_json::from_slice(text).map_err(|e| e.to_string())?;
    if !value.is_object() {
        return Err("expected a JSON object (ExportLogsServiceRequest)".to_owned());
    }
    normalize(&mut value);
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// Rewrite a parsed OTLP/JSON document into the shape opentelemetry-proto's serde accepts.
/// OTLP/JSON has no free-form maps (attributes are `[{key, value}]` lists), so every object
/// key here is a schema field name and may be renamed safely.
pub(super) fn normalize(value: &mut Value) {
    match value {
        Value::Object(map) => normalize_object(map),
        Value::Array(items) => {
            for item in items {
                if item.is_null() {
                    *item = Value::Object(Map::new()); // a null message = the default one
                }
                normalize(item);
            }
        }
        // `1.0` is an integer to JSON (and to Schema); the proto types want `1`.
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1.8e19) {
                *value = Value::from(f as u64);
            } else if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && *f < 0.0 && *f >= -9.2e18) {
                *value = Value::from(f as i64);
            }
        }
        _ => {}
    }
}

fn normalize_object(map: &mut Map<String, Value>) {
    let snake: Vec<String> = map.keys().filter(|k| k.contains('_')).cloned().collect();
    for key in snake {
        let camel = to_camel_case(&key);
        if !map.contains_key(&camel)
            && let Some(v) = map.remove(&key)
        {
            map.insert(camel, v);
        }
    }
    map.retain(|key, v| !is_absent(key, v));
    for (key, v) in map.iter_mut() {
        match key.as_str() {
            "traceId" | "spanId" => normalize_id(v),
            "severityNumber" => normalize_severity_number(v),
            // proto3 JSON omits empty repeated fields, so `{}` is an empty array/kvlist; the
            // generated types have no `#[serde(default)]` for `values`.
            "arrayValue" | "kvlistValue" => {
                if let Value::Object(inner) = v {
                    inner.entry("values").or_insert_with(|| Value::Array(Vec::new()));
                }
            }
            _ => {}
        }
        normalize(v);
    }
}

/// `null` means absent (so serde's defaults apply); an empty AnyValue object means null.
fn is_absent(key: &str, v: &Value) -> bool {
    let empty_object = v.as_object().is_some_and(Map::is_empty);
    v.is_null() || (empty_object && matches!(key, "value" | "body"))
}

fn to_camel_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// OTLP/JSON ids are hex. Accept base64 (the generic proto3 JSON mapping) by re-encoding it
/// as hex; anything else becomes `""`, which maps to the zero id instead of failing the
/// whole request.
fn normalize_id(v: &mut Value) {
    let id = match v {
        Value::String(s) if s.len() % 2 == 0 && s.bytes().all(|b| b.is_ascii_hexdigit()) => return,
        Value::String(s) => BASE64.decode(s.as_bytes()).map(hex::encode).unwrap_or_default(),
        _ => String::new(),
    };
    *v = Value::String(id);
}

/// OTLP/JSON enums are integers; accept `"9"` and `"SEVERITY_NUMBER_INFO"` too. Anything
/// else unparseable becomes 0 (unspecified: the text decides).
fn normalize_severity_number(v: &mut Value) {
    if let Value::String(s) = v {
        *v = Value::from(severity_number_from_str(s));
    }
}

pub(super) fn severity_number_from_str(s: &str) -> i32 {
    let s = s.trim();
    s.parse::<i32>().ok().or_else(|| SeverityNumber::from_str_name(s).map(|n| n as i32)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn normalized(mut v: Value) -> Value {
        normalize(&mut v);
        v
    }

    #[test]
    fn camel_case() {
        assert_eq!(to_camel_case("time_unix_nano"), "timeUnixNano");
        assert_eq!(to_camel_case("resourceLogs"), "resourceLogs");
        assert_eq!(to_camel_case("_x"), "_x");
    }

    #[test]
    fn nulls_and_empty_any_values_are_dropped() {
        let v = normalized(json!({"body": {}, "traceId": null, "attributes": [{"key": "k", "value": {}}]}));
        assert_eq!(v, json!({"attributes": [{"key": "k"}]}));
        let v = normalized(json!({"values": [null]}));
        assert_eq!(v, json!({"values": [{}]}));
    }

    #[test]
    fn snake_case_names_are_renamed_unless_the_camel_one_exists() {
        let v = normalized(json!({"resource_logs": [], "severity_text": "a", "severityText": "b"}));
        assert_eq!(v, json!({"resourceLogs": [], "severity_text": "a", "severityText": "b"}));
    }

    #[test]
    fn ids_hex_base64_or_nothing() {
        let v = normalized(json!({"traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "7wAAAAAAAAA="}));
        assert_eq!(v, json!({"traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "ef00000000000000"}));
        let v = normalized(json!({"traceId": "not an id!", "spanId": 12}));
        assert_eq!(v, json!({"traceId": "", "spanId": ""}));
    }

    #[test]
    fn integral_floats_are_integers() {
        let v =
            normalized(json!({"timeUnixNano": 184711.0, "flags": 1.0, "intValue": -3.0, "doubleValue": 1.5}));
        assert_eq!(v, json!({"timeUnixNano": 184711, "flags": 1, "intValue": -3, "doubleValue": 1.5}));
    }

    #[test]
    fn severity_number_strings() {
        assert_eq!(normalized(json!({"severityNumber": "17"})), json!({"severityNumber": 17}));
        assert_eq!(
            normalized(json!({"severityNumber": "SEVERITY_NUMBER_WARN"})),
            json!({"severityNumber": 13})
        );
        assert_eq!(normalized(json!({"severityNumber": "loud"})), json!({"severityNumber": 0}));
        assert_eq!(normalized(json!({"severityNumber": 21})), json!({"severityNumber": 21}));
    }

    #[test]
    fn empty_array_and_kvlist_objects_get_values() {
        let v = normalized(json!({"value": {"arrayValue": {}}, "body": {"kvlistValue": {}}}));
        assert_eq!(
            v,
            json!({"value": {"arrayValue": {"values": []}}, "body": {"kvlistValue": {"values": []}}})
        );
    }
}
