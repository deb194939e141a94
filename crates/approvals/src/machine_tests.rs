#![allow(clippy::unwrap_used)]
use super::*;
use time::Duration;
use time::macros::datetime;

const REQUESTER: i64 = 1;
const APPROVER: i64 = 2;
const OTHER_APPROVER: i64 = 3;
const OUTSIDER: i64 = 9;

fn created() -> OffsetDateTime {
    datetime!(2026-12-01 10:00 UTC)
}

fn now() -> OffsetDateTime {
    datetime!(2026-12-02 12:00 UTC)
}

fn role() -> Uuid {
    Uuid::parse_str("0192d6a8-5f00-7000-8000-00000000abcd").unwrap()
}

/// A pending request by `REQUESTER`, approvers `users` = [APPROVER, OTHER_APPROVER] and the
/// role, the given quorum, self-approval off.
fn request(quorum: i64) -> ChangeRequest {
    ChangeRequest {
        id: Uuid::now_v7(),
        organization_id: Uuid::nil(),
        team_id: Some(2),
        policy_id: Some(Uuid::now_v7()),
        action_key: "logs_alert.delete".into(),
        action_version: 1,
        resource_type: "logs_alert".into(),
        resource_id: Some("a1".into()),
        intent: json!({"gated_changes": {}}),
        intent_display: json!({"description": "Delete alert 'x'"}),
        policy_snapshot: json!({
            "quorum": quorum,
            "users": [APPROVER, OTHER_APPROVER],
            "roles": [role().to_string()],
            "allow_self_approve": false,
            "conditions": {},
            "bypass_org_membership_levels": [],
            "bypass_roles": [],
        }),
        validation_status: ValidationStatus::Valid,
        validation_errors: None,
        validated_at: None,
        state: State::Pending,
        created_by: REQUESTER,
        applied_by: None,
        created_at: created(),
        updated_at: created(),
        expires_at: created() + Duration::days(14),
        applied_at: None,
        apply_error: String::new(),
        result_data: None,
        votes: Vec::new(),
    }
}

fn self_approving(quorum: i64) -> ChangeRequest {
    let mut r = request(quorum);
    r.policy_snapshot["allow_self_approve"] = json!(true);
    r.policy_snapshot["users"] = json!([REQUESTER, APPROVER]);
    r
}

fn actor(user_id: i64) -> Actor {
    Actor { user_id, roles: Vec::new() }
}

fn with_role(user_id: i64) -> Actor {
    Actor { user_id, roles: vec![Uuid::now_v7(), role()] }
}

fn vote(user: i64, decision: Decision) -> Vote {
    Vote { id: Uuid::now_v7(), created_by: user, decision, reason: String::new(), created_at: created() }
}

fn in_state(state: State) -> ChangeRequest {
    let mut r = request(1);
    r.state = state;
    r
}

fn forbidden(r: Result<()>) -> String {
    match r {
        Err(ApprovalError::Forbidden(m)) => m,
        other => panic!("expected 403, got {other:?}"),
    }
}

fn refused_with<T: std::fmt::Debug>(r: Result<T>) -> String {
    match r {
        Err(ApprovalError::Refused(m)) => m,
        other => panic!("expected 400, got {other:?}"),
    }
}

#[test]
fn viewer_without_a_caller_is_all_false() {
    let mut r = request(1);
    r.votes.push(vote(REQUESTER, Decision::Approved));
    assert_eq!(viewer(&r, None), Viewer::default());
    assert_eq!(
        viewer(&r, None),
        Viewer { can_approve: false, can_cancel: false, is_requester: false, user_decision: None }
    );
}

