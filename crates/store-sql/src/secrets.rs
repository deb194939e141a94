//! Secrets at rest: XChaCha20-Poly1305 over the secret columns (Slack bot tokens, webhook
//! signing secrets), so a copy of the database alone does not reveal them.
//!
//! A stored value is `enc:v1:<key id>:<base64(nonce || ciphertext)>` with a random 24-byte
//! nonce per value; the column name is the associated data, so a value cannot be moved to
//! another column unnoticed. Values without the `enc:` prefix are legacy plain text: they
//! are still read, and encrypted by [`crate::SqlStore::seal_secrets`].

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::Aead;
use chacha20poly1305::aead::Payload;
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

const PREFIX: &str = "enc:";
const V1: &str = "enc:v1:";
const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("the secrets key must be 32 bytes in standard base64 (44 characters): {0}")]
    BadKey(String),
    #[error(
        "a secret in {column} is encrypted with key {key_id}, which this server does not have \
         (its key is {current}); use the secrets key of the server that wrote it"
    )]
    UnknownKey { column: String, key_id: String, current: String },
    #[error("a secret in {column} is encrypted but this store has no secrets key")]
    NoKey { column: String },
    #[error("a secret in {column} cannot be decrypted: {reason}")]
    Corrupt { column: String, reason: String },
}

/// One 256-bit key and its id (derived from the key, so it needs no storage of its own).
#[derive(Clone)]
pub struct SecretKey {
    id: String,
    bytes: [u8; KEY_LEN],
}

impl std::fmt::Debug for SecretKey {
    // Never print the key itself.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKey").field("id", &self.id).finish_non_exhaustive()
    }
}

impl SecretKey {
    /// 32 bytes from the operating system's generator (through `rand`'s thread RNG).
    pub fn generate() -> Self {
        let mut bytes = [0u8; KEY_LEN];
        rand::rng().fill_bytes(&mut bytes);
        Self::from_bytes(bytes)
    }

    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        let digest = Sha256::new().chain_update(b"logstead secrets key id\0").chain_update(bytes).finalize();
        let id = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        Self { id, bytes }
    }

    /// The key file's (or setting's) form: standard base64, surrounding whitespace ignored.
    pub fn from_base64(text: &str) -> Result<Self, SecretError> {
        let raw = STANDARD.decode(text.trim()).map_err(|e| SecretError::BadKey(e.to_string()))?;
        let bytes: [u8; KEY_LEN] =
            raw.try_into().map_err(|v: Vec<u8>| SecretError::BadKey(format!("{} bytes", v.len())))?;
        Ok(Self::from_bytes(bytes))
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.bytes)
    }

    /// Eight hex digits naming the key in stored values.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.bytes.into())
    }
}

/// The key new values are sealed with, plus older keys still accepted for reading (an
/// interrupted rotation leaves values under the previous key).
#[derive(Debug, Clone)]
pub struct SecretBox {
    current: SecretKey,
    previous: Vec<SecretKey>,
}

impl SecretBox {
    pub fn new(current: SecretKey) -> Self {
        Self { current, previous: Vec::new() }
    }

    /// Also reads values sealed with `key`.
    pub fn with_previous(mut self, key: SecretKey) -> Self {
        if key.id != self.current.id && self.previous.iter().all(|k| k.id != key.id) {
            self.previous.push(key);
        }
        self
    }

    pub fn current(&self) -> &SecretKey {
        &self.current
    }

    /// Seals `plain` for `column` (e.g. `"integrations.sensitive_config"`).
    pub fn seal(&self, column: &str, plain: &str) -> Result<String, SecretError> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let payload = Payload { msg: plain.as_bytes(), aad: column.as_bytes() };
        let sealed = self.current.cipher().encrypt(&XNonce::from(nonce), payload).map_err(|_| {
            SecretError::Corrupt { column: column.into(), reason: "encryption failed".into() }
        })?;
        let mut raw = Vec::with_capacity(NONCE_LEN + sealed.len());
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&sealed);
        Ok(format!("{V1}{}:{}", self.current.id, URL_SAFE_NO_PAD.encode(raw)))
    }

    /// The plain text of a stored value: sealed ones are decrypted, legacy plain ones
    /// returned as they are.
    pub fn open(&self, column: &str, stored: &str) -> Result<String, SecretError> {
        let Some((key_id, body)) = parse(column, stored)? else {
            return Ok(stored.to_owned());
        };
        let corrupt = |reason: &str| SecretError::Corrupt { column: column.into(), reason: reason.into() };
        let key = std::iter::once(&self.current).chain(&self.previous).find(|k| k.id == key_id).ok_or_else(
            || SecretError::UnknownKey {
                column: column.into(),
                key_id: key_id.into(),
                current: self.current.id.clone(),
            },
        )?;
        let raw = URL_SAFE_NO_PAD.decode(body).map_err(|_| corrupt("not base64"))?;
        if raw.len() < NONCE_LEN + 16 {
            return Err(corrupt("too short"));
        }
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| corrupt("bad nonce"))?;
        let plain = key
            .cipher()
            .decrypt(&XNonce::from(nonce), Payload { msg: sealed, aad: column.as_bytes() })
            .map_err(|_| corrupt("authentication failed (wrong key, or the value was altered)"))?;
        String::from_utf8(plain).map_err(|_| corrupt("not UTF-8"))
    }

    /// Whether `stored` is sealed with the current key (nothing to do on rotation).
    pub fn is_current(&self, stored: &str) -> bool {
        stored.strip_prefix(V1).and_then(|r| r.split_once(':')).is_some_and(|(id, _)| id == self.current.id)
    }
}

/// Whether a stored value is sealed (has the `enc:` prefix).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// `None` for legacy plain text, else the key id and the encoded body.
fn parse<'a>(column: &str, stored: &'a str) -> Result<Option<(&'a str, &'a str)>, SecretError> {
    if !is_sealed(stored) {
        return Ok(None);
    }
    stored
        .strip_prefix(V1)
        .and_then(|rest| rest.split_once(':'))
        .map(Some)
        .ok_or_else(|| SecretError::Corrupt { column: column.into(), reason: "unknown format".into() })
}

/// Seals with `secrets`, or keeps the value as it is for a store without a key.
pub(crate) fn seal_with(
    secrets: Option<&SecretBox>,
    column: &str,
    plain: &str,
) -> Result<String, SecretError> {
    match secrets {
        Some(b) => b.seal(column, plain),
        None => Ok(plain.to_owned()),
    }
}

/// Opens with `secrets`; a store without a key reads only plain text.
pub(crate) fn open_with(
    secrets: Option<&SecretBox>,
    column: &str,
    stored: &str,
) -> Result<String, SecretError> {
    match secrets {
        Some(b) => b.open(column, stored),
        None if is_sealed(stored) => Err(SecretError::NoKey { column: column.into() }),
        None => Ok(stored.to_owned()),
    }
}

#[cfg(test)]
#[path = "secrets_tests.rs"]
mod tests;
