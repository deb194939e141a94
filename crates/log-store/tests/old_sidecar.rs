//! Segments written by the format-1 sidecar (rollup cells per resource) still open and
//! answer exactly: `tests/fixtures/sidecar-v1/` is a store directory written by that
//! encoder (at eb8f08d: `append(1, rows())`, then `flush`, so every row is in a segment).
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use logs_query::testsuite::aggregates;
use logs_query::testsuite::compare::rollup_cells;
use logs_query::{LogRecord, LogStore, Severity};
use serde_json::json;
use support::{opts, oracle, temp_dir};
use uuid::Uuid;

/// An hour boundary: the rows straddle it, so there are two segments.
const HOUR0: i64 = 1_750_000_000_000_000 - 1_750_000_000_000_000 % 3_600_000_000;
const MINUTE: i64 = 60_000_000;
const ROWS: i64 = 1200;

/// 1200 rows over the 20 minutes around `HOUR0`, 60 resources, three services
/// (one empty), five severities: many resources share each (minute, service, severity).
fn rows() -> Vec<LogRecord> {
    (0..ROWS)
        .map(|i| {
            let ts = HOUR0 - 10 * MINUTE + (i * 1_000_003) % (20 * MINUTE);
            let res = (i * 7) % 60;
            LogRecord {
                uuid: Uuid::from_u128(i as u128 + 1),
                team_id: 1,
                timestamp_us: ts,
                observed_timestamp_us: ts + 5,
                body: format!("line {i}"),
                severity: Severity::ALL[(i % 5) as usize],
                severity_number: Severity::ALL[(i % 5) as usize].default_number(),
                service_name: ["api", "web", ""][(i % 3) as usize].to_string(),
                resource_attributes: vec![("k8s.pod.name".into(), format!("pod-{res}"))].into(),
                resource_fingerprint: 1000 + res as u64,
                attributes: vec![("n".into(), (i % 4).to_string())],
                trace_id: [0; 16],
                span_id: [0; 8],
                trace_flags: 0,
                instrumentation_scope: String::new(),
                event_name: String::new(),
                bytes: 10 + (i % 9) as u32,
            }
        })
        .collect()
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sidecar-v1")
}

/// The fixture copied to a temp dir (opening writes the state file and the WAL).
fn copy_fixture(to: &Path) {
    for sub in ["", "segments", "wal"] {
        let (from, dest) = (fixture_dir().join(sub), to.join(sub));
        std::fs::create_dir_all(&dest).unwrap();
        for e in std::fs::read_dir(&from).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                std::fs::copy(&p, dest.join(p.file_name().unwrap())).unwrap();
            }
        }
    }
}

/// The format byte of each sidecar in `dir/segments`, after the 16-byte frame header.
fn sidecar_versions(dir: &Path) -> Vec<u8> {
    let mut out: Vec<(PathBuf, u8)> = std::fs::read_dir(dir.join("segments"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "meta"))
        .map(|p| {
            let v = std::fs::read(&p).unwrap()[16];
            (p, v)
        })
        .collect();
    out.sort();
    out.into_iter().map(|(_, v)| v).collect()
}

#[test]
fn format_1_sidecars_open_and_answer_exactly() {
    assert_eq!(sidecar_versions(&fixture_dir()), [1, 1], "the fixture is the old format");
    let dir = temp_dir("old-sidecar");
    copy_fixture(dir.path());
    let (store, report) = log_store::EmbeddedStore::open_with(dir.path(), opts()).unwrap();
    assert!(report.corrupt_segments.is_empty() && !report.corrupt_state, "{report:?}");
    assert_eq!((report.segments, report.segment_rows), (2, ROWS as u64), "every row in a segment");
    let rows = rows();
    // Every method against the oracle, rollups included.
    support::check(&store, &rows, "format-1 sidecars");
    // Folded: one cell per (minute, service, severity), where format 1 had one per resource.
    let (from, to) = (HOUR0 - 10 * MINUTE, HOUR0 + 10 * MINUTE);
    let mut visits = 0;
    store.rollups(1, from, to, &mut |_| visits += 1).unwrap();
    let keys = rollup_cells(&store, 1, from, to);
    assert_eq!(visits, keys.len(), "one cell per key");
    let per_resource: BTreeSet<_> = rows
        .iter()
        .map(|r| (r.timestamp_us / MINUTE, &r.service_name, r.severity, r.resource_fingerprint))
        .collect();
    assert!(
        per_resource.len() > 2 * keys.len(),
        "{} resource cells fold into {}",
        per_resource.len(),
        keys.len()
    );
    // The endpoints, with and without a resource filter.
    let mem = oracle(&rows);
    for q in [
        json!({}),
        json!({"sparklineBreakdownBy": "service"}),
        json!({"resourceFingerprint": "1007"}),
        json!({"resourceFingerprint": "1014", "sparklineBreakdownBy": "service"}),
    ] {
        let ctx = q.to_string();
        aggregates::assert_same_aggregates(&store, &mem, 1, &aggregates::query(from, to, q), &ctx);
    }
    // New segments are written in the current format, next to the old ones.
    let late: Vec<LogRecord> = rows
        .iter()
        .take(50)
        .map(|r| LogRecord {
            uuid: Uuid::from_u128(r.uuid.as_u128() + 1_000_000),
            timestamp_us: r.timestamp_us + 3_600_000_000,
            ..r.clone()
        })
        .collect();
    store.append(1, late.clone()).unwrap();
    store.flush().unwrap();
    assert_eq!(sidecar_versions(dir.path()), [1, 1, 2]);
    drop(store);
    let store = support::open(dir.path(), opts());
    let all: Vec<LogRecord> = rows.into_iter().chain(late).collect();
    support::check(&store, &all, "format-1 and format-2 sidecars, reopened");
}
