//! The alert scheduler (spec §3.3): each tick claims the due alerts, counts their windows
//! through the log store's rollups, applies the engine and stores state, event and
//! deliveries in one transaction. Claims are leased rows (PostgreSQL: `FOR UPDATE SKIP
//! LOCKED`), so servers sharing one database evaluate each due alert once.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use alerts_engine::check::{self, Assembled, CheckContext, CountFailure, Evaluated};
use alerts_engine::payload::{MAX_SAMPLES, Sample};
use alerts_engine::repo::{Alert, CheckWrite};
use alerts_engine::schedule::{CHECK_INTERVAL, Window};
use alerts_engine::state::Notification;
use logs_query::aggregate::bucket_counts;
use logs_query::timefmt::{from_us, to_us};
use logs_query::{ListRequest, OrderBy, RowFilter, parse_alert_filters};
use orgs::ProjectId;
use time::{Duration, OffsetDateTime, UtcOffset};
use uuid::Uuid;

use super::notify::{self, Rendering, kind_of};
use super::tz;
use crate::metrics::CheckOutcome;
use crate::state::AppState;

/// How long a claim holds before another server may take the alert.
const LEASE: Duration = Duration::minutes(2);
const BATCH: i64 = 200;
/// Threads checking one batch on PostgreSQL (at most half the database pool) and SQLite.
const MAX_WORKERS: usize = 8;
const SQLITE_WORKERS: usize = 4;
/// Checks a thread stores per transaction: one commit instead of one per check, while a
/// SQLite write lock is still held only briefly.
const WRITE_BATCH: usize = 32;
/// Events are kept 90 days (spec §3.4); the cleanup runs at most hourly.
const EVENT_RETENTION: Duration = Duration::days(90);
const PRUNE_EVERY: Duration = Duration::hours(1);

/// What one tick did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    /// Checks stored.
    pub checked: usize,
    /// Evaluations dropped because the alert was edited or deleted meanwhile.
    pub discarded: usize,
    /// Deliveries enqueued.
    pub deliveries: usize,
    /// Checks whose count failed (stored as error checks).
    pub errors: usize,
    pub pruned_events: u64,
    /// Time spent, summed over the checking threads: counting windows, preparing
    /// notifications (destinations, sample lines, rendering), storing checks.
    pub count_time: std::time::Duration,
    pub notify_time: std::time::Duration,
    pub write_time: std::time::Duration,
}

/// The time of the last event cleanup, per server (keyed by data dir: tests run several
/// servers in one process).
static LAST_PRUNE: Mutex<Option<HashMap<PathBuf, OffsetDateTime>>> = Mutex::new(None);

struct Project {
    name: String,
    timezone: String,
}

/// One scheduler pass at `now`: every due alert, in batches until none is left. Blocking.
pub fn tick(state: &AppState, now: OffsetDateTime) -> Result<TickReport, String> {
    let mut report = TickReport::default();
    let checkpoint = Some(from_us(state.logs.checkpoint_us()));
    let mut projects: HashMap<i64, Option<Project>> = HashMap::new();
    let mut seen = HashSet::new();
    let mut again = Vec::new();
    loop {
        let batch = state.alerts.claim_due_alerts(now, now + LEASE, BATCH).map_err(|e| e.to_string())?;
        // An alert still due after its check (discarded or failed write) is evaluated once
        // per tick; its claim is released at the end, for the next tick.
        let (fresh, repeat): (Vec<Alert>, Vec<Alert>) = batch.into_iter().partition(|a| seen.insert(a.id));
        again.extend(repeat.into_iter().map(|a| a.id));
        if fresh.is_empty() {
            break;
        }
        for alert in &fresh {
            projects.entry(alert.team_id).or_insert_with(|| {
                let p = state.repos.project(ProjectId(alert.team_id)).ok().flatten();
                p.map(|p| Project { name: p.name, timezone: p.timezone })
            });
        }
        // One project's alerts together: its decoded log batches stay in the store's cache.
        let mut fresh = fresh;
        fresh.sort_by_key(|a| a.team_id);
        check_all(state, &fresh, now, checkpoint, &projects, &mut report);
    }
    for id in again {
        state.alerts.release_claim(id).map_err(|e| e.to_string())?;
    }
    report.pruned_events = prune_events(state, now)?;
    Ok(report)
}

