//! A segment's index sidecar (`<id>.idx`): postings (row ordinals within the segment) that
//! decide the common filters without reading the data file.
//!
//! * Body tokens ([`tokens`]): sorted distinct tokens in one blob, a posting per token. A
//!   search needle of word bytes only is answered exactly (memmem over the blob, union of
//!   the hit tokens' postings); other ASCII needles give candidate rows that are checked on
//!   the body; non-ASCII needles are not indexed. This replaces per-row scans where the
//!   per-batch trigram bloom is useless (common trigrams).
//! * Severity codes, service names: a posting each.
//! * Resources: a posting per distinct resource attribute set (few per segment), and per
//!   (key, value) the sets holding it: far smaller than a posting per (key, value).
//! * Log attributes: per key, a posting per value when values repeat; for keys with too many
//!   distinct values (ids) the rows carrying the key plus a bloom of values per batch.
//!
//! The index is written before the metadata and data files (a crash leaves at worst an
//! orphan `.idx`, removed at open), framed with a checksum and zstd-compressed. It is read on
//! first use and kept. A missing or damaged index is never trusted: queries fall back to
//! reading batches, and maintenance rebuilds it from the data file.

pub(crate) mod build;
pub(crate) mod out;
pub(crate) mod postings;
pub(crate) mod rice;
pub(crate) mod select;
pub(crate) mod tokens;
pub(crate) mod values;

use roaring::{MultiOps, RoaringBitmap};

use crate::codec::{CodecError, Reader};
use crate::fsutil::{frame, unframe};
use postings::Lazy;
use tokens::Dictionary;
use values::ValueBloom;

pub(crate) const INDEX_EXT: &str = "idx";
const MAGIC: &[u8; 8] = b"LSSEGIX1";
/// Version 1 had no tokens of a single row; such files are refused (and rebuilt).
const VERSION: u8 = 2;
const VALUES_KEY: u8 = 0;
const BLOOM_KEY: u8 = 1;
pub(crate) const ZSTD_LEVEL: i32 = 9;

/// A resource attribute value and the ids of the resources holding it.
type ValueResources = (String, Vec<u32>);

/// A log attribute key's postings.
#[derive(Debug)]
pub(crate) enum LogKey {
    /// Sorted values, a posting each (rows carrying the key = their union).
    Values(Vec<String>, Lazy),
    /// Rows carrying the key, and per batch (that has it) a bloom of its values.
    Bloom(RoaringBitmap, Vec<(u32, ValueBloom)>),
}

#[derive(Debug)]
pub(crate) struct SegmentIndex {
    pub(crate) rows: u32,
    /// Row ordinal of each batch's first row, then the row count.
    pub(crate) batch_starts: Vec<u32>,
    dict: Dictionary,
    /// Postings of the dictionary's first tokens (those in more than one row).
    token_rows: Lazy,
    /// The row of each later token (in one row only), non-decreasing.
    single_rows: Vec<u32>,
    /// Rows with a token longer than [`tokens::MAX_TOKEN`] (not in the dictionary).
    long_rows: RoaringBitmap,
    severities: Vec<(u8, RoaringBitmap)>,
    services: Vec<(String, RoaringBitmap)>,
    resources: Vec<RoaringBitmap>,
    /// Sorted by key, then value: the resource ids holding each value.
    resource_keys: Vec<(String, Vec<ValueResources>)>,
    /// Sorted by key.
    log_keys: Vec<(String, LogKey)>,
}

fn bad(field: &'static str) -> CodecError {
    CodecError::OutOfRange { field }
}

/// The file bytes for an index payload ([`build::IndexBuilder::encode`]).
pub(crate) fn file_bytes(payload: &[u8]) -> Result<Vec<u8>, String> {
    file_bytes_at(payload, ZSTD_LEVEL)
}

/// [`file_bytes`] at zstd `level` (sealing uses a cheaper one than compaction).
pub(crate) fn file_bytes_at(payload: &[u8], level: i32) -> Result<Vec<u8>, String> {
    let packed = zstd::bulk::compress(payload, level).map_err(|e| format!("compressing index: {e}"))?;
    let mut body = (payload.len() as u64).to_le_bytes().to_vec();
    body.extend_from_slice(&packed);
    Ok(frame(MAGIC, &body))
}

impl SegmentIndex {
    /// Decodes an index file; `batch_rows` (from the segment metadata) must agree with it.
    pub(crate) fn from_file(bytes: &[u8], batch_rows: &[u32]) -> Result<Self, String> {
        let body = unframe(MAGIC, bytes)?;
        let (len, packed) = body.split_at_checked(8).ok_or("index too short")?;
        let len = u64::from_le_bytes(len.try_into().map_err(|_| "index too short")?);
        // The frame's checksum vouches for the length; still bound it by the zstd ratio limit.
        let cap = usize::try_from(len).ok().filter(|&l| l <= packed.len().saturating_mul(64) + 4096);
        let payload = zstd::bulk::decompress(packed, cap.ok_or("implausible index length")?)
            .map_err(|e| format!("decompressing index: {e}"))?;
        let index = Self::decode(&payload).map_err(|e| e.to_string())?;
        let rows: Vec<u32> = index.batch_starts.windows(2).map(|w| w[1] - w[0]).collect();
        if rows != batch_rows {
            return Err("index batches do not match the segment".into());
        }
        Ok(index)
    }

