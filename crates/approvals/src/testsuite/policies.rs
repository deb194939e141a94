//! Policies: CRUD, the duplicate 400, lists, filters, scoping and `enabled_policies`.

use serde_json::json;
use time::Duration;
use uuid::Uuid;

use super::{Fixture, assert_logged, assert_not_found, assert_not_logged, at, entry, ok, policy};
use crate::error::{ApprovalError, Result};
use crate::model::{ApproverConfig, POLICY_SCOPE, Policy};
use crate::repo::{ApprovalRepo, PolicyFilter, Where};

const DUPLICATE: &str = "A policy for this action already exists. You can edit the existing policy instead.";

fn assert_duplicate(r: Result<Policy>, step: &str) {
    match r {
        Err(ApprovalError::Invalid { attr: None, detail, .. }) => assert_eq!(detail, DUPLICATE, "{step}"),
        other => panic!("{step}: expected the duplicate 400, got {other:?}"),
    }
}

fn ids(policies: &[Policy]) -> Vec<Uuid> {
    policies.iter().map(|p| p.id).collect()
}

fn list(
    repo: &dyn ApprovalRepo,
    at: Where,
    filter: &PolicyFilter,
    limit: i64,
    offset: i64,
) -> (u64, Vec<Uuid>) {
    let page = ok(repo.list_policies(at, filter, limit, offset), "list policies");
    (page.count, ids(&page.results))
}

fn create(repo: &dyn ApprovalRepo, p: &Policy) -> Policy {
    ok(repo.create_policy(p, &[]), "create policy")
}

pub fn policy_round_trips_every_field(repo: &dyn ApprovalRepo, fx: &Fixture) {
    let full = Policy {
        id: Uuid::new_v4(),
        organization_id: fx.org,
        team_id: Some(fx.team),
        action_key: "feature_flag.update".into(),
        conditions: json!({"type": "before_after", "field": "rollout_percentage", "operator": ">", "value": 50}),
        approver_config: ApproverConfig {
            quorum: 2,
            users: vec![fx.users[1], fx.users[2]],
            roles: vec![Uuid::new_v4().to_string()],
        },
        allow_self_approve: true,
        bypass_org_membership_levels: vec![8, 15],
        bypass_roles: vec![Uuid::new_v4(), Uuid::new_v4()],
        expires_after: Duration::days(3) + Duration::hours(4) + Duration::microseconds(5_000_007),
        enabled: false,
        created_by: Some(fx.users[0]),
        created_at: at(1),
        updated_at: at(2),
    };
    let audit = [entry(fx, POLICY_SCOPE, "created")];
    assert_eq!(ok(repo.create_policy(&full, &audit), "create"), full);
    assert_logged(fx, &audit, "create");
    assert_eq!(ok(repo.get_policy(fx.at_team(), full.id), "get"), Some(full));

    let wide = policy(fx.org, None, "organization_member.level", 3);
    assert_eq!(create(repo, &wide), wide);
    assert_eq!(ok(repo.get_policy(fx.at_team2(), wide.id), "get org-wide"), Some(wide));
}

pub fn create_refuses_an_unknown_organization_or_team(repo: &dyn ApprovalRepo, fx: &Fixture) {
    let audit = [entry(fx, POLICY_SCOPE, "created")];
    let no_org = policy(Uuid::new_v4(), None, "feature_flag.enable", 1);
    assert_not_found(repo.create_policy(&no_org, &audit), "unknown organization");
    let no_team = policy(fx.org, Some(fx.unknown_team()), "feature_flag.enable", 1);
    assert_not_found(repo.create_policy(&no_team, &audit), "unknown team");
    assert_not_logged(fx, &audit, "refused creates");
    assert_eq!(list(repo, fx.at_team(), &PolicyFilter::default(), 10, 0), (0, vec![]));
}

pub fn a_duplicate_action_is_a_non_field_error(repo: &dyn ApprovalRepo, fx: &Fixture) {
    let key = "feature_flag.enable";
    let first = create(repo, &policy(fx.org, Some(fx.team), key, 1));
    let audit = [entry(fx, POLICY_SCOPE, "created")];
    assert_duplicate(repo.create_policy(&policy(fx.org, Some(fx.team), key, 2), &audit), "same team");
    // The same action elsewhere is another policy.
    create(repo, &policy(fx.org, Some(fx.team2), key, 3));
    create(repo, &policy(fx.org, Some(fx.team), "feature_flag.disable", 4));
    create(repo, &policy(fx.org, None, key, 5));
    create(repo, &policy(fx.other_org, None, key, 6));
    // NULL teams collide too.
    assert_duplicate(repo.create_policy(&policy(fx.org, None, key, 7), &audit), "organization-wide");
    assert_not_logged(fx, &audit, "duplicates");
    assert_eq!(ok(repo.get_policy(fx.at_team(), first.id), "get"), Some(first));
    assert_eq!(list(repo, fx.at_team(), &PolicyFilter::default(), 10, 0).0, 3);
}

