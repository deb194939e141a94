use logs_query::{LogRecord, Severity};
use tempfile::TempDir;
use uuid::Uuid;

use super::columns::{Cols, Filled};
use super::layout::LayoutBuilder;
use super::meta::SegmentMeta;
use super::stats::SegmentSpec;
use super::write::{WriteOptions, write_segment};
use super::*;
use crate::wal::Lsn;

fn temp_dir() -> TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn rows(n: usize) -> Vec<LogRecord> {
    (0..n)
        .map(|i| {
            let mut attributes = vec![("common".to_string(), format!("v{}", i % 3))];
            if i % 50 == 0 {
                attributes.push(("rare".to_string(), "x\u{1e}y".to_string()));
            }
            LogRecord {
                uuid: Uuid::from_u128(i as u128 + 1),
                team_id: 9,
                timestamp_us: 3_600_000_000 + i as i64 * 1000,
                observed_timestamp_us: 3_600_000_000 + i as i64 * 1000 + 7,
                body: format!("line {i} Ünïcode"),
                severity: Severity::ALL[i % 7],
                severity_number: i as i32,
                service_name: ["a", "b"][i % 2].to_string(),
                resource_attributes: vec![("host".into(), format!("h{}", i % 4))].into(),
                resource_fingerprint: (i % 4) as u64,
                attributes,
                trace_id: [i as u8; 16],
                span_id: [1; 8],
                trace_flags: 1,
                instrumentation_scope: "s@1".into(),
                event_name: String::new(),
                bytes: 10,
            }
        })
        .collect()
}

fn write(dir: &TempDir, rows: &[LogRecord]) -> Segment {
    let mut layout = LayoutBuilder::default();
    rows.iter().for_each(|r| layout.add(r));
    let spec = SegmentSpec {
        id: 5,
        team_id: 9,
        partition_us: 3_600_000_000,
        max_lsn: Some(Lsn { file: 2, offset: 40 }),
        replaces: vec![1, 2],
    };
    let opts = WriteOptions { batch_rows: 100, zstd_level: 3, index_zstd_level: 3 };
    write_segment(dir.path(), spec, &layout.finish(), rows.iter(), opts).expect("write segment")
}

#[test]
fn rows_round_trip_through_a_segment_and_its_metadata() {
    let dir = temp_dir();
    let rows = rows(450);
    let seg = write(&dir, &rows);
    assert_eq!(seg.meta.batches.len(), 5);
    assert_eq!(seg.meta.rows, 450);
    seg.scrub().expect("checksums");
    let mut back = Vec::new();
    for i in 0..seg.meta.batches.len() {
        let batch = seg.read_batch(i).expect("batch");
        let cols = Cols::new(&batch).expect("schema");
        let mut filled = Filled::default();
        for j in 0..cols.len {
            cols.fill(j, 9, &mut filled).expect("row");
            back.push(filled.record.clone());
        }
    }
    assert_eq!(back, rows);
    // The sidecar round-trips, and every prefix of it is an error, not a panic.
    let encoded = seg.meta.encode();
    assert_eq!(SegmentMeta::decode(&encoded).expect("decode"), seg.meta);
    for cut in 0..encoded.len() {
        assert!(SegmentMeta::decode(&encoded[..cut]).is_err());
    }
    for at in (0..encoded.len()).step_by(7) {
        let mut bad = encoded.clone();
        bad[at] ^= 0xa5;
        let _ = SegmentMeta::decode(&bad);
    }
}

#[test]
fn a_damaged_block_with_a_matching_checksum_is_an_error_not_a_panic() {
    let dir = temp_dir();
    let rows = rows(300);
    let seg = write(&dir, &rows);
    let mut data = std::fs::read(&seg.data_path).expect("read");
    let mut meta = seg.meta.clone();
    // Scramble every batch body and fix the checksums, so only decoding can notice.
    for (n, b) in meta.batches.iter_mut().enumerate() {
        let start = (b.block.offset + u64::from(b.block.meta_len)) as usize;
        let end = start + b.block.body_len as usize;
        for (k, byte) in data[start..end].iter_mut().enumerate() {
            *byte = byte.wrapping_mul(31).wrapping_add((k * (n + 3)) as u8);
        }
        b.block.crc = crc32fast::hash(&data[b.block.offset as usize..end]);
    }
    std::fs::write(&seg.data_path, &data).expect("write");
    meta.data_crc = crc32fast::hash(&data);
    let scrambled = Segment::new(dir.path(), meta);
    for i in 0..scrambled.meta.batches.len() {
        match scrambled.read_batch(i) {
            Err(ReadError::Damaged(_)) => {}
            Ok(batch) => assert!(Cols::new(&batch).is_none() || batch.num_rows() == 100),
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
}

#[test]
fn id_keys_get_a_plain_column_and_repeating_keys_a_dictionary() {
    // 60,000 rows: `rid` unique per row; `user` drawn uniformly from 12,000 values (5 rows
    // each on average: a dictionary, though its first 8,192 values come fast).
    let mut x: u64 = 7;
    let mut rows = rows(60_000);
    for (i, r) in rows.iter_mut().enumerate() {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        r.attributes =
            vec![("rid".into(), format!("r{i:08x}")), ("user".into(), format!("u{}", (x >> 33) % 12_000))];
    }
    let mut layout = LayoutBuilder::default();
    rows[..10_000].iter().for_each(|r| layout.add(r));
    assert_eq!(layout.collected("rid"), None, "an id stops collecting values early");
    assert!(layout.collected("user").is_some_and(|n| n > 5_000));
    rows[10_000..].iter().for_each(|r| layout.add(r));
    let schema = layout.finish().schema;
    let kind = |k: &str| schema.field_with_name(k).unwrap().data_type().clone();
    assert_eq!(kind("rid"), arrow::datatypes::DataType::Utf8);
    assert!(matches!(kind("user"), arrow::datatypes::DataType::Dictionary(..)), "{:?}", kind("user"));
}
