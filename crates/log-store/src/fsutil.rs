//! Small durable-file helpers shared by segments and the store state file.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

pub(crate) use crate::wal::sync_dir;

/// Suffix of files being written; whatever carries it at open is a crash leftover.
pub(crate) const TMP_SUFFIX: &str = ".tmp";

/// Options for the files this store creates: owner-only (0600 on Unix), since logs can hold
/// anything. The mode applies when the file is created; the umask can only narrow it.
pub(crate) fn private_options() -> OpenOptions {
    let mut opts = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts
}

/// `create_dir_all`, each directory it creates owner-only (0700 on Unix).
pub(crate) fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    let mut b = DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Writes `bytes` to `dir/name` via a temporary file, `fsync` and rename. The caller syncs
/// the directory (once for several files).
pub(crate) fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let tmp = dir.join(format!("{name}{TMP_SUFFIX}"));
    let mut f = private_options().write(true).create(true).truncate(true).open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, dir.join(name))
}

/// Moves a damaged file to `<dir>/quarantine/`, or deletes it if that fails.
pub(crate) fn quarantine(dir: &Path, path: &Path) {
    let qdir = dir.join("quarantine");
    let moved = create_private_dir_all(&qdir)
        .and_then(|()| std::fs::rename(path, qdir.join(path.file_name().unwrap_or_default())));
    match moved {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => {
            tracing::error!(path = %path.display(), error = %e, "could not quarantine; removing");
            let _ = std::fs::remove_file(path);
        }
    }
}

/// `magic[8] len:u32le crc32:u32le payload`.
pub(crate) fn frame(magic: &[u8; 8], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 16);
    out.extend_from_slice(magic);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// The payload of a [`frame`]d file, after checking magic, length and checksum.
pub(crate) fn unframe<'a>(magic: &[u8; 8], bytes: &'a [u8]) -> Result<&'a [u8], String> {
    if bytes.len() < 16 || &bytes[..8] != magic {
        return Err("bad magic".into());
    }
    let word = |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let (len, crc) = (word(8) as usize, word(12));
    let payload = &bytes[16..];
    if payload.len() != len {
        return Err(format!("length {} does not match the recorded {len}", payload.len()));
    }
    if crc32fast::hash(payload) != crc {
        return Err("checksum mismatch".into());
    }
    Ok(payload)
}

/// Reads exactly `buf.len()` bytes at `offset` without moving a shared cursor, so several
/// threads can read one file at once.
#[cfg(unix)]
pub(crate) fn read_at(f: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    f.read_exact_at(buf, offset)
}

#[cfg(not(unix))]
pub(crate) fn read_at(f: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = f;
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_detect_damage() {
        let f = frame(b"TESTMAGC", b"hello");
        assert_eq!(unframe(b"TESTMAGC", &f), Ok(&b"hello"[..]));
        assert!(unframe(b"OTHERMAG", &f).is_err());
        assert!(unframe(b"TESTMAGC", &f[..f.len() - 1]).is_err());
        let mut bad = f.clone();
        bad[17] ^= 1;
        assert!(unframe(b"TESTMAGC", &bad).is_err());
        assert!(unframe(b"TESTMAGC", b"short").is_err());
    }
}
