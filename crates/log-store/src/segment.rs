//! Immutable segments: one team's rows of one UTC hour, sorted by (timestamp, uuid), in an
//! Arrow IPC file (`<id>.seg`, zstd, batches of at most `batch_rows` rows) plus a
//! checksummed metadata sidecar (`<id>.meta`, see [`meta`]) and an index sidecar (`<id>.idx`,
//! see [`index`]).
//!
//! Reads go block by block: the sidecar records every IPC block's offset, length and crc32,
//! so a query reads and decodes only the batches it needs, verifying each first. Decoding
//! runs under `catch_unwind` as well: a damaged file yields an error, never a panic.

pub(crate) mod bloom;
pub(crate) mod cache;
pub(crate) mod columns;
pub(crate) mod index;
pub(crate) mod layout;
pub(crate) mod meta;
pub(crate) mod resources;
pub(crate) mod schema;
pub(crate) mod stats;
pub(crate) mod write;

use std::fs::File;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use arrow::buffer::Buffer;
use arrow::ipc::reader::FileDecoder;
use arrow::ipc::{Block, MessageHeader, convert::try_fb_to_schema, root_as_footer, root_as_message};
use arrow::record_batch::RecordBatch;

use crate::fsutil::{quarantine, read_at};
use index::{INDEX_EXT, SegmentIndex};
use meta::{BlockRef, SegmentMeta};

pub(crate) const DATA_EXT: &str = "seg";
pub(crate) const META_EXT: &str = "meta";

pub(crate) fn file_name(id: u64, ext: &str) -> String {
    format!("{id:016x}.{ext}")
}

/// Parses `<16 hex digits>.<ext>`.
pub(crate) fn parse_name(name: &str) -> Option<(u64, &str)> {
    let (stem, ext) = name.split_once('.')?;
    (stem.len() == 16).then_some(())?;
    Some((u64::from_str_radix(stem, 16).ok()?, ext))
}

/// Why a batch could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadError {
    /// The file is damaged or gone: the segment is unusable.
    Damaged(String),
    /// An I/O failure that may pass (descriptors, interrupted reads): fail the query only.
    Io(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Damaged(e) | Self::Io(e) => f.write_str(e),
        }
    }
}

fn io_error(what: &str, e: &std::io::Error) -> ReadError {
    let msg = format!("{what}: {e}");
    match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::UnexpectedEof => ReadError::Damaged(msg),
        _ => ReadError::Io(msg),
    }
}

fn damaged(msg: impl Into<String>) -> ReadError {
    ReadError::Damaged(msg.into())
}

/// Arrow trusts the uncompressed length each compressed buffer declares and the row counts
/// of the message, so a damaged block (one that still passed its checksum) could make it
/// allocate exabytes: an abort, which `catch_unwind` cannot stop. Refuses a block whose
/// declared sizes exceed `max_bytes` or whose row counts exceed `max_rows`.
fn check_sizes(buf: &[u8], meta_len: u32, max_bytes: u64, max_rows: u64) -> Result<(), ReadError> {
    let meta_len = meta_len as usize;
    // The metadata is the continuation marker, its length, then the flatbuffer.
    let fb = buf.get(8..meta_len).ok_or_else(|| damaged("block too short"))?;
    let msg = root_as_message(fb).map_err(|e| damaged(format!("message: {e}")))?;
    let header = match msg.header_type() {
        MessageHeader::RecordBatch => msg.header_as_record_batch(),
        MessageHeader::DictionaryBatch => msg.header_as_dictionary_batch().and_then(|d| d.data()),
        _ => None,
    };
    let header = header.ok_or_else(|| damaged("block holds no record batch"))?;
    let rows_ok = |n: i64| u64::try_from(n).is_ok_and(|n| n <= max_rows);
    let nodes_ok =
        header.nodes().into_iter().flatten().all(|n| rows_ok(n.length()) && rows_ok(n.null_count()));
    if !rows_ok(header.length()) || !nodes_ok {
        return Err(damaged("block declares more rows than its segment has"));
    }
    if header.compression().is_none() {
        return Ok(());
    }
    let body = &buf[meta_len..];
    let mut total = 0u64;
    for b in header.buffers().into_iter().flatten().filter(|b| b.length() >= 8) {
        let at = usize::try_from(b.offset()).map_err(|_| damaged("bad buffer offset"))?;
        let len = body.get(at..at.saturating_add(8)).ok_or_else(|| damaged("buffer outside its block"))?;
        let declared = i64::from_le_bytes([len[0], len[1], len[2], len[3], len[4], len[5], len[6], len[7]]);
        total = total.saturating_add(u64::try_from(declared).unwrap_or(0));
    }
    if total > max_bytes {
        return Err(damaged(format!("block declares {total} decoded bytes, more than {max_bytes}")));
    }
    Ok(())
}

