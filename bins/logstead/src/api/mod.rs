//! Routes. Every project-scoped route is registered under both `/api/projects` and
//! `/api/environments`.

pub mod alerts;
pub mod approvals;
pub mod dto;
pub mod logs;
pub mod platform;
pub mod system;

use platform::{activity, exports, keys, members, organizations, projects, roles, users};
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
        .service(roles::list)
        .service(roles::create)
        .service(roles::retrieve)
        .service(roles::partial_update)
        .service(roles::update)
        .service(roles::destroy)
        .service(roles::list_members)
        .service(roles::add_member)
        .service(roles::retrieve_member)
        .service(roles::remove_member)
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
        .service(logs::query::query)
        .service(logs::query::has_logs)
        .service(logs::attributes::attributes)
        .service(logs::attributes::values)
        .service(logs::export::export)
        .service(logs::aggregates::count)
        .service(logs::aggregates::count_ranges)
        .service(logs::aggregates::sparkline)
        .service(logs::aggregates::services)
        .service(logs::views::list)
        .service(logs::views::create)
        .service(logs::views::retrieve)
        .service(logs::views::partial_update)
        .service(logs::views::update)
        .service(logs::views::destroy)
        .service(logs::explain::explain)
        .configure(approvals::routes)
        // `reorder` before `{id}` so it is never read as a rule id.
        .service(logs::sampling_rules::reorder)
        .service(logs::sampling_rules::list)
        .service(logs::sampling_rules::create)
        .service(logs::sampling_rules::retrieve)
        .service(logs::sampling_rules::partial_update)
        .service(logs::sampling_rules::update)
        .service(logs::sampling_rules::destroy)
        .service(logs::sampling_rules::simulate)
        // `simulate` before `{id}` so it is never read as an alert id.
        .service(alerts::simulate::simulate)
        .service(alerts::crud::list)
        .service(alerts::crud::create)
        .service(alerts::crud::retrieve)
        .service(alerts::crud::partial_update)
        .service(alerts::crud::update)
        .service(alerts::crud::destroy)
        .service(alerts::crud::reset)
        .service(alerts::crud::events)
        .service(alerts::destinations::create)
        .service(alerts::destinations::delete)
        .service(alerts::integrations::list)
        .service(alerts::integrations::create)
        .service(alerts::integrations::retrieve)
        .service(alerts::integrations::destroy);
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(scope("/api/projects").configure(project_routes))
        .service(scope("/api/environments").configure(project_routes))
        .service(scope("/api").configure(platform))
        .service(logs::ingest::capture)
        .service(logs::ingest::otlp)
        .service(system::health)
        .service(system::readiness)
        .service(system::metrics);
}
