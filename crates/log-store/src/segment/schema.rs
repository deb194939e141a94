//! The Arrow schema of a segment, building record batches from rows and reading rows back.
//!
//! Low-cardinality strings (service, resource attributes, scope, event name) are
//! `Dictionary(Int32, Utf8)` columns whose dictionary is shared by every batch of a segment,
//! so the IPC file stores each dictionary once. Attribute lists are one `Utf8` value per row
//! (see [`encode_attrs`]).

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, DictionaryArray, FixedSizeBinaryArray, Int32Array, Int64Array, StringArray,
    UInt8Array, UInt32Array, UInt64Array,
};
use arrow::buffer::Buffer;
use arrow::datatypes::{DataType, Field, Int32Type, Int64Type, Schema, SchemaRef, UInt8Type, UInt32Type, UInt64Type};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use logs_query::{LogRecord, Severity};
use uuid::Uuid;

use crate::codec::{severity_code, severity_from_code};

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

pub(crate) fn schema() -> SchemaRef {
    let f = |name: &str, t: DataType| Field::new(name, t, false);
    Arc::new(Schema::new(vec![
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
    ]))
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

/// Decodes [`encode_attrs`] output; `None` if malformed.
pub(crate) fn decode_attrs(s: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut key: Option<String> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            ESC => cur.push(chars.next()?),
            US if key.is_none() => key = Some(std::mem::take(&mut cur)),
            RS => out.push((key.take()?, std::mem::take(&mut cur))),
            US => return None,
            c => cur.push(c),
        }
    }
    (cur.is_empty() && key.is_none()).then_some(out)
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
pub(crate) struct Dict {
    values: ArrayRef,
    index: HashMap<String, i32>,
}

impl Dict {
    fn array(&self, keys: Vec<i32>) -> Result<ArrayRef, ArrowError> {
        Ok(Arc::new(DictionaryArray::<Int32Type>::try_new(Int32Array::from(keys), Arc::clone(&self.values))?))
    }

    fn key(&self, v: &str) -> Result<i32, ArrowError> {
        self.index.get(v).copied().ok_or_else(|| ArrowError::InvalidArgumentError(format!("{v:?} not in dictionary")))
    }
}

/// The dictionaries of one segment, collected before its first batch is written.
#[derive(Debug, Default)]
pub(crate) struct DictsBuilder {
    pub(crate) service: DictBuilder,
    pub(crate) resource: DictBuilder,
    pub(crate) scope: DictBuilder,
    pub(crate) event: DictBuilder,
    scratch: String,
}

impl DictsBuilder {
    pub(crate) fn add(&mut self, r: &LogRecord) {
        self.service.key(&r.service_name);
        encode_attrs(&r.resource_attributes, &mut self.scratch);
        self.resource.key(&self.scratch);
        self.scope.key(&r.instrumentation_scope);
        self.event.key(&r.event_name);
    }

    pub(crate) fn finish(self) -> Dicts {
        Dicts {
            service: self.service.finish(),
            resource: self.resource.finish(),
            scope: self.scope.finish(),
            event: self.event.finish(),
        }
    }
}

#[derive(Debug)]
pub(crate) struct Dicts {
    service: Dict,
    resource: Dict,
    scope: Dict,
    event: Dict,
}

