//! Shared helpers for the store tests: a generated multi-team data set and a naive oracle
//! with the head-only semantics every `LogStore` method must match.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use log_store::{EmbeddedStore, StoreOptions};
use logs_query::{LogRecord, RowFilter, Severity, parse_body};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

pub const HOUR: i64 = 3_600_000_000;
pub const MINUTE: i64 = 60_000_000;
/// An hour boundary (2025-06-15T15:00:00Z).
pub const BASE: i64 = 1_750_000_000_000_000 - 1_750_000_000_000_000 % HOUR;

pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        Self(std::env::temp_dir().join(format!("log-store-{tag}-{:016x}", rand::random::<u64>())))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// No background thread; small batches so pruning and paging cross many batch boundaries.
pub fn opts() -> StoreOptions {
    StoreOptions {
        background: false,
        batch_rows: 64,
        seal_rows: usize::MAX,
        seal_age: Duration::from_secs(3600),
        ..StoreOptions::default()
    }
}

pub fn open(dir: &Path, opts: StoreOptions) -> EmbeddedStore {
    EmbeddedStore::open_with(dir, opts).expect("open store").0
}

const SERVICES: [&str; 5] = ["api", "checkout", "web", "worker", "db-proxy"];

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

/// One team's record with realistic variety: repeated timestamps, optional ids, odd strings.
pub fn record(rng: &mut StdRng, team_id: i64, n: u64, ts: i64) -> LogRecord {
    let severity = Severity::ALL[rng.random_range(0..Severity::ALL.len())];
    let res = rng.random_range(0..8u64);
    let resource_attributes = vec![
        ("host".to_string(), format!("h{res}")),
        ("k8s.pod.name".to_string(), format!("pod-{}", res % 3)),
    ];
    let mut attributes = Vec::new();
    if rng.random_bool(0.7) {
        attributes
            .push(("http.method".to_string(), ["GET", "POST", "PUT"][rng.random_range(0..3)].to_string()));
    }
    if rng.random_bool(0.02) {
        attributes.push(("rare.key".to_string(), "x".to_string()));
    }
    if rng.random_bool(0.5) {
        attributes.push(("status".to_string(), ["200", "404", "500"][rng.random_range(0..3)].to_string()));
    }
    if rng.random_bool(0.6) {
        attributes.push(("user_id".to_string(), rng.random_range(0..200).to_string()));
    }
    if rng.random_bool(0.03) {
        attributes.push(("weird\u{1f}key".to_string(), "va\u{1e}lue\u{1b}".to_string()));
    }
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
        resource_attributes,
        resource_fingerprint: res * 7919 + 1,
        attributes,
        trace_id: if rng.random_bool(0.5) { rng.random() } else { [0; 16] },
        span_id: if rng.random_bool(0.5) { rng.random() } else { [0; 8] },
        trace_flags: rng.random_range(0..2),
        instrumentation_scope: if rng.random_bool(0.3) { "lib@1.0".into() } else { String::new() },
        event_name: if rng.random_bool(0.1) { "evt".into() } else { String::new() },
        bytes,
    }
}

/// `n` records of teams 1..=3 over five hours from [`BASE`], with many equal timestamps.
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

/// Appends `rows` grouped by team in batches of `batch`.
pub fn append_all(store: &EmbeddedStore, rows: &[LogRecord], batch: usize) {
    use logs_query::LogStore;
    for chunk in rows.chunks(batch) {
        let mut by_team: BTreeMap<i64, Vec<LogRecord>> = BTreeMap::new();
        for r in chunk {
            by_team.entry(r.team_id).or_default().push(r.clone());
        }
        for (team, recs) in by_team {
            store.append(team, recs).expect("append");
        }
    }
}

pub fn filter(query: serde_json::Value) -> RowFilter {
    parse_body(&serde_json::json!({ "query": query }), false).expect("valid query").row_filter()
}

/// Filters exercising every pruning path.
pub fn filters() -> Vec<(String, RowFilter)> {
    use serde_json::json;
    let attr = |key: &str, op: &str, value: serde_json::Value| json!({"filterGroup": [{"key": key, "type": "log_attribute", "operator": op, "value": value}]});
    let queries = vec![
        json!({}),
        json!({"severityLevels": ["error", "fatal"]}),
        json!({"serviceNames": ["checkout", "db-proxy"]}),
        json!({"serviceNames": ["no-such-service"]}),
        json!({"searchTerm": "timeout"}),
        json!({"searchTerm": "TOK-0000002"}),
        json!({"searchTerm": "straße"}),
        json!({"searchTerm": "ΣΊΣ"}),
        json!({"searchTerm": "\u{1e} weird"}),
        json!({"searchTerm": "zzzzqq"}),
        json!({"resourceFingerprint": "15839"}),
        attr("http.method", "exact", json!("POST")),
        attr("rare.key", "is_set", json!(null)),
        json!({"severityLevels": ["info"], "serviceNames": ["api"], "searchTerm": "GET"}),
        json!({"filterGroup": [{"key": "k8s.pod.name", "type": "log_resource_attribute", "operator": "exact", "value": "pod-1"}]}),
        // Leaves the store pre-evaluates on attribute columns, alone and mixed with others.
        attr("http.method", "is_not", json!("POST")),
        attr("http.method", "exact", json!(["GET", "PUT"])),
        attr("http.method", "is_not_set", json!(null)),
        attr("rare.key", "is_not_set", json!(null)),
        attr("nope", "is_not_set", json!(null)),
        attr("nope", "is_not", json!("x")),
        attr("weird\u{1f}key", "exact", json!("va\u{1e}lue\u{1b}")),
        attr("weird\u{1f}key", "is_not_set", json!(null)),
        attr("status", "exact", json!(["200", "x"])),
        attr("status", "is_not", json!("200")),
        attr("user_id", "exact", json!("abc")),
        json!({"filterGroup": [
            {"key": "http.method", "type": "log_attribute", "operator": "exact", "value": "POST"},
            {"key": "host", "type": "log_resource_attribute", "operator": "is_not", "value": "h3"},
            {"key": "user_id", "type": "log_attribute", "operator": "is_set", "value": null}]}),
        json!({"searchTerm": "job", "filterGroup": [
            {"key": "http.method", "type": "log_attribute", "operator": "is_not", "value": "GET"},
            {"key": "status", "type": "log_attribute", "operator": "exact", "value": "200"}]}),
        json!({"filterGroup": {"type": "AND", "values": [
            {"key": "http.method", "type": "log_attribute", "operator": "exact", "value": "PUT"},
            {"type": "OR", "values": [
                {"key": "status", "type": "log_attribute", "operator": "is_not_set", "value": null},
                {"key": "k8s.pod.name", "type": "log_resource_attribute", "operator": "exact", "value": "pod-2"}]}]}}),
    ];
    queries.into_iter().map(|q| (q.to_string(), filter(q))).collect()
}
pub mod oracle;
