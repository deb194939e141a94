//! Alert scheduler benchmark: 1,000 enabled alerts across 50 projects over a large log
//! store; times one scheduler tick with every alert due. See docs/performance.md.
//!
//!     cargo run --release -p logstead --example alerts_bench -- --rows 10000000
//!
//! Options: `--rows N` (default 10,000,000), `--alerts N` (1000), `--projects N` (50),
//! `--postgres` (a fresh PostgreSQL database instead of SQLite).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use alerts_engine::check;
use alerts_engine::config::{AlertConfig, AlertFilters};
use alerts_engine::repo::{Alert, Destination, DestinationType, NotifyKind};
use bench_data::Rng;
use log_store::EmbeddedStore;
use logs_query::aggregate::bucket_counts;
use logs_query::timefmt::to_us;
use logs_query::{LogRecord, LogStore, Severity, parse_alert_filters};
use logstead::alerts::scheduler;
use logstead::state::{AppState, ServerSettings, SystemClock};
use orgs::service::{Actor, OrgRef, ProjectInput};
use serde_json::json;
use store_sql::Backend;
use store_sql::testing::TestDb;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const SERVICES: u64 = 10;
const SPAN_MINUTES: i64 = 180;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map_or(default, |v| v.parse().unwrap())
}

fn row(rng: &mut Rng, team: i64, end: OffsetDateTime) -> LogRecord {
    let r = rng.next();
    let severity = match r % 100 {
        0..=4 => Severity::Debug,
        5..=74 => Severity::Info,
        75..=89 => Severity::Warn,
        90..=98 => Severity::Error,
        _ => Severity::Fatal,
    };
    let status = ["200", "200", "200", "404", "500", "503"][((r >> 8) % 6) as usize];
    let service = format!("svc-{}", (r >> 16) % SERVICES);
    let ts = to_us(end) - ((r >> 24) % (SPAN_MINUTES as u64 * 60_000_000)) as i64 - 1;
    LogRecord {
        uuid: Uuid::now_v7(),
        team_id: team,
        timestamp_us: ts,
        observed_timestamp_us: to_us(OffsetDateTime::now_utc()),
        body: format!("GET /api/items/{} -> {status}", r % 10_000),
        severity,
        severity_number: severity.default_number(),
        service_name: service.clone(),
        resource_attributes: vec![("service.name".into(), service)].into(),
        resource_fingerprint: (r >> 16) % SERVICES,
        attributes: vec![("http.status".into(), status.into())],
        trace_id: [0; 16],
        span_id: [0; 8],
        trace_flags: 0,
        instrumentation_scope: String::new(),
        event_name: String::new(),
        bytes: 40,
    }
}

fn group(status: &str) -> serde_json::Value {
    json!({"type": "AND", "values": [{"type": "AND", "values": [
        {"key": "http.status", "type": "log_attribute", "operator": "exact", "value": [status]}]}]})
}

/// Filter kinds, by share: severity 30 %, service 30 %, both 20 %, a filter group on a log
/// attribute 10 %, severity plus filter group 10 %.
const KINDS: [&str; 5] = ["severity", "service", "severity+service", "filterGroup", "severity+filterGroup"];

fn kind_of(r: u64) -> usize {
    match r % 10 {
        0..=2 => 0,
        3..=5 => 1,
        6 | 7 => 2,
        8 => 3,
        _ => 4,
    }
}

fn alert(i: u64, team: i64, rng: &mut Rng) -> (usize, Alert) {
    let svc = format!("svc-{}", rng.next() % SERVICES);
    let kind = kind_of(rng.next());
    let severity = ["error", "warn", "fatal"][(rng.next() % 3) as usize];
    let filters = match kind {
        0 => AlertFilters { severity_levels: vec![severity.into()], ..Default::default() },
        1 => AlertFilters { service_names: vec![svc], ..Default::default() },
        2 => AlertFilters {
            severity_levels: vec!["error".into(), "fatal".into()],
            service_names: vec![svc],
            filter_group: None,
        },
        3 => {
            AlertFilters { filter_group: Some(group(["500", "503"][(i % 2) as usize])), ..Default::default() }
        }
        _ => AlertFilters {
            severity_levels: vec![severity.into()],
            filter_group: Some(group("500")),
            ..Default::default()
        },
    };
    let m = 1 + (rng.next() % 3) as i64;
    let now = OffsetDateTime::now_utc();
    let a = Alert::new(
        Uuid::now_v7(),
        team,
        AlertConfig {
            name: format!("alert {i}"),
            filters,
            threshold_count: (rng.next() % 400) as i64,
            window_minutes: [5, 10, 15, 30, 60][(rng.next() % 5) as usize],
            evaluation_periods: m,
            datapoints_to_alarm: 1 + (rng.next() % m as u64) as i64,
            ..Default::default()
        },
        None,
        now,
    );
    (kind, a)
}

