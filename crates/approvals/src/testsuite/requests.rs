//! Change requests: creation, lookups, lists and their filters, the duplicate check, and
//! the order of votes.

use serde_json::json;
use uuid::Uuid;

use super::{Fixture, assert_logged, at, entry, ok, policy, request};
use crate::model::{ChangeRequest, Decision, REQUEST_SCOPE, State, ValidationStatus, Vote};
use crate::repo::{ApprovalRepo, RequestFilter, Transition, Where};

fn ids(requests: &[ChangeRequest]) -> Vec<Uuid> {
    requests.iter().map(|r| r.id).collect()
}

fn list(
    repo: &dyn ApprovalRepo,
    at: Where,
    filter: &RequestFilter,
    limit: i64,
    offset: i64,
) -> (u64, Vec<Uuid>) {
    let page = ok(repo.list_requests(at, filter, limit, offset), "list requests");
    (page.count, ids(&page.results))
}

pub(super) fn create(repo: &dyn ApprovalRepo, r: &ChangeRequest) -> ChangeRequest {
    ok(repo.create_request(r, &[]), "create request")
}

pub(super) fn vote(user: i64, decision: Decision, secs: i64) -> Vote {
    Vote {
        id: Uuid::new_v4(),
        created_by: user,
        decision,
        reason: format!("by {user}"),
        created_at: at(secs),
    }
}

/// Stores `vote` on request `id` through a transition that changes nothing else.
pub(super) fn add_vote(repo: &dyn ApprovalRepo, id: Uuid, vote: &Vote) -> ChangeRequest {
    let mut f = |r: &ChangeRequest| {
        Ok(Some(Transition { request: r.clone(), vote: Some(vote.clone()), audit: vec![] }))
    };
    ok(repo.transition(id, &mut f), "vote")
}

pub fn request_round_trips_every_field(repo: &dyn ApprovalRepo, fx: &Fixture) {
    let p = ok(repo.create_policy(&policy(fx.org, Some(fx.team), "feature_flag.update", 0), &[]), "policy");
    let full = ChangeRequest {
        policy_id: Some(p.id),
        action_version: 2,
        resource_id: Some("42".into()),
        intent: json!({"flag_id": 42, "gated_changes": {"rollout_percentage": [{"path": "groups[0].rollout_percentage", "value": 50}]}, "http_method": "PATCH"}),
        intent_display: json!({"description": "Update rollout", "before": {"a": 1.5}, "after": {"a": null}}),
        policy_snapshot: p.snapshot(),
        validation_status: ValidationStatus::Stale,
        validation_errors: Some(
            json!({"staleness": "Resource has been modified since this change request was created"}),
        ),
        validated_at: Some(at(3)),
        state: State::Failed,
        applied_by: Some(fx.users[2]),
        updated_at: at(4),
        expires_at: at(1000),
        applied_at: Some(at(5)),
        apply_error: "Precondition failed: Flag version mismatch: expected 3, got 4".into(),
        result_data: Some(json!({"resource_id": 42, "resource_version": 4})),
        ..request(fx.org, Some(fx.team), "feature_flag.update", None, fx.users[1], 1)
    };
    let audit = [entry(fx, REQUEST_SCOPE, "created")];
    assert_eq!(ok(repo.create_request(&full, &audit), "create"), full);
    assert_logged(fx, &audit, "create");
    assert_eq!(ok(repo.get_request(fx.at_team(), full.id), "get"), Some(full));

    let bare = request(fx.org, None, "organization_member.level", None, fx.users[0], 2);
    assert_eq!(create(repo, &bare), bare);
    assert_eq!(ok(repo.get_request(fx.at_team2(), bare.id), "get organization-level"), Some(bare));
}

pub fn request_lookups_never_cross_organizations_or_projects(repo: &dyn ApprovalRepo, fx: &Fixture) {
    let mine = create(repo, &request(fx.org, Some(fx.team), "k", Some("1"), fx.users[0], 1));
    let wide = create(repo, &request(fx.org, None, "k", Some("1"), fx.users[0], 2));
    let theirs = create(repo, &request(fx.other_org, Some(fx.other_team), "k", Some("1"), fx.users[0], 3));
    let get = |at: Where, id: Uuid| ok(repo.get_request(at, id), "get");
    assert_eq!(get(fx.at_team(), mine.id), Some(mine.clone()));
    assert_eq!(get(fx.at_team2(), mine.id), None, "another project's request");
    assert_eq!(get(fx.at_other(), mine.id), None, "another organization's request");
    assert_eq!(get(fx.at_team2(), wide.id), Some(wide.clone()));
    assert_eq!(get(fx.at_other(), wide.id), None, "another organization's organization-level request");
    assert_eq!(get(fx.at_team(), theirs.id), None);
    assert_eq!(get(fx.at_team(), Uuid::new_v4()), None);
    let all = RequestFilter::default();
    assert_eq!(list(repo, fx.at_team(), &all, 10, 0), (2, vec![wide.id, mine.id]));
    assert_eq!(list(repo, fx.at_team2(), &all, 10, 0), (1, vec![wide.id]));
    assert_eq!(list(repo, fx.at_other(), &all, 10, 0), (1, vec![theirs.id]));
}

