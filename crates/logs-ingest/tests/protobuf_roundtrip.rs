//! End to end: a full OTLP request, encoded as real protobuf (plain and gzip), through
//! `decode` and `to_records`, checking every stored field.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use logs_ingest::opentelemetry_proto::tonic::common::v1::{
    AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList, any_value::Value,
};
use logs_ingest::opentelemetry_proto::tonic::logs::v1::{LogRecord as OtlpRecord, ResourceLogs, ScopeLogs};
use logs_ingest::opentelemetry_proto::tonic::resource::v1::Resource;
use logs_ingest::{ExportLogsServiceRequest, LogRecord, Severity, decode, resource_fingerprint, to_records};
use prost::Message;

const NOW_US: i64 = 1_700_000_000_000_000;
const T0_NS: u64 = 1_699_999_990_123_456_789; // 10 s before now

fn av(v: Value) -> AnyValue {
    AnyValue { value: Some(v) }
}
fn kv(k: &str, v: Value) -> KeyValue {
    KeyValue { key: k.into(), value: Some(av(v)), ..Default::default() }
}
fn s(v: &str) -> Value {
    Value::StringValue(v.into())
}
fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn all_kinds() -> Vec<KeyValue> {
    vec![
        kv("str", s("api")),
        kv("int", Value::IntValue(-42)),
        kv("double", Value::DoubleValue(1.5)),
        kv("bool", Value::BoolValue(true)),
        kv("bytes", Value::BytesValue(vec![0xde, 0xad, 0xbe, 0xef])),
        kv(
            "array",
            Value::ArrayValue(ArrayValue {
                values: vec![av(s("a")), av(Value::IntValue(2)), av(Value::BoolValue(false))],
            }),
        ),
        kv(
            "kvlist",
            Value::KvlistValue(KeyValueList {
                values: vec![kv("y", Value::DoubleValue(0.5)), kv("x", s("1"))],
            }),
        ),
        KeyValue { key: "empty".into(), value: None, ..Default::default() },
    ]
}

