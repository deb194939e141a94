//! Group commit under concurrent appenders.

mod support;

use log_store::{Lsn, Wal, WalOptions};
use std::collections::HashMap;
use std::sync::{Arc, Barrier};
use std::time::Instant;
use support::{open_wal, temp_dir};

/// `threads` appenders each append `per_thread` payloads; returns (payload, lsn) pairs.
fn hammer(wal: &Arc<Wal>, threads: usize, per_thread: usize, size: usize) -> Vec<(Vec<u8>, Lsn)> {
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (wal, barrier) = (Arc::clone(wal), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                (0..per_thread)
                    .map(|i| {
                        let mut p = format!("t{t}-{i}-").into_bytes();
                        p.resize(size.max(p.len()), b'.');
                        let lsn = wal.append(&p).expect("append acknowledged");
                        (p, lsn)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    handles.into_iter().flat_map(|h| h.join().expect("appender thread")).collect()
}

#[test]
fn concurrent_appenders_share_syncs_and_replay_exactly_once() {
    let dir = temp_dir("concurrent");
    // Small files so rotation happens while groups are being written.
    let opts = WalOptions { max_file_bytes: 64 << 10 };
    let (wal, _, _) = open_wal(dir.path(), opts.clone());
    let wal = Arc::new(wal);
    let acked = hammer(&wal, 16, 200, 40);
    let stats = wal.stats();
    assert_eq!(acked.len(), 3200);
    assert_eq!(stats.frames, 3200);
    assert!(stats.syncs < stats.frames, "group commit: {stats:?}");
    assert!(wal.active_file() > 1, "rotated");
    println!("16x200 appends: {stats:?}");

    // Every appender saw its own appends in LSN order, and LSNs are unique.
    let by_lsn: HashMap<Lsn, &Vec<u8>> = acked.iter().map(|(p, l)| (*l, p)).collect();
    assert_eq!(by_lsn.len(), acked.len());
    for chunk in acked.chunks(200) {
        assert!(chunk.windows(2).all(|w| w[0].1 < w[1].1));
    }
    drop(wal);

    let (_, got, replay) = open_wal(dir.path(), opts);
    assert!(replay.corruption.is_empty());
    assert_eq!(got.len(), acked.len(), "every acknowledged frame replays exactly once");
    assert!(got.windows(2).all(|w| w[0].0 < w[1].0), "replay is in LSN order");
    for (lsn, payload) in &got {
        assert_eq!(by_lsn.get(lsn), Some(&payload), "payload at {lsn}");
    }
}

/// Append throughput with 1 and 16 writers. Run with
/// `cargo test --release -p log-store -- --ignored --nocapture`.
#[test]
#[ignore = "benchmark"]
fn append_throughput() {
    for (threads, per_thread) in [(1, 500), (16, 500), (64, 200)] {
        let dir = temp_dir("bench");
        let (wal, _, _) = open_wal(dir.path(), WalOptions::default());
        let wal = Arc::new(wal);
        let start = Instant::now();
        hammer(&wal, threads, per_thread, 1024);
        let secs = start.elapsed().as_secs_f64();
        let s = wal.stats();
        println!(
            "{threads:>2} writers x 1 KiB: {:>8.0} frames/s, {:>6.0} syncs/s, {:.1} frames/sync, {:.1} MiB/s",
            s.frames as f64 / secs,
            s.syncs as f64 / secs,
            s.frames as f64 / s.syncs as f64,
            s.bytes as f64 / secs / (1 << 20) as f64,
        );
    }
}
