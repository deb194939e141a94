use opentelemetry_proto::tonic::common::v1::any_value::Value;

use super::*;

const END: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

fn body(r: &opentelemetry_proto::tonic::logs::v1::LogRecord) -> &str {
    match r.body.as_ref().and_then(|b| b.value.as_ref()) {
        Some(Value::StringValue(s)) => s,
        _ => "",
    }
}

#[test]
fn the_same_seed_gives_the_same_batches() {
    let a = Dataset::new(Profile::Classic, 7, 10_000, 2_000, END);
    let b = Dataset::new(Profile::Classic, 7, 10_000, 2_000, END);
    assert_eq!(a.batch(3), b.batch(3));
    assert_ne!(a.batch(3).0, Dataset::new(Profile::Classic, 8, 10_000, 2_000, END).batch(3).0);
    assert_ne!(a.batch(3).0, a.batch(4).0);
}

#[test]
fn mix_rates_and_shape_are_roughly_right() {
    let d = Dataset::new(Profile::Classic, 42, 100_000, 5_000, END);
    let mut total = Stats::default();
    let (mut attrs_min, mut attrs_max, mut with_trace, mut planted_seen) = (usize::MAX, 0, 0u64, 0u64);
    let mut bodies = std::collections::HashSet::new();
    let (from_ns, to_ns) = (((END - SPAN_SECS) * 1_000_000_000) as u64, (END * 1_000_000_000) as u64);
    for i in 0..d.batches() {
        let (req, stats) = d.batch(i);
        total.add(&stats);
        for rl in &req.resource_logs {
            let resource = rl.resource.as_ref().map(|r| r.attributes.len()).unwrap_or(0);
            assert!(resource >= 8, "resource attributes per pod");
            for r in &rl.scope_logs[0].log_records {
                attrs_min = attrs_min.min(r.attributes.len());
                attrs_max = attrs_max.max(r.attributes.len());
                with_trace += u64::from(r.trace_id.len() == 16);
                assert!((from_ns..to_ns).contains(&r.time_unix_nano));
                let b = body(r);
                planted_seen += u64::from(b.to_lowercase().contains("kerfuffle"));
                if bodies.len() < 50_000 {
                    bodies.insert(b.split(' ').take(3).collect::<Vec<_>>().join(" "));
                }
            }
        }
    }
    assert_eq!(total.rows, 100_000);
    assert_eq!(total.by_severity.iter().sum::<u64>(), 100_000);
    let share = |n: u64| n as f64 / 100_000.0;
    assert!((share(total.by_severity[2]) - 0.70).abs() < 0.01, "info {:?}", total.by_severity);
    assert!((share(total.by_severity[4]) - 0.075).abs() < 0.005, "error {:?}", total.by_severity);
    assert!(total.by_severity[5] > 300 && total.by_severity[0] > 1_500);
    // ~0.1 % planted, and nothing else ever contains the word.
    assert!((60..=140).contains(&total.planted), "planted {}", total.planted);
    assert_eq!(planted_seen, total.planted);
    assert!((3..=4).contains(&attrs_min) && attrs_max == 10, "{attrs_min}..{attrs_max}");
    assert!((0.88..0.92).contains(&share(with_trace)));
    assert!(total.q4_expected > 3_000 && total.q9_expected > 0 && total.last_hour > 3_000);
    assert!(bodies.len() > 1_000, "variable parts make bodies distinct");
}

#[test]
fn services_are_skewed() {
    let d = Dataset::new(Profile::Classic, 1, 20_000, 20_000, END);
    let (req, _) = d.batch(0);
    let mut per_service = std::collections::HashMap::<String, usize>::new();
    for rl in &req.resource_logs {
        let name = rl.resource.as_ref().and_then(|r| r.attributes.first()).and_then(|kv| kv.value.clone());
        if let Some(Value::StringValue(s)) = name.and_then(|v| v.value) {
            *per_service.entry(s).or_default() += rl.scope_logs[0].log_records.len();
        }
    }
    assert_eq!(per_service.len(), 30);
    let top = per_service["api-gateway"];
    let tail = per_service["ledger"];
    assert!(top > 10 * tail && top > 4_000, "top {top}, tail {tail}");
}

#[test]
fn json_encoding_follows_otlp_json() {
    let d = Dataset::new(Profile::Classic, 3, 100, 100, END);
    let json = serde_json::to_value(d.batch(0).0).unwrap();
    let rl = &json["resourceLogs"][0];
    let rec = &rl["scopeLogs"][0]["logRecords"][0];
    assert!(rec["timeUnixNano"].is_string(), "int64 as a string: {rec}");
    assert!(rec["body"]["stringValue"].is_string());
    assert_eq!(rl["resource"]["attributes"][0]["key"], "service.name");
    let trace = rec["traceId"].as_str().unwrap_or_default();
    assert!(trace.is_empty() || (trace.len() == 32 && trace.chars().all(|c| c.is_ascii_hexdigit())));
}

/// FNV-1a over every encoded batch: pins the classic data set byte for byte.
fn fingerprint(d: &Dataset) -> (u64, Stats) {
    use prost::Message;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut total = Stats::default();
    for i in 0..d.batches() {
        let (req, stats) = d.batch(i);
        total.add(&stats);
        for b in req.encode_to_vec() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    (h, total)
}

#[test]
fn classic_profile_is_byte_for_byte_the_original_data_set() {
    // Pinned before the hard profile existed (commit eb8f08d's generator).
    let (h, stats) = fingerprint(&Dataset::new(Profile::Classic, 42, 10_000, 2_000, END));
    assert_eq!(h, 0xb086_d29c_12be_f116, "{stats:?}");
    assert_eq!((stats.planted, stats.q4_expected, stats.q9_expected), (13, 536, 2));
}
