//! Organizations, projects (a.k.a. teams/environments), users, memberships and who may do
//! what. Pure: rules and repository traits; storage lives in `store-sql`.

mod error;
pub mod login_throttle;
pub mod model;
pub mod repo;
pub mod roles;
pub mod rules;
pub mod service;
pub mod slug;

pub use error::OrgsError;
pub use login_throttle::{LoginLimits, LoginThrottle, Throttled};
pub use model::*;
pub use repo::{KeyRepo, OrgRepo, ProjectRepo, Repos, UserRepo};
pub use roles::{Role, RoleMembership, RoleRepo};
