//! `transition`: what it writes, what it leaves alone, and its lock.

use std::sync::Barrier;
use std::sync::Mutex;

use serde_json::json;
use uuid::Uuid;

use super::requests::{add_vote, create, vote};
use super::{Fixture, assert_logged, assert_not_found, at, entry, ok, request};
use crate::error::ApprovalError;
use crate::model::{ChangeRequest, Decision, REQUEST_SCOPE, State, ValidationStatus};
use crate::repo::{ApprovalRepo, Transition};

pub fn transition_writes_the_row_the_vote_and_the_activity(repo: &dyn ApprovalRepo, fx: &Fixture) {
    let r = create(repo, &request(fx.org, Some(fx.team), "k", Some("1"), fx.users[0], 1));
    let v = vote(fx.users[1], Decision::Approved, 5);
    let audit = vec![entry(fx, REQUEST_SCOPE, "approved"), entry(fx, REQUEST_SCOPE, "applied")];
    let changed = ChangeRequest {
        validation_status: ValidationStatus::Invalid,
        validation_errors: Some(json!({"active": ["Not allowed."]})),
        validated_at: Some(at(6)),
        state: State::Applied,
        applied_by: Some(fx.users[0]),
        updated_at: at(7),
        expires_at: at(99),
        applied_at: Some(at(7)),
        apply_error: "partly".into(),
        result_data: Some(json!({"resource_id": 42, "resource_version": 4})),
        ..r.clone()
    };
    let mut seen = Vec::new();
    let mut f = |current: &ChangeRequest| {
        seen.push(current.clone());
        Ok(Some(Transition { request: changed.clone(), vote: Some(v.clone()), audit: audit.clone() }))
    };
    let out = ok(repo.transition(r.id, &mut f), "transition");
    assert_eq!(seen, vec![r.clone()], "f sees the stored request, once");
    let expected = ChangeRequest { votes: vec![v.clone()], ..changed };
    assert_eq!(out, expected);
    assert_eq!(ok(repo.get_request(fx.at_team(), r.id), "get"), Some(expected.clone()));
    assert_logged(fx, &audit, "transition");

    let mut again = |current: &ChangeRequest| {
        assert_eq!(current, &expected, "the next transition sees what the last one wrote");
        Ok(None)
    };
    ok(repo.transition(r.id, &mut again), "second transition");
}

pub fn transition_replaces_the_same_users_vote(repo: &dyn ApprovalRepo, fx: &Fixture) {
    let [u0, u1, _] = fx.users;
    let r = create(repo, &request(fx.org, Some(fx.team), "k", Some("1"), u0, 1));
    let first = vote(u0, Decision::Approved, 1);
    let theirs = vote(u1, Decision::Approved, 2);
    add_vote(repo, r.id, &first);
    add_vote(repo, r.id, &theirs);
    let replacement = vote(u0, Decision::Rejected, 3);
    let out = add_vote(repo, r.id, &replacement);
    assert_eq!(out.votes, vec![theirs.clone(), replacement.clone()]);
    let stored = ok(repo.get_request(fx.at_team(), r.id), "get").map(|r| r.votes);
    assert_eq!(stored, Some(vec![theirs, replacement]));
}

pub fn transition_error_from_f_writes_nothing(repo: &dyn ApprovalRepo, fx: &Fixture) {
    let r = create(repo, &request(fx.org, Some(fx.team), "k", Some("1"), fx.users[0], 1));
    let mut f = |_: &ChangeRequest| -> crate::error::Result<Option<Transition>> {
        Err(ApprovalError::Refused("This change request can no longer be rejected.".into()))
    };
    match repo.transition(r.id, &mut f) {
        Err(ApprovalError::Refused(m)) => assert_eq!(m, "This change request can no longer be rejected."),
        other => panic!("f's error is returned, got {other:?}"),
    }
    assert_eq!(ok(repo.get_request(fx.at_team(), r.id), "get"), Some(r), "unchanged");
}

pub fn transition_to_none_writes_nothing(repo: &dyn ApprovalRepo, fx: &Fixture) {
    let r = create(repo, &request(fx.org, Some(fx.team), "k", Some("1"), fx.users[0], 1));
    let with_vote = add_vote(repo, r.id, &vote(fx.users[1], Decision::Approved, 2));
    let mut calls = 0;
    let mut f = |_: &ChangeRequest| {
        calls += 1;
        Ok(None)
    };
    let out = ok(repo.transition(r.id, &mut f), "transition");
    assert_eq!(calls, 1);
    assert_eq!(out, with_vote, "the row as stored");
    assert_eq!(ok(repo.get_request(fx.at_team(), r.id), "get"), Some(with_vote));
}

pub fn transition_of_an_unknown_id_is_not_found(repo: &dyn ApprovalRepo, fx: &Fixture) {
    create(repo, &request(fx.org, Some(fx.team), "k", Some("1"), fx.users[0], 1));
    let mut called = false;
    let mut f = |_: &ChangeRequest| {
        called = true;
        Ok(None)
    };
    assert_not_found(repo.transition(Uuid::new_v4(), &mut f), "unknown id");
    assert!(!called, "f is not called without a request");
}

/// Each of three users approves at once when the request is pending: the lock lets one
/// see `pending`, and the others see `approved`.
pub fn concurrent_transitions_have_exactly_one_winner(repo: &dyn ApprovalRepo, fx: &Fixture) {
    for round in 0..4 {
        let r =
            create(repo, &request(fx.org, Some(fx.team), "k", Some(&round.to_string()), fx.users[0], round));
        let barrier = Barrier::new(fx.users.len());
        let winners = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for (i, user) in fx.users.into_iter().enumerate() {
                let (barrier, winners) = (&barrier, &winners);
                s.spawn(move || {
                    let mut f = |current: &ChangeRequest| {
                        if current.state != State::Pending {
                            return Ok(None);
                        }
                        let request =
                            ChangeRequest { state: State::Approved, updated_at: at(100), ..current.clone() };
                        let v = vote(user, Decision::Approved, 100 + i as i64);
                        winners.lock().unwrap_or_else(|e| e.into_inner()).push(user);
                        Ok(Some(Transition { request, vote: Some(v), audit: vec![] }))
                    };
                    barrier.wait();
                    let out = ok(repo.transition(r.id, &mut f), "concurrent transition");
                    assert_eq!(out.state, State::Approved, "every caller ends up seeing it approved");
                    assert_eq!(out.votes.len(), 1);
                });
            }
        });
        let winners = winners.into_inner().unwrap_or_else(|e| e.into_inner());
        assert_eq!(winners.len(), 1, "round {round}: exactly one caller saw the request pending");
        let stored = ok(repo.get_request(fx.at_team(), r.id), "get").expect("the request");
        assert_eq!(stored.state, State::Approved);
        let voters: Vec<i64> = stored.votes.iter().map(|v| v.created_by).collect();
        assert_eq!(voters, winners, "round {round}: only the winner's vote is stored");
    }
}
