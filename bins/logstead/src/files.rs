//! Owner-only files: what the server creates in its data directory (database, exports,
//! secrets) is mode 0600 in directories of mode 0700, and what an older release left
//! readable to others is tightened at start.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Options creating a file readable by the owner only (0600 on Unix; the umask can only
/// narrow it).
pub fn private_options() -> OpenOptions {
    let mut opts = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts
}

/// Creates (or truncates) `path` as an owner-only file.
pub fn create_private(path: &Path) -> io::Result<File> {
    private_options().write(true).create(true).truncate(true).open(path)
}

/// `create_dir_all`, each directory it creates owner-only (0700 on Unix).
pub fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    let mut b = DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Replaces `path` with `content` atomically (temporary file, fsync, rename, directory
/// fsync): a crash leaves the old content or the new one, never a mix.
pub fn write_private_atomic(path: &Path, content: &str) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut f = create_private(&tmp)?;
    f.write_all(content.as_bytes())?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)?;
    sync_parent(path)
}

/// Makes a rename or removal in `path`'s directory durable.
pub fn sync_parent(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The SQLite file of `database_url` and its `-wal` / `-shm` companions (none for
/// PostgreSQL or an in-memory database).
pub fn sqlite_files(database_url: &str) -> Vec<PathBuf> {
    let Some(path) = database_url.strip_prefix("sqlite://") else { return Vec::new() };
    if path.is_empty() || path.starts_with(':') || path.starts_with("file:") {
        return Vec::new();
    }
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| {
            let mut p = path.as_bytes().to_vec();
            p.extend_from_slice(suffix.as_bytes());
            PathBuf::from(String::from_utf8_lossy(&p).into_owned())
        })
        .collect()
}

/// Creates the SQLite database file owner-only before SQLite opens it: SQLite creates new
/// files 0644, and its `-wal` / `-shm` files take the database file's mode.
pub fn create_sqlite_file(database_url: &str) -> io::Result<()> {
    let Some(db) = sqlite_files(database_url).into_iter().next() else { return Ok(()) };
    if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir_all(parent)?;
    }
    match private_options().write(true).create_new(true).open(&db) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// What [`tighten`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tightened {
    pub checked: usize,
    pub fixed: usize,
    pub failed: usize,
}

/// Makes everything under `data_dir` (and `extra` files, e.g. a SQLite database kept
/// elsewhere) owner-only: directories 0700, files 0600, only where group or others had
/// any access. Symbolic links are not followed. Logs one line saying how many it fixed.
pub fn tighten(data_dir: &Path, extra: &[PathBuf]) -> Tightened {
    let mut t = Tightened::default();
    visit(data_dir, &mut t);
    for p in extra.iter().filter(|p| !p.starts_with(data_dir)) {
        if let Ok(meta) = std::fs::symlink_metadata(p) {
            fix(p, &meta, &mut t);
        }
    }
    tracing::info!(
        dir = %data_dir.display(),
        checked = t.checked,
        fixed = t.fixed,
        failed = t.failed,
        "data directory permissions checked: {} made owner-only",
        t.fixed
    );
    t
}

fn visit(path: &Path, t: &mut Tightened) {
    let Ok(meta) = std::fs::symlink_metadata(path) else { return };
    fix(path, &meta, t);
    if meta.is_dir()
        && let Ok(entries) = std::fs::read_dir(path)
    {
        for e in entries.flatten() {
            visit(&e.path(), t);
        }
    }
}

#[cfg(unix)]
fn fix(path: &Path, meta: &std::fs::Metadata, t: &mut Tightened) {
    use std::os::unix::fs::PermissionsExt;
    if meta.file_type().is_symlink() {
        return;
    }
    t.checked += 1;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 == 0 {
        return;
    }
    let want = if meta.is_dir() { 0o700 } else { 0o600 };
    match std::fs::set_permissions(path, std::fs::Permissions::from_mode(want)) {
        Ok(()) => t.fixed += 1,
        Err(e) => {
            t.failed += 1;
            tracing::warn!(path = %path.display(), mode = format!("{mode:o}"), error = %e, "cannot make owner-only");
        }
    }
}

