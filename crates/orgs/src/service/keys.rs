use auth_scopes::{
    Access, Scope, ScopeGrant, ScopeObject, generate_key_id, generate_personal_key, mask_value, parse_scopes,
    secure_value,
};
use serde::Deserialize;
use time::OffsetDateTime;

use super::access::{Actor, current_org, current_project};
use super::audit::{self, Place, What, entry, one};
use crate::repo::Result;
use crate::rules::{MAX_KEY_LABEL, MAX_KEYS_PER_USER};
use crate::{OrgsError, PersonalApiKey, ProjectId, Repos};

const READ: Scope = Scope::read(ScopeObject::PersonalApiKey);
const WRITE: Scope = Scope::write(ScopeObject::PersonalApiKey);

/// A new personal API key: the body of `POST /personal_api_keys`.
// Unknown fields are an error, as for every body.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = KeyCreateBody))]
#[serde(deny_unknown_fields)]
pub struct KeyInput {
    #[serde(default)]
    pub label: String,
    /// `*` or `<object>:<read|write>`; write implies read.
    pub scopes: Option<Vec<String>>,
    /// Limit the key to these project ids.
    pub scoped_teams: Option<Vec<i64>>,
    /// Limit the key to these organization UUIDs.
    pub scoped_organizations: Option<Vec<String>>,
}

/// A key with its plain value, which is shown once and never again.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    pub key: PersonalApiKey,
    pub value: String,
}

pub fn list_keys(repo: &dyn Repos, actor: &Actor) -> Result<Vec<PersonalApiKey>> {
    actor.access.require(READ)?;
    repo.keys_of(actor.user.id)
}

/// `@current` is the key the request was made with.
pub fn get_key(repo: &dyn Repos, actor: &Actor, id: &str) -> Result<PersonalApiKey> {
    actor.access.require(READ)?;
    let id = resolve(actor, id)?;
    repo.key(actor.user.id, &id)?.ok_or(OrgsError::NotFound)
}

fn resolve(actor: &Actor, id: &str) -> Result<String> {
    match (&actor.access, id) {
        (Access::Key(k), "@current") => Ok(k.key_id.clone()),
        (Access::Session, "@current") => Err(OrgsError::NotFound),
        _ => Ok(id.to_string()),
    }
}

pub fn create_key(
    repo: &dyn Repos,
    actor: &Actor,
    input: KeyInput,
    now: OffsetDateTime,
) -> Result<CreatedKey> {
    actor.access.require(WRITE)?;
    let label = input.label.trim().to_string();
    if label.chars().count() > MAX_KEY_LABEL {
        return Err(OrgsError::invalid(
            "label",
            "max_length",
            format!("Ensure this field has no more than {MAX_KEY_LABEL} characters."),
        ));
    }
    let scopes =
        input.scopes.ok_or_else(|| OrgsError::invalid("scopes", "required", "This field is required."))?;
    if scopes.is_empty() {
        return Err(OrgsError::invalid("scopes", "required", "At least one scope is required."));
    }
    let grants =
        parse_scopes(&scopes).map_err(|e| OrgsError::invalid("scopes", "invalid_input", e.to_string()))?;
    check_no_widening(actor, &grants, &input.scoped_teams, &input.scoped_organizations)?;
    check_targets(repo, actor, &input.scoped_teams, &input.scoped_organizations)?;
    if repo.keys_of(actor.user.id)?.len() >= MAX_KEYS_PER_USER {
        return Err(OrgsError::Invalid {
            attr: None,
            code: "invalid_input",
            detail: format!(
                "You can only have {MAX_KEYS_PER_USER} personal API keys. Remove an existing key before creating a new one."
            ),
        });
    }
    let value = generate_personal_key();
    let key = PersonalApiKey {
        id: generate_key_id(),
        user_id: actor.user.id,
        label,
        mask_value: mask_value(&value),
        secure_value: secure_value(&value),
        scopes: grants.iter().map(ToString::to_string).collect(),
        scoped_teams: input.scoped_teams,
        scoped_organizations: input.scoped_organizations,
        created_at: now,
        last_used_at: None,
        last_rolled_at: None,
    };
    let what = What::Created(audit::key(&key));
    let log =
        one(entry(actor, key_place(repo, actor)?, audit::SCOPE_KEY, key.id.clone(), &key.label, what, now));
    repo.create_key(&key, &log)?;
    Ok(CreatedKey { key, value })
}

