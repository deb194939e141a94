//! Log alerts in the server: the scheduler tick (spec §3.3), rendering notifications into
//! the delivery queue, and the sender that drains it (spec §3.7–3.8).

pub mod delivery;
pub mod notify;
pub mod scheduler;
pub mod tz;

use std::time::Duration;

use crate::state::AppState;

/// How often the sender looks for due deliveries.
const SEND_POLL: Duration = Duration::from_secs(1);

/// Runs forever: a scheduler tick at start, then every `tick_secs`.
pub async fn run_scheduler(state: AppState) {
    let every = Duration::from_secs(state.settings.alerts.tick_secs.max(1));
    loop {
        let s = state.clone();
        match actix_web::web::block(move || scheduler::tick(&s, s.now())).await {
            Ok(Ok(r)) if r.checked + r.discarded > 0 => tracing::info!(
                checked = r.checked,
                discarded = r.discarded,
                deliveries = r.deliveries,
                errors = r.errors,
                count_ms = r.count_time.as_millis(),
                notify_ms = r.notify_time.as_millis(),
                write_ms = r.write_time.as_millis(),
                "alert tick"
            ),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "alert tick"),
            Err(e) => tracing::warn!(error = %e, "alert tick task"),
        }
        actix_web::rt::time::sleep(every).await;
    }
}

/// Runs forever: sends due notifications, polling every second.
pub async fn run_delivery(state: AppState) {
    let agent = delivery::agent();
    loop {
        let (s, a) = (state.clone(), agent.clone());
        match actix_web::web::block(move || delivery::send_due(&s, &a, s.now())).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "alert delivery"),
            Err(e) => tracing::warn!(error = %e, "alert delivery task"),
        }
        actix_web::rt::time::sleep(SEND_POLL).await;
    }
}
