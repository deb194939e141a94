//! What the use cases share: where the caller stands, the caller as approver checks see
//! them, and views with their users (each looked up once per call).

use std::collections::HashMap;

use uuid::Uuid;

use super::{ApprovalService, Caller, DirectoryError, PolicyView, RequestView, Users};
use crate::error::{ApprovalError, Result};
use crate::machine::{self, Actor};
use crate::model::{ChangeRequest, Policy};
use crate::repo::Where;

pub(super) fn directory_error(e: DirectoryError) -> ApprovalError {
    ApprovalError::Directory(e.to_string())
}

/// The caller's organization and project; a caller outside any organization finds nothing.
pub(super) fn at(caller: &Caller) -> Result<Where> {
    let org = caller.org.ok_or(ApprovalError::NotFound)?;
    Ok(Where { org, team: caller.team })
}

/// Users by id, each asked for once.
pub(super) struct UserCache<'a, U> {
    users: &'a dyn Users<User = U>,
    seen: HashMap<i64, Option<U>>,
}

impl<'a, U: Clone> UserCache<'a, U> {
    pub(super) fn new(users: &'a dyn Users<User = U>) -> Self {
        Self { users, seen: HashMap::new() }
    }

    pub(super) fn get(&mut self, id: Option<i64>) -> Result<Option<U>> {
        let Some(id) = id else { return Ok(None) };
        if let Some(u) = self.seen.get(&id) {
            return Ok(u.clone());
        }
        let u = self.users.user(id).map_err(directory_error)?;
        self.seen.insert(id, u.clone());
        Ok(u)
    }
}

impl<U: Clone> ApprovalService<U> {
    /// The user with the roles they hold in `org`.
    pub(super) fn actor(&self, org: Uuid, user_id: i64) -> Result<Actor> {
        let roles = self.directory.roles_of(org, user_id).map_err(directory_error)?;
        Ok(Actor { user_id, roles })
    }

    pub(super) fn policy_views(&self, policies: Vec<Policy>) -> Result<Vec<PolicyView<U>>> {
        let mut users = UserCache::new(self.users.as_ref());
        policies
            .into_iter()
            .map(|policy| Ok(PolicyView { created_by: users.get(policy.created_by)?, policy }))
            .collect()
    }

    /// Views computed for `viewer` (None: no caller context, as the gate's 409 shows it).
    pub(super) fn request_views(
        &self,
        requests: Vec<ChangeRequest>,
        viewer: Option<&Actor>,
    ) -> Result<Vec<RequestView<U>>> {
        let mut users = UserCache::new(self.users.as_ref());
        requests
            .into_iter()
            .map(|request| {
                let votes = request
                    .votes
                    .iter()
                    .map(|v| Ok((v.clone(), users.get(Some(v.created_by))?)))
                    .collect::<Result<Vec<_>>>()?;
                Ok(RequestView {
                    created_by: users.get(Some(request.created_by))?,
                    applied_by: users.get(request.applied_by)?,
                    votes,
                    viewer: machine::viewer(&request, viewer),
                    request,
                })
            })
            .collect()
    }

    pub(super) fn request_view(
        &self,
        request: ChangeRequest,
        viewer: Option<&Actor>,
    ) -> Result<RequestView<U>> {
        let mut views = self.request_views(vec![request], viewer)?;
        views.pop().ok_or(ApprovalError::NotFound)
    }
}
