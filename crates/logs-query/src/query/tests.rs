use serde_json::json;
use time::macros::datetime;
use uuid::Uuid;

use super::*;

fn parse(query: Value) -> Result<LogsQuery, QueryError> {
    parse_body(&json!({ "query": query }), false)
}

fn err(query: Value) -> QueryError {
    parse(query).unwrap_err()
}

#[test]
fn the_query_key_is_required_and_must_be_an_object() {
    assert_eq!(parse_body(&json!({}), false).unwrap_err(), QueryError::new("No query provided"));
    assert_eq!(parse_body(&json!({"query": null}), false).unwrap_err().detail, "No query provided");
    assert_eq!(parse_body(&json!(null), false).unwrap_err().detail, "No query provided");
    let e = parse_body(&json!({"query": "x"}), false).unwrap_err();
    assert_eq!((e.attr.as_deref(), e.detail.as_str()), (Some("query"), "query must be an object"));
}

#[test]
fn date_range_is_required_only_when_asked() {
    for body in [json!({"query": {}}), json!({"query": {"dateRange": null}})] {
        let e = parse_body(&body, true).unwrap_err();
        assert_eq!((e.attr.as_deref(), e.detail.as_str()), (Some("dateRange"), "dateRange is required"));
        assert_eq!(parse_body(&body, false).unwrap().date_range, DateRange::last_hour());
    }
    let q = parse_body(&json!({"query": {"dateRange": {"date_from": "-7d"}}}), true).unwrap();
    assert_eq!(q.date_range.date_from.as_deref(), Some("-7d"));
    assert_eq!(err(json!({"dateRange": {"date_from": "-7x"}})).attr.as_deref(), Some("dateRange"));
}

#[test]
fn defaults() {
    let q = parse(json!({"kind": "LogsQuery", "somethingNew": 1})).unwrap();
    assert_eq!(q, LogsQuery::default(), "unknown keys are ignored");
    assert_eq!((q.limit, q.target_buckets, q.order_by), (100, 10, OrderBy::Latest));
    assert_eq!(
        (q.sparkline_breakdown_by, q.sparkline_rank_by),
        (SparklineBreakdownBy::Severity, SparklineRankBy::Count)
    );
}

#[test]
fn parses_the_spec_example() {
    let cursor = LogCursor::new(1_765_880_596_449_937, Uuid::from_u128(7));
    let q = parse(json!({
        "dateRange": {"date_from": "-1h", "date_to": null},
        "severityLevels": ["error", "fatal"],
        "serviceNames": ["api-gateway"],
        "searchTerm": "timeout",
        "filterGroup": [{"key": "k8s.container.name", "type": "log_resource_attribute", "operator": "exact", "value": "web"}],
        "orderBy": "earliest",
        "limit": 250,
        "after": cursor.encode(),
        "liveLogsCheckpoint": "2025-12-16T00:00:00Z",
        "resourceFingerprint": "1234567890",
        "excludeAttributes": true,
        "customColumns": ["attributes.http.route", "upper(level)"],
        "personId": 42,
        "sessionId": "s-1"
    }))
    .unwrap();
    assert_eq!(q.severity_levels, [Severity::Error, Severity::Fatal]);
    assert_eq!(q.service_names, ["api-gateway"]);
    assert_eq!(q.search_term.as_deref(), Some("timeout"));
    assert_eq!(q.filter_group.leaves()[0].key, "k8s.container.name");
    assert_eq!((q.order_by, q.limit, q.after), (OrderBy::Earliest, 250, Some(cursor)));
    assert_eq!(q.live_logs_checkpoint, Some(datetime!(2025-12-16 0:00 UTC)));
    assert_eq!(q.live_logs_checkpoint_us(), Some(1_765_843_200_000_000));
    assert_eq!((q.resource_fingerprint, q.exclude_attributes), (Some(1_234_567_890), true));
    assert_eq!(q.custom_columns, ["attributes.http.route", "upper(level)"]);
    assert_eq!((q.person_id.as_deref(), q.session_id.as_deref()), (Some("42"), Some("s-1")));
}

#[test]
fn order_by_falls_back_to_latest() {
    for v in [json!("newest"), json!(null), json!(3), json!("LATEST"), json!("latest")] {
        assert_eq!(parse(json!({ "orderBy": v })).unwrap().order_by, OrderBy::Latest, "{v}");
    }
}

#[test]
fn limit_and_target_buckets_are_clamped() {
    let limit = |v: Value| parse(json!({ "limit": v })).map(|q| q.limit);
    assert_eq!(limit(json!(2000)), Ok(1000));
    assert_eq!(limit(json!(0)), Ok(1));
    assert_eq!(limit(json!(-5)), Ok(1));
    assert_eq!(limit(json!(null)), Ok(100));
    assert_eq!(limit(json!(1000)), Ok(1000));
    let e = limit(json!("ten")).unwrap_err();
    assert_eq!(e.attr.as_deref(), Some("limit"));
    assert_eq!(e.detail, "A valid integer is required.");
    let buckets = |v: Value| parse(json!({ "targetBuckets": v })).map(|q| q.target_buckets);
    assert_eq!((buckets(json!(0)), buckets(json!(500)), buckets(json!(25))), (Ok(1), Ok(100), Ok(25)));
}

