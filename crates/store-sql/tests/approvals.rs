//! `ApprovalRepo` on SQLite and PostgreSQL: the conformance suite of `approvals::testsuite`
//! (`sqlite::<case>`, `postgres::<case>`), and what only SQL can show
//! (`sql_only::{sqlite,postgres}::<test>`).

#[path = "approvals/sql_only.rs"]
mod sql_only;

use std::sync::Arc;

use approvals::ApprovalRepo;
use approvals::testsuite::{Fixture, Harness, at};
use diesel::prelude::*;
use orgs::{NewProject, NewUser, ProjectId, ProjectRepo, UserRepo};
use store_sql::schema::activity_log;
use store_sql::testing::{TestDb, TwoTeams};
use store_sql::{Backend, SqlStore};
use uuid::Uuid;

/// A fresh database with the suite's fixture. Fields drop in order: the database goes last.
pub struct Sql {
    pub store: Arc<SqlStore>,
    pub fixture: Fixture,
    pub db: TestDb,
}

impl Harness for Sql {
    fn repo(&self) -> &dyn ApprovalRepo {
        &*self.store
    }

    fn fixture(&self) -> &Fixture {
        &self.fixture
    }
}

fn organization_of(s: &SqlStore, team: i64) -> Uuid {
    s.project(ProjectId(team)).expect("read project").expect("project exists").organization_id.0
}

fn user(s: &SqlStore, name: &str) -> i64 {
    let new = NewUser {
        uuid: Uuid::new_v4(),
        email: format!("{name}@example.com"),
        first_name: name.into(),
        last_name: "Tester".into(),
        password_hash: "x".into(),
        created_at: at(0),
    };
    s.create_user(new).expect("create user").id.0
}

/// Ids of every stored activity entry, read straight from `activity_log`.
fn activity_ids(pool: &store_sql::DbPool) -> Vec<Uuid> {
    let mut conn = pool.get().expect("pooled connection");
    let ids: Vec<String> =
        activity_log::table.select(activity_log::id).load(&mut *conn).expect("read activity_log");
    ids.iter().map(|s| Uuid::parse_str(s).expect("activity id")).collect()
}

impl Sql {
    pub fn open(backend: Backend) -> Sql {
        let db = TestDb::new(backend);
        let two = TwoTeams::new(&db, at(0));
        let s = &two.s;
        let org = organization_of(s, two.team);
        let second = NewProject {
            uuid: Uuid::new_v4(),
            organization_id: orgs::OrgId(org),
            name: "Second project".into(),
            api_token: format!("phc_{}", Uuid::new_v4().simple()),
            timezone: "UTC".into(),
            retention_days: 30,
            created_at: at(0),
        };
        let team2 = s.create_project(second, &|_| vec![]).expect("create second project").id.0;
        let pool = db.pool.clone();
        let fixture = Fixture {
            org,
            team: two.team,
            team2,
            other_org: organization_of(s, two.other),
            other_team: two.other,
            users: [two.user, user(s, "grace"), user(s, "edsger")],
            activity: Box::new(move || activity_ids(&pool)),
        };
        Sql { store: two.s.clone(), fixture, db }
    }
}

approvals::approval_repo_conformance_suite!(sqlite, Sql::open(Backend::Sqlite));
approvals::approval_repo_conformance_suite!(postgres, Sql::open(Backend::Postgres));
