//! The periodic jobs (§5.2): expiry and staleness, once per due time.
#![allow(clippy::unwrap_used)]

mod common;

use approvals::model::{State, ValidationStatus};
use approvals::service::JobReport;
use common::*;
use serde_json::json;
use time::Duration;

const HOUR: Duration = Duration::hours(1);

#[test]
fn due_requests_expire_once_per_run_with_a_system_entry() {
    let env = Env::new();
    env.policy(approvals::model::Policy {
        expires_after: Duration::hours(2),
        ..policy("logs_alert.disable", &[APPROVER], 1)
    });
    let r = env.gated(REQUESTER, &alert_disable());

    let early = env.svc.run_expiry(NOW + HOUR, HOUR).unwrap();
    assert_eq!(early, JobReport { ran: true, changed: 0 }, "not due yet");
    let due = NOW + Duration::hours(2);
    assert_eq!(env.svc.run_expiry(due, HOUR).unwrap(), JobReport { ran: true, changed: 1 });
    assert_eq!(env.only_request().state, State::Expired);
    let e = env.repo.audit().pop().unwrap();
    assert_eq!(
        (e.scope.as_str(), e.activity.as_str(), e.item_id),
        ("ChangeRequest", "expired", Some(r.id.to_string()))
    );
    assert_eq!((e.user_id, e.is_system, e.team_id), (None, true, Some(TEAM)));

    // Claimed: the same due time again does nothing, the next one runs (with nothing to do).
    assert_eq!(env.svc.run_expiry(due, HOUR).unwrap(), JobReport { ran: false, changed: 0 });
    assert_eq!(env.svc.run_expiry(due + HOUR, HOUR).unwrap(), JobReport { ran: true, changed: 0 });
    assert_eq!(env.repo.audit().len(), 2, "created, expired");
    let late = approvals::service::VoteInput::default();
    assert!(
        env.svc.approve(&caller(APPROVER), r.id, &late, due).is_err(),
        "an expired request takes no votes"
    );
}

#[test]
fn requests_whose_resource_moved_on_or_is_gone_go_stale() {
    let env = Env::new();
    env.policy(policy("logs_alert.disable", &[APPROVER], 1));
    env.policy(policy("logs_alert.delete", &[APPROVER], 1));
    let disable = env.gated(REQUESTER, &alert_disable());
    let delete_p = approvals::Proposal {
        op: approvals::Op::Delete,
        after: None,
        http_method: "DELETE".into(),
        ..alert_disable()
    };
    let delete = env.gated(REQUESTER, &delete_p);

    let fresh = env.svc.run_staleness(NOW, HOUR).unwrap();
    assert_eq!(fresh, JobReport { ran: true, changed: 0 }, "version 3 still holds");
    env.applier.set_live(Some(json!({"version": 4})));
    assert_eq!(env.svc.run_staleness(NOW, HOUR).unwrap(), JobReport { ran: false, changed: 0 }, "claimed");
    assert_eq!(env.svc.run_staleness(NOW + HOUR, HOUR).unwrap(), JobReport { ran: true, changed: 2 });
    for id in [disable.id, delete.id] {
        let r = env.requests().into_iter().find(|r| r.id == id).unwrap();
        assert_eq!((r.state, r.validation_status), (State::Pending, ValidationStatus::Stale));
        assert_eq!(
            r.validation_errors,
            Some(json!({"staleness": "Resource has been modified since this change request was created"}))
        );
        assert_eq!(r.validated_at, Some(NOW + HOUR));
    }
    assert_eq!(env.activities().last().unwrap().1, "marked_stale");
    // Stale requests are not looked at again.
    assert_eq!(env.svc.run_staleness(NOW + HOUR * 2, HOUR).unwrap(), JobReport { ran: true, changed: 0 });
}

#[test]
fn a_gone_resource_is_stale_too() {
    let env = Env::new();
    env.policy(policy("logs_alert.disable", &[APPROVER], 1));
    env.gated(REQUESTER, &alert_disable());
    env.applier.set_live(None);
    assert_eq!(env.svc.run_staleness(NOW, HOUR).unwrap(), JobReport { ran: true, changed: 1 });
    assert_eq!(env.only_request().validation_status, ValidationStatus::Stale);
}

#[test]
fn a_create_has_no_resource_to_go_stale() {
    let env = Env::new();
    env.policy(policy("logs_sampling_rule.enable", &[APPROVER], 1));
    let born_enabled = approvals::Proposal {
        resource_type: "logs_sampling_rule".into(),
        op: approvals::Op::Create,
        resource_id: None,
        resource_name: "drop debug".into(),
        before: None,
        after: Some(json!({"name": "drop debug", "enabled": true, "rule_type": "rate_limit"})),
        request: json!({"name": "drop debug", "enabled": true}),
        http_method: "POST".into(),
        preconditions: json!({}),
    };
    let r = env.gated(REQUESTER, &born_enabled);
    assert_eq!(r.intent_display["description"], "Create sampling rule 'drop debug' enabled");
    env.applier.set_live(None);
    assert_eq!(env.svc.run_staleness(NOW, HOUR).unwrap(), JobReport { ran: true, changed: 0 });
    assert_eq!(env.only_request().validation_status, ValidationStatus::Valid);
}
