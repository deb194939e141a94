//! Posting lists (row ordinals within a segment) stored compactly and decoded on demand.
//!
//! Each list is the smallest of delta varints (a few rows), Rice-coded gaps (rows spread
//! over the segment) and roaring's portable serialization after run compression (dense or
//! clustered lists: common words, severities).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use roaring::RoaringBitmap;

use crate::codec::{CodecError, Reader, put_varint};

/// Decoded lists kept for the next query (Rice decoding is most of a count's time), by
/// (list set, list): one process-wide byte budget.
const DECODED_BUDGET: u64 = 64 << 20;

#[derive(Clone)]
struct Weight;

impl quick_cache::Weighter<(u64, u32), Arc<RoaringBitmap>> for Weight {
    fn weight(&self, _: &(u64, u32), v: &Arc<RoaringBitmap>) -> u64 {
        // Its serialized size tracks the containers' heap size; never 0 (0 means "pinned").
        v.serialized_size() as u64 + 64
    }
}

type Decoded = quick_cache::sync::Cache<(u64, u32), Arc<RoaringBitmap>, Weight>;

fn decoded() -> &'static Decoded {
    static CACHE: OnceLock<Decoded> = OnceLock::new();
    CACHE.get_or_init(|| Decoded::with_weighter(16_384, DECODED_BUDGET, Weight))
}

/// Distinguishes list sets in the cache (segment ids are reused by a rebuilt index).
static NEXT_SET: AtomicU64 = AtomicU64::new(0);

const DELTAS: u8 = 0;
const ROARING: u8 = 1;
const RICE: u8 = 2;

/// Appends `rows` (ascending, distinct) to `out`, length first.
pub(crate) fn put(out: &mut Vec<u8>, rows: &[u32]) {
    let mut body = Vec::new();
    put_body(&mut body, rows);
    put_varint(out, body.len() as u64);
    out.extend_from_slice(&body);
}

fn put_body(out: &mut Vec<u8>, rows: &[u32]) {
    let mut deltas = Vec::with_capacity(rows.len() + 4);
    put_varint(&mut deltas, rows.len() as u64);
    let mut prev = 0;
    for (i, &r) in rows.iter().enumerate() {
        put_varint(&mut deltas, u64::from(if i == 0 { r } else { r - prev - 1 }));
        prev = r;
    }
    let mut best = None;
    if rows.len() > 4 {
        let (k, bits) = super::rice::encode(rows);
        let mut rice = vec![RICE];
        put_varint(&mut rice, rows.len() as u64);
        rice.push(k);
        rice.extend_from_slice(&bits);
        best = Some(rice);
    }
    if rows.len() > 16 {
        let mut bitmap = RoaringBitmap::from_sorted_iter(rows.iter().copied()).unwrap_or_default();
        bitmap.optimize();
        if bitmap.serialized_size() + 1 < best.as_ref().map_or(usize::MAX, Vec::len) {
            let mut b = vec![ROARING];
            // Writing to a Vec cannot fail.
            let _ = bitmap.serialize_into(&mut b);
            best = Some(b);
        }
    }
    if let Some(b) = best.filter(|b| b.len() < deltas.len() + 1) {
        out.extend_from_slice(&b);
        return;
    }
    out.push(DELTAS);
    out.extend_from_slice(&deltas);
}

/// Reads one list written by [`put`]; every ordinal is below `rows`.
pub(crate) fn read(r: &mut Reader<'_>, rows: u32) -> Result<RoaringBitmap, CodecError> {
    let len = r.count(1)?;
    decode(r.take(len)?, rows)
}

