//! Shared helpers of the integration tests: temp dirs, store and WAL openers, WAL file
//! inspection. The data set, the filters and the oracle checks come from the conformance
//! suite (`logs_query::testsuite`), so the store tests and the suite share one model.
#![allow(dead_code, unused_imports)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use log_store::{EmbeddedStore, Lsn, Replay, StoreOptions, Wal, WalOptions};
pub use logs_query::testsuite::compare::{check, oracle, scan_keys};
pub use logs_query::testsuite::data::{BASE, HOUR, MINUTE, append_grouped, dataset, filter};
pub use tempfile::TempDir;

/// A fresh directory, removed on drop; `tag` names the test in the directory name.
pub fn temp_dir(tag: &str) -> TempDir {
    tempfile::Builder::new().prefix(&format!("log-store-{tag}-")).tempdir().expect("temp dir")
}

/// No background thread; small batches so pruning and paging cross many batch boundaries.
pub fn opts() -> StoreOptions {
    StoreOptions {
        background: false,
        batch_rows: 64,
        seal_rows: usize::MAX,
        seal_age: Duration::from_secs(3600),
        ..StoreOptions::default()
    }
}

pub fn open(dir: &Path, opts: StoreOptions) -> EmbeddedStore {
    EmbeddedStore::open_with(dir, opts).expect("open store").0
}

/// Opens the WAL and collects the replayed frames.
pub fn open_wal(dir: &Path, opts: WalOptions) -> (Wal, Vec<(Lsn, Vec<u8>)>, Replay) {
    let mut got = Vec::new();
    let (wal, replay) = Wal::open(dir, opts, |lsn, p| got.push((lsn, p.to_vec()))).expect("open WAL");
    (wal, got, replay)
}

pub fn payloads(frames: &[(Lsn, Vec<u8>)]) -> Vec<Vec<u8>> {
    frames.iter().map(|(_, p)| p.clone()).collect()
}

/// WAL files in the directory as (seq, path), in order.
pub fn wal_files(dir: &Path) -> Vec<(u64, PathBuf)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("read WAL dir")
        .map(|e| e.expect("dir entry").path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?;
            let seq = name.strip_prefix("wal-")?.strip_suffix(".log")?.parse().ok()?;
            Some((seq, p))
        })
        .collect();
    files.sort();
    files
}

pub fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).expect("file metadata").len()
}

/// Frame header size: magic, length, crc.
pub const HEADER: u64 = 12;
