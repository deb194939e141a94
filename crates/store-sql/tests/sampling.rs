//! `SamplingRuleRepo` on SQLite and PostgreSQL (`sqlite::<test>` and `postgres::<test>`).

use activity_log::ActivityEntry;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use sampling::repo::CounterDelta;
use sampling::{RuleCounts, RuleType, SamplingError, SamplingRule, SamplingRuleRepo};
use serde_json::json;
use store_sql::testing::{TestDb, TwoTeams};
use store_sql::{AnyConnection, both_backends};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

const HOUR: i64 = 3_600_000_000;

fn at(secs: i64) -> OffsetDateTime {
    datetime!(2026-12-07 10:00:00.123456 UTC) + time::Duration::seconds(secs)
}

/// A store with a user and two teams (projects of two organizations).
type Fx = TwoTeams;

fn fixture(db: &TestDb) -> Fx {
    TwoTeams::new(db, at(0))
}

fn rule(team: i64, priority: i64, secs: i64) -> SamplingRule {
    SamplingRule {
        id: Uuid::now_v7(),
        team_id: team,
        name: format!("rule {priority}/{secs}"),
        enabled: true,
        priority,
        rule_type: RuleType::PathDrop,
        scope_service: None,
        scope_path_pattern: None,
        scope_attribute_filters: json!([]),
        config: json!({"patterns": ["^/healthz$"]}),
        version: 1,
        created_by: None,
        created_at: at(secs),
        updated_at: at(secs),
    }
}

