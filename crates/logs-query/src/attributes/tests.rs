#![allow(clippy::unwrap_used)]

use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::*;
use crate::mem_store::MemStore;
use crate::testutil::{pairs, record};
use crate::timefmt::from_us;

const T0: i64 = 1_700_000_000_000_000;

fn now() -> OffsetDateTime {
    from_us(T0 + 60_000_000)
}

fn rec(n: u128, service: &str, attrs: &[(&str, &str)], resource: &[(&str, &str)]) -> LogRecord {
    let mut r = record();
    r.uuid = Uuid::from_u128(n);
    r.timestamp_us = T0 + i64::try_from(n).unwrap();
    r.service_name = service.to_owned();
    r.attributes = pairs(attrs);
    let mut res = resource.to_vec();
    res.push(("service.name", service));
    r.resource_attributes = pairs(&res).into();
    r
}

/// `n` rows carrying `key=value` (other attributes none).
fn rows(start: u128, n: u128, key: &str, value: &str) -> Vec<LogRecord> {
    (start..start + n).map(|i| rec(i, "api", &[(key, value)], &[])).collect()
}

fn keys_query(search: &str) -> AttributesQuery {
    AttributesQuery { search: search.to_owned(), limit: 100, ..AttributesQuery::default() }
}

fn names(store: &MemStore, q: &AttributesQuery) -> Vec<String> {
    attribute_keys(store, 1, q, now()).unwrap().results.into_iter().map(|k| k.name).collect()
}

fn ranking_store() -> MemStore {
    let mut all = rows(0, 1, "Method", "x");
    all.extend(rows(10, 3, "http.method", "GET"));
    all.extend(rows(20, 2, "request_method", "GET"));
    all.extend(rows(30, 10, "methods_count", "1"));
    all.extend(rows(50, 4, "user", "bob"));
    MemStore::with(all)
}

#[test]
fn keys_rank_exact_then_token_then_rows_then_name() {
    let store = ranking_store();
    assert_eq!(
        names(&store, &keys_query("method")),
        ["Method", "http.method", "request_method", "methods_count"]
    );
    assert_eq!(
        names(&store, &keys_query("METHOD")),
        ["Method", "http.method", "request_method", "methods_count"]
    );
    // No search: every key, by rows desc then name.
    assert_eq!(
        names(&store, &keys_query("")),
        ["methods_count", "user", "http.method", "request_method", "Method"]
    );
}

#[test]
fn search_is_a_literal_substring() {
    let mut all = rows(0, 1, "100%_done", "1");
    all.extend(rows(10, 1, "100x_done", "1"));
    all.extend(rows(20, 1, "a_b", "1"));
    all.extend(rows(30, 1, "axb", "1"));
    all.extend(rows(40, 1, "back\\slash", "1"));
    let store = MemStore::with(all);
    assert_eq!(names(&store, &keys_query("%")), ["100%_done"]);
    assert_eq!(names(&store, &keys_query("%_")), ["100%_done"]);
    assert_eq!(names(&store, &keys_query("_")), ["100%_done", "100x_done", "a_b"]);
    assert_eq!(names(&store, &keys_query("\\")), ["back\\slash"]);
}

#[test]
fn value_search_adds_keys_matched_through_a_value() {
    let mut all = rows(0, 2, "error.kind", "Timeout");
    all.extend(rows(10, 3, "error.kind", "connection timeout"));
    all.extend(rows(20, 5, "error.kind", "ok"));
    all.extend(rows(30, 1, "timeout_ms", "30"));
    all.extend(rows(40, 1, "note", "TIMEOUT"));
    let store = MemStore::with(all);
    let q = AttributesQuery { search_values: true, ..keys_query("timeout") };
    let page = attribute_keys(&store, 1, &q, now()).unwrap();
    assert_eq!(
        page.results,
        [
            AttributeKey { name: "timeout_ms".into(), matched_on: MatchedOn::Key },
            AttributeKey {
                name: "error.kind".into(),
                matched_on: MatchedOn::Value("connection timeout".into())
            },
            AttributeKey { name: "note".into(), matched_on: MatchedOn::Value("TIMEOUT".into()) },
        ]
    );
    assert_eq!(page.count, 3, "page size + offset");
    let paged =
        attribute_keys(&store, 1, &AttributesQuery { offset: 1, limit: 1, ..q.clone() }, now()).unwrap();
    assert_eq!(paged.results[0].name, "error.kind");
    assert_eq!(paged.count, 2);
    // Under four characters values are not searched.
    let short = AttributesQuery { search_values: true, ..keys_query("tim") };
    assert!(!short.searches_values());
    assert_eq!(names(&store, &short), ["timeout_ms"]);
    let four = AttributesQuery { search_values: true, ..keys_query("time") };
    assert_eq!(names(&store, &four), ["timeout_ms", "error.kind", "note"]);
}

