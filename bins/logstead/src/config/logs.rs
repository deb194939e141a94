//! `[logs]`: the attribute keys `personId` / `sessionId` match in logs queries (PostHog's
//! team `logs_config`, server-wide here). `LOGSTEAD_LOGS_PERSON_ID_KEYS` and
//! `LOGSTEAD_LOGS_SESSION_ID_KEYS` (comma-separated) override the file.

use logs_query::IdentityKeys;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogsFile {
    person_id_keys: Option<Vec<String>>,
    session_id_keys: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct LogsSettings {
    pub identity_keys: IdentityKeys,
}

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
        Ok(Self { identity_keys: keys })
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
    fn bad_lists_are_named() {
        assert!(resolve("person_id_keys = []", &[]).is_err_and(|e| e.contains("logs.person_id_keys")));
        let long = format!("session_id_keys = [\"{}\"]", "k".repeat(201));
        assert!(resolve(&long, &[]).is_err_and(|e| e.contains("logs.session_id_keys")));
        assert!(resolve("colour = 1", &[]).is_err(), "unknown keys are refused");
    }
}