    fn decode(bytes: &[u8]) -> Result<Self, CodecError> {
        let r = &mut Reader::new(bytes);
        if r.u8()? != VERSION {
            return Err(bad("index version"));
        }
        let rows = u32::try_from(r.varint()?).map_err(|_| bad("index rows"))?;
        let n = r.count(1)?;
        let mut batch_starts = vec![0u32];
        for _ in 0..n {
            let last = *batch_starts.last().unwrap_or(&0);
            let next = u32::try_from(r.varint()?).ok().and_then(|b| last.checked_add(b));
            batch_starts.push(next.ok_or_else(|| bad("index batch rows"))?);
        }
        if batch_starts.last() != Some(&rows) {
            return Err(bad("index batch rows"));
        }
        let n_tokens = r.count(1)?;
        let n_single = r.count(1)?;
        let blob_len = r.count(1)?;
        let dict = Dictionary::from_blob(r.take(blob_len)?.to_vec()).ok_or_else(|| bad("token blob"))?;
        if dict.len() != n_tokens + n_single {
            return Err(bad("token count"));
        }
        let token_rows = Lazy::read(r, n_tokens, rows)?;
        let mut single_rows = Vec::with_capacity(n_single);
        let mut last = 0u32;
        for _ in 0..n_single {
            let row = u32::try_from(r.varint()?).ok().and_then(|d| last.checked_add(d)).filter(|&x| x < rows);
            last = row.ok_or_else(|| bad("single token row"))?;
            single_rows.push(last);
        }
        let long_rows = postings::read(r, rows)?;
        let n = r.count(2)?;
        let severities =
            (0..n).map(|_| Ok((r.u8()?, postings::read(r, rows)?))).collect::<Result<_, CodecError>>()?;
        let n = r.count(2)?;
        let services =
            (0..n).map(|_| Ok((r.string()?, postings::read(r, rows)?))).collect::<Result<_, CodecError>>()?;
        let n = r.count(1)?;
        let resources: Vec<RoaringBitmap> =
            (0..n).map(|_| postings::read(r, rows)).collect::<Result<_, _>>()?;
        let n_keys = r.count(2)?;
        let mut resource_keys = Vec::with_capacity(n_keys);
        for _ in 0..n_keys {
            let key = r.string()?;
            let n = r.count(2)?;
            let mut values = Vec::with_capacity(n);
            for _ in 0..n {
                let v = r.string()?;
                let m = r.count(1)?;
                let ids = (0..m).map(|_| {
                    let id = r.varint()?;
                    (id < resources.len() as u64).then_some(id as u32).ok_or_else(|| bad("resource id"))
                });
                values.push((v, ids.collect::<Result<_, _>>()?));
            }
            resource_keys.push((key, values));
        }
        let n_keys = r.count(2)?;
        let mut log_keys = Vec::with_capacity(n_keys);
        for _ in 0..n_keys {
            let key = r.string()?;
            let entry = match r.u8()? {
                VALUES_KEY => {
                    let n = r.count(2)?;
                    let mut values = Vec::with_capacity(n);
                    let mut lists = Vec::new();
                    for _ in 0..n {
                        values.push(r.string()?);
                        let len = r.count(1)?;
                        crate::codec::put_varint(&mut lists, len as u64);
                        lists.extend_from_slice(r.take(len)?);
                    }
                    LogKey::Values(values, Lazy::read(&mut Reader::new(&lists), n, rows)?)
                }
                BLOOM_KEY => {
                    let present = postings::read(r, rows)?;
                    let n = r.count(2)?;
                    let blooms = (0..n).map(|_| {
                        let b = u32::try_from(r.varint()?)
                            .ok()
                            .filter(|&b| (b as usize) < batch_starts.len() - 1);
                        Ok((b.ok_or_else(|| bad("bloom batch"))?, ValueBloom::decode(r)?))
                    });
                    LogKey::Bloom(present, blooms.collect::<Result<_, CodecError>>()?)
                }
                _ => return Err(bad("log key kind")),
            };
            log_keys.push((key, entry));
        }
        if !r.is_empty() {
            return Err(CodecError::TrailingBytes { at: bytes.len() });
        }
        let index = Self {
            rows,
            batch_starts,
            dict,
            token_rows,
            single_rows,
            long_rows,
            severities,
            services,
            resources,
            resource_keys,
            log_keys,
        };
        Ok(index)
    }

    /// Every row of the segment.
    pub(crate) fn all(&self) -> RoaringBitmap {
        let mut b = RoaringBitmap::new();
        b.insert_range(0..self.rows);
        b
    }

    /// Rows holding any of the tokens `ids` (ascending); `None` if a posting does not decode.
    pub(crate) fn token_rows(&self, ids: &[usize]) -> Option<RoaringBitmap> {
        let multi = self.token_rows.len();
        let split = ids.partition_point(|&i| i < multi);
        let lists: Vec<std::sync::Arc<RoaringBitmap>> =
            ids[..split].iter().map(|&i| self.token_rows.get(i)).collect::<Option<_>>()?;
        let mut rows = lists.iter().map(AsRef::as_ref).union();
        for &i in &ids[split..] {
            rows.insert(*self.single_rows.get(i - multi)?);
        }
        Some(rows)
    }

    /// Rows of batch `i`, as segment ordinals.
    pub(crate) fn batch_span(&self, i: usize) -> std::ops::Range<u32> {
        self.batch_starts[i]..self.batch_starts[i + 1]
    }
}

#[cfg(test)]
mod breakdown;
#[cfg(test)]
mod tests;
