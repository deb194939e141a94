use super::*;
use logs_query::{LogCursor, OrderBy, RowFilter, Severity, parse_body};
use std::path::PathBuf;
use uuid::Uuid;

fn rec(team_id: i64, ts: i64, n: u128) -> LogRecord {
    LogRecord {
        uuid: Uuid::from_u128(n),
        team_id,
        timestamp_us: ts,
        observed_timestamp_us: ts + 5,
        body: format!("line {n}"),
        severity: Severity::Info,
        severity_number: 9,
        service_name: "api".into(),
        resource_attributes: vec![("host".into(), "a".into())].into(),
        resource_fingerprint: 7,
        attributes: vec![("n".into(), n.to_string())],
        trace_id: [0; 16],
        span_id: [0; 8],
        trace_flags: 0,
        instrumentation_scope: String::new(),
        event_name: String::new(),
        bytes: 10,
    }
}

fn req<'a>(team_id: i64, filter: &'a RowFilter, order: OrderBy, from_us: i64, to_us: i64) -> ListRequest<'a> {
    ListRequest { team_id, from_us, to_us, filter, order, after: None, observed_from_us: None, limit: 1000 }
}

fn keys(rows: &[LogRecord]) -> Vec<(i64, u128)> {
    rows.iter().map(|r| (r.timestamp_us, r.uuid.as_u128())).collect()
}

fn open(dir: &Path) -> (EmbeddedStore, OpenReport) {
    EmbeddedStore::open(dir).unwrap()
}

#[test]
fn append_then_list_both_orders_with_bounds_and_limit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, report) = open(dir.path());
    assert_eq!(report.replayed_records, 0);
    assert!(!store.has_logs(1).unwrap());
    store.append(1, vec![]).unwrap();
    assert!(!store.has_logs(1).unwrap(), "empty batch is a no-op");
    // Out of order within and across batches.
    store.append(1, vec![rec(1, 30, 3), rec(1, 10, 1), rec(1, 50, 5)]).unwrap();
    store.append(1, vec![rec(1, 20, 2), rec(1, 40, 4)]).unwrap();
    assert!(store.has_logs(1).unwrap());
    let all = RowFilter::default();

    let latest = store.list(&req(1, &all, OrderBy::Latest, 0, 100)).unwrap();
    assert_eq!(keys(&latest), vec![(50, 5), (40, 4), (30, 3), (20, 2), (10, 1)]);
    let earliest = store.list(&req(1, &all, OrderBy::Earliest, 0, 100)).unwrap();
    assert_eq!(keys(&earliest), vec![(10, 1), (20, 2), (30, 3), (40, 4), (50, 5)]);

    // from inclusive, to exclusive.
    let bounded = store.list(&req(1, &all, OrderBy::Earliest, 20, 50)).unwrap();
    assert_eq!(keys(&bounded), vec![(20, 2), (30, 3), (40, 4)]);
    let bounded = store.list(&req(1, &all, OrderBy::Latest, 20, 50)).unwrap();
    assert_eq!(keys(&bounded), vec![(40, 4), (30, 3), (20, 2)]);

    let mut r = req(1, &all, OrderBy::Latest, 0, 100);
    r.limit = 2;
    assert_eq!(keys(&store.list(&r).unwrap()), vec![(50, 5), (40, 4)]);
    r.order = OrderBy::Earliest;
    assert_eq!(keys(&store.list(&r).unwrap()), vec![(10, 1), (20, 2)]);
    r.limit = 0;
    assert!(store.list(&r).unwrap().is_empty());

    // Empty and inverted ranges are empty, not a panic.
    assert!(store.list(&req(1, &all, OrderBy::Latest, 30, 30)).unwrap().is_empty());
    assert!(store.list(&req(1, &all, OrderBy::Earliest, 60, 10)).unwrap().is_empty());

    // Records come back whole, with the team set.
    assert_eq!(earliest[0], rec(1, 10, 1));
}

