//! Approval policies (`approval_policies/`) and change requests (`change_requests/`),
//! spec platform.md §4.6 and §5.3. Handlers authorize and make one `ApprovalService` call.

pub mod dto;
pub mod policies;
pub mod requests;

use actix_web::{guard, web};
use auth_scopes::{Scope, ScopeObject};
use orgs::service::project_access;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use approvals::service::Caller;

use crate::auth::Authenticated;
use crate::error::{ApiError, blocking};
use crate::extract::project_ref;
use crate::state::AppState;

const READ: Scope = Scope::read(ScopeObject::Approvals);
const WRITE: Scope = Scope::write(ScopeObject::Approvals);

/// The caller acting in the project of an approvals route requiring `scope`.
async fn access(st: &AppState, auth: Authenticated, id: &str, scope: Scope) -> Result<Caller, ApiError> {
    let project = project_ref(id)?;
    let repos = st.repos.clone();
    blocking(move || {
        let actor = auth.0;
        project_access(&*repos, &actor, project, scope).map(|(p, _)| Caller {
            author: actor.author(),
            org: Some(p.organization_id.0),
            team: p.id.0,
        })
    })
    .await
}

/// A malformed id cannot name a policy or request: 404 like an unknown one.
fn object_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| approvals::ApprovalError::NotFound.into())
}

/// The approvals routes of a project prefix (`/api/projects`, `/api/environments`).
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(policies::list)
        .service(policies::create)
        .service(policies::retrieve)
        .service(policies::partial_update)
        .service(policies::update)
        .service(policies::destroy)
        .service(requests::list)
        .service(requests::retrieve)
        .service(requests::approve)
        .service(requests::reject)
        .service(requests::cancel)
        // Not in the OpenAPI document: these only answer 405.
        .map(|cfg| {
            for path in ["/{project_id}/change_requests", "/{project_id}/change_requests/{id}"] {
                cfg.service(web::resource(path).guard(guard::Not(guard::Get())).to(requests::read_only));
            }
            cfg
        });
}
