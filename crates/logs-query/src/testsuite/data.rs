//! The conformance data set: several teams over five hours with repeated timestamps, odd
//! strings and every kind of value a filter can test (numbers, dates, routes, ids), plus a
//! catalogue of filters covering every filter kind and operator.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{LogRecord, LogStore, RowFilter, Severity, parse_body};

pub const HOUR: i64 = 3_600_000_000;
pub const MINUTE: i64 = 60_000_000;
/// An hour boundary (2025-06-15T15:00:00Z).
pub const BASE: i64 = 1_750_000_000_000_000 - 1_750_000_000_000_000 % HOUR;
/// The teams [`dataset`] writes; [`EMPTY_TEAM`] never has rows.
pub const TEAMS: [i64; 3] = [1, 2, 3];
pub const EMPTY_TEAM: i64 = 4;

const SERVICES: [&str; 5] = ["api", "checkout", "web", "worker", "db-proxy"];
const ROUTES: [&str; 4] = ["/api/orders/{n}", "/api/Users/{n}/cart", "/healthz", "/static/app.{n}.js"];

fn body(rng: &mut StdRng, n: u64) -> String {
    match rng.random_range(0..8) {
        0 => format!("GET /api/orders/{} 200 in {}ms", rng.random_range(0..500), rng.random_range(1..900)),
        1 => {
            format!("Connection TIMEOUT to db-{} after {}s", rng.random_range(0..4), rng.random_range(1..60))
        }
        2 => format!(
            "user u{} logged in from 10.0.{}.{}",
            rng.random_range(0..100),
            rng.random_range(0..9),
            n % 250
        ),
        3 => format!("Ünïcode Straße Nr. {n} ΣΊΣΥΦΟΣ"),
        4 => "payment failed: card declined \u{1e} weird \u{1f} chars \u{1b}".to_string(),
        5 => format!("tok-{n:08x} unique marker"),
        6 => String::new(),
        _ => format!(
            "job {} finished with status={}",
            n % 37,
            ["ok", "failed", "retry"][rng.random_range(0..3)]
        ),
    }
}

/// A timestamp attribute: ISO to the second (quarter hours around [`BASE`]), a bare date,
/// or not a date at all.
fn created(rng: &mut StdRng) -> String {
    match rng.random_range(0..10) {
        0 => ["2025-06-14", "2025-06-15", "2025-06-16"][rng.random_range(0..3)].to_string(),
        1 => "soon".to_string(),
        _ => format!("2025-06-15T{:02}:{:02}:00Z", rng.random_range(13..20), 15 * rng.random_range(0..4)),
    }
}

/// Optional log attributes; sorted afterwards.
fn attributes(rng: &mut StdRng) -> Vec<(String, String)> {
    let mut attributes = Vec::new();
    let mut maybe = |rng: &mut StdRng, p: f64, key: &str, value: &dyn Fn(&mut StdRng) -> String| {
        if rng.random_bool(p) {
            attributes.push((key.to_string(), value(rng)));
        }
    };
    maybe(rng, 0.7, "http.method", &|r| ["GET", "POST", "PUT"][r.random_range(0..3)].to_string());
    maybe(rng, 0.02, "rare.key", &|_| "x".to_string());
    maybe(rng, 0.5, "status", &|r| ["200", "404", "500"][r.random_range(0..3)].to_string());
    maybe(rng, 0.6, "user_id", &|r| r.random_range(0..200).to_string());
    maybe(rng, 0.03, "weird\u{1f}key", &|_| "va\u{1e}lue\u{1b}".to_string());
    maybe(rng, 0.4, "latency_ms", &|r| format!("{}.{}", r.random_range(0..300), r.random_range(0..10)));
    maybe(rng, 0.3, "created", &created);
    maybe(rng, 0.5, "http.route", &|r| {
        ROUTES[r.random_range(0..ROUTES.len())].replace("{n}", &r.random_range(0..50).to_string())
    });
    attributes
}

