//! Request body → `ExportLogsServiceRequest` (specs/logs.md 1.2 "Body formats").
//!
//! 1. Gzip is recognised by its magic bytes (`1f 8b`), with or without `Content-Encoding`;
//!    deflate and zstd by `Content-Encoding` ([`decode_encoded`], module `compress`). Every
//!    coding is inflated with a hard cap (concatenated gzip members are accepted). The cap
//!    also applies to an uncompressed body: it is the largest payload the decoders will see.
//! 2. Three formats are tried: OTLP protobuf, OTLP JSON, JSON lines (one request per
//!    non-empty line, `resourceLogs` merged). `Content-Type` is ignored.
//!
//! **Order.** The spec's order is protobuf first. But protobuf is a lenient wire format and
//! text can decode as a (garbage) message — a body of spaces is a valid empty request, for
//! instance. So when the first non-whitespace byte (after an optional UTF-8 BOM) is `{`, the
//! JSON decoders go first and protobuf last; otherwise protobuf goes first. Real
//! `ExportLogsServiceRequest` protobuf never starts with `{` (0x7b is field 15 as a
//! deprecated group, a field the message does not have), and all three decoders are still
//! tried in every case, so nothing valid is refused — only the first success wins.
//!
//! **JSON leniency** (module `json`): before serde, the JSON value is normalised: `null` fields
//! are dropped, empty AnyValue objects (`"value": {}`, `"body": {}`) are dropped (= null),
//! `snake_case` field names are accepted, a `severityNumber` may be a string (`"9"` or
//! `"SEVERITY_NUMBER_INFO"`), and a `traceId`/`spanId` that is not hex is taken as base64 or
//! else ignored (→ zero id) instead of failing the whole request.

mod compress;
mod json;
mod json_fast;

pub use compress::{ContentEncoding, SUPPORTED_ENCODINGS};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use prost::Message;

use crate::error::IngestError;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decode an ingestion request body sent without `Content-Encoding`; see the module docs
/// for formats, order and caps.
pub fn decode(body: &[u8], max_decompressed: usize) -> Result<ExportLogsServiceRequest, IngestError> {
    decode_encoded(body, ContentEncoding::Identity, max_decompressed)
}

/// [`decode`] for a body in `encoding`. A body labelled gzip that has no gzip magic is read
/// as sent (the label was never trusted); deflate and zstd bodies must be what they say.
pub fn decode_encoded(
    body: &[u8],
    encoding: ContentEncoding,
    max_decompressed: usize,
) -> Result<ExportLogsServiceRequest, IngestError> {
    let inflated = match encoding {
        ContentEncoding::Identity | ContentEncoding::Gzip if body.starts_with(&GZIP_MAGIC) => {
            compress::gunzip(body, max_decompressed)?
        }
        ContentEncoding::Identity | ContentEncoding::Gzip if body.len() > max_decompressed => {
            return Err(IngestError::TooLarge(max_decompressed));
        }
        ContentEncoding::Identity | ContentEncoding::Gzip => return decode_plain(body),
        ContentEncoding::Deflate => compress::inflate(body, max_decompressed)?,
        ContentEncoding::Zstd => compress::unzstd(body, max_decompressed)?,
    };
    decode_plain(&inflated)
}

fn decode_plain(body: &[u8]) -> Result<ExportLogsServiceRequest, IngestError> {
    let text = body.strip_prefix(UTF8_BOM).unwrap_or(body);
    if looks_like_json(text) {
        match decode_json_formats(text) {
            Ok(req) => Ok(req),
            Err(json_err) => decode_protobuf(body).map_err(|pb_err| both_failed(&json_err, &pb_err)),
        }
    } else {
        match decode_protobuf(body) {
            Ok(req) => Ok(req),
            Err(pb_err) => decode_json_formats(text).map_err(|json_err| both_failed(&json_err, &pb_err)),
        }
    }
}

fn looks_like_json(text: &[u8]) -> bool {
    text.iter().find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r')) == Some(&b'{')
}

fn decode_protobuf(body: &[u8]) -> Result<ExportLogsServiceRequest, String> {
    ExportLogsServiceRequest::decode(body).map_err(|e| e.to_string())
}

/// Whole-body JSON, then JSON lines. The error names the JSON failure, and the JSON-lines
/// failure as well when the body has more than one non-empty line.
fn decode_json_formats(text: &[u8]) -> Result<ExportLogsServiceRequest, String> {
    let whole_err = match decode_json_one(text) {
        Ok(req) => return Ok(req),
        Err(e) => e,
    };
    if non_empty_lines(text).nth(1).is_none() {
        return Err(whole_err);
    }
    decode_json_lines(text).map_err(|lines_err| format!("{whole_err}; as JSON lines: {lines_err}"))
}

/// One JSON document: the fast path (module `json_fast`) when it can, else the general one.
/// Here rather than in `json`, so `json_fast` (which borrows from `json`) is not imported back.
fn decode_json_one(text: &[u8]) -> Result<ExportLogsServiceRequest, String> {
    json_fast::decode(text).map_or_else(|| json::decode_general(text), Ok)
}

fn non_empty_lines(text: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    text.split(|b| *b == b'\n').enumerate().filter(|(_, line)| !line.trim_ascii().is_empty())
}

fn decode_json_lines(text: &[u8]) -> Result<ExportLogsServiceRequest, String> {
    let mut merged = ExportLogsServiceRequest::default();
    for (index, line) in non_empty_lines(text) {
        let req = decode_json_one(line).map_err(|e| format!("line {}: {e}", index + 1))?;
        merged.resource_logs.extend(req.resource_logs);
    }
    Ok(merged)
}

fn both_failed(json_err: &str, pb_err: &str) -> IngestError {
    IngestError::Decode(format!("Failed to decode JSON: {json_err} or Protobuf: {pb_err}"))
}

#[cfg(test)]
mod tests;
