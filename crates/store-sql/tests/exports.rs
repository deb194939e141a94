//! `ExportRepo` on SQLite and PostgreSQL (`sqlite::<test>` and `postgres::<test>`).

use std::collections::HashSet;
use std::sync::{Arc, Barrier};

use exports::{ExportError, ExportJob, ExportRepo, Format, NewExport, State};
use serde_json::json;
use store_sql::testing::TestDb;
use store_sql::{SqlStore, both_backends};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

fn at(secs: i64) -> OffsetDateTime {
    datetime!(2026-11-22 10:00:00.123456 UTC) + time::Duration::seconds(secs)
}

fn store(db: &TestDb) -> SqlStore {
    SqlStore::new(db.pool.clone())
}

fn new_export(org: Uuid, team: Option<i64>, secs: i64) -> NewExport {
    NewExport {
        organization_id: org,
        team_id: team,
        created_by: Some(7),
        kind: exports::KIND_ACTIVITY_LOG.to_string(),
        format: Format::Csv,
        params: json!({"filters": {"scopes": ["Insight"]}, "n": secs}),
        filename: format!("activity-{secs}.csv"),
        created_at: at(secs),
        expires_at: at(secs + 3600),
    }
}

fn claim(s: &SqlStore, now: i64, stale_before: i64) -> Option<ExportJob> {
    s.claim_export(at(now), at(stale_before)).expect("claim")
}

fn get(s: &SqlStore, job: &ExportJob) -> ExportJob {
    s.export(job.organization_id, None, job.id).expect("get").expect("exists")
}

