//! Policy use cases (§4.6): list, get, create, update (PUT/PATCH), delete. Reads for any
//! member with project access; writes for admins and owners ("Your organization access
//! level is insufficient.").

use time::OffsetDateTime;
use uuid::Uuid;

use super::{ApprovalService, Caller, PolicyQuery, PolicyView};
use crate::error::Result;
use crate::repo::Page;
use crate::validate::{Mode, PolicyInput};

impl<U: Clone> ApprovalService<U> {
    pub fn list_policies(&self, caller: &Caller, query: &PolicyQuery, limit: i64, offset: i64) -> Result<Page<PolicyView<U>>> {
        let _ = (caller, query, limit, offset);
        todo!("helper: list_policies")
    }

    pub fn get_policy(&self, caller: &Caller, id: Uuid) -> Result<PolicyView<U>> {
        let _ = (caller, id);
        todo!("helper: get_policy")
    }

    pub fn create_policy(&self, caller: &Caller, input: &PolicyInput, now: OffsetDateTime) -> Result<PolicyView<U>> {
        let _ = (caller, input, now);
        todo!("helper: create_policy")
    }

    pub fn update_policy(
        &self,
        caller: &Caller,
        id: Uuid,
        input: &PolicyInput,
        mode: Mode,
        now: OffsetDateTime,
    ) -> Result<PolicyView<U>> {
        let _ = (caller, id, input, mode, now);
        todo!("helper: update_policy")
    }

    pub fn delete_policy(&self, caller: &Caller, id: Uuid, now: OffsetDateTime) -> Result<()> {
        let _ = (caller, id, now);
        todo!("helper: delete_policy")
    }
}
