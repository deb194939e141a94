use rand::Rng;
use rand::distr::Alphanumeric;
use time::OffsetDateTime;

use super::access::Actor;
use super::keys::{KeyInput, create_key};
use super::organizations::{OrgInput, create_organization};
use super::users::create_user;
use crate::repo::Result;
use crate::{Organization, OrgsError, Project, Repos, User};

pub const BOOTSTRAP_EMAIL: &str = "admin@logstead.local";

/// What the first start created; printed once, never stored in plain text.
#[derive(Debug, Clone)]
pub struct Bootstrap {
    pub user: User,
    pub password: String,
    pub organization: Organization,
    pub project: Project,
    pub personal_api_key: String,
}

/// On an empty database: an owner, an organization with a project, and an all-scopes key.
/// Returns `None` when any user exists (so a second start prints nothing).
pub fn bootstrap(repo: &dyn Repos, now: OffsetDateTime) -> Result<Option<Bootstrap>> {
    if repo.count_users()? > 0 {
        return Ok(None);
    }
    let password: String = rand::rng().sample_iter(&Alphanumeric).take(20).map(char::from).collect();
    let user = match create_user(repo, BOOTSTRAP_EMAIL, &password, "Admin", "", now) {
        Ok(u) => u,
        // Another process bootstrapped between our count and insert.
        Err(OrgsError::EmailTaken) => return Ok(None),
        Err(e) => return Err(e),
    };
    let actor = Actor::system(user.clone());
    let input = OrgInput { name: Some("Default organization".into()), ..OrgInput::default() };
    let view = create_organization(repo, &actor, input, now)?;
    let project = view.projects.into_iter().next().ok_or(OrgsError::ProjectNotFound)?;
    let key = create_key(
        repo,
        &actor,
        KeyInput { label: "bootstrap".into(), scopes: Some(vec!["*".into()]), ..KeyInput::default() },
        now,
    )?;
    let user = repo.user(user.id)?.unwrap_or(user);
    Ok(Some(Bootstrap {
        user,
        password,
        organization: view.organization,
        project,
        personal_api_key: key.value,
    }))
}
