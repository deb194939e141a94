//! In-memory `ApprovalRepo` and `Directory` (feature `testing`): the unit tests' store and
//! the reference the SQL stores' conformance suite is compared with.
//!
//! One mutex guards everything; `transition` runs its function under it, so concurrent
//! transitions of one request serialize as the row lock makes them on a database.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use activity_log::ActivityEntry;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{ApprovalError, Result};
use crate::model::{ChangeRequest, Policy, State, ValidationStatus};
use crate::repo::{ApprovalRepo, Page, PolicyFilter, RequestFilter, TransitionFn, Where};

mod directory;

pub use directory::MemoryDirectory;

const DUPLICATE_POLICY: &str =
    "A policy for this action already exists. You can edit the existing policy instead.";

#[derive(Default)]
struct Tables {
    policies: Vec<Policy>,
    requests: Vec<ChangeRequest>,
    audit: Vec<ActivityEntry>,
    /// Job name → when its next run is due.
    jobs: HashMap<String, OffsetDateTime>,
}

/// Policies, change requests (with their votes), activity entries and job claims.
#[derive(Default)]
pub struct MemoryApprovals {
    tables: Mutex<Tables>,
    /// Organizations and their projects that exist; None: any does (unit tests).
    known: Option<HashMap<Uuid, HashSet<i64>>>,
}

fn visible(org: Uuid, team: Option<i64>, at: Where) -> bool {
    org == at.org && team.is_none_or(|t| t == at.team)
}

/// Newest first; the same time by id ascending.
fn newest_first(created_at: OffsetDateTime, id: Uuid) -> (std::cmp::Reverse<OffsetDateTime>, Uuid) {
    (std::cmp::Reverse(created_at), id)
}

/// Votes oldest first; the same time by id ascending.
fn sort_votes(r: &mut ChangeRequest) {
    r.votes.sort_by_key(|v| (v.created_at, v.id));
}

fn page<T>(mut rows: Vec<T>, limit: i64, offset: i64) -> Page<T> {
    let count = rows.len() as u64;
    let offset = usize::try_from(offset.max(0)).unwrap_or(usize::MAX).min(rows.len());
    let limit = usize::try_from(limit.max(0)).unwrap_or(usize::MAX);
    Page { count, results: rows.drain(offset..).take(limit).collect() }
}

impl MemoryApprovals {
    /// A store where every organization and project exists.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store where only `teams` (organization, project) and their organizations exist:
    /// writes elsewhere are `NotFound`, as on a database with foreign keys.
    pub fn knowing(teams: &[(Uuid, i64)]) -> Self {
        let mut known: HashMap<Uuid, HashSet<i64>> = HashMap::new();
        for (org, team) in teams {
            known.entry(*org).or_default().insert(*team);
        }
        Self { known: Some(known), ..Self::default() }
    }

