use std::path::PathBuf;
use std::sync::Arc;

use activity_log::ActivityRepo;
use alerts_engine::repo::AlertRepo;
use alerts_engine::service::{AlertService, AlertSettings, DirectoryError, Users};
use exports::ExportRepo;
use logs_query::LogStore;
use orgs::{Repos, User, UserId};
use time::OffsetDateTime;

use crate::metrics::Metrics;

/// "Now", passed in so tests can control it.
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    /// Microsecond precision: what the database stores, so a response shows the same
    /// time a later read does.
    fn now(&self) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc();
        now.replace_nanosecond(now.nanosecond() / 1000 * 1000).unwrap_or(now)
    }
}

/// Settings handlers need at request time.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub jwt_secret: Vec<u8>,
    pub session_ttl_secs: i64,
    pub max_body_bytes: usize,
    /// Where export files and other server-owned files live.
    pub data_dir: PathBuf,
    /// Largest accepted ingestion body (compressed) and its decompressed size.
    pub max_ingest_bytes: usize,
    /// Public base URL (no trailing slash), for links in notifications.
    pub site_url: String,
    pub alerts: crate::config::AlertSettings,
}

/// Shared by every worker; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub repos: Arc<dyn Repos>,
    pub activity: Arc<dyn ActivityRepo>,
    pub exports: Arc<dyn ExportRepo>,
    pub alerts: Arc<dyn AlertRepo>,
    pub views: Arc<dyn logs_views::LogsViewRepo>,
    pub logs: Arc<dyn LogStore>,
    /// The SQL store itself, for what no domain trait covers (readiness, backend).
    pub sql: Arc<store_sql::SqlStore>,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<ServerSettings>,
    pub metrics: Arc<Metrics>,
    /// How ingested records are mapped: the timestamp skew window (`max_timestamp_skew_secs`).
    pub ingest: logs_ingest::MapOptions,
    /// The attribute keys `personId` / `sessionId` match (`[logs]` in the config).
    pub identity_keys: Arc<logs_query::IdentityKeys>,
    /// explainLogWithAI: provider, cache and throttle (built-in provider unless configured).
    pub explain: Arc<crate::explain::Explainer>,
    /// Sampling rules: the ingest filter (rule cache, token buckets) and per-rule counters.
    pub sampling: Arc<crate::sampling::Sampling>,
    pub approvals: Arc<dyn approvals::ApprovalRepo>,
    pub roles: Arc<dyn orgs::RoleRepo>,
    /// Logstead's gated actions and their appliers (`crate::approvals`).
    pub approval_registry: Arc<approvals::Registry>,
    pub approval_settings: approvals::service::ApprovalSettings,
    /// Failed-login counts per account and client address (`set_login`).
    pub login_throttle: Arc<orgs::LoginThrottle>,
    /// The login settings `login_throttle` was built from.
    pub login: crate::config::LoginSettings,
    /// `--api-only`: no log store here (`logs` refuses everything); log routes answer 503.
    pub api_only: bool,
    /// Ingest requests decoded and appended at once (one per core): more would not ingest
    /// faster on a CPU-bound path, only crowd out queries (issue 14, goal 6).
    pub ingest_gate: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// A state whose store has no secrets key (tests): secrets are stored as given.
    pub fn new(
        pool: store_sql::DbPool,
        logs: Arc<dyn LogStore>,
        settings: ServerSettings,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self::with_store(store_sql::SqlStore::new(pool), logs, settings, clock)
    }

    /// The server's state: Slack tokens and webhook signing secrets sealed with `secrets`.
    pub fn with_secrets(
        pool: store_sql::DbPool,
        secrets: Arc<store_sql::secrets::SecretBox>,
        logs: Arc<dyn LogStore>,
        settings: ServerSettings,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self::with_store(store_sql::SqlStore::with_secrets(pool, secrets), logs, settings, clock)
    }

    fn with_store(
        store: store_sql::SqlStore,
        logs: Arc<dyn LogStore>,
        settings: ServerSettings,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let store = Arc::new(store);
        let metrics = Arc::new(Metrics::new());
        let refresh = sampling::cache::DEFAULT_REFRESH_US;
        let sampling =
            Arc::new(crate::sampling::Sampling::new(store.clone(), refresh, Some(metrics.registry())));
        let mut st = Self {
            repos: store.clone(),
            activity: store.clone(),
            exports: store.clone(),
            alerts: store.clone(),
            views: store.clone(),
            approvals: store.clone(),
            roles: store.clone(),
            approval_registry: Arc::default(),
            approval_settings: Default::default(),
            sql: store,
            logs,
            clock,
            settings: Arc::new(settings),
            metrics,
            ingest: Default::default(),
            sampling,
            identity_keys: Arc::default(),
            explain: Arc::default(),
            login_throttle: Arc::new(orgs::LoginThrottle::new(Default::default())),
            login: Default::default(),
            api_only: false,
            ingest_gate: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
        };
        st.approval_registry = Arc::new(crate::gates::registry(&st));
        st
    }

    /// The approvals gate gated writes ask (None when approvals are switched off).
    pub fn gate(&self) -> Option<Arc<dyn approvals::Gate>> {
        self.approval_settings.enabled.then(|| Arc::new(self.approval_service()) as Arc<dyn approvals::Gate>)
    }

    /// The sampling-rules use cases, gated.
    pub fn sampling_service(&self) -> sampling::service::SamplingService {
        self.sampling.service().with_gate(self.gate())
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// A fresh login throttle with these limits (counts start at zero).
    pub fn set_login(&mut self, login: crate::config::LoginSettings) {
        orgs::service::prepare_login();
        self.login_throttle = Arc::new(orgs::LoginThrottle::new(login.limits));
        self.login = login;
    }

    /// The explainLogWithAI use case over the log store.
    pub fn explain_service(&self) -> logs_explain::ExplainService {
        self.explain.service(self.logs.clone())
    }

    /// The alerts use cases over `alerts` and the platform's users (built per request:
    /// a few `Arc` clones, and tests that swap `alerts` get it used).
    pub fn alert_service(&self) -> AlertService<User> {
        AlertService {
            repo: self.alerts.clone(),
            users: Arc::new(OrgUsers(self.repos.clone())),
            settings: AlertSettings {
                max_alerts_per_project: self.settings.alerts.max_alerts_per_project,
                allow_http_webhooks: self.settings.alerts.allow_http_webhooks,
                allow_private_webhook_targets: self.settings.alerts.allow_private_webhook_targets,
            },
            gate: self.gate(),
        }
    }
}

