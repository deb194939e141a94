//! Sampling rules (spec §4): CRUD, reorder and simulate under `.../logs/sampling_rules/`.
//! Each handler authorizes, makes one `SamplingService` call and renders; the rules live
//! in the `sampling` crate.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use auth_scopes::{Scope, ScopeObject};
use orgs::Page;
use orgs::service::project_access;
use sampling::SamplingError;
use sampling::service::{Caller, ReorderInput, SimulateInput};
use sampling::simulate::DEFAULT_MAX_ROWS;
use sampling::validate::{Mode, RuleInput};
use uuid::Uuid;

use super::sampling_rules_dto::{
    SamplingReorderBody, SamplingRuleBody, SamplingRuleDto, SamplingSimulateBody, SimulateResponse, render,
    render_report,
};
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::extract::{Body, RequestBody, project_ref};
use crate::pagination::{Paginated, page_req, paginate};
use crate::state::AppState;

const READ: Scope = Scope::read(ScopeObject::Logs);
const WRITE: Scope = Scope::write(ScopeObject::Logs);

impl RequestBody for RuleInput {}
impl RequestBody for ReorderInput {}
impl RequestBody for SimulateInput {}

/// The caller acting in the project of a sampling-rules route requiring `scope`.
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

/// A malformed id cannot name a rule: 404 like an unknown one.
fn rule_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| SamplingError::NotFound.into())
}

/// The project's rules by priority, then creation time.
#[utoipa::path(tag = "log sampling rules", params(("project_id" = String, Path),
    ("limit" = Option<i64>, Query), ("offset" = Option<i64>, Query)),
    responses((status = 200, body = Paginated<SamplingRuleDto>), (status = 403, body = ErrorBody)),
    security(("bearer" = ["logs:read"])))]
#[get("/{project_id}/logs/sampling_rules")]
pub async fn list(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let c = access(&st, auth, &id, READ).await?;
    let (page, sampling, now) = (page_req(&req), st.sampling.clone(), st.now());
    let found = blocking(move || {
        sampling.flush_quietly();
        sampling.service().list(c.team, page.limit, page.offset, now)
    })
    .await?;
    let count = i64::try_from(found.count).unwrap_or(i64::MAX);
    let items = found.results.into_iter().map(render).collect();
    Ok(HttpResponse::Ok().json(paginate(&req, page, Page { items, count })))
}

/// Creates a rule (disabled unless `enabled`; an omitted priority appends).
#[utoipa::path(tag = "log sampling rules", params(("project_id" = String, Path)), request_body = SamplingRuleBody,
    responses((status = 409, body = crate::error::ApprovalRequiredBody, description = "An approval policy gates this change: a change request was created, or one is already pending; nothing was written."), (status = 201, body = SamplingRuleDto), (status = 400, body = ErrorBody)),
    security(("bearer" = ["logs:write"])))]
#[post("/{project_id}/logs/sampling_rules")]
pub async fn create(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<RuleInput>,
) -> Result<HttpResponse, ApiError> {
    let c = access(&st, auth, &id, WRITE).await?;
    let (svc, now) = (st.sampling_service(), st.now());
    let view = blocking(move || svc.create(&c, &body.0, now)).await?;
    Ok(HttpResponse::Created().json(render(view)))
}

/// Sets every rule's priority to its index in `ordered_ids`; the full ordered list back.
#[utoipa::path(tag = "log sampling rules", params(("project_id" = String, Path)), request_body = SamplingReorderBody,
    responses((status = 200, body = Vec<SamplingRuleDto>), (status = 400, body = ErrorBody)),
    security(("bearer" = ["logs:write"])))]
#[post("/{project_id}/logs/sampling_rules/reorder")]
pub async fn reorder(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<ReorderInput>,
) -> Result<HttpResponse, ApiError> {
    let c = access(&st, auth, &id, WRITE).await?;
    let (svc, now) = (st.sampling_service(), st.now());
    let views = blocking(move || svc.reorder(&c, &body.0, now)).await?;
    Ok(HttpResponse::Ok().json(views.into_iter().map(render).collect::<Vec<_>>()))
}

