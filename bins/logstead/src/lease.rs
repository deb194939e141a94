//! The embedded log store's lease: logs live in one server's data directory, so one server
//! per metadata database serves them. A second one refuses to start (a record sent to it
//! would be invisible to the first, and alerts checked on the first would miss it) unless
//! it runs `--api-only`. The holder renews the lease every few seconds and gives it up on a
//! clean shutdown; a crashed holder's lease expires, and a restart of the same server (same
//! host and data directory) takes it over at once.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use store_sql::SqlStore;
use store_sql::lease::{Acquired, EMBEDDED_LOG_STORE, Lease, LeaseHolder};
use time::{Duration, OffsetDateTime};

/// Another server may take the lease this long after the holder's last heartbeat.
pub const TTL: Duration = Duration::seconds(30);
/// A heartbeat every 5 s: several may fail (a database restart) before the lease expires.
const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    #[error(
        "another server (host {host}, data dir {data_dir}, last seen {seen} s ago) already serves the \
         embedded log store on this database; several servers cannot share logs yet. Start this one \
         with --api-only (log routes disabled) or point it at its own database."
    )]
    Held { host: String, data_dir: String, seen: i64 },
    #[error("the embedded log store's lease: {0}")]
    Store(#[from] store_sql::StoreError),
    #[error("data directory {0}: {1}")]
    DataDir(String, std::io::Error),
}

impl LeaseError {
    fn held(lease: &Lease, now: OffsetDateTime) -> Self {
        LeaseError::Held {
            host: lease.holder.host.clone(),
            data_dir: lease.holder.data_dir.clone(),
            seen: (now - lease.heartbeat_at).whole_seconds().max(0),
        }
    }
}

/// This server's hold on the embedded log store.
pub struct LogStoreLease {
    store: Arc<SqlStore>,
    me: LeaseHolder,
    lost: Arc<AtomicBool>,
}

/// The machine's host name, for the lease row and the refusal message.
pub fn host_name() -> String {
    let read = |p: &str| std::fs::read_to_string(p).ok().map(|s| s.trim().to_string());
    read("/proc/sys/kernel/hostname")
        .or_else(|| read("/etc/hostname"))
        .or_else(|| std::env::var("HOSTNAME").ok())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".to_string())
}

impl LogStoreLease {
    /// Takes the lease or says who holds it. Call with the log store open: it holds the
    /// data directory's lock, so a row naming this host and data directory is an earlier,
    /// dead process of this server and is taken over. Blocking.
    pub fn acquire(store: Arc<SqlStore>, data_dir: &Path) -> Result<Self, LeaseError> {
        let dir = std::fs::canonicalize(data_dir)
            .map_err(|e| LeaseError::DataDir(data_dir.display().to_string(), e))?;
        let me = LeaseHolder {
            id: uuid::Uuid::new_v4().to_string(),
            host: host_name(),
            data_dir: dir.display().to_string(),
        };
        let now = OffsetDateTime::now_utc();
        match store.acquire_lease(EMBEDDED_LOG_STORE, &me, now, TTL)? {
            Acquired::HeldBy(lease) => Err(LeaseError::held(&lease, now)),
            Acquired::Taken { previous } => {
                if let Some(p) = previous {
                    let seen = (now - p.heartbeat_at).whole_seconds();
                    tracing::info!(
                        host = %p.holder.host,
                        data_dir = %p.holder.data_dir,
                        last_seen_secs = seen,
                        "took over the embedded log store's lease from a server that stopped without releasing it"
                    );
                }
                Ok(Self { store, me, lost: Arc::default() })
            }
        }
    }

    /// Renews the lease every few seconds. If another server took it (this one was cut off
    /// from the database past the expiry), marks it lost and stops the HTTP server: two
    /// servers must not serve logs at once.
    pub fn spawn_heartbeat(&self, server: actix_web::dev::ServerHandle) {
        let (store, id, lost) = (self.store.clone(), self.me.id.clone(), self.lost.clone());
        actix_web::rt::spawn(async move {
            loop {
                actix_web::rt::time::sleep(HEARTBEAT).await;
                let (s, i) = (store.clone(), id.clone());
                let renewed = actix_web::web::block(move || {
                    s.renew_lease(EMBEDDED_LOG_STORE, &i, OffsetDateTime::now_utc(), TTL)
                })
                .await;
                match renewed {
                    Ok(Ok(true)) => {}
                    Ok(Ok(false)) => {
                        tracing::error!(
                            "another server took the embedded log store's lease (this one could not renew \
                             it in time); stopping"
                        );
                        lost.store(true, Ordering::SeqCst);
                        server.stop(true).await;
                        return;
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "could not renew the embedded log store's lease")
                    }
                    Err(e) => tracing::warn!(error = %e, "lease heartbeat task"),
                }
            }
        });
    }

    /// True once another server has taken the lease.
    pub fn lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// Gives the lease up (clean shutdown), so another server can start at once. Blocking.
    pub fn release(&self) {
        match self.store.release_lease(EMBEDDED_LOG_STORE, &self.me.id) {
            Ok(true) => tracing::info!("released the embedded log store's lease"),
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(error = %e, "could not release the embedded log store's lease; it expires in 30 s")
            }
        }
    }
}

/// The server's log store, its lease, and the embedded store itself (for its metrics); an
/// API-only server has neither lease nor embedded store.
pub type OpenedLogStore =
    (Arc<dyn logs_query::LogStore>, Option<LogStoreLease>, Option<Arc<log_store::EmbeddedStore>>);

/// The server's log store: the embedded one and its lease, or none on an API-only server.
pub async fn open_log_store(
    config: &crate::config::Config,
    pool: &store_sql::DbPool,
) -> Result<OpenedLogStore, crate::commands::AnyError> {
    if config.api_only {
        tracing::info!("API only: no log store here; log routes answer 503");
        return Ok((Arc::new(crate::api_only::NoLogStore), None, None));
    }
    // Opened first: it locks the data directory, which `acquire` relies on.
    let opts = log_store::StoreOptions {
        query_memory_bytes: config.logs.query_memory_bytes,
        ..log_store::StoreOptions::default()
    };
    let (logs, report) = log_store::EmbeddedStore::open_with(&config.data_dir.join("logs"), opts)?;
    tracing::info!(records = report.replayed_records, "log store opened");
    let (store, dir) = (Arc::new(SqlStore::new(pool.clone())), config.data_dir.clone());
    let lease = actix_web::web::block(move || LogStoreLease::acquire(store, &dir)).await??;
    let logs = Arc::new(logs);
    Ok((logs.clone(), Some(lease), Some(logs)))
}
