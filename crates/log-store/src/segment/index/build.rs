//! Collecting a segment's index while its batches are written (rows arrive once, in order).

use std::collections::BTreeMap;

use foldhash::{HashMap, HashSet};

use logs_query::LogRecord;

use super::out::Out;
use super::tokens::{MAX_TOKEN, for_each_token};
use super::values::ValueBloom;
use super::{BLOOM_KEY, VALUES_KEY};
use crate::codec::{put_str, put_varint, severity_code};
use crate::segment::resources::{Attrs, ByList};

/// Distinct values kept per log attribute key; past this a key gets value blooms only.
const MAX_VALUES: usize = MAX_POSTED_VALUES + 1;

/// Keys with more values get blooms (`tenant`, with 400, keeps postings).
const MAX_POSTED_VALUES: usize = 1024;

#[derive(Debug, Default)]
struct KeyAcc {
    present: Vec<u32>,
    /// Dropped once the key has more than [`MAX_VALUES`] values.
    values: Option<HashMap<String, Vec<u32>>>,
    /// Value hashes of the batch being written.
    batch: HashSet<u64>,
    blooms: Vec<(u32, ValueBloom)>,
}

fn push(list: &mut Vec<u32>, row: u32) {
    if list.last() != Some(&row) {
        list.push(row);
    }
}

#[derive(Debug, Default)]
pub(crate) struct IndexBuilder {
    rows: u32,
    batches: Vec<u32>,
    tokens: HashMap<Box<[u8]>, Vec<u32>>,
    long_rows: Vec<u32>,
    severities: BTreeMap<u8, Vec<u32>>,
    services: HashMap<String, Vec<u32>>,
    /// Distinct resources and their rows; `resource_slots` finds a list's entry by content,
    /// `resource_lists` by its `Arc` (the common case).
    resources: Vec<(Attrs, Vec<u32>)>,
    resource_slots: HashMap<Attrs, usize>,
    resource_lists: ByList<usize>,
    log: HashMap<String, KeyAcc>,
    buf: Vec<u8>,
}

impl IndexBuilder {
    /// Records one batch of rows (in segment order).
    pub(crate) fn add_batch(&mut self, rows: &[&LogRecord]) {
        let batch = self.batches.len() as u32;
        for r in rows {
            self.add_row(r);
        }
        self.batches.push(rows.len() as u32);
        for acc in self.log.values_mut().filter(|a| !a.batch.is_empty()) {
            let mut bloom = ValueBloom::for_values(acc.batch.len());
            acc.batch.drain().for_each(|h| bloom.insert(h));
            acc.blooms.push((batch, bloom));
        }
    }

    fn add_row(&mut self, r: &LogRecord) {
        let row = self.rows;
        self.rows += 1;
        let (tokens, long_rows) = (&mut self.tokens, &mut self.long_rows);
        for_each_token(&r.body, &mut self.buf, |t| {
            if t.len() > MAX_TOKEN {
                push(long_rows, row);
            } else if let Some(list) = tokens.get_mut(t) {
                push(list, row);
            } else {
                tokens.insert(t.into(), vec![row]);
            }
        });
        self.severities.entry(severity_code(r.severity)).or_default().push(row);
        match self.services.get_mut(r.service_name.as_str()) {
            Some(list) => list.push(row),
            None => drop(self.services.insert(r.service_name.clone(), vec![row])),
        }
        let (resources, slots) = (&mut self.resources, &mut self.resource_slots);
        let slot = self.resource_lists.get(&r.resource_attributes, |a| {
            *slots.entry(a.clone()).or_insert_with(|| {
                resources.push((a.clone(), Vec::new()));
                resources.len() - 1
            })
        });
        self.resources[slot].1.push(row);
        // The value a filter sees is `LogRecord::attribute` (a binary search): for keys out
        // of order or repeated, ask it rather than trusting the pairs.
        if r.attributes.windows(2).all(|w| w[0].0 < w[1].0) {
            for (k, v) in &r.attributes {
                self.add_attr(row, k, v);
            }
        } else {
            let keys: HashSet<&str> = r.attributes.iter().map(|(k, _)| k.as_str()).collect();
            for k in keys {
                if let Some(v) = r.attribute(k) {
                    self.add_attr(row, k, v);
                }
            }
        }
    }

