//! `AlertRepo` on SQLite and PostgreSQL (`<module>::sqlite::<test>` and
//! `<module>::postgres::<test>`).

#[path = "alerts/claim.rs"]
mod claim;
#[path = "alerts/crud.rs"]
mod crud;
#[path = "alerts/deliveries.rs"]
mod deliveries;
#[path = "alerts/destinations.rs"]
mod destinations;
#[path = "alerts/events.rs"]
mod events;

use std::collections::HashSet;
use std::sync::{Arc, Barrier};

use activity_log::ActivityEntry;
use alerts_engine::config::{AlertConfig, AlertFilters, ThresholdOperator};
use alerts_engine::quiet_hours::{BlockedWindow, ScheduleRestriction};
use alerts_engine::repo::{
    Alert, AlertRepo, AlertRepoError, CheckWrite, Delivery, DeliveryStatus, Destination, DestinationType,
    Integration, NewDelivery, NewEvent, NewIntegration, NotifyKind, Page,
};
use alerts_engine::state::{AlertEvent, AlertState, EventKind};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde_json::json;
use store_sql::testing::{TestDb, TwoTeams};
use store_sql::{AnyConnection, SqlStore, both_backends};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

/// A fixed instant plus `secs`, microsecond-precise so it survives storage exactly.
fn at(secs: i64) -> OffsetDateTime {
    datetime!(2026-11-22 10:00:00.123456 UTC) + time::Duration::seconds(secs)
}

/// A store with a user and two teams (projects of two organizations).
type Fx = TwoTeams;

fn fixture(db: &TestDb) -> Fx {
    TwoTeams::new(db, at(0))
}

/// An enabled, never-checked alert of `team` created at `secs`.
fn alert(team: i64, secs: i64) -> Alert {
    Alert::new(
        Uuid::new_v4(),
        team,
        AlertConfig {
            name: format!("alert {secs}"),
            filters: AlertFilters { severity_levels: vec!["error".into()], ..AlertFilters::default() },
            ..AlertConfig::default()
        },
        None,
        at(secs),
    )
}

fn create(fx: &Fx, a: &Alert) -> Alert {
    fx.s.create_alert(a, 100, &[]).expect("create alert")
}

/// `threads` claimers start together and each claims with `claim` until it gets nothing;
/// what each one claimed.
fn race_claimers(fx: &Fx, threads: usize, claim: fn(&SqlStore) -> Vec<Uuid>) -> Vec<Vec<Uuid>> {
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (s, barrier) = (Arc::clone(&fx.s), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                let mut mine = vec![];
                loop {
                    let got = claim(&s);
                    if got.is_empty() {
                        return mine;
                    }
                    mine.extend(got);
                }
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().expect("claimer")).collect()
}

fn get(fx: &Fx, a: &Alert) -> Alert {
    fx.s.alert(a.team_id, a.id).expect("get alert").expect("alert exists")
}

fn audit(team: i64, activity: &str) -> ActivityEntry {
    ActivityEntry {
        id: Uuid::now_v7(),
        organization_id: None,
        team_id: Some(team),
        user_id: None,
        scope: "LogsAlertConfiguration".into(),
        activity: activity.into(),
        item_id: None,
        detail: None,
        client: None,
        is_system: false,
        was_impersonated: false,
        created_at: at(0),
    }
}

fn event(kind: EventKind, before: AlertState, after: AlertState, secs: i64, error: Option<&str>) -> NewEvent {
    NewEvent {
        id: Uuid::new_v4(),
        created_at: at(secs),
        event: AlertEvent {
            kind,
            state_before: before,
            state_after: after,
            result_count: (kind == EventKind::Check && error.is_none()).then_some(7),
            threshold_breached: after == AlertState::Firing,
            error_message: error.map(str::to_string),
        },
        query_duration_ms: (kind == EventKind::Check).then_some(12),
        inputs: (kind == EventKind::Check).then(|| json!({"counts": [7], "secs": secs})),
    }
}

/// A quiet check of `a` (as claimed) at `secs`: no state change, no error.
fn quiet_check(a: &Alert, secs: i64) -> CheckWrite {
    CheckWrite {
        alert_id: a.id,
        version: a.version,
        state: a.state,
        consecutive_failures: 0,
        last_error_message: None,
        last_notified_at: a.last_notified_at,
        last_checked_at: at(secs),
        next_check_at: at(secs + 300),
        event: Some(event(EventKind::Check, a.state, a.state, secs, None)),
        deliveries: vec![],
    }
}

/// One destination group of `dtype` for `a`: a row per notification kind.
fn destination_group(a: &Alert, dtype: DestinationType, secs: i64) -> Vec<Destination> {
    let group = Uuid::new_v4();
    NotifyKind::ALL
        .into_iter()
        .map(|kind| Destination {
            id: Uuid::new_v4(),
            group_id: group,
            team_id: a.team_id,
            alert_id: a.id,
            kind,
            dtype,
            enabled: true,
            slack_integration_id: (dtype == DestinationType::Slack).then_some(3),
            slack_channel_id: (dtype == DestinationType::Slack).then(|| "C123".to_string()),
            slack_channel_name: (dtype == DestinationType::Slack).then(|| "alerts".to_string()),
            webhook_url: (dtype == DestinationType::Webhook).then(|| "https://example.com/hook".to_string()),
            signing_secret: (dtype == DestinationType::Webhook).then(|| format!("secret-{group}")),
            created_at: at(secs),
            created_by: None,
        })
        .collect()
}

fn delivery(dest: &Destination, secs: i64) -> NewDelivery {
    NewDelivery {
        id: Uuid::new_v4(),
        destination_id: dest.id,
        payload: json!({"text": format!("{} via {}", dest.kind.as_str(), dest.dtype.as_str())}),
        created_at: at(secs),
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Runs raw SQL against the test database (to inspect or corrupt rows).
fn exec(db: &TestDb, sql: &str) -> usize {
    let mut conn = db.pool.get().expect("pooled connection");
    let c: &mut AnyConnection = &mut conn;
    diesel::sql_query(sql).execute(c).expect("raw query")
}

/// `SELECT count(*) FROM <from_where>`.
fn count(db: &TestDb, from_where: &str) -> i64 {
    let mut conn = db.pool.get().expect("pooled connection");
    let c: &mut AnyConnection = &mut conn;
    let row: Count = diesel::sql_query(format!("SELECT count(*) AS n FROM {from_where}"))
        .get_result(c)
        .expect("raw count");
    row.n
}

fn activity(db: &TestDb, what: &str) -> i64 {
    count(db, &format!("activity_log WHERE activity = '{what}'"))
}
