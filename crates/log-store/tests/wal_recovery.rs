//! Reopen, crash (torn tail) and corruption recovery.

mod support;

use log_store::{CorruptionKind, FrameFault, Lsn, WalError, WalOptions, decode_batch, encode_batch};
use logs_query::{LogRecord, Severity};
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::io::Write;
use support::{HEADER, TempDir, file_len, open_wal, payloads, temp_dir, wal_files};

fn sample_payloads(n: usize) -> Vec<Vec<u8>> {
    // Varied sizes, including empty and larger-than-page payloads.
    (0..n).map(|i| vec![i as u8; [0, 1, 17, 300, 5000][i % 5]]).collect()
}

/// Appends `n` payloads to a fresh WAL and closes it; returns them with their LSNs.
fn write_fresh(dir: &TempDir, n: usize) -> Vec<(Lsn, Vec<u8>)> {
    let (wal, _, _) = open_wal(dir.path(), WalOptions::default());
    sample_payloads(n).into_iter().map(|p| (wal.append(&p).expect("append"), p)).collect()
}

#[test]
fn clean_reopen_replays_everything_in_order() {
    let dir = temp_dir("clean");
    let written = write_fresh(&dir, 25);
    assert!(written.windows(2).all(|w| w[0].0 < w[1].0), "LSNs increase");

    let (wal, got, replay) = open_wal(dir.path(), WalOptions::default());
    assert_eq!(got, written);
    assert_eq!(replay.frames, 25);
    assert_eq!(replay.files, 1);
    assert_eq!(replay.last_lsn, written.last().map(|(l, _)| *l));
    assert!(replay.corruption.is_empty());
    replay.ensure_clean().unwrap();

    // Appends continue after the replayed data, and a second reopen sees both.
    let more = wal.append(b"more").unwrap();
    assert!(more > written[24].0);
    drop(wal);
    let (_, got, _) = open_wal(dir.path(), WalOptions::default());
    assert_eq!(got.len(), 26);
    assert_eq!(got[25], (more, b"more".to_vec()));
}

#[test]
fn records_survive_through_the_codec() {
    let dir = temp_dir("codec");
    let record = LogRecord {
        uuid: uuid::Uuid::now_v7(),
        team_id: 7,
        timestamp_us: 1_750_000_000_000_000,
        observed_timestamp_us: 1_750_000_000_000_100,
        body: "payment failed".into(),
        severity: Severity::Error,
        severity_number: 17,
        service_name: "billing".into(),
        resource_attributes: vec![("host".into(), "a".into())].into(),
        resource_fingerprint: 99,
        attributes: vec![("order".into(), "123".into())],
        trace_id: [1; 16],
        span_id: [2; 8],
        trace_flags: 1,
        instrumentation_scope: String::new(),
        event_name: String::new(),
        bytes: 30,
    };
    let mut buf = Vec::new();
    encode_batch(7, std::slice::from_ref(&record), &mut buf);
    let (wal, _, _) = open_wal(dir.path(), WalOptions::default());
    wal.append(&buf).unwrap();
    drop(wal);
    let (_, got, _) = open_wal(dir.path(), WalOptions::default());
    assert_eq!(decode_batch(&got[0].1).unwrap(), (7, vec![record]));
}

#[test]
fn kill_minus_9_mid_frame_keeps_complete_frames_and_repairs_the_tail() {
    let last_start = |written: &[(Lsn, Vec<u8>)]| written.last().unwrap().0.offset;
    // Cut inside the header, just after it, and inside the payload of the last frame.
    for cut_into_last in [1, 7, HEADER, HEADER + 100] {
        let dir = temp_dir("torn");
        let written = write_fresh(&dir, 10); // the last frame has a 5000-byte payload
        let path = &wal_files(dir.path())[0].1;
        let cut = last_start(&written) + cut_into_last;
        std::fs::OpenOptions::new().write(true).open(path).unwrap().set_len(cut).unwrap();

        let (wal, got, replay) = open_wal(dir.path(), WalOptions::default());
        assert_eq!(got, written[..9], "cut {cut_into_last}");
        assert_eq!(replay.corruption.len(), 1);
        let c = &replay.corruption[0];
        assert_eq!(
            (c.kind, c.offset, c.len),
            (CorruptionKind::TornTail, last_start(&written), cut_into_last)
        );
        assert_eq!(file_len(path), last_start(&written), "truncated back to the last good frame");
        replay.ensure_clean().unwrap();

        let new = wal.append(b"after crash").unwrap();
        assert_eq!(new.offset, last_start(&written), "new frames follow good data");
        drop(wal);
        let (_, got, replay) = open_wal(dir.path(), WalOptions::default());
        assert!(replay.corruption.is_empty());
        assert_eq!(payloads(&got[..9]), payloads(&written[..9]));
        assert_eq!(got[9], (new, b"after crash".to_vec()));
    }
}

