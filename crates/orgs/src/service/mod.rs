//! Use cases. Each one authorizes (scope, key limits, membership, level), applies the
//! rules and calls the repository; handlers call exactly one of these.

mod access;
pub mod activity;
pub mod audit;
mod bootstrap;
mod keys;
mod members;
mod organizations;
mod projects;
mod roles;
mod users;

pub use access::{Actor, OrgRef, ProjectRef, org_access, project_access};
pub use bootstrap::{Bootstrap, bootstrap};
pub use keys::{CreatedKey, KeyInput, create_key, delete_key, get_key, list_keys, roll_key};
pub use members::{MemberTarget, add_member, list_members, remove_member, set_member_level};
pub use organizations::{
    OrgInput, OrgView, create_organization, delete_organization, get_organization, list_organizations,
    project_with_organization, update_organization,
};
pub use projects::{
    DeletedProject, ProjectData, ProjectInput, ProjectPatch, create_project, delete_project, get_project,
    list_projects, project_for_token, reset_project_token, update_project,
};
pub use roles::{
    RoleMemberView, RoleView, SCOPE_ROLE, add_role_member, create_role, delete_role, get_role,
    get_role_member, list_role_members, list_roles, remove_role_member, update_role,
};
pub use users::{create_user, login, me, prepare_login};
