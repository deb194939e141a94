//! The Arrow schema of a segment and building record batches from rows.
//!
//! Low-cardinality strings (service, resource attributes, scope, event name) are
//! `Dictionary(Int32, Utf8)` columns whose dictionary is shared by every batch of a segment,
//! so the IPC file stores each dictionary once. Log attributes: keys common in the segment
//! get a nullable `Utf8` column each; the rest of a row's pairs are packed in one `Utf8`
//! value (see [`encode_attrs`]).

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, DictionaryArray, FixedSizeBinaryArray, Int32Array, Int64Array, StringArray, StringBuilder,
    UInt8Array, UInt32Array, UInt64Array,
};
use arrow::buffer::Buffer;
use arrow::datatypes::{DataType, Field, Int32Type, Schema, SchemaRef};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use logs_query::LogRecord;

use crate::codec::severity_code;

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

fn dict_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// The fixed columns, then one nullable `Utf8` column per hot attribute key, named by it.
pub(crate) fn schema(hot: &[String]) -> SchemaRef {
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
    fields.extend(hot.iter().map(|k| Field::new(k, DataType::Utf8, true)));
    Arc::new(Schema::new(fields))
}

// Attribute lists as one string: `key US value RS` per pair, where US/RS/ESC inside keys and
// values are escaped with ESC. Every byte written is either copied from valid UTF-8 or an
// ASCII control, so the result is valid UTF-8 and any string round-trips.
const US: char = '\x1f';
const RS: char = '\x1e';
const ESC: char = '\x1b';

