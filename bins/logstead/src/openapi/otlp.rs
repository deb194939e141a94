//! The OTLP/JSON `ExportLogsServiceRequest` that `/i/v1/logs` and `/v1/logs` take. The
//! server decodes it with opentelemetry-proto's types (`logs_ingest::decode`), which have no
//! schema of their own, so it is written out here as that decoder reads it: every field
//! optional, `null` meaning absent, 64-bit integers as numbers or decimal strings, unknown
//! fields ignored. Protobuf (sniffed, whatever the content type) and gzip work too.

use serde_json::{Value, json};

const INGEST_PATHS: [&str; 2] = ["/i/v1/logs", "/v1/logs"];

fn nullable(schema: Value) -> Value {
    json!({"anyOf": [schema, {"type": "null"}]})
}

/// A list whose `null` items are default (empty) messages; a key-value needs its key, so
/// those lists take no `null`.
fn list_of(name: &str) -> Value {
    let item = json!({"$ref": format!("#/components/schemas/{name}")});
    let item = if name == "OtlpKeyValue" { item } else { nullable(item) };
    nullable(json!({"type": "array", "items": item}))
}

/// A u64 (`timeUnixNano`): a number or a decimal string.
fn uint64() -> Value {
    nullable(json!({"anyOf": [
        {"type": "integer", "minimum": 0, "maximum": u64::MAX},
        {"type": "string", "pattern": "^[0-9]{1,19}$"},
    ]}))
}

fn uint32() -> Value {
    json!({"type": ["integer", "null"], "minimum": 0, "maximum": u32::MAX})
}

const ANY_VALUE_KEYS: [&str; 7] =
    ["stringValue", "boolValue", "intValue", "doubleValue", "bytesValue", "arrayValue", "kvlistValue"];

/// At most one key set (a `null` one is absent): `null` itself, or exactly one of "key k is
/// set" and "no key is set".
fn one_value() -> Value {
    let set: Vec<Value> = ANY_VALUE_KEYS
        .iter()
        .map(|k| json!({"type": "object", "required": [k], "properties": {*k: {"not": {"type": "null"}}}}))
        .collect();
    let mut branches = set.clone();
    branches.push(json!({"type": "object", "not": {"anyOf": set}}));
    branches.push(json!({"type": "null"}));
    Value::Array(branches)
}

fn schemas() -> Vec<(&'static str, Value)> {
    vec![
        (
            "OtlpExportLogsServiceRequest",
            json!({
                "type": "object",
                "description": "OTLP/JSON ExportLogsServiceRequest (also accepted as protobuf, gzip or JSON lines).",
                "properties": {"resourceLogs": list_of("OtlpResourceLogs")},
            }),
        ),
        (
            "OtlpResourceLogs",
            json!({"type": "object", "properties": {
                "resource": nullable(json!({"type": "object", "properties": {
                    "attributes": list_of("OtlpKeyValue"),
                    "droppedAttributesCount": uint32(),
                }})),
                "scopeLogs": list_of("OtlpScopeLogs"),
                "schemaUrl": {"type": ["string", "null"]},
            }}),
        ),
        (
            "OtlpScopeLogs",
            json!({"type": "object", "properties": {
                "scope": nullable(json!({"type": "object", "properties": {
                    "name": {"type": ["string", "null"]},
                    "version": {"type": ["string", "null"]},
                    "attributes": list_of("OtlpKeyValue"),
                    "droppedAttributesCount": uint32(),
                }})),
                "logRecords": list_of("OtlpLogRecord"),
                "schemaUrl": {"type": ["string", "null"]},
            }}),
        ),
        (
            "OtlpLogRecord",
            json!({"type": "object", "properties": {
                "timeUnixNano": uint64(),
                "observedTimeUnixNano": uint64(),
                "severityNumber": {"description": "0..24, or its name (`SEVERITY_NUMBER_INFO`); anything else is 0.",
                    "type": ["integer", "string", "null"], "minimum": i32::MIN, "maximum": i32::MAX},
                "severityText": {"type": ["string", "null"]},
                "body": {"$ref": "#/components/schemas/OtlpAnyValue"},
                "attributes": list_of("OtlpKeyValue"),
                "droppedAttributesCount": uint32(),
                "flags": uint32(),
                "traceId": {"description": "32 hex digits (base64 is read too; anything else is no id)."},
                "spanId": {"description": "16 hex digits (base64 is read too; anything else is no id)."},
                "eventName": {"type": ["string", "null"]},
            }}),
        ),
        (
            "OtlpKeyValue",
            json!({"type": "object", "required": ["key"], "properties": {
                "key": {"type": "string"},
                "value": {"$ref": "#/components/schemas/OtlpAnyValue"},
            }}),
        ),
        (
            "OtlpAnyValue",
            json!({
                "description": "One of the keys (an empty object is no value; unknown keys are ignored).",
                "type": ["object", "null"],
                "oneOf": one_value(),
                "properties": {
                    "stringValue": {"type": ["string", "null"]},
                    "boolValue": {"type": ["boolean", "null"]},
                    "intValue": nullable(json!({"anyOf": [
                        {"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX},
                        {"type": "string", "pattern": "^-?[0-9]{1,18}$"},
                    ]})),
                    "doubleValue": {"type": ["number", "null"]},
                    "bytesValue": {"type": ["string", "null"],
                        "pattern": "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"},
                    "arrayValue": nullable(json!({"type": "object", "properties": {"values": list_of("OtlpAnyValue")}})),
                    "kvlistValue": nullable(json!({"type": "object", "properties": {"values": list_of("OtlpKeyValue")}})),
                },
            }),
        ),
    ]
}

/// Adds the schemas and points the two ingest operations' bodies at them; an empty body is
/// an empty request.
pub(super) fn apply(doc: &mut Value) {
    for (name, schema) in schemas() {
        doc["components"]["schemas"][name] = schema;
    }
    for path in INGEST_PATHS {
        if let Some(op) = doc.pointer_mut(&format!("/paths/{}/post", path.replace('/', "~1"))) {
            op["requestBody"] = json!({
                "description": "OTLP/JSON logs; protobuf and gzip are detected from the bytes.",
                "required": false,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OtlpExportLogsServiceRequest"}}},
            });
        }
    }
}