#[cfg(not(unix))]
fn fix(_path: &Path, meta: &std::fs::Metadata, t: &mut Tightened) {
    // Access rights elsewhere are ACLs this code does not manage.
    if !meta.file_type().is_symlink() {
        t.checked += 1;
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    /// A fresh directory under the system temp dir, removed on drop.
    struct Tmp(PathBuf);

    impl Tmp {
        fn new() -> Self {
            let p = std::env::temp_dir().join(format!("logstead-files-{}", uuid::Uuid::new_v4()));
            std::fs::create_dir_all(&p).unwrap_or_else(|e| panic!("{e}"));
            Tmp(p)
        }
        fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Tmp {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn mode(p: &Path) -> u32 {
        std::fs::symlink_metadata(p).map(|m| m.permissions().mode() & 0o777).unwrap_or(0)
    }

    #[test]
    fn loose_modes_are_tightened_and_counted_once() {
        let root = Tmp::new();
        let dir = root.path().join("data");
        let set = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
        create_private_dir_all(&dir.join("sub")).unwrap_or_else(|e| panic!("{e}"));
        let loose = dir.join("sub/loose");
        let tight = dir.join("tight");
        std::fs::write(&loose, "x").unwrap_or_else(|e| panic!("{e}"));
        create_private(&tight).unwrap_or_else(|e| panic!("{e}"));
        set(&loose, 0o644).unwrap_or_else(|e| panic!("{e}"));
        set(&dir, 0o755).unwrap_or_else(|e| panic!("{e}"));
        let outside = root.path().join("db.sqlite");
        std::fs::write(&outside, "x").unwrap_or_else(|e| panic!("{e}"));
        set(&outside, 0o664).unwrap_or_else(|e| panic!("{e}"));
        let target = root.path().join("not-ours");
        std::fs::write(&target, "x").unwrap_or_else(|e| panic!("{e}"));
        set(&target, 0o644).unwrap_or_else(|e| panic!("{e}"));
        std::os::unix::fs::symlink(&target, dir.join("link")).unwrap_or_else(|e| panic!("{e}"));

        let t = tighten(&dir, std::slice::from_ref(&outside));
        assert_eq!(t, Tightened { checked: 5, fixed: 3, failed: 0 });
        assert_eq!((mode(&dir), mode(&dir.join("sub"))), (0o700, 0o700));
        assert_eq!((mode(&loose), mode(&tight), mode(&outside)), (0o600, 0o600, 0o600));
        assert_eq!(mode(&target), 0o644, "a symlink's target is not touched");
        assert_eq!(tighten(&dir, &[outside]).fixed, 0, "nothing left to fix");
    }

    #[test]
    fn sqlite_file_is_created_owner_only_and_kept() {
        let root = Tmp::new();
        let db = root.path().join("new/dir/x.db");
        let url = format!("sqlite://{}", db.display());
        create_sqlite_file(&url).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((mode(&db), mode(&root.path().join("new"))), (0o600, 0o700));
        std::fs::write(&db, "kept").unwrap_or_else(|e| panic!("{e}"));
        create_sqlite_file(&url).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read_to_string(&db).unwrap_or_default(), "kept");
        assert_eq!(sqlite_files(&url).len(), 3);
        assert!(sqlite_files("postgres://h/db").is_empty() && sqlite_files("sqlite://:memory:").is_empty());
    }

    #[test]
    fn atomic_writes_replace_the_content_owner_only() {
        let root = Tmp::new();
        let p = root.path().join("k");
        write_private_atomic(&p, "one").unwrap_or_else(|e| panic!("{e}"));
        write_private_atomic(&p, "two").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read_to_string(&p).unwrap_or_default(), "two");
        assert_eq!(mode(&p), 0o600);
        assert!(!root.path().join("k.tmp").exists());
    }
}
