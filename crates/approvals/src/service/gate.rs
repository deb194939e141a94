//! `Gate for ApprovalService`: §4.5 steps 1–8, in that order.

use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::ApprovalService;
use super::record;
use super::support::directory_error;
use crate::conditions;
use crate::gate::{Conflict, Gate, GateReply, Gated, Who};
use crate::machine::{self, Actor};
use crate::model::{ChangeRequest, Policy, State, ValidationStatus};
use crate::registry::{Entry, Proposal};

const CREATED: &str = "A change request has been created and is pending approval.";
const CREATED_FOR_OTHERS: &str = "A change request has been created and is pending approval from others.";
const PENDING: &str = "A pending approval request already exists for this action";

impl<U: Clone + Send + Sync + 'static> Gate for ApprovalService<U> {
    fn check(&self, who: &Who, proposal: &Proposal, now: OffsetDateTime) -> Result<(), Gated> {
        // 1. Availability.
        if !self.settings.enabled {
            return Ok(());
        }
        // 2. Detection: the first detected action with an enabled policy.
        let Some((entry, policies)) = self.detected(who, proposal)? else { return Ok(()) };
        let action = &entry.action;
        // 3. Intent.
        let mut intent = action.intent(proposal).map_err(Gated::IntentFailed)?;
        let Some(fields) = intent.as_object_mut() else {
            return Err(Gated::IntentFailed(format!("{}: the intent is not an object", action.key())));
        };
        fields.insert("http_method".into(), Value::String(proposal.http_method.clone()));
        // 4. The resource's own validation.
        action.validate(&intent).map_err(Gated::Error)?;
        // 5. Conflict: more than one policy matches.
        let supports = action.supports_conditions();
        let matching: Vec<&Policy> =
            policies.iter().filter(|p| conditions::matches(&p.conditions, &intent, supports)).collect();
        if matching.len() > 1 {
            let policies = matching.iter().map(|p| (p.id, p.display_name())).collect();
            return Err(Gated::Conflict(Conflict { policies }));
        }
        // 6. Evaluation: bypass, then conditions. With no match the first policy decides
        // bypass (it would be the one to gate), and the write goes through either way.
        let Some(policy) = matching.first().copied().or(policies.first()) else { return Ok(()) };
        let actor = self.actor(who.org, who.author.user_id).map_err(Gated::Error)?;
        if self.bypasses(who, &actor, policy)? || matching.is_empty() {
            return Ok(());
        }
        // 7. Duplicate.
        let team = if action.organization_level() { None } else { who.team };
        let open = self.repo.open_request(
            who.org,
            team,
            action.key(),
            &proposal.resource_type,
            proposal.resource_id.as_deref(),
        )?;
        if let Some(existing) = open {
            return Err(self.reply(existing, "change_request_pending", PENDING.into(), None));
        }
        // 8. Create the change request.
        let request = self.new_request(who, team, entry, policy, proposal, intent, now);
        let audit = record::created(who.author, &request, now);
        let created = self.repo.create_request(&request, &audit)?;
        let for_others =
            !policy.allow_self_approve && machine::in_approver_set(&created.policy_snapshot, &actor);
        let message = if for_others { CREATED_FOR_OTHERS } else { CREATED };
        Err(self.reply(created, "approval_required", message.into(), Some(policy.approver_config.clone())))
    }
}

impl<U: Clone + Send + Sync + 'static> ApprovalService<U> {
    /// Registration order; per action, the team's policies before the organization's.
    fn detected<'a>(
        &'a self,
        who: &Who,
        proposal: &'a Proposal,
    ) -> Result<Option<(&'a Entry, Vec<Policy>)>, Gated> {
        for entry in self.registry.detect(proposal) {
            let team = if entry.action.organization_level() { None } else { who.team };
            let policies = self.repo.enabled_policies(who.org, team, entry.action.key())?;
            if !policies.is_empty() {
                return Ok(Some((entry, policies)));
            }
        }
        Ok(None)
    }

    fn bypasses(&self, who: &Who, actor: &Actor, policy: &Policy) -> Result<bool, Gated> {
        if actor.roles.iter().any(|r| policy.bypass_roles.contains(r)) {
            return Ok(true);
        }
        if policy.bypass_org_membership_levels.is_empty() {
            return Ok(false);
        }
        let level = self.directory.level(who.org, who.author.user_id).map_err(directory_error)?;
        Ok(level.is_some_and(|l| policy.bypass_org_membership_levels.contains(&l)))
    }

    #[allow(clippy::too_many_arguments)]
    fn new_request(
        &self,
        who: &Who,
        team: Option<i64>,
        entry: &Entry,
        policy: &Policy,
        proposal: &Proposal,
        intent: Value,
        now: OffsetDateTime,
    ) -> ChangeRequest {
        let mut request = ChangeRequest {
            id: Uuid::now_v7(),
            organization_id: who.org,
            team_id: team,
            policy_id: Some(policy.id),
            action_key: entry.action.key().to_string(),
            action_version: entry.action.version(),
            resource_type: proposal.resource_type.clone(),
            resource_id: proposal.resource_id.clone(),
            intent_display: entry.action.display(&intent),
            intent,
            policy_snapshot: policy.snapshot(),
            validation_status: ValidationStatus::Valid,
            validation_errors: None,
            validated_at: None,
            state: State::Pending,
            created_by: who.author.user_id,
            applied_by: None,
            created_at: now,
            updated_at: now,
            expires_at: now + policy.expires_after,
            applied_at: None,
            apply_error: String::new(),
            result_data: None,
            votes: Vec::new(),
        };
        if let Some(evidence) = entry.applier.evidence(&request, now)
            && let Some(display) = request.intent_display.as_object_mut()
        {
            display.insert("evidence".into(), evidence);
        }
        request
    }

    /// The 409, the request rendered without a caller context.
    fn reply(
        &self,
        request: ChangeRequest,
        code: &'static str,
        message: String,
        required_approvers: Option<crate::model::ApproverConfig>,
    ) -> Gated {
        let (resource_type, resource_id, id) =
            (request.resource_type.clone(), request.resource_id.clone(), request.id);
        match self.request_view(request, None) {
            Ok(view) => Gated::Required(Box::new(GateReply {
                code,
                message,
                resource_type,
                resource_id,
                change_request: (self.render)(&view),
                change_request_id: id,
                required_approvers,
            })),
            Err(e) => Gated::Error(e),
        }
    }
}