pub fn request_lists_are_newest_first_with_count_and_pages(repo: &dyn ApprovalRepo, fx: &Fixture) {
    let r = |secs: i64| request(fx.org, Some(fx.team), "k", Some("1"), fx.users[0], secs);
    let (a, b, c) = (create(repo, &r(10)), create(repo, &r(30)), create(repo, &r(20)));
    let all = RequestFilter::default();
    assert_eq!(list(repo, fx.at_team(), &all, 10, 0), (3, vec![b.id, c.id, a.id]));
    assert_eq!(list(repo, fx.at_team(), &all, 1, 1), (3, vec![c.id]));
    assert_eq!(list(repo, fx.at_team(), &all, 10, 3), (3, vec![]));
    let (mut d, mut e) = (r(40), r(40));
    if d.id > e.id {
        std::mem::swap(&mut d.id, &mut e.id);
    }
    create(repo, &e);
    create(repo, &d);
    assert_eq!(list(repo, fx.at_team(), &all, 2, 0), (5, vec![d.id, e.id]), "same time: id ascending");
}

pub fn request_list_filters_combine_with_and(repo: &dyn ApprovalRepo, fx: &Fixture) {
    let [u0, u1, u2] = fx.users;
    let make = |key: &str, state: State, by: i64, rtype: &str, rid: Option<&str>, secs: i64| {
        let r = ChangeRequest {
            state,
            resource_type: rtype.to_string(),
            ..request(fx.org, Some(fx.team), key, rid, by, secs)
        };
        create(repo, &r)
    };
    let r1 = make("feature_flag.enable", State::Pending, u0, "feature_flag", Some("1"), 1);
    let r2 = make("feature_flag.update", State::Applied, u1, "feature_flag", Some("2"), 2);
    let r3 = make("survey.launch", State::Rejected, u1, "survey", Some("1"), 3);
    let r4 = make("feature_flag.enable", State::Approved, u2, "feature_flag", None, 4);
    create(repo, &request(fx.other_org, Some(fx.other_team), "feature_flag.enable", Some("1"), u0, 5));

    let states = |names: &[&str]| RequestFilter {
        states: Some(names.iter().map(|s| s.to_string()).collect()),
        ..RequestFilter::default()
    };
    let run = |f: &RequestFilter| list(repo, fx.at_team(), f, 10, 0);
    assert_eq!(run(&states(&["pending"])), (1, vec![r1.id]));
    assert_eq!(run(&states(&["pending", "applied"])), (2, vec![r2.id, r1.id]));
    assert_eq!(run(&states(&["cancelled"])), (0, vec![]), "an unknown state matches nothing");
    assert_eq!(run(&states(&["bogus", "rejected"])), (1, vec![r3.id]));
    assert_eq!(run(&states(&[])), (0, vec![]), "no state at all matches nothing");

    let key = RequestFilter { action_key: Some("feature_flag.enable".into()), ..RequestFilter::default() };
    assert_eq!(run(&key), (2, vec![r4.id, r1.id]));
    let by = RequestFilter { requester: Some(u1), ..RequestFilter::default() };
    assert_eq!(run(&by), (2, vec![r3.id, r2.id]));
    let rtype = RequestFilter { resource_type: Some("survey".into()), ..RequestFilter::default() };
    assert_eq!(run(&rtype), (1, vec![r3.id]));
    let rid = RequestFilter { resource_id: Some("1".into()), ..RequestFilter::default() };
    assert_eq!(run(&rid), (2, vec![r3.id, r1.id]));

    let every = RequestFilter {
        states: Some(vec!["pending".into(), "approved".into()]),
        action_key: Some("feature_flag.enable".into()),
        requester: Some(u0),
        resource_type: Some("feature_flag".into()),
        resource_id: Some("1".into()),
    };
    assert_eq!(run(&every), (1, vec![r1.id]));
    assert_eq!(run(&RequestFilter { requester: Some(u2), ..every }), (0, vec![]));
}

