//! Scheduler paths beyond the happy one: structurally invalid filters break the alert and
//! notify; a failing count is an error check (errored once, then held); quiet hours follow
//! the project's timezone; old events are pruned; a destination deleted after the check
//! gets nothing. SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alerts_common;

use alerts_common::{Backend, Receiver, add_webhook, alert, env, errors_of, ingest};
use alerts_engine::config::AlertFilters;
use alerts_engine::quiet_hours::{BlockedWindow, ScheduleRestriction};
use alerts_engine::state::{AlertState, EventKind};
use logstead::alerts::{delivery, scheduler};
use logstead::config::AlertSettings;
use orgs::ProjectId;
use time::{Duration, OffsetDateTime};

fn settings(rx: &Receiver) -> AlertSettings {
    AlertSettings {
        slack_api_url: rx.base.clone(),
        allow_http_webhooks: true,
        allow_private_webhook_targets: true,
        ..AlertSettings::default()
    }
}

fn invalid_filters_break_the_alert_and_notify(backend: Backend) {
    let rx = Receiver::start();
    let env = env(backend, settings(&rx));
    let t0 = env.clock.now_grid();
    // Stored before validation got stricter, say: an unknown severity is a shape error.
    let filters = AlertFilters { severity_levels: vec!["loud".into()], ..Default::default() };
    let a = alert(env.team, "Old alert", filters, 10, 5, 1, 1);
    env.state.alerts.create_alert(&a, 20, &[]).unwrap();
    add_webhook(&env, &a, &format!("{}/hook", rx.base), "s");
    let r = scheduler::tick(&env.state, t0).unwrap();
    assert_eq!((r.checked, r.deliveries), (1, 1), "{r:?}");
    let stored = env.state.alerts.alert(env.team, a.id).unwrap().unwrap();
    assert_eq!(stored.state, AlertState::Broken);
    let msg = stored.last_error_message.unwrap();
    assert!(msg.starts_with("Invalid filters shape at filters.severityLevels"), "{msg}");
    let events = env.state.alerts.events(env.team, a.id, None, 10, 0).unwrap();
    assert_eq!(events.results[0].event.kind, EventKind::BrokenConfig);
    assert_eq!(events.results[0].event.error_message.as_deref(), Some(msg.as_str()));
    delivery::send_due(&env.state, &delivery::agent(), t0).unwrap();
    let got = rx.take();
    let body = got[0].json();
    assert_eq!(body["type"], "logs_alert.auto_disabled");
    assert_eq!(body["data"]["last_error_message"], msg.as_str());
    // Broken alerts are not claimed again.
    assert_eq!(scheduler::tick(&env.state, t0 + Duration::hours(1)).unwrap().checked, 0);
}

fn failing_counts_are_error_checks(backend: Backend) {
    let rx = Receiver::start();
    let env = env(backend, settings(&rx));
    let t0 = env.clock.now_grid();
    let a = alert(env.team, "Flaky", errors_of("api"), 10, 5, 1, 1);
    env.state.alerts.create_alert(&a, 20, &[]).unwrap();
    add_webhook(&env, &a, &format!("{}/hook", rx.base), "s");
    env.fail_reads(true);
    let mut t = t0;
    for i in 0..6 {
        let r = scheduler::tick(&env.state, t).unwrap();
        assert_eq!((r.checked, r.errors), (1, 1), "tick {i}: {r:?}");
        // The error notification goes out on entry only.
        assert_eq!(r.deliveries, usize::from(i == 0), "tick {i}");
        let s = env.state.alerts.alert(env.team, a.id).unwrap().unwrap();
        // Store failures are transient: errored, never broken, failures not counted.
        assert_eq!((s.state, s.consecutive_failures), (AlertState::Errored, 0), "tick {i}");
        t += Duration::minutes(5);
    }
    let events = env.state.alerts.events(env.team, a.id, None, 20, 0).unwrap();
    assert_eq!(events.count, 6, "every error check is kept");
    let inputs = events.results[0].inputs.as_ref().unwrap();
    assert_eq!(inputs["error"]["transient"], true);
    assert_eq!(inputs["held"]["reason"], "already_errored");
    delivery::send_due(&env.state, &delivery::agent(), t).unwrap();
    assert_eq!(rx.take()[0].json()["type"], "logs_alert.errored");

    // Reads work again: the next check succeeds and clears the error.
    env.fail_reads(false);
    ingest(&env, "api", t - Duration::minutes(4), Duration::minutes(3), 20);
    scheduler::tick(&env.state, t).unwrap();
    let s = env.state.alerts.alert(env.team, a.id).unwrap().unwrap();
    assert_eq!((s.state, s.last_error_message), (AlertState::Firing, None));
}