/// Checks a batch on several threads; each thread stores its checks a few at a time.
fn check_all(
    state: &AppState,
    alerts: &[Alert],
    now: OffsetDateTime,
    checkpoint: Option<OffsetDateTime>,
    projects: &HashMap<i64, Option<Project>>,
    report: &mut TickReport,
) {
    // Not bounded by cores: the store parallelises its own scans, and the rest is waiting
    // on commits. PostgreSQL overlaps them (half the pool stays for the HTTP handlers);
    // SQLite has one writer: beyond a few threads they only queue on its lock.
    let sqlite = matches!(state.sql.backend(), Ok(store_sql::Backend::Sqlite));
    let pool = usize::try_from(state.sql.max_connections()).unwrap_or(1);
    let workers = if sqlite { SQLITE_WORKERS } else { (pool / 2).clamp(1, MAX_WORKERS) };
    let next = AtomicUsize::new(0);
    let work = || {
        let mut r = TickReport::default();
        let mut pending = Vec::with_capacity(WRITE_BATCH);
        while let Some(alert) = alerts.get(next.fetch_add(1, Ordering::Relaxed)) {
            let project = projects.get(&alert.team_id).and_then(Option::as_ref);
            match check_one(state, alert, now, checkpoint, project, &mut r) {
                Ok(Some(write)) => pending.push(write),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(alert = %alert.id, error = %e, "alert check not stored; retried after the lease")
                }
            }
            if pending.len() >= WRITE_BATCH {
                store(state, &mut pending, &mut r);
            }
        }
        store(state, &mut pending, &mut r);
        r
    };
    let reports: Vec<TickReport> = std::thread::scope(|scope| {
        let handles: Vec<_> = (1..workers.min(alerts.len())).map(|_| scope.spawn(work)).collect();
        let mut all = vec![work()];
        all.extend(handles.into_iter().filter_map(|h| h.join().ok()));
        all
    });
    for r in reports {
        report.checked += r.checked;
        report.discarded += r.discarded;
        report.deliveries += r.deliveries;
        report.errors += r.errors;
        report.count_time += r.count_time;
        report.notify_time += r.notify_time;
        report.write_time += r.write_time;
    }
}

/// Writes the pending checks in one transaction; if that fails, one by one, so one bad
/// write does not hold back the others (a check not stored is retried after the lease).
fn store(state: &AppState, pending: &mut Vec<CheckWrite>, report: &mut TickReport) {
    if pending.is_empty() {
        return;
    }
    let writes = std::mem::take(pending);
    let started = Instant::now();
    let results: Vec<_> = match state.alerts.record_checks(&writes) {
        Ok(stored) => stored.into_iter().map(Ok).collect(),
        Err(e) => {
            tracing::warn!(error = %e, checks = writes.len(), "alert checks: batch write failed; writing one by one");
            writes.iter().map(|w| state.alerts.record_check(w)).collect()
        }
    };
    report.write_time += started.elapsed();
    let metrics = &state.metrics.work;
    for (w, result) in writes.iter().zip(results) {
        match result {
            Ok(true) => {
                report.checked += 1;
                report.deliveries += w.deliveries.len();
                metrics.alert_check(CheckOutcome::Stored(w.state));
            }
            Ok(false) => {
                report.discarded += 1;
                metrics.alert_check(CheckOutcome::Discarded);
            }
            Err(e) => {
                metrics.alert_check(CheckOutcome::NotStored);
                tracing::warn!(alert = %w.alert_id, error = %e, "alert check not stored; retried after the lease")
            }
        }
    }
}

fn prune_events(state: &AppState, now: OffsetDateTime) -> Result<u64, String> {
    {
        let mut guard = LAST_PRUNE.lock().map_err(|e| e.to_string())?;
        let map = guard.get_or_insert_with(HashMap::new);
        // Also prune when the clock went back: "now" is what the caller says.
        if let Some(last) = map.get(&state.settings.data_dir).copied()
            && last <= now
            && now - last < PRUNE_EVERY
        {
            return Ok(0);
        }
        map.insert(state.settings.data_dir.clone(), now);
    }
    state.alerts.prune_events(now - EVENT_RETENTION).map_err(|e| e.to_string())
}