pub fn update_writes_every_mutable_field(repo: &dyn ApprovalRepo, fx: &Fixture) {
    let p = create(repo, &policy(fx.org, Some(fx.team), "feature_flag.enable", 1));
    let taken = create(repo, &policy(fx.org, Some(fx.team), "feature_flag.disable", 2));
    let edited = Policy {
        action_key: "feature_flag.update".into(),
        conditions: json!({"type": "any_change", "field": "rollout_percentage"}),
        approver_config: ApproverConfig { quorum: 3, users: vec![fx.users[2]], roles: vec!["r".into()] },
        allow_self_approve: true,
        bypass_org_membership_levels: vec![15],
        bypass_roles: vec![Uuid::new_v4()],
        expires_after: Duration::hours(1) + Duration::microseconds(1),
        enabled: false,
        updated_at: at(50),
        ..p.clone()
    };
    let audit = [entry(fx, POLICY_SCOPE, "updated")];
    assert_eq!(ok(repo.update_policy(&edited, &audit), "update"), edited);
    assert_logged(fx, &audit, "update");
    assert_eq!(ok(repo.get_policy(fx.at_team(), p.id), "get"), Some(edited.clone()));

    let refused = [entry(fx, POLICY_SCOPE, "updated")];
    let colliding = Policy { action_key: taken.action_key.clone(), updated_at: at(60), ..edited.clone() };
    assert_duplicate(repo.update_policy(&colliding, &refused), "update into a taken action");
    let unknown = Policy { id: Uuid::new_v4(), action_key: "survey.launch".into(), ..edited.clone() };
    assert_not_found(repo.update_policy(&unknown, &refused), "update of an unknown id");
    assert_not_logged(fx, &refused, "refused updates");
    assert_eq!(ok(repo.get_policy(fx.at_team(), p.id), "get"), Some(edited));

    let wide = create(repo, &policy(fx.org, None, "organization_member.level", 3));
    let wide_edited = Policy { enabled: false, updated_at: at(70), ..wide };
    assert_eq!(ok(repo.update_policy(&wide_edited, &[]), "update org-wide"), wide_edited);
}

pub fn delete_is_scoped_to_the_project_and_its_organization(repo: &dyn ApprovalRepo, fx: &Fixture) {
    let p = create(repo, &policy(fx.org, Some(fx.team), "feature_flag.enable", 1));
    let wide = create(repo, &policy(fx.org, None, "feature_flag.enable", 2));
    let theirs = create(repo, &policy(fx.other_org, Some(fx.other_team), "feature_flag.enable", 3));
    let refused = [entry(fx, POLICY_SCOPE, "deleted")];
    assert_not_found(repo.delete_policy(fx.at_team2(), p.id, &refused), "another project");
    assert_not_found(repo.delete_policy(fx.at_other(), p.id, &refused), "another organization");
    assert_not_found(repo.delete_policy(fx.at_other(), wide.id, &refused), "org-wide, other organization");
    assert_not_found(repo.delete_policy(fx.at_team(), Uuid::new_v4(), &refused), "unknown id");
    assert_not_logged(fx, &refused, "refused deletes");

    let audit = [entry(fx, POLICY_SCOPE, "deleted")];
    ok(repo.delete_policy(fx.at_team(), p.id, &audit), "delete");
    assert_logged(fx, &audit, "delete");
    assert_eq!(ok(repo.get_policy(fx.at_team(), p.id), "get deleted"), None);
    assert_not_found(repo.delete_policy(fx.at_team(), p.id, &[]), "delete twice");
    ok(repo.delete_policy(fx.at_team2(), wide.id, &[]), "org-wide from any project of the organization");
    assert_eq!(ok(repo.get_policy(fx.at_team(), wide.id), "get deleted org-wide"), None);
    assert_eq!(ok(repo.get_policy(fx.at_other(), theirs.id), "untouched"), Some(theirs));
}

pub fn policy_lists_are_newest_first_with_count_and_pages(repo: &dyn ApprovalRepo, fx: &Fixture) {
    let a = create(repo, &policy(fx.org, Some(fx.team), "a", 10));
    let b = create(repo, &policy(fx.org, Some(fx.team), "b", 30));
    let c = create(repo, &policy(fx.org, Some(fx.team), "c", 20));
    let wide = create(repo, &policy(fx.org, None, "w", 25));
    let d = create(repo, &policy(fx.org, Some(fx.team2), "d", 40));
    let theirs = create(repo, &policy(fx.other_org, Some(fx.other_team), "o", 50));
    let all = PolicyFilter::default();
    assert_eq!(list(repo, fx.at_team(), &all, 10, 0), (4, vec![b.id, wide.id, c.id, a.id]));
    assert_eq!(list(repo, fx.at_team(), &all, 2, 1), (4, vec![wide.id, c.id]));
    assert_eq!(list(repo, fx.at_team(), &all, 10, 10), (4, vec![]));
    assert_eq!(list(repo, fx.at_other(), &all, 10, 0), (1, vec![theirs.id]));

    // Same created_at: id ascending.
    let (mut e, mut f) = (policy(fx.org, Some(fx.team2), "e", 60), policy(fx.org, Some(fx.team2), "f", 60));
    if e.id > f.id {
        std::mem::swap(&mut e.id, &mut f.id);
    }
    create(repo, &f);
    create(repo, &e);
    assert_eq!(list(repo, fx.at_team2(), &all, 10, 0), (4, vec![e.id, f.id, d.id, wide.id]));
}