    fn check_exists(&self, org: Uuid, team: Option<i64>) -> Result<()> {
        let Some(known) = &self.known else { return Ok(()) };
        match known.get(&org) {
            Some(teams) if team.is_none_or(|t| teams.contains(&t)) => Ok(()),
            _ => Err(ApprovalError::NotFound),
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, Tables>> {
        self.tables.lock().map_err(|_| ApprovalError::Storage("memory store poisoned".into()))
    }

    /// Every activity entry written so far, oldest first.
    pub fn audit(&self) -> Vec<ActivityEntry> {
        self.tables.lock().map(|t| t.audit.clone()).unwrap_or_default()
    }

    /// Every change request, as stored (with votes), oldest first.
    pub fn requests(&self) -> Vec<ChangeRequest> {
        self.tables.lock().map(|t| t.requests.clone()).unwrap_or_default()
    }

    fn check_unique(tables: &Tables, policy: &Policy) -> Result<()> {
        let taken = tables.policies.iter().any(|p| {
            p.id != policy.id
                && p.organization_id == policy.organization_id
                && p.team_id == policy.team_id
                && p.action_key == policy.action_key
        });
        if taken { Err(ApprovalError::non_field("invalid", DUPLICATE_POLICY)) } else { Ok(()) }
    }
}

impl ApprovalRepo for MemoryApprovals {
    fn list_policies(
        &self,
        at: Where,
        filter: &PolicyFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<Policy>> {
        let t = self.lock()?;
        let mut rows: Vec<Policy> = t
            .policies
            .iter()
            .filter(|p| visible(p.organization_id, p.team_id, at))
            .filter(|p| filter.action_key.as_ref().is_none_or(|k| *k == p.action_key))
            .filter(|p| filter.enabled.is_none_or(|e| e == p.enabled))
            .cloned()
            .collect();
        rows.sort_by_key(|p| newest_first(p.created_at, p.id));
        Ok(page(rows, limit, offset))
    }

    fn get_policy(&self, at: Where, id: Uuid) -> Result<Option<Policy>> {
        let t = self.lock()?;
        Ok(t.policies.iter().find(|p| p.id == id && visible(p.organization_id, p.team_id, at)).cloned())
    }

    fn create_policy(&self, policy: &Policy, audit: &[ActivityEntry]) -> Result<Policy> {
        self.check_exists(policy.organization_id, policy.team_id)?;
        let mut t = self.lock()?;
        Self::check_unique(&t, policy)?;
        t.policies.push(policy.clone());
        t.audit.extend_from_slice(audit);
        Ok(policy.clone())
    }

    fn update_policy(&self, policy: &Policy, audit: &[ActivityEntry]) -> Result<Policy> {
        let mut t = self.lock()?;
        Self::check_unique(&t, policy)?;
        let slot = t
            .policies
            .iter_mut()
            .find(|p| p.id == policy.id && p.organization_id == policy.organization_id)
            .ok_or(ApprovalError::NotFound)?;
        *slot = policy.clone();
        t.audit.extend_from_slice(audit);
        Ok(policy.clone())
    }

    fn delete_policy(&self, at: Where, id: Uuid, audit: &[ActivityEntry]) -> Result<()> {
        let mut t = self.lock()?;
        let before = t.policies.len();
        t.policies.retain(|p| !(p.id == id && visible(p.organization_id, p.team_id, at)));
        if t.policies.len() == before {
            return Err(ApprovalError::NotFound);
        }
        t.audit.extend_from_slice(audit);
        Ok(())
    }

    fn enabled_policies(&self, org: Uuid, team: Option<i64>, action_key: &str) -> Result<Vec<Policy>> {
        let t = self.lock()?;
        let of = |want: Option<i64>| {
            t.policies
                .iter()
                .filter(move |p| {
                    p.enabled && p.organization_id == org && p.action_key == action_key && p.team_id == want
                })
                .cloned()
        };
        let mut out: Vec<Policy> = team.map(|t| of(Some(t)).collect()).unwrap_or_default();
        out.extend(of(None));
        Ok(out)
    }

    fn list_requests(
        &self,
        at: Where,
        filter: &RequestFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<ChangeRequest>> {
        let t = self.lock()?;
        let mut rows: Vec<ChangeRequest> = t
            .requests
            .iter()
            .filter(|r| visible(r.organization_id, r.team_id, at))
            .filter(|r| filter.states.as_ref().is_none_or(|s| s.iter().any(|s| s == r.state.as_str())))
            .filter(|r| filter.action_key.as_ref().is_none_or(|k| *k == r.action_key))
            .filter(|r| filter.requester.is_none_or(|u| u == r.created_by))
            .filter(|r| filter.resource_type.as_ref().is_none_or(|k| *k == r.resource_type))
            .filter(|r| filter.resource_id.as_ref().is_none_or(|k| Some(k) == r.resource_id.as_ref()))
            .cloned()
            .collect();
        rows.sort_by_key(|r| newest_first(r.created_at, r.id));
        Ok(page(rows, limit, offset))
    }

    fn get_request(&self, at: Where, id: Uuid) -> Result<Option<ChangeRequest>> {
        let t = self.lock()?;
        Ok(t.requests.iter().find(|r| r.id == id && visible(r.organization_id, r.team_id, at)).cloned())
    }

    fn open_request(
        &self,
        org: Uuid,
        team: Option<i64>,
        action_key: &str,
        resource_type: &str,
        resource_id: Option<&str>,
    ) -> Result<Option<ChangeRequest>> {
        let t = self.lock()?;
        Ok(t.requests
            .iter()
            .find(|r| {
                matches!(r.state, State::Pending | State::Approved)
                    && r.organization_id == org
                    && r.team_id == team
                    && r.action_key == action_key
                    && r.resource_type == resource_type
                    && r.resource_id.as_deref() == resource_id
            })
            .cloned())
    }

    fn create_request(&self, request: &ChangeRequest, audit: &[ActivityEntry]) -> Result<ChangeRequest> {
        self.check_exists(request.organization_id, request.team_id)?;
        let mut stored = request.clone();
        sort_votes(&mut stored);
        let mut t = self.lock()?;
        t.requests.push(stored.clone());
        t.audit.extend_from_slice(audit);
        Ok(stored)
    }

    fn transition(&self, id: Uuid, f: TransitionFn<'_>) -> Result<ChangeRequest> {
        let mut t = self.lock()?;
        let at = t.requests.iter().position(|r| r.id == id).ok_or(ApprovalError::NotFound)?;
        let Some(change) = f(&t.requests[at])? else { return Ok(t.requests[at].clone()) };
        let mut votes = std::mem::take(&mut t.requests[at].votes);
        if let Some(vote) = change.vote {
            match votes.iter_mut().find(|v| v.created_by == vote.created_by) {
                Some(slot) => *slot = vote,
                None => votes.push(vote),
            }
        }
        t.requests[at] = ChangeRequest { votes, ..change.request };
        sort_votes(&mut t.requests[at]);
        t.audit.extend(change.audit);
        Ok(t.requests[at].clone())
    }

    fn due_for_expiry(&self, now: OffsetDateTime, limit: i64) -> Result<Vec<Uuid>> {
        let t = self.lock()?;
        let limit = usize::try_from(limit.max(0)).unwrap_or(usize::MAX);
        Ok(t.requests
            .iter()
            .filter(|r| matches!(r.state, State::Pending | State::Approved) && r.expires_at <= now)
            .map(|r| r.id)
            .take(limit)
            .collect())
    }

    fn pending_valid(&self, limit: i64) -> Result<Vec<ChangeRequest>> {
        let t = self.lock()?;
        let mut rows: Vec<ChangeRequest> = t
            .requests
            .iter()
            .filter(|r| r.state == State::Pending && r.validation_status == ValidationStatus::Valid)
            .cloned()
            .collect();
        rows.sort_by_key(|r| (r.created_at, r.id));
        rows.truncate(usize::try_from(limit.max(0)).unwrap_or(usize::MAX));
        Ok(rows)
    }

    fn claim_job(&self, name: &str, now: OffsetDateTime, next: OffsetDateTime) -> Result<bool> {
        let mut t = self.lock()?;
        if t.jobs.get(name).is_some_and(|due| *due > now) {
            return Ok(false);
        }
        t.jobs.insert(name.to_string(), next);
        Ok(true)
    }
}
