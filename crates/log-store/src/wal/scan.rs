//! Frame layout, WAL file naming, and the recovery scan over one file's bytes.

use std::io;
use std::path::{Path, PathBuf};

/// Marks a frame start; lets recovery resynchronise after a damaged frame.
pub(crate) const MAGIC: u32 = 0x4C57_A1E5;
/// `[magic u32 LE][payload len u32 LE][crc32 of payload u32 LE]`.
pub(crate) const HEADER_LEN: usize = 12;
/// Largest payload a frame may carry. Recovery treats larger lengths as corruption, so a
/// flipped bit in a length field cannot masquerade as a huge frame.
pub const MAX_PAYLOAD: usize = 64 << 20;

/// Why the bytes at some offset are not a valid frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameFault {
    /// No frame magic where a frame should start.
    BadMagic,
    /// The length field exceeds [`MAX_PAYLOAD`].
    BadLength,
    /// The payload does not match its checksum.
    BadCrc,
    /// The file ends before the frame does.
    Incomplete,
}

impl std::fmt::Display for FrameFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::BadMagic => "bad magic",
            Self::BadLength => "impossible length",
            Self::BadCrc => "checksum mismatch",
            Self::Incomplete => "incomplete frame",
        })
    }
}

/// Appends one frame; the caller has checked `payload.len() <= MAX_PAYLOAD`.
pub(crate) fn encode_frame(payload: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&MAGIC.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
}

pub(crate) fn file_name(seq: u64) -> String {
    format!("wal-{seq:016}.log")
}

/// The sequence number of a WAL file name, `None` for anything else in the directory.
pub(crate) fn parse_file_name(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("wal-")?.strip_suffix(".log")?;
    if digits.len() != 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// WAL files in `dir`, in sequence order.
pub(crate) fn list_files(dir: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if let Some(seq) = entry.file_name().to_str().and_then(parse_file_name) {
            files.push((seq, entry.path()));
        }
    }
    files.sort_unstable_by_key(|(seq, _)| *seq);
    Ok(files)
}

/// A damaged byte range found by [`scan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Damage {
    pub offset: u64,
    pub len: u64,
    pub fault: FrameFault,
}

#[derive(Debug, Default)]
pub(crate) struct FileScan {
    /// Offset of the last good frame.
    pub last_frame: Option<u64>,
    /// Damaged ranges followed by at least one good frame: skipped.
    pub damage: Vec<Damage>,
    /// Damage that runs to the end of the file with no good frame after it.
    pub tail: Option<Damage>,
    pub frames: u64,
    pub payload_bytes: u64,
}

/// Checks the frame starting at `pos`, returning where it ends.
fn check_frame(buf: &[u8], pos: usize) -> Result<usize, FrameFault> {
    let rest = &buf[pos..];
    let word = |i: usize| rest.get(i..i + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    match word(0) {
        None if MAGIC.to_le_bytes().starts_with(rest) => return Err(FrameFault::Incomplete),
        None => return Err(FrameFault::BadMagic),
        Some(m) if m != MAGIC => return Err(FrameFault::BadMagic),
        Some(_) => {}
    }
    let (Some(len), Some(crc)) = (word(4), word(8)) else { return Err(FrameFault::Incomplete) };
    let len = len as usize;
    if len > MAX_PAYLOAD {
        return Err(FrameFault::BadLength);
    }
    let Some(payload) = rest.get(HEADER_LEN..HEADER_LEN + len) else {
        return Err(FrameFault::Incomplete);
    };
    if crc32fast::hash(payload) != crc {
        return Err(FrameFault::BadCrc);
    }
    Ok(pos + HEADER_LEN + len)
}

/// The first offset at or after `from` where a complete, valid frame starts.
fn next_valid_frame(buf: &[u8], mut from: usize) -> Option<usize> {
    let magic = MAGIC.to_le_bytes();
    while from + HEADER_LEN <= buf.len() {
        let at = from + buf[from..].windows(4).position(|w| w == magic)?;
        if check_frame(buf, at).is_ok() {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Walks one file's bytes, calling `on_frame(offset, payload)` for every valid frame in
/// order. Damage is resynchronised past by searching for the next frame that validates, so
/// one bad frame never hides the good frames after it.
pub(crate) fn scan(buf: &[u8], mut on_frame: impl FnMut(u64, &[u8])) -> FileScan {
    let mut out = FileScan::default();
    let mut pos = 0;
    while pos < buf.len() {
        match check_frame(buf, pos) {
            Ok(end) => {
                on_frame(pos as u64, &buf[pos + HEADER_LEN..end]);
                out.last_frame = Some(pos as u64);
                out.frames += 1;
                out.payload_bytes += (end - pos - HEADER_LEN) as u64;
                pos = end;
            }
            Err(fault) => match next_valid_frame(buf, pos + 1) {
                Some(next) => {
                    out.damage.push(Damage { offset: pos as u64, len: (next - pos) as u64, fault });
                    pos = next;
                }
                None => {
                    out.tail = Some(Damage { offset: pos as u64, len: (buf.len() - pos) as u64, fault });
                    break;
                }
            },
        }
    }
    out
}
