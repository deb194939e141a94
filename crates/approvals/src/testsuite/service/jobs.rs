//! The periodic jobs (§5.2): expiry and staleness, once per due time.

use serde_json::json;
use time::Duration;

use super::Stage;
use super::env::*;
use crate::model::{Policy, State, ValidationStatus};
use crate::registry::{Op, Proposal};
use crate::service::{JobReport, VoteInput};

const HOUR: Duration = Duration::hours(1);

pub fn due_requests_expire_once_per_run_with_a_system_entry(stage: &Stage) {
    let env = Env::new(stage);
    env.store(Policy {
        expires_after: Duration::hours(2),
        ..env.policy("logs_alert.disable", &[env.approver, env.approver2], 2)
    });
    let r = env.gated(env.requester, &alert_disable());
    // An approved-but-not-quorate request expires all the same.
    env.svc.approve(&env.caller(env.approver), r.id, &VoteInput::default(), NOW).expect("one of two");

    let early = env.svc.run_expiry(NOW + HOUR, HOUR).expect("expiry");
    assert_eq!(early, JobReport { ran: true, changed: 0 }, "not due yet");
    assert_eq!(env.stored(r.id).state, State::Pending);
    let due = NOW + Duration::hours(2);
    assert_eq!(env.svc.run_expiry(due, HOUR).expect("expiry"), JobReport { ran: true, changed: 1 });
    let expired = env.stored(r.id);
    assert_eq!((expired.state, expired.votes.len()), (State::Expired, 1));
    let e = env.logged().pop().expect("an entry");
    assert_eq!(
        (e.scope.as_str(), e.activity.as_str(), e.item_id),
        ("ChangeRequest", "expired", Some(r.id.to_string()))
    );
    assert_eq!((e.user_id, e.is_system, e.team_id), (None, true, Some(env.team)));

    // Claimed: the same due time again does nothing, the next one runs (with nothing to do).
    assert_eq!(env.svc.run_expiry(due, HOUR).expect("expiry"), JobReport { ran: false, changed: 0 });
    assert_eq!(env.svc.run_expiry(due + HOUR, HOUR).expect("expiry"), JobReport { ran: true, changed: 0 });
    assert_eq!(env.verbs(), vec!["created", "approved", "expired"]);
    let late = env.svc.approve(&env.caller(env.approver2), r.id, &VoteInput::default(), due);
    assert_eq!(
        forbidden(late),
        "Only pending change requests can be approved",
        "an expired request takes no votes"
    );
    assert!(env.applier.calls().is_empty());
}

pub fn requests_whose_resource_moved_on_or_is_gone_go_stale(stage: &Stage) {
    let env = Env::new(stage);
    env.store(env.policy("logs_alert.disable", &[env.approver], 1));
    env.store(env.policy("logs_alert.delete", &[env.approver], 1));
    let disable = env.gated(env.requester, &alert_disable());
    let delete_p = Proposal { op: Op::Delete, after: None, http_method: "DELETE".into(), ..alert_disable() };
    let delete = env.gated(env.requester, &delete_p);

    let fresh = env.svc.run_staleness(NOW, HOUR).expect("staleness");
    assert_eq!(fresh, JobReport { ran: true, changed: 0 }, "version 3 still holds");
    env.applier.set_live(Some(json!({"version": 4})));
    assert_eq!(
        env.svc.run_staleness(NOW, HOUR).expect("staleness"),
        JobReport { ran: false, changed: 0 },
        "claimed"
    );
    assert_eq!(
        env.svc.run_staleness(NOW + HOUR, HOUR).expect("staleness"),
        JobReport { ran: true, changed: 2 }
    );
    for id in [disable.id, delete.id] {
        let r = env.stored(id);
        assert_eq!((r.state, r.validation_status), (State::Pending, ValidationStatus::Stale));
        assert_eq!(
            r.validation_errors,
            Some(json!({"staleness": "Resource has been modified since this change request was created"}))
        );
        assert_eq!(r.validated_at, Some(NOW + HOUR));
    }
    assert_eq!(env.verbs(), vec!["created", "created", "marked_stale", "marked_stale"]);
    assert!(env.logged()[2].is_system);
    // Stale requests are not looked at again.
    assert_eq!(
        env.svc.run_staleness(NOW + HOUR * 2, HOUR).expect("staleness"),
        JobReport { ran: true, changed: 0 }
    );
}

pub fn a_gone_resource_is_stale_too(stage: &Stage) {
    let env = Env::new(stage);
    env.store(env.policy("logs_alert.disable", &[env.approver], 1));
    let r = env.gated(env.requester, &alert_disable());
    env.applier.set_live(None);
    assert_eq!(env.svc.run_staleness(NOW, HOUR).expect("staleness"), JobReport { ran: true, changed: 1 });
    assert_eq!(env.stored(r.id).validation_status, ValidationStatus::Stale);
}

pub fn a_create_has_no_resource_to_go_stale(stage: &Stage) {
    let env = Env::new(stage);
    env.store(env.policy("logs_sampling_rule.enable", &[env.approver], 1));
    let born_enabled = Proposal {
        resource_type: "logs_sampling_rule".into(),
        op: Op::Create,
        resource_id: None,
        resource_name: "drop debug".into(),
        before: None,
        after: Some(json!({"name": "drop debug", "enabled": true, "rule_type": "rate_limit"})),
        request: json!({"name": "drop debug", "enabled": true}),
        http_method: "POST".into(),
        preconditions: json!({}),
    };
    let r = env.gated(env.requester, &born_enabled);
    assert_eq!(
        (r.resource_id.clone(), r.intent_display["description"].clone()),
        (None, json!("Create sampling rule 'drop debug' enabled"))
    );
    // A second create is the duplicate (NULL resource ids match).
    let dup = env.check(env.outsider, &born_enabled);
    assert!(
        matches!(dup, Err(crate::gate::Gated::Required(ref reply)) if reply.code == "change_request_pending"),
        "{dup:?}"
    );
    env.applier.set_live(None);
    assert_eq!(env.svc.run_staleness(NOW, HOUR).expect("staleness"), JobReport { ran: true, changed: 0 });
    assert_eq!(env.only_request().validation_status, ValidationStatus::Valid);
}
