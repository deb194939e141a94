//! Typed views of a decoded segment batch, and rows read back from them.

use foldhash::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, FixedSizeBinaryArray, Int32Array, StringArray};
use arrow::datatypes::{Int32Type, Int64Type, UInt8Type, UInt32Type, UInt64Type};
use arrow::record_batch::RecordBatch;
use logs_query::{LogRecord, Severity};
use uuid::Uuid;

use super::schema::{
    ATTRS, BODY, BYTES, EVENT, FINGERPRINT, OBSERVED, RESOURCE, SCOPE, SERVICE, SEVERITY, SEVERITY_NUMBER,
    SPAN_ID, TRACE_FLAGS, TRACE_ID, TS, UUID, decode_attrs_into,
};
use crate::codec::severity_from_code;

/// A dictionary column: keys plus the segment's values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DictCol<'a> {
    pub(crate) keys: &'a [i32],
    values: &'a StringArray,
}

impl<'a> DictCol<'a> {
    fn new(a: &'a ArrayRef, check: bool) -> Option<Self> {
        let d = a.as_dictionary_opt::<Int32Type>()?;
        let values = d.values().as_string_opt::<i32>()?;
        // Checked (once per decoded batch) so every later lookup is in bounds.
        let ok = !check || d.keys().values().iter().all(|&k| k >= 0 && (k as usize) < values.len());
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

/// A log attribute key's own column: dictionary-encoded or plain, null where absent.
#[derive(Debug, Clone, Copy)]
pub(crate) enum HotCol<'a> {
    Dict(&'a Int32Array, &'a StringArray),
    Plain(&'a StringArray),
}

impl<'a> HotCol<'a> {
    fn new(a: &'a ArrayRef, check: bool) -> Option<Self> {
        if let Some(s) = a.as_string_opt::<i32>() {
            return Some(Self::Plain(s));
        }
        let d = a.as_dictionary_opt::<Int32Type>()?;
        let values = d.values().as_string_opt::<i32>()?;
        let keys = d.keys();
        let ok = !check
            || (0..keys.len())
                .all(|i| keys.is_null(i) || (keys.value(i) >= 0 && (keys.value(i) as usize) < values.len()));
        ok.then_some(Self::Dict(keys, values))
    }

    fn len(&self) -> usize {
        match self {
            Self::Dict(k, _) => k.len(),
            Self::Plain(s) => s.len(),
        }
    }

    pub(crate) fn is_valid(&self, i: usize) -> bool {
        match self {
            Self::Dict(k, _) => k.is_valid(i),
            Self::Plain(s) => s.is_valid(i),
        }
    }

    pub(crate) fn value(&self, i: usize) -> &'a str {
        match self {
            Self::Dict(k, v) => v.value(k.value(i) as usize),
            Self::Plain(s) => s.value(i),
        }
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
    /// Attribute keys with their own column, sorted by key.
    hot: Vec<(&'a str, HotCol<'a>)>,
}

impl<'a> Cols<'a> {
    /// Checks types, lengths and every value that indexes something (dictionary keys,
    /// severity codes): do it once when a batch is decoded.
    pub(crate) fn new(b: &'a RecordBatch) -> Option<Self> {
        Self::build(b, true)
    }

    /// For a batch [`Self::new`] accepted before: types and lengths only.
    pub(crate) fn checked_before(b: &'a RecordBatch) -> Option<Self> {
        Self::build(b, false)
    }

    fn build(b: &'a RecordBatch, check: bool) -> Option<Self> {
        let c = |i: usize| b.column(i);
        let fixed = |i: usize, w: i32| c(i).as_fixed_size_binary_opt().filter(|a| a.value_length() == w);
        let schema = b.schema_ref();
        let mut hot = Vec::new();
        for i in BYTES + 1..b.num_columns() {
            hot.push((schema.field(i).name().as_str(), HotCol::new(c(i), check)?));
        }
        hot.windows(2).all(|w| w[0].0 < w[1].0).then_some(())?;
        let cols = Cols {
            len: b.num_rows(),
            ts: c(TS).as_primitive_opt::<Int64Type>()?.values(),
            observed: c(OBSERVED).as_primitive_opt::<Int64Type>()?.values(),
            uuid: fixed(UUID, 16)?,
            severity: c(SEVERITY).as_primitive_opt::<UInt8Type>()?.values(),
            severity_number: c(SEVERITY_NUMBER).as_primitive_opt::<Int32Type>()?.values(),
            service: DictCol::new(c(SERVICE), check)?,
            body: c(BODY).as_string_opt::<i32>()?,
            resource: DictCol::new(c(RESOURCE), check)?,
            fingerprint: c(FINGERPRINT).as_primitive_opt::<UInt64Type>()?.values(),
            attrs: c(ATTRS).as_string_opt::<i32>()?,
            trace_id: fixed(TRACE_ID, 16)?,
            span_id: fixed(SPAN_ID, 8)?,
            trace_flags: c(TRACE_FLAGS).as_primitive_opt::<Int32Type>()?.values(),
            scope: DictCol::new(c(SCOPE), check)?,
            event: DictCol::new(c(EVENT), check)?,
            bytes: c(BYTES).as_primitive_opt::<UInt32Type>()?.values(),
            hot,
        };
        let n = cols.len;
        let slices = [cols.ts.len(), cols.observed.len(), cols.severity.len(), cols.fingerprint.len()];
        let more = [cols.severity_number.len(), cols.trace_flags.len(), cols.bytes.len()];
        let arrays =
            [cols.uuid.len(), cols.trace_id.len(), cols.span_id.len(), cols.body.len(), cols.attrs.len()];
        let ok = slices.iter().chain(&more).chain(&arrays).all(|&l| l == n)
            && cols.hot.iter().all(|(_, a)| a.len() == n)
            && [cols.service, cols.resource, cols.scope, cols.event].iter().all(|d| d.keys.len() == n)
            && (!check || cols.severity.iter().all(|&s| severity_from_code(s).is_ok()));
        ok.then_some(cols)
    }

    pub(crate) fn key(&self, i: usize) -> (i64, Uuid) {
        (self.ts[i], Uuid::from_slice(self.uuid.value(i)).unwrap_or_default())
    }

    pub(crate) fn severity(&self, i: usize) -> Severity {
        severity_from_code(self.severity[i]).unwrap_or(Severity::Unknown)
    }

    /// False only if row `i` surely lacks log attribute `key`, judged without decoding: the
    /// key has a column, it is null, and the packed pairs do not mention the key (a row with
    /// unsorted keys keeps every pair packed).
    pub(crate) fn may_have(&self, i: usize, key: &str) -> bool {
        match self.hot.binary_search_by(|(k, _)| (*k).cmp(key)) {
            Ok(j) => self.hot[j].1.is_valid(i) || self.attrs.value(i).contains(key),
            Err(_) => true,
        }
    }

    /// Log attribute `key`'s own column, if it has one in this batch.
    pub(crate) fn hot_col(&self, key: &str) -> Option<HotCol<'a>> {
        self.hot.binary_search_by(|(k, _)| (*k).cmp(key)).ok().map(|j| self.hot[j].1)
    }

    /// False only if row `i`'s packed pairs surely do not hold `key`.
    pub(crate) fn packed_may_hold(&self, i: usize, key: &str) -> bool {
        key.contains(['\x1f', '\x1e', '\x1b']) || self.attrs.value(i).contains(key)
    }

    /// Overwrites `out` with row `i`, reusing its allocations. `None` if an attribute
    /// encoding is damaged.
    pub(crate) fn fill(&self, i: usize, team_id: i64, out: &mut Filled) -> Option<()> {
        let Filled { record: out, packed, resources, resource_key } = out;
        let set = |s: &mut String, v: &str| {
            s.clear();
            s.push_str(v);
        };
        (out.uuid, out.timestamp_us) = (Uuid::from_slice(self.uuid.value(i)).ok()?, self.ts[i]);
        out.team_id = team_id;
        out.observed_timestamp_us = self.observed[i];
        // Resources repeat across rows: each is decoded once per batch and shared.
        let key = self.resource.keys[i];
        if *resource_key != Some(key) {
            let attrs = match resources.entry(key) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => {
                    let mut attrs = Vec::new();
                    decode_attrs_into(self.resource.get(i), &mut attrs)?;
                    e.insert(Arc::new(attrs))
                }
            };
            out.resource_attributes = Arc::clone(attrs);
            *resource_key = Some(key);
        }
        set(&mut out.body, self.body.value(i));
        out.severity = self.severity(i);
        out.severity_number = self.severity_number[i];
        set(&mut out.service_name, self.service.get(i));
        out.resource_fingerprint = self.fingerprint[i];
        self.fill_attrs(i, packed, &mut out.attributes)?;
        out.trace_id = self.trace_id.value(i).try_into().ok()?;
        out.span_id = self.span_id.value(i).try_into().ok()?;
        out.trace_flags = self.trace_flags[i];
        set(&mut out.instrumentation_scope, self.scope.get(i));
        set(&mut out.event_name, self.event.get(i));
        out.bytes = self.bytes[i];
        Some(())
    }

