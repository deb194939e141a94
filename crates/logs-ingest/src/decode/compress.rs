//! Content codings of an ingestion body: gzip (also recognised by its magic bytes without a
//! header), deflate and zstd by `Content-Encoding`. Every decoder stops one byte past the
//! cap, so a small compressed body never becomes a large allocation (zip bombs).

use std::io::Read;

use flate2::read::{MultiGzDecoder, ZlibDecoder};

use crate::error::IngestError;

/// The codings a body may arrive in, for the `Accept-Encoding` of a 415.
pub const SUPPORTED_ENCODINGS: &str = "gzip, deflate, zstd";

/// A body's `Content-Encoding`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ContentEncoding {
    /// No header (or `identity`): the body is read as sent, except that gzip is still
    /// recognised by its magic bytes, as PostHog's capture does.
    #[default]
    Identity,
    Gzip,
    /// HTTP's `deflate` is zlib-wrapped (RFC 9110); raw deflate is refused.
    Deflate,
    Zstd,
}

impl ContentEncoding {
    /// From the `Content-Encoding` header. A list may name one coding besides `identity`
    /// (`gzip, identity`); two real codings, or an unknown one, are refused.
    pub fn from_header(value: Option<&str>) -> Result<Self, IngestError> {
        let Some(value) = value else { return Ok(Self::Identity) };
        let mut found = Self::Identity;
        for token in value.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let coding = match token.to_ascii_lowercase().as_str() {
                "identity" => continue,
                "gzip" | "x-gzip" => Self::Gzip,
                "deflate" => Self::Deflate,
                "zstd" => Self::Zstd,
                _ => return Err(IngestError::UnsupportedEncoding(token.to_owned())),
            };
            if found != Self::Identity {
                return Err(IngestError::UnsupportedEncoding(value.trim().to_owned()));
            }
            found = coding;
        }
        Ok(found)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Identity => "identity",
            Self::Gzip => "gzip",
            Self::Deflate => "deflate",
            Self::Zstd => "zstd",
        }
    }
}

/// Reads `reader` to the end, failing as too large past `cap` bytes.
fn read_capped(reader: impl Read, cap: usize, coding: &str) -> Result<Vec<u8>, IngestError> {
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    let mut out = Vec::new();
    reader
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| IngestError::Decode(format!("Failed to decompress {coding} body: {e}")))?;
    if out.len() > cap {
        return Err(IngestError::TooLarge(cap));
    }
    Ok(out)
}

/// Inflate at most `cap` bytes (concatenated gzip members are read as one stream).
pub(super) fn gunzip(body: &[u8], cap: usize) -> Result<Vec<u8>, IngestError> {
    read_capped(MultiGzDecoder::new(body), cap, "gzip")
}

/// zlib-wrapped deflate, as HTTP (and the OpenTelemetry Collector) mean by `deflate`.
pub(super) fn inflate(body: &[u8], cap: usize) -> Result<Vec<u8>, IngestError> {
    read_capped(ZlibDecoder::new(body), cap, "deflate")
}

/// Largest zstd window accepted (log2): 8 MiB, the limit RFC 9659 sets for the HTTP `zstd`
/// coding. A frame asking for more (zstd allows up to 128 MiB of decoder memory by
/// default) is refused before its window is allocated.
const ZSTD_WINDOW_LOG_MAX: u32 = 23;

pub(super) fn unzstd(body: &[u8], cap: usize) -> Result<Vec<u8>, IngestError> {
    let fail = |e: std::io::Error| IngestError::Decode(format!("Failed to decompress zstd body: {e}"));
    let mut decoder = zstd::stream::read::Decoder::with_buffer(body).map_err(fail)?;
    decoder.window_log_max(ZSTD_WINDOW_LOG_MAX).map_err(fail)?;
    read_capped(decoder, cap, "zstd")
}

#[cfg(test)]
mod tests;
