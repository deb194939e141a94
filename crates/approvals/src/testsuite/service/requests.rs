//! Reading change requests (§5.3): the list's filters, the caller's computed fields, and
//! lookups that stay in the organization's projects.

use super::Stage;
use super::env::*;
use crate::error::ApprovalError;
use crate::service::{Caller, RequestQuery, VoteInput};

fn q(state: Option<&str>, requester: Option<String>) -> RequestQuery {
    RequestQuery { state: state.map(str::to_string), requester, ..RequestQuery::default() }
}

pub fn lists_filter_and_compute_the_viewer(stage: &Stage) {
    let env = Env::new(stage);
    env.store(env.policy("logs_alert.disable", &[env.approver], 1));
    let r = env.gated(env.requester, &alert_disable());
    let approver = env.caller(env.approver);
    let mine = Some(env.requester.to_string());
    let page =
        env.svc.list_requests(&approver, &q(Some("pending,applied"), mine.clone()), 10, 0).expect("list");
    assert_eq!(page.count, 1);
    let v = &page.results[0];
    assert_eq!((v.request.id, v.viewer.can_approve, v.viewer.is_requester), (r.id, true, false));
    assert_eq!(v.created_by, Some(name(env.requester)));
    assert_eq!(env.svc.list_requests(&approver, &q(Some("applied"), None), 10, 0).expect("list").count, 0);
    let theirs = Some(env.approver.to_string());
    assert_eq!(env.svc.list_requests(&approver, &q(None, theirs), 10, 0).expect("list").count, 0);
    let alias = RequestQuery { action_type: Some("logs_alert.disable".into()), ..RequestQuery::default() };
    assert_eq!(env.svc.list_requests(&approver, &alias, 10, 0).expect("list").count, 1);
    let by_resource = RequestQuery {
        resource_type: Some("logs_alert".into()),
        resource_id: Some(ALERT_ID.into()),
        ..RequestQuery::default()
    };
    assert_eq!(env.svc.list_requests(&approver, &by_resource, 10, 0).expect("list").count, 1);
    match env.svc.list_requests(&approver, &q(None, Some("ada".into())), 10, 0) {
        Err(ApprovalError::Invalid { attr, detail, .. }) => {
            assert_eq!((attr.as_deref(), detail.as_str()), (Some("requester"), "Enter a number."));
        }
        other => panic!("expected a 400, got {other:?}"),
    }
    let own = env.svc.get_request(&env.caller(env.requester), r.id).expect("get").viewer;
    assert_eq!((own.is_requester, own.can_cancel, own.can_approve), (true, true, false));

    // Another project of the organization neither lists nor finds nor votes on it.
    let elsewhere: Caller = env.elsewhere(env.approver);
    assert_eq!(env.svc.list_requests(&elsewhere, &RequestQuery::default(), 10, 0).expect("list").count, 0);
    assert!(is_not_found(&env.svc.get_request(&elsewhere, r.id)));
    assert!(is_not_found(&env.svc.approve(&elsewhere, r.id, &VoteInput::default(), NOW)));
    assert!(env.stored(r.id).votes.is_empty());
}
