//! Typed configuration, validated once at start.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use rand::Rng;
use rand::distr::Alphanumeric;
use serde::Deserialize;

use crate::cli::ConfigArgs;

mod approvals;
mod login;
mod logs;
pub mod secrets_key;
pub use approvals::ApprovalsSettings;
pub use login::LoginSettings;
pub use logs::LogsSettings;

const SECRET_FILE: &str = "jwt-secret";
/// 24 h, PostHog's window; the largest is 100 years.
const DEFAULT_TIMESTAMP_SKEW_SECS: u64 = 86_400;
const MAX_TIMESTAMP_SKEW_SECS: u64 = 100 * 365 * 86_400;

/// The file form: the same keys as the flags, snake_case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    bind: Option<String>,
    site_url: Option<String>,
    jwt_secret: Option<String>,
    secrets_key: Option<String>,
    secrets_key_file: Option<PathBuf>,
    session_ttl_secs: Option<i64>,
    max_body_bytes: Option<usize>,
    max_ingest_bytes: Option<usize>,
    max_timestamp_skew_secs: Option<u64>,
    db_pool_size: Option<u32>,
    workers: Option<usize>,
    max_alerts_per_project: Option<usize>,
    alert_tick_secs: Option<u64>,
    slack_api_url: Option<String>,
    delivery_max_attempts: Option<u32>,
    delivery_backoff_secs: Option<u64>,
    allow_http_webhooks: Option<bool>,
    allow_private_webhook_targets: Option<bool>,
    login_max_failures_per_account: Option<u32>,
    login_max_failures_per_ip: Option<u32>,
    login_window_secs: Option<u64>,
    trust_x_forwarded_for: Option<bool>,
    api_only: Option<bool>,
    logs: Option<logs::LogsFile>,
    explain: Option<crate::explain::ExplainFile>,
    approvals: Option<approvals::ApprovalsFile>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub bind: SocketAddr,
    pub site_url: String,
    /// None: read or create the secret file in the data dir.
    pub jwt_secret: Option<String>,
    /// The key sealing secrets at rest (base64); None: the key file (`secrets_key.rs`).
    pub secrets_key: Option<String>,
    /// Where that key is kept (default `<data_dir>/secrets-key`).
    pub secrets_key_file: Option<PathBuf>,
    pub session_ttl_secs: i64,
    pub max_body_bytes: usize,
    pub max_ingest_bytes: usize,
    /// A record timestamp further than this from the receive time is replaced by it.
    pub max_timestamp_skew_secs: u64,
    pub db_pool_size: u32,
    pub workers: usize,
    pub alerts: AlertSettings,
    /// `[logs]`: the keys `personId` / `sessionId` match.
    pub logs: LogsSettings,
    /// explainLogWithAI's provider (`[explain]`, `LOGSTEAD_EXPLAIN_*`).
    pub explain: crate::explain::ExplainSettings,
    /// `[approvals]`: the gate's availability switch and the jobs' period.
    pub approvals: ApprovalsSettings,
    /// Login throttle limits and the client address source.
    pub login: LoginSettings,
    /// Serve the API without a log store (log routes answer 503), beside the one server
    /// that serves the embedded log store on this database.
    pub api_only: bool,
}

/// Log alert scheduling and notification delivery.
#[derive(Debug, Clone)]
pub struct AlertSettings {
    pub max_alerts_per_project: usize,
    pub tick_secs: u64,
    /// Without a trailing slash, e.g. `https://slack.com/api`.
    pub slack_api_url: String,
    pub delivery_max_attempts: u32,
    pub delivery_backoff_secs: u64,
    /// Accept `http://` webhook URLs (tests, private networks); PostHog requires https.
    pub allow_http_webhooks: bool,
    /// Let webhooks reach loopback, private, link-local and metadata addresses (tests,
    /// on-premise receivers); refused by default (SSRF).
    pub allow_private_webhook_targets: bool,
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            max_alerts_per_project: alerts_engine::config::DEFAULT_MAX_ALERTS,
            tick_secs: 60,
            slack_api_url: "https://slack.com/api".into(),
            delivery_max_attempts: 6,
            delivery_backoff_secs: 30,
            allow_http_webhooks: false,
            allow_private_webhook_targets: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("config file {0} is not valid: {1}")]
    Parse(PathBuf, String),
    #[error("{0}")]
    Invalid(String),
    #[error("data directory {0}: {1}")]
    DataDir(PathBuf, std::io::Error),
}

