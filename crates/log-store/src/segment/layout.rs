//! A segment's layout, settled before its first batch: the segment-wide dictionaries and
//! which log attribute keys get a column of their own; and building batches with it.

use foldhash::HashMap;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, DictionaryArray, FixedSizeBinaryArray, Int32Array, Int64Array, StringArray, StringBuilder,
    UInt8Array, UInt32Array, UInt64Array,
};
use arrow::buffer::Buffer;
use arrow::datatypes::{Int32Type, SchemaRef};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use logs_query::LogRecord;

use super::resources::ByList;
use super::schema::{encode_attrs, schema};
use crate::codec::severity_code;

/// Keys in at least 1/`HOT_SHARE` of the rows get a column (at most `MAX_HOT` keys): one
/// key's values compress far better side by side than interleaved with other keys.
const HOT_SHARE: u64 = 20;
const MAX_HOT: usize = 64;
/// A key column is dictionary-encoded when its values repeat at least this often on average
/// and there are at most `MAX_DICT` of them; otherwise it is plain `Utf8` (ids).
const DICT_REPEAT: u64 = 4;
const MAX_DICT: usize = 1 << 16;
/// A key with at least this many distinct values, under 1.5 rows each, is taken for an
/// id and stops collecting values (its column is plain). Without this, every id key of a
/// segment stored `MAX_DICT` strings before giving up.
const ID_CHECK: usize = 8192;

/// One segment-wide dictionary: values numbered in first-seen order. Each value is stored
/// once, as the map's key (the array is built from the map at the end).
#[derive(Debug, Default)]
pub(crate) struct DictBuilder {
    index: HashMap<String, i32>,
}

impl DictBuilder {
    pub(crate) fn key(&mut self, v: &str) -> i32 {
        if let Some(&k) = self.index.get(v) {
            return k;
        }
        let k = self.index.len() as i32;
        self.index.insert(v.to_owned(), k);
        k
    }

    fn len(&self) -> usize {
        self.index.len()
    }

    fn finish(self) -> Dict {
        let mut values = vec![""; self.index.len()];
        for (v, &k) in &self.index {
            values[k as usize] = v;
        }
        let values: ArrayRef = Arc::new(StringArray::from_iter_values(values));
        Dict { values, index: self.index }
    }
}

#[derive(Debug)]
struct Dict {
    values: ArrayRef,
    index: HashMap<String, i32>,
}

impl Dict {
    fn array(&self, keys: Int32Array) -> Result<ArrayRef, ArrowError> {
        Ok(Arc::new(DictionaryArray::<Int32Type>::try_new(keys, Arc::clone(&self.values))?))
    }

    fn key(&self, v: &str) -> Result<i32, ArrowError> {
        let k = self.index.get(v).copied();
        k.ok_or_else(|| ArrowError::InvalidArgumentError(format!("{v:?} not in dictionary")))
    }
}

/// Per log attribute key: rows carrying it and its distinct values (dropped past `MAX_DICT`).
#[derive(Debug, Default)]
struct KeyAcc {
    rows: u64,
    values: Option<DictBuilder>,
}

/// Collects a segment's layout from every row it will hold.
#[derive(Debug, Default)]
pub(crate) struct LayoutBuilder {
    service: DictBuilder,
    resource: DictBuilder,
    scope: DictBuilder,
    event: DictBuilder,
    resource_keys: ByList<i32>,
    keys: HashMap<String, KeyAcc>,
    rows: u64,
    scratch: String,
}

impl LayoutBuilder {
    pub(crate) fn add(&mut self, r: &LogRecord) {
        self.service.key(&r.service_name);
        let (resource, scratch) = (&mut self.resource, &mut self.scratch);
        self.resource_keys.get(&r.resource_attributes, |a| {
            encode_attrs(a, scratch);
            resource.key(scratch)
        });
        self.scope.key(&r.instrumentation_scope);
        self.event.key(&r.event_name);
        self.rows += 1;
        for (k, v) in &r.attributes {
            let acc = match self.keys.get_mut(k.as_str()) {
                Some(a) => a,
                None => self
                    .keys
                    .entry(k.clone())
                    .or_insert_with(|| KeyAcc { rows: 0, values: Some(DictBuilder::default()) }),
            };
            acc.rows += 1;
            if let Some(d) = &mut acc.values {
                d.key(v);
                let n = d.len();
                if n > MAX_DICT || (n >= ID_CHECK && n as u64 * 3 > acc.rows * 2) {
                    acc.values = None;
                }
            }
        }
    }

    /// Distinct values still collected for `key`, `None` once it stopped (or never seen).
    #[cfg(test)]
    pub(crate) fn collected(&self, key: &str) -> Option<usize> {
        self.keys.get(key)?.values.as_ref().map(DictBuilder::len)
    }