fn audit(team: i64, activity: &str) -> Vec<ActivityEntry> {
    vec![ActivityEntry {
        id: Uuid::now_v7(),
        organization_id: None,
        team_id: Some(team),
        user_id: None,
        scope: "LogsSamplingRule".into(),
        activity: activity.into(),
        item_id: None,
        detail: None,
        client: None,
        is_system: false,
        was_impersonated: false,
        created_at: at(0),
    }]
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn activity(db: &TestDb, what: &str) -> i64 {
    let mut conn = db.pool.get().expect("pooled connection");
    let c: &mut AnyConnection = &mut conn;
    let sql = format!(
        "SELECT count(*) AS n FROM activity_log WHERE scope = 'LogsSamplingRule' AND activity = '{what}'"
    );
    diesel::sql_query(sql).get_result::<Count>(c).expect("raw count").n
}

fn ids(rules: &[SamplingRule]) -> Vec<Uuid> {
    rules.iter().map(|r| r.id).collect()
}

both_backends! {
    fn every_field_round_trips_and_writes_its_activity_entry(db: TestDb) {
        let fx = fixture(&db);
        let mut r = rule(fx.team, 3, 1);
        r.rule_type = RuleType::RateLimit;
        r.scope_service = Some("api".into());
        r.scope_path_pattern = Some("^/v1".into());
        r.scope_attribute_filters = json!([{"key": "env", "op": "eq", "value": "prod"}]);
        r.config = json!({"logs_per_second": 10, "burst_logs": 30, "filter_group": {"type": "AND", "values": []}});
        r.created_by = Some(fx.user);
        let saved = fx.s.create(&r, &audit(fx.team, "created")).expect("create");
        assert_eq!(saved, r);
        assert_eq!(fx.s.get(fx.team, r.id).expect("get"), Some(r.clone()));
        assert_eq!(fx.s.get(fx.other, r.id).expect("get"), None, "team-scoped");
        assert_eq!(activity(&db, "created"), 1);
        let missing = SamplingRule { team_id: 999_999, ..rule(999_999, 0, 0) };
        assert!(matches!(fx.s.create(&missing, &audit(fx.team, "created")), Err(SamplingError::NotFound)));
        assert_eq!(activity(&db, "created"), 1, "no entry without its change");
    }

    fn list_orders_by_priority_then_created_at_and_pages(db: TestDb) {
        let fx = fixture(&db);
        let (a, b, c) = (rule(fx.team, 1, 5), rule(fx.team, 0, 9), rule(fx.team, 1, 2));
        for r in [&a, &b, &c] {
            fx.s.create(r, &[]).expect("create");
        }
        fx.s.create(&rule(fx.other, 0, 0), &[]).expect("other team");
        let page = fx.s.list(fx.team, 10, 0).expect("list");
        assert_eq!(page.count, 3);
        assert_eq!(ids(&page.results), vec![b.id, c.id, a.id]);
        assert_eq!(ids(&fx.s.list(fx.team, 1, 1).expect("page").results), vec![c.id]);
        assert_eq!(fx.s.max_priority(fx.team).expect("max"), Some(1));
        assert_eq!(fx.s.max_priority(999_999).expect("max"), None);
    }

    fn update_bumps_the_version_and_conflicts_on_a_stale_one(db: TestDb) {
        let fx = fixture(&db);
        let r = fx.s.create(&rule(fx.team, 0, 0), &[]).expect("create");
        let before = fx.s.stamp(fx.team).expect("stamp");
        let edited = SamplingRule { name: "renamed".into(), enabled: false, updated_at: at(60), ..r.clone() };
        let saved = fx.s.update(&edited, &audit(fx.team, "updated")).expect("update");
        assert_eq!((saved.version, saved.name.as_str(), saved.enabled), (2, "renamed", false));
        assert_ne!(fx.s.stamp(fx.team).expect("stamp"), before);
        assert!(matches!(fx.s.update(&edited, &audit(fx.team, "updated")), Err(SamplingError::Conflict)));
        let gone = SamplingRule { id: Uuid::now_v7(), ..edited };
        assert!(matches!(fx.s.update(&gone, &[]), Err(SamplingError::NotFound)));
        assert_eq!(activity(&db, "updated"), 1);
    }

    fn delete_is_team_scoped(db: TestDb) {
        let fx = fixture(&db);
        let r = fx.s.create(&rule(fx.team, 0, 0), &[]).expect("create");
        assert!(matches!(fx.s.delete(fx.other, r.id, &audit(fx.other, "deleted")), Err(SamplingError::NotFound)));
        fx.s.delete(fx.team, r.id, &audit(fx.team, "deleted")).expect("delete");
        assert_eq!(fx.s.get(fx.team, r.id).expect("get"), None);
        assert_eq!(activity(&db, "deleted"), 1);
    }

    fn reorder_sets_priorities_bumps_versions_and_checks_the_set(db: TestDb) {
        let fx = fixture(&db);
        let (a, b, c) = (rule(fx.team, 0, 0), rule(fx.team, 1, 1), rule(fx.team, 2, 2));
        for r in [&a, &b, &c] {
            fx.s.create(r, &[]).expect("create");
        }
        let out = fx.s.reorder(fx.team, &[c.id, a.id, b.id], at(9), &audit(fx.team, "updated")).expect("reorder");
        assert_eq!(ids(&out), vec![c.id, a.id, b.id]);
        assert_eq!(out.iter().map(|r| (r.priority, r.version)).collect::<Vec<_>>(), vec![(0, 2), (1, 2), (2, 2)]);
        for bad in [vec![c.id, a.id], vec![c.id, a.id, b.id, b.id], vec![c.id, a.id, Uuid::now_v7()]] {
            let e = fx.s.reorder(fx.team, &bad, at(10), &audit(fx.team, "updated"));
            assert!(matches!(e, Err(SamplingError::Invalid { .. })), "{bad:?}");
        }
        assert_eq!(activity(&db, "updated"), 1, "failed reorders wrote nothing");
        assert_eq!(fx.s.get(fx.team, a.id).expect("get").map(|r| r.version), Some(2));
    }

    fn enabled_and_stamp_follow_every_change(db: TestDb) {
        let fx = fixture(&db);
        let empty = fx.s.stamp(fx.team).expect("stamp");
        assert_eq!(empty.count, 0);
        let a = fx.s.create(&rule(fx.team, 1, 0), &[]).expect("create");
        let mut off = rule(fx.team, 0, 1);
        off.enabled = false;
        fx.s.create(&off, &[]).expect("create");
        assert_eq!(ids(&fx.s.enabled(fx.team).expect("enabled")), vec![a.id]);
        let s1 = fx.s.stamp(fx.team).expect("stamp");
        assert_eq!((s1.count, s1.version_sum), (2, 2));
        fx.s.delete(fx.team, off.id, &[]).expect("delete");
        let mut replacement = rule(fx.team, 0, 30);
        replacement.enabled = false;
        fx.s.create(&replacement, &[]).expect("create");
        let s2 = fx.s.stamp(fx.team).expect("stamp");
        assert_eq!((s2.count, s2.version_sum), (2, 2));
        assert_ne!(s2, s1, "delete + create moves the newest updated_at");
    }

    fn counters_add_up_per_hour_and_sum_since(db: TestDb) {
        let fx = fixture(&db);
        let a = fx.s.create(&rule(fx.team, 0, 0), &[]).expect("create");
        let delta = |hour: i64, kept: i64, dropped: i64, rule_id: Uuid| CounterDelta {
            team_id: fx.team,
            rule_id,
            hour_us: hour * HOUR,
            counts: RuleCounts { kept_records: kept, kept_bytes: kept * 10, dropped_records: dropped, dropped_bytes: dropped * 10 },
        };
        fx.s.add_counts(&[delta(100, 1, 2, a.id), delta(101, 3, 4, a.id), delta(70, 50, 50, a.id)]).expect("add");
        fx.s.add_counts(&[delta(101, 10, 20, a.id), delta(101, 1, 1, Uuid::now_v7())]).expect("add again; unknown rule ignored");
        let sums = fx.s.counts_since(fx.team, 100 * HOUR).expect("since");
        assert_eq!(sums.len(), 1);
        assert_eq!(sums[&a.id], RuleCounts { kept_records: 14, kept_bytes: 140, dropped_records: 26, dropped_bytes: 260 });
        assert!(fx.s.counts_since(fx.other, 0).expect("other").is_empty());
        fx.s.delete(fx.team, a.id, &[]).expect("delete");
        assert!(fx.s.counts_since(fx.team, 0).expect("after delete").is_empty(), "counters go with the rule");
    }
}
