//! `[approvals]`: the availability switch of the approval gate (spec platform.md §4.5 step
//! 1; PostHog's licence feature, a setting here) and how often the expiry and staleness
//! jobs run. `LOGSTEAD_APPROVALS_ENABLED` (true/false) overrides the file.

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalsFile {
    enabled: Option<bool>,
    job_every_secs: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalsSettings {
    /// Off: every gated write goes through as if no policy existed.
    pub enabled: bool,
    /// Each job (expiry, staleness) runs once per this many seconds across all servers.
    pub job_every_secs: u64,
}

impl Default for ApprovalsSettings {
    fn default() -> Self {
        Self { enabled: true, job_every_secs: 300 }
    }
}

impl ApprovalsSettings {
    pub fn resolve(file: ApprovalsFile, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, String> {
        let d = Self::default();
        let enabled = match env("LOGSTEAD_APPROVALS_ENABLED").as_deref().map(str::trim) {
            None => file.enabled.unwrap_or(d.enabled),
            Some("true" | "1") => true,
            Some("false" | "0") => false,
            Some(other) => {
                return Err(format!("LOGSTEAD_APPROVALS_ENABLED must be true or false, not {other:?}"));
            }
        };
        let job_every_secs = file.job_every_secs.unwrap_or(d.job_every_secs);
        if !(1..=86_400).contains(&job_every_secs) {
            return Err("approvals.job_every_secs must be between 1 and 86400".into());
        }
        Ok(Self { enabled, job_every_secs })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_by_default_and_switchable() {
        let none = |_: &str| None;
        assert_eq!(
            ApprovalsSettings::resolve(ApprovalsFile::default(), &none),
            Ok(ApprovalsSettings::default())
        );
        let file = ApprovalsFile { enabled: Some(false), job_every_secs: Some(60) };
        let s = ApprovalsSettings::resolve(file, &none).unwrap_or_default();
        assert_eq!((s.enabled, s.job_every_secs), (false, 60));
        let env = |k: &str| (k == "LOGSTEAD_APPROVALS_ENABLED").then(|| "true".to_string());
        let file = ApprovalsFile { enabled: Some(false), job_every_secs: None };
        assert!(ApprovalsSettings::resolve(file, &env).is_ok_and(|s| s.enabled));
        let bad = |_: &str| Some("maybe".to_string());
        assert!(ApprovalsSettings::resolve(ApprovalsFile::default(), &bad).is_err());
        let zero = ApprovalsFile { enabled: None, job_every_secs: Some(0) };
        assert!(ApprovalsSettings::resolve(zero, &none).is_err());
    }
}
