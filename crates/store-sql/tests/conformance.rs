//! Conformance suites for the repository traits, each test on SQLite and on PostgreSQL
//! (`<trait>::sqlite::<test>` and `<trait>::postgres::<test>`).

#[path = "conformance/keys.rs"]
mod keys;
#[path = "conformance/organizations.rs"]
mod organizations;
#[path = "conformance/projects.rs"]
mod projects;
#[path = "conformance/users.rs"]
mod users;

use diesel::prelude::*;
use orgs::{
    KeyRepo, Level, Membership, NewProject, NewUser, OrgId, OrgRepo, OrgSettings, Organization, OrgsError,
    PageReq, PersonalApiKey, Project, ProjectId, ProjectRepo, User, UserId, UserRepo,
};
use store_sql::testing::TestDb;
use store_sql::{AnyConnection, SqlStore, both_backends};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

/// A fixed instant plus `secs`, microsecond-precise so it survives storage exactly.
fn at(secs: i64) -> OffsetDateTime {
    datetime!(2026-11-22 10:00:00.123456 UTC) + time::Duration::seconds(secs)
}

fn store(db: &TestDb) -> SqlStore {
    SqlStore::new(db.pool.clone())
}

/// Runs raw diesel against the test database (to corrupt or inspect rows).
fn with_conn<T>(db: &TestDb, f: impl FnOnce(&mut AnyConnection) -> QueryResult<T>) -> T {
    let mut conn = db.pool.get().expect("pooled connection");
    f(&mut conn).expect("raw query")
}

fn new_user(email: &str, secs: i64) -> NewUser {
    NewUser {
        uuid: Uuid::new_v4(),
        email: email.to_string(),
        first_name: "Ada".to_string(),
        last_name: "Lovelace".to_string(),
        password_hash: format!("hash-of-{email}"),
        created_at: at(secs),
    }
}

fn user(s: &SqlStore, email: &str) -> User {
    s.create_user(new_user(email, 0)).expect("create user")
}

fn organization(name: &str, slug: &str, secs: i64) -> Organization {
    Organization {
        id: OrgId(Uuid::new_v4()),
        name: name.to_string(),
        slug: slug.to_string(),
        settings: OrgSettings::default(),
        created_at: at(secs),
        updated_at: at(secs),
    }
}

fn new_project(org: OrgId, name: &str, secs: i64) -> NewProject {
    NewProject {
        uuid: Uuid::new_v4(),
        organization_id: org,
        name: name.to_string(),
        api_token: format!("phc_{}", Uuid::new_v4().simple()),
        timezone: "Europe/Berlin".to_string(),
        retention_days: 30,
        created_at: at(secs),
    }
}

/// An organization owned by `owner`, created at `secs`, and its first project.
fn org_owned_by(s: &SqlStore, owner: UserId, slug: &str, secs: i64) -> (Organization, Project) {
    let org = organization(&format!("Org {slug}"), slug, secs);
    let project = s
        .create_organization(&org, owner, new_project(org.id, "Default project", secs), &|_| vec![])
        .expect("create organization");
    (org, project)
}

fn membership(org: OrgId, user: UserId, level: Level, secs: i64) -> Membership {
    Membership {
        id: Uuid::new_v4(),
        organization_id: org,
        user_id: user,
        level,
        joined_at: at(secs),
        updated_at: at(secs),
    }
}

fn all() -> PageReq {
    PageReq { limit: i64::MAX, offset: 0 }
}

fn page(limit: i64, offset: i64) -> PageReq {
    PageReq { limit, offset }
}
