//! Row conversions: round trips and corrupt values.

use serde_json::json;
use time::macros::datetime;

use super::*;

#[test]
fn corrupt_rows_are_storage_errors() {
    let vote = VoteRow {
        id: uuid_text(Uuid::nil()),
        change_request_id: uuid_text(Uuid::nil()),
        created_by: 1,
        decision: "maybe".into(),
        reason: String::new(),
        created_at: 0,
    };
    assert!(matches!(vote.clone().into_domain(), Err(ApprovalError::Storage(_))));
    let vote = VoteRow { decision: "approved".into(), id: "nope".into(), ..vote };
    assert!(matches!(vote.into_domain(), Err(ApprovalError::Storage(_))));
}

#[test]
fn durations_keep_microseconds_and_refuse_what_does_not_fit() {
    let d = Duration::days(3) + Duration::microseconds(7);
    assert_eq!(duration_us(d).ok(), Some(3 * 86_400_000_000 + 7));
    assert!(matches!(duration_us(Duration::MAX), Err(ApprovalError::Invalid { .. })));
}

#[test]
fn a_policy_round_trips_through_its_row() {
    let at = datetime!(2026-12-07 10:00:00.123456 UTC);
    let p = Policy {
        id: Uuid::now_v7(),
        organization_id: Uuid::now_v7(),
        team_id: None,
        action_key: "feature_flag.update".into(),
        conditions: json!({"type": "any_change", "field": "rollout_percentage"}),
        approver_config: ::approvals::ApproverConfig { quorum: 2, users: vec![1], roles: vec!["r".into()] },
        allow_self_approve: true,
        bypass_org_membership_levels: vec![8, 15],
        bypass_roles: vec![Uuid::now_v7()],
        expires_after: Duration::hours(5),
        enabled: false,
        created_by: None,
        created_at: at,
        updated_at: at,
    };
    let row = PolicyRow::from_domain(&p).expect("encode");
    assert_eq!(row.into_domain().expect("decode"), p);
}
