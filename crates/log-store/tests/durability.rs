//! Restarts, crashes around sealing, retention, and appends racing seals.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use log_store::{CrashPoint, EmbeddedStore, StoreOptions};
use logs_query::{LogStore, RowFilter};
use support::{BASE, HOUR, append_grouped, check, dataset, open, opts, scan_keys, temp_dir};

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .expect("reading the WAL directory")
        .map(|e| e.expect("reading the WAL directory").metadata().expect("reading the WAL directory").len())
        .sum()
}

fn all_keys(store: &dyn LogStore, team: i64) -> Vec<(i64, u128)> {
    scan_keys(store, team, i64::MIN, i64::MAX, &RowFilter::default())
}

#[test]
fn restart_persists_everything_and_flush_shrinks_the_wal() {
    let dir = temp_dir("restart");
    let rows = dataset(7, 2000);
    let wal = dir.path().join("wal");
    {
        let store = open(dir.path(), opts());
        append_grouped(&store, &rows, 50);
        let before = dir_bytes(&wal);
        assert!(before > 100_000, "{before}");
        store.flush().unwrap();
        let after = dir_bytes(&wal);
        assert!(after < before / 10, "WAL shrank after flush: {before} -> {after}");
    }
    let (store, report) = EmbeddedStore::open_with(dir.path(), opts()).unwrap();
    assert_eq!(report.replayed_records, 0, "{report:?}");
    assert_eq!(report.segment_rows, rows.len() as u64);
    check(&store, &rows, "reopened");
}

#[test]
fn crash_between_segment_write_and_wal_truncation_does_not_duplicate() {
    let dir = temp_dir("crash-truncate");
    let rows = dataset(8, 1500);
    {
        let store =
            open(dir.path(), StoreOptions { crash_point: Some(CrashPoint::BeforeTruncate), ..opts() });
        append_grouped(&store, &rows, 40);
        store.flush().unwrap();
    }
    let (store, report) = EmbeddedStore::open_with(dir.path(), opts()).unwrap();
    assert!(report.skipped_frames > 0, "frames already in segments are skipped: {report:?}");
    assert_eq!(report.replayed_records, 0);
    check(&store, &rows, "after crash before truncation");
    // And once more, after the WAL is cleaned up by the next seal.
    store.flush().unwrap();
    drop(store);
    let store = open(dir.path(), opts());
    check(&store, &rows, "second reopen");
}

#[test]
fn crash_before_commit_replays_the_wal_and_drops_the_uncommitted_segments() {
    let dir = temp_dir("crash-commit");
    let rows = dataset(9, 1500);
    let (sealed, unsealed) = rows.split_at(700);
    {
        let store = open(dir.path(), opts());
        append_grouped(&store, sealed, 40);
        store.flush().unwrap();
    }
    {
        let store = open(dir.path(), StoreOptions { crash_point: Some(CrashPoint::BeforeCommit), ..opts() });
        append_grouped(&store, unsealed, 40);
        assert!(store.flush().is_err());
        // The frozen head is still queryable after the failed seal.
        check(&store, &rows, "failed seal");
    }
    let (store, report) = EmbeddedStore::open_with(dir.path(), opts()).unwrap();
    assert_eq!(report.replayed_records, unsealed.len() as u64, "{report:?}");
    assert!(!report.removed_files.is_empty(), "uncommitted segments removed: {report:?}");
    assert_eq!(report.segment_rows, sealed.len() as u64);
    check(&store, &rows, "after crash before commit");
}

#[test]
fn orphan_temp_files_and_lone_sidecars_are_removed_at_open() {
    let dir = temp_dir("orphans");
    let rows = dataset(10, 300);
    {
        let store = open(dir.path(), opts());
        append_grouped(&store, &rows, 100);
        store.flush().unwrap();
    }
    let seg = dir.path().join("segments");
    std::fs::write(seg.join("00000000000000ff.seg.tmp"), b"partial").unwrap();
    std::fs::write(seg.join("00000000000000fe.meta"), b"sidecar without data").unwrap();
    let (store, report) = EmbeddedStore::open_with(dir.path(), opts()).unwrap();
    assert_eq!(report.removed_files.len(), 2, "{report:?}");
    assert!(report.corrupt_segments.is_empty());
    assert!(!seg.join("00000000000000ff.seg.tmp").exists());
    check(&store, &rows, "after cleanup");
}

#[test]
fn retention_drops_whole_segments_and_head_rows_for_good() {
    let dir = temp_dir("retention");
    let rows = dataset(11, 2000);
    let (old, recent) = rows.split_at(1000);
    let store = open(dir.path(), opts());
    append_grouped(&store, old, 50);
    store.flush().unwrap();
    append_grouped(&store, recent, 50);
    let cutoff = BASE + 2 * HOUR;
    let segs_before = store.stats().segments;
    let files_before = std::fs::read_dir(dir.path().join("segments")).unwrap().count();

    let dropped = store.drop_before(1, cutoff).unwrap();
    // Whole expired segments (hours 0 and 1) plus head rows older than the cutoff.
    let expected = rows.iter().filter(|r| r.team_id == 1 && r.timestamp_us < cutoff).count() as u64;
    assert_eq!(dropped, expected);
    assert!(store.stats().segments < segs_before);
    let files_after = std::fs::read_dir(dir.path().join("segments")).unwrap().count();
    assert!(files_after < files_before, "disk freed at once: {files_before} -> {files_after}");
    let kept: Vec<_> = rows.iter().filter(|r| r.team_id != 1 || r.timestamp_us >= cutoff).cloned().collect();
    check(&store, &kept, "after retention");
    assert_eq!(store.drop_before(1, cutoff).unwrap(), 0, "idempotent");

    // Dropped head rows do not come back from the WAL.
    drop(store);
    let store = open(dir.path(), opts());
    check(&store, &kept, "after retention and reopen");
    assert_eq!(
        store.drop_before(1, i64::MAX).unwrap(),
        kept.iter().filter(|r| r.team_id == 1).count() as u64
    );
    assert!(!store.has_logs(1).unwrap());
    assert!(store.has_logs(2).unwrap());
}

