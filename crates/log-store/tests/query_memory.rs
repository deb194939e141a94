//! The query memory budget: concurrent queries stay within it (waiting, not failing) and still
//! answer exactly.

mod support;

use log_store::StoreOptions;
use logs_query::RowFilter;
use support::{append_grouped, check, dataset, open, opts, oracle, scan_keys, temp_dir};

#[test]
fn concurrent_queries_wait_within_a_small_budget_and_answer_exactly() {
    let dir = temp_dir("query-memory");
    // About two decoded 64-row batches: concurrent scans must take turns.
    let limit = 48 << 10;
    let store = open(dir.path(), StoreOptions { query_memory_bytes: limit, cache_bytes: 0, ..opts() });
    let rows = dataset(7, 3000);
    append_grouped(&store, &rows, 250);
    store.flush().expect("flush");
    let want = scan_keys(&oracle(&rows), 1, i64::MIN, i64::MAX, &RowFilter::default());
    assert!(want.len() > 500, "team 1 spans many batches");
    std::thread::scope(|s| {
        for _ in 0..6 {
            s.spawn(|| {
                for _ in 0..3 {
                    let got = scan_keys(&store, 1, i64::MIN, i64::MAX, &RowFilter::default());
                    assert_eq!(got, want);
                }
            });
        }
    });
    check(&store, &rows, "under a small query budget");
    let m = store.stats().query_memory;
    assert_eq!(m.limit, limit);
    assert!(m.peak > 0 && m.peak <= limit, "{m:?}");
    assert_eq!(m.used, 0, "every batch given back: {m:?}");
    assert!(m.waits > 0, "six concurrent scans over a two-batch budget wait: {m:?}");
}

#[test]
fn the_default_budget_is_512_mib() {
    assert_eq!(StoreOptions::default().query_memory_bytes, 512 << 20);
    assert_eq!(log_store::DEFAULT_QUERY_MEMORY_BYTES, 512 << 20);
}
