//! Change-request use cases (§5.3): list with filters, get, approve (applying at quorum),
//! reject, cancel.
//!
//! Every decision runs under the request's row lock (`ApprovalRepo::transition`) after the
//! 403 checks on a fresh read. At quorum the vote's transition leaves the request
//! `approved`; the apply then runs outside the lock (it writes the resource through the
//! embedding service), and a second transition records `applied` or `failed` if the
//! request is still `approved`. Only the vote that moved it to `approved` applies, so
//! concurrent approvers apply a change once.

use activity_log::audit::Author;
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::support::at;
use super::{ApprovalService, Caller, Outcome, RequestQuery, RequestView, VoteInput, record};
use crate::error::{ApprovalError, Result};
use crate::machine::{self, Actor};
use crate::model::{ChangeRequest, State};
use crate::registry::{Applied, ApplyError};
use crate::repo::{Page, RequestFilter, Transition};

fn text(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// The filters of §5.3; a non-integer `requester` is 400 (attr `requester`, "Enter a
/// number.").
pub fn filter(query: &RequestQuery) -> Result<RequestFilter> {
    let states = text(&query.state).map(|s| {
        s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect::<Vec<_>>()
    });
    let requester = text(&query.requester)
        .map(|r| {
            r.parse::<i64>().map_err(|_| ApprovalError::invalid("requester", "invalid", "Enter a number."))
        })
        .transpose()?;
    Ok(RequestFilter {
        states: states.filter(|s| !s.is_empty()),
        action_key: text(&query.action_key).or_else(|| text(&query.action_type)),
        requester,
        resource_type: text(&query.resource_type),
        resource_id: text(&query.resource_id),
    })
}

/// Runs one decision under the row lock: `decide` returns the next row, the vote to
/// write and the activity verb.
type Decide<'a> = dyn FnMut(&ChangeRequest) -> Result<(ChangeRequest, crate::model::Vote, &'static str)> + 'a;

impl<U: Clone> ApprovalService<U> {
    /// The request as the caller may see it, with the caller as approver checks see them.
    fn fresh(&self, caller: &Caller, id: Uuid) -> Result<(ChangeRequest, Actor)> {
        let request = self.repo.get_request(at(caller)?, id)?.ok_or(ApprovalError::NotFound)?;
        let actor = self.actor(request.organization_id, caller.author.user_id)?;
        Ok((request, actor))
    }

    fn decide(
        &self,
        author: Author,
        id: Uuid,
        now: OffsetDateTime,
        decide: &mut Decide<'_>,
    ) -> Result<ChangeRequest> {
        self.repo.transition(id, &mut |locked| {
            let (next, vote, verb) = decide(locked)?;
            let audit = record::changed(Some(author), verb, locked, &next, Some(&vote), now);
            Ok(Some(Transition { request: next, vote: Some(vote), audit }))
        })
    }

    fn outcome(
        &self,
        request: ChangeRequest,
        actor: &Actor,
        status: &'static str,
        message: String,
        result: Option<Value>,
    ) -> Result<Outcome<U>> {
        Ok(Outcome { status, message, view: self.request_view(request, Some(actor))?, result })
    }

    pub fn list_requests(
        &self,
        caller: &Caller,
        query: &RequestQuery,
        limit: i64,
        offset: i64,
    ) -> Result<Page<RequestView<U>>> {
        let at = at(caller)?;
        let page = self.repo.list_requests(at, &filter(query)?, limit, offset)?;
        let actor = self.actor(at.org, caller.author.user_id)?;
        Ok(Page { count: page.count, results: self.request_views(page.results, Some(&actor))? })
    }

    pub fn get_request(&self, caller: &Caller, id: Uuid) -> Result<RequestView<U>> {
        let (request, actor) = self.fresh(caller, id)?;
        self.request_view(request, Some(&actor))
    }

