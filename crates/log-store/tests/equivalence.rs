//! Every `LogStore` method returns what a naive evaluation over all records returns, whether
//! rows sit in the head, in segments, in compacted segments, or were reloaded after a reopen.

mod support;

use support::{append_grouped, check, dataset, open, opts, temp_dir};

#[test]
fn head_segments_compaction_and_reopen_agree_with_the_oracle() {
    let dir = temp_dir("equivalence");
    let rows = dataset(42, 3000);
    let (first, rest) = rows.split_at(1200);
    let (second, third) = rest.split_at(900);
    let store = open(dir.path(), opts());

    append_grouped(&store, first, 37);
    check(&store, first, "head only");

    store.flush().unwrap();
    let stats = store.stats();
    assert_eq!(stats.head_rows, 0);
    assert!(stats.segments >= 10, "one segment per team-hour: {stats:?}");
    check(&store, first, "segments only");

    // More rows in the same hours: several segments per team-hour, plus a head.
    append_grouped(&store, second, 53);
    store.flush().unwrap();
    append_grouped(&store, &third[..400], 11);
    store.flush().unwrap();
    append_grouped(&store, &third[400..], 29);
    let upto = rows.len();
    check(&store, &rows[..upto], "segments and head");

    let before = store.stats().segments;
    store.compact().unwrap();
    let after = store.stats();
    assert!(after.segments < before, "compaction merged segments: {before} -> {after:?}");
    check(&store, &rows, "after compaction");

    drop(store);
    let (store, report) = log_store::EmbeddedStore::open_with(dir.path(), opts()).unwrap();
    assert_eq!(report.replayed_records, (third.len() - 400) as u64, "only the unsealed rows replay");
    assert!(report.corrupt_segments.is_empty(), "{report:?}");
    check(&store, &rows, "after reopen");
    store.flush().unwrap();
    store.compact().unwrap();
    check(&store, &rows, "after reopen, flush and compaction");
}
