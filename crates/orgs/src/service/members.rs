use approvals::{Gate, Op, Proposal, Who};
use auth_scopes::{Scope, ScopeObject, hash_password};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::access::{Actor, OrgRef, org_access};
use super::audit::{self, Place, What, entry, one};
use crate::repo::Result;
use crate::rules::{check_addition, check_level_change, check_removal, validate_email, validate_password};
use crate::{Level, Membership, NewUser, OrgsError, Page, PageReq, Repos, User};

const READ: Scope = Scope::read(ScopeObject::OrganizationMember);
const WRITE: Scope = Scope::write(ScopeObject::OrganizationMember);

/// Who to add: an existing user by email, or a new one (self-hosted: no invite emails, so
/// an admin creates the account with a password).
#[derive(Debug, Clone)]
pub struct MemberTarget {
    pub email: String,
    pub password: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub level: Level,
}

pub fn list_members(
    repo: &dyn Repos,
    actor: &Actor,
    org: OrgRef,
    page: PageReq,
) -> Result<Page<(Membership, User)>> {
    let (o, _) = org_access(repo, actor, org, READ)?;
    repo.members(o.id, page)
}

pub fn add_member(
    repo: &dyn Repos,
    actor: &Actor,
    org: OrgRef,
    target: MemberTarget,
    now: OffsetDateTime,
) -> Result<(Membership, User)> {
    let (o, m) = org_access(repo, actor, org, WRITE)?;
    check_addition(m.level, target.level)?;
    let email = validate_email(&target.email)?;
    let membership = |user_id| Membership {
        id: Uuid::now_v7(),
        organization_id: o.id,
        user_id,
        level: target.level,
        joined_at: now,
        updated_at: now,
    };
    let place = Place { org: Some(o.id), team: None };
    let record = |ms: &Membership, user: &User| {
        let what = What::Created(audit::membership(ms, user));
        one(entry(actor, place, audit::SCOPE_MEMBERSHIP, ms.id.to_string(), &user.email, what, now))
    };
    if let Some((user, _)) = repo.user_by_email(&email)? {
        let ms = membership(user.id);
        repo.add_member(&ms, &record(&ms, &user))?;
        return Ok((ms, user));
    }
    let Some(password) = target.password else {
        return Err(OrgsError::invalid(
            "password",
            "required",
            "No user has this email; give a password to create the account.",
        ));
    };
    validate_password(&password)?;
    let new = NewUser {
        uuid: Uuid::now_v7(),
        email: email.clone(),
        first_name: target.first_name,
        last_name: target.last_name,
        password_hash: hash_password(&password)?,
        created_at: now,
    };
    let placeholder = membership(crate::UserId(0));
    // The user's id is assigned by the store; the entry names them by email and uuid.
    let preview = User {
        id: crate::UserId(0),
        uuid: new.uuid,
        email,
        first_name: new.first_name.clone(),
        last_name: new.last_name.clone(),
        is_active: true,
        current_organization_id: None,
        current_project_id: None,
        created_at: now,
    };
    let log = record(&placeholder, &preview);
    let user = repo.add_new_member(new, placeholder.clone(), &log)?;
    Ok((Membership { user_id: user.id, ..placeholder }, user))
}

fn target_membership(repo: &dyn Repos, org: crate::OrgId, user: Uuid) -> Result<(Membership, User)> {
    let user = repo.user_by_uuid(user)?.ok_or(OrgsError::NotFound)?;
    let ms = repo.membership(org, user.id)?.ok_or(OrgsError::NotFound)?;
    Ok((ms, user))
}

/// The approvals resource type of organization members (`approvals::actions`).
pub const MEMBER_RESOURCE: &str = "organization_member";

/// `gate` (the approvals gate) is asked after the level rules.
pub fn set_member_level(
    repo: &dyn Repos,
    gate: Option<&dyn Gate>,
    actor: &Actor,
    org: OrgRef,
    user: Uuid,
    level: Level,
    now: OffsetDateTime,
) -> Result<(Membership, User)> {
    let (o, m) = org_access(repo, actor, org, WRITE)?;
    let (target, target_user) = target_membership(repo, o.id, user)?;
    check_level_change(actor.user.id, m.level, target.user_id, target.level, level)?;
    let after = Membership { level, updated_at: now, ..target.clone() };
    if let Some(gate) = gate {
        let snapshot = |ms: &Membership| json!({"level": ms.level.as_i32(), "email": target_user.email, "user_uuid": target_user.uuid});
        let proposal = Proposal {
            resource_type: MEMBER_RESOURCE.to_string(),
            op: Op::Update,
            resource_id: Some(target_user.uuid.to_string()),
            resource_name: target_user.email.clone(),
            before: Some(snapshot(&target)),
            after: Some(snapshot(&after)),
            request: json!({"level": level.as_i32()}),
            http_method: "PATCH".to_string(),
            preconditions: json!({"level": target.level.as_i32()}),
        };
        let who = Who { org: o.id.0, team: None, author: actor.author() };
        gate.check(&who, &proposal, now).map_err(|g| OrgsError::Gated(Box::new(g)))?;
    }
    let place = Place { org: Some(o.id), team: None };
    let what =
        What::Updated(audit::membership(&target, &target_user), audit::membership(&after, &target_user));
    let log = one(entry(
        actor,
        place,
        audit::SCOPE_MEMBERSHIP,
        target.id.to_string(),
        &target_user.email,
        what,
        now,
    ));
    let updated = repo.set_member_level(o.id, target.user_id, level, now, &log)?;
    Ok((updated, target_user))
}

/// The last owner cannot leave or be removed: an organization always has an owner.
pub fn remove_member(
    repo: &dyn Repos,
    actor: &Actor,
    org: OrgRef,
    user: Uuid,
    now: OffsetDateTime,
) -> Result<()> {
    let (o, m) = org_access(repo, actor, org, WRITE)?;
    let (target, target_user) = target_membership(repo, o.id, user)?;
    check_removal(actor.user.id, m.level, target.user_id, target.level)?;
    if target.level == Level::Owner {
        let owners = repo
            .members(o.id, PageReq { limit: i64::MAX, offset: 0 })?
            .items
            .iter()
            .filter(|(ms, _)| ms.level == Level::Owner)
            .count();
        if owners <= 1 {
            return Err(OrgsError::Forbidden(
                "The last owner cannot leave the organization; make someone else owner first.".into(),
            ));
        }
    }
    let place = Place { org: Some(o.id), team: None };
    let what = What::Deleted(audit::membership(&target, &target_user));
    let log = one(entry(
        actor,
        place,
        audit::SCOPE_MEMBERSHIP,
        target.id.to_string(),
        &target_user.email,
        what,
        now,
    ));
    repo.remove_member(o.id, target.user_id, &log)
}
