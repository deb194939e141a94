//! Change-request use cases (§5.3): list with filters, get, approve (applying at quorum),
//! reject, cancel.

use time::OffsetDateTime;
use uuid::Uuid;

use super::{ApprovalService, Caller, Outcome, RequestQuery, RequestView, VoteInput};
use crate::error::Result;
use crate::repo::{Page, RequestFilter};

/// The filters of §5.3; a non-integer `requester` is 400 (attr `requester`, "Enter a
/// number.").
pub fn filter(query: &RequestQuery) -> Result<RequestFilter> {
    let _ = query;
    todo!("helper: requests::filter")
}

impl<U: Clone> ApprovalService<U> {
    pub fn list_requests(
        &self,
        caller: &Caller,
        query: &RequestQuery,
        limit: i64,
        offset: i64,
    ) -> Result<Page<RequestView<U>>> {
        let _ = (caller, query, limit, offset);
        todo!("helper: list_requests")
    }

    pub fn get_request(&self, caller: &Caller, id: Uuid) -> Result<RequestView<U>> {
        let _ = (caller, id);
        todo!("helper: get_request")
    }

    pub fn approve(&self, caller: &Caller, id: Uuid, input: &VoteInput, now: OffsetDateTime) -> Result<Outcome<U>> {
        let _ = (caller, id, input, now);
        todo!("helper: approve")
    }

    pub fn reject(&self, caller: &Caller, id: Uuid, input: &VoteInput, now: OffsetDateTime) -> Result<Outcome<U>> {
        let _ = (caller, id, input, now);
        todo!("helper: reject")
    }

    pub fn cancel(&self, caller: &Caller, id: Uuid, input: &VoteInput, now: OffsetDateTime) -> Result<Outcome<U>> {
        let _ = (caller, id, input, now);
        todo!("helper: cancel")
    }
}