#[test]
fn concurrent_appends_while_sealing_never_lose_or_duplicate_rows() {
    let dir = temp_dir("concurrent");
    let rows = Arc::new(dataset(12, 8000));
    let opts = StoreOptions {
        background: true,
        seal_rows: 500,
        seal_age: std::time::Duration::from_millis(20),
        compact_small_rows: 2000,
        ..opts()
    };
    let store = Arc::new(open(dir.path(), opts.clone()));
    let done = Arc::new(AtomicBool::new(false));
    let flusher = {
        let (store, done) = (Arc::clone(&store), Arc::clone(&done));
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                store.flush().unwrap();
                store.compact().unwrap();
            }
        })
    };
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (store, rows) = (Arc::clone(&store), Arc::clone(&rows));
            std::thread::spawn(move || {
                let mine: Vec<_> = rows.iter().skip(w).step_by(4).cloned().collect();
                for chunk in mine.chunks(17) {
                    for team in [1, 2, 3] {
                        let batch: Vec<_> = chunk.iter().filter(|r| r.team_id == team).cloned().collect();
                        store.append(team, batch).unwrap();
                    }
                    // Every row acknowledged so far is visible, exactly once.
                    let first = &chunk[0];
                    let seen = all_keys(&*store, first.team_id);
                    assert!(seen.contains(&(first.timestamp_us, first.uuid.as_u128())));
                }
            })
        })
        .collect();
    // Readers during the churn: counts never exceed the total and never repeat a key.
    for _ in 0..20 {
        for team in [1, 2, 3] {
            let keys = all_keys(&*store, team);
            let mut dedup = keys.clone();
            dedup.dedup();
            assert_eq!(keys.len(), dedup.len(), "no duplicates mid-churn");
        }
    }
    writers.into_iter().for_each(|w| w.join().unwrap());
    done.store(true, Ordering::Relaxed);
    flusher.join().unwrap();
    check(&*store, &rows, "after concurrent appends and seals");
    drop(store);
    let store = open(dir.path(), support::opts());
    check(&store, &rows, "reopened after concurrent appends");
}

#[test]
fn lost_or_damaged_state_file_falls_back_to_segment_positions() {
    let dir = temp_dir("state-file");
    let rows = dataset(13, 1200);
    let (sealed, unsealed) = rows.split_at(800);
    {
        let store = open(dir.path(), opts());
        append_grouped(&store, sealed, 50);
        store.flush().expect("flush");
        store.compact().expect("compact");
        append_grouped(&store, unsealed, 50);
    }
    let state = dir.path().join("STATE");
    std::fs::remove_file(&state).expect("remove state");
    let (store, report) = EmbeddedStore::open_with(dir.path(), opts()).expect("open");
    assert!(report.corrupt_state, "{report:?}");
    assert_eq!(report.replayed_records, unsealed.len() as u64);
    check(&store, &rows, "state file removed");
    drop(store);

    let mut bytes = std::fs::read(&state).expect("read state");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&state, bytes).expect("write state");
    let (store, report) = EmbeddedStore::open_with(dir.path(), opts()).expect("open");
    assert!(report.corrupt_state, "{report:?}");
    check(&store, &rows, "state file damaged");
}

#[test]
fn compaction_inputs_left_behind_by_a_crash_are_not_read_twice() {
    let dir = temp_dir("compaction-crash");
    let rows = dataset(14, 1500);
    let seg_dir = dir.path().join("segments");
    let saved = dir.path().join("saved");
    std::fs::create_dir_all(&saved).expect("mkdir");
    {
        let store = open(dir.path(), opts());
        for chunk in rows.chunks(300) {
            append_grouped(&store, chunk, 50);
            store.flush().expect("flush");
        }
        for e in std::fs::read_dir(&seg_dir).expect("list") {
            let p = e.expect("entry").path();
            std::fs::copy(&p, saved.join(p.file_name().expect("name"))).expect("copy");
        }
        store.compact().expect("compact");
    }
    // As if the inputs' deletion never happened.
    let mut restored = 0;
    for e in std::fs::read_dir(&saved).expect("list") {
        let p = e.expect("entry").path();
        let target = seg_dir.join(p.file_name().expect("name"));
        if !target.exists() {
            std::fs::copy(&p, &target).expect("copy back");
            restored += 1;
        }
    }
    assert!(restored > 0);
    let (store, report) = EmbeddedStore::open_with(dir.path(), opts()).expect("open");
    assert_eq!(report.removed_files.len(), restored, "{report:?}");
    check(&store, &rows, "after a crash mid-compaction");
}
