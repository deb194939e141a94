//! The Arrow schema of a segment, and the packed encoding of attribute lists.
//!
//! Low-cardinality strings (service, resource attributes, scope, event name) are
//! `Dictionary(Int32, Utf8)` columns whose dictionary is shared by every batch of a segment,
//! so the IPC file stores each dictionary once. Log attributes: keys common in the segment
//! get a nullable column each (see `layout`); the rest of a row's pairs are packed in one
//! `Utf8` value (see [`encode_attrs`]).

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

pub(crate) const TS: usize = 0;
pub(crate) const OBSERVED: usize = 1;
pub(crate) const UUID: usize = 2;
pub(crate) const SEVERITY: usize = 3;
pub(crate) const SEVERITY_NUMBER: usize = 4;
pub(crate) const SERVICE: usize = 5;
pub(crate) const BODY: usize = 6;
pub(crate) const RESOURCE: usize = 7;
pub(crate) const FINGERPRINT: usize = 8;
pub(crate) const ATTRS: usize = 9;
pub(crate) const TRACE_ID: usize = 10;
pub(crate) const SPAN_ID: usize = 11;
pub(crate) const TRACE_FLAGS: usize = 12;
pub(crate) const SCOPE: usize = 13;
pub(crate) const EVENT: usize = 14;
pub(crate) const BYTES: usize = 15;

pub(crate) fn dict_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// The fixed columns, then one nullable column per attribute key with a column, named by
/// the key: dictionary-encoded (`true`) or plain `Utf8`.
pub(crate) fn schema(hot: &[(String, bool)]) -> SchemaRef {
    let f = |name: &str, t: DataType| Field::new(name, t, false);
    let mut fields = vec![
        f("timestamp_us", DataType::Int64),
        f("observed_us", DataType::Int64),
        f("uuid", DataType::FixedSizeBinary(16)),
        f("severity", DataType::UInt8),
        f("severity_number", DataType::Int32),
        f("service_name", dict_type()),
        f("body", DataType::Utf8),
        f("resource_attributes", dict_type()),
        f("resource_fingerprint", DataType::UInt64),
        f("attributes", DataType::Utf8),
        f("trace_id", DataType::FixedSizeBinary(16)),
        f("span_id", DataType::FixedSizeBinary(8)),
        f("trace_flags", DataType::Int32),
        f("instrumentation_scope", dict_type()),
        f("event_name", dict_type()),
        f("bytes", DataType::UInt32),
    ];
    let hot =
        hot.iter().map(|(k, dict)| Field::new(k, if *dict { dict_type() } else { DataType::Utf8 }, true));
    fields.extend(hot);
    Arc::new(Schema::new(fields))
}

// Attribute lists as one string: `key US value RS` per pair, where US/RS/ESC inside keys and
// values are escaped with ESC. Every byte written is either copied from valid UTF-8 or an
// ASCII control, so the result is valid UTF-8 and any string round-trips.
const US: char = '\x1f';
const RS: char = '\x1e';
const ESC: char = '\x1b';

fn push_escaped(out: &mut String, s: &str) {
    // memchr3, not `str::contains` with a char array: that decodes every char (8 % of
    // sealing's CPU in `perf`).
    if memchr::memchr3(US as u8, RS as u8, ESC as u8, s.as_bytes()).is_none() {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        if matches!(c, US | RS | ESC) {
            out.push(ESC);
        }
        out.push(c);
    }
}

pub(crate) fn encode_attrs(attrs: &[(String, String)], out: &mut String) {
    out.clear();
    for (k, v) in attrs {
        push_escaped(out, k);
        out.push(US);
        push_escaped(out, v);
        out.push(RS);
    }
}

/// The field of pair `n` being decoded; a pair's strings are cleared when it starts.
fn field<'a>(
    out: &'a mut Vec<(String, String)>,
    n: usize,
    in_value: bool,
    started: &mut bool,
) -> &'a mut String {
    if n == out.len() {
        out.push(Default::default());
    }
    let pair = &mut out[n];
    if !*started {
        pair.0.clear();
        pair.1.clear();
        *started = true;
    }
    if in_value { &mut pair.1 } else { &mut pair.0 }
}

/// Decodes [`encode_attrs`] output into `out`, reusing its strings; `None` if malformed.
pub(crate) fn decode_attrs_into(s: &str, out: &mut Vec<(String, String)>) -> Option<()> {
    let bytes = s.as_bytes();
    let (mut n, mut in_value, mut started, mut run, mut i) = (0, false, false, 0, 0);
    while i < bytes.len() {
        let b = bytes[i];
        if !matches!(b, 0x1b | 0x1e | 0x1f) {
            i += 1;
            continue;
        }
        // The separators are ASCII, so `run..i` lies on character boundaries.
        let f = field(out, n, in_value, &mut started);
        f.push_str(&s[run..i]);
        match b {
            0x1b => {
                let c = s[i + 1..].chars().next()?;
                f.push(c);
                i += 1 + c.len_utf8();
            }
            0x1f if !in_value => {
                in_value = true;
                i += 1;
            }
            0x1e if in_value => {
                in_value = false;
                started = false;
                n += 1;
                i += 1;
            }
            _ => return None,
        }
        run = i;
    }
    if run != bytes.len() || in_value {
        return None;
    }
    out.truncate(n);
    Some(())
}

/// Decodes [`encode_attrs`] output; `None` if malformed.
#[cfg(test)]
pub(crate) fn decode_attrs(s: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    decode_attrs_into(s, &mut out)?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attrs_round_trip_any_strings() {
        let cases: Vec<Vec<(String, String)>> = vec![
            vec![],
            vec![("".into(), "".into())],
            vec![("a".into(), "1".into()), ("b\x1f".into(), "\x1e\x1b\x1bx".into())],
            vec![("ключ".into(), "значение 🚀".into()), ("k".into(), "\x1b".into())],
        ];
        let mut s = String::new();
        let mut reused = vec![("old".to_string(), "junk".to_string()); 5];
        for c in cases {
            encode_attrs(&c, &mut s);
            assert_eq!(decode_attrs(&s), Some(c.clone()));
            decode_attrs_into(&s, &mut reused).unwrap();
            assert_eq!(reused, c);
        }
        assert_eq!(decode_attrs("a\x1fb"), None, "unterminated pair");
        assert_eq!(decode_attrs("a\x1fb\x1fc\x1e"), None);
        assert_eq!(decode_attrs("\x1b"), None);
        assert_eq!(decode_attrs("a\x1e"), None);
        assert_eq!(decode_attrs("a\x1fb\x1etrailing"), None);
    }
}
