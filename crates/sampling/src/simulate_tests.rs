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