/// Claims until none is left, each claimer on its own pooled connection, all starting
/// together; returns every claimer's ids.
fn race(s: &Arc<SqlStore>, claimers: usize) -> Vec<Vec<i64>> {
    let barrier = Arc::new(Barrier::new(claimers));
    let handles: Vec<_> = (0..claimers)
        .map(|_| {
            let (s, barrier) = (Arc::clone(s), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                let mut mine = Vec::new();
                while let Some(job) = s.claim_export(at(1000), at(0)).expect("claim") {
                    assert_eq!(job.state, State::Running);
                    mine.push(job.id);
                }
                mine
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().expect("claimer thread")).collect()
}

both_backends! {
    fn export_create_and_get(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let new = new_export(org, Some(5), 0);
        let job = s.create_export(&new).expect("create");
        assert!(job.id > 0);
        assert_eq!(job, ExportJob {
            id: job.id,
            organization_id: org,
            team_id: Some(5),
            created_by: Some(7),
            kind: "activity_log".into(),
            format: Format::Csv,
            params: new.params.clone(),
            filename: "activity-0.csv".into(),
            state: State::Pending,
            path: None,
            rows: None,
            bytes: None,
            error: None,
            created_at: at(0),
            started_at: None,
            finished_at: None,
            expires_at: at(3600),
        });
        let second = s.create_export(&NewExport { format: Format::Json, team_id: None, ..new_export(org, None, 1) })
            .expect("create");
        assert!(second.id > job.id, "ids are assigned in order");
        assert_eq!((second.format, second.team_id), (Format::Json, None));

        assert_eq!(s.export(org, Some(5), job.id).expect("get"), Some(job.clone()));
        assert_eq!(s.export(org, None, job.id).expect("get"), Some(job.clone()), "no team: any of the org");
        assert_eq!(s.export(org, None, second.id).expect("get"), Some(second.clone()));
        assert_eq!(s.export(org, Some(5), second.id).expect("get"), None, "an org-level job is no team's");
        assert_eq!(s.export(org, None, job.id + 1000).expect("get"), None);
    }

    fn export_of_another_tenant_is_invisible(db: TestDb) {
        let s = store(&db);
        let (org, other) = (Uuid::new_v4(), Uuid::new_v4());
        let job = s.create_export(&new_export(org, Some(5), 0)).expect("create");
        assert_eq!(s.export(other, None, job.id).expect("get"), None, "another organization");
        assert_eq!(s.export(other, Some(5), job.id).expect("get"), None, "another organization, same team id");
        assert_eq!(s.export(org, Some(6), job.id).expect("get"), None, "another project");
    }

    fn claims_go_oldest_first_and_never_twice(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        assert_eq!(claim(&s, 100, 0), None, "nothing to claim");
        // Created out of order.
        let b = s.create_export(&new_export(org, None, 20)).expect("create");
        let a = s.create_export(&new_export(org, None, 10)).expect("create");
        let c = s.create_export(&new_export(org, None, 30)).expect("create");

        let first = claim(&s, 100, 0).expect("a job");
        assert_eq!(first.id, a.id, "oldest created first");
        assert_eq!((first.state, first.started_at), (State::Running, Some(at(100))));
        assert_eq!(get(&s, &a), first);
        assert_eq!(claim(&s, 101, 0).map(|j| j.id), Some(b.id), "the next job, not the claimed one");
        assert_eq!(claim(&s, 102, 0).map(|j| j.id), Some(c.id));
        assert_eq!(claim(&s, 103, 0), None, "all running and fresh");
        // Finished jobs are never claimed, however old.
        s.complete_export(a.id, "a.csv", 1, 2, at(104)).expect("complete");
        s.fail_export(b.id, "boom", at(104)).expect("fail");
        assert_eq!(claim(&s, 10_000, 9_000).map(|j| j.id), Some(c.id), "only the stale running one");
        assert_eq!(claim(&s, 10_001, 9_000), None);
    }

    fn stale_running_jobs_are_claimed_again(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let job = s.create_export(&new_export(org, None, 0)).expect("create");
        assert_eq!(claim(&s, 100, 0).map(|j| j.id), Some(job.id));
        assert_eq!(claim(&s, 200, 100), None, "started_at is not before stale_before");
        let again = claim(&s, 300, 101).expect("stale: claimed again");
        assert_eq!((again.id, again.state, again.started_at), (job.id, State::Running, Some(at(300))));
        assert_eq!(claim(&s, 301, 101), None);
        // A pending job goes before a stale one only if it is older.
        let newer = s.create_export(&new_export(org, None, 50)).expect("create");
        assert_eq!(claim(&s, 1000, 900).map(|j| j.id), Some(job.id), "created earlier");
        assert_eq!(claim(&s, 1001, 900).map(|j| j.id), Some(newer.id));
    }

    fn complete_fail_expire_and_delete(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let a = s.create_export(&new_export(org, None, 0)).expect("create");
        let b = s.create_export(&new_export(org, None, 10)).expect("create");
        let c = s.create_export(&new_export(org, None, 20)).expect("create");

        s.complete_export(a.id, "org/1/activity-0.csv", 120, 4096, at(50)).expect("complete");
        let done = get(&s, &a);
        assert_eq!(done.state, State::Complete);
        assert_eq!((done.path.as_deref(), done.rows, done.bytes), (Some("org/1/activity-0.csv"), Some(120), Some(4096)));
        assert_eq!((done.finished_at, done.error), (Some(at(50)), None));

        s.fail_export(b.id, "disk full", at(60)).expect("fail");
        let failed = get(&s, &b);
        assert_eq!((failed.state, failed.error.as_deref(), failed.finished_at), (State::Failed, Some("disk full"), Some(at(60))));
        assert_eq!(failed.path, None);

        assert!(matches!(s.complete_export(9999, "x", 0, 0, at(1)), Err(ExportError::NotFound)));
        assert!(matches!(s.fail_export(9999, "x", at(1)), Err(ExportError::NotFound)));

        // expires_at = created + 3600: at 3610 a and b have expired (b exactly at 3610
        // counts), c not yet.
        assert!(s.expired_exports(at(3599)).expect("expired").is_empty());
        let expired: Vec<i64> = s.expired_exports(at(3610)).expect("expired").iter().map(|j| j.id).collect();
        assert_eq!(expired, vec![a.id, b.id], "oldest expiry first");
        assert_eq!(s.expired_exports(at(3600)).expect("expired").len(), 1, "expires_at <= now");

        for id in expired {
            s.delete_export(id).expect("delete");
        }
        assert_eq!(s.export(org, None, a.id).expect("get"), None);
        assert!(matches!(s.delete_export(a.id), Err(ExportError::NotFound)));
        assert!(s.expired_exports(at(3610)).expect("expired").is_empty());
        assert_eq!(s.export(org, None, c.id).expect("get").map(|j| j.id), Some(c.id));
    }

    fn concurrent_claimers_never_share_a_job(db: TestDb) {
        let s = Arc::new(store(&db));
        let org = Uuid::new_v4();
        const JOBS: usize = 60;
        let created: HashSet<i64> =
            (0..JOBS).map(|i| s.create_export(&new_export(org, None, i as i64)).expect("create").id).collect();
        let per_claimer = race(&s, 2);
        let mut seen = HashSet::new();
        for id in per_claimer.iter().flatten() {
            assert!(seen.insert(*id), "job {id} claimed twice");
        }
        assert_eq!(seen, created, "every job claimed");
        eprintln!("claims per claimer: {:?}", per_claimer.iter().map(Vec::len).collect::<Vec<_>>());
    }
}