#[test]
fn viewer_for_the_requester() {
    let r = request(1);
    let v = viewer(&r, Some(&actor(REQUESTER)));
    assert!(v.is_requester && v.can_cancel);
    assert!(!v.can_approve, "self-approval is off");
    assert_eq!(v.user_decision, None);
    // In the approver set but self-approval off: still no.
    let mut listed = request(1);
    listed.policy_snapshot["users"] = json!([REQUESTER]);
    assert!(!viewer(&listed, Some(&actor(REQUESTER))).can_approve);
    // Self-approval on and listed: yes.
    assert!(viewer(&self_approving(1), Some(&actor(REQUESTER))).can_approve);
    // Self-approval on but not listed: no.
    let mut unlisted = self_approving(1);
    unlisted.policy_snapshot["users"] = json!([APPROVER]);
    assert!(!viewer(&unlisted, Some(&actor(REQUESTER))).can_approve);
    // Only `true` turns self-approval on.
    let mut truthy = self_approving(1);
    truthy.policy_snapshot["allow_self_approve"] = json!("true");
    assert!(!viewer(&truthy, Some(&actor(REQUESTER))).can_approve);
}

#[test]
fn viewer_for_approvers_and_outsiders() {
    let mut r = request(2);
    r.votes.push(vote(APPROVER, Decision::Approved));
    let v = viewer(&r, Some(&actor(APPROVER)));
    assert_eq!(
        v,
        Viewer {
            can_approve: true,
            can_cancel: false,
            is_requester: false,
            user_decision: Some(Decision::Approved)
        }
    );
    let by_role = viewer(&r, Some(&with_role(OUTSIDER)));
    assert!(by_role.can_approve && !by_role.is_requester && by_role.user_decision.is_none());
    assert_eq!(viewer(&r, Some(&actor(OUTSIDER))), Viewer::default());
    // can_approve ignores the state (the endpoint refuses non-pending requests).
    let mut done = in_state(State::Applied);
    done.votes.push(vote(OTHER_APPROVER, Decision::Rejected));
    let v = viewer(&done, Some(&actor(OTHER_APPROVER)));
    assert!(v.can_approve);
    assert_eq!(v.user_decision, Some(Decision::Rejected));
}

#[test]
fn can_cancel_needs_pending_requester_and_no_approvals_unless_stale() {
    let me = actor(REQUESTER);
    assert!(viewer(&request(1), Some(&me)).can_cancel);
    assert!(!viewer(&request(1), Some(&actor(APPROVER))).can_cancel);
    for state in [State::Approved, State::Applied, State::Rejected, State::Expired, State::Failed] {
        assert!(!viewer(&in_state(state), Some(&me)).can_cancel, "{state:?}");
    }
    let mut approved = request(2);
    approved.votes.push(vote(APPROVER, Decision::Approved));
    assert!(!viewer(&approved, Some(&me)).can_cancel);
    approved.validation_status = ValidationStatus::Stale;
    assert!(viewer(&approved, Some(&me)).can_cancel);
    // A rejected vote is not an approval (and a rejected vote ends a request anyway).
    let mut rejected_vote = request(2);
    rejected_vote.votes.push(vote(APPROVER, Decision::Rejected));
    assert!(viewer(&rejected_vote, Some(&me)).can_cancel);
}

#[test]
fn approver_set_by_user_or_role_compared_as_strings() {
    let snap = json!({"users": [5, "6"], "roles": [role().to_string().to_uppercase()]});
    assert!(in_approver_set(&snap, &actor(5)));
    assert!(in_approver_set(&snap, &actor(6)));
    assert!(!in_approver_set(&snap, &actor(7)));
    assert!(in_approver_set(&snap, &with_role(7)));
    assert!(!in_approver_set(&json!({}), &with_role(7)));
    assert!(!in_approver_set(&json!({"users": "5", "roles": "x"}), &actor(5)));
}

