use super::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const CHARS: &[&str] = &["a", "Z", "0", " ", "=", "\"", "\n", "é", "日", "🦀", "\u{0}"];

fn random_string(rng: &mut StdRng) -> String {
    // Mostly short, sometimes past 127 bytes so multi-byte length varints are exercised.
    let len = if rng.random_bool(0.1) { rng.random_range(100..400) } else { rng.random_range(0..12) };
    (0..len).map(|_| CHARS[rng.random_range(0..CHARS.len())]).collect()
}

fn random_attrs(rng: &mut StdRng) -> Vec<(String, String)> {
    let mut attrs: Vec<_> =
        (0..rng.random_range(0..6)).map(|_| (random_string(rng), random_string(rng))).collect();
    attrs.sort();
    attrs
}

fn random_i64(rng: &mut StdRng) -> i64 {
    match rng.random_range(0..5) {
        0 => i64::MIN,
        1 => i64::MAX,
        2 => rng.random(),
        _ => 1_750_000_000_000_000 + rng.random_range(-5_000_000..5_000_000),
    }
}

pub(crate) fn random_record(rng: &mut StdRng, team_id: i64) -> LogRecord {
    let severity = Severity::ALL[rng.random_range(0..Severity::ALL.len())];
    let timestamp_us = random_i64(rng);
    LogRecord {
        uuid: Uuid::from_bytes(rng.random()),
        team_id,
        timestamp_us,
        observed_timestamp_us: if rng.random_bool(0.8) {
            timestamp_us.wrapping_add(rng.random_range(0..2_000_000))
        } else {
            random_i64(rng)
        },
        body: random_string(rng),
        severity,
        severity_number: if rng.random_bool(0.5) { severity.default_number() } else { rng.random() },
        service_name: random_string(rng),
        resource_attributes: random_attrs(rng).into(),
        resource_fingerprint: rng.random(),
        attributes: random_attrs(rng),
        trace_id: if rng.random_bool(0.5) { rng.random() } else { [0; 16] },
        span_id: if rng.random_bool(0.5) { rng.random() } else { [0; 8] },
        trace_flags: if rng.random_bool(0.5) { rng.random_range(0..2) } else { rng.random() },
        instrumentation_scope: random_string(rng),
        event_name: random_string(rng),
        bytes: rng.random(),
    }
}

fn encode(team_id: i64, records: &[LogRecord]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_batch(team_id, records, &mut out);
    out
}