#[test]
fn kill_minus_9_with_garbage_tail() {
    let mut rng = StdRng::seed_from_u64(99);
    for round in 0..20 {
        let dir = temp_dir("garbage");
        let written = write_fresh(&dir, 6);
        let path = &wal_files(dir.path())[0].1;
        let good_len = file_len(path);
        let garbage: Vec<u8> = (0..rng.random_range(1..3000)).map(|_| rng.random()).collect();
        std::fs::OpenOptions::new().append(true).open(path).unwrap().write_all(&garbage).unwrap();

        let (wal, got, replay) = open_wal(dir.path(), WalOptions::default());
        assert_eq!(got, written, "round {round}");
        assert_eq!(replay.corruption.len(), 1, "round {round}");
        assert_eq!(replay.corruption[0].kind, CorruptionKind::TornTail);
        assert_eq!((replay.corruption[0].offset, replay.corruption[0].len), (good_len, garbage.len() as u64));
        assert_eq!(file_len(path), good_len);
        wal.append(b"next").unwrap();
        drop(wal);
        let (_, got, replay) = open_wal(dir.path(), WalOptions::default());
        assert!(replay.corruption.is_empty());
        assert_eq!(got.len(), 7);
    }
}

#[test]
fn damaged_middle_frame_is_reported_and_skipped() {
    // Flip a bit in the payload, the length field, and the magic of frame 4 of 8.
    for (name, byte_in_frame) in [("payload", HEADER + 3), ("length", 5), ("magic", 0)] {
        let dir = temp_dir("bitflip");
        let written = write_fresh(&dir, 8);
        let path = &wal_files(dir.path())[0].1;
        let victim = written[3].0.offset;
        let victim_len = written[4].0.offset - victim;
        let mut bytes = std::fs::read(path).unwrap();
        bytes[(victim + byte_in_frame) as usize] ^= 0x04;
        std::fs::write(path, &bytes).unwrap();

        let (wal, got, replay) = open_wal(dir.path(), WalOptions::default());
        let expected: Vec<_> =
            written.iter().enumerate().filter(|(i, _)| *i != 3).map(|(_, f)| f.clone()).collect();
        assert_eq!(got, expected, "{name}");
        assert_eq!(replay.corruption.len(), 1, "{name}");
        let c = &replay.corruption[0];
        assert!(matches!(c.kind, CorruptionKind::BadFrame(_)), "{name}: {:?}", c.kind);
        assert_eq!((c.file, c.offset, c.len), (1, victim, victim_len), "{name}");
        assert!(matches!(replay.ensure_clean(), Err(WalError::Corrupt { offset, .. }) if offset == victim));
        // Mid-file damage is not truncated away.
        assert_eq!(file_len(path), bytes.len() as u64);
        wal.append(b"x").unwrap();
    }
}

#[test]
fn damage_at_the_end_of_an_older_file_is_reported_not_truncated() {
    let dir = temp_dir("oldtail");
    let opts = WalOptions { max_file_bytes: 4096 };
    let (wal, _, _) = open_wal(dir.path(), opts.clone());
    let written: Vec<_> = (0..6u8).map(|i| (wal.append(&[i; 1500]).unwrap(), vec![i; 1500])).collect();
    drop(wal);
    let files = wal_files(dir.path());
    assert!(files.len() >= 2);
    let first = &files[0].1;
    let cut = file_len(first) - 10;
    std::fs::OpenOptions::new().write(true).open(first).unwrap().set_len(cut).unwrap();

    let (_, got, replay) = open_wal(dir.path(), opts);
    assert_eq!(got.len(), written.len() - 1);
    assert_eq!(replay.corruption.len(), 1);
    assert_eq!(replay.corruption[0].kind, CorruptionKind::BadFrame(FrameFault::Incomplete));
    assert_eq!(file_len(first), cut);
}

