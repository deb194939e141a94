//! Storage and directory contracts. `store-sql` implements `ApprovalRepo` on SQLite and
//! PostgreSQL (one conformance suite); the server implements `Directory` over its
//! organizations and roles. Every change takes its activity entries, written in the same
//! transaction.

use activity_log::ActivityEntry;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::Result;
use crate::model::{ChangeRequest, Policy, Vote};

/// A page of a LimitOffset list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub count: u64,
    pub results: Vec<T>,
}

/// A project of an organization: lists show the project's rows and the organization-wide
/// ones (team NULL); a lookup by id finds either, never another organization's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Where {
    pub org: Uuid,
    pub team: i64,
}

/// `?action_key=` and `?enabled=` of the policy list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyFilter {
    pub action_key: Option<String>,
    pub enabled: Option<bool>,
}

/// The change-request list filters of §5.3, combined with AND.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestFilter {
    /// Any of these state names (None: any state; an unknown name matches nothing).
    pub states: Option<Vec<String>>,
    pub action_key: Option<String>,
    pub requester: Option<i64>,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
}

/// What to write for one change request, decided under its row lock.
#[derive(Debug, Clone)]
pub struct Transition {
    /// The new row: every mutable column is written (`votes` is ignored).
    pub request: ChangeRequest,
    /// A vote to insert, or to replace the same user's existing vote.
    pub vote: Option<Vote>,
    pub audit: Vec<ActivityEntry>,
}

/// Applies `f` to a locked request: `Ok(None)` writes nothing.
pub type TransitionFn<'a> = &'a mut dyn FnMut(&ChangeRequest) -> Result<Option<Transition>>;

pub trait ApprovalRepo: Send + Sync {
    /// Newest first (`-created_at`, then id).
    fn list_policies(
        &self,
        at: Where,
        filter: &PolicyFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<Policy>>;
    fn get_policy(&self, at: Where, id: Uuid) -> Result<Option<Policy>>;
    /// The 400 of §4.1 (`ApprovalError::Invalid`, attr None) when (org, team, action_key)
    /// is taken; `NotFound` when the organization or team does not exist.
    fn create_policy(&self, policy: &Policy, audit: &[ActivityEntry]) -> Result<Policy>;
    /// Writes every mutable field (the same duplicate 400 when `action_key` collides).
    fn update_policy(&self, policy: &Policy, audit: &[ActivityEntry]) -> Result<Policy>;
    fn delete_policy(&self, at: Where, id: Uuid, audit: &[ActivityEntry]) -> Result<()>;
    /// Enabled policies of `action_key`: the team's (when `team` is Some) first, then the
    /// organization-wide one.
    fn enabled_policies(&self, org: Uuid, team: Option<i64>, action_key: &str) -> Result<Vec<Policy>>;

    /// Newest first, with votes.
    fn list_requests(
        &self,
        at: Where,
        filter: &RequestFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<ChangeRequest>>;
    fn get_request(&self, at: Where, id: Uuid) -> Result<Option<ChangeRequest>>;
    /// A `pending` or `approved` request of the same action, organization, team, resource
    /// type and resource id (NULL matches NULL): the duplicate check of §4.5 step 7.
    fn open_request(
        &self,
        org: Uuid,
        team: Option<i64>,
        action_key: &str,
        resource_type: &str,
        resource_id: Option<&str>,
    ) -> Result<Option<ChangeRequest>>;
    fn create_request(&self, request: &ChangeRequest, audit: &[ActivityEntry]) -> Result<ChangeRequest>;
    /// Locks request `id` (`SELECT … FOR UPDATE` on PostgreSQL, `BEGIN IMMEDIATE` on
    /// SQLite), hands it with its votes to `f`, and writes what `f` returns with its
    /// activity entries in the same transaction; returns the row as stored afterwards.
    /// An error from `f` rolls back and is returned. `NotFound` when there is no such id.
    fn transition(&self, id: Uuid, f: TransitionFn<'_>) -> Result<ChangeRequest>;
    /// Ids of `pending` / `approved` requests with `expires_at <= now`, any organization.
    fn due_for_expiry(&self, now: OffsetDateTime, limit: i64) -> Result<Vec<Uuid>>;
    /// `pending` requests still `valid`, any organization, oldest first.
    fn pending_valid(&self, limit: i64) -> Result<Vec<ChangeRequest>>;
    /// Claims the run of job `name` due at or before `now` (a job never seen is due):
    /// true for exactly one caller across servers, whose claim moves the due time to `next`.
    fn claim_job(&self, name: &str, now: OffsetDateTime, next: OffsetDateTime) -> Result<bool>;
}

/// A role as the gate and the policy validation see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleInfo {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
}

/// Failure of the embedding service's directory.
pub type DirectoryError = activity_log::audit::DirectoryError;

/// Membership levels and roles as the embedding service knows them.
pub trait Directory: Send + Sync {
    /// The user's membership level in the organization (None: not a member).
    fn level(&self, org: Uuid, user: i64) -> std::result::Result<Option<i64>, DirectoryError>;
    /// Ids of the roles the user holds in the organization.
    fn roles_of(&self, org: Uuid, user: i64) -> std::result::Result<Vec<Uuid>, DirectoryError>;
    /// The roles among `ids` that exist, in any organization.
    fn roles(&self, ids: &[Uuid]) -> std::result::Result<Vec<RoleInfo>, DirectoryError>;
}