fn push_escaped(out: &mut String, s: &str) {
    if !s.contains([US, RS, ESC]) {
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
fn field<'a>(out: &'a mut Vec<(String, String)>, n: usize, in_value: bool, started: &mut bool) -> &'a mut String {
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

/// One segment-wide dictionary: values in first-seen order.
#[derive(Debug, Default)]
pub(crate) struct DictBuilder {
    values: Vec<String>,
    index: HashMap<String, i32>,
}

impl DictBuilder {
    pub(crate) fn key(&mut self, v: &str) -> i32 {
        if let Some(&k) = self.index.get(v) {
            return k;
        }
        let k = self.values.len() as i32;
        self.values.push(v.to_owned());
        self.index.insert(v.to_owned(), k);
        k
    }

    fn finish(self) -> Dict {
        let values: ArrayRef = Arc::new(StringArray::from_iter_values(&self.values));
        Dict { values, index: self.index }
    }
}

#[derive(Debug)]
struct Dict {
    values: ArrayRef,
    index: HashMap<String, i32>,
}

impl Dict {
    fn array(&self, keys: Vec<i32>) -> Result<ArrayRef, ArrowError> {
        Ok(Arc::new(DictionaryArray::<Int32Type>::try_new(Int32Array::from(keys), Arc::clone(&self.values))?))
    }

    fn key(&self, v: &str) -> Result<i32, ArrowError> {
        let k = self.index.get(v).copied();
        k.ok_or_else(|| ArrowError::InvalidArgumentError(format!("{v:?} not in dictionary")))
    }
}

/// Log attribute keys present in at least 1/`HOT_SHARE` of a segment's rows get a column
/// of their own (at most `MAX_HOT` of them): values of one key compress far better side by
/// side than interleaved with other keys in the packed column.
const HOT_SHARE: u64 = 20;
const MAX_HOT: usize = 64;

/// What must be known before a segment's first batch: its dictionaries and which attribute
/// keys get columns. Fed every row (or, when compacting, the inputs' dictionaries and stats).
#[derive(Debug, Default)]
pub(crate) struct LayoutBuilder {
    pub(crate) service: DictBuilder,
    pub(crate) resource: DictBuilder,
    pub(crate) scope: DictBuilder,
    pub(crate) event: DictBuilder,
    key_rows: HashMap<String, u64>,
    rows: u64,
    scratch: String,
}

impl LayoutBuilder {
    pub(crate) fn add(&mut self, r: &LogRecord) {
        self.service.key(&r.service_name);
        encode_attrs(&r.resource_attributes, &mut self.scratch);
        self.resource.key(&self.scratch);
        self.scope.key(&r.instrumentation_scope);
        self.event.key(&r.event_name);
        self.rows += 1;
        for (k, _) in &r.attributes {
            match self.key_rows.get_mut(k.as_str()) {
                Some(n) => *n += 1,
                None => {
                    self.key_rows.insert(k.clone(), 1);
                }
            }
        }
    }

    /// `rows` rows, of which `key_rows` carry each key.
    pub(crate) fn add_counts<'a>(&mut self, rows: u64, key_rows: impl Iterator<Item = (&'a str, u64)>) {
        self.rows += rows;
        for (k, n) in key_rows {
            *self.key_rows.entry(k.to_owned()).or_default() += n;
        }
    }

    pub(crate) fn finish(self) -> Layout {
        let mut hot: Vec<(u64, String)> = (self.key_rows.into_iter())
            .filter(|(_, n)| n.saturating_mul(HOT_SHARE) >= self.rows)
            .map(|(k, n)| (n, k))
            .collect();
        hot.sort_unstable_by(|a, b| b.cmp(a));
        let mut hot: Vec<String> = hot.into_iter().take(MAX_HOT).map(|(_, k)| k).collect();
        hot.sort_unstable();
        Layout {
            service: self.service.finish(),
            resource: self.resource.finish(),
            scope: self.scope.finish(),
            event: self.event.finish(),
            schema: schema(&hot),
            hot,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Layout {
    service: Dict,
    resource: Dict,
    scope: Dict,
    event: Dict,
    /// Sorted keys with their own column, after the fixed ones.
    hot: Vec<String>,
    pub(crate) schema: SchemaRef,
}

/// Whether keys are strictly increasing: only then can a row's attributes be split between
/// key columns and the packed column and merged back into exactly the same list.
fn strictly_sorted(attrs: &[(String, String)]) -> bool {
    attrs.windows(2).all(|w| w[0].0 < w[1].0)
}

/// Builds one record batch from rows already sorted by (timestamp, uuid).
pub(crate) fn build_batch(layout: &Layout, rows: &[&LogRecord]) -> Result<RecordBatch, ArrowError> {
    let n = rows.len();
    let mut uuids = Vec::with_capacity(n * 16);
    let mut trace = Vec::with_capacity(n * 16);
    let mut span = Vec::with_capacity(n * 8);
    let (mut service, mut resource, mut scope, mut event) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let mut packed = StringBuilder::with_capacity(n, n * 16);
    let mut hot: Vec<StringBuilder> = layout.hot.iter().map(|_| StringBuilder::with_capacity(n, n * 8)).collect();
    let mut hot_row: Vec<Option<&str>> = vec![None; hot.len()];
    let mut cold: Vec<(String, String)> = Vec::new();
    let mut scratch = String::new();
    for r in rows {
        uuids.extend_from_slice(r.uuid.as_bytes());
        trace.extend_from_slice(&r.trace_id);
        span.extend_from_slice(&r.span_id);
        service.push(layout.service.key(&r.service_name)?);
        encode_attrs(&r.resource_attributes, &mut scratch);
        resource.push(layout.resource.key(&scratch)?);
        scope.push(layout.scope.key(&r.instrumentation_scope)?);
        event.push(layout.event.key(&r.event_name)?);
        hot_row.iter_mut().for_each(|v| *v = None);
        cold.clear();
        if strictly_sorted(&r.attributes) {
            for (k, v) in &r.attributes {
                match layout.hot.binary_search(k) {
                    Ok(i) => hot_row[i] = Some(v),
                    Err(_) => cold.push((k.clone(), v.clone())),
                }
            }
            encode_attrs(&cold, &mut scratch);
        } else {
            encode_attrs(&r.attributes, &mut scratch);
        }
        packed.append_value(&scratch);
        for (b, v) in hot.iter_mut().zip(&hot_row) {
            b.append_option(*v);
        }
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.timestamp_us))),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.observed_timestamp_us))),
        Arc::new(FixedSizeBinaryArray::try_new(16, Buffer::from_vec(uuids), None)?),
        Arc::new(UInt8Array::from_iter_values(rows.iter().map(|r| severity_code(r.severity)))),
        Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.severity_number))),
        layout.service.array(service)?,
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.body.as_str()))),
        layout.resource.array(resource)?,
        Arc::new(UInt64Array::from_iter_values(rows.iter().map(|r| r.resource_fingerprint))),
        Arc::new(packed.finish()),
        Arc::new(FixedSizeBinaryArray::try_new(16, Buffer::from_vec(trace), None)?),
        Arc::new(FixedSizeBinaryArray::try_new(8, Buffer::from_vec(span), None)?),
        Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.trace_flags))),
        layout.scope.array(scope)?,
        layout.event.array(event)?,
        Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.bytes))),
    ];
    columns.extend(hot.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    RecordBatch::try_new(Arc::clone(&layout.schema), columns)
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
