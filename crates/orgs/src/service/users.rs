use auth_scopes::{Scope, ScopeObject, hash_password, verify_password};
use time::OffsetDateTime;
use uuid::Uuid;

use super::access::Actor;
use crate::repo::Result;
use crate::rules::{validate_email, validate_password};
use crate::{Level, NewUser, Organization, OrgsError, PageReq, Repos, User};

/// Checks email and password; inactive users cannot log in.
pub fn login(repo: &dyn Repos, email: &str, password: &str) -> Result<User> {
    let email = email.trim().to_lowercase();
    match repo.user_by_email(&email)? {
        Some((user, hash)) if user.is_active && verify_password(password, &hash) => Ok(user),
        _ => Err(OrgsError::BadCredentials),
    }
}

/// The caller and the organizations they belong to.
pub fn me(repo: &dyn Repos, actor: &Actor) -> Result<(User, Vec<(Organization, Level)>)> {
    actor.access.require(Scope::read(ScopeObject::User))?;
    let orgs = repo.organizations_of(actor.user.id, None, PageReq { limit: 1000, offset: 0 })?;
    Ok((actor.user.clone(), orgs.items))
}

/// Creates a user (CLI and bootstrap); the caller decides memberships.
pub fn create_user(
    repo: &dyn Repos,
    email: &str,
    password: &str,
    first_name: &str,
    last_name: &str,
    now: OffsetDateTime,
) -> Result<User> {
    let email = validate_email(email)?;
    validate_password(password)?;
    repo.create_user(NewUser {
        uuid: Uuid::now_v7(),
        email,
        first_name: first_name.to_string(),
        last_name: last_name.to_string(),
        password_hash: hash_password(password)?,
        created_at: now,
    })
}
