use std::net::IpAddr;
use std::sync::OnceLock;

use auth_scopes::{Scope, ScopeObject, hash_password, verify_password};
use time::OffsetDateTime;
use uuid::Uuid;

use super::access::Actor;
use crate::login_throttle::LoginThrottle;
use crate::repo::{Result, UserRepo};
use crate::rules::{validate_email, validate_password};
use crate::{Level, NewUser, Organization, OrgsError, PageReq, Repos, User};

/// Checks email and password; inactive users cannot log in. The throttle is asked first, so
/// a refused guess costs no hashing and tells nothing; unknown emails count like known ones.
pub fn login(
    repo: &dyn UserRepo,
    throttle: &LoginThrottle,
    email: &str,
    password: &str,
    client: Option<IpAddr>,
    now: OffsetDateTime,
) -> Result<User> {
    let email = email.trim().to_lowercase();
    if let Err(t) = throttle.attempt(&email, client, now) {
        return Err(OrgsError::Throttled { retry_after_secs: t.retry_after_secs });
    }
    match check_credentials(repo, &email, password) {
        Ok(user) => {
            throttle.succeeded(&email, client, now);
            Ok(user)
        }
        Err(OrgsError::BadCredentials) => Err(OrgsError::BadCredentials),
        Err(e) => {
            throttle.abandoned(&email, client, now);
            Err(e)
        }
    }
}

/// One argon2 verification whatever the email: against the dummy hash when no user has it,
/// so an unknown email takes as long as a wrong password.
fn check_credentials(repo: &dyn UserRepo, email: &str, password: &str) -> Result<User> {
    let found = repo.user_by_email(email)?;
    let hash: &str = match &found {
        Some((_, h)) => h,
        None => dummy_hash(),
    };
    let matches = verify_password(password, hash);
    match found {
        Some((user, _)) if matches && user.is_active => Ok(user),
        _ => Err(OrgsError::BadCredentials),
    }
}

/// Hashed once, with the parameters real hashes get (`hash_password`).
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("logstead dummy password").unwrap_or_default())
}

/// Computes the dummy hash now (at server start), so the first unknown email is not the one
/// login that takes twice as long.
pub fn prepare_login() {
    let _ = dummy_hash();
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

#[cfg(test)]
#[path = "users_tests.rs"]
mod tests;
