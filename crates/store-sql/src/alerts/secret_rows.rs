//! The secret columns of this module's tables (`integrations.sensitive_config`, the Slack
//! bot token; `logs_alert_destinations.signing_secret`), sealed with the store's key, and
//! the passes that seal legacy plain values and re-seal under a new key.

use alerts_engine::repo::AlertRepoError;
use diesel::prelude::*;

use super::{Fail, TxResult};
use crate::StoreError;
use crate::db::AnyConnection;
use crate::schema::{integrations as ig, logs_alert_destinations as ds};
use crate::secrets::{SecretBox, SecretError, is_sealed, open_with, seal_with};
use crate::store::SqlStore;

pub(crate) const SENSITIVE_CONFIG: &str = "integrations.sensitive_config";
pub(crate) const SIGNING_SECRET: &str = "logs_alert_destinations.signing_secret";

fn storage(e: SecretError) -> AlertRepoError {
    AlertRepoError::Storage(e.to_string())
}

pub(crate) fn seal_secret(
    secrets: Option<&SecretBox>,
    column: &str,
    plain: &str,
) -> Result<String, AlertRepoError> {
    seal_with(secrets, column, plain).map_err(storage)
}

pub(crate) fn open_secret(
    secrets: Option<&SecretBox>,
    column: &str,
    stored: &str,
) -> Result<String, AlertRepoError> {
    open_with(secrets, column, stored).map_err(storage)
}

/// How many stored values a pass rewrote, per table.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SealReport {
    pub integrations: usize,
    pub destinations: usize,
}

impl SealReport {
    pub fn total(&self) -> usize {
        self.integrations + self.destinations
    }
}

impl SqlStore {
    /// Seals every secret still stored in plain text (rows written before secrets were
    /// encrypted) and checks that every sealed one opens with this store's keys, in one
    /// transaction. Idempotent: a second run rewrites nothing.
    pub fn seal_secrets(&self) -> Result<SealReport, StoreError> {
        self.rewrite_secrets(false)
    }

    /// Re-seals every secret not sealed with the current key (key rotation), in one
    /// transaction; values under a previous key of the box are read with it.
    pub fn reseal_secrets(&self) -> Result<SealReport, StoreError> {
        self.rewrite_secrets(true)
    }

    fn rewrite_secrets(&self, not_current: bool) -> Result<SealReport, StoreError> {
        let secrets =
            self.secrets().ok_or_else(|| StoreError::Secrets("this store has no secrets key".into()))?;
        self.alerts_tx(|c| {
            Ok(SealReport {
                integrations: rewrite_integrations(c, secrets, not_current)?,
                destinations: rewrite_destinations(c, secrets, not_current)?,
            })
        })
        .map_err(|e| StoreError::Secrets(e.to_string()))
    }
}

/// The sealed form `stored` should be rewritten to, if any. Every value is opened first, so
/// a value under an unknown key fails the pass (and the start) with the key's id.
fn resealed(secrets: &SecretBox, column: &str, stored: &str, not_current: bool) -> TxResult<Option<String>> {
    let plain = secrets.open(column, stored).map_err(|e| Fail(storage(e)))?;
    let rewrite = if not_current { !secrets.is_current(stored) } else { !is_sealed(stored) };
    if !rewrite {
        return Ok(None);
    }
    Ok(Some(secrets.seal(column, &plain).map_err(|e| Fail(storage(e)))?))
}

// Each UPDATE also matches the value read, so a server starting at the same time that
// sealed the row first is not overwritten (both would be valid; this keeps counts honest).

fn rewrite_integrations(c: &mut AnyConnection, secrets: &SecretBox, not_current: bool) -> TxResult<usize> {
    let rows: Vec<(i64, String)> =
        ig::table.select((ig::id, ig::sensitive_config)).order_by(ig::id).load(c)?;
    let mut n = 0;
    for (id, stored) in rows {
        if let Some(sealed) = resealed(secrets, SENSITIVE_CONFIG, &stored, not_current)? {
            n += diesel::update(ig::table.filter(ig::id.eq(id)).filter(ig::sensitive_config.eq(&stored)))
                .set(ig::sensitive_config.eq(sealed))
                .execute(c)?;
        }
    }
    Ok(n)
}

fn rewrite_destinations(c: &mut AnyConnection, secrets: &SecretBox, not_current: bool) -> TxResult<usize> {
    // Soft-deleted rows too: a secret is at rest until the row is gone.
    let rows: Vec<(String, Option<String>)> =
        ds::table.select((ds::id, ds::signing_secret)).filter(ds::signing_secret.is_not_null()).load(c)?;
    let mut n = 0;
    for (id, stored) in rows {
        let Some(stored) = stored else { continue };
        if let Some(sealed) = resealed(secrets, SIGNING_SECRET, &stored, not_current)? {
            n += diesel::update(ds::table.filter(ds::id.eq(&id)).filter(ds::signing_secret.eq(&stored)))
                .set(ds::signing_secret.eq(Some(sealed)))
                .execute(c)?;
        }
    }
    Ok(n)
}
