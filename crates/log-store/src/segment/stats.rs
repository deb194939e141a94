//! Accumulates a segment's metadata batch by batch while the segment is written.

use std::collections::BTreeSet;

use foldhash::HashMap;

use logs_query::LogRecord;

use super::bloom::Bloom;
use super::meta::{BatchMeta, BlockRef, Cell, KeyStats, MINUTE_US, SegmentMeta};
use super::resources::ByList;
use crate::codec::{severity_code, severity_from_code};
use crate::wal::Lsn;

/// Distinct values kept per attribute key per segment; later values are not listed (the key's
/// row count stays exact) and the key is marked capped. A capped key keeps only values seen
/// more than once.
pub(crate) const MAX_VALUES_PER_KEY: usize = 1000;

#[derive(Debug, Default)]
struct KeyAcc {
    rows: u64,
    capped: bool,
    values: HashMap<String, u64>,
}

#[derive(Debug, Default)]
struct AttrAcc {
    keys: HashMap<String, KeyAcc>,
}

impl AttrAcc {
    fn add(&mut self, attrs: &[(String, String)], times: u64) {
        for (k, v) in attrs {
            let acc = match self.keys.get_mut(k.as_str()) {
                Some(a) => a,
                None => self.keys.entry(k.clone()).or_default(),
            };
            acc.rows += times;
            if let Some(n) = acc.values.get_mut(v.as_str()) {
                *n += times;
            } else if acc.values.len() < MAX_VALUES_PER_KEY {
                acc.values.insert(v.clone(), times);
            } else {
                acc.capped = true;
            }
        }
    }

    fn finish(self) -> Vec<KeyStats> {
        let mut out: Vec<KeyStats> = self
            .keys
            .into_iter()
            .map(|(key, a)| {
                // A capped key is high-cardinality (ids): its one-off values say nothing.
                let values = a.values.into_iter().filter(|(_, n)| !a.capped || *n > 1);
                let mut values: Vec<(String, u64)> = values.collect();
                values.sort_unstable();
                KeyStats { key, rows: a.rows, capped: a.capped, values }
            })
            .collect();
        out.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        out
    }
}

/// What identifies a segment besides its rows.
#[derive(Debug, Clone)]
pub(crate) struct SegmentSpec {
    pub(crate) id: u64,
    pub(crate) team_id: i64,
    pub(crate) partition_us: i64,
    pub(crate) max_lsn: Option<Lsn>,
    pub(crate) replaces: Vec<u64>,
}

#[derive(Debug)]
pub(crate) struct MetaBuilder {
    spec: SegmentSpec,
    rows: u64,
    min_ts: i64,
    max_ts: i64,
    min_observed: i64,
    max_observed: i64,
    services: Vec<String>,
    service_index: HashMap<String, u32>,
    severities: u8,
    fingerprints: BTreeSet<u64>,
    /// (minute, service, severity) -> (rows, bytes): no resource, so a day of short-lived
    /// pods does not multiply the cells.
    cells: HashMap<(i64, u32, u8), (u64, u64)>,
    log: AttrAcc,
    resource: AttrAcc,
    batches: Vec<BatchMeta>,
}

impl MetaBuilder {
    pub(crate) fn new(spec: SegmentSpec) -> Self {
        Self {
            spec,
            rows: 0,
            min_ts: i64::MAX,
            max_ts: i64::MIN,
            min_observed: i64::MAX,
            max_observed: i64::MIN,
            services: Vec::new(),
            service_index: HashMap::default(),
            severities: 0,
            fingerprints: BTreeSet::new(),
            cells: HashMap::default(),
            log: AttrAcc::default(),
            resource: AttrAcc::default(),
            batches: Vec::new(),
        }
    }

    fn service(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.service_index.get(name) {
            return i;
        }
        let i = self.services.len() as u32;
        self.services.push(name.to_owned());
        self.service_index.insert(name.to_owned(), i);
        i
    }

    /// Records one batch (rows sorted by key); its block comes with [`Self::finish`].
    pub(crate) fn add_batch(&mut self, rows: &[&LogRecord], raw_bytes: u64) {
        let body_bytes = rows.iter().map(|r| r.body.len()).sum();
        let mut bloom = Bloom::for_bytes(body_bytes);
        let (mut severities, mut services) = (0u8, 0u64);
        // Resources repeat across rows: count each distinct list once per batch.
        let mut resources: Vec<(&[(String, String)], u64)> = Vec::new();
        let mut slots = ByList::default();
        for r in rows {
            self.rows += 1;
            self.min_ts = self.min_ts.min(r.timestamp_us);
            self.max_ts = self.max_ts.max(r.timestamp_us);
            self.min_observed = self.min_observed.min(r.observed_timestamp_us);
            self.max_observed = self.max_observed.max(r.observed_timestamp_us);
            let sev = severity_code(r.severity);
            severities |= 1 << sev;
            let svc = self.service(&r.service_name);
            services |= 1 << svc.min(63);
            self.fingerprints.insert(r.resource_fingerprint);
            let minute = r.timestamp_us - r.timestamp_us.rem_euclid(MINUTE_US);
            let cell = self.cells.entry((minute, svc, sev)).or_default();
            cell.0 += 1;
            cell.1 += u64::from(r.bytes);
            self.log.add(&r.attributes, 1);
            let slot = slots.get(&r.resource_attributes, |_| {
                resources.push((r.resource_attributes.as_slice(), 0));
                resources.len() - 1
            });
            resources[slot].1 += 1;
            bloom.insert_body(&r.body);
        }
        for (attrs, n) in resources {
            self.resource.add(attrs, n);
        }
        self.severities |= severities;
        let (min_ts, max_ts) = match (rows.first(), rows.last()) {
            (Some(f), Some(l)) => (f.timestamp_us, l.timestamp_us),
            _ => (0, 0),
        };
        let rows = rows.len() as u32;
        let block = BlockRef { offset: 0, meta_len: 0, body_len: 0, crc: 0 };
        self.batches.push(BatchMeta { block, rows, raw_bytes, min_ts, max_ts, severities, services, bloom });
    }

    pub(crate) fn finish(
        self,
        data_len: u64,
        data_crc: u32,
        footer: BlockRef,
        dictionaries: Vec<BlockRef>,
        batch_blocks: Vec<BlockRef>,
    ) -> Result<SegmentMeta, String> {
        let mut batches = self.batches;
        if batch_blocks.len() != batches.len() {
            return Err(format!("{} IPC batches for {} written", batch_blocks.len(), batches.len()));
        }
        for (b, block) in batches.iter_mut().zip(batch_blocks) {
            b.block = block;
        }
        let mut cells: Vec<Cell> = self
            .cells
            .into_iter()
            .filter_map(|((minute_us, service, sev), (count, bytes))| {
                let severity = severity_from_code(sev).ok()?;
                Some(Cell { minute_us, service, severity, count, bytes })
            })
            .collect();
        cells.sort_unstable_by_key(Cell::key);
        Ok(SegmentMeta {
            id: self.spec.id,
            team_id: self.spec.team_id,
            partition_us: self.spec.partition_us,
            replaces: self.spec.replaces,
            max_lsn: self.spec.max_lsn,
            data_len,
            data_crc,
            rows: self.rows,
            min_ts: self.min_ts,
            max_ts: self.max_ts,
            min_observed: self.min_observed,
            max_observed: self.max_observed,
            footer,
            dictionaries,
            batches,
            services: self.services,
            severities: self.severities,
            fingerprints: self.fingerprints.into_iter().collect(),
            cells,
            log_attrs: self.log.finish(),
            resource_attrs: self.resource.finish(),
        })
    }
}
