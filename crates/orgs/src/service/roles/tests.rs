use activity_log::Client;
use auth_scopes::Access;
use time::macros::datetime;

use super::members::member_snapshot;
use super::*;

fn role(name: &str) -> Role {
    let at = datetime!(2026-12-07 10:00 UTC);
    Role {
        id: Uuid::now_v7(),
        organization_id: OrgId(Uuid::nil()),
        name: name.into(),
        created_by: None,
        created_at: at,
        updated_at: at,
    }
}

fn user() -> User {
    User {
        id: UserId(7),
        uuid: Uuid::from_u128(7),
        email: "ada@example.com".into(),
        first_name: "Ada".into(),
        last_name: String::new(),
        is_active: true,
        current_organization_id: None,
        current_project_id: None,
        created_at: datetime!(2026-12-07 10:00 UTC),
    }
}

#[test]
fn role_names_collide_ignoring_case_but_not_with_the_role_itself() {
    let existing = vec![role("Approvers"), role("Ops")];
    let err = check_name_free(&existing, "APPROVERS", None).err();
    assert!(
        matches!(&err, Some(OrgsError::Invalid { attr: Some(a), code: "unique", detail })
            if a == "name" && detail == "There is already a role with this name."),
        "{err:?}"
    );
    assert!(check_name_free(&existing, "approvers", Some(existing[0].id)).is_ok());
    assert!(check_name_free(&existing, "Approvers 2", None).is_ok());
}

#[test]
fn membership_changes_are_role_updates_on_the_members_field() {
    let actor = Actor { user: user(), access: Access::Session, client: Client::Web };
    let now = datetime!(2026-12-07 11:00 UTC);
    let org = OrgId(Uuid::from_u128(1));
    let added = What::Updated(json!({}), member_snapshot(&user()));
    let e = entry(&actor, place(org), SCOPE_ROLE, "r".into(), "Ops", added, now).expect("recorded");
    assert_eq!((e.scope.as_str(), e.activity.as_str(), e.team_id), ("Role", "updated", None));
    let detail = e.detail.expect("detail");
    let change = &detail["changes"][0];
    assert_eq!((change["action"].as_str(), change["field"].as_str()), (Some("created"), Some("members")));
    assert_eq!(change["after"]["user_email"], "ada@example.com");
    let removed = What::Updated(member_snapshot(&user()), json!({}));
    let e = entry(&actor, place(org), SCOPE_ROLE, "r".into(), "Ops", removed, now).expect("recorded");
    let detail = e.detail.expect("detail");
    assert_eq!(detail["changes"][0]["action"], "deleted");
    assert_eq!(detail["changes"][0]["before"]["user_uuid"], Uuid::from_u128(7).to_string());
}

#[test]
fn a_rename_to_the_same_name_records_nothing() {
    let actor = Actor::session(user());
    let r = role("Ops");
    let what = What::Updated(snapshot(&r), snapshot(&r));
    let now = datetime!(2026-12-07 11:00 UTC);
    assert!(entry(&actor, place(r.organization_id), SCOPE_ROLE, "r".into(), "Ops", what, now).is_none());
}
