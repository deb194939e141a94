//! Log alerts (spec §3): CRUD, events and reset under `.../logs/alerts/`. Each handler
//! authorizes, makes one `AlertService` call and renders; the rules live in
//! `alerts_engine::service`.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use alerts_engine::edit::{AlertInput, Mode};
use alerts_engine::repo::AlertRepoError;
use alerts_engine::service::Caller;
use auth_scopes::{Scope, ScopeObject};
use orgs::service::project_access;
use orgs::{Page, Project};
use uuid::Uuid;

use super::dto::{AlertDto, AlertEventDto, render, render_events, render_page};
use super::input::AlertBody;
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::extract::{Body, RequestBody, project_ref};
use crate::pagination::{Paginated, page_req, paginate, query_pairs};
use crate::state::AppState;

pub(super) const READ: Scope = Scope::read(ScopeObject::Logs);
pub(super) const WRITE: Scope = Scope::write(ScopeObject::Logs);

impl RequestBody for AlertInput {
    const READ_ONLY: &'static [&'static str] = &[
        "id",
        "check_interval_minutes",
        "state",
        "next_check_at",
        "last_checked_at",
        "last_notified_at",
        "consecutive_failures",
        "last_error_message",
        "state_timeline",
        "destination_types",
        "first_enabled_at",
        "created_at",
        "created_by",
        "updated_at",
        "destinations",
    ];
}

/// The project of an alerts route requiring `scope`, and the caller acting in it.
pub(super) async fn access(
    st: &AppState,
    auth: Authenticated,
    id: &str,
    scope: Scope,
) -> Result<(Project, Caller), ApiError> {
    let project = project_ref(id)?;
    let repos = st.repos.clone();
    blocking(move || {
        let actor = auth.0;
        project_access(&*repos, &actor, project, scope).map(|(p, _)| {
            let caller = Caller { author: actor.author(), org: Some(p.organization_id.0), team: p.id.0 };
            (p, caller)
        })
    })
    .await
}

/// A malformed id cannot name an alert: 404 like an unknown one.
pub(super) fn alert_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| AlertRepoError::NotFound.into())
}

fn query_param(req: &HttpRequest, name: &str) -> Option<String> {
    query_pairs(req).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// Alerts of the project, newest first; `?created_by=<user uuid>` narrows to one author.
#[utoipa::path(tag = "log alerts", params(("project_id" = String, Path), ("created_by" = Option<String>, Query),
    ("limit" = Option<i64>, Query), ("offset" = Option<i64>, Query)),
    responses((status = 200, body = Paginated<AlertDto>), (status = 403, body = ErrorBody)),
    security(("bearer" = ["logs:read"])))]
#[get("/{project_id}/logs/alerts")]
pub async fn list(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (p, _) = access(&st, auth, &id, READ).await?;
    let (page, created_by) = (page_req(&req), query_param(&req, "created_by"));
    let (svc, now) = (st.alert_service(), st.now());
    let found =
        blocking(move || svc.list(p.id.0, created_by.as_deref(), page.limit, page.offset, now)).await?;
    Ok(HttpResponse::Ok().json(paginate(&req, page, render_page(found))))
}

/// Creates an alert (spec §3.1 defaults); at most `max_alerts_per_project` per project.
#[utoipa::path(tag = "log alerts", params(("project_id" = String, Path)), request_body = AlertBody,
    responses((status = 201, body = AlertDto), (status = 400, body = ErrorBody)),
    security(("bearer" = ["logs:write"])))]
#[post("/{project_id}/logs/alerts")]
pub async fn create(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<AlertInput>,
) -> Result<HttpResponse, ApiError> {
    let (_, caller) = access(&st, auth, &id, WRITE).await?;
    let (svc, now) = (st.alert_service(), st.now());
    let view = blocking(move || svc.create(&caller, &body.0, now)).await?;
    Ok(HttpResponse::Created().json(render(view)))
}

/// One alert, with its destinations.
#[utoipa::path(tag = "log alerts", params(("project_id" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = AlertDto), (status = 404, body = ErrorBody)),
    security(("bearer" = ["logs:read"])))]
#[get("/{project_id}/logs/alerts/{id}")]
pub async fn retrieve(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (pid, raw) = path.into_inner();
    let (p, _) = access(&st, auth, &pid, READ).await?;
    let aid = alert_id(&raw)?;
    let (svc, now) = (st.alert_service(), st.now());
    let view = blocking(move || svc.get(p.id.0, aid, now)).await?;
    Ok(HttpResponse::Ok().json(render(view)))
}

