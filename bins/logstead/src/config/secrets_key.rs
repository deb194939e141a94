//! The key sealing secrets at rest (Slack bot tokens, webhook signing secrets): the
//! `secrets_key` setting, else the file `secrets_key_file` (default `<data_dir>/secrets-key`,
//! created 0600 on first use like `jwt-secret`). A `<file>.old` left by an unfinished
//! rotation is still accepted for reading.

use std::path::{Path, PathBuf};

use store_sql::secrets::{SecretBox, SecretKey};

use super::{Config, ConfigError};

const KEY_FILE: &str = "secrets-key";

/// `<path>.old`: the previous key while a rotation runs.
pub fn old_key_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".old");
    PathBuf::from(p)
}

/// The key in `path`, `None` if there is no such file.
pub fn read_key_file(path: &Path) -> Result<Option<SecretKey>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => SecretKey::from_base64(&text)
            .map(Some)
            .map_err(|e| ConfigError::Invalid(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ConfigError::DataDir(path.to_owned(), e)),
    }
}

impl Config {
    /// Where the key is kept when it is not given as a value.
    pub fn secrets_key_path(&self) -> PathBuf {
        self.secrets_key_file.clone().unwrap_or_else(|| self.data_dir.join(KEY_FILE))
    }

    /// The configured key, else the key file's (generated on first use).
    pub fn secrets(&self) -> Result<SecretBox, ConfigError> {
        if let Some(value) = &self.secrets_key {
            return SecretKey::from_base64(value)
                .map(SecretBox::new)
                .map_err(|e| ConfigError::Invalid(format!("secrets_key: {e}")));
        }
        let path = self.secrets_key_path();
        let current = match read_key_file(&path)? {
            Some(k) => k,
            None => {
                write_new_key(&path, &SecretKey::generate())?;
                let k = read_key_file(&path)?.ok_or_else(|| {
                    ConfigError::Invalid(format!("{} vanished after it was created", path.display()))
                })?;
                tracing::info!(path = %path.display(), key_id = k.id(), "secrets key created");
                k
            }
        };
        let mut secrets = SecretBox::new(current);
        if let Some(old) = read_key_file(&old_key_path(&path))? {
            secrets = secrets.with_previous(old);
        }
        Ok(secrets)
    }
}

/// A new key file, owner-only; never overwrites one (two processes starting together keep
/// the first key: the loser reads it back).
fn write_new_key(path: &Path, key: &SecretKey) -> Result<(), ConfigError> {
    use std::io::Write;
    let err = |e| ConfigError::DataDir(path.to_owned(), e);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::files::create_private_dir_all(dir).map_err(err)?;
    }
    let mut f = match crate::files::private_options().write(true).create_new(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
        Err(e) => return Err(err(e)),
    };
    f.write_all(format!("{}\n", key.to_base64()).as_bytes()).map_err(err)?;
    f.sync_all().map_err(err)?;
    crate::files::sync_parent(path).map_err(err)
}

/// `secrets_key`, when set, must be a key.
pub fn check_value(value: Option<&str>) -> Result<(), ConfigError> {
    match value {
        Some(v) => SecretKey::from_base64(v)
            .map(|_| ())
            .map_err(|e| ConfigError::Invalid(format!("secrets_key: {e}"))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::ConfigArgs;

    fn config(dir: &Path, value: Option<String>) -> Config {
        let args = ConfigArgs { data_dir: Some(dir.to_owned()), secrets_key: value, ..Default::default() };
        Config::load(&args).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_key_file_is_created_once_and_an_old_key_still_reads() {
        let dir = std::env::temp_dir().join(format!("logstead-skey-{}", uuid::Uuid::new_v4()));
        let c = config(&dir, None);
        let first = c.secrets().unwrap_or_else(|e| panic!("{e}"));
        let again = c.secrets().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first.current().id(), again.current().id(), "kept, not regenerated");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(KEY_FILE)).map(|m| m.permissions().mode() & 0o777);
            assert_eq!(mode.ok(), Some(0o600));
        }
        let old = SecretKey::generate();
        std::fs::write(old_key_path(&c.secrets_key_path()), old.to_base64()).unwrap_or_default();
        let sealed = SecretBox::new(old).seal("c", "v").unwrap_or_default();
        let with_old = c.secrets().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(with_old.open("c", &sealed).ok().as_deref(), Some("v"));

        std::fs::write(dir.join(KEY_FILE), "garbage").unwrap_or_default();
        let err = c.secrets().map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("secrets-key") && err.contains("base64"), "{err}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_configured_value_wins_and_must_be_a_key() {
        let dir = std::env::temp_dir().join(format!("logstead-skey-{}", uuid::Uuid::new_v4()));
        let key = SecretKey::generate();
        let c = config(&dir, Some(key.to_base64()));
        assert_eq!(c.secrets().map(|b| b.current().id().to_string()).ok().as_deref(), Some(key.id()));
        assert!(!dir.join(KEY_FILE).exists(), "no file when the key is given");
        let args = ConfigArgs { secrets_key: Some("short".into()), ..Default::default() };
        assert!(matches!(Config::load(&args), Err(ConfigError::Invalid(m)) if m.starts_with("secrets_key")));
    }
}
