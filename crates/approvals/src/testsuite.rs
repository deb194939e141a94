//! The `ApprovalRepo` conformance suite (feature `testing`): one public function per
//! property of the contract in [`crate::repo`], each taking the repository under test and
//! a [`Fixture`], and [`approval_repo_conformance_suite!`](crate::approval_repo_conformance_suite)
//! to expand them all into one `#[test]` each, so every implementation (SQLite,
//! PostgreSQL, in memory) runs exactly the same cases.
//!
//! Running it on a new implementation:
//!
//! 1. Depend on `approvals` with `features = ["testing"]` (a dev-dependency is enough).
//! 2. Write a type implementing [`Harness`]: it owns a fresh, empty repository and a
//!    [`Fixture`] naming what exists in it: two organizations, two projects (teams) of the
//!    first and one of the second, three users, and a way to read back the ids of the
//!    activity entries the repository stored. Any other organization or team id must be
//!    unknown to the repository. The harness is dropped at the end of each case.
//! 3. Expand the suite in a test file, with an expression that builds a new harness (it is
//!    evaluated once per case; names of the calling module are in scope):
//!
//! ```text
//! struct Mine { repo: MyRepo, fixture: Fixture }
//! impl approvals::testsuite::Harness for Mine { /* repo(), fixture() */ }
//! approvals::approval_repo_conformance_suite!(my_repo, Mine::new());
//! ```
//!
//! Two cases run several threads against one repository at once (`transition` locking,
//! `claim_job`), so the repository must allow at least four concurrent callers.
//!
//! Examples: `crates/store-sql/tests/approvals.rs` (SQLite and PostgreSQL) and
//! `tests/memory_conformance.rs` of this crate.
//!
//! Where the trait leaves a choice, the suite pins it down: lists are `created_at`
//! descending then `id` ascending; votes and `pending_valid` `created_at` then `id`
//! ascending; a user's second vote replaces the first whole (its id too); a transition
//! writes at least the state, validation, apply and time columns of its request.
//!
//! [`service`] runs the use cases (`ApprovalService`) over a repository the same way:
//! [`approval_service_suite!`](crate::approval_service_suite).

pub mod jobs;
pub mod policies;
pub mod requests;
pub mod service;
pub mod transition;

use activity_log::ActivityEntry;
use serde_json::json;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::error::{ApprovalError, Result};
use crate::model::{ApproverConfig, ChangeRequest, Policy, State, ValidationStatus};
use crate::repo::{ApprovalRepo, Where};

/// What exists in the repository a case runs against.
pub struct Fixture {
    /// An organization with two projects, `team` and `team2`.
    pub org: Uuid,
    pub team: i64,
    pub team2: i64,
    /// Another organization and its project.
    pub other_org: Uuid,
    pub other_team: i64,
    /// Users that exist (members of nothing in particular).
    pub users: [i64; 3],
    /// Ids of every activity entry stored so far, in any order.
    pub activity: Box<dyn Fn() -> Vec<Uuid> + Send + Sync>,
}

impl Fixture {
    pub fn at_team(&self) -> Where {
        Where { org: self.org, team: self.team }
    }

    pub fn at_team2(&self) -> Where {
        Where { org: self.org, team: self.team2 }
    }

    pub fn at_other(&self) -> Where {
        Where { org: self.other_org, team: self.other_team }
    }

    /// A project id that does not exist.
    pub fn unknown_team(&self) -> i64 {
        self.team.max(self.team2).max(self.other_team) + 1_000_000
    }
}

/// A repository under test with its fixture; built fresh for each case.
pub trait Harness {
    fn repo(&self) -> &dyn ApprovalRepo;
    fn fixture(&self) -> &Fixture;
}

/// Expands into a module `$name` with one `#[test]` per conformance case, each on a fresh
/// harness built by `$harness` (any expression whose value implements [`Harness`]).
#[macro_export]
macro_rules! approval_repo_conformance_suite {
    ($name:ident, $harness:expr) => {
        $crate::approval_repo_conformance_suite!(@cases $name, $harness,
            policies::policy_round_trips_every_field,
            policies::create_refuses_an_unknown_organization_or_team,
            policies::a_duplicate_action_is_a_non_field_error,
            policies::update_writes_every_mutable_field,
            policies::delete_is_scoped_to_the_project_and_its_organization,
            policies::policy_lists_are_newest_first_with_count_and_pages,
            policies::policy_list_filters_by_action_key_and_enabled,
            policies::policy_lookups_never_cross_organizations_or_projects,
            policies::enabled_policies_put_the_team_first_then_the_organization,
            requests::request_round_trips_every_field,
            requests::request_lookups_never_cross_organizations_or_projects,
            requests::request_lists_are_newest_first_with_count_and_pages,
            requests::request_list_filters_combine_with_and,
            requests::open_request_is_a_pending_or_approved_one_of_the_same_target,
            requests::votes_come_oldest_first_everywhere,
            transition::transition_writes_the_row_the_vote_and_the_activity,
            transition::transition_replaces_the_same_users_vote,
            transition::transition_error_from_f_writes_nothing,
            transition::transition_to_none_writes_nothing,
            transition::transition_of_an_unknown_id_is_not_found,
            transition::concurrent_transitions_have_exactly_one_winner,
            jobs::due_for_expiry_lists_open_requests_whose_time_has_come,
            jobs::pending_valid_lists_valid_pending_requests_oldest_first,
            jobs::claim_job_is_won_once_per_due_time,
        );
    };
    (@cases $name:ident, $harness:expr, $($module:ident :: $case:ident),+ $(,)?) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[test]
                fn $case() {
                    let harness = $harness;
                    $crate::testsuite::$module::$case(
                        $crate::testsuite::Harness::repo(&harness),
                        $crate::testsuite::Harness::fixture(&harness),
                    );
                }
            )+
        }
    };
}