fn decode(body: &[u8], rows: u32) -> Result<RoaringBitmap, CodecError> {
    let bad = || CodecError::OutOfRange { field: "posting" };
    let r = &mut Reader::new(body);
    let bitmap = match r.u8()? {
        DELTAS => {
            let n = r.count(1)?;
            let mut out = RoaringBitmap::new();
            let mut next: u64 = 0;
            for _ in 0..n {
                let v = next.checked_add(r.varint()?).filter(|&v| v < u64::from(rows)).ok_or_else(bad)?;
                out.try_push(v as u32).map_err(|_| bad())?;
                next = v + 1;
            }
            out
        }
        ROARING => {
            let b = RoaringBitmap::deserialize_from(r.take(body.len() - 1)?).map_err(|_| bad())?;
            if b.max().is_some_and(|m| m >= rows) {
                return Err(bad());
            }
            b
        }
        RICE => {
            // At least a bit per row.
            let n = r.varint()?;
            let n = usize::try_from(n).ok().filter(|&n| n <= body.len() * 8).ok_or_else(bad)?;
            let k = r.u8()?;
            let bits = r.take(r.remaining())?;
            return super::rice::decode(k, bits, n, rows).ok_or_else(bad);
        }
        _ => return Err(bad()),
    };
    if !r.is_empty() {
        return Err(bad());
    }
    Ok(bitmap)
}

/// Lists kept encoded, decoded when a query needs one (and cached, see [`DECODED_BUDGET`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct Lazy {
    bytes: Vec<u8>,
    /// List `i` starts at `offsets[i]`.
    offsets: Vec<u32>,
    rows: u32,
    /// This set's key in the decoded cache.
    set: u64,
}

impl PartialEq for Lazy {
    fn eq(&self, o: &Self) -> bool {
        (&self.bytes, &self.offsets, self.rows) == (&o.bytes, &o.offsets, o.rows)
    }
}
impl Eq for Lazy {}

impl Lazy {
    /// Reads `n` lists from `r`. Each is decoded (and checked) only when asked for: the
    /// file's checksum already vouches for the bytes.
    pub(crate) fn read(r: &mut Reader<'_>, n: usize, rows: u32) -> Result<Self, CodecError> {
        let mut bytes = Vec::new();
        let mut offsets = Vec::with_capacity(n);
        for _ in 0..n {
            let len = r.count(1)?;
            let body = r.take(len)?;
            offsets.push(bytes.len() as u32);
            put_varint(&mut bytes, len as u64);
            bytes.extend_from_slice(body);
        }
        Ok(Self { bytes, offsets, rows, set: NEXT_SET.fetch_add(1, Ordering::Relaxed) })
    }

    pub(crate) fn len(&self) -> usize {
        self.offsets.len()
    }

    pub(crate) fn get(&self, i: usize) -> Option<Arc<RoaringBitmap>> {
        let at = *self.offsets.get(i)? as usize;
        let key = (self.set, i as u32);
        if let Some(b) = decoded().get(&key) {
            return Some(b);
        }
        let b = Arc::new(read(&mut Reader::new(self.bytes.get(at..)?), self.rows).ok()?);
        // Lists of a few rows decode faster than a cache lookup costs to fill.
        if b.len() > 64 {
            decoded().insert(key, Arc::clone(&b));
        }
        Some(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_trip_in_either_form() {
        let sparse = vec![0, 5, 1000, 70_000];
        let dense: Vec<u32> = (100..5000).collect();
        let mut out = Vec::new();
        put(&mut out, &sparse);
        put(&mut out, &dense);
        put(&mut out, &[]);
        assert_eq!(out[1], DELTAS);
        let lazy = Lazy::read(&mut Reader::new(&out), 3, 70_001).unwrap();
        assert_eq!(lazy.get(0).unwrap().iter().collect::<Vec<_>>(), sparse);
        assert_eq!(lazy.get(1).unwrap().iter().collect::<Vec<_>>(), dense);
        assert!(lazy.get(2).unwrap().is_empty() && lazy.get(3).is_none());
        let small = Lazy::read(&mut Reader::new(&out), 3, 70_000).unwrap();
        assert!(small.get(0).is_none(), "ordinal out of range");
    }
}
