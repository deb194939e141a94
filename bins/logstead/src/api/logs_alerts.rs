//! Log alerts (spec §3): CRUD, events and reset under `.../logs/alerts/`.
//! Destinations, simulate and integrations live in their own modules.

use activity_log::ActivityEntry;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use alerts_engine::edit::{self, ACTIVITY_SCOPE, AlertInput, Edit, Mode};
use alerts_engine::repo::{Alert, AlertRepoError};
use alerts_engine::state::EventKind;
use auth_scopes::{Scope, ScopeObject};
use orgs::service::audit::{self, Place, What};
use orgs::service::{Actor, project_access};
use orgs::{Page, Project};
use time::OffsetDateTime;
use uuid::Uuid;

use super::logs_alerts_dto::{AlertDto, events_json, render};
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::extract::{Body, RequestBody, project_ref};
use crate::pagination::{Paginated, page_req, paginate, query_pairs};
use crate::state::AppState;

pub(super) const READ: Scope = Scope::read(ScopeObject::Logs);
pub(super) const WRITE: Scope = Scope::write(ScopeObject::Logs);
/// Edits re-read and re-apply this often when a concurrent edit won, then give up (409).
const EDIT_ATTEMPTS: usize = 3;
const EVENT_KINDS: &str =
    "[check, reset, enable, disable, snooze, unsnooze, threshold_change, broken_config]";

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

/// The project (and the caller) for an alerts route requiring `scope`.
pub(super) async fn access(
    st: &AppState,
    auth: Authenticated,
    id: &str,
    scope: Scope,
) -> Result<(Project, Actor), ApiError> {
    let project = project_ref(id)?;
    let repos = st.repos.clone();
    blocking(move || {
        let actor = auth.0;
        project_access(&*repos, &actor, project, scope).map(|(p, _)| (p, actor))
    })
    .await
}

/// A malformed id cannot name an alert: 404 like an unknown one.
pub(super) fn alert_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| AlertRepoError::NotFound.into())
}

pub(super) fn activity(
    actor: &Actor,
    p: &Project,
    scope: &str,
    item_id: String,
    name: &str,
    what: What,
    now: OffsetDateTime,
) -> Vec<ActivityEntry> {
    let place = Place { org: Some(p.organization_id), team: Some(p.id) };
    audit::one(audit::entry(actor, place, scope, item_id, name, what, now))
}

/// Filter shape errors read as the logs query layer words them (`Invalid filters shape at ...`).
pub(super) fn check_filters(filters: Option<&serde_json::Value>) -> Result<(), ApiError> {
    if let Some(f) = filters {
        logs_query::parse_alert_filters(f).map_err(|e| ApiError::Logs(e.into()))?;
    }
    Ok(())
}

fn one(st: &AppState, alert: Alert, now: OffsetDateTime) -> Result<AlertDto, ApiError> {
    let mut v = render(&*st.repos, &*st.alerts, vec![alert], true, now)?;
    v.pop().ok_or_else(|| AlertRepoError::NotFound.into())
}

/// Reads, edits and writes the alert, retrying when a concurrent edit bumped its version.
pub(super) fn edit_with_retry(
    st: &AppState,
    actor: &Actor,
    p: &Project,
    id: Uuid,
    now: OffsetDateTime,
    f: &dyn Fn(&Alert) -> Result<Edit, ApiError>,
) -> Result<AlertDto, ApiError> {
    for _ in 0..EDIT_ATTEMPTS {
        let cur = st.alerts.alert(p.id.0, id)?.ok_or(AlertRepoError::NotFound)?;
        let e = f(&cur)?;
        let what = What::Updated(edit::snapshot(&cur), edit::snapshot(&e.alert));
        let audit = activity(actor, p, ACTIVITY_SCOPE, id.to_string(), &e.alert.config.name, what, now);
        match st.alerts.update_alert(&e.alert, e.event.as_ref(), &audit) {
            Ok(saved) => return one(st, saved, now),
            Err(AlertRepoError::Conflict) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Err(AlertRepoError::Conflict.into())
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
    let page = page_req(&req);
    let created_by = query_pairs(&req).into_iter().find(|(k, _)| k == "created_by").map(|(_, v)| v);
    let (s, now) = (st.clone(), st.now());
    let found = blocking(move || -> Result<Page<AlertDto>, ApiError> {
        let author = match created_by {
            None => None,
            Some(raw) => {
                let uuid = Uuid::parse_str(&raw)
                    .map_err(|_| ApiError::invalid("created_by", "invalid", "Must be a valid UUID."))?;
                match s.repos.user_by_uuid(uuid)? {
                    Some(u) => Some(u.id.0),
                    None => return Ok(Page { items: Vec::new(), count: 0 }),
                }
            }
        };
        let found = s.alerts.list_alerts(p.id.0, author, page.limit, page.offset)?;
        let count = i64::try_from(found.count).unwrap_or(i64::MAX);
        Ok(Page { items: render(&*s.repos, &*s.alerts, found.results, false, now)?, count })
    })
    .await?;
    Ok(HttpResponse::Ok().json(paginate(&req, page, found)))
}

/// Creates an alert (spec §3.1 defaults); at most `max_alerts_per_project` per project.
#[utoipa::path(tag = "log alerts", params(("project_id" = String, Path)), request_body = Object,
    responses((status = 201, body = AlertDto), (status = 400, body = ErrorBody)),
    security(("bearer" = ["logs:write"])))]