#[test]
fn observed_from_skips_older_observations() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, _) = open(dir.path());
    assert_eq!(store.checkpoint_us(), 0);
    store.append(1, vec![rec(1, 10, 1), rec(1, 20, 2), rec(1, 30, 3)]).unwrap();
    // Observed = ts + 5; the checkpoint is past every visible observation.
    assert_eq!(store.checkpoint_us(), 36);
    let all = RowFilter::default();
    let mut r = req(1, &all, OrderBy::Earliest, 0, 100);
    r.observed_from_us = Some(25);
    assert_eq!(keys(&store.list(&r).unwrap()), vec![(20, 2), (30, 3)]);
    r.observed_from_us = Some(store.checkpoint_us());
    assert!(store.list(&r).unwrap().is_empty());
}

#[test]
fn cursor_paging_visits_every_row_once_including_equal_timestamps() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, _) = open(dir.path());
    // 40 rows over 5 distinct timestamps; uuids deliberately not in timestamp order.
    let mut expected = Vec::new();
    let mut batch = Vec::new();
    for n in 0..40u128 {
        let ts = 100 + (n as i64 * 7 % 5) * 10;
        let uuid = (n * 7919) % 1000 + 1;
        batch.push(rec(1, ts, uuid));
        expected.push((ts, uuid));
    }
    store.append(1, batch).unwrap();
    expected.sort();
    let all = RowFilter::default();
    for order in [OrderBy::Earliest, OrderBy::Latest] {
        for limit in [1, 3, 7, 40, 100] {
            let mut seen = Vec::new();
            let mut after = None;
            loop {
                let mut r = req(1, &all, order, 0, 1000);
                r.after = after;
                r.limit = limit;
                let page = store.list(&r).unwrap();
                assert!(page.len() <= limit);
                for row in &page {
                    if let Some(c) = after {
                        assert!(LogCursor::admits(&c, order, row.timestamp_us, row.uuid));
                    }
                }
                seen.extend(keys(&page));
                if page.len() < limit {
                    break;
                }
                after = page.last().map(LogCursor::after_record);
            }
            let mut want = expected.clone();
            if order == OrderBy::Latest {
                want.reverse();
            }
            assert_eq!(seen, want, "order {order:?} limit {limit}");
        }
    }
}

#[test]
fn cursor_outside_the_time_range_is_clamped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, _) = open(dir.path());
    store.append(1, vec![rec(1, 10, 1), rec(1, 20, 2), rec(1, 30, 3)]).unwrap();
    let all = RowFilter::default();
    // Earliest with a cursor before `from`: from wins.
    let mut r = req(1, &all, OrderBy::Earliest, 20, 100);
    r.after = Some(LogCursor::new(5, Uuid::max()));
    assert_eq!(keys(&store.list(&r).unwrap()), vec![(20, 2), (30, 3)]);
    // Latest with a cursor after `to`: to wins.
    let mut r = req(1, &all, OrderBy::Latest, 0, 30);
    r.after = Some(LogCursor::new(1000, Uuid::nil()));
    assert_eq!(keys(&store.list(&r).unwrap()), vec![(20, 2), (10, 1)]);
    // Cursor past the end of the range in paging direction: nothing.
    let mut r = req(1, &all, OrderBy::Earliest, 0, 30);
    r.after = Some(LogCursor::new(30, Uuid::nil()));
    assert!(store.list(&r).unwrap().is_empty());
    let mut r = req(1, &all, OrderBy::Latest, 20, 100);
    r.after = Some(LogCursor::new(20, Uuid::from_u128(2)));
    assert!(store.list(&r).unwrap().is_empty());
}