async fn write(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: (String, String),
    input: AlertInput,
    mode: Mode,
) -> Result<HttpResponse, ApiError> {
    let (pid, raw) = path;
    let (_, caller) = access(&st, auth, &pid, WRITE).await?;
    let aid = alert_id(&raw)?;
    let (svc, now) = (st.alert_service(), st.now());
    let view = blocking(move || svc.update(&caller, aid, &input, mode, now)).await?;
    Ok(HttpResponse::Ok().json(render(view)))
}

/// Changes only the given fields. Control-plane changes (enable, disable, snooze,
/// unsnooze, threshold change) write their alert event in the same transaction.
#[utoipa::path(tag = "log alerts", params(("project_id" = String, Path), ("id" = String, Path)),
    request_body = AlertBody, responses((status = 409, body = crate::error::ApprovalRequiredBody, description = "An approval policy gates this change: a change request was created, or one is already pending; nothing was written."), (status = 200, body = AlertDto), (status = 400, body = ErrorBody),
    (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = ["logs:write"])))]
#[patch("/{project_id}/logs/alerts/{id}")]
pub async fn partial_update(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: Body<AlertInput>,
) -> Result<HttpResponse, ApiError> {
    write(st, auth, path.into_inner(), body.0, Mode::Partial).await
}

/// Replaces the alert's writable fields; absent ones take their defaults.
#[utoipa::path(tag = "log alerts", params(("project_id" = String, Path), ("id" = String, Path)),
    request_body = AlertBody, responses((status = 409, body = crate::error::ApprovalRequiredBody, description = "An approval policy gates this change: a change request was created, or one is already pending; nothing was written."), (status = 200, body = AlertDto), (status = 400, body = ErrorBody),
    (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = ["logs:write"])))]
#[put("/{project_id}/logs/alerts/{id}")]
pub async fn update(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: Body<AlertInput>,
) -> Result<HttpResponse, ApiError> {
    write(st, auth, path.into_inner(), body.0, Mode::Full).await
}

/// Deletes the alert with its events, destinations and queued notifications.
#[utoipa::path(tag = "log alerts", params(("project_id" = String, Path), ("id" = String, Path)),
    responses((status = 409, body = crate::error::ApprovalRequiredBody, description = "An approval policy gates this change: a change request was created, or one is already pending; nothing was written."), (status = 204), (status = 404, body = ErrorBody)), security(("bearer" = ["logs:write"])))]
#[delete("/{project_id}/logs/alerts/{id}")]
pub async fn destroy(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (pid, raw) = path.into_inner();
    let (_, caller) = access(&st, auth, &pid, WRITE).await?;
    let aid = alert_id(&raw)?;
    let (svc, now) = (st.alert_service(), st.now());
    blocking(move || svc.delete(&caller, aid, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A broken alert back to `not_firing`, checked again on the next tick.
#[utoipa::path(tag = "log alerts", params(("project_id" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = AlertDto), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = ["logs:write"])))]
#[post("/{project_id}/logs/alerts/{id}/reset")]
pub async fn reset(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (pid, raw) = path.into_inner();
    let (_, caller) = access(&st, auth, &pid, WRITE).await?;
    let aid = alert_id(&raw)?;
    let (svc, now) = (st.alert_service(), st.now());
    let view = blocking(move || svc.reset(&caller, aid, now)).await?;
    Ok(HttpResponse::Ok().json(render(view)))
}

/// The alert's events, newest first, with the delivery status of their notifications.
/// Quiet checks (no state change, no error) are left out.
#[utoipa::path(tag = "log alerts", params(("project_id" = String, Path), ("id" = String, Path),
    ("kind" = Option<String>, Query), ("limit" = Option<i64>, Query), ("offset" = Option<i64>, Query)),
    responses((status = 200, body = Paginated<AlertEventDto>), (status = 400, body = ErrorBody),
    (status = 404, body = ErrorBody)), security(("bearer" = ["logs:read"])))]
#[get("/{project_id}/logs/alerts/{id}/events")]
pub async fn events(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (pid, raw) = path.into_inner();
    let (p, _) = access(&st, auth, &pid, READ).await?;
    let aid = alert_id(&raw)?;
    let (page, kind) = (page_req(&req), query_param(&req, "kind"));
    let svc = st.alert_service();
    let found = blocking(move || svc.events(p.id.0, aid, kind.as_deref(), page.limit, page.offset)).await?;
    let count = i64::try_from(found.events.count).unwrap_or(i64::MAX);
    let items = render_events(&found.events.results, &found.deliveries);
    Ok(HttpResponse::Ok().json(paginate(&req, page, Page { items, count })))
}