#[test]
fn allow_list_and_pages() {
    let store = ranking_store();
    let q = AttributesQuery { keys: vec!["user".into(), "Method".into(), "nope".into()], ..keys_query("") };
    assert_eq!(names(&store, &q), ["user", "Method"]);
    let page =
        attribute_keys(&store, 1, &AttributesQuery { limit: 2, offset: 1, ..keys_query("") }, now()).unwrap();
    assert_eq!(page.results.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(), ["user", "http.method"]);
    assert_eq!(page.count, 5, "every matching key");
    let past = attribute_keys(&store, 1, &AttributesQuery { offset: 9, ..keys_query("") }, now()).unwrap();
    assert!(past.results.is_empty());
    assert_eq!(past.count, 9, "PostHog's count() after OFFSET plus the offset");
}

#[test]
fn resource_scope_and_other_teams() {
    let mut all = vec![rec(1, "api", &[("a", "1")], &[("k8s.pod.name", "api-1")])];
    let mut other = rec(2, "theirs", &[("secret", "1")], &[("their.key", "x")]);
    other.team_id = 2;
    all.push(other);
    let store = MemStore::with(all);
    let q = AttributesQuery {
        window: AttributeWindow { scope: AttributeScope::Resource, ..AttributeWindow::default() },
        ..keys_query("")
    };
    assert_eq!(names(&store, &q), ["k8s.pod.name", "service.name"]);
    assert_eq!(names(&store, &keys_query("")), ["a"]);
    assert_eq!(property_filter_type(AttributeScope::Resource), "log_resource_attribute");
    assert_eq!(property_filter_type(AttributeScope::Log), "log_attribute");
}

fn mixed_store() -> MemStore {
    MemStore::with(vec![
        rec(1, "api", &[("http.method", "GET"), ("route", "/a")], &[("pod", "api-1")]),
        rec(2, "api", &[("http.method", "GET")], &[("pod", "api-2")]),
        rec(3, "api", &[("http.method", "POST")], &[("pod", "api-1")]),
        rec(4, "worker", &[("job", "mail"), ("http.method", "PUT")], &[("pod", "w-1")]),
    ])
}

#[test]
fn services_and_filter_groups_narrow_through_a_scan() {
    let store = mixed_store();
    let window = AttributeWindow { service_names: vec!["worker".into()], ..AttributeWindow::default() };
    assert_eq!(names(&store, &AttributesQuery { window, ..keys_query("") }), ["http.method", "job"]);
    let group =
        json!([{"key": "pod", "type": "log_resource_attribute", "operator": "exact", "value": "api-1"}]);
    let window = AttributeWindow {
        filter_group: FilterGroup::from_json(&group).unwrap(),
        ..AttributeWindow::default()
    };
    assert_eq!(
        names(&store, &AttributesQuery { window: window.clone(), ..keys_query("") }),
        ["http.method", "route"]
    );
    let values = attribute_values(
        &store,
        1,
        &ValuesQuery { window, key: "http.method".into(), limit: 10, ..ValuesQuery::default() },
        now(),
    )
    .unwrap();
    assert_eq!(
        values,
        [ValueCount { value: "GET".into(), count: 1 }, ValueCount { value: "POST".into(), count: 1 }]
    );
}

#[test]
fn the_scan_path_counts_like_the_statistics() {
    let store = mixed_store();
    let all_levels =
        json!([{"key": "severity_level", "type": "log", "operator": "is_not", "value": ["fatal"]}]);
    let scanned = AttributeWindow {
        filter_group: FilterGroup::from_json(&all_levels).unwrap(),
        ..AttributeWindow::default()
    };
    for scope in [AttributeScope::Log, AttributeScope::Resource] {
        let stats = AttributesQuery {
            window: AttributeWindow { scope, ..AttributeWindow::default() },
            ..keys_query("")
        };
        let scan = AttributesQuery { window: AttributeWindow { scope, ..scanned.clone() }, ..stats.clone() };
        assert_eq!(
            attribute_keys(&store, 1, &stats, now()).unwrap(),
            attribute_keys(&store, 1, &scan, now()).unwrap()
        );
        let v = |w: AttributeWindow| ValuesQuery {
            window: w,
            key: "http.method".into(),
            limit: 10,
            ..ValuesQuery::default()
        };
        assert_eq!(
            attribute_values(&store, 1, &v(stats.window.clone()), now()).unwrap(),
            attribute_values(&store, 1, &v(scan.window.clone()), now()).unwrap()
        );
    }
}

#[test]
fn values_rank_by_rows_then_value_with_substring_and_pages() {
    let mut all = rows(0, 3, "http.method", "GET");
    all.extend(rows(10, 2, "http.method", "POST"));
    all.extend(rows(20, 2, "http.method", "PUT"));
    all.extend(rows(30, 1, "http.method", "get-ish"));
    all.extend(rows(40, 9, "other", "GET"));
    let store = MemStore::with(all);
    let q = ValuesQuery { key: "http.method".into(), limit: 100, ..ValuesQuery::default() };
    let got = |q: &ValuesQuery| attribute_values(&store, 1, q, now()).unwrap();
    let pairs = |v: Vec<ValueCount>| v.into_iter().map(|v| (v.value, v.count)).collect::<Vec<_>>();
    assert_eq!(
        pairs(got(&q)),
        [("GET".into(), 3), ("POST".into(), 2), ("PUT".into(), 2), ("get-ish".into(), 1)]
    );
    assert_eq!(
        pairs(got(&ValuesQuery { search: "gE".into(), ..q.clone() })),
        [("GET".into(), 3), ("get-ish".into(), 1)]
    );
    assert_eq!(
        pairs(got(&ValuesQuery { offset: 1, limit: 2, ..q.clone() })),
        [("POST".into(), 2), ("PUT".into(), 2)]
    );
    assert!(got(&ValuesQuery { key: "missing".into(), ..q }).is_empty());
}