    pub fn approve(
        &self,
        caller: &Caller,
        id: Uuid,
        input: &VoteInput,
        now: OffsetDateTime,
    ) -> Result<Outcome<U>> {
        let (current, actor) = self.fresh(caller, id)?;
        machine::check_voter(&current, &actor)?;
        let reason = input.reason.as_deref().unwrap_or("");
        let mut tally = None;
        let voted = self.decide(caller.author, id, now, &mut |locked| {
            let v = machine::approve(locked, &actor, reason, now)?;
            tally = Some((v.quorum_reached, v.approvals));
            Ok((v.next, v.vote, "approved"))
        })?;
        let Some((reached, approvals)) = tally else {
            return Err(ApprovalError::Failed("An error occurred while processing approval."));
        };
        if !reached || voted.state != State::Approved {
            let message = format!("Approval recorded. {approvals}/{} approvals received.", voted.quorum());
            return self.outcome(voted, &actor, "approved", message, None);
        }
        let (done, applied) = self.apply(caller.author, &voted, now)?;
        let (status, message, result) = match (done.state, applied) {
            (State::Applied, Some(a)) => (
                "applied",
                "Quorum reached. Change applied successfully.".to_string(),
                Some(json!({"resource_id": a.resource_id, "resource_version": a.resource_version})),
            ),
            (State::Applied, None) => (
                "applied",
                "Quorum reached. Change applied successfully.".to_string(),
                done.result_data.clone(),
            ),
            (State::Failed, _) => {
                ("failed", format!("Quorum reached but application failed: {}", done.apply_error), None)
            }
            // Expired (or otherwise ended) between the vote and the apply's record.
            (other, _) => (
                other.as_str(),
                format!("Quorum reached but the change request is {}.", other.as_str()),
                None,
            ),
        };
        self.outcome(done, &actor, status, message, result)
    }

    /// Replays an `approved` request through its applier, then records the result if the
    /// request is still `approved`. An action this server does not know fails the request.
    fn apply(
        &self,
        author: Author,
        approved: &ChangeRequest,
        now: OffsetDateTime,
    ) -> Result<(ChangeRequest, Option<Applied>)> {
        let result = match self.registry.get(&approved.action_key) {
            Some(entry) => entry.applier.apply(approved, now),
            None => Err(ApplyError::Other(format!("Action {} not found in registry", approved.action_key))),
        };
        let done = self.repo.transition(approved.id, &mut |locked| {
            if locked.state != State::Approved {
                return Ok(None);
            }
            let (next, verb) = match &result {
                Ok(a) => (machine::applied(locked, a, now), "applied"),
                Err(e) => (machine::failed(locked, e, now), "apply_failed"),
            };
            let audit = record::changed(Some(author), verb, locked, &next, None, now);
            Ok(Some(Transition { request: next, vote: None, audit }))
        })?;
        Ok((done, result.ok()))
    }

    pub fn reject(
        &self,
        caller: &Caller,
        id: Uuid,
        input: &VoteInput,
        now: OffsetDateTime,
    ) -> Result<Outcome<U>> {
        let (current, actor) = self.fresh(caller, id)?;
        machine::check_voter(&current, &actor)?;
        let rejected = self.decide(caller.author, id, now, &mut |locked| {
            let (next, vote) = machine::reject(locked, &actor, input.reason.as_deref(), now)?;
            Ok((next, vote, "rejected"))
        })?;
        self.outcome(rejected, &actor, "rejected", "Change request rejected.".into(), None)
    }

    pub fn cancel(
        &self,
        caller: &Caller,
        id: Uuid,
        input: &VoteInput,
        now: OffsetDateTime,
    ) -> Result<Outcome<U>> {
        let (current, actor) = self.fresh(caller, id)?;
        machine::check_cancel(&current, &actor)?;
        let canceled = self.decide(caller.author, id, now, &mut |locked| {
            // Re-checks `can_cancel`: a vote or a state change since the read is a 400.
            let (next, vote) = machine::cancel(locked, &actor, input.reason.as_deref(), now)?;
            Ok((next, vote, "canceled"))
        })?;
        self.outcome(canceled, &actor, "canceled", "Change request canceled.".into(), None)
    }
}