pub fn open_request_is_a_pending_or_approved_one_of_the_same_target(repo: &dyn ApprovalRepo, fx: &Fixture) {
    let open = |org: Uuid, team: Option<i64>, key: &str, rtype: &str, rid: Option<&str>| {
        ok(repo.open_request(org, team, key, rtype, rid), "open request").map(|r| r.id)
    };
    let at = |team: Option<i64>, key: &str, rid: Option<&str>, state: State, secs: i64| {
        create(repo, &ChangeRequest { state, ..request(fx.org, team, key, rid, fx.users[0], secs) })
    };
    let t = Some(fx.team);
    for (i, s) in [State::Applied, State::Rejected, State::Expired, State::Failed].into_iter().enumerate() {
        at(t, "k1", Some("7"), s, i as i64);
    }
    assert_eq!(open(fx.org, t, "k1", "feature_flag", Some("7")), None, "terminal states are not open");
    let pending = at(t, "k1", Some("7"), State::Pending, 10);
    assert_eq!(open(fx.org, t, "k1", "feature_flag", Some("7")), Some(pending.id));
    let approved = at(t, "k2", Some("7"), State::Approved, 11);
    assert_eq!(open(fx.org, t, "k2", "feature_flag", Some("7")), Some(approved.id));

    assert_eq!(open(fx.org, t, "k1", "feature_flag", Some("8")), None, "another resource");
    assert_eq!(open(fx.org, t, "k1", "survey", Some("7")), None, "another resource type");
    assert_eq!(open(fx.org, t, "k3", "feature_flag", Some("7")), None, "another action");
    assert_eq!(open(fx.org, Some(fx.team2), "k1", "feature_flag", Some("7")), None, "another project");
    assert_eq!(open(fx.org, None, "k1", "feature_flag", Some("7")), None, "organization level");
    assert_eq!(open(fx.other_org, t, "k1", "feature_flag", Some("7")), None, "another organization");

    // NULL resource ids (creates) match NULL only.
    at(t, "k4", Some("9"), State::Pending, 12);
    assert_eq!(open(fx.org, t, "k4", "feature_flag", None), None);
    let create_request = at(t, "k4", None, State::Pending, 13);
    assert_eq!(open(fx.org, t, "k4", "feature_flag", None), Some(create_request.id));

    let wide = at(None, "k5", Some("1"), State::Pending, 14);
    assert_eq!(open(fx.org, None, "k5", "feature_flag", Some("1")), Some(wide.id));
    assert_eq!(open(fx.org, t, "k5", "feature_flag", Some("1")), None, "a project is not the organization");
}

pub fn votes_come_oldest_first_everywhere(repo: &dyn ApprovalRepo, fx: &Fixture) {
    let [u0, u1, u2] = fx.users;
    let r = create(repo, &request(fx.org, Some(fx.team), "k", Some("1"), u0, 1));
    let other = create(repo, &request(fx.org, Some(fx.team), "k", Some("2"), u0, 2));
    // Stored in another order than their times.
    let (v2, v0, v1) = (
        vote(u2, Decision::Rejected, 30),
        vote(u0, Decision::Approved, 10),
        vote(u1, Decision::Approved, 20),
    );
    add_vote(repo, r.id, &v2);
    add_vote(repo, r.id, &v0);
    let returned = add_vote(repo, r.id, &v1);
    let expected = vec![v0.clone(), v1.clone(), v2.clone()];
    assert_eq!(returned.votes, expected, "transition's answer");
    let lone = vote(u1, Decision::Approved, 5);
    add_vote(repo, other.id, &lone);

    let got = ok(repo.get_request(fx.at_team(), r.id), "get").map(|r| r.votes);
    assert_eq!(got, Some(expected.clone()));
    let page = ok(repo.list_requests(fx.at_team(), &RequestFilter::default(), 10, 0), "list");
    let votes: Vec<Vec<Vote>> = page.results.into_iter().map(|r| r.votes).collect();
    assert_eq!(votes, vec![vec![lone.clone()], expected.clone()]);
    let pending = ok(repo.pending_valid(10), "pending_valid");
    assert_eq!(pending.iter().map(|r| r.votes.clone()).collect::<Vec<_>>(), vec![expected, vec![lone]]);

    // Same time: id ascending.
    let third = create(repo, &request(fx.org, Some(fx.team), "k", Some("3"), u0, 3));
    let (mut a, mut b) = (vote(u0, Decision::Approved, 40), vote(u1, Decision::Approved, 40));
    if a.id > b.id {
        std::mem::swap(&mut a.id, &mut b.id);
    }
    add_vote(repo, third.id, &b);
    let stored = add_vote(repo, third.id, &a);
    assert_eq!(stored.votes, vec![a, b]);
}
