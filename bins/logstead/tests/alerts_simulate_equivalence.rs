//! `simulate` and the live scheduler give the same states for the same data: the scheduler
//! ticks at successive 5-minute times over stored logs, and the engine's simulate replays
//! the same history from bucketed counts (what the simulate endpoint does).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alerts_common;

use alerts_common::{Backend, alert, base_time, env, errors_of, ingest};
use alerts_engine::simulate::{SimulateRule, simulate};
use alerts_engine::state::{AlertState, Notification};
use logs_query::aggregate::bucket_counts;
use logs_query::parse_alert_filters;
use logs_query::timefmt::to_us;
use logstead::alerts::scheduler;
use logstead::config::AlertSettings;
use time::Duration;

/// Matching lines per 5-minute bucket: N-of-M waits, fires, stays, resolves, a re-fire
/// inside the cooldown (muted), and a quiet tail.
const PATTERN: [usize; 30] =
    [0, 0, 12, 0, 0, 15, 20, 8, 0, 0, 30, 30, 30, 0, 0, 0, 40, 0, 40, 0, 0, 0, 11, 11, 0, 0, 0, 25, 25, 0];

fn scheduler_matches_simulate(backend: Backend) {
    let env = env(backend, AlertSettings::default());
    let start = base_time() - Duration::hours(3);
    for (i, n) in PATTERN.iter().enumerate() {
        let from = start + Duration::minutes(5 * i as i64);
        ingest(&env, "api", from + Duration::seconds(10), Duration::minutes(4), *n);
        // Lines the filters exclude must not count on either side.
        ingest(&env, "web", from + Duration::seconds(10), Duration::minutes(4), 3);
    }
    let mut a = alert(env.team, "Equivalence", errors_of("api"), 10, 10, 3, 2);
    a.config.cooldown_minutes = 10;
    env.state.alerts.create_alert(&a, 20, &[]).unwrap();

    let mut live = Vec::new();
    for i in 0..PATTERN.len() {
        let t = start + Duration::minutes(5 * i as i64);
        env.clock.set(t);
        let r = scheduler::tick(&env.state, t).unwrap();
        assert_eq!(r.checked, 1, "tick {i}: {r:?}");
        let stored = env.state.alerts.alert(env.team, a.id).unwrap().unwrap();
        live.push((stored.state, stored.last_notified_at == Some(t)));
    }

    let filters = serde_json::to_value(&a.config.filters).unwrap();
    let filter = parse_alert_filters(&filters).unwrap().row_filter();
    let counts =
        bucket_counts(&*env.state.logs, env.team, &filter, to_us(start), 300_000_000, PATTERN.len()).unwrap();
    assert_eq!(counts, PATTERN.iter().map(|n| *n as u64).collect::<Vec<_>>());
    let rule = SimulateRule {
        threshold_count: 10,
        threshold_operator: a.config.threshold_operator,
        window_minutes: 10,
        cadence_minutes: 5,
        evaluation_periods: 3,
        datapoints_to_alarm: 2,
        cooldown_minutes: 10,
    };
    let sim = simulate(&rule, start, &counts);
    let simulated: Vec<(AlertState, bool)> =
        sim.buckets.iter().map(|b| (b.state, b.notification != Notification::None)).collect();
    assert_eq!(live, simulated);
    // The data exercised every path: fired, resolved, and a cooldown-muted transition.
    assert!(sim.fire_count >= 2 && sim.resolve_count >= 1, "{sim:?}");
    assert!(sim.buckets.iter().any(|b| b.reason.contains("suppressed by cooldown")), "{:#?}", sim.buckets);
}

#[test]
fn sqlite_scheduler_matches_simulate() {
    scheduler_matches_simulate(Backend::Sqlite);
}

#[test]
fn postgres_scheduler_matches_simulate() {
    scheduler_matches_simulate(Backend::Postgres);
}
