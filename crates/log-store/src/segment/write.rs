//! Writing one segment: rows (sorted by key) -> zstd Arrow IPC file + metadata and index
//! sidecars.

use std::borrow::Borrow;
use std::path::Path;

use arrow::ipc::writer::{FileWriter, IpcWriteOptions};
use arrow::ipc::{CompressionType, root_as_footer};
use logs_query::LogRecord;

use super::index::build::IndexBuilder;
use super::index::{INDEX_EXT, file_bytes_at};
use super::layout::{Layout, build_batch};
use super::meta::{BlockRef, MAGIC};
use super::stats::{MetaBuilder, SegmentSpec};
use super::{DATA_EXT, META_EXT, Segment, file_name};
use crate::fsutil::{frame, sync_dir, write_atomic};

/// How segments are written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WriteOptions {
    pub(crate) batch_rows: usize,
    pub(crate) zstd_level: i32,
    /// For the index sidecar.
    pub(crate) index_zstd_level: i32,
}

/// Writes `rows` (sorted by (timestamp, uuid), all of `spec.team_id`, at least one) as
/// segment `spec.id` in `dir`, durably: the index, then the metadata sidecar, then the data
/// file, each via a temporary name, then the directory is synced. Sidecars without their data
/// file are what a crash midway leaves; open removes them. `layout` must hold every dictionary value the rows
/// use.
pub(crate) fn write_segment<R: Borrow<LogRecord>>(
    dir: &Path,
    spec: SegmentSpec,
    layout: &Layout,
    rows: impl Iterator<Item = R>,
    opts: WriteOptions,
) -> Result<Segment, String> {
    let schema = &layout.schema;
    let index_level = opts.index_zstd_level;
    let batch_rows = opts.batch_rows.max(1);
    let opts = IpcWriteOptions::default()
        .try_with_compression(Some(CompressionType::ZSTD))
        .and_then(|o| o.try_with_compression_level(Some(opts.zstd_level)))
        .map_err(|e| e.to_string())?;
    let mut writer = FileWriter::try_new_with_options(Vec::new(), schema, opts).map_err(|e| e.to_string())?;
    let mut meta = MetaBuilder::new(spec);
    let mut index = IndexBuilder::default();
    let mut chunk: Vec<R> = Vec::with_capacity(batch_rows);
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        chunk.clear();
        chunk.extend(rows.by_ref().take(batch_rows));
        let refs: Vec<&LogRecord> = chunk.iter().map(Borrow::borrow).collect();
        let batch = build_batch(layout, &refs).map_err(|e| e.to_string())?;
        writer.write(&batch).map_err(|e| e.to_string())?;
        meta.add_batch(&refs, batch.get_array_memory_size() as u64);
        index.add_batch(&refs);
    }
    writer.finish().map_err(|e| e.to_string())?;
    let data = writer.into_inner().map_err(|e| e.to_string())?;
    let (footer, dictionaries, batches) = blocks(&data)?;
    let meta = meta.finish(data.len() as u64, crc32fast::hash(&data), footer, dictionaries, batches)?;
    if meta.rows == 0 {
        return Err("a segment needs at least one row".into());
    }
    let id = meta.id;
    let index = file_bytes_at(&index.encode(), index_level)?;
    write_atomic(dir, &file_name(id, INDEX_EXT), &index).map_err(|e| e.to_string())?;
    write_atomic(dir, &file_name(id, META_EXT), &frame(MAGIC, &meta.encode())).map_err(|e| e.to_string())?;
    write_atomic(dir, &file_name(id, DATA_EXT), &data).map_err(|e| e.to_string())?;
    sync_dir(dir).map_err(|e| e.to_string())?;
    // The index is loaded from its file at first use: most fresh segments are compacted
    // before a query needs theirs (decoding it here was 3 % of sealing's CPU).
    Ok(Segment::new(dir, meta))
}

type Blocks = (BlockRef, Vec<BlockRef>, Vec<BlockRef>);

/// The footer, dictionary and record batch blocks of a finished IPC file, with checksums.
fn blocks(data: &[u8]) -> Result<Blocks, String> {
    let n = data.len();
    let trailer = n.checked_sub(10).ok_or("IPC file too short")?;
    let len = i32::from_le_bytes([data[trailer], data[trailer + 1], data[trailer + 2], data[trailer + 3]]);
    let start = usize::try_from(len).ok().and_then(|l| trailer.checked_sub(l)).ok_or("bad footer length")?;
    let footer = root_as_footer(&data[start..trailer]).map_err(|e| format!("footer: {e}"))?;
    let block = |offset: u64, meta_len: u32, body_len: u64| -> Result<BlockRef, String> {
        let end = offset.checked_add(u64::from(meta_len)).and_then(|e| e.checked_add(body_len));
        let bytes = end.and_then(|e| data.get(offset as usize..e as usize)).ok_or("block out of range")?;
        Ok(BlockRef { offset, meta_len, body_len, crc: crc32fast::hash(bytes) })
    };
    let ipc =
        |b: &arrow::ipc::Block| block(b.offset() as u64, b.metaDataLength() as u32, b.bodyLength() as u64);
    let dictionaries = footer.dictionaries().into_iter().flatten().map(ipc).collect::<Result<_, _>>()?;
    let batches = footer.recordBatches().into_iter().flatten().map(ipc).collect::<Result<_, _>>()?;
    Ok((block(start as u64, 0, (n - start) as u64)?, dictionaries, batches))
}
