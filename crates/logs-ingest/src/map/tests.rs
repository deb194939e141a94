use logs_query::Severity;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, KeyValueList, any_value::Value};
use opentelemetry_proto::tonic::logs::v1::{ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;

use super::*;

const NOW_US: i64 = 1_700_000_000_000_000; // 2023-11-14T22:13:20Z
const HOUR_NS: u64 = 3_600_000_000_000;
const NOW_NS: u64 = NOW_US as u64 * 1000;

fn kv(k: &str, v: Value) -> KeyValue {
    KeyValue { key: k.into(), value: Some(AnyValue { value: Some(v) }), ..Default::default() }
}

fn s(v: &str) -> Value {
    Value::StringValue(v.into())
}

fn request(
    resource: Vec<KeyValue>,
    scope: Option<InstrumentationScope>,
    records: Vec<OtlpLogRecord>,
) -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource { attributes: resource, ..Default::default() }),
            scope_logs: vec![ScopeLogs { scope, log_records: records, ..Default::default() }],
            ..Default::default()
        }],
    }
}

fn one(record: OtlpLogRecord) -> LogRecord {
    let mut out = to_records(&request(vec![], None, vec![record]), 7, NOW_US);
    assert_eq!(out.len(), 1);
    out.remove(0)
}

#[test]
fn minimal_record_gets_defaults() {
    let r = one(OtlpLogRecord::default());
    assert_eq!(r.team_id, 7);
    assert_eq!(r.timestamp_us, NOW_US, "absent timestamp → now");
    assert_eq!(r.observed_timestamp_us, NOW_US);
    assert_eq!(r.body, "");
    assert_eq!((r.severity, r.severity_number), (Severity::Info, 9));
    assert_eq!(r.service_name, "");
    assert_eq!(*r.resource_attributes, vec![("service.name".to_owned(), String::new())]);
    assert_eq!(r.resource_fingerprint, resource_fingerprint(&r.resource_attributes));
    assert!(r.attributes.is_empty());
    assert_eq!((r.trace_id, r.span_id, r.trace_flags), ([0; 16], [0; 8], 0));
    assert_eq!((r.instrumentation_scope.as_str(), r.event_name.as_str()), ("", ""));
    assert_eq!(r.uuid.get_version_num(), 7);
    assert_eq!(r.bytes, "service.name".len() as u32);
}

#[test]
fn timestamp_within_24h_is_kept_in_both_directions() {
    for ts in [NOW_NS - 24 * HOUR_NS, NOW_NS - HOUR_NS, NOW_NS + HOUR_NS, NOW_NS + 24 * HOUR_NS] {
        let r = one(OtlpLogRecord { time_unix_nano: ts + 999, ..Default::default() });
        // +999 ns: still sub-microsecond, truncated away, and never past the 24 h edge by a µs.
        let expected = i64::try_from(ts / 1000).unwrap();
        if ts == NOW_NS + 24 * HOUR_NS {
            // 24 h + 999 ns is over the limit.
            assert_eq!(r.timestamp_us, NOW_US);
            assert!(r.attribute(ORIGINAL_TIMESTAMP).is_some());
        } else {
            assert_eq!(r.timestamp_us, expected);
            assert_eq!(r.attribute(ORIGINAL_TIMESTAMP), None);
        }
    }
    // Exactly 24 h away is kept.
    assert_eq!(resolve_timestamp(NOW_NS + 24 * HOUR_NS, NOW_US), (NOW_US + MAX_TIMESTAMP_SKEW_US, None));
    assert_eq!(resolve_timestamp(NOW_NS - 24 * HOUR_NS, NOW_US), (NOW_US - MAX_TIMESTAMP_SKEW_US, None));
}

#[test]
fn timestamp_more_than_24h_in_the_past_is_replaced() {
    let ts = NOW_NS - 24 * HOUR_NS - 1;
    let (us, original) = resolve_timestamp(ts, NOW_US);
    assert_eq!(us, NOW_US);
    assert_eq!(original.as_deref(), Some("2023-11-13T22:13:19.999999999Z"));

    let r = one(OtlpLogRecord { time_unix_nano: 1_600_000_000_000_000_000, ..Default::default() });
    assert_eq!(r.timestamp_us, NOW_US);
    assert_eq!(r.attribute(ORIGINAL_TIMESTAMP), Some("2020-09-13T12:26:40Z"));
    assert_eq!(
        r.bytes as usize,
        "service.name".len() + ORIGINAL_TIMESTAMP.len() + "2020-09-13T12:26:40Z".len()
    );
}

