use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use opentelemetry_proto::tonic::common::v1::{AnyValue, any_value::Value};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};

use super::*;

const CAP: usize = 1 << 20;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn sample() -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord {
                    time_unix_nano: 1_700_000_000_000_000_000,
                    severity_text: "WARN".into(),
                    body: Some(AnyValue { value: Some(Value::StringValue("hi".into())) }),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

const SAMPLE_JSON: &str = r#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[
    {"timeUnixNano":"1700000000000000000","severityText":"WARN","body":{"stringValue":"hi"}}]}]}]}"#;

#[test]
fn protobuf() {
    assert_eq!(decode(&sample().encode_to_vec(), CAP), Ok(sample()));
}

#[test]
fn gzipped_protobuf_and_json() {
    assert_eq!(decode(&gzip(&sample().encode_to_vec()), CAP), Ok(sample()));
    assert_eq!(decode(&gzip(SAMPLE_JSON.as_bytes()), CAP), Ok(sample()));
}

#[test]
fn concatenated_gzip_members() {
    let line = SAMPLE_JSON.replace('\n', "");
    let mut body = gzip(format!("{line}\n").as_bytes());
    body.extend(gzip(line.as_bytes()));
    let req = decode(&body, CAP).unwrap();
    assert_eq!(req.resource_logs.len(), 2, "both members read, as JSON lines");
}

#[test]
fn json_with_whitespace_and_bom() {
    assert_eq!(decode(SAMPLE_JSON.as_bytes(), CAP), Ok(sample()));
    assert_eq!(decode(format!(" \r\n\t{SAMPLE_JSON}\n").as_bytes(), CAP), Ok(sample()));
    assert_eq!(decode(format!("\u{feff}{SAMPLE_JSON}").as_bytes(), CAP), Ok(sample()));
}

#[test]
fn json_lines_are_merged() {
    let line = SAMPLE_JSON.replace('\n', "");
    let body = format!("{line}\n\n   \n{line}\r\n{line}");
    let req = decode(body.as_bytes(), CAP).unwrap();
    assert_eq!(req.resource_logs.len(), 3);
    assert!(req.resource_logs.iter().all(|r| *r == sample().resource_logs[0]));
}

#[test]
fn bad_json_line_is_named() {
    let line = SAMPLE_JSON.replace('\n', "");
    let body = format!("{line}\n{line}\n{{\"resourceLogs\": 5}}\n");
    let IngestError::Decode(msg) = decode(body.as_bytes(), CAP).unwrap_err() else { panic!("not Decode") };
    assert!(msg.starts_with("Failed to decode JSON: "), "{msg}");
    assert!(msg.contains("as JSON lines: line 3: invalid type"), "{msg}");
    assert!(msg.contains(" or Protobuf: "), "{msg}");
}

#[test]
fn garbage_names_both_errors() {
    let err = decode(b"not json {", CAP).unwrap_err();
    let IngestError::Decode(msg) = &err else { panic!("not Decode: {err:?}") };
    assert!(
        msg.starts_with("Failed to decode JSON: expected ident at line 1 column 2 or Protobuf: "),
        "{msg}"
    );
    assert!(msg.contains("failed to decode Protobuf message"), "{msg}");

    // JSON-looking garbage: JSON is tried first, protobuf still reports its own failure.
    let IngestError::Decode(msg) = decode(b"{\"resourceLogs\": [", CAP).unwrap_err() else { panic!() };
    assert!(msg.starts_with("Failed to decode JSON: EOF while parsing"), "{msg}");
    assert!(msg.contains(" or Protobuf: failed to decode Protobuf message"), "{msg}");
}

#[test]
fn wrong_json_types_are_decode_errors() {
    let IngestError::Decode(msg) = decode(br#"{"resourceLogs": {"a": 1}}"#, CAP).unwrap_err() else {
        panic!()
    };
    assert!(msg.contains("invalid type: map, expected a sequence"), "{msg}");
}

#[test]
fn json_that_protobuf_would_misread_is_json() {
    // Why JSON goes first for `{` bodies: this JSON text is also valid protobuf. Byte by
    // byte, ' ' = field 4 varint (value '{'), '"' = field 4 length-delimited with length
    // 'r' = 114, which the padding makes exactly the rest of the body: an unknown field,
    // skipped, leaving a successfully decoded *empty* request.
    let json = r#" {"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"hi"}}]}]}]}"#;
    let after_r = json.len() - json.find('r').unwrap() - 1;
    let body = format!("{json}{}", " ".repeat(114 - after_r));
    let as_protobuf = ExportLogsServiceRequest::decode(body.as_bytes()).unwrap();
    assert!(as_protobuf.resource_logs.is_empty(), "protobuf 'succeeds' with nothing");

    let decoded = decode(body.as_bytes(), CAP).unwrap();
    let records = &decoded.resource_logs[0].scope_logs[0].log_records;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].body, Some(AnyValue { value: Some(Value::StringValue("hi".into())) }));
}

#[test]
fn empty_body_is_an_empty_request() {
    assert_eq!(decode(b"", CAP), Ok(ExportLogsServiceRequest::default()));
    assert_eq!(decode(b"{}", CAP), Ok(ExportLogsServiceRequest::default()));
}

