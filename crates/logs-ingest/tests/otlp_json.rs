//! OTLP/JSON and JSON lines bodies as real senders write them.

use logs_ingest::{IngestError, Severity, decode, to_records};

const NOW_US: i64 = 1_700_000_000_000_000; // 2023-11-14T22:13:20Z
const CAP: usize = 1 << 20;

/// Shaped like the OTel Python SDK's OTLP/JSON (and the collector's): camelCase, int64 as
/// strings, hex ids, enum as a number, every AnyValue kind, pretty-printed.
const PYTHON_SDK_JSON: &str = r#"{
  "resourceLogs": [
    {
      "resource": {
        "attributes": [
          {"key": "telemetry.sdk.language", "value": {"stringValue": "python"}},
          {"key": "telemetry.sdk.name", "value": {"stringValue": "opentelemetry"}},
          {"key": "telemetry.sdk.version", "value": {"stringValue": "1.27.0"}},
          {"key": "service.name", "value": {"stringValue": "billing-worker"}},
          {"key": "process.pid", "value": {"intValue": "31337"}}
        ],
        "droppedAttributesCount": 0
      },
      "scopeLogs": [
        {
          "scope": {"name": "billing.tasks", "version": "0.3.1"},
          "logRecords": [
            {
              "timeUnixNano": "1699999999500000000",
              "observedTimeUnixNano": "1699999999500100000",
              "severityNumber": 13,
              "severityText": "WARN",
              "body": {"stringValue": "Invoice 991 retried"},
              "attributes": [
                {"key": "code.filepath", "value": {"stringValue": "/app/tasks.py"}},
                {"key": "code.lineno", "value": {"intValue": "88"}},
                {"key": "retry", "value": {"intValue": 3}},
                {"key": "dry_run", "value": {"boolValue": false}},
                {"key": "amount", "value": {"doubleValue": 12.75}},
                {"key": "tags", "value": {"arrayValue": {"values": [{"stringValue": "eu"}, {"intValue": "7"}]}}},
                {"key": "customer", "value": {"kvlistValue": {"values": [
                  {"key": "tier", "value": {"stringValue": "gold"}},
                  {"key": "id", "value": {"intValue": "5"}}
                ]}}},
                {"key": "blob", "value": {"bytesValue": "AAEC"}},
                {"key": "nothing", "value": {}}
              ],
              "droppedAttributesCount": 0,
              "flags": 1,
              "traceId": "5b8efff798038103d269b633813fc60c",
              "spanId": "eee19b7ec3c1b174"
            },
            {
              "timeUnixNano": "0",
              "severityNumber": 0,
              "severityText": "",
              "body": {"stringValue": "{\"level\": \"ERROR\", \"event\": \"db down\"}"},
              "attributes": [],
              "flags": 0,
              "traceId": "",
              "spanId": ""
            }
          ]
        }
      ]
    }
  ]
}"#;

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[test]
fn python_sdk_json() {
    let req = decode(PYTHON_SDK_JSON.as_bytes(), CAP).unwrap();
    let records = to_records(&req, 3, NOW_US);
    assert_eq!(records.len(), 2);

    let r = &records[0];
    assert_eq!(r.team_id, 3);
    assert_eq!(r.timestamp_us, 1_699_999_999_500_000);
    assert_eq!(r.observed_timestamp_us, NOW_US, "client's observed time is ignored");
    assert_eq!(r.body, "Invoice 991 retried");
    assert_eq!((r.severity, r.severity_number), (Severity::Warn, 13));
    assert_eq!(r.service_name, "billing-worker");
    assert_eq!(
        pairs(&r.resource_attributes),
        [
            ("process.pid", "31337"),
            ("service.name", "billing-worker"),
            ("telemetry.sdk.language", "python"),
            ("telemetry.sdk.name", "opentelemetry"),
            ("telemetry.sdk.version", "1.27.0"),
        ]
    );
    assert_eq!(
        pairs(&r.attributes),
        [
            ("amount", "12.75"),
            ("blob", "AAEC"),
            ("code.filepath", "/app/tasks.py"),
            ("code.lineno", "88"),
            ("customer", r#"{"id":5,"tier":"gold"}"#),
            ("dry_run", "false"),
            ("nothing", ""),
            ("retry", "3"),
            ("tags", r#"["eu",7]"#),
        ]
    );
    assert_eq!(
        r.trace_id,
        [0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03, 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c]
    );
    assert_eq!(r.span_id, [0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74]);
    assert_eq!(r.trace_flags, 1);
    assert_eq!(r.instrumentation_scope, "billing.tasks@0.3.1");
    assert_eq!(r.event_name, "");

    let r = &records[1];
    assert_eq!(r.timestamp_us, NOW_US, "\"0\" → now");
    assert_eq!(r.body, r#"{"level": "ERROR", "event": "db down"}"#, "string body verbatim");
    assert_eq!((r.severity, r.severity_number), (Severity::Error, 17), "level from the body");
    assert_eq!((r.trace_id, r.span_id), ([0; 16], [0; 8]));
    assert_eq!(r.resource_fingerprint, records[0].resource_fingerprint);
}

#[test]
fn lenient_json_variants() {
    let body = r#"{"resource_logs": [{"scope_logs": [{"log_records": [{
        "time_unix_nano": 1699999999000000000,
        "severityNumber": "SEVERITY_NUMBER_FATAL",
        "traceId": "W47/95gDgQPSabYzgT/GDA==",
        "spanId": null,
        "body": {"kvlistValue": {}},
        "attributes": [{"key": "list", "value": {"arrayValue": {}}}]
    }]}]}]}"#;
    let records = to_records(&decode(body.as_bytes(), CAP).unwrap(), 1, NOW_US);
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r.timestamp_us, 1_699_999_999_000_000, "snake_case and a numeric int64");
    assert_eq!((r.severity, r.severity_number), (Severity::Fatal, 21));
    assert_eq!(r.trace_id[..2], [0x5b, 0x8e], "base64 trace id accepted");
    assert_eq!(r.span_id, [0; 8]);
    assert_eq!(r.body, "{}");
    assert_eq!(r.attribute("list"), Some("[]"));
}

