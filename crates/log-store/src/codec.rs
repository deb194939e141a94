//! Compact, versioned binary encoding of one team's batch of [`LogRecord`]s: the WAL payload.
//!
//! Format version 2 (all varints are unsigned LEB128; signed ones are zigzagged first):
//!
//! ```text
//! batch    := version:u8(=2) team_id:zvarint count:varint record*count
//! record   := uuid:[16] ts_delta:zvarint observed_delta:zvarint severity:u8
//!             severity_number:zvarint id_flags:u8 trace_id:[16]? span_id:[8]?
//!             trace_flags:zvarint resource_fingerprint:u64le bytes:varint
//!             body:str service_name:str instrumentation_scope:str event_name:str
//!             resource attributes:attrs
//! resource := 0 attrs          (a list not seen before in this batch)
//!           | k:varint (k > 0) (the k-th list defined earlier in this batch)
//! str      := len:varint utf8-bytes
//! attrs    := count:varint (key:str value:str)*count
//! ```
//!
//! Version 1 (still decoded: WAL files written before the upgrade) wrote `attrs` in place
//! of `resource`: every record's full resource list, about half the payload (a batch of
//! 5,000 records has a few dozen resources).
//!
//! `ts_delta` is against the previous record's timestamp (0 for the first) and
//! `observed_delta` against the record's own timestamp, both wrapping: batches are usually
//! time-ordered, so deltas are a byte or two instead of eight. `id_flags` bit 0/1 say a
//! non-zero trace/span id follows; most logs carry neither. The per-record `team_id` is
//! not stored: a batch belongs to one team.
//!
//! Decoding treats input as untrusted: every length and count is checked against the bytes
//! that remain before anything is allocated, so corrupt input yields an error, never a
//! panic or a huge allocation.

use std::sync::Arc;

use foldhash::HashMap;

use logs_query::{LogRecord, Severity};
use uuid::Uuid;

#[cfg(test)]
mod tests;

/// The format this build writes; decoding also reads [`FORMAT_V1`] and rejects any other.
pub const FORMAT_VERSION: u8 = 2;
pub const FORMAT_V1: u8 = 1;

const FLAG_TRACE_ID: u8 = 1;
const FLAG_SPAN_ID: u8 = 2;
/// Smallest possible encoded record: uuid, five 1-byte varints/bytes, the fingerprint, one
/// byte for `bytes`, four empty strings and two empty attribute lists.
const MIN_RECORD_LEN: usize = 16 + 6 + 8 + 1 + 4 + 2;
/// Smallest attribute pair: two empty strings.
const MIN_PAIR_LEN: usize = 2;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("empty input")]
    Empty,
    #[error("unsupported batch format version {0}")]
    UnsupportedVersion(u8),
    #[error("unexpected end of input at byte {at}")]
    Truncated { at: usize },
    #[error("varint longer than 64 bits at byte {at}")]
    VarintOverflow { at: usize },
    #[error("length {len} at byte {at} exceeds the remaining input")]
    LengthOutOfBounds { at: usize, len: u64 },
    #[error("invalid UTF-8 in string at byte {at}")]
    InvalidUtf8 { at: usize },
    #[error("invalid severity code {0}")]
    InvalidSeverity(u8),
    #[error("invalid id flags {0:#04x}")]
    InvalidFlags(u8),
    #[error("{field} out of range")]
    OutOfRange { field: &'static str },
    #[error("resource list {index} at byte {at} was not defined earlier in the batch")]
    UnknownResource { at: usize, index: u64 },
    #[error("{at} trailing bytes after the batch")]
    TrailingBytes { at: usize },
}

