use serde_json::json;

use super::*;
use crate::SparklineBreakdownBy;
use crate::aggregate::{NO_VALUE_LABEL, OTHER_LABEL, Sparkline, SparklinePoint, sparkline};
use crate::mem_store::MemStore;

const HOUR: i64 = 60 * MINUTE;

fn point(minute: i64, value: &str, count: u64, bytes: u64) -> SparklinePoint {
    SparklinePoint { time_us: t0() + minute * MINUTE, value: value.to_owned(), count, bytes }
}

fn run(store: &MemStore, q: serde_json::Value) -> Sparkline {
    sparkline(store, TEAM, &query(0, HOUR, q), now()).unwrap()
}

/// Points at `minute`.
fn at(s: &Sparkline, minute: i64) -> Vec<SparklinePoint> {
    s.points.iter().filter(|p| p.time_us == t0() + minute * MINUTE).cloned().collect()
}

fn store() -> MemStore {
    MemStore::with_team(
        TEAM,
        vec![
            rec(t0() + MINUTE + 5 * SECOND, "api", Severity::Info, "a", 10),
            rec(t0() + MINUTE + 50 * SECOND, "", Severity::Error, "b", 20),
            rec(t0() + MINUTE + 59 * SECOND, "api", Severity::Info, "c", 30),
            rec(t0() + 3 * MINUTE, "web", Severity::Warn, "timeout", 40),
        ],
    )
}

#[test]
fn spine_is_zero_filled_and_breaks_down_by_severity_by_default() {
    let s = run(&store(), json!({}));
    assert_eq!(s.breakdown_by, SparklineBreakdownBy::Severity);
    assert_eq!(s.interval.seconds(), 60, "72 s is closest to a minute");
    assert_eq!(s.points.len(), 60 - 2 + 3, "60 buckets; minute 1 has two values");
    assert_eq!(at(&s, 0), [point(0, NO_VALUE_LABEL, 0, 0)]);
    assert_eq!(at(&s, 1), [point(1, "error", 1, 20), point(1, "info", 2, 40)], "ordered by value");
    assert_eq!(at(&s, 3), [point(3, "warn", 1, 40)]);
    assert_eq!(at(&s, 59), [point(59, NO_VALUE_LABEL, 0, 0)]);
    assert!(s.points.windows(2).all(|w| w[0].time_us <= w[1].time_us));
}

#[test]
fn service_breakdown_labels_empty_names_and_filters_apply() {
    let s = run(&store(), json!({"sparklineBreakdownBy": "service"}));
    assert_eq!(s.breakdown_by, SparklineBreakdownBy::Service);
    assert_eq!(at(&s, 1), [point(1, NO_VALUE_LABEL, 1, 20), point(1, "api", 2, 40)]);
    let s = run(&store(), json!({"sparklineBreakdownBy": "service", "searchTerm": "TIMEOUT"}));
    assert_eq!(s.points.iter().map(|p| p.count).sum::<u64>(), 1);
    assert_eq!(at(&s, 1), [point(1, NO_VALUE_LABEL, 0, 0)]);
    let empty = sparkline(&store(), TEAM, &query(2 * HOUR, 3 * HOUR, json!({})), now()).unwrap();
    assert!(empty.points.iter().all(|p| p.count == 0 && p.value == NO_VALUE_LABEL));
    assert_eq!(empty.points.len(), 60);
}

#[test]
fn keeps_the_top_ten_values_and_folds_the_rest() {
    let mut rows = Vec::new();
    let mut add = |service: &str, n: u64, bytes: u32| {
        for i in 0..n {
            rows.push(rec(t0() + (i as i64 % 2) * MINUTE, service, Severity::Info, "x", bytes));
        }
    };
    for i in 1..=9u64 {
        add(&format!("v{i:02}"), 100 - i, 1);
    }
    add("tie-b", 5, 2);
    add("tie-a", 5, 2);
    add("small", 1, 7);
    let s = run(&MemStore::with_team(TEAM, rows), json!({"sparklineBreakdownBy": "service"}));
    let minute0 = at(&s, 0);
    assert_eq!(minute0.len(), 11, "ten values and other");
    assert_eq!(minute0[0], point(0, OTHER_LABEL, 3 + 1, 3 * 2 + 7), "tie-b (3 of 5 here) and small");
    assert_eq!(minute0[1], point(0, "tie-a", 3, 6), "ties go to the smaller value");
    assert_eq!(minute0[2].value, "v01");
    assert_eq!(at(&s, 1)[0], point(1, OTHER_LABEL, 2, 4));
    assert_eq!(s.points.iter().map(|p| p.count).sum::<u64>(), (91..=99).sum::<u64>() + 11);
}

#[test]
fn ranks_by_bytes_when_asked() {
    let mut rows = vec![rec(t0(), "heavy", Severity::Info, "x", 10_000)];
    for i in 0..10 {
        for _ in 0..2 {
            rows.push(rec(t0(), &format!("light-{i}"), Severity::Info, "x", 1));
        }
    }
    let store = MemStore::with_team(TEAM, rows);
    let values = |rank: &str| -> Vec<String> {
        let s = run(&store, json!({"sparklineBreakdownBy": "service", "sparklineRankBy": rank}));
        at(&s, 0).into_iter().map(|p| p.value).collect()
    };
    let by_count = values("count");
    assert!(by_count.contains(&OTHER_LABEL.to_owned()) && !by_count.contains(&"heavy".to_owned()));
    let by_bytes = values("bytes");
    assert!(by_bytes.contains(&"heavy".to_owned()), "{by_bytes:?}");
    assert!(!by_bytes.contains(&"light-9".to_owned()), "the largest name of the tied lights is folded");
    assert_eq!(by_bytes.len(), 11);
}

#[test]
fn sub_minute_sparklines_use_exact_timestamps() {
    let s = sparkline(&store(), TEAM, &query(MINUTE, 2 * MINUTE, json!({})), now()).unwrap();
    assert_eq!(s.interval.seconds(), 1, "1.2 s");
    assert_eq!(s.points.len(), 60, "data buckets replace their zero points");
    let data: Vec<(i64, &str)> = s
        .points
        .iter()
        .filter(|p| p.count > 0)
        .map(|p| ((p.time_us - t0()) / SECOND, p.value.as_str()))
        .collect();
    assert_eq!(data, [(65, "info"), (110, "error"), (119, "info")]);
}
