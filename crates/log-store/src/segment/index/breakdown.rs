//! Index size per section on real segments (`#[ignore]`d; prints, asserts only that the
//! index decodes): `LOGSTEAD_SEGMENTS=<dir> cargo test -p log-store --lib index_breakdown
//! -- --ignored --nocapture`.

use std::collections::BTreeMap;
use std::path::Path;

use super::build::builder_of;
use super::out::Out;
use super::{SegmentIndex, ZSTD_LEVEL, file_bytes};
use crate::fsutil::unframe;
use crate::segment::Segment;
use crate::segment::meta::{MAGIC, SegmentMeta};

#[derive(Default)]
struct Size {
    raw: usize,
    packed: usize,
}

#[test]
#[ignore = "needs LOGSTEAD_SEGMENTS, a directory of real segments"]
fn index_breakdown() {
    let dir = std::env::var("LOGSTEAD_SEGMENTS").expect("LOGSTEAD_SEGMENTS");
    let dir = Path::new(&dir);
    let mut metas: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "meta"))
        .collect();
    metas.sort();
    let (mut rows, mut file, mut old) = (0usize, 0usize, 0usize);
    let mut compress = std::time::Duration::ZERO;
    let mut by_label: BTreeMap<String, Size> = BTreeMap::new();
    for path in metas {
        let meta = SegmentMeta::decode(unframe(MAGIC, &std::fs::read(&path).unwrap()).unwrap()).unwrap();
        let seg = Segment::new(dir, meta);
        old += std::fs::metadata(&seg.index_path).map(|m| m.len() as usize).unwrap_or(0);
        let builder = builder_of(&seg).unwrap();
        let mut out = Out::labelled();
        builder.encode_into(&mut out);
        let mut parts: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for (label, range) in out.sections() {
            parts.entry(label).or_default().extend_from_slice(&out.bytes[range]);
        }
        for (label, bytes) in parts {
            let s = by_label.entry(label).or_default();
            s.raw += bytes.len();
            s.packed += zstd::bulk::compress(&bytes, ZSTD_LEVEL).unwrap().len();
        }
        let started = std::time::Instant::now();
        let bytes = file_bytes(&out.bytes).unwrap();
        compress += started.elapsed();
        let batch_rows: Vec<u32> = seg.meta.batches.iter().map(|b| b.rows).collect();
        let index = SegmentIndex::from_file(&bytes, &batch_rows).expect("the index decodes");
        rows += index.rows as usize;
        file += bytes.len();
    }
    let per_row = |b: usize| b as f64 / rows as f64;
    println!("{rows} rows; index file {:.2} B/row (on disk before: {:.2})", per_row(file), per_row(old));
    println!("compressing the index files took {compress:?}");
    println!("{:>10} {:>10}  section (alone, zstd {ZSTD_LEVEL})", "raw B/row", "zstd B/row");
    let mut labels: Vec<_> = by_label.into_iter().collect();
    labels.sort_by_key(|(_, s)| std::cmp::Reverse(s.packed));
    for (label, s) in labels.iter().filter(|(_, s)| per_row(s.packed) >= 0.005) {
        println!("{:>10.3} {:>10.3}  {label}", per_row(s.raw), per_row(s.packed));
    }
    let rest: usize = labels.iter().filter(|(_, s)| per_row(s.packed) < 0.005).map(|(_, s)| s.packed).sum();
    println!("{:>10} {:>10.3}  (other sections)", "", per_row(rest));
}
