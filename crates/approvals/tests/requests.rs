//! Change-request use cases (§5.3): quorum and apply, self-approval, reject, cancel, the
//! 403s, failed applies, concurrent approvers, lists.
#![allow(clippy::unwrap_used)]

mod common;

use approvals::model::{ChangeRequest, Decision, Policy, State};
use approvals::service::{RequestQuery, VoteInput};
use approvals::{ApprovalError, ApprovalRepo};
use common::*;
use serde_json::json;
use uuid::Uuid;

fn reason(r: &str) -> VoteInput {
    VoteInput { reason: Some(r.to_string()) }
}

fn none() -> VoteInput {
    VoteInput::default()
}

/// A pending request to disable alert `errors`, made by REQUESTER under `policy`.
fn pending(env: &Env, policy: Policy) -> ChangeRequest {
    env.policy(policy);
    env.gated(REQUESTER, &alert_disable())
}

fn forbidden<T: std::fmt::Debug>(r: Result<T, ApprovalError>) -> String {
    match r {
        Err(ApprovalError::Forbidden(m)) => m,
        other => panic!("expected a 403, got {other:?}"),
    }
}

fn refused<T: std::fmt::Debug>(r: Result<T, ApprovalError>) -> String {
    match r {
        Err(ApprovalError::Refused(m)) => m,
        other => panic!("expected a 400, got {other:?}"),
    }
}

fn stored(env: &Env, id: Uuid) -> ChangeRequest {
    env.requests().into_iter().find(|r| r.id == id).unwrap()
}

#[test]
fn two_approvals_reach_a_quorum_of_two_and_apply_once() {
    let env = Env::new();
    let r = pending(&env, policy("logs_alert.disable", &[APPROVER, APPROVER2], 2));

    let first = env.svc.approve(&caller(APPROVER), r.id, &reason("fine"), NOW).unwrap();
    assert_eq!(
        (first.status, first.message.as_str()),
        ("approved", "Approval recorded. 1/2 approvals received.")
    );
    assert_eq!((first.view.request.state, first.result.clone()), (State::Pending, None));
    assert_eq!(first.view.viewer.user_decision, Some(Decision::Approved));
    assert!(env.applier.calls().is_empty(), "not applied before quorum");
    let again = refused(env.svc.approve(&caller(APPROVER), r.id, &none(), NOW));
    assert_eq!(again, "You have already voted on this change request.");

    let second = env.svc.approve(&caller(APPROVER2), r.id, &none(), NOW).unwrap();
    assert_eq!(
        (second.status, second.message.as_str()),
        ("applied", "Quorum reached. Change applied successfully.")
    );
    let resource = json!(alert_disable().resource_id);
    assert_eq!(second.result, Some(json!({"resource_id": resource, "resource_version": 4})));
    let done = &second.view.request;
    assert_eq!((done.state, done.applied_by, done.applied_at), (State::Applied, Some(REQUESTER), Some(NOW)));
    assert_eq!(done.result_data, second.result);
    assert_eq!(second.view.votes.len(), 2);
    assert_eq!(second.view.votes[0].1.as_deref(), Some("user3"));
    assert_eq!(env.applier.calls(), vec![r.id]);
    let verbs: Vec<String> = env.activities().into_iter().map(|(_, a)| a).collect();
    assert_eq!(verbs, vec!["created", "approved", "approved", "applied"]);
    let closed = forbidden(env.svc.approve(&caller(APPROVER), r.id, &none(), NOW));
    assert_eq!(closed, "Only pending change requests can be approved");
}

#[test]
fn requesters_approve_their_own_request_only_when_the_policy_allows_it() {
    let env = Env::new();
    let r = pending(&env, policy("logs_alert.disable", &[REQUESTER, APPROVER], 1));
    let own = forbidden(env.svc.approve(&caller(REQUESTER), r.id, &none(), NOW));
    assert_eq!(own, "You cannot approve your own change request");
    assert!(!env.svc.get_request(&caller(REQUESTER), r.id).unwrap().viewer.can_approve);

    let env = Env::new();
    let r =
        pending(&env, Policy { allow_self_approve: true, ..policy("logs_alert.disable", &[REQUESTER], 1) });
    assert!(env.svc.get_request(&caller(REQUESTER), r.id).unwrap().viewer.can_approve);
    let out = env.svc.approve(&caller(REQUESTER), r.id, &none(), NOW).unwrap();
    assert_eq!(out.status, "applied");
}