    fn add_attr(&mut self, row: u32, k: &str, v: &str) {
        let acc = match self.log.get_mut(k) {
            Some(a) => a,
            None => self
                .log
                .entry(k.to_owned())
                .or_insert_with(|| KeyAcc { values: Some(HashMap::default()), ..KeyAcc::default() }),
        };
        push(&mut acc.present, row);
        acc.batch.insert(ValueBloom::hash(v));
        if let Some(values) = &mut acc.values {
            if let Some(list) = values.get_mut(v) {
                push(list, row);
            } else if values.len() < MAX_VALUES {
                values.insert(v.to_owned(), vec![row]);
            } else {
                acc.values = None;
            }
        }
    }

    /// The index payload (before compression); see [`super::SegmentIndex::decode`].
    pub(crate) fn encode(self) -> Vec<u8> {
        let mut out = Out::default();
        self.encode_into(&mut out);
        out.bytes
    }

    pub(crate) fn encode_into(self, o: &mut Out) {
        o.mark(|| "header".into());
        let out = &mut o.bytes;
        out.push(super::VERSION);
        put_varint(out, u64::from(self.rows));
        put_varint(out, self.batches.len() as u64);
        self.batches.iter().for_each(|&n| put_varint(out, u64::from(n)));
        // Tokens of one row (random ids, mostly) go last, in row order: their rows are then
        // a non-decreasing list that costs a few bits each.
        let (mut tokens, mut single): (Vec<_>, Vec<_>) = self.tokens.into_iter().partition(|t| t.1.len() > 1);
        tokens.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        single.sort_unstable_by(|a, b| (a.1[0], &a.0).cmp(&(b.1[0], &b.0)));
        let all = tokens.iter().chain(&single);
        let dict = super::tokens::Dictionary::new(all.map(|(t, _)| &t[..]));
        o.mark(|| "dict".into());
        put_varint(&mut o.bytes, tokens.len() as u64);
        put_varint(&mut o.bytes, single.len() as u64);
        put_varint(&mut o.bytes, dict.blob().len() as u64);
        o.bytes.extend_from_slice(dict.blob());
        for (_, rows) in &tokens {
            o.mark(|| format!("tokens df {}", df_class(rows.len())));
            super::postings::put(&mut o.bytes, rows);
        }
        o.mark(|| "tokens df 1".into());
        let mut last = 0;
        for (_, rows) in &single {
            put_varint(&mut o.bytes, u64::from(rows[0] - last));
            last = rows[0];
        }
        o.mark(|| "long_rows".into());
        super::postings::put(&mut o.bytes, &self.long_rows);
        o.mark(|| "severities".into());
        put_varint(&mut o.bytes, self.severities.len() as u64);
        for (code, rows) in &self.severities {
            o.bytes.push(*code);
            super::postings::put(&mut o.bytes, rows);
        }
        o.mark(|| "services".into());
        let mut services: Vec<(String, Vec<u32>)> = self.services.into_iter().collect();
        services.sort_unstable();
        put_varint(&mut o.bytes, services.len() as u64);
        for (name, rows) in &services {
            put_str(&mut o.bytes, name);
            super::postings::put(&mut o.bytes, rows);
        }
        encode_resources(o, self.resources);
        let mut keys: Vec<(String, KeyAcc)> = self.log.into_iter().collect();
        keys.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        o.mark(|| "log keys".into());
        put_varint(&mut o.bytes, keys.len() as u64);
        for (key, acc) in keys {
            put_str(&mut o.bytes, &key);
            // Postings pay when values repeat a lot; past a few hundred values (durations,
            // ids) a value's rows cost more than the blooms that find its batches.
            let values = acc.values.filter(|v| v.len() <= MAX_POSTED_VALUES);
            match values {
                Some(values) => {
                    o.mark(|| format!("log {key} values"));
                    o.bytes.push(VALUES_KEY);
                    let mut values: Vec<(String, Vec<u32>)> = values.into_iter().collect();
                    values.sort_unstable();
                    put_varint(&mut o.bytes, values.len() as u64);
                    for (v, rows) in &values {
                        put_str(&mut o.bytes, v);
                        super::postings::put(&mut o.bytes, rows);
                    }
                }
                None => {
                    o.mark(|| format!("log {key} bloom present"));
                    o.bytes.push(BLOOM_KEY);
                    super::postings::put(&mut o.bytes, &acc.present);
                    o.mark(|| format!("log {key} bloom blooms"));
                    put_varint(&mut o.bytes, acc.blooms.len() as u64);
                    for (batch, bloom) in &acc.blooms {
                        put_varint(&mut o.bytes, u64::from(*batch));
                        bloom.encode(&mut o.bytes);
                    }
                }
            }
            o.mark(|| "log keys".into());
        }
    }
}

