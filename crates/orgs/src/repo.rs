//! Storage traits. Implementations are synchronous (diesel); the server calls them off the
//! async executor. Methods that change several rows do so in one transaction, and every
//! mutation writes its activity entries (`audit`) in that same transaction.

/// Entries for an object whose id the store assigns (new projects).
pub type AuditFor<'a, T> = &'a dyn Fn(&T) -> Vec<ActivityEntry>;

use activity_log::ActivityEntry;
use time::OffsetDateTime;

use crate::{
    Level, Membership, NewProject, NewUser, OrgId, OrgSettings, Organization, OrgsError, Page, PageReq,
    PersonalApiKey, Project, ProjectId, User, UserId,
};

pub type Result<T> = std::result::Result<T, OrgsError>;

pub trait UserRepo: Send + Sync {
    /// `EmailTaken` when the (case-insensitive) email exists.
    fn create_user(&self, new: NewUser) -> Result<User>;
    fn user(&self, id: UserId) -> Result<Option<User>>;
    fn user_by_uuid(&self, uuid: uuid::Uuid) -> Result<Option<User>>;
    /// The user and their password hash, for login.
    fn user_by_email(&self, email: &str) -> Result<Option<(User, String)>>;
    fn set_current(&self, user: UserId, org: Option<OrgId>, project: Option<ProjectId>) -> Result<()>;
    fn count_users(&self) -> Result<i64>;
}

pub trait OrgRepo: Send + Sync {
    /// Creates the organization, its first project and the owner's membership, and points the
    /// owner's current organization/project at them. `SlugTaken` when the slug exists.
    fn create_organization(
        &self,
        org: &Organization,
        owner: UserId,
        first_project: NewProject,
        audit: AuditFor<'_, Project>,
    ) -> Result<Project>;
    fn organization(&self, id: OrgId) -> Result<Option<Organization>>;
    /// Organizations the user belongs to, with their level, oldest membership first;
    /// narrowed to `only` when given.
    fn organizations_of(
        &self,
        user: UserId,
        only: Option<&[OrgId]>,
        page: PageReq,
    ) -> Result<Page<(Organization, Level)>>;
    fn update_organization(
        &self,
        id: OrgId,
        name: &str,
        settings: &OrgSettings,
        now: OffsetDateTime,
        audit: &[ActivityEntry],
    ) -> Result<Organization>;
    /// Removes the organization with its projects and memberships.
    fn delete_organization(&self, id: OrgId, audit: &[ActivityEntry]) -> Result<()>;

    fn membership(&self, org: OrgId, user: UserId) -> Result<Option<Membership>>;
    fn members(&self, org: OrgId, page: PageReq) -> Result<Page<(Membership, User)>>;
    fn member_count(&self, org: OrgId) -> Result<i64>;
    /// `AlreadyMember` when the user is in the organization.
    fn add_member(&self, membership: &Membership, audit: &[ActivityEntry]) -> Result<()>;
    /// Creates the user and their membership together.
    fn add_new_member(&self, user: NewUser, membership: Membership, audit: &[ActivityEntry]) -> Result<User>;
    fn set_member_level(
        &self,
        org: OrgId,
        user: UserId,
        level: Level,
        now: OffsetDateTime,
        audit: &[ActivityEntry],
    ) -> Result<Membership>;
    fn remove_member(&self, org: OrgId, user: UserId, audit: &[ActivityEntry]) -> Result<()>;
}

pub trait ProjectRepo: Send + Sync {
    fn create_project(&self, new: NewProject, audit: AuditFor<'_, Project>) -> Result<Project>;
    fn project(&self, id: ProjectId) -> Result<Option<Project>>;
    fn project_by_token(&self, token: &str) -> Result<Option<Project>>;
    fn projects_in(&self, org: OrgId, page: PageReq) -> Result<Page<Project>>;
    /// Writes name, timezone, retention_days and api_token.
    fn update_project(&self, project: &Project, audit: &[ActivityEntry]) -> Result<Project>;
    fn delete_project(&self, id: ProjectId, audit: &[ActivityEntry]) -> Result<()>;
    /// Every project's `(id, retention_days)`, by id: what the log retention task enforces.
    fn retention_policies(&self) -> Result<Vec<(ProjectId, i32)>>;
}

pub trait KeyRepo: Send + Sync {
    fn create_key(&self, key: &PersonalApiKey, audit: &[ActivityEntry]) -> Result<()>;
    /// The key and its owner, when the owner is active.
    fn key_by_secure_value(&self, secure_value: &str) -> Result<Option<(PersonalApiKey, User)>>;
    fn keys_of(&self, user: UserId) -> Result<Vec<PersonalApiKey>>;
    fn key(&self, user: UserId, id: &str) -> Result<Option<PersonalApiKey>>;
    fn delete_key(&self, user: UserId, id: &str, audit: &[ActivityEntry]) -> Result<bool>;
    fn touch_key(&self, id: &str, at: OffsetDateTime) -> Result<()>;
    fn roll_key(
        &self,
        id: &str,
        secure_value: &str,
        mask_value: &str,
        at: OffsetDateTime,
        audit: &[ActivityEntry],
    ) -> Result<()>;
}

/// Everything the organizations domain needs from storage.
pub trait Repos: UserRepo + OrgRepo + ProjectRepo + KeyRepo {}
impl<T: UserRepo + OrgRepo + ProjectRepo + KeyRepo> Repos for T {}
