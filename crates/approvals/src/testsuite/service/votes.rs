//! Approve, reject and cancel (§5.2–5.3): quorum and apply, self-approval, the approver
//! set, reasons, cancel before and after votes and when stale, failed applies, and
//! approvers voting at the same moment on real threads (the store's row lock).

use std::sync::Barrier;

use serde_json::json;
use time::Duration;
use uuid::Uuid;

use super::Stage;
use super::env::*;
use crate::error::ApprovalError;
use crate::model::{ApproverConfig, ChangeRequest, Decision, Policy, State};
use crate::service::VoteInput;

fn reason(r: &str) -> VoteInput {
    VoteInput { reason: Some(r.to_string()) }
}

fn none() -> VoteInput {
    VoteInput::default()
}

/// A pending request to disable alert `errors`, made by the requester under `policy`.
fn pending(env: &Env<'_>, policy: Policy) -> ChangeRequest {
    env.store(policy);
    env.gated(env.requester, &alert_disable())
}

pub fn two_approvals_reach_a_quorum_of_two_and_apply_once(stage: &Stage) {
    let env = Env::new(stage);
    let r = pending(&env, env.policy("logs_alert.disable", &[env.approver, env.approver2], 2));

    let first = env.svc.approve(&env.caller(env.approver), r.id, &reason("fine"), NOW).expect("first vote");
    assert_eq!(
        (first.status, first.message.as_str()),
        ("approved", "Approval recorded. 1/2 approvals received.")
    );
    assert_eq!((first.view.request.state, first.result.clone()), (State::Pending, None));
    assert_eq!(first.view.viewer.user_decision, Some(Decision::Approved));
    let stored = env.stored(r.id);
    assert_eq!(stored.state, State::Pending, "still pending in the store");
    assert_eq!((stored.votes.len(), stored.votes[0].reason.as_str()), (1, "fine"));
    assert!(env.applier.calls().is_empty(), "not applied before quorum");
    assert_eq!(env.applier.resource(ALERT_ID), None, "the alert is untouched");
    let again = refused(env.svc.approve(&env.caller(env.approver), r.id, &none(), NOW));
    assert_eq!(again, "You have already voted on this change request.");

    let second = env.svc.approve(&env.caller(env.approver2), r.id, &none(), NOW).expect("second vote");
    assert_eq!(
        (second.status, second.message.as_str()),
        ("applied", "Quorum reached. Change applied successfully.")
    );
    let resource = json!(ALERT_ID);
    assert_eq!(second.result, Some(json!({"resource_id": resource, "resource_version": 4})));
    let done = env.stored(r.id);
    assert_eq!(done, second.view.request, "the reply is what was stored");
    assert_eq!(
        (done.state, done.applied_by, done.applied_at),
        (State::Applied, Some(env.requester), Some(NOW))
    );
    assert_eq!((done.result_data.clone(), done.apply_error.as_str()), (second.result.clone(), ""));
    assert_eq!(second.view.votes.len(), 2);
    assert_eq!(second.view.votes[0].1, Some(name(env.approver)), "oldest vote first");
    assert_eq!(env.applier.calls(), vec![r.id]);
    assert_eq!(env.applier.resource(ALERT_ID), Some(json!({"enabled": false})), "the alert shows the change");
    assert_eq!(env.verbs(), vec!["created", "approved", "approved", "applied"]);
    let closed = forbidden(env.svc.approve(&env.caller(env.approver), r.id, &none(), NOW));
    assert_eq!(closed, "Only pending change requests can be approved");
}

pub fn requesters_approve_their_own_request_only_when_the_policy_allows_it(stage: &Stage) {
    let env = Env::new(stage);
    let p = env.store(env.policy("logs_alert.disable", &[env.requester, env.approver], 1));
    let off = env.gated(env.requester, &alert_disable());
    let own = forbidden(env.svc.approve(&env.caller(env.requester), off.id, &none(), NOW));
    assert_eq!(own, "You cannot approve your own change request");
    assert!(!env.svc.get_request(&env.caller(env.requester), off.id).expect("get").viewer.can_approve);
    assert!(env.stored(off.id).votes.is_empty());

    // Turning it on reaches later requests only: the snapshot decides.
    env.restore(Policy { allow_self_approve: true, ..p });
    let still_off = forbidden(env.svc.approve(&env.caller(env.requester), off.id, &none(), NOW));
    assert_eq!(still_off, "You cannot approve your own change request");
    let on_ = env.gated(env.requester, &on("a2", alert_disable()));
    assert!(env.svc.get_request(&env.caller(env.requester), on_.id).expect("get").viewer.can_approve);
    let out = env.svc.approve(&env.caller(env.requester), on_.id, &none(), NOW).expect("self-approve");
    assert_eq!(out.status, "applied");
    assert_eq!(env.stored(on_.id).votes[0].created_by, env.requester);
}