    /// Row `i`'s log attributes into `out`: the packed pairs (decoded into `packed`) merged
    /// with the key-column values, in key order.
    fn fill_attrs(
        &self,
        i: usize,
        packed: &mut Vec<(String, String)>,
        out: &mut Vec<(String, String)>,
    ) -> Option<()> {
        decode_attrs_into(self.attrs.value(i), packed)?;
        let mut n = 0;
        let mut put = |k: &str, v: &str| {
            if n == out.len() {
                out.push(Default::default());
            }
            let e = &mut out[n];
            e.0.clear();
            e.0.push_str(k);
            e.1.clear();
            e.1.push_str(v);
            n += 1;
        };
        let mut hot =
            self.hot.iter().filter(|(_, a)| a.is_valid(i)).map(|(k, a)| (*k, a.value(i))).peekable();
        for (k, v) in packed.iter() {
            while let Some((hk, hv)) = hot.next_if(|(hk, _)| *hk < k.as_str()) {
                put(hk, hv);
            }
            put(k, v);
        }
        hot.for_each(|(hk, hv)| put(hk, hv));
        out.truncate(n);
        Some(())
    }
}

/// A record [`Cols::fill`] overwrites row after row, with its scratch space. Use one per
/// batch: it caches decoded resources by the batch's dictionary keys.
#[derive(Debug, Default)]
pub(crate) struct Filled {
    pub(crate) record: LogRecord,
    packed: Vec<(String, String)>,
    resources: HashMap<i32, Arc<Vec<(String, String)>>>,
    /// Resource dictionary key whose attributes `record` holds.
    resource_key: Option<i32>,
}
