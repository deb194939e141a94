//! Upgrading a database the previous release created (migrations up to 000006, issue 11):
//! everything stored before is still there and reads back identical after `migrate`, and
//! the new tables (approvals, roles, leases) work on it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use activity_log::ActivityEntry;
use alerts_engine::config::{AlertConfig, AlertFilters};
use alerts_engine::repo::{Alert, AlertRepo, Destination, DestinationType, NotifyKind};
use approvals::ApprovalRepo;
use approvals::model::{ApproverConfig, Policy};
use approvals::repo::Where;
use diesel::RunQueryDsl;
use diesel::sql_types::BigInt;
use logs_views::LogsViewRepo;
use logs_views::model::LogsView;
use orgs::{OrgRepo, ProjectId, ProjectRepo, UserId, UserRepo};
use sampling::{RuleType, SamplingRule, SamplingRuleRepo};
use serde_json::{Map, json};
use store_sql::testing::{TestDb, TwoTeams};
use store_sql::{Backend, SqlStore, migrate};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

/// The last migration of the previous release.
const PREVIOUS: &str = "20261207000006";

fn at(secs: i64) -> OffsetDateTime {
    datetime!(2026-12-01 10:00:00.123456 UTC) + time::Duration::seconds(secs)
}

fn entry(team: i64, scope: &str) -> ActivityEntry {
    ActivityEntry {
        id: Uuid::now_v7(),
        organization_id: None,
        team_id: Some(team),
        user_id: None,
        scope: scope.into(),
        activity: "created".into(),
        item_id: None,
        detail: None,
        client: None,
        is_system: false,
        was_impersonated: false,
        created_at: at(1),
    }
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn activity_rows(db: &TestDb, team: i64) -> i64 {
    let mut conn = db.pool.get().unwrap();
    let q = format!("SELECT COUNT(*) AS n FROM activity_log WHERE team_id = {team}");
    diesel::sql_query(q).get_result::<Count>(&mut *conn).unwrap().n
}

fn upgrade_keeps_everything(backend: Backend) {
    let db = TestDb::at_version(backend, PREVIOUS);
    let fx = TwoTeams::new(&db, at(0));
    let s: &SqlStore = &fx.s;
    let rule = SamplingRule {
        id: Uuid::now_v7(),
        team_id: fx.team,
        name: "Drop healthz".into(),
        enabled: true,
        priority: 0,
        rule_type: RuleType::PathDrop,
        scope_service: None,
        scope_path_pattern: None,
        scope_attribute_filters: json!([]),
        config: json!({"patterns": ["^/healthz$"]}),
        version: 1,
        created_by: Some(fx.user),
        created_at: at(1),
        updated_at: at(1),
    };
    let rule = s.create(&rule, &[entry(fx.team, "LogsSamplingRule")]).unwrap();
    let view = LogsView {
        id: Uuid::now_v7(),
        short_id: "abcd1234".into(),
        team_id: fx.team,
        name: "errors".into(),
        filters: Map::new(),
        pinned: true,
        columns: None,
        created_at: at(2),
        created_by: Some(fx.user),
        updated_at: at(2),
        version: 1,
    };
    let view = s.create_view(&view, &[entry(fx.team, "LogsView")]).unwrap();
    let config = AlertConfig {
        name: "errors".into(),
        filters: AlertFilters { severity_levels: vec!["error".into()], ..AlertFilters::default() },
        ..AlertConfig::default()
    };
    let alert = s.create_alert(&Alert::new(Uuid::new_v4(), fx.team, config, None, at(3)), 20, &[]).unwrap();
    let group = Uuid::new_v4();
    let hooks: Vec<Destination> = NotifyKind::ALL
        .into_iter()
        .map(|kind| Destination {
            id: Uuid::new_v4(),
            group_id: group,
            team_id: fx.team,
            alert_id: alert.id,
            kind,
            dtype: DestinationType::Webhook,
            enabled: true,
            slack_integration_id: None,
            slack_channel_id: None,
            slack_channel_name: None,
            webhook_url: Some("https://example.com/hook".into()),
            signing_secret: Some("whsec_previous_release".into()),
            created_at: at(4),
            created_by: None,
        })
        .collect();
    s.create_destinations(fx.team, alert.id, &hooks, &[]).unwrap();
    let project = s.project(ProjectId(fx.team)).unwrap().unwrap();
    let members = s.members(project.organization_id, orgs::PageReq { limit: 10, offset: 0 }).unwrap();
    let activity = activity_rows(&db, fx.team);

    let applied = migrate(&db.pool).unwrap();
    assert!(applied >= 2, "the new migrations ran ({applied})");

    assert_eq!(s.user(UserId(fx.user)).unwrap().map(|u| u.email), Some("ada@example.com".into()));
    assert_eq!(s.project(ProjectId(fx.team)).unwrap(), Some(project.clone()));
    assert_eq!(s.members(project.organization_id, orgs::PageReq { limit: 10, offset: 0 }).unwrap(), members);
    assert_eq!(SamplingRuleRepo::get(s, fx.team, rule.id).unwrap(), Some(rule));
    assert_eq!(s.view(fx.team, "abcd1234").unwrap(), Some(view));
    assert_eq!(s.alert(fx.team, alert.id).unwrap(), Some(alert.clone()));
    let mut after = s.destinations(fx.team, &[alert.id]).unwrap();
    let mut before = hooks.clone();
    after.sort_by_key(|d| d.id);
    before.sort_by_key(|d| d.id);
    assert_eq!(after, before);
    assert_eq!(activity_rows(&db, fx.team), activity);
    assert_eq!(activity, 2);

    // The new tables work on the upgraded database.
    let policy = Policy {
        id: Uuid::now_v7(),
        organization_id: project.organization_id.0,
        team_id: Some(fx.team),
        action_key: "logs_sampling_rule.enable".into(),
        conditions: json!({}),
        approver_config: ApproverConfig { quorum: 1, users: vec![fx.user], roles: vec![] },
        allow_self_approve: false,
        bypass_org_membership_levels: vec![],
        bypass_roles: vec![],
        expires_after: time::Duration::days(14),
        enabled: true,
        created_by: Some(fx.user),
        created_at: at(5),
        updated_at: at(5),
    };
    s.create_policy(&policy, &[]).unwrap();
    let at_team = Where { org: project.organization_id.0, team: fx.team };
    assert_eq!(s.get_policy(at_team, policy.id).unwrap(), Some(policy));
}

#[test]
fn sqlite_upgrade_keeps_everything() {
    upgrade_keeps_everything(Backend::Sqlite);
}

#[test]
fn postgres_upgrade_keeps_everything() {
    upgrade_keeps_everything(Backend::Postgres);
}