fn request() -> ExportLogsServiceRequest {
    let scope = |name: &str, version: &str| {
        Some(InstrumentationScope { name: name.into(), version: version.into(), ..Default::default() })
    };
    ExportLogsServiceRequest {
        resource_logs: vec![
            ResourceLogs {
                resource: Some(Resource {
                    attributes: vec![
                        kv("service.name", s("checkout")),
                        kv("host.name", s("web-1")),
                        kv("pid", Value::IntValue(4242)),
                    ],
                    ..Default::default()
                }),
                scope_logs: vec![
                    ScopeLogs {
                        scope: scope("io.app.checkout", "2.1.0"),
                        log_records: vec![
                            OtlpRecord {
                                time_unix_nano: T0_NS,
                                observed_time_unix_nano: 5, // ignored
                                severity_number: 17,
                                severity_text: "ERROR".into(),
                                body: Some(av(s("payment failed"))),
                                attributes: all_kinds(),
                                flags: 1,
                                trace_id: (0..16).collect(),
                                span_id: (100..108).collect(),
                                event_name: "payment.failed".into(),
                                ..Default::default()
                            },
                            OtlpRecord {
                                severity_text: "warning".into(),
                                body: Some(av(Value::KvlistValue(KeyValueList {
                                    values: vec![
                                        kv("msg", s("slow")),
                                        kv("level", s("debug")),
                                        kv("ms", Value::IntValue(950)),
                                    ],
                                }))),
                                trace_id: vec![1; 8], // wrong length
                                ..Default::default()
                            },
                        ],
                        ..Default::default()
                    },
                    ScopeLogs {
                        scope: None,
                        log_records: vec![OtlpRecord {
                            time_unix_nano: 1_000_000_000, // 1970: replaced
                            body: Some(av(Value::ArrayValue(ArrayValue {
                                values: vec![av(Value::IntValue(1)), av(s("two"))],
                            }))),
                            severity_number: 99,
                            ..Default::default()
                        }],
                        ..Default::default()
                    },
                ],
                ..Default::default()
            },
            ResourceLogs {
                resource: Some(Resource { attributes: vec![kv("region", s("eu"))], ..Default::default() }),
                scope_logs: vec![ScopeLogs {
                    scope: scope("bare", ""),
                    log_records: vec![OtlpRecord {
                        time_unix_nano: T0_NS,
                        body: Some(av(Value::BytesValue(b"raw".to_vec()))),
                        severity_text: "crit".into(),
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            },
        ],
    }
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(bytes)?;
    enc.finish()
}

fn check(records: &[LogRecord]) {
    assert_eq!(records.len(), 4);
    let checkout_resource = [("host.name", "web-1"), ("pid", "4242"), ("service.name", "checkout")];

    // Record 0: everything set.
    let r = &records[0];
    assert_eq!(r.uuid.get_version_num(), 7);
    assert_eq!(r.team_id, 42);
    assert_eq!(r.timestamp_us, 1_699_999_990_123_456);
    assert_eq!(r.observed_timestamp_us, NOW_US);
    assert_eq!(r.body, "payment failed");
    assert_eq!((r.severity, r.severity_number), (Severity::Error, 17));
    assert_eq!(r.service_name, "checkout");
    assert_eq!(pairs(&r.resource_attributes), checkout_resource);
    assert_eq!(r.resource_fingerprint, resource_fingerprint(&r.resource_attributes));
    assert_eq!(
        pairs(&r.attributes),
        [
            ("array", r#"["a",2,false]"#),
            ("bool", "true"),
            ("bytes", "3q2+7w=="),
            ("double", "1.5"),
            ("empty", ""),
            ("int", "-42"),
            ("kvlist", r#"{"x":"1","y":0.5}"#),
            ("str", "api"),
        ]
    );
    assert_eq!(r.trace_id, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    assert_eq!(r.span_id, [100, 101, 102, 103, 104, 105, 106, 107]);
    assert_eq!(r.trace_flags, 1);
    assert_eq!(r.instrumentation_scope, "io.app.checkout@2.1.0");
    assert_eq!(r.event_name, "payment.failed");
    let resource_bytes: usize = checkout_resource.iter().map(|(k, v)| k.len() + v.len()).sum();
    let attr_bytes: usize = r.attributes.iter().map(|(k, v)| k.len() + v.len()).sum();
    assert_eq!(r.bytes as usize, "payment failed".len() + resource_bytes + attr_bytes);

    // Record 1: kvlist body whose `level` overrides the text; bad trace id; no timestamp.
    let r = &records[1];
    assert_eq!(r.body, r#"{"level":"debug","ms":950,"msg":"slow"}"#);
    assert_eq!((r.severity, r.severity_number), (Severity::Debug, 5));
    assert_eq!(r.timestamp_us, NOW_US);
    assert_eq!((r.trace_id, r.span_id, r.trace_flags), ([0; 16], [0; 8], 0));
    assert!(r.attributes.is_empty());
    assert_eq!(r.instrumentation_scope, "io.app.checkout@2.1.0");
    assert_eq!(r.resource_fingerprint, records[0].resource_fingerprint, "same resource");
    assert_ne!(r.uuid, records[0].uuid);

    // Record 2: second scope (absent), array body, out-of-range number, 1970 timestamp.
    let r = &records[2];
    assert_eq!(r.body, r#"[1,"two"]"#);
    assert_eq!((r.severity, r.severity_number), (Severity::Unknown, 99));
    assert_eq!(r.timestamp_us, NOW_US);
    assert_eq!(pairs(&r.attributes), [("$originalTimestamp", "1970-01-01T00:00:01Z")]);
    assert_eq!(r.instrumentation_scope, "");
    assert_eq!(r.service_name, "checkout");

    // Record 3: second resource, no service.name, bytes body, scope without version.
    let r = &records[3];
    assert_eq!(r.body, "cmF3");
    assert_eq!((r.severity, r.severity_number), (Severity::Fatal, 21));
    assert_eq!(r.service_name, "");
    assert_eq!(pairs(&r.resource_attributes), [("region", "eu"), ("service.name", "")]);
    assert_ne!(r.resource_fingerprint, records[0].resource_fingerprint);
    assert_eq!(r.instrumentation_scope, "bare");
    assert_eq!(r.timestamp_us, 1_699_999_990_123_456);
}

#[test]
fn protobuf_round_trip() {
    let bytes = request().encode_to_vec();
    let decoded = decode(&bytes, 1 << 20).unwrap();
    assert_eq!(decoded, request());
    check(&to_records(&decoded, 42, NOW_US));
}

#[test]
fn gzipped_protobuf_round_trip() {
    let bytes = gzip(&request().encode_to_vec()).unwrap();
    assert_eq!(&bytes[..2], [0x1f, 0x8b]);
    let decoded = decode(&bytes, 1 << 20).unwrap();
    check(&to_records(&decoded, 42, NOW_US));
}

#[test]
fn the_same_request_as_json_maps_identically() {
    // opentelemetry-proto's own serializer (camelCase, hex ids, string int64s) as the sender.
    let json = serde_json::to_vec(&request()).unwrap();
    assert_eq!(json.first(), Some(&b'{'));
    let text = String::from_utf8(json.clone()).unwrap();
    assert!(text.contains(r#""traceId":"000102030405060708090a0b0c0d0e0f""#), "{text}");
    assert!(text.contains(r#""timeUnixNano":"1699999990123456789""#), "{text}");
    let decoded = decode(&json, 1 << 20).unwrap();
    assert_eq!(decoded, request());
    check(&to_records(&decoded, 42, NOW_US));
}