/// `T0 + secs`, at microsecond precision (what every store keeps).
pub fn at(secs: i64) -> OffsetDateTime {
    datetime!(2026-12-07 10:00:00.123456 UTC) + Duration::seconds(secs)
}

/// The value of `r`, or a panic naming the step and the error.
pub(crate) fn ok<T>(r: Result<T>, step: &str) -> T {
    r.unwrap_or_else(|e| panic!("{step}: {e:?}"))
}

/// An enabled policy of `org`'s `team` (None: organization-wide) with the defaults of §4.1.
pub fn policy(org: Uuid, team: Option<i64>, action_key: &str, secs: i64) -> Policy {
    Policy {
        id: Uuid::new_v4(),
        organization_id: org,
        team_id: team,
        action_key: action_key.to_string(),
        conditions: json!({}),
        approver_config: ApproverConfig { quorum: 1, users: vec![], roles: vec![] },
        allow_self_approve: false,
        bypass_org_membership_levels: vec![],
        bypass_roles: vec![],
        expires_after: Duration::days(14),
        enabled: true,
        created_by: None,
        created_at: at(secs),
        updated_at: at(secs),
    }
}

/// A pending, valid request of `org`'s `team` on a feature flag, by `created_by`.
pub fn request(
    org: Uuid,
    team: Option<i64>,
    action_key: &str,
    resource_id: Option<&str>,
    created_by: i64,
    secs: i64,
) -> ChangeRequest {
    ChangeRequest {
        id: Uuid::new_v4(),
        organization_id: org,
        team_id: team,
        policy_id: None,
        action_key: action_key.to_string(),
        action_version: 1,
        resource_type: "feature_flag".into(),
        resource_id: resource_id.map(str::to_string),
        intent: json!({"flag_id": 42, "gated_changes": {"active": true}}),
        intent_display: json!({"description": "Enable feature flag 'k'", "before": {}, "after": {}}),
        policy_snapshot: json!({"quorum": 1, "users": [], "roles": []}),
        validation_status: ValidationStatus::Valid,
        validation_errors: None,
        validated_at: None,
        state: State::Pending,
        created_by,
        applied_by: None,
        created_at: at(secs),
        updated_at: at(secs),
        expires_at: at(secs) + Duration::days(14),
        applied_at: None,
        apply_error: String::new(),
        result_data: None,
        votes: vec![],
    }
}

/// An activity entry of the fixture's first project with a fresh id.
pub fn entry(fx: &Fixture, scope: &str, activity: &str) -> ActivityEntry {
    ActivityEntry {
        id: Uuid::now_v7(),
        organization_id: Some(fx.org),
        team_id: Some(fx.team),
        user_id: Some(fx.users[0]),
        scope: scope.to_string(),
        activity: activity.to_string(),
        item_id: None,
        detail: None,
        client: None,
        is_system: false,
        was_impersonated: false,
        created_at: at(0),
    }
}

/// Every entry of `audit` was stored.
pub fn assert_logged(fx: &Fixture, audit: &[ActivityEntry], step: &str) {
    let stored = (fx.activity)();
    for e in audit {
        assert!(stored.contains(&e.id), "{step}: activity entry {} was not stored", e.activity);
    }
}

/// No entry of `audit` was stored.
pub fn assert_not_logged(fx: &Fixture, audit: &[ActivityEntry], step: &str) {
    let stored = (fx.activity)();
    for e in audit {
        assert!(!stored.contains(&e.id), "{step}: activity entry {} was stored", e.activity);
    }
}

pub fn assert_not_found<T: std::fmt::Debug>(r: Result<T>, step: &str) {
    assert!(matches!(r, Err(ApprovalError::NotFound)), "{step}: expected NotFound, got {r:?}");
}