#[test]
fn check_voter_messages_in_order() {
    assert_eq!(forbidden(check_voter(&in_state(State::Approved), &actor(APPROVER))), NOT_PENDING);
    assert_eq!(forbidden(check_voter(&in_state(State::Rejected), &actor(REQUESTER))), NOT_PENDING);
    assert_eq!(forbidden(check_voter(&request(1), &actor(REQUESTER))), OWN_REQUEST);
    assert_eq!(forbidden(check_voter(&request(1), &actor(OUTSIDER))), NOT_APPROVER);
    assert!(check_voter(&request(1), &actor(APPROVER)).is_ok());
    assert!(check_voter(&request(1), &with_role(OUTSIDER)).is_ok());
    assert!(check_voter(&self_approving(1), &actor(REQUESTER)).is_ok());
    assert_eq!(NOT_PENDING, "Only pending change requests can be approved");
    assert_eq!(OWN_REQUEST, "You cannot approve your own change request");
    assert_eq!(NOT_APPROVER, "You are not in the approver set for this change request");
}

#[test]
fn approve_counts_towards_quorum() {
    let r = request(2);
    let first = approve(&r, &actor(APPROVER), "looks fine", now()).unwrap();
    assert!(!first.quorum_reached);
    assert_eq!(first.approvals, 1);
    assert_eq!(first.next.state, State::Pending);
    assert_eq!(first.next.updated_at, now());
    assert_eq!(first.vote.created_by, APPROVER);
    assert_eq!(first.vote.decision, Decision::Approved);
    assert_eq!(first.vote.reason, "looks fine");
    assert_eq!(first.vote.created_at, now());
    assert_eq!(first.vote.id.get_version_num(), 7);
    assert_eq!(first.next.votes, vec![first.vote.clone()]);

    let second = approve(&first.next, &with_role(OUTSIDER), "", now()).unwrap();
    assert!(second.quorum_reached);
    assert_eq!(second.approvals, 2);
    assert_eq!(second.next.state, State::Approved);
    assert_eq!(second.next.votes.len(), 2);
    assert_ne!(second.vote.id, first.vote.id);
}

#[test]
fn approve_quorum_one_and_default() {
    let done = approve(&request(1), &actor(APPROVER), "", now()).unwrap();
    assert!(done.quorum_reached && done.next.state == State::Approved);
    // Missing or nonsense quorum counts as 1.
    let mut r = request(1);
    r.policy_snapshot.as_object_mut().unwrap().remove("quorum");
    assert!(approve(&r, &actor(APPROVER), "", now()).unwrap().quorum_reached);
    r.policy_snapshot["quorum"] = json!(0);
    assert!(approve(&r, &actor(APPROVER), "", now()).unwrap().quorum_reached);
    // A rejected vote does not count towards quorum.
    let mut r = request(2);
    r.votes.push(vote(OTHER_APPROVER, Decision::Rejected));
    assert!(!approve(&r, &actor(APPROVER), "", now()).unwrap().quorum_reached);
}

#[test]
fn approve_with_self_approval() {
    let r = self_approving(2);
    let mine = approve(&r, &actor(REQUESTER), "", now()).unwrap();
    assert_eq!(mine.approvals, 1);
    assert!(!mine.quorum_reached);
    let theirs = approve(&mine.next, &actor(APPROVER), "", now()).unwrap();
    assert!(theirs.quorum_reached);
}

#[test]
fn one_vote_per_user() {
    let r = approve(&request(3), &actor(APPROVER), "", now()).unwrap().next;
    assert_eq!(refused_with(approve(&r, &actor(APPROVER), "", now())), ALREADY_VOTED);
    assert_eq!(refused_with(reject(&r, &actor(APPROVER), Some("no"), now())), ALREADY_VOTED);
    assert_eq!(ALREADY_VOTED, "You have already voted on this change request.");
}

#[test]
fn approve_refuses_a_request_no_longer_pending() {
    for state in [State::Approved, State::Applied, State::Rejected, State::Expired, State::Failed] {
        let m = refused_with(approve(&in_state(state), &actor(APPROVER), "", now()));
        assert_eq!(m, "This change request can no longer be approved.");
    }
}

