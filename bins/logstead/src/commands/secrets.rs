//! Secrets at rest: the pass sealing what an older release stored in plain text (run by
//! every command that opens the database), and `logstead secrets rotate-key`.

use std::path::Path;
use std::sync::Arc;

use store_sql::secrets::{SecretBox, SecretKey};
use store_sql::{DbPool, SqlStore};

use super::AnyError;
use crate::config::Config;
use crate::config::secrets_key::{old_key_path, read_key_file};
use crate::files::{sync_parent, write_private_atomic};

/// Seals plain-text secrets and checks that every sealed one opens with `secrets` (a server
/// given another server's database without its key stops here, naming the key). Returns
/// how many were sealed.
pub(super) fn seal_plain_secrets(pool: &DbPool, secrets: &Arc<SecretBox>) -> Result<usize, AnyError> {
    let report = SqlStore::with_secrets(pool.clone(), secrets.clone()).seal_secrets()?;
    if report.total() > 0 {
        tracing::info!(
            integrations = report.integrations,
            destinations = report.destinations,
            key_id = secrets.current().id(),
            "secrets stored in plain text are now encrypted"
        );
    }
    Ok(report.total())
}

/// Replaces the key file's key with a new one and re-encrypts every secret under it, in one
/// transaction. The previous key stays in `<key file>.old` until the database is done, and
/// servers read with both meanwhile; a run that stopped half-way is finished by the next.
pub fn rotate_secrets_key(config: &Config) -> Result<(), AnyError> {
    if config.secrets_key.is_some() {
        return Err("the secrets key is set by secrets_key (LOGSTEAD_SECRETS_KEY); `secrets rotate-key` \
                    rotates a key file: see \"Secrets at rest\" in docs/operations.md"
            .into());
    }
    refuse_if_serving(&config.data_dir)?;
    let pool = super::connect(config, 1)?;
    store_sql::migrate(&pool)?;
    let path = config.secrets_key_path();
    let old_path = old_key_path(&path);
    let current = read_key_file(&path)?.ok_or_else(|| {
        format!(
            "no secrets key at {}: nothing to rotate (the first `logstead serve` or `logstead migrate` creates it)",
            path.display()
        )
    })?;
    let reseal =
        |secrets: SecretBox| SqlStore::with_secrets(pool.clone(), Arc::new(secrets)).reseal_secrets();
    match read_key_file(&old_path)? {
        Some(old) => {
            reseal(SecretBox::new(current.clone()).with_previous(old))?;
            remove(&old_path)?;
            eprintln!("Finished an earlier rotation that had stopped half-way.");
        }
        // Nothing is changed unless every secret opens with the current key.
        None => {
            seal_plain_secrets(&pool, &Arc::new(SecretBox::new(current.clone())))?;
        }
    }

    let next = SecretKey::generate();
    write_private_atomic(&old_path, &format!("{}\n", current.to_base64()))?;
    write_private_atomic(&path, &format!("{}\n", next.to_base64()))?;
    let report = reseal(SecretBox::new(next.clone()).with_previous(current.clone())).map_err(|e| {
        format!("{e}; the previous key is kept in {}: run the command again to finish", old_path.display())
    })?;
    remove(&old_path)?;
    println!(
        "Secrets key rotated ({} -> {}): {} secret(s) re-encrypted; {} holds the new key.",
        current.id(),
        next.id(),
        report.total(),
        path.display()
    );
    println!(
        "Copy it to every other server sharing this database (or set their secrets_key) before starting them."
    );
    Ok(())
}

fn remove(path: &Path) -> Result<(), AnyError> {
    std::fs::remove_file(path)?;
    sync_parent(path)?;
    Ok(())
}

/// A server on this data dir holds the log store's lock; rotating under it would leave it
/// sealing new secrets with the old key.
fn refuse_if_serving(data_dir: &Path) -> Result<(), AnyError> {
    let lock = data_dir.join("logs").join("wal").join("LOCK");
    let Ok(f) = std::fs::OpenOptions::new().write(true).open(&lock) else { return Ok(()) };
    match f.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => Err(format!(
            "a server is running on {} (its log store is locked): stop every server before rotating the secrets key",
            data_dir.display()
        )
        .into()),
        Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
    }
}