#[test]
fn timestamp_more_than_24h_in_the_future_is_replaced() {
    let (us, original) = resolve_timestamp(NOW_NS + 24 * HOUR_NS + 1_000, NOW_US);
    assert_eq!(us, NOW_US);
    assert_eq!(original.as_deref(), Some("2023-11-15T22:13:20.000001Z"));
    // The largest representable OTLP time (year 2554) still formats.
    let (_, far) = resolve_timestamp(u64::MAX, NOW_US);
    assert_eq!(far.as_deref(), Some("2554-07-21T23:34:33.709551615Z"));
}

#[test]
fn client_original_timestamp_attribute_is_overwritten_only_when_replacing() {
    let attrs = vec![kv(ORIGINAL_TIMESTAMP, s("client"))];
    let kept = one(OtlpLogRecord { time_unix_nano: NOW_NS, attributes: attrs.clone(), ..Default::default() });
    assert_eq!(kept.attribute(ORIGINAL_TIMESTAMP), Some("client"));
    let replaced = one(OtlpLogRecord { time_unix_nano: 1, attributes: attrs, ..Default::default() });
    assert_eq!(replaced.attribute(ORIGINAL_TIMESTAMP), Some("1970-01-01T00:00:00.000000001Z"));
}

#[test]
fn body_kinds() {
    let body =
        |v: Value| one(OtlpLogRecord { body: Some(AnyValue { value: Some(v) }), ..Default::default() }).body;
    assert_eq!(body(s("  verbatim {\"x\"\n")), "  verbatim {\"x\"\n");
    assert_eq!(body(Value::IntValue(42)), "42");
    assert_eq!(body(Value::DoubleValue(1.5)), "1.5");
    assert_eq!(body(Value::BoolValue(true)), "true");
    assert_eq!(body(Value::BytesValue(vec![1, 2, 3])), "AQID");
    assert_eq!(
        body(Value::KvlistValue(KeyValueList { values: vec![kv("b", s("x")), kv("a", Value::IntValue(1))] })),
        r#"{"a":1,"b":"x"}"#
    );
    let empty = one(OtlpLogRecord { body: Some(AnyValue { value: None }), ..Default::default() });
    assert_eq!(empty.body, "");
}

#[test]
fn kvlist_body_level_overrides_text() {
    let r = one(OtlpLogRecord {
        severity_text: "info".into(),
        body: Some(AnyValue {
            value: Some(Value::KvlistValue(KeyValueList { values: vec![kv("level", s("error"))] })),
        }),
        ..Default::default()
    });
    assert_eq!((r.severity, r.severity_number), (Severity::Error, 17));
}