fn quiet_hours_follow_the_project_timezone(backend: Backend) {
    let rx = Receiver::start();
    let env = env(backend, settings(&rx));
    let t0 = env.clock.now_grid();
    let mut project = env.state.repos.project(ProjectId(env.team)).unwrap().unwrap();
    project.timezone = "Asia/Kolkata".into(); // UTC+05:30, no daylight saving
    env.state.repos.update_project(&project, &[]).unwrap();
    let local = t0.to_offset(time::UtcOffset::from_hms(5, 30, 0).unwrap());
    let hhmm = |t: OffsetDateTime| format!("{:02}:{:02}", t.hour(), t.minute());
    let mut a = alert(env.team, "Quiet", errors_of("api"), 10, 5, 1, 1);
    // Blocked from the local time of t0 for an hour: the next check moves to its end.
    a.schedule_restriction = Some(ScheduleRestriction {
        blocked_windows: vec![BlockedWindow { start: hhmm(local), end: hhmm(local + Duration::hours(1)) }],
    });
    env.state.alerts.create_alert(&a, 20, &[]).unwrap();
    scheduler::tick(&env.state, t0).unwrap();
    let s = env.state.alerts.alert(env.team, a.id).unwrap().unwrap();
    assert_eq!(s.next_check_at, Some(t0 + Duration::hours(1)));
}

fn events_older_than_90_days_are_pruned(backend: Backend) {
    let rx = Receiver::start();
    let env = env(backend, settings(&rx));
    let t0 = env.clock.now_grid();
    let a = alert(env.team, "Old", errors_of("api"), 10, 5, 1, 1);
    env.state.alerts.create_alert(&a, 20, &[]).unwrap();
    let old = t0 - Duration::days(91);
    scheduler::tick(&env.state, old).unwrap();
    let (_, events) = env.state.alerts.timeline_events(a.id, OffsetDateTime::UNIX_EPOCH).unwrap();
    assert_eq!(events.len(), 1);
    let r = scheduler::tick(&env.state, t0).unwrap();
    assert_eq!((r.checked, r.pruned_events), (1, 1), "{r:?}");
    let (_, events) = env.state.alerts.timeline_events(a.id, OffsetDateTime::UNIX_EPOCH).unwrap();
    assert_eq!(events.iter().map(|e| e.created_at).collect::<Vec<_>>(), [t0]);
    // At most once an hour.
    assert_eq!(scheduler::tick(&env.state, t0 + Duration::minutes(5)).unwrap().pruned_events, 0);
}

fn deleted_destinations_get_nothing(backend: Backend) {
    let rx = Receiver::start();
    let env = env(backend, settings(&rx));
    let t0 = env.clock.now_grid();
    let a = alert(env.team, "Deleted", errors_of("api"), 0, 5, 1, 1);
    env.state.alerts.create_alert(&a, 20, &[]).unwrap();
    add_webhook(&env, &a, &format!("{}/hook", rx.base), "s");
    ingest(&env, "api", t0 - Duration::minutes(2), Duration::minutes(1), 2);
    assert_eq!(scheduler::tick(&env.state, t0).unwrap().deliveries, 1);
    let ids: Vec<_> =
        env.state.alerts.destinations(env.team, &[a.id]).unwrap().iter().map(|d| d.id).collect();
    env.state.alerts.delete_destinations(env.team, a.id, &ids, &[]).unwrap();
    let r = delivery::send_due(&env.state, &delivery::agent(), t0).unwrap();
    assert_eq!((r.delivered, r.dead), (0, 1), "{r:?}");
    assert!(rx.take().is_empty());
    let events = env.state.alerts.events(env.team, a.id, None, 10, 0).unwrap();
    let d = env.state.alerts.deliveries_for_events(&[events.results[0].id]).unwrap();
    assert!(d[0].last_error.as_deref().unwrap().contains("deleted"), "{:?}", d[0]);
}

macro_rules! both {
    ($($name:ident),*) => {
        mod sqlite {
            $(#[test] fn $name() { super::$name(super::Backend::Sqlite); })*
        }
        mod postgres {
            $(#[test] fn $name() { super::$name(super::Backend::Postgres); })*
        }
    };
}

both!(
    invalid_filters_break_the_alert_and_notify,
    failing_counts_are_error_checks,
    quiet_hours_follow_the_project_timezone,
    events_older_than_90_days_are_pruned,
    deleted_destinations_get_nothing
);