#[test]
fn empty_any_value_body_is_null() {
    let body = r#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{}, "severityText":"debug"}]}]}]}"#;
    let records = to_records(&decode(body.as_bytes(), CAP).unwrap(), 1, NOW_US);
    assert_eq!(records[0].body, "");
    assert_eq!((records[0].severity, records[0].severity_number), (Severity::Debug, 5));
}

#[test]
fn json_lines() {
    let line = |service: &str, msg: &str| {
        format!(
            r#"{{"resourceLogs":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"{service}"}}}}]}},"scopeLogs":[{{"logRecords":[{{"body":{{"stringValue":"{msg}"}}}}]}}]}}]}}"#
        )
    };
    let body = format!("{}\n{}\n\n{}\n", line("a", "one"), line("b", "two"), line("a", "three"));
    let req = decode(body.as_bytes(), CAP).unwrap();
    assert_eq!(req.resource_logs.len(), 3, "resourceLogs of every line merged");
    let records = to_records(&req, 1, NOW_US);
    let got: Vec<(&str, &str)> = records.iter().map(|r| (r.service_name.as_str(), r.body.as_str())).collect();
    assert_eq!(got, [("a", "one"), ("b", "two"), ("a", "three")]);
    assert_eq!(records[0].resource_fingerprint, records[2].resource_fingerprint);
    assert_ne!(records[0].resource_fingerprint, records[1].resource_fingerprint);
}

#[test]
fn garbage_reports_both_decoders() {
    let err = decode(b"\x00\x01 definitely not logs", CAP).unwrap_err();
    let IngestError::Decode(msg) = err else { panic!("expected Decode, got {err:?}") };
    assert!(msg.starts_with("Failed to decode JSON: "), "{msg}");
    let (json_part, pb_part) = msg.split_once(" or Protobuf: ").unwrap();
    assert!(json_part.len() > "Failed to decode JSON: ".len(), "{msg}");
    assert!(!pb_part.is_empty(), "{msg}");
}