/// Builds one record batch from rows already sorted by (timestamp, uuid).
pub(crate) fn build_batch(schema: &SchemaRef, dicts: &Dicts, rows: &[&LogRecord]) -> Result<RecordBatch, ArrowError> {
    let n = rows.len();
    let mut uuids = Vec::with_capacity(n * 16);
    let mut trace = Vec::with_capacity(n * 16);
    let mut span = Vec::with_capacity(n * 8);
    let (mut service, mut resource, mut scope, mut event) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let mut attrs = Vec::with_capacity(n);
    let mut scratch = String::new();
    for r in rows {
        uuids.extend_from_slice(r.uuid.as_bytes());
        trace.extend_from_slice(&r.trace_id);
        span.extend_from_slice(&r.span_id);
        service.push(dicts.service.key(&r.service_name)?);
        encode_attrs(&r.resource_attributes, &mut scratch);
        resource.push(dicts.resource.key(&scratch)?);
        scope.push(dicts.scope.key(&r.instrumentation_scope)?);
        event.push(dicts.event.key(&r.event_name)?);
        encode_attrs(&r.attributes, &mut scratch);
        attrs.push(scratch.clone());
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.timestamp_us))),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.observed_timestamp_us))),
        Arc::new(FixedSizeBinaryArray::try_new(16, Buffer::from_vec(uuids), None)?),
        Arc::new(UInt8Array::from_iter_values(rows.iter().map(|r| severity_code(r.severity)))),
        Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.severity_number))),
        dicts.service.array(service)?,
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.body.as_str()))),
        dicts.resource.array(resource)?,
        Arc::new(UInt64Array::from_iter_values(rows.iter().map(|r| r.resource_fingerprint))),
        Arc::new(StringArray::from_iter_values(attrs)),
        Arc::new(FixedSizeBinaryArray::try_new(16, Buffer::from_vec(trace), None)?),
        Arc::new(FixedSizeBinaryArray::try_new(8, Buffer::from_vec(span), None)?),
        Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.trace_flags))),
        dicts.scope.array(scope)?,
        dicts.event.array(event)?,
        Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.bytes))),
    ];
    RecordBatch::try_new(Arc::clone(schema), columns)
}

/// A dictionary column: keys plus the segment's values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DictCol<'a> {
    pub(crate) keys: &'a [i32],
    pub(crate) values: &'a StringArray,
}

impl<'a> DictCol<'a> {
    fn new(a: &'a ArrayRef) -> Option<Self> {
        let d = a.as_dictionary_opt::<Int32Type>()?;
        let values = d.values().as_string_opt::<i32>()?;
        // Validated here so every later lookup is in bounds.
        let ok = d.keys().values().iter().all(|&k| k >= 0 && (k as usize) < values.len());
        ok.then_some(Self { keys: d.keys().values(), values })
    }

    pub(crate) fn get(&self, i: usize) -> &'a str {
        self.values.value(self.keys[i] as usize)
    }

    /// Dictionary size.
    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }

    /// Dictionary value `k`.
    pub(crate) fn value(&self, k: usize) -> &'a str {
        self.values.value(k)
    }
}

/// Typed views of a decoded batch's columns; construction checks every type and length, so
/// the accessors cannot fail for `i < len`.
#[derive(Debug)]
pub(crate) struct Cols<'a> {
    pub(crate) len: usize,
    pub(crate) ts: &'a [i64],
    pub(crate) observed: &'a [i64],
    uuid: &'a FixedSizeBinaryArray,
    pub(crate) severity: &'a [u8],
    severity_number: &'a [i32],
    pub(crate) service: DictCol<'a>,
    pub(crate) body: &'a StringArray,
    pub(crate) resource: DictCol<'a>,
    pub(crate) fingerprint: &'a [u64],
    attrs: &'a StringArray,
    trace_id: &'a FixedSizeBinaryArray,
    span_id: &'a FixedSizeBinaryArray,
    trace_flags: &'a [i32],
    pub(crate) scope: DictCol<'a>,
    pub(crate) event: DictCol<'a>,
    bytes: &'a [u32],
}