fn webhook_rows(a: &Alert) -> Vec<Destination> {
    let group = Uuid::now_v7();
    NotifyKind::ALL
        .iter()
        .map(|k| Destination {
            id: Uuid::now_v7(),
            group_id: group,
            team_id: a.team_id,
            alert_id: a.id,
            kind: *k,
            dtype: DestinationType::Webhook,
            enabled: true,
            slack_integration_id: None,
            slack_channel_id: None,
            slack_channel_name: None,
            webhook_url: Some("http://127.0.0.1:9/hook".into()),
            signing_secret: Some("bench".into()),
            created_at: OffsetDateTime::now_utc(),
            created_by: None,
        })
        .collect()
}

fn main() {
    let rows = arg("--rows", 10_000_000);
    let n_alerts = arg("--alerts", 1000);
    let n_projects = arg("--projects", 50).max(1);
    let backend =
        if std::env::args().any(|a| a == "--postgres") { Backend::Postgres } else { Backend::Sqlite };
    let db = TestDb::new(backend);
    let dir = std::env::temp_dir().join(format!("logstead-alerts-bench-{}", Uuid::new_v4()));
    let (logs, _) = EmbeddedStore::open(&dir.join("logs")).unwrap();
    let logs = Arc::new(logs);
    let settings = ServerSettings {
        jwt_secret: vec![7; 32],
        session_ttl_secs: 3600,
        max_body_bytes: 1 << 20,
        data_dir: dir.clone(),
        max_ingest_bytes: 1 << 20,
        site_url: "http://localhost:8000".into(),
        alerts: logstead::config::AlertSettings::default(),
    };
    // The server's default pool size (`db_pool_size`), not the test database's small one.
    let pool = store_sql::connect(&db.url, 10).unwrap();
    let state = AppState::new(pool, logs.clone(), settings, Arc::new(SystemClock));
    let boot = orgs::service::bootstrap(&*state.repos, state.now()).unwrap().unwrap();
    let actor = Actor::cli(boot.user.clone());
    let mut teams = vec![boot.project.id.0];
    for i in 1..n_projects {
        let input = ProjectInput { name: format!("project {i}"), timezone: None, retention_days: None };
        let p = orgs::service::create_project(&*state.repos, &actor, OrgRef::Current, input, state.now())
            .unwrap();
        teams.push(p.id.0);
    }

    // Data ends at the first tick's time, two grid points back; the second tick is on the
    // last grid point, at or before the store's checkpoint, as a live tick would be.
    let secs = OffsetDateTime::now_utc().unix_timestamp();
    let tick_at = OffsetDateTime::from_unix_timestamp(secs - secs.rem_euclid(300) - 300).unwrap();
    let started = Instant::now();
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
    let per_team = rows / teams.len() as u64;
    const BATCH: u64 = 50_000;
    for &team in &teams {
        let mut left = per_team;
        while left > 0 {
            let n = left.min(BATCH);
            logs.append(team, (0..n).map(|_| row(&mut rng, team, tick_at)).collect()).unwrap();
            left -= n;
        }
    }
    logs.flush().unwrap();
    let stored = per_team * teams.len() as u64;
    eprintln!("appended and flushed {stored} rows in {:.1?}", started.elapsed());

    let mut created = Vec::new();
    for i in 0..n_alerts {
        let team = teams[(i % teams.len() as u64) as usize];
        let (kind, a) = alert(i, team, &mut rng);
        state.alerts.create_alert(&a, n_alerts as usize, &[]).unwrap();
        // A quarter have a webhook, so firing ones fetch samples and render deliveries.
        if i % 4 == 0 {
            state.alerts.create_destinations(team, a.id, &webhook_rows(&a), &[]).unwrap();
        }
        created.push((kind, a));
    }

    let t0 = Instant::now();
    let first = scheduler::tick(&state, tick_at).unwrap();
    let first_time = t0.elapsed();
    let t1 = Instant::now();
    let second = scheduler::tick(&state, tick_at + Duration::minutes(5)).unwrap();
    let second_time = t1.elapsed();
    println!("backend: {}, rows: {stored}, projects: {}, alerts: {n_alerts}", backend.name(), teams.len());
    // Where a tick's time goes: the count alone, by kind of filter (same plan and call).
    let mut by_kind = [(0usize, std::time::Duration::ZERO); 5];
    for (kind, a) in &created {
        let filter =
            parse_alert_filters(&serde_json::to_value(&a.config.filters).unwrap()).unwrap().row_filter();
        let plan = check::plan(a, tick_at, None);
        let started = Instant::now();
        bucket_counts(&*state.logs, a.team_id, &filter, to_us(plan.bucket_start), 300_000_000, plan.buckets)
            .unwrap();
        by_kind[*kind].0 += 1;
        by_kind[*kind].1 += started.elapsed();
    }
    for (k, (n, t)) in by_kind.iter().enumerate() {
        println!("count, {}: {n} alerts, {:.1?} in all", KINDS[k], t);
    }
    println!("tick 1 (all due, first check): {first_time:.1?} {first:?}");
    println!("tick 2 (all due, 5 min later): {second_time:.1?} {second:?}");
    drop(state);
    let _ = std::fs::remove_dir_all(&dir);
}