#[post("/{project_id}/logs/alerts")]
pub async fn create(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<AlertInput>,
) -> Result<HttpResponse, ApiError> {
    let (p, actor) = access(&st, auth, &id, WRITE).await?;
    let input = body.0;
    check_filters(input.filters.as_ref().and_then(Option::as_ref))?;
    let (s, now) = (st.clone(), st.now());
    let dto = blocking(move || -> Result<AlertDto, ApiError> {
        let alert = edit::create(&input, Uuid::now_v7(), p.id.0, Some(actor.user.id.0), now)?;
        let what = What::Created(edit::snapshot(&alert));
        let audit = activity(&actor, &p, ACTIVITY_SCOPE, alert.id.to_string(), &alert.config.name, what, now);
        let saved = s.alerts.create_alert(&alert, s.settings.alerts.max_alerts_per_project, &audit)?;
        one(&s, saved, now)
    })
    .await?;
    Ok(HttpResponse::Created().json(dto))
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
    let (s, now) = (st.clone(), st.now());
    let dto = blocking(move || -> Result<AlertDto, ApiError> {
        let alert = s.alerts.alert(p.id.0, aid)?.ok_or(AlertRepoError::NotFound)?;
        one(&s, alert, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(dto))
}

async fn write(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: (String, String),
    input: AlertInput,
    mode: Mode,
) -> Result<HttpResponse, ApiError> {
    let (pid, raw) = path;
    let (p, actor) = access(&st, auth, &pid, WRITE).await?;
    let aid = alert_id(&raw)?;
    check_filters(input.filters.as_ref().and_then(Option::as_ref))?;
    let (s, now) = (st.clone(), st.now());
    let dto = blocking(move || {
        edit_with_retry(&s, &actor, &p, aid, now, &|cur| {
            Ok(edit::update(cur, &input, mode, now, Uuid::now_v7())?)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(dto))
}

/// Changes only the given fields. Control-plane changes (enable, disable, snooze,
/// unsnooze, threshold change) write their alert event in the same transaction.
#[utoipa::path(tag = "log alerts", params(("project_id" = String, Path), ("id" = String, Path)),
    request_body = Object, responses((status = 200, body = AlertDto), (status = 400, body = ErrorBody),
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
    request_body = Object, responses((status = 200, body = AlertDto), (status = 400, body = ErrorBody),
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
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = ["logs:write"])))]
#[delete("/{project_id}/logs/alerts/{id}")]
pub async fn destroy(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (pid, raw) = path.into_inner();
    let (p, actor) = access(&st, auth, &pid, WRITE).await?;
    let aid = alert_id(&raw)?;
    let (s, now) = (st.clone(), st.now());
    blocking(move || -> Result<(), ApiError> {
        let cur = s.alerts.alert(p.id.0, aid)?.ok_or(AlertRepoError::NotFound)?;
        let what = What::Deleted(edit::snapshot(&cur));
        let audit = activity(&actor, &p, ACTIVITY_SCOPE, aid.to_string(), &cur.config.name, what, now);
        Ok(s.alerts.delete_alert(p.id.0, aid, &audit)?)
    })
    .await?;
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
    let (p, actor) = access(&st, auth, &pid, WRITE).await?;
    let aid = alert_id(&raw)?;
    let (s, now) = (st.clone(), st.now());
    let dto = blocking(move || {
        edit_with_retry(&s, &actor, &p, aid, now, &|cur| {
            edit::reset(cur, now, Uuid::now_v7())
                .map_err(|e| ApiError::invalid("state", "invalid_input", e.to_string()))
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(dto))
}

fn parse_kind(raw: &str) -> Result<EventKind, ApiError> {
    serde_json::from_value(serde_json::Value::String(raw.to_string()))
        .map_err(|_| ApiError::invalid("kind", "invalid_choice", format!("Must be one of {EVENT_KINDS}.")))
}

/// The alert's events, newest first, with the delivery status of their notifications.
/// Quiet checks (no state change, no error) are left out.
#[utoipa::path(tag = "log alerts", params(("project_id" = String, Path), ("id" = String, Path),
    ("kind" = Option<String>, Query), ("limit" = Option<i64>, Query), ("offset" = Option<i64>, Query)),
    responses((status = 200, description = "count, next, previous, results"), (status = 400, body = ErrorBody),
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
    let kind =
        query_pairs(&req).into_iter().find(|(k, _)| k == "kind").map(|(_, v)| parse_kind(&v)).transpose()?;
    let page = page_req(&req);
    let s = st.clone();
    let found = blocking(move || -> Result<Page<serde_json::Value>, ApiError> {
        s.alerts.alert(p.id.0, aid)?.ok_or(AlertRepoError::NotFound)?;
        let found = s.alerts.events(p.id.0, aid, kind, page.limit, page.offset)?;
        let ids: Vec<Uuid> = found.results.iter().map(|e| e.id).collect();
        let deliveries = s.alerts.deliveries_for_events(&ids)?;
        let count = i64::try_from(found.count).unwrap_or(i64::MAX);
        Ok(Page { items: events_json(&found.results, &deliveries), count })
    })
    .await?;
    Ok(HttpResponse::Ok().json(paginate(&req, page, found)))
}