/// Store errors are the machine's, not the user's query: transient, retried next cycle.
fn count_failure(e: &logs_query::StoreError) -> CountFailure {
    tracing::warn!(error = %e, "alert count failed");
    CountFailure {
        message: "Alert check failed unexpectedly. It will retry automatically.".to_owned(),
        transient: true,
    }
}

fn check_one(
    state: &AppState,
    alert: &Alert,
    now: OffsetDateTime,
    checkpoint: Option<OffsetDateTime>,
    project: Option<&Project>,
    report: &mut TickReport,
) -> Result<Option<CheckWrite>, String> {
    let tz_offset = project.map_or(UtcOffset::UTC, |p| tz::offset_at(&p.timezone, now));
    let mut ctx = CheckContext { now, event_id: Uuid::now_v7(), tz_offset, query_duration_ms: None };
    let filters = serde_json::to_value(&alert.config.filters).map_err(|e| e.to_string())?;
    let (evaluated, filter) = match parse_alert_filters(&filters) {
        // Structurally invalid filters break the alert, through the same guarded write.
        Err(e) => (check::assemble_broken_config(alert, &e.detail, &ctx), None),
        Ok(q) => {
            let filter = q.row_filter();
            let plan = check::plan(alert, now, checkpoint);
            let started = Instant::now();
            let counts = bucket_counts(
                &*state.logs,
                alert.team_id,
                &filter,
                to_us(plan.bucket_start),
                CHECK_INTERVAL.whole_microseconds() as i64,
                plan.buckets,
            )
            .map_err(|e| count_failure(&e));
            let took = started.elapsed();
            report.count_time += took;
            ctx.query_duration_ms = Some(i64::try_from(took.as_millis()).unwrap_or(i64::MAX));
            if counts.is_err() {
                report.errors += 1;
            }
            match check::assemble(alert, &plan, counts.as_deref(), &ctx) {
                Assembled::Skip => {
                    return state.alerts.release_claim(alert.id).map(|()| None).map_err(|e| e.to_string());
                }
                Assembled::Write(e) => (*e, Some(filter)),
            }
        }
    };
    let mut write = evaluated.write.clone();
    let started = Instant::now();
    write.deliveries = deliveries(state, alert, &evaluated, filter.as_ref(), project, now)?;
    report.notify_time += started.elapsed();
    Ok(Some(write))
}

/// Renders the notification for the live destinations of its kind, with sample lines from
/// the breaching window when firing.
fn deliveries(
    state: &AppState,
    alert: &Alert,
    evaluated: &Evaluated,
    filter: Option<&RowFilter>,
    project: Option<&Project>,
    now: OffsetDateTime,
) -> Result<Vec<alerts_engine::repo::NewDelivery>, String> {
    let Some(kind) = kind_of(evaluated.notification) else { return Ok(Vec::new()) };
    let dests = state.alerts.destinations(alert.team_id, &[alert.id]).map_err(|e| e.to_string())?;
    if !dests.iter().any(|d| d.enabled && d.kind == kind) {
        return Ok(Vec::new());
    }
    let samples = match (evaluated.notification, filter, evaluated.focus) {
        (Notification::Fire, Some(f), Some(w)) => samples(state, alert.team_id, f, w),
        _ => Vec::new(),
    };
    let name = project.map_or("", |p| p.name.as_str());
    let r = Rendering {
        site_url: &state.settings.site_url,
        project_name: name,
        alert,
        evaluated,
        samples: &samples,
        now,
    };
    Ok(notify::render(&r, &dests))
}

/// Up to five of the newest matching lines in the window. Best effort: a failed read
/// sends the notification without samples rather than holding it back.
pub fn samples(state: &AppState, team_id: i64, filter: &RowFilter, w: Window) -> Vec<Sample> {
    let req = ListRequest {
        team_id,
        from_us: to_us(w.start),
        to_us: to_us(w.end),
        filter,
        order: OrderBy::Latest,
        after: None,
        observed_from_us: None,
        limit: MAX_SAMPLES,
    };
    match state.logs.list(&req) {
        Ok(rows) => rows
            .into_iter()
            .map(|r| Sample {
                timestamp: from_us(r.timestamp_us),
                service_name: r.service_name,
                body: r.body,
            })
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "alert samples");
            Vec::new()
        }
    }
}
