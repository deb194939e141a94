//! The observer hears every WAL sync, seal and compaction as it happens, and the stats show
//! the seal backlog and the WAL's counters.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use log_store::{Outcome, StoreObserver};
use logs_query::LogStore;
use support::{append_grouped, dataset, open, opts, temp_dir};

#[derive(Default)]
struct Recorder {
    syncs: Mutex<Vec<Duration>>,
    seals: Mutex<Vec<(Outcome, usize)>>,
    compactions: Mutex<Vec<(Outcome, usize)>>,
}

impl StoreObserver for Recorder {
    fn wal_synced(&self, sync: Duration) {
        self.syncs.lock().unwrap().push(sync);
    }
    fn head_sealed(&self, outcome: Outcome, rows: usize, _took: Duration) {
        self.seals.lock().unwrap().push((outcome, rows));
    }
    fn compacted(&self, outcome: Outcome, segments: usize, _took: Duration) {
        self.compactions.lock().unwrap().push((outcome, segments));
    }
}

#[test]
fn syncs_seals_and_compactions_are_reported() {
    let dir = temp_dir("observe");
    let store = open(dir.path(), opts());
    let seen = Arc::new(Recorder::default());
    assert!(store.set_observer(seen.clone()));
    assert!(!store.set_observer(Arc::new(Recorder::default())), "set once");

    let rows = dataset(7, 400);
    let one_team: Vec<_> = rows.iter().filter(|r| r.team_id == rows[0].team_id).cloned().collect();
    store.append(one_team[0].team_id, one_team[..10].to_vec()).unwrap();
    assert_eq!(seen.syncs.lock().unwrap().len(), 1, "one append, one group sync");
    let wal = store.stats().wal;
    assert_eq!((wal.frames, wal.syncs), (1, 1));
    assert!(wal.bytes > 0);

    // A frozen head is the seal backlog until it is written.
    store.freeze_head();
    let s = store.stats();
    assert_eq!((s.frozen_heads, s.frozen_rows, s.head_rows), (1, 10, 10), "{s:?}");
    assert!(seen.seals.lock().unwrap().is_empty());
    store.flush().unwrap();
    assert_eq!(*seen.seals.lock().unwrap(), [(Outcome::Ok, 10)]);
    let s = store.stats();
    assert_eq!((s.frozen_heads, s.frozen_rows, s.head_rows), (0, 0, 0), "{s:?}");
    assert!(s.segments > 0 && s.segment_bytes > 0, "{s:?}");

    // Three more seals of the same hours, then compaction merges each team-hour.
    for chunk in one_team[10..].chunks(one_team.len() / 3 + 1) {
        store.append(chunk[0].team_id, chunk.to_vec()).unwrap();
        store.flush().unwrap();
    }
    assert_eq!(seen.seals.lock().unwrap().len(), 4);
    assert!(seen.compactions.lock().unwrap().is_empty());
    let before = store.stats().segments;
    store.compact().unwrap();
    let merged = seen.compactions.lock().unwrap().clone();
    assert!(!merged.is_empty(), "{before} segments");
    assert!(merged.iter().all(|&(o, n)| o == Outcome::Ok && n >= 2), "{merged:?}");
    assert!(store.stats().segments < before);
    assert!(seen.syncs.lock().unwrap().len() >= 4);
}

#[test]
fn a_failed_seal_is_reported_as_failed() {
    let dir = temp_dir("observe-fail");
    let store = open(
        dir.path(),
        log_store::StoreOptions { crash_point: Some(log_store::CrashPoint::BeforeCommit), ..opts() },
    );
    let seen = Arc::new(Recorder::default());
    store.set_observer(seen.clone());
    append_grouped(&store, &dataset(3, 50), 50);
    assert!(store.flush().is_err());
    assert_eq!(seen.seals.lock().unwrap().first().map(|s| s.0), Some(Outcome::Failed));
    assert_eq!(store.stats().frozen_heads, 1, "the head stays frozen for the next attempt");
    assert_eq!(Outcome::Failed.as_str(), "failed");
}

/// Thread names of the seals and merges heard.
#[derive(Default)]
struct Threads {
    seals: Mutex<Vec<String>>,
    compactions: Mutex<Vec<String>>,
}

fn thread_name() -> String {
    std::thread::current().name().unwrap_or("unnamed").to_string()
}

impl StoreObserver for Threads {
    fn head_sealed(&self, _outcome: Outcome, _rows: usize, _took: Duration) {
        self.seals.lock().unwrap().push(thread_name());
    }
    fn compacted(&self, outcome: Outcome, _segments: usize, _took: Duration) {
        assert_eq!(outcome, Outcome::Ok);
        self.compactions.lock().unwrap().push(thread_name());
    }
}

#[test]
fn background_seals_and_merges_run_on_threads_of_their_own() {
    let dir = temp_dir("observe-threads");
    let bg = log_store::StoreOptions {
        background: true,
        seal_rows: 40,
        seal_age: Duration::from_millis(20),
        compact_min_segments: 2,
        ..opts()
    };
    let store = open(dir.path(), bg);
    let seen = Arc::new(Threads::default());
    store.set_observer(seen.clone());
    let rows = dataset(11, 600);
    append_grouped(&store, &rows, 40);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while seen.compactions.lock().unwrap().is_empty() || store.stats().head_rows > 0 {
        assert!(std::time::Instant::now() < deadline, "no background seal and merge within 60 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    let seals = seen.seals.lock().unwrap().clone();
    let merges = seen.compactions.lock().unwrap().clone();
    assert!(seals.iter().all(|t| t == "log-store-maintenance"), "{seals:?}");
    assert!(merges.iter().all(|t| t == "log-store-compaction"), "{merges:?}");
    let s = store.stats();
    assert_eq!(s.segment_rows + s.head_rows as u64, rows.len() as u64, "no row lost or doubled: {s:?}");
}
