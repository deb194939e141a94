//! The set-up most repository suites start from: a store, one user, and two projects in two
//! organizations (so every suite can check tenant isolation).

use std::sync::Arc;

use orgs::{NewProject, NewUser, OrgId, OrgRepo, OrgSettings, Organization, UserId, UserRepo};
use time::OffsetDateTime;
use uuid::Uuid;

use super::TestDb;
use crate::SqlStore;

/// A store with a user (`user`) owning two projects: `team` and `other`.
pub struct TwoTeams {
    pub s: Arc<SqlStore>,
    pub team: i64,
    pub other: i64,
    pub user: i64,
}

impl TwoTeams {
    /// Everything created at `at`.
    pub fn new(db: &TestDb, at: OffsetDateTime) -> Self {
        let s = SqlStore::new(db.pool.clone());
        let user = s
            .create_user(NewUser {
                uuid: Uuid::new_v4(),
                email: "ada@example.com".into(),
                first_name: "Ada".into(),
                last_name: "Lovelace".into(),
                password_hash: "x".into(),
                created_at: at,
            })
            .unwrap_or_else(|e| panic!("create user: {e}"));
        let team = project(&s, user.id, "a", at);
        let other = project(&s, user.id, "b", at);
        Self { s: Arc::new(s), team, other, user: user.id.0 }
    }
}

/// A new organization (slug `slug`) owned by `owner`; returns its first project's id.
pub fn project(s: &SqlStore, owner: UserId, slug: &str, at: OffsetDateTime) -> i64 {
    let org = Organization {
        id: OrgId(Uuid::new_v4()),
        name: format!("Org {slug}"),
        slug: slug.to_string(),
        settings: OrgSettings::default(),
        created_at: at,
        updated_at: at,
    };
    let first = NewProject {
        uuid: Uuid::new_v4(),
        organization_id: org.id,
        name: "Default project".into(),
        api_token: format!("phc_{}", Uuid::new_v4().simple()),
        timezone: "UTC".into(),
        retention_days: 30,
        created_at: at,
    };
    s.create_organization(&org, owner, first, &|_| vec![])
        .unwrap_or_else(|e| panic!("create organization: {e}"))
        .id
        .0
}
