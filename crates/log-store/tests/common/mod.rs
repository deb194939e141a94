//! Shared helpers for the WAL integration tests.
#![allow(dead_code)]

use log_store::{Lsn, Replay, Wal, WalOptions};
use std::path::{Path, PathBuf};

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        Self(std::env::temp_dir().join(format!("log-store-{tag}-{:016x}", rand::random::<u64>())))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Opens the WAL and collects the replayed frames.
pub fn open(dir: &Path, opts: WalOptions) -> (Wal, Vec<(Lsn, Vec<u8>)>, Replay) {
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