#[test]
fn an_empty_or_unresolvable_window() {
    let store = mixed_store();
    let past = DateRange {
        date_from: Some("2020-01-01".into()),
        date_to: Some("2020-01-02".into()),
        explicit_date: None,
    };
    let window = AttributeWindow { date_range: past, ..AttributeWindow::default() };
    assert!(names(&store, &AttributesQuery { window, ..keys_query("") }).is_empty());
    // from > to cannot be resolved: the last hour instead.
    let inverted =
        DateRange { date_from: Some("-1h".into()), date_to: Some("-2h".into()), explicit_date: None };
    let window = AttributeWindow { date_range: inverted, ..AttributeWindow::default() };
    assert_eq!(window.range_us(now()), AttributeWindow::default().range_us(now()));
    assert_eq!(names(&store, &AttributesQuery { window, ..keys_query("") }).len(), 3);
}

fn params(kv: &[(&str, &str)]) -> Vec<(String, String)> {
    kv.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[test]
fn attribute_params_default_and_clamp() {
    let q = AttributesQuery::from_params(&[]);
    assert_eq!((q.window.scope, q.limit, q.offset, q.search_values), (AttributeScope::Log, 100, 0, false));
    assert_eq!(q.window.date_range, DateRange::last_hour());
    let q = AttributesQuery::from_params(&params(&[
        ("attribute_type", "resource"),
        ("limit", "500"),
        ("offset", "-3"),
        ("search", "a_b"),
        ("search_values", "TRUE"),
        ("keys", "a, b,,c"),
    ]));
    assert_eq!(
        (q.window.scope, q.limit, q.offset, q.search_values),
        (AttributeScope::Resource, 100, 0, true)
    );
    assert_eq!((q.search.as_str(), q.keys), ("a_b", vec!["a".to_owned(), "b".into(), "c".into()]));
    let q = AttributesQuery::from_params(&params(&[("attribute_type", "log_resource"), ("limit", "0")]));
    assert_eq!((q.window.scope, q.limit), (AttributeScope::Log, 1));
    assert_eq!(AttributesQuery::from_params(&params(&[("limit", "many")])).limit, 100);
}

#[test]
fn json_params_fall_back_when_malformed() {
    let window = |kv: &[(&str, &str)]| AttributesQuery::from_params(&params(kv)).window;
    assert_eq!(
        window(&[("dateRange", r#"{"date_from": "-7d"}"#)]).date_range.date_from.as_deref(),
        Some("-7d")
    );
    for bad in ["nope", "null", r#"{"date_from": "yesterday"}"#, r#"{"date_from": 5}"#] {
        assert_eq!(window(&[("dateRange", bad)]).date_range, DateRange::last_hour(), "{bad}");
    }
    let top = window(&[("date_from", "2024-01-01"), ("date_to", "2024-01-02")]).date_range;
    assert_eq!((top.date_from.as_deref(), top.date_to.as_deref()), (Some("2024-01-01"), Some("2024-01-02")));
    assert_eq!(window(&[("serviceNames", r#"["a", 1, null]"#)]).service_names, ["a", "1"]);
    assert!(window(&[("serviceNames", "a,b")]).service_names.is_empty());
    let group = r#"[{"key": "pod", "type": "log_resource_attribute", "operator": "exact", "value": "x"}]"#;
    assert_eq!(window(&[("filterGroup", group)]).filter_group.leaves().len(), 1);
    for bad in ["{", r#"[{"key": "x", "type": "nope"}]"#, "7"] {
        assert_eq!(window(&[("filterGroup", bad)]).filter_group, FilterGroup::default(), "{bad}");
    }
}

#[test]
fn values_params_need_a_key() {
    let err = ValuesQuery::from_params(&params(&[("value", "x")])).unwrap_err();
    assert_eq!((err.attr.as_deref(), err.detail.as_str()), (Some("key"), "key is required"));
    assert!(ValuesQuery::from_params(&params(&[("key", "")])).is_err());
    let q = ValuesQuery::from_params(&params(&[
        ("key", "service.name"),
        ("attribute_type", "resource"),
        ("value", "ap"),
        ("limit", "5000"),
    ]))
    .unwrap();
    assert_eq!(
        (q.key.as_str(), q.search.as_str(), q.limit, q.window.scope),
        ("service.name", "ap", 1000, AttributeScope::Resource)
    );
}