impl<'a> Cols<'a> {
    pub(crate) fn new(b: &'a RecordBatch) -> Option<Self> {
        if b.num_columns() != BYTES + 1 {
            return None;
        }
        let c = |i: usize| b.column(i);
        let fixed = |i: usize, w: i32| c(i).as_fixed_size_binary_opt().filter(|a| a.value_length() == w);
        let cols = Cols {
            len: b.num_rows(),
            ts: c(TS).as_primitive_opt::<Int64Type>()?.values(),
            observed: c(OBSERVED).as_primitive_opt::<Int64Type>()?.values(),
            uuid: fixed(UUID, 16)?,
            severity: c(SEVERITY).as_primitive_opt::<UInt8Type>()?.values(),
            severity_number: c(SEVERITY_NUMBER).as_primitive_opt::<Int32Type>()?.values(),
            service: DictCol::new(c(SERVICE))?,
            body: c(BODY).as_string_opt::<i32>()?,
            resource: DictCol::new(c(RESOURCE))?,
            fingerprint: c(FINGERPRINT).as_primitive_opt::<UInt64Type>()?.values(),
            attrs: c(ATTRS).as_string_opt::<i32>()?,
            trace_id: fixed(TRACE_ID, 16)?,
            span_id: fixed(SPAN_ID, 8)?,
            trace_flags: c(TRACE_FLAGS).as_primitive_opt::<Int32Type>()?.values(),
            scope: DictCol::new(c(SCOPE))?,
            event: DictCol::new(c(EVENT))?,
            bytes: c(BYTES).as_primitive_opt::<UInt32Type>()?.values(),
        };
        let n = cols.len;
        let lens = [cols.ts.len(), cols.observed.len(), cols.severity.len(), cols.fingerprint.len()];
        let ok = lens.iter().all(|&l| l == n)
            && [cols.severity_number.len(), cols.trace_flags.len(), cols.bytes.len()].iter().all(|&l| l == n)
            && [cols.uuid.len(), cols.trace_id.len(), cols.span_id.len(), cols.body.len(), cols.attrs.len()]
                .iter()
                .all(|&l| l == n)
            && [cols.service, cols.resource, cols.scope, cols.event].iter().all(|d| d.keys.len() == n)
            && cols.severity.iter().all(|&s| severity_from_code(s).is_ok());
        ok.then_some(cols)
    }

    pub(crate) fn key(&self, i: usize) -> (i64, Uuid) {
        (self.ts[i], uuid_at(self.uuid, i))
    }

    pub(crate) fn severity(&self, i: usize) -> Severity {
        severity_from_code(self.severity[i]).unwrap_or(Severity::Unknown)
    }

    /// The whole row; `None` if its attribute encodings are malformed. `resource` decodes a
    /// resource dictionary value (callers cache it per batch).
    pub(crate) fn record(
        &self,
        i: usize,
        team_id: i64,
        resource: impl FnOnce(&str) -> Option<Vec<(String, String)>>,
    ) -> Option<LogRecord> {
        Some(LogRecord {
            uuid: uuid_at(self.uuid, i),
            team_id,
            timestamp_us: self.ts[i],
            observed_timestamp_us: self.observed[i],
            body: self.body.value(i).to_owned(),
            severity: self.severity(i),
            severity_number: self.severity_number[i],
            service_name: self.service.get(i).to_owned(),
            resource_attributes: resource(self.resource.get(i))?,
            resource_fingerprint: self.fingerprint[i],
            attributes: decode_attrs(self.attrs.value(i))?,
            trace_id: self.trace_id.value(i).try_into().ok()?,
            span_id: self.span_id.value(i).try_into().ok()?,
            trace_flags: self.trace_flags[i],
            instrumentation_scope: self.scope.get(i).to_owned(),
            event_name: self.event.get(i).to_owned(),
            bytes: self.bytes[i],
        })
    }
}

fn uuid_at(a: &FixedSizeBinaryArray, i: usize) -> Uuid {
    Uuid::from_slice(a.value(i)).unwrap_or_default()
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
        for c in cases {
            encode_attrs(&c, &mut s);
            assert_eq!(decode_attrs(&s), Some(c));
        }
        assert_eq!(decode_attrs("a\x1fb"), None, "unterminated pair");
        assert_eq!(decode_attrs("a\x1fb\x1fc\x1e"), None);
        assert_eq!(decode_attrs("\x1b"), None);
    }
}