/// One rule, with its kept/dropped totals of the last 24 hours.
#[utoipa::path(tag = "log sampling rules", params(("project_id" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = SamplingRuleDto), (status = 404, body = ErrorBody)),
    security(("bearer" = ["logs:read"])))]
#[get("/{project_id}/logs/sampling_rules/{id}")]
pub async fn retrieve(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (pid, raw) = path.into_inner();
    let c = access(&st, auth, &pid, READ).await?;
    let rid = rule_id(&raw)?;
    let (sampling, now) = (st.sampling.clone(), st.now());
    let view = blocking(move || {
        sampling.flush_quietly();
        sampling.service().get(c.team, rid, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(render(view)))
}

async fn write(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: (String, String),
    input: RuleInput,
    mode: Mode,
) -> Result<HttpResponse, ApiError> {
    let (pid, raw) = path;
    let c = access(&st, auth, &pid, WRITE).await?;
    let rid = rule_id(&raw)?;
    let (svc, now) = (st.sampling_service(), st.now());
    let view = blocking(move || svc.update(&c, rid, &input, mode, now)).await?;
    Ok(HttpResponse::Ok().json(render(view)))
}

/// Changes only the given fields; bumps `version`.
#[utoipa::path(tag = "log sampling rules", params(("project_id" = String, Path), ("id" = String, Path)),
    request_body = SamplingRuleBody, responses((status = 409, body = crate::error::ApprovalRequiredBody, description = "An approval policy gates this change: a change request was created, or one is already pending; nothing was written."), (status = 200, body = SamplingRuleDto),
    (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = ["logs:write"])))]
#[patch("/{project_id}/logs/sampling_rules/{id}")]
pub async fn partial_update(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: Body<RuleInput>,
) -> Result<HttpResponse, ApiError> {
    write(st, auth, path.into_inner(), body.0, Mode::Partial).await
}

/// Replaces the writable fields (absent ones take their defaults; priority is kept).
#[utoipa::path(tag = "log sampling rules", params(("project_id" = String, Path), ("id" = String, Path)),
    request_body = SamplingRuleBody, responses((status = 409, body = crate::error::ApprovalRequiredBody, description = "An approval policy gates this change: a change request was created, or one is already pending; nothing was written."), (status = 200, body = SamplingRuleDto),
    (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = ["logs:write"])))]
#[put("/{project_id}/logs/sampling_rules/{id}")]
pub async fn update(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: Body<RuleInput>,
) -> Result<HttpResponse, ApiError> {
    write(st, auth, path.into_inner(), body.0, Mode::Full).await
}

#[utoipa::path(tag = "log sampling rules", params(("project_id" = String, Path), ("id" = String, Path)),
    responses((status = 409, body = crate::error::ApprovalRequiredBody, description = "An approval policy gates this change: a change request was created, or one is already pending; nothing was written."), (status = 204), (status = 404, body = ErrorBody)), security(("bearer" = ["logs:write"])))]
#[delete("/{project_id}/logs/sampling_rules/{id}")]
pub async fn destroy(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (pid, raw) = path.into_inner();
    let c = access(&st, auth, &pid, WRITE).await?;
    let rid = rule_id(&raw)?;
    let (svc, now) = (st.sampling_service(), st.now());
    blocking(move || svc.delete(&c, rid, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Replays the enabled rules, with this rule as stored or as the body's draft, over the
/// stored logs of a window (default the last 24 h). Read-only.
#[utoipa::path(tag = "log sampling rules", params(("project_id" = String, Path), ("id" = String, Path)),
    request_body = SamplingSimulateBody, responses((status = 200, body = SimulateResponse),
    (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = ["logs:write"])))]
#[post("/{project_id}/logs/sampling_rules/{id}/simulate")]
pub async fn simulate(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: Body<SimulateInput>,
) -> Result<HttpResponse, ApiError> {
    let (pid, raw) = path.into_inner();
    let c = access(&st, auth, &pid, WRITE).await?;
    let rid = rule_id(&raw)?;
    let (svc, logs, now) = (st.sampling_service(), st.logs.clone(), st.now());
    let report = blocking(move || svc.simulate(c.team, rid, &body.0, &*logs, DEFAULT_MAX_ROWS, now)).await?;
    Ok(HttpResponse::Ok().json(render_report(report)))
}
