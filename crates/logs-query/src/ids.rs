//! Trace and span ids: stored as raw bytes, shown as upper-case hex (ClickHouse `hex()`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

pub const ZERO_TRACE_ID: [u8; 16] = [0; 16];
pub const ZERO_SPAN_ID: [u8; 8] = [0; 8];

/// Upper-case hex, as the API returns ids.
pub fn hex_upper(bytes: &[u8]) -> String {
    hex::encode_upper(bytes)
}

pub fn trace_id_hex(id: &[u8; 16]) -> String {
    hex_upper(id)
}

pub fn span_id_hex(id: &[u8; 8]) -> String {
    hex_upper(id)
}

/// Exactly 32 hex digits (either case).
pub fn parse_trace_id_hex(s: &str) -> Option<[u8; 16]> {
    parse_hex(s)
}

/// Exactly 16 hex digits (either case).
pub fn parse_span_id_hex(s: &str) -> Option<[u8; 8]> {
    parse_hex(s)
}

/// A filter value for `trace_id`/`span_id`: hex, or the base64 PostHog stores (its filters
/// pass non-hex values through to the stored column, so base64 ids match there too).
pub fn parse_id_lenient<const N: usize>(s: &str) -> Option<[u8; N]> {
    parse_hex(s).or_else(|| STANDARD.decode(s.trim()).ok().and_then(|v| v.try_into().ok()))
}

pub fn is_zero(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| *b == 0)
}

fn parse_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    hex::decode_to_slice(s.trim(), &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_upper_case_and_round_trips() {
        let id: [u8; 16] = [0xab, 0xcd, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0xff];
        let hex = trace_id_hex(&id);
        assert_eq!(hex, "ABCDEF0102030405060708090A0B0CFF");
        assert_eq!(parse_trace_id_hex(&hex), Some(id));
        assert_eq!(parse_trace_id_hex(&hex.to_lowercase()), Some(id));
        assert_eq!(span_id_hex(&[0, 1, 2, 3, 4, 5, 6, 0xa7]), "00010203040506A7");
    }

    #[test]
    fn zero_ids_render_as_zeros() {
        assert_eq!(trace_id_hex(&ZERO_TRACE_ID), "0".repeat(32));
        assert_eq!(span_id_hex(&ZERO_SPAN_ID), "0".repeat(16));
        assert!(is_zero(&ZERO_TRACE_ID));
        assert!(!is_zero(&[0, 0, 1]));
    }

    #[test]
    fn hex_must_have_the_exact_length() {
        assert_eq!(parse_trace_id_hex("abcd"), None);
        assert_eq!(parse_span_id_hex(&"0".repeat(32)), None);
        assert_eq!(parse_span_id_hex("000102030405060g"), None);
        assert_eq!(parse_span_id_hex("0001020304050607"), Some([0, 1, 2, 3, 4, 5, 6, 7]));
    }

    #[test]
    fn lenient_parse_accepts_hex_and_stored_base64() {
        let id: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];
        assert_eq!(parse_id_lenient::<8>("0102030405060708"), Some(id));
        assert_eq!(parse_id_lenient::<8>(&STANDARD.encode(id)), Some(id));
        assert_eq!(parse_id_lenient::<16>(&STANDARD.encode(id)), None, "wrong length");
        assert_eq!(parse_id_lenient::<8>("not an id"), None);
    }
}