/// One team's record with realistic variety: repeated timestamps, optional ids, odd strings.
pub fn record(rng: &mut StdRng, team_id: i64, n: u64, ts: i64) -> LogRecord {
    let severity = Severity::ALL[rng.random_range(0..Severity::ALL.len())];
    let res = rng.random_range(0..8u64);
    let mut resource_attributes = vec![
        (
            "cloud.region".to_string(),
            ["us-east-1", "eu-west-1", "ap-south-1"][(res % 3) as usize].to_string(),
        ),
        ("host".to_string(), format!("h{res}")),
        ("k8s.pod.name".to_string(), format!("pod-{}", res % 3)),
    ];
    if res % 4 == 0 {
        resource_attributes.push(("replicas".to_string(), (res + 1).to_string()));
    }
    resource_attributes.sort();
    let mut attributes = attributes(rng);
    attributes.sort();
    // A few rows break the sorted-map convention: they must still round-trip exactly.
    if rng.random_bool(0.02) {
        attributes.reverse();
        if let Some(first) = attributes.first().cloned() {
            attributes.push(first);
        }
    }
    let body = body(rng, n);
    let bytes = (body.len() + attributes.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>()) as u32;
    LogRecord {
        uuid: Uuid::from_u128(rng.random()),
        team_id,
        timestamp_us: ts,
        observed_timestamp_us: ts + rng.random_range(0..5_000_000),
        body,
        severity,
        severity_number: severity.default_number(),
        service_name: SERVICES[rng.random_range(0..SERVICES.len())].to_string(),
        resource_attributes: resource_attributes.into(),
        resource_fingerprint: res * 7919 + 1,
        attributes,
        // Few distinct ids, so `trace_id`/`span_id` filters find rows.
        trace_id: if rng.random_bool(0.5) { [rng.random_range(1..4); 16] } else { [0; 16] },
        span_id: if rng.random_bool(0.5) { [rng.random_range(1..4); 8] } else { [0; 8] },
        trace_flags: rng.random_range(0..2),
        instrumentation_scope: if rng.random_bool(0.3) { "lib@1.0".into() } else { String::new() },
        event_name: if rng.random_bool(0.1) { "evt".into() } else { String::new() },
        bytes,
    }
}

/// `n` records of [`TEAMS`] (team 1 twice as often) over five hours from [`BASE`], in no
/// time order, with many equal timestamps.
pub fn dataset(seed: u64, n: usize) -> Vec<LogRecord> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out: Vec<LogRecord> = Vec::with_capacity(n);
    for i in 0..n {
        let ts = match out.last() {
            Some(prev) if rng.random_bool(0.15) => prev.timestamp_us,
            _ => BASE + rng.random_range(0..5 * HOUR),
        };
        let team = [1, 1, 2, 3][rng.random_range(0..4)];
        out.push(record(&mut rng, team, i as u64, ts));
    }
    out
}

/// Appends `rows` in chunks of `batch`, one `append` per team and chunk.
pub fn append_grouped(store: &dyn LogStore, rows: &[LogRecord], batch: usize) {
    for chunk in rows.chunks(batch.max(1)) {
        let mut by_team: BTreeMap<i64, Vec<LogRecord>> = BTreeMap::new();
        for r in chunk {
            by_team.entry(r.team_id).or_default().push(r.clone());
        }
        for (team, recs) in by_team {
            store.append(team, recs).expect("append");
        }
    }
}

/// The row filter of a `query` object, as the API parses it.
pub fn filter(query: Value) -> RowFilter {
    parse_body(&json!({ "query": query }), false).expect("valid query").row_filter()
}

fn leaf(key: &str, kind: &str, op: &str, value: Value) -> Value {
    json!({"key": key, "type": kind, "operator": op, "value": value})
}

fn group(leaves: Vec<Value>) -> Value {
    json!({ "filterGroup": leaves })
}

/// Every operator once on log attributes; the text ones also on resource attributes and
/// on the `message`/`service_name` fields.
fn leaf_filters() -> Vec<Value> {
    let a = |key: &str, op: &str, v: Value| group(vec![leaf(key, "log_attribute", op, v)]);
    let r = |key: &str, op: &str, v: Value| group(vec![leaf(key, "log_resource_attribute", op, v)]);
    let f = |key: &str, op: &str, v: Value| group(vec![leaf(key, "log", op, v)]);
    let mut out = vec![
        a("http.method", "exact", json!("POST")),
        a("http.method", "exact", json!(["GET", "PUT"])),
        a("status", "exact", json!(200)),
        a("status", "exact", json!(["200", "x"])),
        a("http.method", "is_not", json!("POST")),
        a("status", "is_not", json!("200")),
        a("rare.key", "is_set", Value::Null),
        a("http.method", "is_not_set", Value::Null),
        a("rare.key", "is_not_set", Value::Null),
        a("weird\u{1f}key", "exact", json!("va\u{1e}lue\u{1b}")),
        a("weird\u{1f}key", "is_not_set", Value::Null),
        a("http.route", "icontains", json!("USERS")),
        a("http.route", "not_icontains", json!("api")),
        a("http.route", "starts_with", json!("/API/")),
        a("http.route", "not_starts_with", json!("/api/")),
        a("http.route", "ends_with", json!(".JS")),
        a("http.route", "not_ends_with", json!("/cart")),
        a("http.route", "regex", json!(r"^/api/orders/\d$")),
        a("http.route", "not_regex", json!(r"\d")),
        a("latency_ms", "gt", json!(150)),
        a("latency_ms", "gte", json!("150.5")),
        a("latency_ms", "lt", json!(20)),
        a("user_id", "lte", json!([3, 120])),
        a("http.route", "gt", json!("/api/orders/3")),
        a("created", "is_date_exact", json!("2025-06-15")),
        a("created", "is_date_exact", json!("2025-06-15T16:30:00Z")),
        a("created", "is_date_before", json!("2025-06-15T16:00:00Z")),
        a("created", "is_date_after", json!("2025-06-15T18:00:00")),
        r("k8s.pod.name", "exact", json!("pod-1")),
        r("host", "is_not", json!("h3")),
        r("replicas", "is_set", Value::Null),
        r("replicas", "is_not_set", Value::Null),
        r("replicas", "gte", json!(5)),
        r("cloud.region", "icontains", json!("EAST")),
        r("cloud.region", "starts_with", json!("eu-")),
        r("cloud.region", "ends_with", json!("EAST-1")),
        r("host", "regex", json!("h[0-2]")),
        f("message", "icontains", json!("timeout")),
        f("message", "not_icontains", json!("o")),
        f("message", "exact", json!("payment failed: card declined \u{1e} weird \u{1f} chars \u{1b}")),
        f("message", "starts_with", json!("USER")),
        f("message", "ends_with", json!("MARKER")),
        f("message", "regex", json!(r"in \d{3}ms$")),
        f("message", "not_regex", json!("[a-z]")),
        f("message", "is_set", Value::Null),
        f("message", "is_not_set", Value::Null),
        f("service_name", "exact", json!(["web", "worker"])),
        f("service_name", "is_not", json!("api")),
        f("service_name", "icontains", json!("PROXY")),
        f("severity_level", "exact", json!(["warn", "fatal"])),
        f("severity_level", "is_not", json!("info")),
        f("trace_id", "exact", json!("02020202020202020202020202020202")),
        f("trace_id", "is_not", json!("01010101010101010101010101010101")),
        f("trace_id", "is_set", Value::Null),
        f("span_id", "exact", json!("0303030303030303")),
        f("span_id", "is_not_set", Value::Null),
    ];
    out.push(group(vec![
        leaf("http.method", "log_attribute", "exact", json!("POST")),
        leaf("host", "log_resource_attribute", "is_not", json!("h3")),
        leaf("user_id", "log_attribute", "is_set", Value::Null),
    ]));
    out
}

