//! Policy use cases (§4.6): list, get, create, update (PUT/PATCH), delete. Reads for any
//! member with project access; writes for admins and owners ("Your organization access
//! level is insufficient.").

use activity_log::ActivityEntry;
use activity_log::audit::{Place, What, entry, one};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::support::{at, directory_error};
use super::{ApprovalService, Caller, PolicyQuery, PolicyView};
use crate::error::{ApprovalError, Result};
use crate::model::{LEVEL_ADMIN, POLICY_SCOPE, Policy};
use crate::repo::{Page, PolicyFilter};
use crate::validate::{self, Ctx, Mode, PolicyInput};

fn audit(caller: &Caller, policy: &Policy, what: What, now: OffsetDateTime) -> Vec<ActivityEntry> {
    // Organization-wide policies are recorded without a team.
    let place = Place { org: caller.org, team: policy.team_id };
    one(entry(caller.author, place, POLICY_SCOPE, policy.id.to_string(), &policy.action_key, what, now))
}

impl<U: Clone> ApprovalService<U> {
    fn require_admin(&self, caller: &Caller) -> Result<()> {
        let org = at(caller)?.org;
        let level = self.directory.level(org, caller.author.user_id).map_err(directory_error)?;
        if level.is_some_and(|l| l >= LEVEL_ADMIN) {
            Ok(())
        } else {
            Err(ApprovalError::Forbidden("Your organization access level is insufficient.".into()))
        }
    }

    fn organization_level(&self, key: &str) -> bool {
        self.registry.get(key).is_some_and(|e| e.action.organization_level())
    }

    fn ctx<'a>(
        &'a self,
        caller: &Caller,
        team: Option<i64>,
        id: Uuid,
        now: OffsetDateTime,
        keys: &'a [&'static str],
    ) -> Result<Ctx<'a>> {
        Ok(Ctx {
            org: at(caller)?.org,
            team,
            author: Some(caller.author.user_id),
            id,
            now,
            known_keys: keys,
            directory: self.directory.as_ref(),
        })
    }

    fn one_view(&self, policy: Policy) -> Result<PolicyView<U>> {
        self.policy_views(vec![policy])?.pop().ok_or(ApprovalError::NotFound)
    }

    pub fn list_policies(
        &self,
        caller: &Caller,
        query: &PolicyQuery,
        limit: i64,
        offset: i64,
    ) -> Result<Page<PolicyView<U>>> {
        let filter = PolicyFilter {
            action_key: query.action_key.clone(),
            enabled: query.enabled.as_deref().map(|e| e.eq_ignore_ascii_case("true")),
        };
        let page = self.repo.list_policies(at(caller)?, &filter, limit, offset)?;
        Ok(Page { count: page.count, results: self.policy_views(page.results)? })
    }

    pub fn get_policy(&self, caller: &Caller, id: Uuid) -> Result<PolicyView<U>> {
        let policy = self.repo.get_policy(at(caller)?, id)?.ok_or(ApprovalError::NotFound)?;
        self.one_view(policy)
    }

    /// The policy gets the caller's project, or none for an organization-level action.
    pub fn create_policy(
        &self,
        caller: &Caller,
        input: &PolicyInput,
        now: OffsetDateTime,
    ) -> Result<PolicyView<U>> {
        self.require_admin(caller)?;
        let key = input.action_key.as_ref().and_then(Value::as_str).map_or("", str::trim);
        let team = if self.organization_level(key) { None } else { Some(caller.team) };
        let keys = self.registry.keys();
        let policy =
            validate::apply(None, input, Mode::Create, &self.ctx(caller, team, Uuid::now_v7(), now, &keys)?)?;
        let audit = audit(caller, &policy, What::Created(policy.audit()), now);
        let stored = self.repo.create_policy(&policy, &audit)?;
        self.one_view(stored)
    }

    pub fn update_policy(
        &self,
        caller: &Caller,
        id: Uuid,
        input: &PolicyInput,
        mode: Mode,
        now: OffsetDateTime,
    ) -> Result<PolicyView<U>> {
        self.require_admin(caller)?;
        let current = self.repo.get_policy(at(caller)?, id)?.ok_or(ApprovalError::NotFound)?;
        let key =
            input.action_key.as_ref().and_then(Value::as_str).map_or(current.action_key.as_str(), str::trim);
        // A key moving to or from an organization-level action moves the policy with it.
        let team = match (self.organization_level(&current.action_key), self.organization_level(key)) {
            (_, true) => None,
            (true, false) => Some(caller.team),
            (false, false) => current.team_id,
        };
        let keys = self.registry.keys();
        let ctx = self.ctx(caller, team, current.id, now, &keys)?;
        let policy = Policy { team_id: team, ..validate::apply(Some(&current), input, mode, &ctx)? };
        let audit = audit(caller, &policy, What::Updated(current.audit(), policy.audit()), now);
        let stored = self.repo.update_policy(&policy, &audit)?;
        self.one_view(stored)
    }

    pub fn delete_policy(&self, caller: &Caller, id: Uuid, now: OffsetDateTime) -> Result<()> {
        self.require_admin(caller)?;
        let at = at(caller)?;
        let current = self.repo.get_policy(at, id)?.ok_or(ApprovalError::NotFound)?;
        let audit = audit(caller, &current, What::Deleted(current.audit()), now);
        self.repo.delete_policy(at, id, &audit)
    }
}