const INDEX_UNTRIED: u8 = 0;
const INDEX_MISSING: u8 = 1;

#[derive(Debug)]
pub(crate) struct Segment {
    pub(crate) meta: SegmentMeta,
    pub(crate) data_path: PathBuf,
    pub(crate) meta_path: PathBuf,
    pub(crate) index_path: PathBuf,
    /// Set on first successful load (a failed load is retried next time).
    decoder: OnceLock<Arc<FileDecoder>>,
    /// Set on first successful load of the index, or when maintenance rebuilds it.
    index: OnceLock<Arc<SegmentIndex>>,
    /// [`INDEX_UNTRIED`], [`INDEX_MISSING`] (absent or damaged: not retried until rebuilt).
    index_state: AtomicU8,
    /// Set when a read found damage; queries skip the segment from then on.
    broken: AtomicBool,
    /// Loaded at open without reading the data: the whole-file checksum is still to check
    /// (maintenance scrubs it in the background; every block read checks its own anyway).
    unscrubbed: AtomicBool,
    retired: OnceLock<Retire>,
}

/// What happens to a retired segment's files once the last query holding it lets go.
#[derive(Debug)]
pub(crate) enum Retire {
    /// Delete them, then record the id in the list (so the store can forget it).
    Delete(Arc<Mutex<Vec<u64>>>),
    /// Move them to `<dir>/quarantine/`.
    Quarantine(PathBuf),
}

impl Drop for Segment {
    fn drop(&mut self) {
        match self.retired.get() {
            None => {}
            Some(Retire::Delete(done)) => {
                // Data first: a sidecar left alone is removed at open as an interrupted write.
                let gone = |p: &Path| std::fs::remove_file(p).is_ok_or_not_found();
                if gone(&self.data_path) && gone(&self.index_path) && gone(&self.meta_path) {
                    done.lock().unwrap_or_else(PoisonError::into_inner).push(self.meta.id);
                }
            }
            Some(Retire::Quarantine(dir)) => {
                quarantine(dir, &self.data_path);
                quarantine(dir, &self.index_path);
                quarantine(dir, &self.meta_path);
            }
        }
    }
}

trait IoResultExt {
    fn is_ok_or_not_found(&self) -> bool;
}

impl IoResultExt for std::io::Result<()> {
    fn is_ok_or_not_found(&self) -> bool {
        match self {
            Ok(()) => true,
            Err(e) => e.kind() == std::io::ErrorKind::NotFound,
        }
    }
}

impl Segment {
    pub(crate) fn new(dir: &Path, meta: SegmentMeta) -> Self {
        Self {
            data_path: dir.join(file_name(meta.id, DATA_EXT)),
            meta_path: dir.join(file_name(meta.id, META_EXT)),
            index_path: dir.join(file_name(meta.id, INDEX_EXT)),
            meta,
            decoder: OnceLock::new(),
            index: OnceLock::new(),
            index_state: AtomicU8::new(INDEX_UNTRIED),
            broken: AtomicBool::new(false),
            unscrubbed: AtomicBool::new(false),
            retired: OnceLock::new(),
        }
    }

