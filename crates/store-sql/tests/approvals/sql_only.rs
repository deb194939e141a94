//! What the conformance suite cannot express without SQL: rows that do not decode, a write
//! failing half-way through a transition, and the foreign keys of the tables.

use approvals::ApprovalError;
use approvals::model::{ChangeRequest, Decision, REQUEST_SCOPE, State, Vote};
use approvals::repo::{RequestFilter, Transition};
use approvals::testsuite::{Harness, at, entry, policy, request};
use diesel::prelude::*;
use store_sql::schema::{approval_policies as ap, change_requests as cr};
use store_sql::testing::TestDb;
use store_sql::{AnyConnection, both_backends};
use uuid::Uuid;

use super::{Sql, activity_ids};

fn open(db: &TestDb) -> Sql {
    Sql::open(db.backend)
}

fn raw(h: &Sql) -> store_sql::db::DbConn {
    h.db.pool.get().expect("pooled connection")
}

fn is_storage<T: std::fmt::Debug>(r: Result<T, ApprovalError>) -> bool {
    matches!(r, Err(ApprovalError::Storage(_)))
}

both_backends! {
    fn rows_that_do_not_decode_are_storage_errors(db: TestDb) {
        let h = open(&db);
        let (repo, fx) = (h.repo(), h.fixture());
        let p = repo.create_policy(&policy(fx.org, Some(fx.team), "k", 1), &[]).expect("policy");
        let r = repo.create_request(&request(fx.org, Some(fx.team), "k", None, fx.users[0], 1), &[]).expect("request");
        {
            let mut conn = raw(&h);
            let c: &mut AnyConnection = &mut conn;
            diesel::update(ap::table).set(ap::approver_config.eq("{not json")).execute(c).expect("corrupt policy");
            diesel::update(cr::table).set(cr::state.eq("cancelled")).execute(c).expect("corrupt request");
        }
        assert!(is_storage(repo.get_policy(fx.at_team(), p.id)));
        assert!(is_storage(repo.list_policies(fx.at_team(), &Default::default(), 10, 0)));
        assert!(is_storage(repo.enabled_policies(fx.org, Some(fx.team), "k")));
        assert!(is_storage(repo.get_request(fx.at_team(), r.id)));
        assert!(is_storage(repo.list_requests(fx.at_team(), &RequestFilter::default(), 10, 0)));
        let mut f = |_: &ChangeRequest| Ok(None);
        assert!(is_storage(repo.transition(r.id, &mut f)));
    }

    fn a_write_failing_in_a_transition_rolls_back_the_row_and_its_activity(db: TestDb) {
        let h = open(&db);
        let (repo, fx) = (h.repo(), h.fixture());
        let r = repo.create_request(&request(fx.org, Some(fx.team), "k", None, fx.users[0], 1), &[]).expect("request");
        let audit = vec![entry(fx, REQUEST_SCOPE, "approved")];
        // No such user: the vote's foreign key fails after the row was updated.
        let ghost = Vote { id: Uuid::new_v4(), created_by: 987_654_321, decision: Decision::Approved, reason: String::new(), created_at: at(2) };
        let mut f = |current: &ChangeRequest| {
            let request = ChangeRequest { state: State::Approved, updated_at: at(2), ..current.clone() };
            Ok(Some(Transition { request, vote: Some(ghost.clone()), audit: audit.clone() }))
        };
        assert!(is_storage(repo.transition(r.id, &mut f)));
        assert_eq!(repo.get_request(fx.at_team(), r.id).expect("get"), Some(r));
        assert!(!activity_ids(&h.db.pool).contains(&audit[0].id), "the entry went with the change");
    }

    fn deleting_a_policy_keeps_its_requests(db: TestDb) {
        let h = open(&db);
        let (repo, fx) = (h.repo(), h.fixture());
        let p = repo.create_policy(&policy(fx.org, Some(fx.team), "k", 1), &[]).expect("policy");
        let r = ChangeRequest { policy_id: Some(p.id), ..request(fx.org, Some(fx.team), "k", None, fx.users[0], 1) };
        repo.create_request(&r, &[]).expect("request");
        repo.delete_policy(fx.at_team(), p.id, &[]).expect("delete");
        let kept = repo.get_request(fx.at_team(), r.id).expect("get").expect("still there");
        assert_eq!(kept.policy_id, None);
        assert_eq!(kept, ChangeRequest { policy_id: None, ..r });
    }

    fn a_request_of_an_unknown_team_or_requester_is_not_found(db: TestDb) {
        let h = open(&db);
        let (repo, fx) = (h.repo(), h.fixture());
        let no_team = request(fx.org, Some(fx.unknown_team()), "k", None, fx.users[0], 1);
        assert!(matches!(repo.create_request(&no_team, &[]), Err(ApprovalError::NotFound)));
        let no_user = request(fx.org, Some(fx.team), "k", None, 987_654_321, 1);
        assert!(matches!(repo.create_request(&no_user, &[]), Err(ApprovalError::NotFound)));
        assert_eq!(repo.list_requests(fx.at_team(), &RequestFilter::default(), 10, 0).expect("list").count, 0);
    }
}