#[test]
fn missing_middle_file_is_reported() {
    let dir = temp_dir("missing");
    let opts = WalOptions { max_file_bytes: 100 };
    let (wal, _, _) = open_wal(dir.path(), opts.clone());
    for i in 0..4u8 {
        wal.append(&[i; 90]).unwrap();
    }
    drop(wal);
    let files = wal_files(dir.path());
    assert_eq!(files.iter().map(|(s, _)| *s).collect::<Vec<_>>(), [1, 2, 3, 4]);
    std::fs::remove_file(&files[1].1).unwrap();
    std::fs::remove_file(&files[2].1).unwrap();

    let (_, got, replay) = open_wal(dir.path(), opts);
    assert_eq!(payloads(&got), [vec![0; 90], vec![3; 90]]);
    let c = &replay.corruption;
    assert_eq!(c.len(), 1);
    assert_eq!((c[0].kind, c[0].file, c[0].len), (CorruptionKind::MissingFiles, 2, 2));
}

#[test]
fn second_open_of_a_directory_is_refused() {
    let dir = temp_dir("lock");
    let (wal, _, _) = open_wal(dir.path(), WalOptions::default());
    let again = log_store::Wal::open(dir.path(), WalOptions::default(), |_, _| {});
    assert!(matches!(again, Err(WalError::Locked { .. })));
    drop(wal);
    open_wal(dir.path(), WalOptions::default());
}

#[test]
fn oversized_payload_is_rejected_and_the_wal_stays_usable() {
    let dir = temp_dir("big");
    let (wal, _, _) = open_wal(dir.path(), WalOptions::default());
    let big = vec![0u8; log_store::wal::MAX_PAYLOAD + 1];
    assert!(matches!(wal.append(&big), Err(WalError::PayloadTooLarge { .. })));
    assert!(!wal.is_failed());
    wal.append(b"fine").unwrap();
}

#[test]
fn rotation_and_truncate_through() {
    let dir = temp_dir("rotate");
    let opts = WalOptions { max_file_bytes: 1024 };
    let (wal, _, _) = open_wal(dir.path(), opts.clone());
    let written: Vec<_> = (0..20u8).map(|i| (wal.append(&[i; 300]).unwrap(), vec![i; 300])).collect();
    let files = wal_files(dir.path());
    // 312-byte frames: three fit under 1024 bytes.
    assert_eq!(files.len(), 7);
    assert!(files.iter().all(|(_, p)| file_len(p) <= 1024));
    assert_eq!(written[3].0, Lsn { file: 2, offset: 0 });
    assert_eq!(wal.active_file(), 7);

    // A checkpoint inside file 2 frees only file 1; one at file 2's last frame frees it too.
    assert_eq!(wal.truncate_through(written[4].0).unwrap(), 1);
    assert_eq!(wal_files(dir.path())[0].0, 2);
    assert_eq!(wal.truncate_through(written[5].0).unwrap(), 1);
    assert_eq!(wal.truncate_through(written[5].0).unwrap(), 0, "idempotent");
    // Past everything: all sealed files go, the active one stays.
    let beyond = Lsn { file: u64::MAX, offset: u64::MAX };
    assert_eq!(wal.truncate_through(beyond).unwrap(), 4);
    assert_eq!(wal_files(dir.path()).iter().map(|(s, _)| *s).collect::<Vec<_>>(), [7]);
    let next = wal.append(b"tail").unwrap();
    drop(wal);

    let (wal, got, replay) = open_wal(dir.path(), opts);
    assert!(replay.corruption.is_empty(), "a truncated prefix is not a gap");
    assert_eq!(payloads(&got), [written[18].1.clone(), written[19].1.clone(), b"tail".to_vec()]);
    assert_eq!(got[2].0, next);
    // Files sealed before the reopen are tracked as well.
    wal.append(&[1; 1000]).unwrap();
    wal.append(&[2; 1000]).unwrap();
    assert_eq!(wal.truncate_through(next).unwrap(), 1);
    assert_eq!(wal_files(dir.path()).len(), 2);
}