    /// A segment found on disk at open: its length is checked now, its checksum by
    /// [`Self::scrub`] later, so opening does not read every segment's data.
    pub(crate) fn found(dir: &Path, meta: SegmentMeta) -> Result<Self, String> {
        let s = Self::new(dir, meta);
        let len = std::fs::metadata(&s.data_path).map_err(|e| format!("reading data file: {e}"))?.len();
        if len != s.meta.data_len {
            return Err(format!("data file is {len} bytes, metadata says {}", s.meta.data_len));
        }
        s.unscrubbed.store(true, Ordering::Relaxed);
        Ok(s)
    }

    /// Whether the whole-file checksum is still to be checked.
    pub(crate) fn unscrubbed(&self) -> bool {
        self.unscrubbed.load(Ordering::Relaxed)
    }

    /// Checks the whole data file (streamed) against the recorded length and checksum; done
    /// once per segment found at open.
    pub(crate) fn scrub(&self) -> Result<(), String> {
        use std::io::Read;
        let mut file = File::open(&self.data_path).map_err(|e| format!("reading data file: {e}"))?;
        let (mut hasher, mut len, mut buf) = (crc32fast::Hasher::new(), 0u64, vec![0u8; 1 << 20]);
        loop {
            let n = file.read(&mut buf).map_err(|e| format!("reading data file: {e}"))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            len += n as u64;
        }
        if len != self.meta.data_len {
            return Err(format!("data file is {len} bytes, metadata says {}", self.meta.data_len));
        }
        if hasher.finalize() != self.meta.data_crc {
            return Err("data file checksum mismatch".into());
        }
        self.unscrubbed.store(false, Ordering::Relaxed);
        Ok(())
    }

    /// Deletes (or quarantines) the files once the last reference is dropped.
    pub(crate) fn retire(&self, how: Retire) {
        let _ = self.retired.set(how);
    }

    pub(crate) fn is_broken(&self) -> bool {
        self.broken.load(Ordering::Relaxed)
    }

    /// Marks the segment damaged; returns true the first time.
    pub(crate) fn mark_broken(&self) -> bool {
        !self.broken.swap(true, Ordering::Relaxed)
    }

    /// The index, read on first use; `None` if it is missing or damaged (then not read again
    /// until [`Self::set_index`]).
    pub(crate) fn index(&self) -> Option<Arc<SegmentIndex>> {
        if let Some(i) = self.index.get() {
            return Some(Arc::clone(i));
        }
        if self.index_state.load(Ordering::Relaxed) == INDEX_MISSING {
            return None;
        }
        let rows: Vec<u32> = self.meta.batches.iter().map(|b| b.rows).collect();
        let loaded = std::fs::read(&self.index_path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| SegmentIndex::from_file(&bytes, &rows));
        match loaded {
            Ok(i) => Some(Arc::clone(self.index.get_or_init(|| Arc::new(i)))),
            Err(e) => {
                tracing::debug!(path = %self.index_path.display(), error = %e, "segment index unusable");
                self.index_state.store(INDEX_MISSING, Ordering::Relaxed);
                None
            }
        }
    }

    /// Installs an index built for this segment (its file already written).
    pub(crate) fn set_index(&self, index: SegmentIndex) {
        let _ = self.index.set(Arc::new(index));
    }

    fn read_block(&self, file: &File, b: &BlockRef) -> Result<Buffer, ReadError> {
        let len = u64::from(b.meta_len)
            .checked_add(b.body_len)
            .filter(|&l| b.offset.saturating_add(l) <= self.meta.data_len);
        let len = len.ok_or_else(|| damaged("block lies outside the data file"))?;
        let mut buf = vec![0u8; len as usize];
        read_at(file, &mut buf, b.offset)
            .map_err(|e| io_error(&format!("reading block at {}", b.offset), &e))?;
        if crc32fast::hash(&buf) != b.crc {
            return Err(damaged(format!("block at {} fails its checksum", b.offset)));
        }
        Ok(Buffer::from_vec(buf))
    }

