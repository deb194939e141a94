//! Everything the store writes is the owner's alone (logs can hold anything): directories
//! 0700, files 0600, whatever the process umask allows.
#![cfg(unix)]

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use support::{append_grouped, dataset, open, opts, temp_dir};

/// (path, mode bits) of everything under `dir`, `dir` excluded.
fn walk(dir: &Path, out: &mut Vec<(PathBuf, u32)>) {
    for e in std::fs::read_dir(dir).expect("read dir") {
        let p = e.expect("entry").path();
        let meta = std::fs::symlink_metadata(&p).expect("metadata");
        out.push((p.clone(), meta.permissions().mode() & 0o777));
        if meta.is_dir() {
            walk(&p, out);
        }
    }
}

#[test]
fn wal_lock_segments_state_and_quarantine_are_owner_only() {
    let root = temp_dir("modes");
    // Missing parents are created too (each 0700).
    let dir = root.path().join("data").join("logs");
    let rows = dataset(3, 400);
    {
        let store = open(&dir, opts());
        append_grouped(&store, &rows, 50);
        store.flush().expect("seal");
        append_grouped(&store, &rows[..10], 10);
    }
    // A damaged segment is moved to quarantine/ at the next open.
    let seg = std::fs::read_dir(dir.join("segments"))
        .expect("segments")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "seg"))
        .expect("a segment was written");
    std::fs::write(&seg, b"damaged").expect("damage");
    drop(open(&dir, opts()));

    let mut all = vec![(root.path().join("data"), 0), (dir.clone(), 0)];
    for (p, m) in &mut all {
        *m = std::fs::metadata(&*p).expect("metadata").permissions().mode() & 0o777;
    }
    walk(&dir, &mut all);
    let names: Vec<String> = all.iter().map(|(p, _)| p.display().to_string()).collect();
    for want in ["LOCK", ".log", ".seg", ".meta", "STATE", "quarantine"] {
        assert!(names.iter().any(|n| n.contains(want)), "{want} written: {names:?}");
    }
    for (p, mode) in all {
        // The damaged file was rewritten by this test (umask mode), not by the store.
        if p.file_name() == seg.file_name() {
            continue;
        }
        let want = if p.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode, want, "{} is {mode:o}", p.display());
    }
}