/// The breakdown's token frequency classes.
fn df_class(n: usize) -> &'static str {
    match n {
        0..=1 => "1",
        2..=16 => "2-16",
        17..=4096 => "17-4096",
        _ => ">4096",
    }
}

/// Rows per distinct resource, then per resource key and value the resources holding it.
fn encode_resources(o: &mut Out, mut resources: Vec<(Attrs, Vec<u32>)>) {
    resources.sort_unstable();
    o.mark(|| "resources".into());
    let out = &mut o.bytes;
    put_varint(out, resources.len() as u64);
    let mut by_key: BTreeMap<&str, BTreeMap<&str, Vec<u32>>> = BTreeMap::new();
    for (id, (attrs, rows)) in resources.iter().enumerate() {
        super::postings::put(out, rows);
        let keys: std::collections::BTreeSet<&str> = attrs.iter().map(|(k, _)| k.as_str()).collect();
        for k in keys {
            if let Some(v) = find(attrs, k) {
                by_key.entry(k).or_default().entry(v).or_default().push(id as u32);
            }
        }
    }
    o.mark(|| "resource keys".into());
    let out = &mut o.bytes;
    put_varint(out, by_key.len() as u64);
    for (k, values) in by_key {
        put_str(out, k);
        put_varint(out, values.len() as u64);
        for (v, ids) in values {
            put_str(out, v);
            put_varint(out, ids.len() as u64);
            ids.iter().for_each(|&id| put_varint(out, u64::from(id)));
        }
    }
}

/// `LogRecord::resource_attribute`'s lookup (the same binary search, so the same answer for
/// lists out of order).
fn find<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs.binary_search_by(|(k, _)| k.as_str().cmp(key)).ok().map(|i| attrs[i].1.as_str())
}

/// Builds the index of a written segment from its data file, writes it (atomically, the
/// directory synced) and installs it.
pub(crate) fn rebuild(seg: &crate::segment::Segment) -> Result<(), crate::segment::ReadError> {
    use crate::segment::ReadError;
    let bytes = super::file_bytes(&builder_of(seg)?.encode()).map_err(ReadError::Io)?;
    let rows: Vec<u32> = seg.meta.batches.iter().map(|b| b.rows).collect();
    let index = super::SegmentIndex::from_file(&bytes, &rows).map_err(ReadError::Io)?;
    let dir = seg.index_path.parent().unwrap_or(std::path::Path::new("."));
    let name = seg.index_path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    crate::fsutil::write_atomic(dir, name, &bytes).map_err(|e| ReadError::Io(e.to_string()))?;
    crate::fsutil::sync_dir(dir).map_err(|e| ReadError::Io(e.to_string()))?;
    seg.set_index(index);
    Ok(())
}

/// The index builder fed with every row of a written segment.
pub(crate) fn builder_of(seg: &crate::segment::Segment) -> Result<IndexBuilder, crate::segment::ReadError> {
    use crate::segment::ReadError;
    use crate::segment::columns::{Cols, Filled};
    let damaged = |e: String| ReadError::Damaged(e);
    let mut builder = IndexBuilder::default();
    for i in 0..seg.meta.batches.len() {
        let batch = seg.read_batch(i)?;
        let cols = Cols::checked_before(&batch).ok_or_else(|| damaged("batch schema mismatch".into()))?;
        let mut filled = Filled::default();
        let mut rows = Vec::with_capacity(cols.len);
        for j in 0..cols.len {
            cols.fill(j, seg.meta.team_id, &mut filled).ok_or_else(|| damaged("undecodable row".into()))?;
            rows.push(filled.record.clone());
        }
        builder.add_batch(&rows.iter().collect::<Vec<_>>());
    }
    Ok(builder)
}