/// Appends the encoding of `records` to `out`. Every record must belong to `team_id`; the
/// per-record field is not stored and decoding restores it from the batch.
pub fn encode_batch(team_id: i64, records: &[LogRecord], out: &mut Vec<u8>) {
    debug_assert!(records.iter().all(|r| r.team_id == team_id), "batch mixes teams");
    out.push(FORMAT_VERSION);
    put_zigzag(out, team_id);
    put_varint(out, records.len() as u64);
    let mut prev_ts = 0i64;
    // Resource lists by `Arc` address: every record is borrowed for the whole call, so an
    // address cannot be reused. Equal lists behind two `Arc`s are written twice unless the
    // second follows the first.
    let mut resources: HashMap<usize, u64> = HashMap::default();
    let (mut defined, mut prev) = (0u64, None::<(u64, &Arc<Vec<(String, String)>>)>);
    for r in records {
        out.extend_from_slice(r.uuid.as_bytes());
        put_zigzag(out, r.timestamp_us.wrapping_sub(prev_ts));
        put_zigzag(out, r.observed_timestamp_us.wrapping_sub(r.timestamp_us));
        prev_ts = r.timestamp_us;
        out.push(severity_code(r.severity));
        put_zigzag(out, i64::from(r.severity_number));
        let has_trace = r.trace_id != [0; 16];
        let has_span = r.span_id != [0; 8];
        let mut flags = 0;
        if has_trace {
            flags |= FLAG_TRACE_ID;
        }
        if has_span {
            flags |= FLAG_SPAN_ID;
        }
        out.push(flags);
        if has_trace {
            out.extend_from_slice(&r.trace_id);
        }
        if has_span {
            out.extend_from_slice(&r.span_id);
        }
        put_zigzag(out, i64::from(r.trace_flags));
        out.extend_from_slice(&r.resource_fingerprint.to_le_bytes());
        put_varint(out, u64::from(r.bytes));
        for s in [&r.body, &r.service_name, &r.instrumentation_scope, &r.event_name] {
            put_str(out, s);
        }
        let ptr = Arc::as_ptr(&r.resource_attributes) as usize;
        let known = match resources.get(&ptr) {
            Some(&k) => Some(k),
            // Another `Arc` equal to the previous record's list (records built one by one).
            None => prev.filter(|(_, p)| *p == &r.resource_attributes).map(|(k, _)| k),
        };
        let k = match known {
            Some(k) => {
                put_varint(out, k);
                k
            }
            None => {
                out.push(0);
                put_attrs(out, &r.resource_attributes);
                defined += 1;
                defined
            }
        };
        resources.insert(ptr, k);
        prev = Some((k, &r.resource_attributes));
        put_attrs(out, &r.attributes);
    }
}

/// Decodes a batch written by [`encode_batch`]: `(team_id, records)`. The whole input must
/// be consumed.
pub fn decode_batch(bytes: &[u8]) -> Result<(i64, Vec<LogRecord>), CodecError> {
    let mut r = Reader { buf: bytes, pos: 0 };
    let version = r.u8().map_err(|_| CodecError::Empty)?;
    if version != FORMAT_VERSION && version != FORMAT_V1 {
        return Err(CodecError::UnsupportedVersion(version));
    }
    let team_id = r.zigzag()?;
    let count = r.count(MIN_RECORD_LEN)?;
    let mut records = Vec::with_capacity(count);
    let mut prev_ts = 0i64;
    let mut resources = Resources { v1: version == FORMAT_V1, lists: Vec::new(), last: Arc::default() };
    for _ in 0..count {
        let rec = r.record(team_id, prev_ts, &mut resources)?;
        prev_ts = rec.timestamp_us;
        records.push(rec);
    }
    if r.pos != bytes.len() {
        return Err(CodecError::TrailingBytes { at: r.pos });
    }
    Ok((team_id, records))
}

// Explicit codes, not `as u8`: reordering the enum must not change the stored format.
pub(crate) fn severity_code(s: Severity) -> u8 {
    match s {
        Severity::Trace => 0,
        Severity::Debug => 1,
        Severity::Info => 2,
        Severity::Warn => 3,
        Severity::Error => 4,
        Severity::Fatal => 5,
        Severity::Unknown => 6,
    }
}

pub(crate) fn severity_from_code(code: u8) -> Result<Severity, CodecError> {
    Ok(match code {
        0 => Severity::Trace,
        1 => Severity::Debug,
        2 => Severity::Info,
        3 => Severity::Warn,
        4 => Severity::Error,
        5 => Severity::Fatal,
        6 => Severity::Unknown,
        other => return Err(CodecError::InvalidSeverity(other)),
    })
}

pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub(crate) fn put_zigzag(out: &mut Vec<u8>, v: i64) {
    put_varint(out, ((v << 1) ^ (v >> 63)) as u64);
}

pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn put_attrs(out: &mut Vec<u8>, attrs: &[(String, String)]) {
    put_varint(out, attrs.len() as u64);
    for (k, v) in attrs {
        put_str(out, k);
        put_str(out, v);
    }
}

/// The resource lists a batch has defined so far.
struct Resources {
    v1: bool,
    lists: Vec<Arc<Vec<(String, String)>>>,
    last: Arc<Vec<(String, String)>>,
}

pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos == self.buf.len()
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or(CodecError::Truncated { at: self.pos })?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, CodecError> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn varint(&mut self) -> Result<u64, CodecError> {
        let start = self.pos;
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            // The tenth byte may only carry the single remaining bit.
            if shift == 63 && b > 1 {
                return Err(CodecError::VarintOverflow { at: start });
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(CodecError::VarintOverflow { at: start })
    }

    pub(crate) fn zigzag(&mut self) -> Result<i64, CodecError> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    fn i32(&mut self, field: &'static str) -> Result<i32, CodecError> {
        i32::try_from(self.zigzag()?).map_err(|_| CodecError::OutOfRange { field })
    }

    /// A count of items each at least `min_item` bytes long, bounded by the remaining input
    /// so a corrupt count cannot make the caller allocate more than the input justifies.
    pub(crate) fn count(&mut self, min_item: usize) -> Result<usize, CodecError> {
        let at = self.pos;
        let n = self.varint()?;
        let max = (self.remaining() / min_item) as u64;
        if n > max {
            return Err(CodecError::LengthOutOfBounds { at, len: n });
        }
        Ok(n as usize)
    }

    pub(crate) fn string(&mut self) -> Result<String, CodecError> {
        let at = self.pos;
        let len = self.varint()?;
        if len > self.remaining() as u64 {
            return Err(CodecError::LengthOutOfBounds { at, len });
        }
        let bytes = self.take(len as usize)?;
        let s = std::str::from_utf8(bytes).map_err(|_| CodecError::InvalidUtf8 { at })?;
        Ok(s.to_owned())
    }

    fn attrs(&mut self) -> Result<Vec<(String, String)>, CodecError> {
        let n = self.count(MIN_PAIR_LEN)?;
        let mut attrs = Vec::with_capacity(n);
        for _ in 0..n {
            attrs.push((self.string()?, self.string()?));
        }
        Ok(attrs)
    }

    /// A record's resource list: in version 1 written in full (records of one resource
    /// that follow each other share one `Arc`), in version 2 defined once per batch.
    fn resource(&mut self, res: &mut Resources) -> Result<Arc<Vec<(String, String)>>, CodecError> {
        if res.v1 {
            let attrs = self.attrs()?;
            if *res.last != attrs {
                res.last = Arc::new(attrs);
            }
            return Ok(Arc::clone(&res.last));
        }
        let at = self.pos;
        match self.varint()? {
            0 => {
                let list = Arc::new(self.attrs()?);
                res.lists.push(Arc::clone(&list));
                Ok(list)
            }
            k => match res.lists.get(k as usize - 1) {
                Some(list) => Ok(Arc::clone(list)),
                None => Err(CodecError::UnknownResource { at, index: k }),
            },
        }
    }

    fn record(
        &mut self,
        team_id: i64,
        prev_ts: i64,
        resources: &mut Resources,
    ) -> Result<LogRecord, CodecError> {
        let uuid = Uuid::from_bytes(self.array()?);
        let timestamp_us = prev_ts.wrapping_add(self.zigzag()?);
        let observed_timestamp_us = timestamp_us.wrapping_add(self.zigzag()?);
        let severity = severity_from_code(self.u8()?)?;
        let severity_number = self.i32("severity_number")?;
        let flags = self.u8()?;
        if flags & !(FLAG_TRACE_ID | FLAG_SPAN_ID) != 0 {
            return Err(CodecError::InvalidFlags(flags));
        }
        let trace_id = if flags & FLAG_TRACE_ID != 0 { self.array()? } else { [0; 16] };
        let span_id = if flags & FLAG_SPAN_ID != 0 { self.array()? } else { [0; 8] };
        let trace_flags = self.i32("trace_flags")?;
        let resource_fingerprint = u64::from_le_bytes(self.array()?);
        let bytes = u32::try_from(self.varint()?).map_err(|_| CodecError::OutOfRange { field: "bytes" })?;
        let (body, service_name) = (self.string()?, self.string()?);
        let (instrumentation_scope, event_name) = (self.string()?, self.string()?);
        let resource_attributes = self.resource(resources)?;
        Ok(LogRecord {
            uuid,
            team_id,
            timestamp_us,
            observed_timestamp_us,
            severity,
            severity_number,
            trace_id,
            span_id,
            trace_flags,
            resource_fingerprint,
            bytes,
            body,
            service_name,
            instrumentation_scope,
            event_name,
            resource_attributes,
            attributes: self.attrs()?,
        })
    }
}