impl AppState {
    /// The saved-views use cases over `views` and the platform's users (built per request).
    pub fn views_service(&self) -> logs_views::service::LogsViewService<User> {
        logs_views::service::LogsViewService::new(self.views.clone(), Arc::new(OrgUsers(self.repos.clone())))
    }
}

impl AppState {
    /// The approvals use cases (and the gate of gated writes) over the platform's users,
    /// levels and roles (built per request).
    pub fn approval_service(&self) -> approvals::service::ApprovalService<User> {
        approvals::service::ApprovalService {
            repo: self.approvals.clone(),
            directory: Arc::new(OrgDirectory { repos: self.repos.clone(), roles: self.roles.clone() }),
            users: Arc::new(OrgUsers(self.repos.clone())),
            registry: self.approval_registry.clone(),
            settings: self.approval_settings,
            render: Arc::new(crate::api::approvals::dto::render_request),
        }
    }
}

/// Membership levels and roles as the approvals use cases see them.
struct OrgDirectory {
    repos: Arc<dyn Repos>,
    roles: Arc<dyn orgs::RoleRepo>,
}

impl approvals::Directory for OrgDirectory {
    fn level(&self, org: uuid::Uuid, user: i64) -> Result<Option<i64>, DirectoryError> {
        let m = self.repos.membership(orgs::OrgId(org), UserId(user))?;
        Ok(m.map(|m| i64::from(m.level.as_i32())))
    }
    fn roles_of(&self, org: uuid::Uuid, user: i64) -> Result<Vec<uuid::Uuid>, DirectoryError> {
        Ok(self.roles.roles_of(orgs::OrgId(org), UserId(user))?)
    }
    fn roles(&self, ids: &[uuid::Uuid]) -> Result<Vec<approvals::RoleInfo>, DirectoryError> {
        let found = self.roles.roles_by_ids(ids)?;
        Ok(found
            .into_iter()
            .map(|r| approvals::RoleInfo { id: r.id, organization_id: r.organization_id.0, name: r.name })
            .collect())
    }
}

/// The platform's users as the alerts and saved-views use cases see them.
struct OrgUsers(Arc<dyn Repos>);

impl Users for OrgUsers {
    type User = User;
    fn user(&self, id: i64) -> Result<Option<User>, DirectoryError> {
        Ok(self.0.user(UserId(id))?)
    }
    fn user_id_by_uuid(&self, uuid: uuid::Uuid) -> Result<Option<i64>, DirectoryError> {
        Ok(self.0.user_by_uuid(uuid)?.map(|u| u.id.0))
    }
}
