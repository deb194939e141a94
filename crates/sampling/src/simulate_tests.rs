use logs_query::mem_store::MemStore;
use logs_query::{LogRecord, Severity};
use serde_json::json;

use super::*;
use crate::model::RuleType;
use crate::testutil::{T0_US, record, rule};

const SEC: i64 = 1_000_000;

fn rows(n: i64, every_us: i64) -> Vec<LogRecord> {
    (0..n)
        .map(|i| {
            let path = if i % 4 == 0 { "/healthz" } else { "/api" };
            let svc = if i % 2 == 0 { "api" } else { "web" };
            let mut r = record(svc, Severity::Info, &[("path", path)]);
            r.timestamp_us = T0_US + i * every_us;
            r
        })
        .collect()
}

#[test]
fn path_drop_replay_counts_records_bytes_services_and_examples() {
    let store = MemStore::with_team(1, rows(400, SEC));
    let mut draft = rule(1, RuleType::PathDrop, json!({"patterns": ["^/healthz$"]}));
    draft.enabled = false;
    let rep = run(&store, &[], &draft, T0_US, T0_US + 400 * SEC, 100_000).expect("simulate");
    assert!(!rep.sampled);
    assert_eq!(rep.records, Tally { examined: 400, dropped: 100, kept: 300 });
    assert_eq!(rep.bytes, Tally { examined: 40_000, dropped: 10_000, kept: 30_000 });
    assert_eq!(rep.estimated_reduction_pct(), 25.0);
    assert_eq!(rep.per_service["api"].records, Tally { examined: 200, dropped: 100, kept: 100 });
    assert_eq!(rep.per_service["web"].records.dropped, 0);
    assert_eq!(rep.examples.len(), MAX_EXAMPLES);
    assert!(rep.examples.iter().all(|r| r.attribute("path") == Some("/healthz")));
}

#[test]
fn rules_before_the_draft_count_separately() {
    let store = MemStore::with_team(1, rows(100, SEC));
    let first = rule(0, RuleType::PathDrop, json!({"patterns": ["^/healthz$"]}));
    let draft = rule(1, RuleType::SeveritySampling, json!({"actions": {"INFO": {"type": "drop"}}}));
    let rep = run(&store, &[first], &draft, T0_US, T0_US + 100 * SEC, 100_000).expect("simulate");
    assert_eq!((rep.dropped_by_other_rules, rep.records.dropped, rep.records.kept), (25, 75, 0));
}

#[test]
fn rate_limits_replay_in_time_order_and_sampling_says_so() {
    // 10 rows/s for 100 s against 2/s with a burst of 2: 2 + 2 x 99 kept (±1 at the edges).
    let store = MemStore::with_team(1, rows(1000, SEC / 10));
    let draft = rule(1, RuleType::RateLimit, json!({"logs_per_second": 2, "burst_logs": 2}));
    let rep = run(&store, &[], &draft, T0_US, T0_US + 100 * SEC, 100_000).expect("simulate");
    assert!((199..=202).contains(&rep.records.kept), "kept {}", rep.records.kept);
    let sampled = run(&store, &[], &draft, T0_US, T0_US + 100 * SEC, 200).expect("simulate");
    assert!(sampled.sampled);
    assert_eq!(sampled.records.examined, 200);
    assert!((sampled.sample_fraction - 0.2).abs() < 0.01, "{}", sampled.sample_fraction);
    let full = rep.estimated_reduction_pct();
    assert!(
        (sampled.estimated_reduction_pct() - full).abs() < 3.0,
        "{} vs {full}",
        sampled.estimated_reduction_pct()
    );
}

/// 1000 s of /api at 10 rows/s, then 1000 s of /healthz at 1 row/s.
fn uneven() -> Vec<LogRecord> {
    let mut out = Vec::new();
    for i in 0..11_000 {
        let (path, t) = if i < 10_000 { ("/api", i * SEC / 10) } else { ("/healthz", (i - 9_000) * SEC) };
        let mut r = record("api", Severity::Info, &[("path", path)]);
        r.timestamp_us = T0_US + t;
        out.push(r);
    }
    out
}

#[test]
fn uneven_traffic_is_weighed_by_slice_counts() {
    // 1,000 of 11,000 rows are /healthz: 9.09 %. Equal rows per slice would say 50 %.
    let store = MemStore::with_team(1, uneven());
    let draft = rule(1, RuleType::PathDrop, json!({"patterns": ["^/healthz$"]}));
    let (from, to) = (T0_US, T0_US + 2000 * SEC);
    let full = run(&store, &[], &draft, from, to, 100_000).expect("simulate");
    assert!(!full.sampled);
    assert_eq!(full.estimated_reduction_pct(), 9.09);
    let rep = run(&store, &[], &draft, from, to, 1000).expect("simulate");
    assert!(rep.sampled);
    assert_eq!(rep.rows_in_window, 11_000);
    assert!((rep.estimated_reduction_pct() - 9.09).abs() < 0.5, "{}", rep.estimated_reduction_pct());
    assert!((rep.estimated_bytes_reduction_pct() - 9.09).abs() < 0.5);
    assert!((rep.sample_fraction - rep.records.examined as f64 / 11_000.0).abs() < 1e-9);
}

#[test]
fn rate_limits_over_a_sample_keep_the_real_density_of_each_slice() {
    // 10 rows/s then 1 row/s against 5/s: half of the first 10,000 rows go, none of the rest
    // (5,000 of 11,000 = 45.45 %). A thinned sample replayed at the full limit would drop
    // nothing; blocks at real density drop what ingestion would.
    let store = MemStore::with_team(1, uneven());
    let draft = rule(1, RuleType::RateLimit, json!({"logs_per_second": 5, "burst_logs": 5}));
    let (from, to) = (T0_US, T0_US + 2000 * SEC);
    let full = run(&store, &[], &draft, from, to, 100_000).expect("simulate");
    assert!((full.estimated_reduction_pct() - 45.45).abs() < 0.1, "{}", full.estimated_reduction_pct());
    for max_rows in [600, 2000] {
        let rep = run(&store, &[], &draft, from, to, max_rows).expect("simulate");
        assert!(rep.sampled);
        let est = rep.estimated_reduction_pct();
        assert!((est - 45.45).abs() < 2.0, "{max_rows} rows: {est}");
    }
}
