//! The change-request jobs (spec platform.md §5.2): expiry and staleness. Every server runs
//! the loop; the database claim in `ApprovalService::run_*` makes each due run happen once
//! across servers sharing PostgreSQL.

use std::time::Duration;

use crate::state::AppState;

/// How often a server looks whether a run is due (the runs themselves are
/// `[approvals] job_every_secs` apart).
const POLL: Duration = Duration::from_secs(15);

/// One pass of both jobs at the state's "now". Blocking.
pub fn tick(state: &AppState, every: time::Duration) -> Result<(usize, usize), approvals::ApprovalError> {
    let svc = state.approval_service();
    let expired = svc.run_expiry(state.now(), every)?;
    let stale = svc.run_staleness(state.now(), every)?;
    Ok((expired.changed, stale.changed))
}

/// Runs forever.
pub async fn run(state: AppState, every_secs: u64) {
    let every = time::Duration::seconds(i64::try_from(every_secs).unwrap_or(300));
    loop {
        let s = state.clone();
        match actix_web::web::block(move || tick(&s, every)).await {
            Ok(Ok((0, 0))) => {}
            Ok(Ok((expired, stale))) => {
                tracing::info!(expired, stale, "change requests expired / marked stale")
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "change-request jobs"),
            Err(e) => tracing::warn!(error = %e, "change-request jobs task"),
        }
        actix_web::rt::time::sleep(POLL).await;
    }
}