#[test]
fn only_the_approver_set_may_vote() {
    let env = Env::new();
    let role = Uuid::new_v4();
    env.dir.grant(org(), APPROVER2, role);
    let r = pending(
        &env,
        Policy {
            approver_config: approvals::ApproverConfig {
                quorum: 1,
                users: vec![APPROVER],
                roles: vec![role.to_string()],
            },
            ..policy("logs_alert.disable", &[], 1)
        },
    );
    let outsider = forbidden(env.svc.approve(&caller(OUTSIDER), r.id, &none(), NOW));
    assert_eq!(outsider, "You are not in the approver set for this change request");
    assert_eq!(forbidden(env.svc.reject(&caller(OUTSIDER), r.id, &reason("no"), NOW)), outsider);
    assert_eq!(stored(&env, r.id).votes.len(), 0);
    assert_eq!(env.svc.approve(&caller(APPROVER2), r.id, &none(), NOW).unwrap().status, "applied", "by role");
}

#[test]
fn one_rejection_ends_the_request_and_needs_a_reason() {
    let env = Env::new();
    let r = pending(&env, policy("logs_alert.disable", &[APPROVER, APPROVER2], 2));
    let missing = refused(env.svc.reject(&caller(APPROVER), r.id, &none(), NOW));
    assert_eq!(missing, "A reason is required for rejection.");
    let blank = refused(env.svc.reject(&caller(APPROVER), r.id, &reason("  "), NOW));
    assert_eq!(blank, "A reason is required for rejection.");
    assert_eq!(stored(&env, r.id).state, State::Pending, "nothing written");

    let out = env.svc.reject(&caller(APPROVER), r.id, &reason("too noisy"), NOW).unwrap();
    assert_eq!((out.status, out.message.as_str()), ("rejected", "Change request rejected."));
    let r = stored(&env, r.id);
    assert_eq!(r.state, State::Rejected);
    assert_eq!((r.votes[0].decision, r.votes[0].reason.as_str()), (Decision::Rejected, "too noisy"));
    assert!(env.applier.calls().is_empty());
    assert_eq!(env.activities().last().unwrap().1, "rejected");
    let late = forbidden(env.svc.reject(&caller(APPROVER2), r.id, &reason("me too"), NOW));
    assert_eq!(late, "Only pending change requests can be approved");
}

#[test]
fn requesters_cancel_before_any_approval() {
    let env = Env::new();
    let r = pending(&env, policy("logs_alert.disable", &[APPROVER], 1));
    let not_mine = forbidden(env.svc.cancel(&caller(APPROVER), r.id, &none(), NOW));
    assert_eq!(not_mine, "You cannot cancel this change request");
    let out = env.svc.cancel(&caller(REQUESTER), r.id, &none(), NOW).unwrap();
    assert_eq!((out.status, out.message.as_str()), ("canceled", "Change request canceled."));
    let r = stored(&env, r.id);
    assert_eq!(r.state, State::Rejected, "there is no canceled state");
    assert_eq!((r.votes[0].created_by, r.votes[0].reason.as_str()), (REQUESTER, "Canceled by requester"));
    assert_eq!(env.activities().last().unwrap().1, "canceled");
    assert_eq!(
        forbidden(env.svc.cancel(&caller(REQUESTER), r.id, &none(), NOW)),
        "You cannot cancel this change request"
    );
}

#[test]
fn an_approval_blocks_cancel_until_the_request_goes_stale() {
    let env = Env::new();
    let r = pending(
        &env,
        Policy { allow_self_approve: true, ..policy("logs_alert.disable", &[REQUESTER, APPROVER], 2) },
    );
    env.svc.approve(&caller(REQUESTER), r.id, &none(), NOW).unwrap();
    let blocked = forbidden(env.svc.cancel(&caller(REQUESTER), r.id, &reason("changed my mind"), NOW));
    assert_eq!(blocked, "You cannot cancel this change request");

    env.applier.set_live(Some(json!({"version": 4})));
    let report = env.svc.run_staleness(NOW, time::Duration::minutes(10)).unwrap();
    assert_eq!((report.ran, report.changed), (true, 1));
    let out = env.svc.cancel(&caller(REQUESTER), r.id, &reason("changed my mind"), NOW).unwrap();
    assert_eq!(out.status, "canceled");
    // The requester's own approval is overwritten, not duplicated.
    let votes = stored(&env, r.id).votes;
    assert_eq!(votes.len(), 1);
    assert_eq!((votes[0].decision, votes[0].reason.as_str()), (Decision::Rejected, "changed my mind"));
}