fn sample_record() -> LogRecord {
    LogRecord {
        uuid: Uuid::from_bytes([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
        team_id: 3,
        timestamp_us: 100,
        observed_timestamp_us: 99,
        body: "hi".into(),
        severity: Severity::Warn,
        severity_number: 13,
        service_name: "api".into(),
        resource_attributes: vec![("k".into(), "v".into())].into(),
        resource_fingerprint: 0x0102_0304_0506_0708,
        attributes: vec![],
        trace_id: [0; 16],
        span_id: [1; 8],
        trace_flags: 1,
        instrumentation_scope: String::new(),
        event_name: String::new(),
        bytes: 300,
    }
}

#[test]
fn golden_bytes_pin_format_version_2() {
    let (a, mut b) = (sample_record(), sample_record());
    b.timestamp_us = 101;
    b.observed_timestamp_us = 101;
    let bytes = encode(3, &[a, b]);
    let mut expected = vec![2, 6, 2];
    let record = |ts: &[u8], observed: u8, resource: &[u8]| {
        let mut r: Vec<u8> = (0..16u8).collect();
        r.extend(ts);
        r.extend([observed, 3, 26, FLAG_SPAN_ID, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
        r.extend([8, 7, 6, 5, 4, 3, 2, 1, 0xAC, 0x02]);
        r.extend([2, b'h', b'i', 3, b'a', b'p', b'i', 0, 0]);
        r.extend(resource);
        r.push(0);
        r
    };
    // The first record defines the resource list (0, then the list), the second names it (1).
    expected.extend(record(&[0xC8, 0x01], 1, &[0, 1, 1, b'k', 1, b'v']));
    expected.extend(record(&[2], 0, &[1]));
    let shared = sample_record().resource_attributes;
    let (mut a, mut b) = (sample_record(), sample_record());
    (a.resource_attributes, b.resource_attributes) = (Arc::clone(&shared), shared);
    (b.timestamp_us, b.observed_timestamp_us) = (101, 101);
    assert_eq!(encode(3, &[a.clone(), b.clone()]), expected);
    assert_eq!(decode_batch(&expected), Ok((3, vec![a, b])));
    // Two `Arc`s with equal lists, one after the other: written once all the same.
    assert_eq!(bytes, expected);
}

/// Version 1 (WAL files written before the upgrade): every record's resource list in full.
#[test]
fn version_1_still_decodes() {
    let mut v1 = vec![1, 6, 2];
    for (ts, observed) in [(&[0xC8, 0x01][..], 1u8), (&[2][..], 0)] {
        v1.extend(0..16u8);
        v1.extend(ts);
        v1.extend([observed, 3, 26, FLAG_SPAN_ID, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
        v1.extend([8, 7, 6, 5, 4, 3, 2, 1, 0xAC, 0x02]);
        v1.extend([2, b'h', b'i', 3, b'a', b'p', b'i', 0, 0, 1, 1, b'k', 1, b'v', 0]);
    }
    let (a, mut b) = (sample_record(), sample_record());
    (b.timestamp_us, b.observed_timestamp_us) = (101, 101);
    let (team, got) = decode_batch(&v1).expect("version 1 decodes");
    assert_eq!((team, got.clone()), (3, vec![a, b]));
    assert!(Arc::ptr_eq(&got[0].resource_attributes, &got[1].resource_attributes), "one list");
}

#[test]
fn interleaved_resources_are_written_once_and_shared_after_decoding() {
    let lists: Vec<Arc<Vec<(String, String)>>> =
        (0..3).map(|i| Arc::new(vec![("k8s.pod.name".to_string(), format!("pod-{i}"))])).collect();
    let records: Vec<LogRecord> = (0..30)
        .map(|i| LogRecord { resource_attributes: Arc::clone(&lists[i % 3]), ..sample_record() })
        .collect();
    let bytes = encode(3, &records);
    assert_eq!(bytes.windows(4).filter(|w| w == b"pod-").count(), 3, "each list written once");
    let (_, got) = decode_batch(&bytes).expect("decodes");
    assert_eq!(got, records);
    for (i, r) in got.iter().enumerate() {
        assert!(Arc::ptr_eq(&r.resource_attributes, &got[i % 3].resource_attributes));
    }
}

#[test]
fn a_reference_to_an_undefined_resource_is_an_error() {
    let good = encode(3, &[sample_record()]);
    let at = good.len() - 7; // the `0` before the list `1 1 k 1 v`, then the attributes' `0`
    assert_eq!(&good[at..], &[0, 1, 1, b'k', 1, b'v', 0]);
    let mut bad = good[..at].to_vec();
    bad.extend([1, 0]);
    assert_eq!(decode_batch(&bad), Err(CodecError::UnknownResource { at, index: 1 }));
}

#[test]
fn records_of_one_resource_share_its_attributes_after_decoding() {
    let (a, mut b, mut c) = (sample_record(), sample_record(), sample_record());
    b.body = "second".into();
    c.resource_attributes = vec![("k".into(), "other".into())].into();
    let (_, got) = decode_batch(&encode(3, &[a, b, c])).expect("decodes");
    assert!(Arc::ptr_eq(&got[0].resource_attributes, &got[1].resource_attributes), "one list");
    assert!(!Arc::ptr_eq(&got[1].resource_attributes, &got[2].resource_attributes));
    assert_eq!(got[2].resource_attributes[0].1, "other");
}

#[test]
fn empty_batch_round_trips() {
    for team in [0, 1, -1, i64::MIN, i64::MAX] {
        let bytes = encode(team, &[]);
        assert_eq!(decode_batch(&bytes), Ok((team, vec![])));
    }
    assert_eq!(encode(3, &[]), vec![FORMAT_VERSION, 6, 0]);
}

#[test]
fn random_batches_round_trip() {
    let mut rng = StdRng::seed_from_u64(0x5EED_C0DE);
    for _ in 0..300 {
        let team = if rng.random_bool(0.2) { rng.random() } else { rng.random_range(1..1000) };
        let n = rng.random_range(0..40);
        let records: Vec<_> = (0..n).map(|_| random_record(&mut rng, team)).collect();
        let bytes = encode(team, &records);
        let (got_team, got) = decode_batch(&bytes).expect("valid batch decodes");
        assert_eq!(got_team, team);
        assert_eq!(got, records);
    }
}

#[test]
fn encoding_appends_to_existing_buffer() {
    let mut out = vec![0xAA, 0xBB];
    encode_batch(3, &[sample_record()], &mut out);
    assert_eq!(&out[..2], &[0xAA, 0xBB]);
    assert_eq!(decode_batch(&out[2..]), Ok((3, vec![sample_record()])));
}

#[test]
fn absent_ids_and_ordered_timestamps_stay_compact() {
    let mut r = sample_record();
    r.span_id = [0; 8];
    r.timestamp_us = 1_750_000_000_000_000;
    r.observed_timestamp_us = r.timestamp_us + 1500;
    let mut next = r.clone();
    next.timestamp_us += 1000;
    next.observed_timestamp_us = next.timestamp_us + 1500;
    let one = encode(3, std::slice::from_ref(&r)).len();
    let two = encode(3, &[r.clone(), next]).len();
    // The second record's timestamp is a 2-byte delta instead of 8 bytes, and it names the
    // resource list (1 byte) instead of repeating it (6 bytes: `0 1 1 k 1 v`).
    assert_eq!(two - one, one - 3 - 6 - 5);
    let mut with_ids = r.clone();
    with_ids.trace_id = [7; 16];
    with_ids.span_id = [9; 8];
    assert_eq!(encode(3, &[with_ids]).len(), one + 24);
}

#[test]
fn every_truncation_is_an_error() {
    let mut rng = StdRng::seed_from_u64(7);
    let records: Vec<_> = (0..5).map(|_| random_record(&mut rng, 42)).collect();
    let bytes = encode(42, &records);
    assert_eq!(decode_batch(&[]), Err(CodecError::Empty));
    for len in 1..bytes.len() {
        assert!(decode_batch(&bytes[..len]).is_err(), "prefix of {len} bytes decoded");
    }
}

#[test]
fn trailing_bytes_are_an_error() {
    let mut bytes = encode(3, &[sample_record()]);
    let len = bytes.len();
    bytes.push(0);
    assert_eq!(decode_batch(&bytes), Err(CodecError::TrailingBytes { at: len }));
}

#[test]
fn unknown_version_is_rejected() {
    let mut bytes = encode(3, &[sample_record()]);
    bytes[0] = 3;
    assert_eq!(decode_batch(&bytes), Err(CodecError::UnsupportedVersion(3)));
}

#[test]
fn huge_counts_and_lengths_fail_without_allocating() {
    // Count of u64::MAX records in a 13-byte input.
    let mut bytes = vec![FORMAT_VERSION, 0];
    put_varint(&mut bytes, u64::MAX);
    assert_eq!(decode_batch(&bytes), Err(CodecError::LengthOutOfBounds { at: 2, len: u64::MAX }));

    // A body claiming 1 GiB.
    let good = encode(3, &[sample_record()]);
    let body_at = good.iter().position(|&b| b == b'h').expect("body present") - 1;
    let mut bad = good[..body_at].to_vec();
    put_varint(&mut bad, 1 << 30);
    bad.extend_from_slice(&good[body_at + 1..]);
    assert_eq!(decode_batch(&bad), Err(CodecError::LengthOutOfBounds { at: body_at, len: 1 << 30 }));

    // Enough records for the count bound, but the attribute count is impossible.
    let last = good.len() - 1;
    let mut bad = good[..last].to_vec();
    put_varint(&mut bad, 1_000_000);
    assert!(matches!(decode_batch(&bad), Err(CodecError::LengthOutOfBounds { .. })));
}

#[test]
fn invalid_fields_are_rejected() {
    let good = encode(3, &[sample_record()]);
    let sev_at = 3 + 16 + 3;
    let flags_at = sev_at + 2;
    assert_eq!(good[sev_at], 3);

    let mut bad = good.clone();
    bad[sev_at] = 7;
    assert_eq!(decode_batch(&bad), Err(CodecError::InvalidSeverity(7)));

    let mut bad = good.clone();
    bad[flags_at] = 0x04;
    assert_eq!(decode_batch(&bad), Err(CodecError::InvalidFlags(4)));

    let h_at = good.iter().position(|&b| b == b'h').expect("body present");
    let mut bad = good.clone();
    bad[h_at] = 0xFF;
    assert_eq!(decode_batch(&bad), Err(CodecError::InvalidUtf8 { at: h_at - 1 }));

    // severity_number beyond i32.
    let mut bad = good[..sev_at + 1].to_vec();
    put_zigzag(&mut bad, i64::from(i32::MAX) + 1);
    bad.extend_from_slice(&good[sev_at + 2..]);
    assert_eq!(decode_batch(&bad), Err(CodecError::OutOfRange { field: "severity_number" }));
}

#[test]
fn varints_decode_to_the_limit_and_reject_overflow() {
    let decode = |bytes: &[u8]| Reader { buf: bytes, pos: 0 }.varint();
    for v in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX - 1, u64::MAX] {
        let mut out = Vec::new();
        put_varint(&mut out, v);
        assert_eq!(decode(&out), Ok(v));
    }
    for v in [0, -1, 1, i64::MIN, i64::MAX] {
        let mut out = Vec::new();
        put_zigzag(&mut out, v);
        assert_eq!(Reader { buf: &out, pos: 0 }.zigzag(), Ok(v));
    }
    let eleven = [0xFF; 11];
    assert_eq!(decode(&eleven), Err(CodecError::VarintOverflow { at: 0 }));
    let mut too_big = [0xFF; 10];
    too_big[9] = 0x02;
    assert_eq!(decode(&too_big), Err(CodecError::VarintOverflow { at: 0 }));
    assert_eq!(decode(&[0x80, 0x80]), Err(CodecError::Truncated { at: 2 }));
}

#[test]
fn garbage_and_mutations_never_panic() {
    let mut rng = StdRng::seed_from_u64(0xBAD);
    for _ in 0..5_000 {
        let len = rng.random_range(0..200);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        if !bytes.is_empty() && rng.random_bool(0.5) {
            bytes[0] = FORMAT_VERSION;
        }
        let _ = decode_batch(&bytes);
    }
    let records: Vec<_> = (0..4).map(|_| random_record(&mut rng, 9)).collect();
    let good = encode(9, &records);
    for _ in 0..5_000 {
        let mut bad = good.clone();
        for _ in 0..rng.random_range(1..4) {
            let i = rng.random_range(0..bad.len());
            bad[i] ^= 1 << rng.random_range(0..8);
        }
        if let Ok((_, got)) = decode_batch(&bad) {
            // A flip may land in a value and still decode; structure must still be sane.
            assert!(got.len() <= records.len() * 2);
        }
    }
}
