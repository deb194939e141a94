//! The periodic jobs (§5.2): expiry and staleness, each run once per due time across
//! servers (`ApprovalRepo::claim_job`).

use time::{Duration, OffsetDateTime};

use super::ApprovalService;
use crate::error::Result;

pub const EXPIRY_JOB: &str = "approvals.expiry";
pub const STALENESS_JOB: &str = "approvals.staleness";

/// What one run did; `ran` false when another server owned this due time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JobReport {
    pub ran: bool,
    pub changed: usize,
}

impl<U: Clone> ApprovalService<U> {
    /// Expires due requests (with an activity entry each) if this server claims the run
    /// due at `now`; the next run is due `every` later.
    pub fn run_expiry(&self, now: OffsetDateTime, every: Duration) -> Result<JobReport> {
        let _ = (now, every);
        todo!("helper: run_expiry")
    }

    /// Marks pending requests whose resource moved on (preconditions differ, or it is
    /// gone) `stale`.
    pub fn run_staleness(&self, now: OffsetDateTime, every: Duration) -> Result<JobReport> {
        let _ = (now, every);
        todo!("helper: run_staleness")
    }
}
