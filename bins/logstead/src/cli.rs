//! Command line. Every flag also reads a `LOGSTEAD_*` variable; a TOML file fills the rest.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "logstead", version, about = "Self-hosted log platform with a PostHog-compatible API")]
pub struct Cli {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Settings; precedence: flag > environment > config file > default.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArgs {
    /// TOML config file.
    #[arg(long, global = true, env = "LOGSTEAD_CONFIG")]
    pub config: Option<PathBuf>,
    /// Where Logstead keeps its files (default ./logstead-data).
    #[arg(long, global = true, env = "LOGSTEAD_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// sqlite://path or postgres://... (default: SQLite in the data dir).
    #[arg(long, global = true, env = "LOGSTEAD_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Address to listen on (default 127.0.0.1:8000).
    #[arg(long, global = true, env = "LOGSTEAD_BIND")]
    pub bind: Option<String>,
    /// Public base URL printed in links (default http://<bind>).
    #[arg(long, global = true, env = "LOGSTEAD_SITE_URL")]
    pub site_url: Option<String>,
    /// Secret that signs session tokens; default: generated once into the data dir.
    #[arg(long, global = true, env = "LOGSTEAD_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Key sealing Slack tokens and webhook signing secrets in the database (32 bytes,
    /// base64); default: generated once into the key file.
    #[arg(long, global = true, env = "LOGSTEAD_SECRETS_KEY", hide_env_values = true)]
    pub secrets_key: Option<String>,
    /// Where that key is kept (default <data_dir>/secrets-key).
    #[arg(long, global = true, env = "LOGSTEAD_SECRETS_KEY_FILE")]
    pub secrets_key_file: Option<PathBuf>,
    /// Session token lifetime in seconds (default 14 days).
    #[arg(long, global = true, env = "LOGSTEAD_SESSION_TTL_SECS")]
    pub session_ttl_secs: Option<i64>,
    /// Largest accepted API request body in bytes (default 1 MiB).
    #[arg(long, global = true, env = "LOGSTEAD_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Largest accepted log ingestion body in bytes, also the decompressed cap (default 32 MiB).
    #[arg(long, global = true, env = "LOGSTEAD_MAX_INGEST_BYTES")]
    pub max_ingest_bytes: Option<usize>,
    /// Log record timestamps further than this many seconds from the receive time are
    /// replaced by it (default 86400; widen it for a backfill after an outage).
    #[arg(long, global = true, env = "LOGSTEAD_MAX_TIMESTAMP_SKEW_SECS")]
    pub max_timestamp_skew_secs: Option<u64>,
    /// Database connections (default 10).
    #[arg(long, global = true, env = "LOGSTEAD_DB_POOL_SIZE")]
    pub db_pool_size: Option<u32>,
    /// HTTP worker threads (default: number of CPUs).
    #[arg(long, global = true, env = "LOGSTEAD_WORKERS")]
    pub workers: Option<usize>,
    /// Most log alerts one project may have (default 20, as in PostHog).
    #[arg(long, global = true, env = "LOGSTEAD_MAX_ALERTS_PER_PROJECT")]
    pub max_alerts_per_project: Option<usize>,
    /// Seconds between alert scheduler ticks (default 60).
    #[arg(long, global = true, env = "LOGSTEAD_ALERT_TICK_SECS")]
    pub alert_tick_secs: Option<u64>,
    /// Base URL of the Slack Web API (default https://slack.com/api).
    #[arg(long, global = true, env = "LOGSTEAD_SLACK_API_URL")]
    pub slack_api_url: Option<String>,
    /// Delivery attempts per notification before it is marked dead (default 6).
    #[arg(long, global = true, env = "LOGSTEAD_DELIVERY_MAX_ATTEMPTS")]
    pub delivery_max_attempts: Option<u32>,
    /// First retry delay in seconds; each later one doubles (default 30).
    #[arg(long, global = true, env = "LOGSTEAD_DELIVERY_BACKOFF_SECS")]
    pub delivery_backoff_secs: Option<u64>,
    /// Accept http:// webhook URLs (default: https only).
    #[arg(long, global = true, env = "LOGSTEAD_ALLOW_HTTP_WEBHOOKS")]
    pub allow_http_webhooks: bool,
    /// Let webhooks reach loopback, private, link-local and metadata addresses (default:
    /// refused).
    #[arg(long, global = true, env = "LOGSTEAD_ALLOW_PRIVATE_WEBHOOK_TARGETS")]
    pub allow_private_webhook_targets: bool,
    /// Failed logins one account may have per window before 429 (default 10; 0 = no limit).
    #[arg(long, global = true, env = "LOGSTEAD_LOGIN_MAX_FAILURES_PER_ACCOUNT")]
    pub login_max_failures_per_account: Option<u32>,
    /// Failed logins one client address may make per window before 429 (default 50; 0 = no limit).
    #[arg(long, global = true, env = "LOGSTEAD_LOGIN_MAX_FAILURES_PER_IP")]
    pub login_max_failures_per_ip: Option<u32>,
    /// Length of the login throttle window in seconds (default 900).
    #[arg(long, global = true, env = "LOGSTEAD_LOGIN_WINDOW_SECS")]
    pub login_window_secs: Option<u64>,
    /// Client address = last X-Forwarded-For entry (set only behind a reverse proxy).
    #[arg(long, global = true, env = "LOGSTEAD_TRUST_X_FORWARDED_FOR")]
    pub trust_x_forwarded_for: bool,
    /// Serve the API only, without the embedded log store: log routes answer 503. For extra
    /// servers on a database whose logs another server serves.
    #[arg(long, global = true, env = "LOGSTEAD_API_ONLY")]
    pub api_only: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Personal API keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Users.
    #[command(subcommand)]
    Users(UsersCommand),
    /// The key sealing secrets at rest.
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// Print the version.
    Version,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a personal API key for a user and print it once.
    Create {
        #[arg(long)]
        email: String,
        /// Comma-separated, e.g. `logs:read,project:read` or `*`.
        #[arg(long, value_delimiter = ',', default_value = "*")]
        scopes: Vec<String>,
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user, optionally adding them to an organization.
    Create {
        #[arg(long)]
        email: String,
        /// Read from LOGSTEAD_USER_PASSWORD when not given, to keep it out of shell history.
        #[arg(long, env = "LOGSTEAD_USER_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long, default_value = "")]
        first_name: String,
        #[arg(long, default_value = "")]
        last_name: String,
        /// Organization UUID to join.
        #[arg(long)]
        organization: Option<String>,
        /// 1 member, 8 admin, 15 owner.
        #[arg(long, default_value_t = 1)]
        level: i32,
    },
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Generate a new secrets key, re-encrypt every stored secret with it, and replace the
    /// key file (stop every server first).
    RotateKey,
}