#[test]
fn string_body_level_overrides_text() {
    let r = one(OtlpLogRecord {
        severity_text: "INFO".into(),
        body: Some(AnyValue { value: Some(s(r#"{"level":"warn","msg":"disk"}"#)) }),
        ..Default::default()
    });
    assert_eq!((r.severity, r.severity_number), (Severity::Warn, 13));
}

#[test]
fn out_of_range_number_is_unknown() {
    let r = one(OtlpLogRecord { severity_number: 30, severity_text: "error".into(), ..Default::default() });
    assert_eq!((r.severity, r.severity_number), (Severity::Unknown, 30));
}

#[test]
fn ids_of_the_wrong_length_become_zeros() {
    let good =
        one(OtlpLogRecord { trace_id: (1..=16).collect(), span_id: (1..=8).collect(), ..Default::default() });
    assert_eq!(good.trace_id, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    assert_eq!(good.span_id, [1, 2, 3, 4, 5, 6, 7, 8]);
    for (trace, span) in [(vec![1; 15], vec![1; 7]), (vec![1; 17], vec![1; 9]), (vec![], vec![])] {
        let r = one(OtlpLogRecord { trace_id: trace, span_id: span, ..Default::default() });
        assert_eq!((r.trace_id, r.span_id), ([0; 16], [0; 8]));
    }
}

#[test]
fn trace_flags_keep_all_bits() {
    assert_eq!(one(OtlpLogRecord { flags: 1, ..Default::default() }).trace_flags, 1);
    assert_eq!(one(OtlpLogRecord { flags: 0x0000_0301, ..Default::default() }).trace_flags, 0x301);
    assert_eq!(one(OtlpLogRecord { flags: u32::MAX, ..Default::default() }).trace_flags, -1);
}

#[test]
fn scope_names() {
    let scope = |name: &str, version: &str| InstrumentationScope {
        name: name.into(),
        version: version.into(),
        ..Default::default()
    };
    assert_eq!(scope_name(Some(&scope("opentelemetry.sdk", "1.2"))), "opentelemetry.sdk@1.2");
    assert_eq!(scope_name(Some(&scope("my.logger", ""))), "my.logger");
    assert_eq!(scope_name(Some(&scope("", "1.2"))), "");
    assert_eq!(scope_name(Some(&scope("", ""))), "");
    assert_eq!(scope_name(None), "");
}

#[test]
fn attributes_and_resource_are_decoded_sorted_and_deduplicated() {
    let req = request(
        vec![
            kv("service.name", s("api")),
            kv("host.name", s("web-1")),
            kv("k8s.pod.count", Value::IntValue(3)),
        ],
        None,
        vec![OtlpLogRecord {
            attributes: vec![
                kv("z", s("last-z")),
                kv("http.status", Value::IntValue(500)),
                kv("z", s("z2")),
                kv("ok", Value::BoolValue(false)),
            ],
            ..Default::default()
        }],
    );
    let r = &to_records(&req, 1, NOW_US)[0];
    let pairs = |v: &[(String, String)]| v.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>();
    assert_eq!(pairs(&r.attributes), ["http.status=500", "ok=false", "z=z2"]);
    assert_eq!(pairs(&r.resource_attributes), ["host.name=web-1", "k8s.pod.count=3", "service.name=api"]);
    assert_eq!(r.service_name, "api");
    assert_eq!(r.resource_attribute("service.name"), Some("api"));
}

#[test]
fn non_string_service_name_is_decoded() {
    let req = request(vec![kv("service.name", Value::IntValue(5))], None, vec![OtlpLogRecord::default()]);
    assert_eq!(to_records(&req, 1, NOW_US)[0].service_name, "5");
}

#[test]
fn fingerprint_depends_on_resource_only_and_ignores_attribute_order() {
    let a =
        request(vec![kv("service.name", s("api")), kv("host", s("1"))], None, vec![OtlpLogRecord::default()]);
    let b = request(
        vec![kv("host", s("1")), kv("service.name", s("api"))],
        None,
        vec![OtlpLogRecord { body: Some(AnyValue { value: Some(s("x")) }), ..Default::default() }],
    );
    let c =
        request(vec![kv("service.name", s("api")), kv("host", s("2"))], None, vec![OtlpLogRecord::default()]);
    let fp = |r: &ExportLogsServiceRequest| to_records(r, 1, NOW_US)[0].resource_fingerprint;
    assert_eq!(fp(&a), fp(&b));
    assert_ne!(fp(&a), fp(&c));
}

#[test]
fn bytes_count_body_both_maps_and_only_long_names() {
    let short_scope = InstrumentationScope { name: "s".into(), version: "1".into(), ..Default::default() };
    let record = |event: &str| OtlpLogRecord {
        body: Some(AnyValue { value: Some(s("hello")) }),
        attributes: vec![kv("k", s("vv"))],
        event_name: event.into(),
        ..Default::default()
    };
    let base = 5 + (1 + 2) + ("service.name".len() + 3);
    let req = request(vec![kv("service.name", s("api"))], Some(short_scope), vec![record("short.event")]);
    assert_eq!(to_records(&req, 1, NOW_US)[0].bytes as usize, base);

    let long_name = "n".repeat(49);
    let long_scope =
        InstrumentationScope { name: long_name.clone(), version: "1".into(), ..Default::default() }; // 51 chars
    let long_event = "e".repeat(51);
    let req = request(
        vec![kv("service.name", s("api"))],
        Some(long_scope),
        vec![record(&long_event), record(&"e".repeat(50))],
    );
    let out = to_records(&req, 1, NOW_US);
    assert_eq!(out[0].instrumentation_scope.len(), 51);
    assert_eq!(out[0].bytes as usize, base + 51 + 51);
    assert_eq!(out[1].bytes as usize, base + 51, "a 50-char event name does not count");
}

#[test]
fn records_keep_request_order_and_get_distinct_uuids() {
    let records: Vec<OtlpLogRecord> = (0..5)
        .map(|i| OtlpLogRecord {
            body: Some(AnyValue { value: Some(s(&i.to_string())) }),
            ..Default::default()
        })
        .collect();
    let out = to_records(&request(vec![], None, records), 1, NOW_US);
    assert_eq!(out.iter().map(|r| r.body.as_str()).collect::<Vec<_>>(), ["0", "1", "2", "3", "4"]);
    let mut uuids: Vec<_> = out.iter().map(|r| r.uuid).collect();
    uuids.dedup();
    assert_eq!(uuids.len(), 5);
}

#[test]
fn empty_request_maps_to_nothing() {
    assert!(to_records(&ExportLogsServiceRequest::default(), 1, NOW_US).is_empty());
    let no_resource = ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: None,
            scope_logs: vec![ScopeLogs { log_records: vec![OtlpLogRecord::default()], ..Default::default() }],
            ..Default::default()
        }],
    };
    let out = to_records(&no_resource, 1, NOW_US);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].resource_attribute("service.name"), Some(""));
}

