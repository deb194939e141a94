//! `ApprovalRepo for SqlStore`: policies, change requests and their votes, job claims.

use ::approvals::ApprovalRepo;
use ::approvals::error::Result;
use ::approvals::model::{ChangeRequest, Policy};
use ::approvals::repo::{Page, PolicyFilter, RequestFilter, TransitionFn, Where};
use activity_log::ActivityEntry;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::store::SqlStore;

#[allow(unused_variables)]
impl ApprovalRepo for SqlStore {
    fn list_policies(&self, at: Where, filter: &PolicyFilter, limit: i64, offset: i64) -> Result<Page<Policy>> {
        todo!("helper: store-sql approvals")
    }
    fn get_policy(&self, at: Where, id: Uuid) -> Result<Option<Policy>> {
        todo!("helper: store-sql approvals")
    }
    fn create_policy(&self, policy: &Policy, audit: &[ActivityEntry]) -> Result<Policy> {
        todo!("helper: store-sql approvals")
    }
    fn update_policy(&self, policy: &Policy, audit: &[ActivityEntry]) -> Result<Policy> {
        todo!("helper: store-sql approvals")
    }
    fn delete_policy(&self, at: Where, id: Uuid, audit: &[ActivityEntry]) -> Result<()> {
        todo!("helper: store-sql approvals")
    }
    fn enabled_policies(&self, org: Uuid, team: Option<i64>, action_key: &str) -> Result<Vec<Policy>> {
        todo!("helper: store-sql approvals")
    }
    fn list_requests(
        &self,
        at: Where,
        filter: &RequestFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<ChangeRequest>> {
        todo!("helper: store-sql approvals")
    }
    fn get_request(&self, at: Where, id: Uuid) -> Result<Option<ChangeRequest>> {
        todo!("helper: store-sql approvals")
    }
    fn open_request(
        &self,
        org: Uuid,
        team: Option<i64>,
        action_key: &str,
        resource_type: &str,
        resource_id: Option<&str>,
    ) -> Result<Option<ChangeRequest>> {
        todo!("helper: store-sql approvals")
    }
    fn create_request(&self, request: &ChangeRequest, audit: &[ActivityEntry]) -> Result<ChangeRequest> {
        todo!("helper: store-sql approvals")
    }
    fn transition(&self, id: Uuid, f: TransitionFn<'_>) -> Result<ChangeRequest> {
        todo!("helper: store-sql approvals")
    }
    fn due_for_expiry(&self, now: OffsetDateTime, limit: i64) -> Result<Vec<Uuid>> {
        todo!("helper: store-sql approvals")
    }
    fn pending_valid(&self, limit: i64) -> Result<Vec<ChangeRequest>> {
        todo!("helper: store-sql approvals")
    }
    fn claim_job(&self, name: &str, now: OffsetDateTime, next: OffsetDateTime) -> Result<bool> {
        todo!("helper: store-sql approvals")
    }
}