pub fn policy_list_filters_by_action_key_and_enabled(repo: &dyn ApprovalRepo, fx: &Fixture) {
    let a = create(repo, &policy(fx.org, Some(fx.team), "k1", 1));
    let b = create(repo, &Policy { enabled: false, ..policy(fx.org, Some(fx.team), "k2", 2) });
    let w = create(repo, &Policy { enabled: false, ..policy(fx.org, None, "k1", 3) });
    create(repo, &policy(fx.org, Some(fx.team2), "k1", 4));
    create(repo, &policy(fx.other_org, None, "k1", 5));
    let f = |key: Option<&str>, enabled: Option<bool>| PolicyFilter {
        action_key: key.map(str::to_string),
        enabled,
    };
    assert_eq!(list(repo, fx.at_team(), &f(Some("k1"), None), 10, 0), (2, vec![w.id, a.id]));
    assert_eq!(list(repo, fx.at_team(), &f(None, Some(true)), 10, 0), (1, vec![a.id]));
    assert_eq!(list(repo, fx.at_team(), &f(None, Some(false)), 10, 0), (2, vec![w.id, b.id]));
    assert_eq!(list(repo, fx.at_team(), &f(Some("k1"), Some(false)), 10, 0), (1, vec![w.id]));
    assert_eq!(list(repo, fx.at_team(), &f(Some("k3"), None), 10, 0), (0, vec![]));
}

pub fn policy_lookups_never_cross_organizations_or_projects(repo: &dyn ApprovalRepo, fx: &Fixture) {
    let p = create(repo, &policy(fx.org, Some(fx.team), "k", 1));
    let wide = create(repo, &policy(fx.org, None, "k", 2));
    let theirs = create(repo, &policy(fx.other_org, None, "k", 3));
    let get = |at: Where, id: Uuid| ok(repo.get_policy(at, id), "get");
    assert_eq!(get(fx.at_team(), p.id), Some(p.clone()));
    assert_eq!(get(fx.at_team2(), p.id), None, "another project's policy");
    assert_eq!(get(fx.at_other(), p.id), None, "another organization's policy");
    assert_eq!(get(fx.at_team(), wide.id), Some(wide.clone()));
    assert_eq!(get(fx.at_team2(), wide.id), Some(wide.clone()));
    assert_eq!(get(fx.at_other(), wide.id), None, "another organization's org-wide policy");
    assert_eq!(get(fx.at_team(), theirs.id), None);
    assert_eq!(get(fx.at_other(), theirs.id), Some(theirs.clone()));
    assert_eq!(get(fx.at_team(), Uuid::new_v4()), None);
    let all = PolicyFilter::default();
    assert_eq!(list(repo, fx.at_other(), &all, 10, 0), (1, vec![theirs.id]));
    assert_eq!(list(repo, fx.at_team2(), &all, 10, 0), (1, vec![wide.id]));
}

pub fn enabled_policies_put_the_team_first_then_the_organization(repo: &dyn ApprovalRepo, fx: &Fixture) {
    let enabled =
        |org: Uuid, team: Option<i64>, key: &str| ids(&ok(repo.enabled_policies(org, team, key), key));
    // The organization-wide policy is newer for one key and older for the other, so no
    // order by creation time can pass for both.
    let (t1, w1) =
        (create(repo, &policy(fx.org, Some(fx.team), "k1", 1)), create(repo, &policy(fx.org, None, "k1", 5)));
    let (w2, t2) =
        (create(repo, &policy(fx.org, None, "k2", 1)), create(repo, &policy(fx.org, Some(fx.team), "k2", 5)));
    create(repo, &policy(fx.other_org, None, "k1", 2));
    create(repo, &policy(fx.other_org, Some(fx.other_team), "k1", 2));
    assert_eq!(enabled(fx.org, Some(fx.team), "k1"), vec![t1.id, w1.id]);
    assert_eq!(enabled(fx.org, Some(fx.team), "k2"), vec![t2.id, w2.id]);
    assert_eq!(enabled(fx.org, Some(fx.team2), "k1"), vec![w1.id]);
    assert_eq!(enabled(fx.org, None, "k1"), vec![w1.id]);
    assert_eq!(enabled(fx.org, Some(fx.team), "k9"), Vec::<Uuid>::new());

    create(repo, &Policy { enabled: false, ..policy(fx.org, Some(fx.team), "k3", 1) });
    let w3 = create(repo, &policy(fx.org, None, "k3", 2));
    assert_eq!(enabled(fx.org, Some(fx.team), "k3"), vec![w3.id], "disabled policies are left out");
    create(repo, &policy(fx.org, Some(fx.team), "k4", 1));
    create(repo, &Policy { enabled: false, ..policy(fx.org, None, "k4", 2) });
    assert_eq!(enabled(fx.org, None, "k4"), Vec::<Uuid>::new());
}
