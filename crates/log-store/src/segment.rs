//! Immutable segments: one team's rows of one UTC hour, sorted by (timestamp, uuid), in an
//! Arrow IPC file (`<id>.seg`, zstd, batches of at most `batch_rows` rows) plus a
//! checksummed metadata sidecar (`<id>.meta`, see [`meta`]).
//!
//! Reads go block by block: the sidecar records every IPC block's offset, length and crc32,
//! so a query reads and decodes only the batches it needs, verifying each first. Decoding
//! runs under `catch_unwind` as well: a damaged file yields an error, never a panic.

pub(crate) mod bloom;
pub(crate) mod cache;
pub(crate) mod columns;
pub(crate) mod layout;
pub(crate) mod meta;
pub(crate) mod schema;
pub(crate) mod stats;
pub(crate) mod write;

use std::fs::File;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use arrow::buffer::Buffer;
use arrow::ipc::reader::FileDecoder;
use arrow::ipc::{Block, convert::try_fb_to_schema, root_as_footer};
use arrow::record_batch::RecordBatch;

use crate::fsutil::{quarantine, read_at};
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

#[derive(Debug)]
pub(crate) struct Segment {
    pub(crate) meta: SegmentMeta,
    pub(crate) data_path: PathBuf,
    pub(crate) meta_path: PathBuf,
    decoder: OnceLock<Result<Arc<FileDecoder>, String>>,
    /// Set when a read found damage; queries skip the segment from then on.
    broken: AtomicBool,
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
                if gone(&self.data_path) && gone(&self.meta_path) {
                    done.lock().unwrap_or_else(PoisonError::into_inner).push(self.meta.id);
                }
            }
            Some(Retire::Quarantine(dir)) => {
                quarantine(dir, &self.data_path);
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
            meta,
            decoder: OnceLock::new(),
            broken: AtomicBool::new(false),
            retired: OnceLock::new(),
        }
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

    /// Checks the whole data file against the recorded length and checksum.
    pub(crate) fn verify_data(&self) -> Result<(), String> {
        let bytes = std::fs::read(&self.data_path).map_err(|e| format!("reading data file: {e}"))?;
        if bytes.len() as u64 != self.meta.data_len {
            return Err(format!("data file is {} bytes, metadata says {}", bytes.len(), self.meta.data_len));
        }
        if crc32fast::hash(&bytes) != self.meta.data_crc {
            return Err("data file checksum mismatch".into());
        }
        Ok(())
    }

    fn read_block(&self, file: &File, b: &BlockRef) -> Result<Buffer, String> {
        let len = u64::from(b.meta_len)
            .checked_add(b.body_len)
            .filter(|&l| b.offset.saturating_add(l) <= self.meta.data_len);
        let len = len.ok_or("block lies outside the data file")?;
        let mut buf = vec![0u8; len as usize];
        read_at(file, &mut buf, b.offset).map_err(|e| format!("reading block at {}: {e}", b.offset))?;
        if crc32fast::hash(&buf) != b.crc {
            return Err(format!("block at {} fails its checksum", b.offset));
        }
        Ok(Buffer::from_vec(buf))
    }

    fn open(&self) -> Result<File, String> {
        File::open(&self.data_path).map_err(|e| format!("opening {}: {e}", self.data_path.display()))
    }

    fn decoder(&self) -> Result<Arc<FileDecoder>, String> {
        self.decoder.get_or_init(|| self.load_decoder()).clone()
    }

    /// Schema from the footer, then every dictionary (shared by all batches).
    fn load_decoder(&self) -> Result<Arc<FileDecoder>, String> {
        let file = self.open()?;
        let footer = self.read_block(&file, &self.meta.footer)?;
        let dicts = self.meta.dictionaries.iter().map(|b| Ok((b, self.read_block(&file, b)?)));
        let dicts: Vec<(&BlockRef, Buffer)> = dicts.collect::<Result<_, String>>()?;
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
        let decoder =
            catch_unwind(AssertUnwindSafe(build)).map_err(|_| "panic while decoding".to_string())??;
        Ok(Arc::new(decoder))
    }

    /// Reads and decodes batch `i`.
    pub(crate) fn read_batch(&self, i: usize) -> Result<RecordBatch, String> {
        let b = self.meta.batches.get(i).ok_or("no such batch")?.block;
        let decoder = self.decoder()?;
        let buf = self.read_block(&self.open()?, &b)?;
        let block = Block::new(b.offset as i64, b.meta_len as i32, b.body_len as i64);
        let decode = || decoder.read_record_batch(&block, &buf);
        let batch = catch_unwind(AssertUnwindSafe(decode)).map_err(|_| "panic while decoding".to_string())?;
        let batch = batch.map_err(|e| format!("batch {i}: {e}"))?.ok_or("empty block")?;
        if batch.num_rows() != self.meta.batches[i].rows as usize {
            return Err(format!(
                "batch {i} has {} rows, metadata says {}",
                batch.num_rows(),
                self.meta.batches[i].rows
            ));
        }
        Ok(batch)
    }
}