#[test]
fn reject_needs_a_reason_and_ends_the_request() {
    let r = request(3);
    for reason in [None, Some(""), Some("   ")] {
        assert_eq!(
            refused_with(reject(&r, &actor(APPROVER), reason, now())),
            "A reason is required for rejection."
        );
    }
    let (next, v) = reject(&r, &actor(APPROVER), Some("too risky"), now()).unwrap();
    assert_eq!(next.state, State::Rejected);
    assert_eq!(next.updated_at, now());
    assert_eq!((v.decision, v.reason.as_str(), v.created_by), (Decision::Rejected, "too risky", APPROVER));
    assert_eq!(next.votes, vec![v]);
    // After approvals too: one rejection is enough.
    let half = approve(&r, &actor(OTHER_APPROVER), "", now()).unwrap().next;
    let (next, _) = reject(&half, &actor(APPROVER), Some("no"), now()).unwrap();
    assert_eq!(next.state, State::Rejected);
    assert_eq!(next.votes.len(), 2);
}

#[test]
fn reject_refuses_a_request_no_longer_pending() {
    let m = refused_with(reject(&in_state(State::Expired), &actor(APPROVER), Some("x"), now()));
    assert_eq!(m, "This change request can no longer be rejected.");
    // The reason is checked first.
    let m = refused_with(reject(&in_state(State::Expired), &actor(APPROVER), None, now()));
    assert_eq!(m, REASON_REQUIRED);
}

#[test]
fn check_cancel_follows_can_cancel() {
    assert!(check_cancel(&request(1), &actor(REQUESTER)).is_ok());
    assert_eq!(
        forbidden(check_cancel(&request(1), &actor(APPROVER))),
        "You cannot cancel this change request"
    );
    assert_eq!(forbidden(check_cancel(&in_state(State::Applied), &actor(REQUESTER))), CANNOT_CANCEL);
    let mut approved = request(2);
    approved.votes.push(vote(APPROVER, Decision::Approved));
    assert_eq!(forbidden(check_cancel(&approved, &actor(REQUESTER))), CANNOT_CANCEL);
    approved.validation_status = ValidationStatus::Stale;
    assert!(check_cancel(&approved, &actor(REQUESTER)).is_ok());
}

#[test]
fn cancel_before_votes() {
    let (next, v) = cancel(&request(1), &actor(REQUESTER), None, now()).unwrap();
    assert_eq!(next.state, State::Rejected);
    assert_eq!(next.updated_at, now());
    assert_eq!(
        (v.decision, v.reason.as_str(), v.created_by),
        (Decision::Rejected, "Canceled by requester", REQUESTER)
    );
    assert_eq!(next.votes, vec![v]);
    let (_, v) = cancel(&request(1), &actor(REQUESTER), Some("wrong flag"), now()).unwrap();
    assert_eq!(v.reason, "wrong flag");
    let (_, v) = cancel(&request(1), &actor(REQUESTER), Some(" "), now()).unwrap();
    assert_eq!(v.reason, CANCEL_REASON);
}

#[test]
fn cancel_after_approvals_only_when_stale() {
    let mut r = request(2);
    r.votes.push(vote(APPROVER, Decision::Approved));
    assert_eq!(refused_with(cancel(&r, &actor(REQUESTER), None, now())), NO_LONGER_CANCELABLE);
    r.validation_status = ValidationStatus::Stale;
    let (next, v) = cancel(&r, &actor(REQUESTER), None, now()).unwrap();
    assert_eq!(next.state, State::Rejected);
    assert_eq!(next.votes.len(), 2);
    assert_eq!(next.votes[1], v);
}

#[test]
fn cancel_replaces_the_requesters_own_vote() {
    let first = approve(&self_approving(2), &actor(REQUESTER), "mine", now()).unwrap();
    let mut r = first.next;
    r.votes.push(vote(APPROVER, Decision::Rejected));
    r.validation_status = ValidationStatus::Stale;
    let later = now() + Duration::hours(1);
    let (next, v) = cancel(&r, &actor(REQUESTER), None, later).unwrap();
    assert_eq!(v.id, first.vote.id, "the vote row is reused");
    assert_eq!((v.decision, v.reason.as_str(), v.created_at), (Decision::Rejected, CANCEL_REASON, later));
    assert_eq!(next.votes.iter().filter(|x| x.created_by == REQUESTER).count(), 1);
    assert_eq!(next.votes.len(), 2);
    assert_eq!(next.approved_votes(), 0);
}

