//! The use-case scenarios of issue 12 (feature `testing`): the gate, policies and their
//! validation (§4.2), conditions (§4.4), votes, cancel, apply, concurrency and the jobs,
//! driven through [`ApprovalService`](crate::service::ApprovalService) over any
//! [`ApprovalRepo`], so the in-memory store, SQLite and PostgreSQL run the same bodies.
//!
//! Running them on a store:
//!
//! 1. Build a fresh [`Stage`] per case: the repository, an organization with two projects
//!    (`team`, `team2`), five users that exist ([`People`]), and a way to read back the
//!    activity entries the repository stored, oldest first.
//! 2. Implement [`ServiceHarness`] on whatever owns it (and keeps its database alive).
//! 3. `approvals::approval_service_suite!(name, MyHarness::new());` expands into
//!    `name::<area>::<case>`, one `#[test]` each, the harness expression evaluated once per
//!    case.
//!
//! The directory (levels, roles) is the in-memory one and the appliers are a
//! [`FakeApplier`](fake::FakeApplier): both belong to the embedding server, not the store.
//! Examples: `tests/service.rs` of this crate and `crates/store-sql/tests/approvals_service.rs`.

pub mod conditions;
pub mod env;
pub mod fake;
pub mod gate;
pub mod jobs;
pub mod policies;
pub mod requests;
pub mod validation;
pub mod votes;

use std::sync::Arc;

use uuid::Uuid;

use crate::repo::ApprovalRepo;

/// Users that exist in the store; the scenarios give them these parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct People {
    /// An organization admin (level 8).
    pub admin: i64,
    /// Members (level 1).
    pub requester: i64,
    pub approver: i64,
    pub approver2: i64,
    pub outsider: i64,
}

/// One stored activity entry, as the scenarios look at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    pub scope: String,
    pub activity: String,
    pub item_id: Option<String>,
    pub team_id: Option<i64>,
    pub user_id: Option<i64>,
    pub is_system: bool,
}

impl From<&activity_log::ActivityEntry> for Logged {
    fn from(e: &activity_log::ActivityEntry) -> Self {
        Logged {
            scope: e.scope.clone(),
            activity: e.activity.clone(),
            item_id: e.item_id.clone(),
            team_id: e.team_id,
            user_id: e.user_id,
            is_system: e.is_system,
        }
    }
}

/// What a scenario runs against: a fresh, empty repository and what exists in it.
pub struct Stage {
    pub repo: Arc<dyn ApprovalRepo>,
    /// An organization with two projects.
    pub org: Uuid,
    pub team: i64,
    pub team2: i64,
    pub people: People,
    /// Every activity entry stored so far, oldest first.
    pub activity: Box<dyn Fn() -> Vec<Logged> + Send + Sync>,
}

/// A stage built fresh for each case; dropped at its end.
pub trait ServiceHarness {
    fn stage(&self) -> &Stage;
}

/// Expands into a module `$name` with one `#[test]` per scenario (`$name::<area>::<case>`),
/// each on a fresh harness built by `$harness` (any expression whose value implements
/// [`ServiceHarness`]).
#[macro_export]
macro_rules! approval_service_suite {
    ($name:ident, $harness:expr) => {
        $crate::approval_service_suite!(@areas $name, $harness,
            gate: [
                the_switch_off_lets_every_write_through,
                no_enabled_policy_lets_the_write_through,
                a_gated_write_creates_a_pending_request_and_answers_409,
                the_message_says_others_must_approve_when_the_requester_is_an_approver,
                a_second_gated_write_on_the_same_resource_is_the_pending_409,
                two_matching_policies_conflict_before_bypass_is_considered,
                only_policies_whose_conditions_match_conflict,
                bypass_by_level_or_role_comes_before_conditions_and_the_duplicate_check,
                conditions_that_do_not_match_let_the_write_through_before_the_duplicate_check,
                the_first_registered_action_with_a_policy_wins,
                organization_level_actions_use_the_organization_policy_and_no_team,
                a_failing_intent_or_validation_stops_the_write_without_a_request,
            ],
            conditions: [
                empty_conditions_gate_every_change,
                before_after_gates_when_any_after_value_passes,
                change_amount_gates_on_the_difference,
                any_change_gates_a_changed_or_added_path,
                every_fall_back_gates,
                a_type_error_is_no_match,
                conditions_on_an_action_without_condition_fields_mean_always,
                a_list_of_conditions_gates_when_any_matches,
            ],
            validation: [
                approver_config_needs_a_quorum_of_at_least_one,
                approver_config_of_the_wrong_shape_is_a_400,
                membership_levels_must_be_integers,
                bypass_roles_must_exist_and_belong_to_the_organization,
                expires_after_accepts_each_documented_format,
                expires_after_refuses_anything_else,
                action_keys_must_be_registered_actions,
                conditions_may_not_be_null,
            ],
            policies: [
                members_read_but_cannot_write,
                create_attaches_the_project_and_records_it,
                organization_level_actions_get_organization_wide_policies,
                update_and_delete_are_audited_and_scoped,
                a_caller_outside_any_organization_finds_nothing,
            ],
            votes: [
                two_approvals_reach_a_quorum_of_two_and_apply_once,
                requesters_approve_their_own_request_only_when_the_policy_allows_it,
                only_the_approver_set_may_vote,
                one_rejection_ends_the_request_and_needs_a_reason,
                requesters_cancel_before_any_approval,
                an_approval_blocks_cancel_until_the_request_goes_stale,
                a_resource_changed_before_approval_fails_with_the_precondition,
                an_action_this_server_does_not_know_fails_at_apply,
                concurrent_approvers_of_a_quorum_of_one_apply_once,
                concurrent_approvers_of_a_quorum_of_two_apply_once,
            ],
            requests: [
                lists_filter_and_compute_the_viewer,
            ],
            jobs: [
                due_requests_expire_once_per_run_with_a_system_entry,
                requests_whose_resource_moved_on_or_is_gone_go_stale,
                a_gone_resource_is_stale_too,
                a_create_has_no_resource_to_go_stale,
            ],
        );
    };
    (@areas $name:ident, $harness:expr, $($area:ident : [$($case:ident),+ $(,)?]),+ $(,)?) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            $(
                mod $area {
                    #[allow(unused_imports)]
                    use super::*;
                    $(
                        #[test]
                        fn $case() {
                            let harness = $harness;
                            $crate::testsuite::service::$area::$case(
                                $crate::testsuite::service::ServiceHarness::stage(&harness),
                            );
                        }
                    )+
                }
            )+
        }
    };
}
