//! The use-case scenarios of `approvals::testsuite::service` (the gate, §4.2 validation,
//! §4.4 conditions, votes, cancel, apply, concurrent approvers, the jobs) over `SqlStore`:
//! `sqlite::<area>::<case>` and `postgres::<area>::<case>`, the same bodies the approvals
//! crate runs on its in-memory store.

use approvals::testsuite::at;
use approvals::testsuite::service::{Logged, People, ServiceHarness, Stage};
use diesel::prelude::*;
use orgs::{NewProject, NewUser, OrgId, ProjectId, ProjectRepo, UserRepo};
use store_sql::schema::activity_log as al;
use store_sql::testing::{TestDb, TwoTeams};
use store_sql::{Backend, DbPool, SqlStore};
use uuid::Uuid;

/// A fresh database with an organization of two projects and five users. Fields drop in
/// order: the database goes last.
struct Sql {
    stage: Stage,
    _db: TestDb,
}

impl ServiceHarness for Sql {
    fn stage(&self) -> &Stage {
        &self.stage
    }
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

/// scope, activity, item_id, team_id, user_id, is_system.
type Row = (String, String, Option<String>, Option<i64>, Option<i64>, bool);

/// Every stored activity entry, oldest first (ids are UUIDv7: creation order within a time).
fn logged(pool: &DbPool) -> Vec<Logged> {
    let mut conn = pool.get().expect("pooled connection");
    let rows: Vec<Row> = al::table
        .select((al::scope, al::activity, al::item_id, al::team_id, al::user_id, al::is_system))
        .order((al::created_at.asc(), al::id.asc()))
        .load(&mut *conn)
        .expect("read activity_log");
    rows.into_iter()
        .map(|(scope, activity, item_id, team_id, user_id, is_system)| Logged {
            scope,
            activity,
            item_id,
            team_id,
            user_id,
            is_system,
        })
        .collect()
}

impl Sql {
    fn open(backend: Backend) -> Sql {
        let db = TestDb::new(backend);
        let two = TwoTeams::new(&db, at(0));
        let s = &two.s;
        let org =
            s.project(ProjectId(two.team)).expect("read project").expect("project exists").organization_id;
        let second = NewProject {
            uuid: Uuid::new_v4(),
            organization_id: OrgId(org.0),
            name: "Second project".into(),
            api_token: format!("phc_{}", Uuid::new_v4().simple()),
            timezone: "UTC".into(),
            retention_days: 30,
            created_at: at(0),
        };
        let team2 = s.create_project(second, &|_| vec![]).expect("create second project").id.0;
        let people = People {
            admin: two.user,
            requester: user(s, "requester"),
            approver: user(s, "approver"),
            approver2: user(s, "approver2"),
            outsider: user(s, "outsider"),
        };
        let pool = db.pool.clone();
        let stage = Stage {
            repo: two.s.clone(),
            org: org.0,
            team: two.team,
            team2,
            people,
            activity: Box::new(move || logged(&pool)),
        };
        Sql { stage, _db: db }
    }
}

approvals::approval_service_suite!(sqlite, Sql::open(Backend::Sqlite));
approvals::approval_service_suite!(postgres, Sql::open(Backend::Postgres));