#[test]
fn a_resource_changed_before_approval_fails_with_the_precondition() {
    let env = Env::new();
    let r = pending(&env, policy("logs_alert.disable", &[APPROVER], 1));
    env.applier.set_live(Some(json!({"version": 5})));
    let out = env.svc.approve(&caller(APPROVER), r.id, &none(), NOW).unwrap();
    let error = r#"Precondition failed: Version mismatch: expected {"version":3}, got {"version":5}"#;
    assert_eq!(out.status, "failed");
    assert_eq!(out.message, format!("Quorum reached but application failed: {error}"));
    assert_eq!((out.view.request.state, out.view.request.apply_error.as_str()), (State::Failed, error));
    assert_eq!(out.result, None);
    assert_eq!(env.activities().last().unwrap().1, "apply_failed");
}

#[test]
fn an_action_this_server_does_not_know_fails_at_apply() {
    let env = Env::new();
    env.policy(policy("logs_alert.disable", &[APPROVER], 1));
    let known = env.gated(REQUESTER, &alert_disable());
    let unknown = ChangeRequest { id: Uuid::new_v4(), action_key: "feature_flag.enable".into(), ..known };
    env.repo.create_request(&unknown, &[]).unwrap();
    let out = env.svc.approve(&caller(APPROVER), unknown.id, &none(), NOW).unwrap();
    assert_eq!(out.status, "failed");
    assert_eq!(out.view.request.apply_error, "Action feature_flag.enable not found in registry");
    assert!(env.applier.calls().is_empty());
}

#[test]
fn concurrent_approvers_apply_exactly_once() {
    for quorum in [1, 2] {
        let env = Env::new();
        let r = pending(&env, policy("logs_alert.disable", &[APPROVER, APPROVER2], quorum));
        let barrier = std::sync::Barrier::new(2);
        let outcomes: Vec<Result<&'static str, ApprovalError>> = std::thread::scope(|s| {
            let handles: Vec<_> = [APPROVER, APPROVER2]
                .into_iter()
                .map(|u| {
                    let (svc, barrier) = (&env.svc, &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        svc.approve(&caller(u), r.id, &none(), NOW).map(|o| o.status)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(env.applier.calls(), vec![r.id], "quorum {quorum}: one apply");
        assert_eq!(stored(&env, r.id).state, State::Applied);
        let applied = outcomes.iter().filter(|o| matches!(o, Ok("applied"))).count();
        assert_eq!(applied, 1, "quorum {quorum}: {outcomes:?}");
        if quorum == 2 {
            assert!(outcomes.iter().any(|o| matches!(o, Ok("approved"))), "{outcomes:?}");
        } else {
            // The loser saw it approved: 403 on the fresh read, or 400 under the lock.
            assert!(
                outcomes
                    .iter()
                    .any(|o| matches!(o, Err(ApprovalError::Forbidden(_) | ApprovalError::Refused(_))))
            );
        }
    }
}

#[test]
fn lists_filter_and_compute_the_viewer() {
    let env = Env::new();
    let r = pending(&env, policy("logs_alert.disable", &[APPROVER], 1));
    let q = |state: Option<&str>, requester: Option<&str>| RequestQuery {
        state: state.map(str::to_string),
        requester: requester.map(str::to_string),
        ..RequestQuery::default()
    };
    let page =
        env.svc.list_requests(&caller(APPROVER), &q(Some("pending,applied"), Some("2")), 10, 0).unwrap();
    assert_eq!(page.count, 1);
    let v = &page.results[0];
    assert_eq!((v.request.id, v.viewer.can_approve, v.viewer.is_requester), (r.id, true, false));
    assert_eq!(v.created_by.as_deref(), Some("user2"));
    assert_eq!(env.svc.list_requests(&caller(APPROVER), &q(Some("applied"), None), 10, 0).unwrap().count, 0);
    let alias = RequestQuery { action_type: Some("logs_alert.disable".into()), ..RequestQuery::default() };
    assert_eq!(env.svc.list_requests(&caller(APPROVER), &alias, 10, 0).unwrap().count, 1);
    match env.svc.list_requests(&caller(APPROVER), &q(None, Some("ada")), 10, 0) {
        Err(ApprovalError::Invalid { attr, detail, .. }) => {
            assert_eq!((attr.as_deref(), detail.as_str()), (Some("requester"), "Enter a number."));
        }
        other => panic!("expected a 400, got {other:?}"),
    }
    let mine = env.svc.get_request(&caller(REQUESTER), r.id).unwrap().viewer;
    assert_eq!((mine.is_requester, mine.can_cancel, mine.can_approve), (true, true, false));
    let elsewhere = approvals::service::Caller { team: TEAM + 1, ..caller(APPROVER) };
    assert!(matches!(env.svc.get_request(&elsewhere, r.id), Err(ApprovalError::NotFound)));
    assert!(matches!(env.svc.approve(&elsewhere, r.id, &none(), NOW), Err(ApprovalError::NotFound)));
}
