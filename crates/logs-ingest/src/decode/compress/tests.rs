use std::io::Write;

use flate2::Compression;
use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};

use super::*;

const CAP: usize = 1 << 20;

fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut enc = ZlibEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn raw_deflate(bytes: &[u8]) -> Vec<u8> {
    let mut enc = DeflateEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn header_values() {
    use ContentEncoding::*;
    let parse = |v| ContentEncoding::from_header(v);
    assert_eq!(parse(None), Ok(Identity));
    assert_eq!(parse(Some("")), Ok(Identity));
    assert_eq!(parse(Some("identity")), Ok(Identity));
    assert_eq!(parse(Some("gzip")), Ok(Gzip));
    assert_eq!(parse(Some("x-gzip")), Ok(Gzip));
    assert_eq!(parse(Some("Deflate")), Ok(Deflate));
    assert_eq!(parse(Some(" zstd ")), Ok(Zstd));
    assert_eq!(parse(Some("zstd, identity")), Ok(Zstd));
    assert_eq!(parse(Some("br")), Err(IngestError::UnsupportedEncoding("br".into())));
    assert_eq!(parse(Some("gzip, zstd")), Err(IngestError::UnsupportedEncoding("gzip, zstd".into())));
    assert_eq!(Zstd.as_str(), "zstd");
}

#[test]
fn deflate_is_zlib_wrapped() {
    let text = b"{\"resourceLogs\":[]}".repeat(50);
    assert_eq!(inflate(&zlib(&text), CAP).unwrap(), text);
    for body in [raw_deflate(&text), b"not deflate at all".to_vec()] {
        let err = inflate(&body, CAP).unwrap_err();
        let ok = matches!(&err, IngestError::Decode(m) if m.starts_with("Failed to decompress deflate body"));
        assert!(ok, "{err:?}");
    }
}

#[test]
fn zstd_round_trip_and_corruption() {
    let text = b"{\"resourceLogs\":[]}".repeat(50);
    assert_eq!(unzstd(&zstd::encode_all(&text[..], 3).unwrap(), CAP).unwrap(), text);
    let err = unzstd(b"\x28\xb5\x2f\xfdgarbage", CAP).unwrap_err();
    assert!(
        matches!(&err, IngestError::Decode(m) if m.starts_with("Failed to decompress zstd body")),
        "{err:?}"
    );
}

/// A few hundred bytes that expand past the cap stop one byte after it, whatever the coding.
#[test]
fn every_coding_stops_at_the_cap() {
    let bomb = vec![b' '; 4 * CAP];
    let small = 10_000;
    for (name, body, f) in [
        ("gzip", gzip(&bomb), gunzip as fn(&[u8], usize) -> Result<Vec<u8>, IngestError>),
        ("zlib", zlib(&bomb), inflate),
        ("zstd", zstd::encode_all(&bomb[..], 3).unwrap(), unzstd),
    ] {
        assert!(body.len() < 20_000, "{name}: {} compressed bytes", body.len());
        assert_eq!(f(&body, small), Err(IngestError::TooLarge(small)), "{name}");
        assert_eq!(f(&body, 4 * CAP).map(|v| v.len()), Ok(4 * CAP), "{name}: exactly the cap is fine");
    }
}

/// A frame that asks for a window above 8 MiB is refused, even with a large cap.
#[test]
fn zstd_windows_above_8_mib_are_refused() {
    let data = vec![7u8; 64];
    let mut enc = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
    enc.set_parameter(zstd::zstd_safe::CParameter::WindowLog(26)).unwrap();
    enc.write_all(&data).unwrap();
    let big_window = enc.finish().unwrap();
    let err = unzstd(&big_window, 1 << 30).unwrap_err();
    assert!(matches!(&err, IngestError::Decode(m) if m.contains("zstd")), "{err:?}");

    let mut enc = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
    enc.set_parameter(zstd::zstd_safe::CParameter::WindowLog(23)).unwrap();
    enc.write_all(&data).unwrap();
    assert_eq!(unzstd(&enc.finish().unwrap(), CAP), Ok(data));
}
