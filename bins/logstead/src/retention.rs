//! Log retention: each project's logs older than its `retention_days` are dropped, in the
//! store's whole units (segments), so disk is freed at once.

use std::time::Duration;

use crate::state::AppState;

const EVERY: Duration = Duration::from_secs(600);
const US_PER_DAY: i64 = 86_400 * 1_000_000;

/// One pass over every project; returns the rows dropped. Blocking.
pub fn enforce(state: &AppState) -> Result<u64, String> {
    let now_us = logs_query::timefmt::to_us(state.now());
    let policies = state.repos.retention_policies().map_err(|e| e.to_string())?;
    let mut dropped = 0;
    for (project, days) in policies {
        let cutoff = now_us.saturating_sub(i64::from(days).saturating_mul(US_PER_DAY));
        dropped += state.logs.drop_before(project.0, cutoff).map_err(|e| e.to_string())?;
    }
    Ok(dropped)
}

/// Runs forever: a pass at start, then every ten minutes.
pub async fn run(state: AppState) {
    loop {
        let s = state.clone();
        match actix_web::web::block(move || enforce(&s)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(rows)) => tracing::info!(rows, "log retention dropped expired rows"),
            Ok(Err(e)) => tracing::warn!(error = %e, "log retention"),
            Err(e) => tracing::warn!(error = %e, "log retention task"),
        }
        actix_web::rt::time::sleep(EVERY).await;
    }
}