fn named(queries: Vec<(bool, Value)>) -> Vec<(String, RowFilter)> {
    queries
        .into_iter()
        .map(|(edge, q)| (format!("{}{q}", if edge { "edge:" } else { "" }), filter(q)))
        .collect()
}

/// Filters of every kind: [`top_level_filters`], then each operator on every field kind,
/// as (name, filter). Filters whose name starts with `edge:` may match no row or every row;
/// every other one matches some rows of [`dataset`] but not all.
pub fn filters() -> Vec<(String, RowFilter)> {
    let mut queries: Vec<(bool, Value)> = leaf_filters().into_iter().map(|q| (false, q)).collect();
    // Leaves that match nothing or everything.
    let a = |key: &str, op: &str, v: Value| group(vec![leaf(key, "log_attribute", op, v)]);
    queries.push((true, a("user_id", "exact", json!("abc"))));
    queries.push((true, a("nope", "is_not_set", Value::Null)));
    queries.push((true, a("nope", "is_not", json!("x"))));
    let mut out = top_level_filters();
    out.extend(named(queries));
    out
}

/// The top-level query fields (severities, services, search, resource) alone and mixed,
/// and AND/OR groups: the filters a store prunes with.
pub fn top_level_filters() -> Vec<(String, RowFilter)> {
    let queries: Vec<(bool, Value)> = vec![
        (true, json!({})),
        (false, json!({"severityLevels": ["error", "fatal"]})),
        (false, json!({"serviceNames": ["checkout", "db-proxy"]})),
        (true, json!({"serviceNames": ["no-such-service"]})),
        (false, json!({"searchTerm": "timeout"})),
        (false, json!({"searchTerm": "TOK-000001"})),
        (false, json!({"searchTerm": "straße"})),
        (false, json!({"searchTerm": "ΣΊΣΥΦ"})),
        // Lower-cased alone, the last sigma is final (ς): no body contains that.
        (true, json!({"searchTerm": "ΣΊΣ"})),
        (false, json!({"searchTerm": "\u{1e} weird"})),
        (true, json!({"searchTerm": "zzzzqq"})),
        (false, json!({"resourceFingerprint": "15839"})),
        (false, json!({"severityLevels": ["info"], "serviceNames": ["api"], "searchTerm": "GET"})),
        (
            false,
            json!({"searchTerm": "job", "filterGroup": [
                leaf("http.method", "log_attribute", "is_not", json!("GET")),
                leaf("status", "log_attribute", "exact", json!("200"))]}),
        ),
        (
            false,
            json!({"filterGroup": {"type": "AND", "values": [
                leaf("http.method", "log_attribute", "exact", json!("PUT")),
                {"type": "OR", "values": [
                    leaf("status", "log_attribute", "is_not_set", Value::Null),
                    leaf("k8s.pod.name", "log_resource_attribute", "exact", json!("pod-2"))]}]}}),
        ),
        (
            false,
            json!({"filterGroup": {"type": "OR", "values": [
                leaf("rare.key", "log_attribute", "is_set", Value::Null),
                leaf("message", "log", "icontains", json!("declined"))]}}),
        ),
    ];
    named(queries)
}
