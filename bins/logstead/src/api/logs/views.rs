//! Saved views (spec §5) under `.../logs/views/`: list, create, retrieve, PUT, PATCH,
//! delete, looked up by `short_id` within the project. Each handler authorizes, makes one
//! `LogsViewService` call and renders; the rules live in `logs_views`.

#[path = "views_dto.rs"]
pub mod dto;

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use auth_scopes::{Scope, ScopeObject};
use logs_views::service::Caller;
use logs_views::{Mode, ViewInput};
use orgs::service::project_access;

use self::dto::{LogsViewBody, LogsViewDto, ViewsPageParams, render, render_page};
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::extract::{Body, RequestBody, project_ref};
use crate::pagination::{Paginated, page_req, paginate};
use crate::state::AppState;

const READ: Scope = Scope::read(ScopeObject::Logs);
const WRITE: Scope = Scope::write(ScopeObject::Logs);

impl RequestBody for ViewInput {
    const READ_ONLY: &'static [&'static str] = &["id", "short_id", "created_at", "created_by", "updated_at"];
}

/// The caller acting in the project of a views route requiring `scope`.
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

/// The project's saved views, newest first.
#[utoipa::path(tag = "log views", params(("project_id" = String, Path), ViewsPageParams),
    responses((status = 200, body = Paginated<LogsViewDto>), (status = 403, body = ErrorBody)),
    security(("bearer" = ["logs:read"])))]
#[get("/{project_id}/logs/views")]
pub async fn list(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let caller = access(&st, auth, &id, READ).await?;
    let (page, svc) = (page_req(&req), st.views_service());
    let found = blocking(move || svc.list(caller.team, page.limit, page.offset)).await?;
    Ok(HttpResponse::Ok().json(paginate(&req, page, render_page(found))))
}

/// Saves a view; its `short_id` is drawn by the server (a client's is ignored).
#[utoipa::path(tag = "log views", params(("project_id" = String, Path)), request_body = LogsViewBody,
    responses((status = 201, body = LogsViewDto), (status = 400, body = ErrorBody)),
    security(("bearer" = ["logs:write"])))]
#[post("/{project_id}/logs/views")]
pub async fn create(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<ViewInput>,
) -> Result<HttpResponse, ApiError> {
    let caller = access(&st, auth, &id, WRITE).await?;
    let (svc, now) = (st.views_service(), st.now());
    let view = blocking(move || svc.create(&caller, &body.0, now)).await?;
    Ok(HttpResponse::Created().json(render(view)))
}

/// One view, by its short id.
#[utoipa::path(tag = "log views", params(("project_id" = String, Path), ("short_id" = String, Path)),
    responses((status = 200, body = LogsViewDto), (status = 404, body = ErrorBody)),
    security(("bearer" = ["logs:read"])))]
#[get("/{project_id}/logs/views/{short_id}")]
pub async fn retrieve(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (pid, short_id) = path.into_inner();
    let caller = access(&st, auth, &pid, READ).await?;
    let svc = st.views_service();
    let view = blocking(move || svc.get(caller.team, &short_id)).await?;
    Ok(HttpResponse::Ok().json(render(view)))
}

async fn write(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: (String, String),
    input: ViewInput,
    mode: Mode,
) -> Result<HttpResponse, ApiError> {
    let (pid, short_id) = path;
    let caller = access(&st, auth, &pid, WRITE).await?;
    let (svc, now) = (st.views_service(), st.now());
    let view = blocking(move || svc.update(&caller, &short_id, &input, mode, now)).await?;
    Ok(HttpResponse::Ok().json(render(view)))
}

/// Changes only the given fields (`columns: null` clears the columns).
#[utoipa::path(tag = "log views", params(("project_id" = String, Path), ("short_id" = String, Path)),
    request_body = LogsViewBody, responses((status = 200, body = LogsViewDto), (status = 400, body = ErrorBody),
    (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = ["logs:write"])))]
#[patch("/{project_id}/logs/views/{short_id}")]
pub async fn partial_update(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: Body<ViewInput>,
) -> Result<HttpResponse, ApiError> {
    write(st, auth, path.into_inner(), body.0, Mode::Partial).await
}

/// Replaces the view: `name` required, absent `filters` back to `{}`, absent `pinned`
/// and `columns` kept (as PostHog's serializer does).
#[utoipa::path(tag = "log views", params(("project_id" = String, Path), ("short_id" = String, Path)),
    request_body = LogsViewBody, responses((status = 200, body = LogsViewDto), (status = 400, body = ErrorBody),
    (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)), security(("bearer" = ["logs:write"])))]
#[put("/{project_id}/logs/views/{short_id}")]
pub async fn update(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: Body<ViewInput>,
) -> Result<HttpResponse, ApiError> {
    write(st, auth, path.into_inner(), body.0, Mode::Replace).await
}

/// Deletes the view.
#[utoipa::path(tag = "log views", params(("project_id" = String, Path), ("short_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)),
    security(("bearer" = ["logs:write"])))]
#[delete("/{project_id}/logs/views/{short_id}")]
pub async fn destroy(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (pid, short_id) = path.into_inner();
    let caller = access(&st, auth, &pid, WRITE).await?;
    let (svc, now) = (st.views_service(), st.now());
    blocking(move || svc.delete(&caller, &short_id, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}
