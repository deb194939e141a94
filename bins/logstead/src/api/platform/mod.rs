//! Platform endpoints: organizations, members, projects, personal API keys, users, the
//! activity log and its exports.

pub mod activity;
pub mod activity_dto;
pub mod exports;
pub mod keys;
pub mod members;
pub mod organizations;
pub mod projects;
pub mod roles;
pub mod roles_dto;
pub mod users;
