use serde_json::json;

use super::*;
use crate::aggregate::{CountRange, count, count_ranges};
use crate::interval::Interval;
use crate::mem_store::MemStore;

fn store() -> MemStore {
    MemStore::with_team(
        TEAM,
        vec![
            rec(t0() + 5 * SECOND, "api", Severity::Info, "started", 10),
            rec(t0() + 65 * SECOND, "api", Severity::Error, "request timeout", 20),
            rec(t0() + 12 * MINUTE, "web", Severity::Warn, "slow", 30),
            rec(t0() + 55 * MINUTE + 30 * SECOND, "web", Severity::Error, "Timeout again", 40),
        ],
    )
}

#[test]
fn counts_with_each_filter_and_half_open_bounds() {
    let s = store();
    let n = |from, to, q| count(&s, TEAM, &query(from, to, q), now()).unwrap();
    let hour = 60 * MINUTE;
    assert_eq!(n(0, hour, json!({})), 4);
    assert_eq!(n(0, hour, json!({"severityLevels": ["error"]})), 2);
    assert_eq!(n(0, hour, json!({"serviceNames": ["web"]})), 2);
    assert_eq!(n(0, hour, json!({"searchTerm": "TIMEOUT"})), 2);
    let g = json!([{"key": "message", "type": "log", "operator": "icontains", "value": "slow"}]);
    assert_eq!(n(0, hour, json!({"filterGroup": g})), 1);
    assert_eq!(n(5 * SECOND, 65 * SECOND, json!({})), 1, "from inclusive, to exclusive");
    assert_eq!(n(2 * hour, 3 * hour, json!({})), 0, "empty range");
    assert_eq!(count(&s, TEAM + 1, &query(0, hour, json!({})), now()).unwrap(), 0, "other team");
}

#[test]
fn count_ranges_pick_the_interval_and_omit_empty_buckets() {
    let s = store();
    let hour = 60 * MINUTE;
    let r = count_ranges(&s, TEAM, &query(0, hour, json!({})), now()).unwrap();
    assert_eq!(r.interval, Interval::from_seconds(300).unwrap(), "360 s is closest to 300 (10 buckets)");
    let at = |m: i64| t0() + m * MINUTE;
    assert_eq!(
        r.ranges,
        [
            CountRange { from_us: at(0), to_us: at(5), count: 2 },
            CountRange { from_us: at(10), to_us: at(15), count: 1 },
            CountRange { from_us: at(55), to_us: at(60), count: 1 },
        ]
    );
    let r =
        count_ranges(&s, TEAM, &query(0, hour, json!({"targetBuckets": 1, "serviceNames": ["api"]})), now());
    let r = r.unwrap();
    assert_eq!(r.interval.short_form(), "1h");
    assert_eq!(r.ranges, [CountRange { from_us: at(0), to_us: at(60), count: 2 }]);
    let empty = count_ranges(&s, TEAM, &query(2 * hour, 3 * hour, json!({})), now()).unwrap();
    assert!(empty.ranges.is_empty());
}

#[test]
fn count_ranges_buckets_cut_by_the_window_and_sub_minute_intervals() {
    let s = store();
    // [t0 + 1 min, t0 + 56 min) in 50 buckets: 66 s, so 1-minute buckets.
    let r = count_ranges(&s, TEAM, &query(MINUTE, 56 * MINUTE, json!({"targetBuckets": 50})), now()).unwrap();
    assert_eq!(r.interval.seconds(), 60);
    let starts: Vec<(i64, u64)> = r.ranges.iter().map(|c| ((c.from_us - t0()) / SECOND, c.count)).collect();
    assert_eq!(starts, [(60, 1), (720, 1), (3300, 1)], "the 5 s row is outside the window");
    // A 2-minute window with 100 buckets: 1 s buckets, built from scans at exact timestamps.
    let r = count_ranges(&s, TEAM, &query(0, 2 * MINUTE, json!({"targetBuckets": 100})), now()).unwrap();
    assert_eq!(r.interval.short_form(), "1s");
    let starts: Vec<i64> = r.ranges.iter().map(|c| (c.from_us - t0()) / SECOND).collect();
    assert_eq!(starts, [5, 65]);
    assert!(r.ranges.iter().all(|c| c.to_us - c.from_us == SECOND));
}
