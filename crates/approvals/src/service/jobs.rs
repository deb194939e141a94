//! The periodic jobs (§5.2): expiry and staleness, each run once per due time across
//! servers (`ApprovalRepo::claim_job`).

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{ApprovalService, record};
use crate::error::Result;
use crate::machine;
use crate::model::ChangeRequest;
use crate::repo::Transition;

pub const EXPIRY_JOB: &str = "approvals.expiry";
pub const STALENESS_JOB: &str = "approvals.staleness";

/// Requests expired per read of the due list.
const EXPIRY_BATCH: i64 = 200;
/// Requests checked for staleness per run; the rest wait for the next run.
const STALENESS_BATCH: i64 = 1000;

/// What one run did; `ran` false when another server owned this due time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JobReport {
    pub ran: bool,
    pub changed: usize,
}

impl<U: Clone> ApprovalService<U> {
    /// Applies `next` (decided again on the locked row) with a system activity entry;
    /// true when it wrote.
    fn system_transition(
        &self,
        id: Uuid,
        verb: &str,
        now: OffsetDateTime,
        next: impl Fn(&ChangeRequest) -> Option<ChangeRequest>,
    ) -> Result<bool> {
        let mut wrote = false;
        self.repo.transition(id, &mut |locked| {
            let Some(after) = next(locked) else { return Ok(None) };
            wrote = true;
            let audit = record::changed(None, verb, locked, &after, None, now);
            Ok(Some(Transition { request: after, vote: None, audit }))
        })?;
        Ok(wrote)
    }

    /// Expires due requests (with an activity entry each) if this server claims the run
    /// due at `now`; the next run is due `every` later.
    pub fn run_expiry(&self, now: OffsetDateTime, every: Duration) -> Result<JobReport> {
        if !self.repo.claim_job(EXPIRY_JOB, now, now + every)? {
            return Ok(JobReport::default());
        }
        let mut changed = 0;
        loop {
            let due = self.repo.due_for_expiry(now, EXPIRY_BATCH)?;
            let mut this_batch = 0;
            for id in &due {
                if self.system_transition(*id, "expired", now, |r| machine::expire(r, now))? {
                    this_batch += 1;
                }
            }
            changed += this_batch;
            // A short batch was the last; a batch that expired nothing would repeat itself.
            if (due.len() as i64) < EXPIRY_BATCH || this_batch == 0 {
                break;
            }
        }
        Ok(JobReport { ran: true, changed })
    }

    /// Marks pending requests whose resource moved on (preconditions differ, or it is
    /// gone) `stale`.
    pub fn run_staleness(&self, now: OffsetDateTime, every: Duration) -> Result<JobReport> {
        if !self.repo.claim_job(STALENESS_JOB, now, now + every)? {
            return Ok(JobReport::default());
        }
        let mut changed = 0;
        for request in self.repo.pending_valid(STALENESS_BATCH)? {
            if self.moved_on(&request)
                && self.system_transition(request.id, "marked_stale", now, |r| machine::mark_stale(r, now))?
            {
                changed += 1;
            }
        }
        Ok(JobReport { ran: true, changed })
    }

    /// Whether the resource's preconditions differ from the intent's, or it is gone. A
    /// create (no resource yet), an action this server does not know, or a resource it
    /// cannot read now is left for the apply to judge.
    fn moved_on(&self, request: &ChangeRequest) -> bool {
        if request.resource_id.is_none() {
            return false;
        }
        let Some(entry) = self.registry.get(&request.action_key) else { return false };
        let stored = request.intent.get("preconditions").cloned().unwrap_or_default();
        match entry.applier.preconditions(request) {
            Ok(Some(live)) => live != stored,
            Ok(None) => true,
            Err(_) => false,
        }
    }
}