pub fn only_the_approver_set_may_vote(stage: &Stage) {
    let env = Env::new(stage);
    let role = Uuid::new_v4();
    env.dir.grant(env.org, env.approver2, role);
    let config = ApproverConfig { quorum: 1, users: vec![env.approver], roles: vec![role.to_string()] };
    let r = pending(&env, Policy { approver_config: config, ..env.policy("logs_alert.disable", &[], 1) });
    let outsider = forbidden(env.svc.approve(&env.caller(env.outsider), r.id, &none(), NOW));
    assert_eq!(outsider, "You are not in the approver set for this change request");
    assert_eq!(forbidden(env.svc.reject(&env.caller(env.outsider), r.id, &reason("no"), NOW)), outsider);
    assert_eq!(env.stored(r.id).votes.len(), 0);
    let by_role = env.svc.approve(&env.caller(env.approver2), r.id, &none(), NOW).expect("by role");
    assert_eq!(by_role.status, "applied");
}

pub fn one_rejection_ends_the_request_and_needs_a_reason(stage: &Stage) {
    let env = Env::new(stage);
    let r = pending(&env, env.policy("logs_alert.disable", &[env.approver, env.approver2], 2));
    let missing = refused(env.svc.reject(&env.caller(env.approver), r.id, &none(), NOW));
    assert_eq!(missing, "A reason is required for rejection.");
    let blank = refused(env.svc.reject(&env.caller(env.approver), r.id, &reason("  "), NOW));
    assert_eq!(blank, "A reason is required for rejection.");
    assert_eq!((env.stored(r.id).state, env.logged().len()), (State::Pending, 1), "nothing written");

    let out = env.svc.reject(&env.caller(env.approver), r.id, &reason("too noisy"), NOW).expect("reject");
    assert_eq!((out.status, out.message.as_str()), ("rejected", "Change request rejected."));
    let r = env.stored(r.id);
    assert_eq!(r.state, State::Rejected, "one rejection, quorum or not");
    assert_eq!((r.votes[0].decision, r.votes[0].reason.as_str()), (Decision::Rejected, "too noisy"));
    assert!(env.applier.calls().is_empty());
    assert_eq!(env.verbs(), vec!["created", "rejected"]);
    let late = forbidden(env.svc.reject(&env.caller(env.approver2), r.id, &reason("me too"), NOW));
    assert_eq!(late, "Only pending change requests can be approved");
}

pub fn requesters_cancel_before_any_approval(stage: &Stage) {
    let env = Env::new(stage);
    let p = env.store(env.policy("logs_alert.disable", &[env.approver], 1));
    let r = env.gated(env.requester, &alert_disable());
    let not_mine = forbidden(env.svc.cancel(&env.caller(env.approver), r.id, &none(), NOW));
    assert_eq!(not_mine, "You cannot cancel this change request");
    let out = env.svc.cancel(&env.caller(env.requester), r.id, &none(), NOW).expect("cancel");
    assert_eq!((out.status, out.message.as_str()), ("canceled", "Change request canceled."));
    let r = env.stored(r.id);
    assert_eq!(r.state, State::Rejected, "there is no canceled state");
    assert_eq!(
        (r.votes[0].created_by, r.votes[0].decision, r.votes[0].reason.as_str()),
        (env.requester, Decision::Rejected, "Canceled by requester")
    );
    assert_eq!(env.verbs(), vec!["created", "canceled"]);
    let twice = forbidden(env.svc.cancel(&env.caller(env.requester), r.id, &none(), NOW));
    assert_eq!(twice, "You cannot cancel this change request");
    // Once someone approved, the requester can no longer take it back.
    let config = ApproverConfig { quorum: 2, users: vec![env.approver, env.approver2], roles: vec![] };
    env.restore(Policy { approver_config: config, ..p });
    let other = env.gated(env.requester, &on("a2", alert_disable()));
    env.svc.approve(&env.caller(env.approver), other.id, &none(), NOW).expect("one of two");
    assert!(!env.svc.get_request(&env.caller(env.requester), other.id).expect("get").viewer.can_cancel);
    let voted = forbidden(env.svc.cancel(&env.caller(env.requester), other.id, &none(), NOW));
    assert_eq!(voted, "You cannot cancel this change request");
    assert_eq!(env.stored(other.id).state, State::Pending);
}

pub fn an_approval_blocks_cancel_until_the_request_goes_stale(stage: &Stage) {
    let env = Env::new(stage);
    let r = pending(
        &env,
        Policy {
            allow_self_approve: true,
            ..env.policy("logs_alert.disable", &[env.requester, env.approver], 2)
        },
    );
    env.svc.approve(&env.caller(env.requester), r.id, &none(), NOW).expect("own approval");
    let blocked =
        forbidden(env.svc.cancel(&env.caller(env.requester), r.id, &reason("changed my mind"), NOW));
    assert_eq!(blocked, "You cannot cancel this change request");
    assert!(!env.svc.get_request(&env.caller(env.requester), r.id).expect("get").viewer.can_cancel);

    env.applier.set_live(Some(json!({"version": 4})));
    let report = env.svc.run_staleness(NOW, Duration::minutes(10)).expect("staleness");
    assert_eq!((report.ran, report.changed), (true, 1));
    assert!(env.svc.get_request(&env.caller(env.requester), r.id).expect("get").viewer.can_cancel);
    let out =
        env.svc.cancel(&env.caller(env.requester), r.id, &reason("changed my mind"), NOW).expect("cancel");
    assert_eq!(out.status, "canceled");
    // The requester's own approval is overwritten, not duplicated.
    let stored = env.stored(r.id);
    assert_eq!(stored.state, State::Rejected);
    assert_eq!(stored.votes.len(), 1);
    assert_eq!(
        (stored.votes[0].decision, stored.votes[0].reason.as_str()),
        (Decision::Rejected, "changed my mind")
    );
}