#[test]
fn filter_is_applied() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, _) = open(dir.path());
    let mut err = rec(1, 10, 1);
    err.severity = Severity::Error;
    err.body = "payment BOOM failed".into();
    let mut err_other = rec(1, 20, 2);
    err_other.severity = Severity::Error;
    err_other.body = "quiet".into();
    let mut info_boom = rec(1, 30, 3);
    info_boom.body = "boom".into();
    store.append(1, vec![err, err_other, info_boom]).unwrap();

    let body = serde_json::json!({"query": {"severityLevels": ["error"], "searchTerm": "boom"}});
    let filter = parse_body(&body, false).unwrap().row_filter();
    let rows = store.list(&req(1, &filter, OrderBy::Latest, 0, 100)).unwrap();
    assert_eq!(keys(&rows), vec![(10, 1)]);

    // The filter does not count against the limit: rejected rows are skipped, not returned.
    let body = serde_json::json!({"query": {"severityLevels": ["error"]}});
    let filter = parse_body(&body, false).unwrap().row_filter();
    let mut r = req(1, &filter, OrderBy::Latest, 0, 100);
    r.limit = 1;
    assert_eq!(keys(&store.list(&r).unwrap()), vec![(20, 2)]);
}

#[test]
fn teams_are_isolated() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, _) = open(dir.path());
    store.append(1, vec![rec(1, 10, 1)]).unwrap();
    // The team argument wins over a mismatched record field.
    store.append(2, vec![rec(99, 20, 2)]).unwrap();
    let all = RowFilter::default();
    let one = store.list(&req(1, &all, OrderBy::Latest, 0, 100)).unwrap();
    let two = store.list(&req(2, &all, OrderBy::Latest, 0, 100)).unwrap();
    assert_eq!(keys(&one), vec![(10, 1)]);
    assert_eq!(keys(&two), vec![(20, 2)]);
    assert_eq!(two[0].team_id, 2);
    assert!(store.list(&req(3, &all, OrderBy::Latest, 0, 100)).unwrap().is_empty());
    assert!(!store.has_logs(99).unwrap());
    assert!(!store.has_logs(3).unwrap());
}

#[test]
fn reopen_replays_everything() {
    let dir = tempfile::tempdir().expect("temp dir");
    let all = RowFilter::default();
    let (before1, before2, checkpoint) = {
        let (store, _) = open(dir.path());
        store.append(1, vec![rec(1, 10, 1), rec(1, 20, 2)]).unwrap();
        store.append(2, vec![rec(2, 15, 3)]).unwrap();
        store.append(1, vec![rec(1, 5, 4)]).unwrap();
        (
            store.list(&req(1, &all, OrderBy::Earliest, 0, 100)).unwrap(),
            store.list(&req(2, &all, OrderBy::Earliest, 0, 100)).unwrap(),
            store.checkpoint_us(),
        )
    };
    let (store, report) = open(dir.path());
    assert_eq!(report.replayed_records, 4);
    assert_eq!(report.corrupt_frames, 0);
    assert_eq!(report.wal.frames, 3);
    assert!(report.wal.corruption.is_empty());
    assert_eq!(store.list(&req(1, &all, OrderBy::Earliest, 0, 100)).unwrap(), before1);
    assert_eq!(store.list(&req(2, &all, OrderBy::Earliest, 0, 100)).unwrap(), before2);
    assert_eq!(store.checkpoint_us(), checkpoint);
    assert!(store.has_logs(1).unwrap() && store.has_logs(2).unwrap());
    // Appends continue after replay and survive another reopen.
    store.append(1, vec![rec(1, 30, 5)]).unwrap();
    drop(store);
    let (store, report) = open(dir.path());
    assert_eq!(report.replayed_records, 5);
    assert_eq!(store.list(&req(1, &all, OrderBy::Earliest, 0, 100)).unwrap().len(), 4);
}