#[test]
fn gzip_over_the_cap_is_too_large() {
    let big = vec![b' '; 10_000]; // compresses to a few dozen bytes
    let body = gzip(&big);
    assert!(body.len() < 100);
    assert_eq!(decode(&body, 9_999), Err(IngestError::TooLarge(9_999)));
    assert!(decode(&body, 10_000).is_ok(), "exactly at the cap is fine (spaces = empty protobuf)");
}

#[test]
fn plain_body_over_the_cap_is_too_large() {
    let body = SAMPLE_JSON.as_bytes();
    assert_eq!(decode(body, body.len() - 1), Err(IngestError::TooLarge(body.len() - 1)));
    assert_eq!(decode(body, body.len()), Ok(sample()));
}

#[test]
fn corrupt_gzip_is_a_decode_error() {
    let mut body = gzip(SAMPLE_JSON.as_bytes());
    let n = body.len();
    body[n / 2] ^= 0xff;
    body[n - 6] ^= 0xff; // and the CRC
    let err = decode(&body, CAP).unwrap_err();
    let IngestError::Decode(msg) = &err else { panic!("{err:?}") };
    assert!(msg.starts_with("Failed to decompress gzip body"), "{msg}");

    let truncated = &gzip(SAMPLE_JSON.as_bytes())[..12];
    assert!(
        matches!(decode(truncated, CAP), Err(IngestError::Decode(m)) if m.starts_with("Failed to decompress gzip body"))
    );
    assert!(matches!(decode(&[0x1f, 0x8b], CAP), Err(IngestError::Decode(_))));
}

#[test]
fn empty_any_values_are_null() {
    let body = br#"{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{}}]},
        "scopeLogs":[{"logRecords":[{"body":{},"attributes":[{"key":"a","value":{}},{"key":"b","value":null}]}]}]}]}"#;
    let req = decode(body, CAP).unwrap();
    let rl = &req.resource_logs[0];
    let record = &rl.scope_logs[0].log_records[0];
    assert_eq!(record.body, None);
    assert_eq!(record.attributes[0].value, None);
    assert_eq!(record.attributes[1].value, None);
    assert_eq!(rl.resource.as_ref().unwrap().attributes[0].value, None);
}

#[test]
fn top_level_must_be_an_object() {
    assert!(decode_json_one(b"[]").is_err());
    assert!(decode_json_one(b"\"x\"").is_err());
    assert_eq!(decode_json_one(b"{}"), Ok(ExportLogsServiceRequest::default()));
}

mod encoded {
    use flate2::write::ZlibEncoder;

    use super::*;

    fn zlib(bytes: &[u8]) -> Vec<u8> {
        let mut enc = ZlibEncoder::new(Vec::new(), Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn deflate_and_zstd_bodies_in_every_format() {
        let pb = sample().encode_to_vec();
        for (coding, compress) in [
            (ContentEncoding::Deflate, zlib as fn(&[u8]) -> Vec<u8>),
            (ContentEncoding::Zstd, |b: &[u8]| zstd::encode_all(b, 3).unwrap()),
            (ContentEncoding::Gzip, gzip),
        ] {
            assert_eq!(decode_encoded(&compress(&pb), coding, CAP), Ok(sample()), "{coding:?} protobuf");
            assert_eq!(
                decode_encoded(&compress(SAMPLE_JSON.as_bytes()), coding, CAP),
                Ok(sample()),
                "{coding:?} JSON"
            );
        }
    }

    #[test]
    fn labels_and_bytes_that_disagree() {
        // Gzip is still found by its magic without (or under another) label...
        assert_eq!(
            decode_encoded(&gzip(SAMPLE_JSON.as_bytes()), ContentEncoding::Identity, CAP),
            Ok(sample())
        );
        // ...and a gzip label on a plain body is ignored, as before.
        assert_eq!(decode_encoded(SAMPLE_JSON.as_bytes(), ContentEncoding::Gzip, CAP), Ok(sample()));
        // Deflate and zstd labels are believed: plain JSON under them is a decode error.
        for coding in [ContentEncoding::Deflate, ContentEncoding::Zstd] {
            let err = decode_encoded(SAMPLE_JSON.as_bytes(), coding, CAP).unwrap_err();
            assert!(
                matches!(&err, IngestError::Decode(m) if m.starts_with("Failed to decompress")),
                "{err:?}"
            );
        }
    }

    #[test]
    fn decompressed_size_is_capped() {
        let big = vec![b' '; 10_000];
        for (coding, body) in [
            (ContentEncoding::Deflate, zlib(&big)),
            (ContentEncoding::Zstd, zstd::encode_all(&big[..], 3).unwrap()),
        ] {
            assert!(body.len() < 200, "{coding:?}");
            assert_eq!(decode_encoded(&body, coding, 9_999), Err(IngestError::TooLarge(9_999)), "{coding:?}");
            assert!(decode_encoded(&body, coding, 10_000).is_ok(), "{coding:?}: exactly at the cap");
        }
    }
}
