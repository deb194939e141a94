//! Damaged segments are reported and skipped, never a panic; other data stays readable.

mod support;

use std::path::{Path, PathBuf};

use log_store::EmbeddedStore;
use logs_query::{LogRecord, LogStore, RowFilter};
use support::{BASE, HOUR, TempDir, append_grouped, check, dataset, open, opts, oracle, scan_keys, temp_dir};

/// Segment data files, sorted.
fn data_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("segments"))
        .expect("test setup")
        .map(|e| e.expect("test setup").path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    files.sort();
    files
}

fn flip_byte(path: &Path, at_fraction: f64) {
    let mut bytes = std::fs::read(path).expect("test setup");
    let at = ((bytes.len() as f64) * at_fraction) as usize;
    bytes[at] ^= 0x5a;
    std::fs::write(path, bytes).expect("test setup");
}

/// Team 1's rows in one store per hour, so each hour is one segment.
fn setup(dir: &TempDir) -> Vec<LogRecord> {
    let rows: Vec<LogRecord> = dataset(21, 2000).into_iter().filter(|r| r.team_id == 1).collect();
    let store = open(dir.path(), opts());
    append_grouped(&store, &rows, 100);
    store.flush().expect("test setup");
    rows
}

/// Rows outside the hours of the damaged segments.
fn without_hours(rows: &[LogRecord], hours: &[i64]) -> Vec<LogRecord> {
    let hour = |r: &LogRecord| (r.timestamp_us - BASE).div_euclid(HOUR);
    rows.iter().filter(|r| !hours.contains(&hour(r))).cloned().collect()
}

#[test]
fn truncated_and_unreadable_segments_are_quarantined_at_open_and_flipped_bytes_by_the_scrub() {
    let dir = temp_dir("corrupt-open");
    let rows = setup(&dir);
    let files = data_files(dir.path());
    assert_eq!(files.len(), 5, "one segment per hour");
    // Hour 0: a flipped byte. Hour 1: truncated. Hour 2: unreadable metadata.
    flip_byte(&files[0], 0.5);
    let f = std::fs::OpenOptions::new().write(true).open(&files[1]).unwrap();
    f.set_len(f.metadata().unwrap().len() / 2).unwrap();
    flip_byte(&files[2].with_extension("meta"), 0.7);

    // Open reads metadata and file lengths, not the data.
    let (store, report) = EmbeddedStore::open_with(dir.path(), opts()).unwrap();
    let mut reported = report.corrupt_segments.clone();
    reported.sort();
    assert_eq!(reported, files[1..3].to_vec(), "{report:?}");
    let quarantined = std::fs::read_dir(dir.path().join("quarantine")).unwrap().count();
    assert_eq!(quarantined, 4, "data and metadata of each");
    assert!(store.corrupt_segments().is_empty());
    // The scrub (background maintenance, or on demand) checks every data file's checksum.
    store.scrub();
    assert_eq!(store.corrupt_segments(), vec![files[0].clone()]);
    check(&store, &without_hours(&rows, &[0, 1, 2]), "after quarantine and scrub");
}

#[test]
fn the_background_scrub_quarantines_a_segment_damaged_while_closed() {
    let dir = temp_dir("corrupt-scrub");
    let rows = setup(&dir);
    let files = data_files(dir.path());
    flip_byte(&files[2], 0.4);
    let background = log_store::StoreOptions {
        background: true,
        seal_age: std::time::Duration::from_millis(40),
        ..opts()
    };
    let (store, report) = EmbeddedStore::open_with(dir.path(), background).unwrap();
    assert!(report.corrupt_segments.is_empty(), "{report:?}");
    let quarantined = dir.path().join("quarantine").join(files[2].file_name().expect("name"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !quarantined.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(quarantined.exists(), "found and moved by the maintenance thread, without a query");
    assert_eq!(store.corrupt_segments(), vec![files[2].clone()]);
    check(&store, &without_hours(&rows, &[2]), "after the scrub");
}

#[test]
fn damage_found_by_a_query_skips_that_segment_and_is_reported() {
    let dir = temp_dir("corrupt-query");
    let rows = setup(&dir);
    let files = data_files(dir.path());
    let store = open(dir.path(), opts());
    // Damaged after open's verification: found when a batch is read.
    flip_byte(&files[3], 0.3);
    let all = RowFilter::default();
    let got = scan_keys(&store, 1, i64::MIN, i64::MAX, &all);
    let want = scan_keys(&oracle(&without_hours(&rows, &[3])), 1, i64::MIN, i64::MAX, &all);
    // Batches of the damaged segment read before the damaged block may have been returned:
    // every row returned is real and every other segment is complete.
    assert!(want.iter().all(|k| got.contains(k)));
    assert!(got.iter().all(|k| rows.iter().any(|r| (r.timestamp_us, r.uuid.as_u128()) == *k)));
    assert_eq!(store.corrupt_segments(), vec![files[3].clone()]);
    // From then on the segment is skipped everywhere, consistently.
    check(&store, &without_hours(&rows, &[3]), "after runtime damage");
    assert!(store.has_logs(1).unwrap());
}

#[test]
fn garbage_files_never_panic() {
    let dir = temp_dir("corrupt-garbage");
    let rows = setup(&dir);
    let files = data_files(dir.path());
    // Every segment damaged in a different place, including the footer and the header.
    for (i, f) in files.iter().enumerate() {
        flip_byte(f, [0.0, 0.2, 0.6, 0.95, 0.999][i]);
    }
    let (store, report) = EmbeddedStore::open_with(dir.path(), opts()).unwrap();
    assert!(report.corrupt_segments.is_empty(), "lengths are intact: {report:?}");
    store.scrub();
    assert_eq!(store.corrupt_segments().len(), files.len());
    assert!(!store.has_logs(1).unwrap());
    // The WAL was truncated; what remains readable is nothing, and queries still work.
    assert!(scan_keys(&store, 1, i64::MIN, i64::MAX, &RowFilter::default()).is_empty());
    drop(rows);
}

#[test]
fn maintenance_quarantines_segments_found_damaged_by_queries() {
    let dir = temp_dir("corrupt-maintenance");
    let rows = setup(&dir);
    let files = data_files(dir.path());
    let background = log_store::StoreOptions {
        background: true,
        seal_age: std::time::Duration::from_millis(40),
        ..opts()
    };
    let store = open(dir.path(), background);
    flip_byte(&files[1], 0.5);
    let _ = scan_keys(&store, 1, i64::MIN, i64::MAX, &RowFilter::default());
    assert_eq!(store.corrupt_segments(), vec![files[1].clone()]);
    let quarantined = dir.path().join("quarantine").join(files[1].file_name().expect("name"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !quarantined.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(quarantined.exists(), "moved by the maintenance thread");
    check(&store, &without_hours(&rows, &[1]), "after runtime quarantine");
    drop(store);
    let (store, report) = EmbeddedStore::open_with(dir.path(), opts()).expect("reopen");
    assert!(report.corrupt_segments.is_empty(), "{report:?}");
    check(&store, &without_hours(&rows, &[1]), "reopened");
}
