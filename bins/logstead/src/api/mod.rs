//! Routes. Every project-scoped route is registered under both `/api/projects` and
//! `/api/environments`.

pub mod activity;
pub mod activity_dto;
pub mod dto;
pub mod exports;
pub mod ingest;
pub mod integrations;
pub mod keys;
pub mod logs;
pub mod logs_agg;
pub mod logs_alerts;
pub mod logs_alerts_destinations;
pub mod logs_alerts_dto;
pub mod logs_alerts_simulate;
pub mod logs_attrs;
pub mod logs_export;
pub mod members;
pub mod organizations;
pub mod projects;
pub mod system;
pub mod users;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Routes under `/api` that are not project-scoped.
fn platform(cfg: &mut ServiceConfig) {
    cfg.service(organizations::list)
        .service(organizations::create)
        .service(organizations::retrieve)
        .service(organizations::partial_update)
        .service(organizations::full_update)
        .service(organizations::destroy)
        .service(members::list)
        .service(members::create)
        .service(members::update)
        .service(members::destroy)
        .service(projects::list_for_org)
        .service(projects::create_for_org)
        .service(keys::list)
        .service(keys::create)
        .service(keys::retrieve)
        .service(keys::destroy)
        .service(keys::roll)
        .service(users::login)
        .service(users::me)
        .service(activity::org_list)
        .service(activity::org_filters)
        .service(activity::org_export);
}

/// Project routes, mounted under both prefixes.
fn project_routes(cfg: &mut ServiceConfig) {
    cfg.service(projects::list)
        .service(projects::create)
        .service(projects::retrieve)
        .service(projects::partial_update)
        .service(projects::reset_token)
        .service(projects::destroy)
        .service(activity::project_list)
        .service(activity::project_filters)
        .service(activity::project_export)
        .service(exports::retrieve)
        .service(exports::content)
        .service(logs::query)
        .service(logs::has_logs)
        .service(logs_attrs::attributes)
        .service(logs_attrs::values)
        .service(logs_export::export)
        .service(logs_agg::count)
        .service(logs_agg::count_ranges)
        .service(logs_agg::sparkline)
        .service(logs_agg::services)
        // `simulate` before `{id}` so it is never read as an alert id.
        .service(logs_alerts_simulate::simulate)
        .service(logs_alerts::list)
        .service(logs_alerts::create)
        .service(logs_alerts::retrieve)
        .service(logs_alerts::partial_update)
        .service(logs_alerts::update)
        .service(logs_alerts::destroy)
        .service(logs_alerts::reset)
        .service(logs_alerts::events)
        .service(logs_alerts_destinations::create)
        .service(logs_alerts_destinations::delete)
        .service(integrations::list)
        .service(integrations::create)
        .service(integrations::retrieve)
        .service(integrations::destroy);
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(scope("/api/projects").configure(project_routes))
        .service(scope("/api/environments").configure(project_routes))
        .service(scope("/api").configure(platform))
        .service(ingest::capture)
        .service(ingest::otlp)
        .service(system::health)
        .service(system::readiness)
        .service(system::metrics);
}