impl Config {
    /// How ingested records are mapped (the timestamp skew window).
    pub fn ingest_options(&self) -> logs_ingest::MapOptions {
        let secs = i64::try_from(self.max_timestamp_skew_secs).unwrap_or(i64::MAX / 1_000_000);
        logs_ingest::MapOptions { max_timestamp_skew_us: secs.saturating_mul(1_000_000) }
    }

    pub fn load(args: &ConfigArgs) -> Result<Self, ConfigError> {
        let file = match &args.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read(path.clone(), e))?;
                toml::from_str::<FileConfig>(&text)
                    .map_err(|e| ConfigError::Parse(path.clone(), e.to_string()))?
            }
            None => FileConfig::default(),
        };
        let data_dir =
            args.data_dir.clone().or(file.data_dir).unwrap_or_else(|| PathBuf::from("./logstead-data"));
        let database_url = args
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("logstead.db").display()));
        let bind_text = args.bind.clone().or(file.bind).unwrap_or_else(|| "127.0.0.1:8000".into());
        let bind: SocketAddr = bind_text.parse().map_err(|_| {
            ConfigError::Invalid(format!("bind: \"{bind_text}\" is not an address like 127.0.0.1:8000"))
        })?;
        let site_url = args.site_url.clone().or(file.site_url).unwrap_or_else(|| format!("http://{bind}"));
        let config = Config {
            data_dir,
            database_url,
            bind,
            site_url: site_url.trim_end_matches('/').to_string(),
            jwt_secret: args.jwt_secret.clone().or(file.jwt_secret),
            secrets_key: args.secrets_key.clone().or(file.secrets_key),
            secrets_key_file: args.secrets_key_file.clone().or(file.secrets_key_file),
            session_ttl_secs: args.session_ttl_secs.or(file.session_ttl_secs).unwrap_or(14 * 24 * 3600),
            max_body_bytes: args.max_body_bytes.or(file.max_body_bytes).unwrap_or(1 << 20),
            max_ingest_bytes: args.max_ingest_bytes.or(file.max_ingest_bytes).unwrap_or(32 << 20),
            max_timestamp_skew_secs: args
                .max_timestamp_skew_secs
                .or(file.max_timestamp_skew_secs)
                .unwrap_or(DEFAULT_TIMESTAMP_SKEW_SECS),
            db_pool_size: args.db_pool_size.or(file.db_pool_size).unwrap_or(10),
            workers: args
                .workers
                .or(file.workers)
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
            alerts: {
                let d = AlertSettings::default();
                AlertSettings {
                    max_alerts_per_project: args
                        .max_alerts_per_project
                        .or(file.max_alerts_per_project)
                        .unwrap_or(d.max_alerts_per_project),
                    tick_secs: args.alert_tick_secs.or(file.alert_tick_secs).unwrap_or(d.tick_secs),
                    slack_api_url: args
                        .slack_api_url
                        .clone()
                        .or(file.slack_api_url)
                        .map_or(d.slack_api_url, |u| u.trim_end_matches('/').to_string()),
                    delivery_max_attempts: args
                        .delivery_max_attempts
                        .or(file.delivery_max_attempts)
                        .unwrap_or(d.delivery_max_attempts),
                    delivery_backoff_secs: args
                        .delivery_backoff_secs
                        .or(file.delivery_backoff_secs)
                        .unwrap_or(d.delivery_backoff_secs),
                    allow_http_webhooks: args.allow_http_webhooks
                        || file.allow_http_webhooks.unwrap_or(d.allow_http_webhooks),
                    allow_private_webhook_targets: args.allow_private_webhook_targets
                        || file.allow_private_webhook_targets.unwrap_or(d.allow_private_webhook_targets),
                }
            },
            login: LoginSettings::resolve(login::LoginSources {
                max_failures_per_account: [
                    args.login_max_failures_per_account,
                    file.login_max_failures_per_account,
                ],
                max_failures_per_ip: [args.login_max_failures_per_ip, file.login_max_failures_per_ip],
                window_secs: [args.login_window_secs, file.login_window_secs],
                trust_x_forwarded_for: [
                    args.trust_x_forwarded_for,
                    file.trust_x_forwarded_for.unwrap_or(false),
                ],
            }),
            api_only: args.api_only || file.api_only.unwrap_or(false),
            logs: LogsSettings::resolve(file.logs.unwrap_or_default(), &|k| std::env::var(k).ok())
                .map_err(ConfigError::Invalid)?,
            explain: crate::explain::ExplainSettings::resolve(file.explain.unwrap_or_default(), &|k| {
                std::env::var(k).ok()
            })
            .map_err(ConfigError::Invalid)?,
            approvals: ApprovalsSettings::resolve(file.approvals.unwrap_or_default(), &|k| {
                std::env::var(k).ok()
            })
            .map_err(ConfigError::Invalid)?,
        };
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: &str| Err(ConfigError::Invalid(m.to_string()));
        let url = &self.database_url;
        if !(url.starts_with("sqlite://")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return bad("database_url must start with sqlite://, postgres:// or postgresql://");
        }
        if !(60..=366 * 24 * 3600).contains(&self.session_ttl_secs) {
            return bad("session_ttl_secs must be between 60 and one year");
        }
        if !(1024..=1 << 30).contains(&self.max_body_bytes) {
            return bad("max_body_bytes must be between 1 KiB and 1 GiB");
        }
        if !(1024..=1 << 31).contains(&self.max_ingest_bytes) {
            return bad("max_ingest_bytes must be between 1 KiB and 2 GiB");
        }
        if !(60..=MAX_TIMESTAMP_SKEW_SECS).contains(&self.max_timestamp_skew_secs) {
            return bad("max_timestamp_skew_secs must be between 60 and 3153600000 (100 years)");
        }
        if !(1..=500).contains(&self.db_pool_size) {
            return bad("db_pool_size must be between 1 and 500");
        }
        if !(1..=256).contains(&self.workers) {
            return bad("workers must be between 1 and 256");
        }
        if !(self.site_url.starts_with("http://") || self.site_url.starts_with("https://")) {
            return bad("site_url must start with http:// or https://");
        }
        let a = &self.alerts;
        if !(1..=10_000).contains(&a.max_alerts_per_project) {
            return bad("max_alerts_per_project must be between 1 and 10000");
        }
        if !(1..=3600).contains(&a.tick_secs) {
            return bad("alert_tick_secs must be between 1 and 3600");
        }
        if !(a.slack_api_url.starts_with("http://") || a.slack_api_url.starts_with("https://")) {
            return bad("slack_api_url must start with http:// or https://");
        }
        if !(1..=50).contains(&a.delivery_max_attempts) {
            return bad("delivery_max_attempts must be between 1 and 50");
        }
        if !(1..=86_400).contains(&a.delivery_backoff_secs) {
            return bad("delivery_backoff_secs must be between 1 and 86400");
        }
        if let Some(s) = &self.jwt_secret
            && s.len() < 32
        {
            return bad("jwt_secret must be at least 32 characters");
        }
        secrets_key::check_value(self.secrets_key.as_deref())?;
        self.login.check().map_err(|m| ConfigError::Invalid(m.to_string()))?;
        Ok(())
    }

    /// Creates the data dir if needed, owner-only (0700).
    pub fn ensure_data_dir(&self) -> Result<(), ConfigError> {
        crate::files::create_private_dir_all(&self.data_dir)
            .map_err(|e| ConfigError::DataDir(self.data_dir.clone(), e))
    }

    /// The configured secret, else the one kept in the data dir (created on first start,
    /// readable by the owner only).
    pub fn jwt_secret(&self) -> Result<Vec<u8>, ConfigError> {
        if let Some(s) = &self.jwt_secret {
            return Ok(s.as_bytes().to_vec());
        }
        let path = self.data_dir.join(SECRET_FILE);
        let err = |e| ConfigError::DataDir(path.clone(), e);
        match std::fs::read_to_string(&path) {
            Ok(s) if s.trim().len() >= 32 => Ok(s.trim().as_bytes().to_vec()),
            Ok(_) => Err(ConfigError::Invalid(format!("{} is shorter than 32 characters", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let secret: String =
                    rand::rng().sample_iter(&Alphanumeric).take(64).map(char::from).collect();
                write_private(&path, &secret).map_err(err)?;
                Ok(secret.into_bytes())
            }
            Err(e) => Err(err(e)),
        }
    }
}

fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(content.as_bytes())?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_embedded_setup() {
        let c = Config::load(&ConfigArgs::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.bind.to_string(), "127.0.0.1:8000");
        assert_eq!(c.data_dir, PathBuf::from("./logstead-data"));
        assert!(c.database_url.starts_with("sqlite://") && c.database_url.ends_with("logstead.db"));
    }

    #[test]
    fn flags_beat_the_file_and_bad_values_are_named() {
        let dir = std::env::temp_dir().join(format!("logstead-cfg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let file = dir.join("c.toml");
        std::fs::write(&file, "bind = \"0.0.0.0:9000\"\ndb_pool_size = 3\n").unwrap_or_default();
        let args = ConfigArgs { config: Some(file.clone()), db_pool_size: Some(4), ..Default::default() };
        let c = Config::load(&args).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.bind.to_string(), "0.0.0.0:9000");
        assert_eq!(c.db_pool_size, 4);

        let bad = ConfigArgs { bind: Some("nope".into()), ..Default::default() };
        assert!(Config::load(&bad).map(|_| ()).unwrap_err().to_string().contains("bind"));
        std::fs::write(&file, "colour = 1\n").unwrap_or_default();
        let unknown = ConfigArgs { config: Some(file), ..Default::default() };
        assert!(matches!(Config::load(&unknown), Err(ConfigError::Parse(..))));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn secret_is_created_once_and_kept() {
        let dir = std::env::temp_dir().join(format!("logstead-sec-{}", uuid::Uuid::new_v4()));
        let args = ConfigArgs { data_dir: Some(dir.clone()), ..Default::default() };
        let c = Config::load(&args).unwrap_or_else(|e| panic!("{e}"));
        c.ensure_data_dir().unwrap_or_else(|e| panic!("{e}"));
        let first = c.jwt_secret().unwrap_or_default();
        assert_eq!(first.len(), 64);
        assert_eq!(c.jwt_secret().unwrap_or_default(), first);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn the_timestamp_skew_window_is_configurable() {
        let c = Config::load(&ConfigArgs::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.ingest_options(), logs_ingest::MapOptions::default(), "24 h by default");
        let dir = std::env::temp_dir().join(format!("logstead-skew-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let file = dir.join("c.toml");
        std::fs::write(&file, "max_timestamp_skew_secs = 604800\n").unwrap_or_default();
        let args = ConfigArgs { config: Some(file.clone()), ..Default::default() };
        let c = Config::load(&args).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.ingest_options().max_timestamp_skew_us, 604_800_000_000);
        let flag = ConfigArgs { max_timestamp_skew_secs: Some(3600), ..args };
        assert_eq!(Config::load(&flag).map(|c| c.max_timestamp_skew_secs).ok(), Some(3600), "the flag wins");
        let bad = ConfigArgs { max_timestamp_skew_secs: Some(10), ..Default::default() };
        let err = Config::load(&bad).map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("max_timestamp_skew_secs"), "{err}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