/// A key may only mint keys no wider than itself: same or fewer scopes, and inside its own
/// project/organization limits.
fn check_no_widening(
    actor: &Actor,
    grants: &[ScopeGrant],
    teams: &Option<Vec<i64>>,
    orgs: &Option<Vec<String>>,
) -> Result<()> {
    let Access::Key(k) = &actor.access else { return Ok(()) };
    if let Some(g) = grants.iter().find(|g| !actor.access.may_grant(g)) {
        return Err(OrgsError::invalid(
            "scopes",
            "invalid_input",
            format!("This key cannot grant scope {g}."),
        ));
    }
    if !within(&k.scoped_teams, teams) {
        return Err(OrgsError::invalid(
            "scoped_teams",
            "invalid_input",
            "This key cannot grant these projects.",
        ));
    }
    if !within(&k.scoped_organizations, orgs) {
        return Err(OrgsError::invalid(
            "scoped_organizations",
            "invalid_input",
            "This key cannot grant these organizations.",
        ));
    }
    Ok(())
}

/// A key may only roll or delete keys no wider than itself.
fn check_within(actor: &Actor, target: &PersonalApiKey) -> Result<()> {
    let grants = parse_scopes(&target.scopes).unwrap_or_else(|_| vec![ScopeGrant::All]);
    check_no_widening(actor, &grants, &target.scoped_teams, &target.scoped_organizations).map_err(|_| {
        OrgsError::Forbidden("This key cannot manage a key with wider access than its own.".into())
    })
}

/// Whether `asked` stays inside `limit` (no limit: anything; a limit: a subset of it).
fn within<T: PartialEq>(limit: &Option<Vec<T>>, asked: &Option<Vec<T>>) -> bool {
    match (limit, asked) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(l), Some(a)) => a.iter().all(|x| l.contains(x)),
    }
}

fn check_targets(
    repo: &dyn Repos,
    actor: &Actor,
    teams: &Option<Vec<i64>>,
    orgs: &Option<Vec<String>>,
) -> Result<()> {
    for id in teams.iter().flatten() {
        let project = repo.project(ProjectId(*id))?;
        let member = match &project {
            Some(p) => repo.membership(p.organization_id, actor.user.id)?.is_some(),
            None => false,
        };
        if !member {
            return Err(OrgsError::invalid(
                "scoped_teams",
                "invalid_input",
                format!("You must be a member of all teams that you are scoping the key to. ({id})"),
            ));
        }
    }
    for id in orgs.iter().flatten() {
        let parsed = uuid::Uuid::parse_str(id).map_err(|_| {
            OrgsError::invalid("scoped_organizations", "invalid_input", "Invalid organization UUID")
        })?;
        if repo.membership(crate::OrgId(parsed), actor.user.id)?.is_none() {
            return Err(OrgsError::invalid(
                "scoped_organizations",
                "invalid_input",
                format!("You must be a member of all organizations that you are scoping the key to. ({id})"),
            ));
        }
    }
    Ok(())
}

/// Keys belong to users, not projects; their entries go to the user's current
/// organization and project, where the user works.
fn key_place(repo: &dyn Repos, actor: &Actor) -> Result<Place> {
    let org = current_org(repo, &actor.user)?;
    let team = current_project(repo, &actor.user)?.map(|p| p.id);
    Ok(Place { org, team })
}

pub fn delete_key(repo: &dyn Repos, actor: &Actor, id: &str, now: OffsetDateTime) -> Result<()> {
    actor.access.require(WRITE)?;
    let id = resolve(actor, id)?;
    let key = repo.key(actor.user.id, &id)?.ok_or(OrgsError::NotFound)?;
    check_within(actor, &key)?;
    let what = What::Deleted(audit::key(&key));
    let log =
        one(entry(actor, key_place(repo, actor)?, audit::SCOPE_KEY, key.id.clone(), &key.label, what, now));
    if repo.delete_key(actor.user.id, &id, &log)? { Ok(()) } else { Err(OrgsError::NotFound) }
}

/// Replaces the key's secret; the old value stops working at once.
pub fn roll_key(repo: &dyn Repos, actor: &Actor, id: &str, now: OffsetDateTime) -> Result<CreatedKey> {
    actor.access.require(WRITE)?;
    let id = resolve(actor, id)?;
    let before = repo.key(actor.user.id, &id)?.ok_or(OrgsError::NotFound)?;
    // Rolling hands out the new secret: only for keys no wider than the caller's.
    check_within(actor, &before)?;
    let value = generate_personal_key();
    let key = PersonalApiKey {
        secure_value: secure_value(&value),
        mask_value: mask_value(&value),
        last_rolled_at: Some(now),
        ..before.clone()
    };
    let what = What::Updated(audit::key(&before), audit::key(&key));
    let log =
        one(entry(actor, key_place(repo, actor)?, audit::SCOPE_KEY, key.id.clone(), &key.label, what, now));
    repo.roll_key(&key.id, &key.secure_value, &key.mask_value, now, &log)?;
    Ok(CreatedKey { key, value })
}
