//! A segment's metadata sidecar: everything pruning, rollups and attribute statistics need,
//! loaded into memory at open so those never touch the data file.
//!
//! Stored as a [`frame`](crate::fsutil::frame)d (checksummed) compact binary encoding,
//! version 2, varints as in the WAL codec. Service names used by many cells are stored once
//! and referenced by index. Version 1 (rollup cells per resource, see [`cells`]) is read.

mod cells;

use super::bloom::Bloom;
use crate::codec::{CodecError, Reader, put_str, put_varint, put_zigzag};
use crate::wal::Lsn;
pub(crate) use cells::Cell;
use cells::{V1_WITH_RESOURCES, put_cells, read_cells};

pub(crate) const MAGIC: &[u8; 8] = b"LSSEGMT1";
const VERSION: u8 = 2;
/// Rollup cells are per minute; `stats` builds them, this module encodes them.
pub(crate) const MINUTE_US: i64 = 60_000_000;

/// Where one IPC message (dictionary, record batch or footer) lies in the data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BlockRef {
    pub(crate) offset: u64,
    pub(crate) meta_len: u32,
    pub(crate) body_len: u64,
    /// crc32 of the block's bytes, checked before every decode.
    pub(crate) crc: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BatchMeta {
    pub(crate) block: BlockRef,
    pub(crate) rows: u32,
    /// Decoded size (an upper bound, dictionaries included): what decoding may allocate.
    pub(crate) raw_bytes: u64,
    pub(crate) min_ts: i64,
    pub(crate) max_ts: i64,
    /// Bit `severity_code` set for each severity present.
    pub(crate) severities: u8,
    /// Bit i set if `services[i]` is present; bit 63 stands for every index >= 63.
    pub(crate) services: u64,
    pub(crate) bloom: Bloom,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyStats {
    pub(crate) key: String,
    /// Rows carrying the key (exact).
    pub(crate) rows: u64,
    /// Distinct values reached the cap: values first seen after it are not listed.
    pub(crate) capped: bool,
    pub(crate) values: Vec<(String, u64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SegmentMeta {
    pub(crate) id: u64,
    pub(crate) team_id: i64,
    /// Start of the UTC hour every row's timestamp falls in.
    pub(crate) partition_us: i64,
    /// Segments this one was compacted from; any still on disk at open are deleted.
    pub(crate) replaces: Vec<u64>,
    /// Highest WAL position whose records this segment holds.
    pub(crate) max_lsn: Option<Lsn>,
    pub(crate) data_len: u64,
    pub(crate) data_crc: u32,
    pub(crate) rows: u64,
    pub(crate) min_ts: i64,
    pub(crate) max_ts: i64,
    pub(crate) min_observed: i64,
    pub(crate) max_observed: i64,
    pub(crate) footer: BlockRef,
    pub(crate) dictionaries: Vec<BlockRef>,
    pub(crate) batches: Vec<BatchMeta>,
    pub(crate) services: Vec<String>,
    pub(crate) severities: u8,
    /// Sorted, distinct.
    pub(crate) fingerprints: Vec<u64>,
    /// One per (minute, service, severity), sorted by [`Cell::key`].
    pub(crate) cells: Vec<Cell>,
    /// Sorted by key.
    pub(crate) log_attrs: Vec<KeyStats>,
    pub(crate) resource_attrs: Vec<KeyStats>,
}

fn put_block(out: &mut Vec<u8>, b: &BlockRef) {
    put_varint(out, b.offset);
    put_varint(out, u64::from(b.meta_len));
    put_varint(out, b.body_len);
    out.extend_from_slice(&b.crc.to_le_bytes());
}

fn put_stats(out: &mut Vec<u8>, stats: &[KeyStats]) {
    put_varint(out, stats.len() as u64);
    for k in stats {
        put_str(out, &k.key);
        put_varint(out, k.rows);
        out.push(u8::from(k.capped));
        put_varint(out, k.values.len() as u64);
        for (v, n) in &k.values {
            put_str(out, v);
            put_varint(out, *n);
        }
    }
}

impl SegmentMeta {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = vec![VERSION];
        put_varint(&mut out, self.id);
        put_zigzag(&mut out, self.team_id);
        put_zigzag(&mut out, self.partition_us);
        put_varint(&mut out, self.replaces.len() as u64);
        self.replaces.iter().for_each(|&r| put_varint(&mut out, r));
        match self.max_lsn {
            Some(l) => {
                out.push(1);
                put_varint(&mut out, l.file);
                put_varint(&mut out, l.offset);
            }
            None => out.push(0),
        }
        put_varint(&mut out, self.data_len);
        out.extend_from_slice(&self.data_crc.to_le_bytes());
        put_varint(&mut out, self.rows);
        for v in [self.min_ts, self.max_ts, self.min_observed, self.max_observed] {
            put_zigzag(&mut out, v);
        }
        put_block(&mut out, &self.footer);
        put_varint(&mut out, self.dictionaries.len() as u64);
        self.dictionaries.iter().for_each(|b| put_block(&mut out, b));
        put_varint(&mut out, self.batches.len() as u64);
        for b in &self.batches {
            put_block(&mut out, &b.block);
            put_varint(&mut out, u64::from(b.rows));
            put_varint(&mut out, b.raw_bytes);
            put_zigzag(&mut out, b.min_ts);
            put_zigzag(&mut out, b.max_ts);
            out.push(b.severities);
            put_varint(&mut out, b.services);
            put_varint(&mut out, b.bloom.words().len() as u64);
            b.bloom.words().iter().for_each(|w| out.extend_from_slice(&w.to_le_bytes()));
        }
        put_varint(&mut out, self.services.len() as u64);
        self.services.iter().for_each(|s| put_str(&mut out, s));
        out.push(self.severities);
        put_varint(&mut out, self.fingerprints.len() as u64);
        self.fingerprints.iter().for_each(|f| out.extend_from_slice(&f.to_le_bytes()));
        put_cells(&mut out, &self.cells, self.partition_us);
        put_stats(&mut out, &self.log_attrs);
        put_stats(&mut out, &self.resource_attrs);
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, CodecError> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        if version != VERSION && version != V1_WITH_RESOURCES {
            return Err(CodecError::UnsupportedVersion(version));
        }
        let id = r.varint()?;
        let team_id = r.zigzag()?;
        let partition_us = r.zigzag()?;
        let n = r.count(1)?;
        let replaces = (0..n).map(|_| r.varint()).collect::<Result<_, _>>()?;
        let max_lsn = match r.u8()? {
            0 => None,
            _ => Some(Lsn { file: r.varint()?, offset: r.varint()? }),
        };
        let data_len = r.varint()?;
        let data_crc = u32::from_le_bytes(r.array()?);
        let rows = r.varint()?;
        let (min_ts, max_ts, min_observed, max_observed) =
            (r.zigzag()?, r.zigzag()?, r.zigzag()?, r.zigzag()?);
        let footer = block(&mut r)?;
        let n = r.count(7)?;
        let dictionaries = (0..n).map(|_| block(&mut r)).collect::<Result<_, _>>()?;
        let n = r.count(15)?;
        let mut batches = Vec::with_capacity(n);
        for _ in 0..n {
            let block = block(&mut r)?;
            let rows = u32::try_from(r.varint()?).map_err(|_| out_of_range("batch rows"))?;
            let raw_bytes = r.varint()?;
            let (min_ts, max_ts) = (r.zigzag()?, r.zigzag()?);
            let severities = r.u8()?;
            let services = r.varint()?;
            let words = r.count(8)?;
            let words = (0..words).map(|_| r.array().map(u64::from_le_bytes)).collect::<Result<_, _>>()?;
            let bloom = Bloom::from_words(words).ok_or_else(|| out_of_range("bloom size"))?;
            batches.push(BatchMeta { block, rows, raw_bytes, min_ts, max_ts, severities, services, bloom });
        }
        let n = r.count(1)?;
        let services: Vec<String> = (0..n).map(|_| r.string()).collect::<Result<_, _>>()?;
        let severities = r.u8()?;
        let n = r.count(8)?;
        let fingerprints: Vec<u64> =
            (0..n).map(|_| r.array().map(u64::from_le_bytes)).collect::<Result<_, _>>()?;
        let cells = read_cells(&mut r, version, partition_us, services.len(), fingerprints.len())?;
        let log_attrs = stats(&mut r)?;
        let resource_attrs = stats(&mut r)?;
        if !r.is_empty() {
            return Err(CodecError::TrailingBytes { at: bytes.len() });
        }
        Ok(SegmentMeta {
            id,
            team_id,
            partition_us,
            replaces,
            max_lsn,
            data_len,
            data_crc,
            rows,
            min_ts,
            max_ts,
            min_observed,
            max_observed,
            footer,
            dictionaries,
            batches,
            services,
            severities,
            fingerprints,
            cells,
            log_attrs,
            resource_attrs,
        })
    }

    /// Index of `service` in [`Self::services`].
    pub(crate) fn service_index(&self, service: &str) -> Option<usize> {
        self.services.iter().position(|s| s == service)
    }

    /// Stats of one scope: log attributes or resource attributes.
    pub(crate) fn attr_stats(&self, resource: bool) -> &[KeyStats] {
        if resource { &self.resource_attrs } else { &self.log_attrs }
    }

    pub(crate) fn has_key(&self, resource: bool, key: &str) -> bool {
        self.attr_stats(resource).binary_search_by(|k| k.key.as_str().cmp(key)).is_ok()
    }
}

fn out_of_range(field: &'static str) -> CodecError {
    CodecError::OutOfRange { field }
}

fn block(r: &mut Reader<'_>) -> Result<BlockRef, CodecError> {
    let offset = r.varint()?;
    let meta_len = u32::try_from(r.varint()?).map_err(|_| out_of_range("block metadata length"))?;
    let body_len = r.varint()?;
    let crc = u32::from_le_bytes(r.array()?);
    Ok(BlockRef { offset, meta_len, body_len, crc })
}

fn stats(r: &mut Reader<'_>) -> Result<Vec<KeyStats>, CodecError> {
    let n = r.count(4)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let key = r.string()?;
        let rows = r.varint()?;
        let capped = r.u8()? != 0;
        let m = r.count(2)?;
        let values = (0..m).map(|_| Ok((r.string()?, r.varint()?))).collect::<Result<_, CodecError>>()?;
        out.push(KeyStats { key, rows, capped, values });
    }
    Ok(out)
}
