//! The fast path must agree with the general one whenever it answers.

use opentelemetry_proto::tonic::common::v1::any_value::Value;

use super::super::json::decode_general;
use super::*;

/// Asserts agreement; returns whether the fast path answered.
fn agrees(text: &str) -> bool {
    let general = decode_general(text.as_bytes());
    match decode(text.as_bytes()) {
        Some(fast) => {
            assert_eq!(Ok(fast), general, "{text}");
            true
        }
        None => false,
    }
}

fn record(fields: &str) -> String {
    format!(r#"{{"resourceLogs":[{{"scopeLogs":[{{"logRecords":[{{{fields}}}]}}]}}]}}"#)
}

fn attr(value: &str) -> String {
    record(&format!(r#""attributes":[{{"key":"k","value":{value}}}]"#))
}

const FULL: &str = r#"{"resourceLogs":[{"resource":{"attributes":[
    {"key":"service.name","value":{"stringValue":"api"}},{"key":"pid","value":{"intValue":"31337"}}],
    "droppedAttributesCount":2,"entityRefs":[]},"schemaUrl":"s",
  "scopeLogs":[{"scope":{"name":"lib","version":"1.0","attributes":[{"key":"a","value":{"boolValue":true}}]},
    "logRecords":[{"timeUnixNano":"1699999999500000000","observedTimeUnixNano":1699999999500100000,
      "severityNumber":13,"severityText":"WARN","body":{"stringValue":"Invoice \"991\" retried\n"},
      "attributes":[{"key":"i","value":{"intValue":-88}},{"key":"d","value":{"doubleValue":12.75}},
        {"key":"d2","value":{"doubleValue":3}},{"key":"b","value":{"bytesValue":"AAEC"}},
        {"key":"arr","value":{"arrayValue":{"values":[{"stringValue":"eu"},{"intValue":"7"},{}]}}},
        {"key":"kv","value":{"kvlistValue":{"values":[{"key":"tier","value":{"stringValue":"gold"}}]}}},
        {"key":"empty","value":{}},{"key":"none"},{"key":"nul","value":null},{"key":"unknown","value":{"x":1}},
        {"key":"ea","value":{"arrayValue":{}}},{"key":"ek","value":{"kvlistValue":{}}},{"key":"k\u00e9y","keyStrindex":3}],
      "droppedAttributesCount":0,"flags":1,"traceId":"5B8EFFF798038103D269B633813FC60C",
      "spanId":"eee19b7ec3c1b174","eventName":"e","somethingNew":{"a":[1,{"b":null}]}},
     {"timeUnixNano":"0","severityNumber":"SEVERITY_NUMBER_ERROR","body":{},"traceId":"","spanId":"7wAAAAAAAAA="},
     {"severityNumber":" 9 ","traceId":"not an id!","severityText":null,"body":null},
     {"severityNumber":"loud","body":{"stringValue":null}}]}]},
  {"resource":{},"scopeLogs":[{"scope":{},"logRecords":[]}, {}]}, {}]}"#;