    pub(crate) fn finish(self) -> Layout {
        let rows = self.rows;
        let mut hot: Vec<(String, KeyAcc)> =
            self.keys.into_iter().filter(|(_, a)| a.rows.saturating_mul(HOT_SHARE) >= rows).collect();
        hot.sort_unstable_by(|a, b| b.1.rows.cmp(&a.1.rows).then_with(|| a.0.cmp(&b.0)));
        hot.truncate(MAX_HOT);
        hot.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let hot: Vec<(String, Option<Dict>)> = hot
            .into_iter()
            .map(|(k, a)| {
                let dict = a.values.filter(|d| (d.len() as u64).saturating_mul(DICT_REPEAT) <= a.rows);
                (k, dict.map(DictBuilder::finish))
            })
            .collect();
        let names: Vec<(String, bool)> = hot.iter().map(|(k, d)| (k.clone(), d.is_some())).collect();
        Layout {
            service: self.service.finish(),
            resource: self.resource.finish(),
            scope: self.scope.finish(),
            event: self.event.finish(),
            schema: schema(&names),
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
    /// Keys with a column, sorted, each with its dictionary if dictionary-encoded.
    hot: Vec<(String, Option<Dict>)>,
    pub(crate) schema: SchemaRef,
}

/// Whether keys are strictly increasing: only then can a row's attributes be split between
/// key columns and the packed column and merged back into exactly the same list.
fn strictly_sorted(attrs: &[(String, String)]) -> bool {
    attrs.windows(2).all(|w| w[0].0 < w[1].0)
}

/// A key column being built.
enum HotBuilder {
    Dict(Vec<Option<i32>>),
    Plain(StringBuilder),
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
    let mut hot: Vec<HotBuilder> = (layout.hot.iter())
        .map(|(_, d)| match d {
            Some(_) => HotBuilder::Dict(Vec::with_capacity(n)),
            None => HotBuilder::Plain(StringBuilder::with_capacity(n, n * 8)),
        })
        .collect();
    let mut hot_row: Vec<Option<&str>> = vec![None; hot.len()];
    let mut cold: Vec<(String, String)> = Vec::new();
    let mut scratch = String::new();
    let mut resource_keys = ByList::default();
    for r in rows {
        uuids.extend_from_slice(r.uuid.as_bytes());
        trace.extend_from_slice(&r.trace_id);
        span.extend_from_slice(&r.span_id);
        service.push(layout.service.key(&r.service_name)?);
        let key = resource_keys.get(&r.resource_attributes, |a| {
            encode_attrs(a, &mut scratch);
            layout.resource.key(&scratch).ok()
        });
        resource
            .push(key.ok_or_else(|| ArrowError::InvalidArgumentError("resource not in dictionary".into()))?);
        scope.push(layout.scope.key(&r.instrumentation_scope)?);
        event.push(layout.event.key(&r.event_name)?);
        hot_row.iter_mut().for_each(|v| *v = None);
        cold.clear();
        if strictly_sorted(&r.attributes) {
            for (k, v) in &r.attributes {
                match layout.hot.binary_search_by(|(h, _)| h.as_str().cmp(k)) {
                    Ok(i) => hot_row[i] = Some(v),
                    Err(_) => cold.push((k.clone(), v.clone())),
                }
            }
            encode_attrs(&cold, &mut scratch);
        } else {
            encode_attrs(&r.attributes, &mut scratch);
        }
        packed.append_value(&scratch);
        for ((b, v), (_, dict)) in hot.iter_mut().zip(&hot_row).zip(&layout.hot) {
            match (b, dict) {
                (HotBuilder::Dict(keys), Some(d)) => keys.push(v.map(|v| d.key(v)).transpose()?),
                (HotBuilder::Plain(s), _) => s.append_option(*v),
                (HotBuilder::Dict(_), None) => {}
            }
        }
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.timestamp_us))),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.observed_timestamp_us))),
        Arc::new(FixedSizeBinaryArray::try_new(16, Buffer::from_vec(uuids), None)?),
        Arc::new(UInt8Array::from_iter_values(rows.iter().map(|r| severity_code(r.severity)))),
        Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.severity_number))),
        layout.service.array(service.into())?,
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.body.as_str()))),
        layout.resource.array(resource.into())?,
        Arc::new(UInt64Array::from_iter_values(rows.iter().map(|r| r.resource_fingerprint))),
        Arc::new(packed.finish()),
        Arc::new(FixedSizeBinaryArray::try_new(16, Buffer::from_vec(trace), None)?),
        Arc::new(FixedSizeBinaryArray::try_new(8, Buffer::from_vec(span), None)?),
        Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.trace_flags))),
        layout.scope.array(scope.into())?,
        layout.event.array(event.into())?,
        Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.bytes))),
    ];
    for (b, (_, dict)) in hot.into_iter().zip(&layout.hot) {
        columns.push(match (b, dict) {
            (HotBuilder::Dict(keys), Some(d)) => d.array(Int32Array::from(keys))?,
            (HotBuilder::Plain(mut s), _) => Arc::new(s.finish()),
            (HotBuilder::Dict(_), None) => {
                return Err(ArrowError::InvalidArgumentError("layout mismatch".into()));
            }
        });
    }
    RecordBatch::try_new(Arc::clone(&layout.schema), columns)
}
