use super::scan::{self, Damage, FrameFault, HEADER_LEN, MAX_PAYLOAD};
use super::*;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Barrier};

fn frames(payloads: &[&[u8]]) -> (Vec<u8>, Vec<u64>) {
    let mut buf = Vec::new();
    let mut starts = Vec::new();
    for p in payloads {
        starts.push(buf.len() as u64);
        scan::encode_frame(p, &mut buf);
    }
    (buf, starts)
}

fn scan_all(buf: &[u8]) -> (Vec<(u64, Vec<u8>)>, scan::FileScan) {
    let mut got = Vec::new();
    let found = scan::scan(buf, |off, p| got.push((off, p.to_vec())));
    (got, found)
}

fn open(dir: &Path) -> (Wal, Vec<Vec<u8>>, Replay) {
    let mut got = Vec::new();
    let (wal, replay) = Wal::open(dir, WalOptions::default(), |_, p| got.push(p.to_vec())).unwrap();
    (wal, got, replay)
}

#[test]
fn file_names_parse_only_the_exact_pattern() {
    assert_eq!(scan::file_name(42), "wal-0000000000000042.log");
    assert_eq!(scan::parse_file_name("wal-0000000000000042.log"), Some(42));
    for bad in [
        "wal-42.log",
        "wal-00000000000000042.log",
        "wal-000000000000004x.log",
        "LOCK",
        "wal-0000000000000042.log.tmp",
    ] {
        assert_eq!(scan::parse_file_name(bad), None, "{bad}");
    }
}

#[test]
fn frame_layout_is_magic_len_crc_payload() {
    let (buf, _) = frames(&[b"abc"]);
    assert_eq!(&buf[0..4], &scan::MAGIC.to_le_bytes());
    assert_eq!(&buf[4..8], &3u32.to_le_bytes());
    assert_eq!(&buf[8..12], &crc32fast::hash(b"abc").to_le_bytes());
    assert_eq!(&buf[12..], b"abc");
}

#[test]
fn scan_reads_clean_frames_including_empty_ones() {
    let (buf, starts) = frames(&[b"one", b"", b"three"]);
    let (got, found) = scan_all(&buf);
    assert_eq!(got, vec![(starts[0], b"one".to_vec()), (starts[1], vec![]), (starts[2], b"three".to_vec())]);
    assert_eq!((found.frames, found.payload_bytes, found.last_frame), (3, 8, Some(starts[2])));
    assert!(found.damage.is_empty() && found.tail.is_none());
    let (got, found) = scan_all(&[]);
    assert!(got.is_empty() && found.tail.is_none() && found.last_frame.is_none());
}

#[test]
fn every_cut_point_yields_the_complete_frames_and_a_tail() {
    let (buf, starts) = frames(&[b"first", b"second frame", b"third"]);
    for cut in 0..=buf.len() {
        let (got, found) = scan_all(&buf[..cut]);
        let ends = starts.iter().skip(1).copied().chain([buf.len() as u64]);
        let expected = ends.filter(|end| *end <= cut as u64).count();
        assert_eq!(got.len(), expected, "cut at {cut}");
        assert!(found.damage.is_empty(), "cut at {cut}");
        let boundary = starts.contains(&(cut as u64)) || cut == buf.len();
        match found.tail {
            None => assert!(boundary, "cut at {cut}: missing tail"),
            Some(t) => {
                assert!(!boundary, "cut at {cut}: spurious tail");
                assert_eq!(t.offset, starts[expected], "cut at {cut}");
                assert_eq!(t.offset + t.len, cut as u64);
                assert_eq!(t.fault, FrameFault::Incomplete);
            }
        }
    }
}

#[test]
fn damage_between_frames_is_skipped_and_measured() {
    let (a, _) = frames(&[b"before"]);
    let (b, _) = frames(&[b"after"]);
    let garbage = [0xAB_u8; 7];
    let buf = [a.as_slice(), &garbage, &b].concat();
    let (got, found) = scan_all(&buf);
    assert_eq!(got.iter().map(|(_, p)| p.as_slice()).collect::<Vec<_>>(), [&b"before"[..], b"after"]);
    let expected = Damage { offset: a.len() as u64, len: 7, fault: FrameFault::BadMagic };
    assert_eq!(found.damage, vec![expected]);
    assert!(found.tail.is_none());
}

#[test]
fn impossible_length_and_bad_crc_are_classified() {
    let (mut buf, starts) = frames(&[b"a", b"bb", b"ccc"]);
    let mid = starts[1] as usize;
    buf[mid + 4..mid + 8].copy_from_slice(&(MAX_PAYLOAD as u32 + 1).to_le_bytes());
    let (got, found) = scan_all(&buf);
    assert_eq!(got.len(), 2);
    assert_eq!(
        found.damage,
        vec![Damage { offset: starts[1], len: starts[2] - starts[1], fault: FrameFault::BadLength }]
    );

    let (mut buf, starts) = frames(&[b"a", b"bb", b"ccc"]);
    buf[starts[1] as usize + HEADER_LEN] ^= 0x10;
    let (got, found) = scan_all(&buf);
    assert_eq!(got, vec![(starts[0], b"a".to_vec()), (starts[2], b"ccc".to_vec())]);
    assert_eq!(found.damage[0].fault, FrameFault::BadCrc);
}

#[test]
fn a_magic_inside_garbage_without_a_valid_frame_is_not_a_resync_point() {
    let (a, _) = frames(&[b"good"]);
    let mut tail = scan::MAGIC.to_le_bytes().to_vec();
    tail.extend_from_slice(&[5, 0, 0, 0, 1, 2, 3, 4, b'x']);
    let buf = [a.as_slice(), &tail].concat();
    let (got, found) = scan_all(&buf);
    assert_eq!(got.len(), 1);
    assert_eq!(found.tail.map(|t| (t.offset, t.fault)), Some((a.len() as u64, FrameFault::Incomplete)));
}

#[test]
fn failed_write_fails_the_group_and_every_later_append() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (wal, _, _) = open(dir.path());
    let acked = wal.append(b"acked").unwrap();
    wal.fail_next_write.store(true, Ordering::SeqCst);
    assert!(matches!(wal.append(b"lost"), Err(WalError::Io(_))));
    assert!(wal.is_failed());
    assert!(matches!(wal.append(b"later"), Err(WalError::Failed(_))));
    assert_eq!(wal.stats().frames, 1);
    drop(wal);

    let (wal, got, replay) = open(dir.path());
    assert_eq!(got, vec![b"acked".to_vec()]);
    assert_eq!(replay.last_lsn, Some(acked));
    assert!(!wal.is_failed());
    wal.append(b"after reopen").unwrap();
    drop(wal);
    let (_, got, _) = open(dir.path());
    assert_eq!(got, vec![b"acked".to_vec(), b"after reopen".to_vec()]);
}

#[test]
fn no_concurrent_appender_is_acknowledged_after_a_failure() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (wal, _, _) = open(dir.path());
    let wal = Arc::new(wal);
    wal.fail_next_write.store(true, Ordering::SeqCst);
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let (wal, barrier) = (Arc::clone(&wal), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                (0..20).map(|j| wal.append(format!("{i}-{j}").as_bytes())).collect::<Vec<_>>()
            })
        })
        .collect();
    for h in handles {
        for result in h.join().unwrap() {
            assert!(matches!(result, Err(WalError::Io(_) | WalError::Failed(_))), "{result:?}");
        }
    }
    assert_eq!(wal.stats(), WalStats::default());
    drop(wal);
    let (_, got, replay) = open(dir.path());
    assert!(got.is_empty() && replay.corruption.is_empty());
}