#[test]
fn canonical_documents_take_the_fast_path() {
    assert!(agrees(FULL));
    assert!(agrees("{}"));
    assert!(agrees(r#" {"resourceLogs": []} "#));
    assert!(agrees(r#"{"resourceLogs": null, "other": 1}"#));
    assert!(agrees(&record(r#""timeUnixNano":"18446744073709551615""#)));
    assert!(agrees(&record(r#""flags":4294967295,"severityNumber":-3"#)));
    assert!(agrees(&attr(r#"{"intValue":"+5"}"#)));
    assert!(agrees(&attr(r#"{"intValue":9223372036854775807}"#)));
    assert!(agrees(&attr(r#"{"stringValue":null,"intValue":5}"#)));
    assert!(agrees(&attr(r#"{"doubleValue":-0.0}"#)));
    assert!(agrees(&attr(r#"{"boolValue":false,"ignored":[]}"#)));
    let parsed = decode(FULL.as_bytes()).unwrap();
    let records = &parsed.resource_logs[0].scope_logs[0].log_records;
    assert_eq!(records[0].attributes[0].value.as_ref().unwrap().value, Some(Value::IntValue(-88)));
    assert_eq!(records[1].span_id, vec![0xef, 0, 0, 0, 0, 0, 0, 0], "base64 id");
    assert_eq!(records[2].trace_id, Vec::<u8>::new(), "not an id");
}

#[test]
fn everything_else_goes_to_the_general_path() {
    let cases = [
        String::new(),
        "[]".into(),
        "\"x\"".into(),
        "{".into(),
        "{} x".into(),
        r#"{"resourceLogs": {"a": 1}}"#.into(),
        r#"{"resource_logs": []}"#.into(),
        r#"{"resourceLogs": [], "resourceLogs": []}"#.into(),
        r#"{"resourceLogs": [null]}"#.into(),
        r#"{"resourceLogs": [{"resource": {"entityRefs": [{"type": "t"}]}}]}"#.into(),
        record(r#""severity_text":"a""#),
        record(r#""timeUnixNano":-1"#),
        record(r#""timeUnixNano":1.5"#),
        record(r#""timeUnixNano":"x""#),
        record(r#""severityNumber":3000000000"#),
        record(r#""severityNumber":1.0"#),
        record(r#""flags":-1"#),
        record(r#""traceId":12"#),
        record(r#""body":"text""#),
        record(r#""attributes":[null]"#),
        record(r#""attributes":[{"value":{"stringValue":"x"}}]"#),
        record(r#""attributes":[{"key":null}]"#),
        attr(r#"{"intValue":1.5}"#),
        attr(r#"{"intValue":"x"}"#),
        attr(r#"{"intValue":18446744073709551615}"#),
        attr(r#"{"doubleValue":"NaN"}"#),
        attr(r#"{"bytesValue":"!!"}"#),
        attr(r#"{"stringValue":"a","intValue":1}"#),
        attr(r#"{"stringValue":"a","stringValue":"b"}"#),
        attr(r#"{"string_value":"a"}"#),
        attr(r#"{"arrayValue":{"values":[null]}}"#),
        attr(r#"{"arrayValue":{"values":null}}"#),
        attr(r#"{"arrayValue":[]}"#),
        attr(r#"{"kvlistValue":null}"#),
        attr(r#"{"stringValue":"\ud800"}"#),
    ];
    for case in &cases {
        assert!(!agrees(case), "the fast path should give up on {case}");
    }
}

#[test]
fn a_generated_batch_round_trips() {
    use opentelemetry_proto::tonic::common::v1::AnyValue;
    use opentelemetry_proto::tonic::logs::v1::ResourceLogs;
    let records: Vec<LogRecord> = (0..50u8)
        .map(|i| LogRecord {
            time_unix_nano: 1_700_000_000_000_000_000 + u64::from(i),
            severity_number: i32::from(i % 24),
            severity_text: format!("LEVEL{i}"),
            body: Some(AnyValue { value: Some(Value::StringValue(format!("message {i} \u{1F600} \"q\""))) }),
            attributes: (0..i % 7)
                .map(|j| KeyValue {
                    key: format!("k{j}"),
                    value: Some(AnyValue {
                        value: Some(match j % 4 {
                            0 => Value::IntValue(i64::from(j) - 3),
                            1 => Value::DoubleValue(f64::from(j) / 3.0),
                            2 => Value::BoolValue(j % 2 == 0),
                            _ => Value::StringValue(format!("v{j}")),
                        }),
                    }),
                    ..Default::default()
                })
                .collect(),
            trace_id: vec![i; 16],
            span_id: if i % 3 == 0 { vec![] } else { vec![i; 8] },
            flags: u32::from(i),
            ..Default::default()
        })
        .collect();
    let req = ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            scope_logs: vec![ScopeLogs { log_records: records, ..Default::default() }],
            ..Default::default()
        }],
    };
    let text = serde_json::to_string(&req).unwrap();
    assert!(agrees(&text));
    assert_eq!(decode(text.as_bytes()), Some(req));
}
