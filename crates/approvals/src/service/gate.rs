//! `Gate for ApprovalService`: §4.5 steps 1–8.

use time::OffsetDateTime;

use super::ApprovalService;
use crate::gate::{Gate, Gated, Who};
use crate::registry::Proposal;

impl<U: Clone + Send + Sync + 'static> Gate for ApprovalService<U> {
    fn check(&self, who: &Who, proposal: &Proposal, now: OffsetDateTime) -> Result<(), Gated> {
        let _ = (who, proposal, now);
        todo!("helper: gate")
    }
}