const DAY_NS: u64 = 24 * HOUR_NS;

fn at(ts: u64) -> OtlpLogRecord {
    OtlpLogRecord { time_unix_nano: ts, ..Default::default() }
}

#[test]
fn a_wider_window_keeps_a_backfill_s_real_times() {
    let week = MapOptions { max_timestamp_skew_us: 7 * MAX_TIMESTAMP_SKEW_US };
    let three_days_ago = NOW_NS - 3 * DAY_NS;
    let req =
        request(vec![], None, vec![at(three_days_ago), at(NOW_NS - 8 * DAY_NS), at(NOW_NS + 8 * DAY_NS)]);

    let (records, stats) = map_request(req.clone(), 1, NOW_US, &week);
    assert_eq!(records[0].timestamp_us, (three_days_ago / 1000) as i64, "inside the week: kept");
    assert_eq!(records[0].attribute(ORIGINAL_TIMESTAMP), None);
    assert_eq!((records[1].timestamp_us, records[2].timestamp_us), (NOW_US, NOW_US), "outside: now");
    assert_eq!(records[1].attribute(ORIGINAL_TIMESTAMP), Some("2023-11-06T22:13:20Z"));
    assert_eq!(records[2].attribute(ORIGINAL_TIMESTAMP), Some("2023-11-22T22:13:20Z"));
    assert_eq!(stats, MapStats { replaced_past: 1, replaced_future: 1 });
    assert_eq!(stats.replaced(), 2);

    // The default window replaces all three, and says so.
    let (records, stats) = map_request(req, 1, NOW_US, &MapOptions::default());
    assert!(records.iter().all(|r| r.timestamp_us == NOW_US && r.attribute(ORIGINAL_TIMESTAMP).is_some()));
    assert_eq!(stats, MapStats { replaced_past: 2, replaced_future: 1 });
}

#[test]
fn a_narrower_window_and_its_edges() {
    let minute_us = 60_000_000;
    assert_eq!(
        resolve_timestamp_within(NOW_NS - 60_000_000_000, NOW_US, minute_us),
        (NOW_US - minute_us, None)
    );
    let (us, original) = resolve_timestamp_within(NOW_NS - 60_000_000_001, NOW_US, minute_us);
    assert_eq!((us, original.as_deref()), (NOW_US, Some("2023-11-14T22:12:19.999999999Z")));
    // Absent timestamps are "now", not replaced: neither marked nor counted.
    let (records, stats) = map_request(request(vec![], None, vec![at(0)]), 1, NOW_US, &MapOptions::default());
    assert_eq!((records[0].timestamp_us, records[0].attribute(ORIGINAL_TIMESTAMP)), (NOW_US, None));
    assert_eq!(stats, MapStats::default());
    // A negative window is no window: only "now" itself is kept.
    assert_eq!(resolve_timestamp_within(NOW_NS, NOW_US, -5), (NOW_US, None));
}

#[test]
fn into_records_is_map_request_with_the_default_window() {
    let req = request(vec![], None, vec![at(NOW_NS - 2 * DAY_NS), at(NOW_NS)]);
    let plain = into_records(req.clone(), 3, NOW_US);
    let (mapped, _) = map_request(req, 3, NOW_US, &MapOptions::default());
    let strip =
        |rs: &[LogRecord]| rs.iter().map(|r| (r.timestamp_us, r.attributes.clone())).collect::<Vec<_>>();
    assert_eq!(strip(&plain), strip(&mapped));
}