fn last_wal_file(dir: &Path) -> PathBuf {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("wal"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    files.sort();
    files.pop().unwrap()
}

#[test]
fn torn_tail_loses_only_the_unacknowledged_tail() {
    let dir = tempfile::tempdir().expect("temp dir");
    let all = RowFilter::default();
    {
        let (store, _) = open(dir.path());
        store.append(1, vec![rec(1, 10, 1), rec(1, 20, 2)]).unwrap();
        store.append(1, vec![rec(1, 30, 3)]).unwrap();
    }
    // Cut the last frame in half, as kill -9 mid-write would.
    let path = last_wal_file(dir.path());
    let len = std::fs::metadata(&path).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(len - 10).unwrap();

    let (store, report) = open(dir.path());
    assert_eq!(report.replayed_records, 2);
    assert_eq!(report.corrupt_frames, 0);
    assert_eq!(report.wal.corruption.len(), 1);
    assert_eq!(report.wal.corruption[0].kind, crate::wal::CorruptionKind::TornTail);
    assert_eq!(keys(&store.list(&req(1, &all, OrderBy::Earliest, 0, 100)).unwrap()), vec![(10, 1), (20, 2)]);
    // The tail was cut off: new appends follow good data and replay cleanly.
    store.append(1, vec![rec(1, 40, 4)]).unwrap();
    drop(store);
    let (store, report) = open(dir.path());
    assert!(report.wal.corruption.is_empty());
    assert_eq!(
        keys(&store.list(&req(1, &all, OrderBy::Earliest, 0, 100)).unwrap()),
        vec![(10, 1), (20, 2), (40, 4)]
    );
}

#[test]
fn undecodable_frames_are_counted_and_skipped() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let (store, _) = open(dir.path());
        store.append(1, vec![rec(1, 10, 1)]).unwrap();
    }
    {
        // A valid WAL frame whose payload is not a batch.
        let (wal, _) = Wal::open(dir.path().join("wal"), WalOptions::default(), |_, _| {}).unwrap();
        wal.append(b"not a batch").unwrap();
    }
    {
        let (store, _) = open(dir.path());
        store.append(1, vec![rec(1, 20, 2)]).unwrap();
    }
    let (store, report) = open(dir.path());
    assert_eq!(report.corrupt_frames, 1);
    assert_eq!(report.replayed_records, 2);
    let all = RowFilter::default();
    assert_eq!(keys(&store.list(&req(1, &all, OrderBy::Earliest, 0, 100)).unwrap()), vec![(10, 1), (20, 2)]);
}

#[test]
fn second_open_of_the_same_dir_fails_cleanly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_store, _) = open(dir.path());
    assert!(matches!(EmbeddedStore::open(dir.path()), Err(StoreError::Read(_))));
}

#[test]
fn concurrent_appends_are_all_visible() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, _) = open(dir.path());
    let store = Arc::new(store);
    const THREADS: u128 = 8;
    const BATCHES: u128 = 25;
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                for b in 0..BATCHES {
                    let n = t * 1000 + b * 2;
                    let ts = (b * 10) as i64; // equal timestamps across threads
                    store.append(1, vec![rec(1, ts, n + 1), rec(1, ts, n + 2)]).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let all = RowFilter::default();
    let mut r = req(1, &all, OrderBy::Earliest, i64::MIN, i64::MAX);
    r.limit = usize::MAX;
    let total = (THREADS * BATCHES * 2) as usize;
    assert_eq!(store.list(&r).unwrap().len(), total);
    let store = Arc::into_inner(store).unwrap();
    drop(store);
    let (store, report) = open(dir.path());
    assert_eq!(report.replayed_records as usize, total);
    let mut r = req(1, &all, OrderBy::Latest, i64::MIN, i64::MAX);
    r.limit = usize::MAX;
    assert_eq!(store.list(&r).unwrap().len(), total);
}

#[test]
fn head_scans_go_in_chunks_and_stop_when_asked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, _) = open(dir.path());
    // More rows than one chunk, with equal timestamps across chunk boundaries.
    let rows: Vec<LogRecord> = (0..5000u128).map(|n| rec(1, 100 + (n / 3) as i64, n + 1)).collect();
    store.append(1, rows.clone()).unwrap();
    let all = RowFilter::default();
    let req = ScanRequest { team_id: 1, from_us: 0, to_us: i64::MAX, filter: &all };
    let mut seen = Vec::new();
    store
        .scan(&req, &mut |r| {
            seen.push((r.timestamp_us, r.uuid.as_u128()));
            true
        })
        .unwrap();
    let mut want = keys(&rows);
    want.sort_unstable();
    assert_eq!(seen, want, "every row once, in key order");
    let mut n = 0;
    store
        .scan(&req, &mut |_| {
            n += 1;
            n < 1500
        })
        .unwrap();
    assert_eq!(n, 1500, "stops as soon as the visitor says so");
}
