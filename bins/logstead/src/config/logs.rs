//! `[logs]`: the attribute keys `personId` / `sessionId` match in logs queries (PostHog's
//! team `logs_config`, server-wide here). `LOGSTEAD_LOGS_PERSON_ID_KEYS` and
//! `LOGSTEAD_LOGS_SESSION_ID_KEYS` (comma-separated) override the file. Also the log store's
//! query memory budget, `query_memory_mb` / `LOGSTEAD_LOGS_QUERY_MEMORY_MB`.

use logs_query::IdentityKeys;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogsFile {
    person_id_keys: Option<Vec<String>>,
    session_id_keys: Option<Vec<String>>,
    query_memory_mb: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct LogsSettings {
    pub identity_keys: IdentityKeys,
    /// Decoded data all running log queries may hold at once, in bytes.
    pub query_memory_bytes: usize,
}

impl Default for LogsSettings {
    fn default() -> Self {
        Self {
            identity_keys: IdentityKeys::default(),
            query_memory_bytes: log_store::DEFAULT_QUERY_MEMORY_BYTES,
        }
    }
}

/// Bounds of `query_memory_mb`: below 16 MiB one wide batch would not fit.
const QUERY_MEMORY_MB: std::ops::RangeInclusive<u64> = 16..=1 << 20;

impl LogsSettings {
    /// Environment, then file, then PostHog's defaults; each list 1–10 keys of 1–200 chars.
    pub fn resolve(file: LogsFile, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, String> {
        let list = |var: &str, from_file: Option<Vec<String>>, default: Vec<String>| {
            env(var)
                .map(|v| v.split(',').map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned).collect())
                .or(from_file)
                .unwrap_or(default)
        };
        let d = IdentityKeys::default();
        let keys = IdentityKeys {
            person: list("LOGSTEAD_LOGS_PERSON_ID_KEYS", file.person_id_keys, d.person),
            session: list("LOGSTEAD_LOGS_SESSION_ID_KEYS", file.session_id_keys, d.session),
        };
        IdentityKeys::check(&keys.person, "logs.person_id_keys")?;
        IdentityKeys::check(&keys.session, "logs.session_id_keys")?;
        let mb = match env("LOGSTEAD_LOGS_QUERY_MEMORY_MB") {
            Some(v) => Some(v.trim().parse::<u64>().map_err(|_| {
                format!("LOGSTEAD_LOGS_QUERY_MEMORY_MB must be a whole number of MiB, not {v:?}")
            })?),
            None => file.query_memory_mb,
        };
        let mb = mb.unwrap_or((log_store::DEFAULT_QUERY_MEMORY_BYTES >> 20) as u64);
        if !QUERY_MEMORY_MB.contains(&mb) {
            return Err(format!(
                "logs.query_memory_mb must be between {} and {}, not {mb}",
                QUERY_MEMORY_MB.start(),
                QUERY_MEMORY_MB.end()
            ));
        }
        Ok(Self { identity_keys: keys, query_memory_bytes: (mb as usize) << 20 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(toml_text: &str, env: &[(&str, &str)]) -> Result<IdentityKeys, String> {
        let file: LogsFile = toml::from_str(toml_text).map_err(|e| e.to_string())?;
        let lookup = |k: &str| env.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned());
        LogsSettings::resolve(file, &lookup).map(|s| s.identity_keys)
    }

    #[test]
    fn defaults_file_and_environment() {
        assert_eq!(resolve("", &[]), Ok(IdentityKeys::default()));
        let keys = resolve("person_id_keys = [\"user.id\", \"uid\"]", &[]).unwrap_or_default();
        assert_eq!(keys.person, ["user.id", "uid"]);
        assert_eq!(keys.session, IdentityKeys::default().session);
        let keys = resolve(
            "person_id_keys = [\"a\"]",
            &[("LOGSTEAD_LOGS_PERSON_ID_KEYS", "b, c"), ("LOGSTEAD_LOGS_SESSION_ID_KEYS", "sid")],
        )
        .unwrap_or_default();
        assert_eq!((keys.person, keys.session), (vec!["b".into(), "c".into()], vec!["sid".to_owned()]));
    }

    #[test]
    fn query_memory_budget_from_file_and_environment() {
        let budget = |toml_text: &str, env: &[(&str, &str)]| {
            let file: LogsFile = toml::from_str(toml_text).map_err(|e| e.to_string())?;
            let lookup = |k: &str| env.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned());
            LogsSettings::resolve(file, &lookup).map(|s| s.query_memory_bytes)
        };
        assert_eq!(budget("", &[]), Ok(512 << 20));
        assert_eq!(budget("query_memory_mb = 64", &[]), Ok(64 << 20));
        assert_eq!(
            budget("query_memory_mb = 64", &[("LOGSTEAD_LOGS_QUERY_MEMORY_MB", "128")]),
            Ok(128 << 20)
        );
        assert!(budget("query_memory_mb = 1", &[]).is_err_and(|e| e.contains("query_memory_mb")));
        assert!(budget("", &[("LOGSTEAD_LOGS_QUERY_MEMORY_MB", "lots")]).is_err_and(|e| e.contains("lots")));
    }

    #[test]
    fn bad_lists_are_named() {
        assert!(resolve("person_id_keys = []", &[]).is_err_and(|e| e.contains("logs.person_id_keys")));
        let long = format!("session_id_keys = [\"{}\"]", "k".repeat(201));
        assert!(resolve(&long, &[]).is_err_and(|e| e.contains("logs.session_id_keys")));
        assert!(resolve("colour = 1", &[]).is_err(), "unknown keys are refused");
    }
}