#[test]
fn cancel_refuses_others_and_closed_requests() {
    for state in [State::Approved, State::Applied, State::Rejected, State::Expired, State::Failed] {
        let m = refused_with(cancel(&in_state(state), &actor(REQUESTER), None, now()));
        assert_eq!(m, "This change request can no longer be canceled.");
    }
    assert_eq!(refused_with(cancel(&request(1), &actor(APPROVER), None, now())), NO_LONGER_CANCELABLE);
}

#[test]
fn expiry_of_open_requests_only() {
    let due = created() + Duration::days(14);
    for state in [State::Pending, State::Approved] {
        let r = in_state(state);
        assert_eq!(expire(&r, due - Duration::seconds(1)), None);
        let next = expire(&r, due).unwrap();
        assert_eq!(next.state, State::Expired);
        assert_eq!(next.updated_at, due);
        assert!(expire(&r, due + Duration::days(1)).is_some());
    }
    for state in [State::Applied, State::Rejected, State::Expired, State::Failed] {
        assert_eq!(expire(&in_state(state), due + Duration::days(1)), None, "{state:?}");
    }
}

#[test]
fn staleness_marks_pending_requests_once() {
    let r = request(1);
    let next = mark_stale(&r, now()).unwrap();
    assert_eq!(next.validation_status, ValidationStatus::Stale);
    assert_eq!(
        next.validation_errors,
        Some(json!({"staleness": "Resource has been modified since this change request was created"}))
    );
    assert_eq!(next.validated_at, Some(now()));
    assert_eq!(next.updated_at, now());
    assert_eq!(next.state, State::Pending);
    assert_eq!(mark_stale(&next, now()), None);
    assert_eq!(mark_stale(&in_state(State::Approved), now()), None);
    assert_eq!(mark_stale(&in_state(State::Applied), now()), None);
    let mut invalid = request(1);
    invalid.validation_status = ValidationStatus::Invalid;
    assert!(mark_stale(&invalid, now()).is_some());
}

#[test]
fn applied_and_failed() {
    let approved = in_state(State::Approved);
    let result = Applied { resource_id: json!("a1"), resource_version: json!(4) };
    let next = applied(&approved, &result, now());
    assert_eq!(next.state, State::Applied);
    assert_eq!(next.applied_at, Some(now()));
    assert_eq!(next.applied_by, Some(REQUESTER));
    assert_eq!(next.result_data, Some(json!({"resource_id": "a1", "resource_version": 4})));
    assert_eq!(next.updated_at, now());

    let cases = [
        (ApplyError::Validation("bad".into()), "Validation failed: bad"),
        (
            ApplyError::Precondition("Flag version mismatch: expected 3, got 4".into()),
            "Precondition failed: Flag version mismatch: expected 3, got 4",
        ),
        (ApplyError::Other("boom".into()), "boom"),
    ];
    for (e, msg) in cases {
        let next = failed(&approved, &e, now());
        assert_eq!(next.state, State::Failed);
        assert_eq!(next.apply_error, msg);
        assert_eq!(next.updated_at, now());
        assert_eq!(next.applied_at, None);
    }
}

#[test]
fn transitions_leave_the_input_alone() {
    let r = request(1);
    let before = r.clone();
    let _ = approve(&r, &actor(APPROVER), "", now()).unwrap();
    let _ = reject(&r, &actor(APPROVER), Some("x"), now()).unwrap();
    let _ = cancel(&r, &actor(REQUESTER), None, now()).unwrap();
    assert_eq!(r, before);
}