pub fn a_resource_changed_before_approval_fails_with_the_precondition(stage: &Stage) {
    let env = Env::new(stage);
    let r = pending(&env, env.policy("logs_alert.disable", &[env.approver], 1));
    env.applier.set_live(Some(json!({"version": 5})));
    let out = env.svc.approve(&env.caller(env.approver), r.id, &none(), NOW).expect("approve");
    let error = r#"Precondition failed: Version mismatch: expected {"version":3}, got {"version":5}"#;
    assert_eq!(out.status, "failed");
    assert_eq!(out.message, format!("Quorum reached but application failed: {error}"));
    assert_eq!(out.result, None);
    let stored = env.stored(r.id);
    assert_eq!((stored.state, stored.apply_error.as_str()), (State::Failed, error));
    assert_eq!((stored.applied_at, stored.result_data), (None, None));
    assert_eq!(env.applier.resource(ALERT_ID), None, "nothing written to the alert");
    assert_eq!(env.verbs(), vec!["created", "approved", "apply_failed"]);
}

pub fn an_action_this_server_does_not_know_fails_at_apply(stage: &Stage) {
    let env = Env::new(stage);
    env.store(env.policy("logs_alert.disable", &[env.approver], 1));
    let known = env.gated(env.requester, &alert_disable());
    let unknown = ChangeRequest { id: Uuid::new_v4(), action_key: "feature_flag.enable".into(), ..known };
    env.repo.create_request(&unknown, &[]).expect("store it");
    let out = env.svc.approve(&env.caller(env.approver), unknown.id, &none(), NOW).expect("approve");
    assert_eq!(out.status, "failed");
    assert_eq!(env.stored(unknown.id).apply_error, "Action feature_flag.enable not found in registry");
    assert!(env.applier.calls().is_empty());
}

/// `rounds` requests, each approved by two approvers released at once on two threads.
fn race(env: &Env<'_>, quorum: i64, rounds: usize) {
    env.store(env.policy("logs_alert.disable", &[env.approver, env.approver2], quorum));
    for round in 0..rounds {
        let r = env.gated(env.requester, &on(&format!("race{round}"), alert_disable()));
        let barrier = Barrier::new(2);
        let outcomes: Vec<Result<&'static str, ApprovalError>> = std::thread::scope(|s| {
            let handles: Vec<_> = [env.approver, env.approver2]
                .into_iter()
                .map(|u| {
                    let barrier = &barrier;
                    s.spawn(move || {
                        barrier.wait();
                        env.svc.approve(&env.caller(u), r.id, &none(), NOW).map(|o| o.status)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("approver thread")).collect()
        });
        let applies = env.applier.calls().iter().filter(|id| **id == r.id).count();
        assert_eq!(applies, 1, "quorum {quorum}, round {round}: one apply ({outcomes:?})");
        let stored = env.stored(r.id);
        assert_eq!(stored.state, State::Applied, "quorum {quorum}, round {round}");
        let applied = outcomes.iter().filter(|o| matches!(o, Ok("applied"))).count();
        assert_eq!(applied, 1, "quorum {quorum}, round {round}: {outcomes:?}");
        let n = stored.votes.len();
        if quorum == 2 {
            assert!(outcomes.iter().any(|o| matches!(o, Ok("approved"))), "{outcomes:?}");
            assert_eq!(n, 2, "both votes counted");
        } else {
            // The loser saw it approved: 403 on the fresh read, or 400 under the lock.
            let lost = |o: &Result<&str, ApprovalError>| {
                matches!(o, Err(ApprovalError::Forbidden(_) | ApprovalError::Refused(_)))
            };
            assert!(outcomes.iter().any(lost), "{outcomes:?}");
            assert_eq!(n, 1, "the loser's vote was not written");
        }
        let applied_entries = env
            .logged()
            .iter()
            .filter(|e| e.item_id == Some(r.id.to_string()) && e.activity == "applied")
            .count();
        assert_eq!(applied_entries, 1, "one `applied` entry");
    }
}

pub fn concurrent_approvers_of_a_quorum_of_one_apply_once(stage: &Stage) {
    race(&Env::new(stage), 1, 4);
}

pub fn concurrent_approvers_of_a_quorum_of_two_apply_once(stage: &Stage) {
    race(&Env::new(stage), 2, 4);
}
