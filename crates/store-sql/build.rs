//! Rebuild when a migration changes (`embed_migrations!` reads them at compile time but
//! cargo does not track those reads), and fingerprint them for the test template name.

use std::path::Path;

fn main() {
    // Read at run time: a compiled build script is reused across checkouts sharing a target
    // dir, and `env!` would pin it to the checkout that compiled it.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let dir = Path::new(&manifest).join("../../migrations");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    collect(&dir, &mut files);
    files.sort();
    // FNV-1a over relative paths and contents: stable across Rust versions.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for path in files {
        println!("cargo:rerun-if-changed={}", path.display());
        let rel = path.strip_prefix(&dir).unwrap_or(&path).to_string_lossy().into_owned();
        let content = std::fs::read(&path).unwrap_or_default();
        for b in rel.as_bytes().iter().chain(b"\0").chain(content.iter()).chain(b"\0") {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=LOGSTEAD_MIGRATIONS_FINGERPRINT={h:016x}");
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else {
            out.push(p);
        }
    }
}
