//! What the periodic jobs read, and their once-per-due-time claims.

use std::collections::HashSet;
use std::sync::{Barrier, Mutex};

use time::Duration;
use uuid::Uuid;

use super::requests::{add_vote, create, vote};
use super::{Fixture, at, ok, request};
use crate::model::{ChangeRequest, Decision, State, ValidationStatus};
use crate::repo::ApprovalRepo;

fn expiring(fx: &Fixture, org: Uuid, team: Option<i64>, state: State, expires: i64) -> ChangeRequest {
    ChangeRequest { state, expires_at: at(expires), ..request(org, team, "k", Some("1"), fx.users[0], 0) }
}

pub fn due_for_expiry_lists_open_requests_whose_time_has_come(repo: &dyn ApprovalRepo, fx: &Fixture) {
    let t = Some(fx.team);
    let due: HashSet<Uuid> = [
        expiring(fx, fx.org, t, State::Pending, 1000),
        expiring(fx, fx.org, t, State::Approved, 500),
        expiring(fx, fx.other_org, Some(fx.other_team), State::Pending, 10),
        expiring(fx, fx.org, None, State::Pending, 999),
    ]
    .iter()
    .map(|r| create(repo, r).id)
    .collect();
    create(repo, &expiring(fx, fx.org, t, State::Pending, 1001));
    create(repo, &expiring(fx, fx.org, t, State::Approved, 2000));
    for s in [State::Applied, State::Rejected, State::Expired, State::Failed] {
        create(repo, &expiring(fx, fx.org, t, s, 1));
    }
    let run = |limit: i64| ok(repo.due_for_expiry(at(1000), limit), "due_for_expiry");
    let all = run(100);
    assert_eq!(all.len(), due.len(), "no id twice");
    assert_eq!(all.into_iter().collect::<HashSet<_>>(), due);
    let some = run(2);
    assert_eq!(some.len(), 2);
    assert!(some.iter().all(|id| due.contains(id)));
    assert_eq!(run(0), Vec::<Uuid>::new());
    assert_eq!(ok(repo.due_for_expiry(at(9), 100), "earlier"), Vec::<Uuid>::new());
}

pub fn pending_valid_lists_valid_pending_requests_oldest_first(repo: &dyn ApprovalRepo, fx: &Fixture) {
    let r = |org: Uuid, team: Option<i64>, state: State, status: ValidationStatus, secs: i64| {
        let cr = ChangeRequest {
            state,
            validation_status: status,
            ..request(org, team, "k", None, fx.users[0], secs)
        };
        create(repo, &cr)
    };
    let (pending, valid) = (State::Pending, ValidationStatus::Valid);
    let mine = r(fx.org, Some(fx.team), pending, valid, 30);
    let theirs = r(fx.other_org, Some(fx.other_team), pending, valid, 10);
    let wide = r(fx.org, None, pending, valid, 20);
    r(fx.org, Some(fx.team), pending, ValidationStatus::Stale, 5);
    r(fx.org, Some(fx.team), pending, ValidationStatus::Invalid, 6);
    r(fx.org, Some(fx.team), State::Approved, valid, 1);
    r(fx.org, Some(fx.team), State::Failed, valid, 2);
    let v = vote(fx.users[1], Decision::Approved, 25);
    let wide = add_vote(repo, wide.id, &v);
    assert_eq!(wide.votes, vec![v]);

    let listed = ok(repo.pending_valid(100), "pending_valid");
    assert_eq!(
        listed,
        vec![theirs.clone(), wide.clone(), mine],
        "oldest first, with votes, any organization"
    );
    assert_eq!(ok(repo.pending_valid(2), "limited"), vec![theirs, wide]);
}

/// `threads` callers claim `name` at once; returns how many won.
fn race(repo: &dyn ApprovalRepo, name: &str, now: i64, next: i64, threads: usize) -> usize {
    let barrier = Barrier::new(threads);
    let wins = Mutex::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads {
            let (barrier, wins) = (&barrier, &wins);
            s.spawn(move || {
                barrier.wait();
                if ok(repo.claim_job(name, at(now), at(next)), "claim_job") {
                    *wins.lock().unwrap_or_else(|e| e.into_inner()) += 1;
                }
            });
        }
    });
    wins.into_inner().unwrap_or_else(|e| e.into_inner())
}

pub fn claim_job_is_won_once_per_due_time(repo: &dyn ApprovalRepo, _fx: &Fixture) {
    let hour = Duration::hours(1).whole_seconds();
    let claim = |name: &str, now: i64, next: i64| ok(repo.claim_job(name, at(now), at(next)), "claim_job");
    assert_eq!(race(repo, "suite.job", 0, hour, 4), 1, "a job never seen is due once");
    assert!(!claim("suite.job", 0, hour), "the same due time again");
    assert!(!claim("suite.job", hour - 1, 2 * hour), "before the next due time");
    assert_eq!(race(repo, "suite.job", hour, 2 * hour, 4), 1, "the next due time, once");
    assert!(claim("suite.other", 0, hour), "jobs are claimed independently");
    assert!(claim("suite.job", 10 * hour, 11 * hour), "a late run is still due");
    assert!(!claim("suite.job", 10 * hour, 11 * hour));
}
