use std::sync::Arc;

use orgs::Repos;
use time::OffsetDateTime;

use crate::metrics::Metrics;

/// "Now", passed in so tests can control it.
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// Settings handlers need at request time.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub jwt_secret: Vec<u8>,
    pub session_ttl_secs: i64,
    pub max_body_bytes: usize,
}

/// Shared by every worker; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub repos: Arc<dyn Repos>,
    pub pool: store_sql::DbPool,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<ServerSettings>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(pool: store_sql::DbPool, settings: ServerSettings, clock: Arc<dyn Clock>) -> Self {
        Self {
            repos: Arc::new(store_sql::SqlStore::new(pool.clone())),
            pool,
            clock,
            settings: Arc::new(settings),
            metrics: Arc::new(Metrics::new()),
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }
}