#[test]
fn sparkline_and_services_parameters() {
    let q = parse(
        json!({"sparklineBreakdownBy": "service", "sparklineRankBy": "bytes", "serviceNameSearch": "API"}),
    )
    .unwrap();
    assert_eq!(
        (q.sparkline_breakdown_by, q.sparkline_rank_by),
        (SparklineBreakdownBy::Service, SparklineRankBy::Bytes)
    );
    assert_eq!(q.service_name_search_lower().as_deref(), Some("api"));
    assert_eq!(err(json!({"sparklineBreakdownBy": "host"})).attr.as_deref(), Some("sparklineBreakdownBy"));
    assert!(parse(json!({"serviceNameSearch": "é".repeat(200)})).is_ok(), "characters, not bytes");
    let e = err(json!({"serviceNameSearch": "a".repeat(201)}));
    assert_eq!(e.detail, "serviceNameSearch must be at most 200 characters");
}

#[test]
fn custom_columns_are_capped() {
    let cols = |n: usize| json!({ "customColumns": vec!["attributes.a"; n] });
    assert_eq!(parse(cols(50)).unwrap().custom_columns.len(), 50);
    let e = err(cols(51));
    assert_eq!(
        (e.attr.as_deref(), e.detail.as_str()),
        (Some("customColumns"), "customColumns accepts at most 50 columns")
    );
}

#[test]
fn field_errors_name_the_field() {
    let e = err(json!({"severityLevels": ["error", "ERROR"]}));
    assert_eq!(e.attr.as_deref(), Some("severityLevels"));
    assert!(e.detail.starts_with("Invalid severityLevels: unknown level 'ERROR'"), "{}", e.detail);
    assert_eq!(err(json!({"severityLevels": ["unknown"]})).attr.as_deref(), Some("severityLevels"));
    let e = err(json!({"after": "garbage"}));
    assert_eq!((e.attr.as_deref(), e.detail.as_str()), (Some("after"), "Invalid cursor"));
    assert_eq!(err(json!({"liveLogsCheckpoint": "soon"})).attr.as_deref(), Some("liveLogsCheckpoint"));
    assert_eq!(err(json!({"resourceFingerprint": "-1"})).attr.as_deref(), Some("resourceFingerprint"));
    assert_eq!(err(json!({"serviceNames": "api"})).attr.as_deref(), Some("serviceNames"));
    let e = err(json!({"filterGroup": [{"key": "m", "type": "log", "operator": "exact", "value": "x"}]}));
    assert_eq!(e.attr.as_deref(), Some("filterGroup"));
    assert_eq!(
        e.detail,
        "Invalid filterGroup at [0]: unknown log field 'm': expected message, severity_level, service_name, trace_id or span_id"
    );
}

#[test]
fn nulls_and_empty_strings_mean_unset() {
    let q = parse(json!({
        "severityLevels": null, "serviceNames": null, "filterGroup": null, "after": "",
        "liveLogsCheckpoint": null, "resourceFingerprint": "", "excludeAttributes": null,
        "customColumns": null, "personId": "", "sparklineBreakdownBy": null, "limit": null
    }))
    .unwrap();
    assert_eq!(q, LogsQuery::default());
}

#[test]
fn the_echo_round_trips() {
    let q = parse(json!({
        "dateRange": {"date_from": "2025-12-01T00:00:00Z", "date_to": "-1h", "explicitDate": true},
        "severityLevels": ["warn"], "searchTerm": "x", "orderBy": "earliest",
        "filterGroup": {"type": "OR", "values": [{"key": "a", "type": "log_attribute", "operator": "gt", "value": 3}]},
        "after": LogCursor::new(5, Uuid::from_u128(9)).encode(), "liveLogsCheckpoint": "2025-12-16T10:23:15Z",
        "resourceFingerprint": 18446744073709551615_u64, "personId": "p"
    }))
    .unwrap();
    let echo = serde_json::to_value(&q).unwrap();
    assert_eq!(echo["severityLevels"], json!(["warn"]));
    assert_eq!(echo["orderBy"], json!("earliest"));
    assert_eq!(echo["liveLogsCheckpoint"], json!("2025-12-16T10:23:15.000000+00:00"));
    assert_eq!(echo["resourceFingerprint"], json!("18446744073709551615"));
    assert_eq!(echo["dateRange"]["explicitDate"], json!(true));
    assert_eq!(parse(echo).unwrap(), q);
}

#[test]
fn time_range_resolves_against_the_given_now() {
    let now = datetime!(2025-12-16 10:00 UTC);
    let q = parse(json!({"dateRange": {"date_from": "-2h"}})).unwrap();
    assert_eq!(q.time_range_us(now), Ok((to_us(datetime!(2025-12-16 8:00 UTC)), to_us(now))));
    let q = parse(json!({"dateRange": {"date_to": "-30M"}})).unwrap();
    assert_eq!(
        q.time_range_us(now),
        Ok((to_us(datetime!(2025-12-16 9:00 UTC)), to_us(datetime!(2025-12-16 9:30 UTC))))
    );
    let q = parse(json!({"dateRange": {"date_from": "-1h", "date_to": "-2h"}})).unwrap();
    assert!(q.time_range_us(now).is_err());
}
