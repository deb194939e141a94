use std::collections::BTreeMap;

use serde_json::json;

use super::*;
use crate::aggregate::planner::{CountRow, for_each_count, for_each_count_in, scan_counts};
use crate::interval::Interval;
use crate::mem_store::{Call, MemStore};
use crate::row_filter::RowFilter;

/// 600 rows spread unevenly over 10 minutes from t0, several services, severities, resources,
/// bodies and attributes.
fn fixture() -> Vec<LogRecord> {
    let services = ["api", "web", "", "worker"];
    (0..600i64)
        .map(|i| {
            let ts = t0() + (i * 7_919_117) % (10 * MINUTE);
            let mut r = rec(
                ts,
                services[(i % 4) as usize],
                Severity::ALL[(i % 7) as usize],
                if i % 5 == 0 { "request TIMEOUT" } else { "ok" },
                (10 + i % 13) as u32,
            );
            r.resource_fingerprint = (i % 3) as u64;
            r.attributes =
                crate::testutil::pairs(&[("http.method", if i % 2 == 0 { "GET" } else { "POST" })]);
            r
        })
        .collect()
}

type Key = (i64, String, Severity);

/// Rows summed per (minute, service, severity): what both plans must agree on.
fn per_minute(
    run: impl FnOnce(&mut dyn FnMut(&CountRow<'_>)) -> Result<(), crate::StoreError>,
) -> BTreeMap<Key, (u64, u64)> {
    let mut out: BTreeMap<Key, (u64, u64)> = BTreeMap::new();
    run(&mut |row| {
        let slot = out
            .entry((row.ts_us - row.ts_us.rem_euclid(MINUTE), row.service_name.to_owned(), row.severity))
            .or_default();
        slot.0 += row.count;
        slot.1 += row.bytes;
    })
    .unwrap();
    out
}

fn filters() -> Vec<RowFilter> {
    let g = json!([{"key": "http.method", "type": "log_attribute", "operator": "exact", "value": "GET"}]);
    [
        json!({}),
        json!({"severityLevels": ["error", "fatal"]}),
        json!({"serviceNames": ["api", ""]}),
        json!({"resourceFingerprint": "2"}),
        json!({"severityLevels": ["info"], "serviceNames": ["web"], "resourceFingerprint": "1"}),
        json!({"searchTerm": "timeout"}),
        json!({"filterGroup": g}),
    ]
    .into_iter()
    .map(|q| parse_body(&json!({ "query": q }), false).unwrap().row_filter())
    .collect()
}

#[test]
fn planner_equals_a_pure_scan_for_aligned_and_unaligned_ranges() {
    let store = MemStore::with_team(TEAM, fixture());
    let ranges = [
        (t0(), t0() + 10 * MINUTE),
        (t0() + 17 * SECOND + 3, t0() + 8 * MINUTE + 59 * SECOND),
        (t0() + 30 * SECOND, t0() + 50 * SECOND),
        (t0() + MINUTE, t0() + 2 * MINUTE + 1),
        (t0() - MINUTE, t0() + 11 * MINUTE),
        (t0() + 5 * MINUTE, t0() + 5 * MINUTE),
    ];
    for filter in filters() {
        for (from, to) in ranges {
            let planned = per_minute(|sink| for_each_count(&store, TEAM, from, to, &filter, sink));
            let scanned = per_minute(|sink| scan_counts(&store, TEAM, from, to, &filter, sink));
            assert_eq!(planned, scanned, "{filter:?} {from}..{to}");
            let naive = fixture()
                .iter()
                .filter(|r| from <= r.timestamp_us && r.timestamp_us < to && filter.matches(r))
                .count() as u64;
            assert_eq!(planned.values().map(|v| v.0).sum::<u64>(), naive, "{filter:?} {from}..{to}");
        }
    }
    assert!(
        !per_minute(|s| for_each_count(&store, TEAM, t0(), t0() + 10 * MINUTE, &filters()[0], s)).is_empty()
    );
    assert!(
        per_minute(|s| for_each_count(&store, TEAM + 1, t0(), t0() + 10 * MINUTE, &filters()[0], s))
            .is_empty()
    );
}

#[test]
fn whole_minutes_come_from_rollups_and_edges_from_scans() {
    let store = MemStore::with_team(TEAM, fixture());
    let all = RowFilter::default();
    let run = |from, to, filter: &RowFilter| {
        store.take_calls();
        for_each_count(&store, TEAM, from, to, filter, &mut |_| {}).unwrap();
        store.take_calls()
    };
    assert_eq!(run(t0(), t0() + 10 * MINUTE, &all), [Call::Rollups(t0(), t0() + 10 * MINUTE)]);
    let (from, to) = (t0() + 5 * SECOND, t0() + 3 * MINUTE + SECOND);
    assert_eq!(
        run(from, to, &all),
        [
            Call::Scan(from, t0() + MINUTE),
            Call::Rollups(t0() + MINUTE, t0() + 3 * MINUTE),
            Call::Scan(t0() + 3 * MINUTE, to)
        ]
    );
    assert_eq!(
        run(from, t0() + MINUTE + SECOND, &all),
        [Call::Scan(from, t0() + MINUTE + SECOND)],
        "no whole minute"
    );
    let row_data = &filters()[5];
    assert_eq!(run(t0(), t0() + 10 * MINUTE, row_data), [Call::Scan(t0(), t0() + 10 * MINUTE)], "searchTerm");
    assert_eq!(
        run(t0(), t0() + 10 * MINUTE, &filters()[6]),
        [Call::Scan(t0(), t0() + 10 * MINUTE)],
        "filterGroup"
    );
    assert_eq!(
        run(t0(), t0() + 10 * MINUTE, &filters()[2]),
        [Call::Rollups(t0(), t0() + 10 * MINUTE)],
        "services"
    );
    assert_eq!(
        run(t0(), t0() + 10 * MINUTE, &filters()[4]),
        [Call::Scan(t0(), t0() + 10 * MINUTE)],
        "cells hold no resource"
    );
    assert!(run(t0(), t0(), &all).is_empty(), "empty range");
}

#[test]
fn sub_minute_intervals_scan_and_keep_exact_timestamps() {
    let store = MemStore::with_team(TEAM, vec![rec(t0() + 12 * SECOND + 5, "api", Severity::Info, "x", 1)]);
    let all = RowFilter::default();
    let stamps = |seconds: i64| {
        store.take_calls();
        let mut out = Vec::new();
        let interval = Interval::from_seconds(seconds).unwrap();
        for_each_count_in(&store, TEAM, t0(), t0() + MINUTE, interval, &all, &mut |r| out.push(r.ts_us))
            .unwrap();
        (out, store.take_calls())
    };
    assert_eq!(stamps(10), (vec![t0() + 12 * SECOND + 5], vec![Call::Scan(t0(), t0() + MINUTE)]));
    assert_eq!(stamps(60), (vec![t0()], vec![Call::Rollups(t0(), t0() + MINUTE)]), "minute start");
}