    fn open(&self) -> Result<File, ReadError> {
        File::open(&self.data_path)
            .map_err(|e| io_error(&format!("opening {}", self.data_path.display()), &e))
    }

    fn decoder(&self) -> Result<Arc<FileDecoder>, ReadError> {
        if let Some(d) = self.decoder.get() {
            return Ok(Arc::clone(d));
        }
        let d = self.load_decoder()?;
        Ok(Arc::clone(self.decoder.get_or_init(|| d)))
    }

    /// Schema from the footer, then every dictionary (shared by all batches).
    fn load_decoder(&self) -> Result<Arc<FileDecoder>, ReadError> {
        let file = self.open()?;
        let footer = self.read_block(&file, &self.meta.footer)?;
        let dicts = self.meta.dictionaries.iter().map(|b| Ok((b, self.read_block(&file, b)?)));
        let dicts: Vec<(&BlockRef, Buffer)> = dicts.collect::<Result<_, ReadError>>()?;
        let max_bytes = self.meta.batches.iter().map(|b| b.raw_bytes).max().unwrap_or(0);
        for (b, buf) in &dicts {
            check_sizes(buf, b.meta_len, max_bytes.saturating_mul(2) + (1 << 20), self.meta.rows)?;
        }
        let build = || -> Result<FileDecoder, String> {
            // The footer block ends with `len:i32 ARROW1`.
            let fb_len = footer.len().checked_sub(10).ok_or("footer too short")?;
            let fb = root_as_footer(&footer[..fb_len]).map_err(|e| format!("footer: {e}"))?;
            let schema = fb.schema().ok_or("footer has no schema")?;
            let schema = try_fb_to_schema(schema).map_err(|e| format!("schema: {e}"))?;
            let mut decoder = FileDecoder::new(Arc::new(schema), fb.version());
            for (b, buf) in &dicts {
                let block = Block::new(b.offset as i64, b.meta_len as i32, b.body_len as i64);
                decoder.read_dictionary(&block, buf).map_err(|e| format!("dictionary: {e}"))?;
            }
            Ok(decoder)
        };
        let decoder = catch_unwind(AssertUnwindSafe(build)).map_err(|_| damaged("panic while decoding"))?;
        Ok(Arc::new(decoder.map_err(damaged)?))
    }

    /// Reads and decodes batch `i`.
    pub(crate) fn read_batch(&self, i: usize) -> Result<RecordBatch, ReadError> {
        let m = self.meta.batches.get(i).ok_or_else(|| damaged("no such batch"))?;
        let b = m.block;
        let decoder = self.decoder()?;
        let buf = self.read_block(&self.open()?, &b)?;
        check_sizes(&buf, b.meta_len, m.raw_bytes.saturating_mul(2) + (1 << 20), u64::from(m.rows))?;
        let block = Block::new(b.offset as i64, b.meta_len as i32, b.body_len as i64);
        let decode = || decoder.read_record_batch(&block, &buf);
        let batch = catch_unwind(AssertUnwindSafe(decode)).map_err(|_| damaged("panic while decoding"))?;
        let batch =
            batch.map_err(|e| damaged(format!("batch {i}: {e}")))?.ok_or_else(|| damaged("empty block"))?;
        if batch.num_rows() != self.meta.batches[i].rows as usize {
            return Err(damaged(format!(
                "batch {i} has {} rows, metadata says {}",
                batch.num_rows(),
                self.meta.batches[i].rows
            )));
        }
        // Every index the batch holds is checked once here, not at each query.
        columns::Cols::new(&batch)
            .ok_or_else(|| damaged(format!("batch {i} does not have the segment schema")))?;
        Ok(batch)
    }
}

#[cfg(test)]
mod tests;
