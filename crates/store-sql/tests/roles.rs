//! `RoleRepo` on SQLite and PostgreSQL (`sqlite::<test>` and `postgres::<test>`).

use activity_log::ActivityEntry;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use orgs::{
    Level, Membership, NewUser, OrgId, OrgRepo, OrgsError, PageReq, ProjectId, ProjectRepo, Role,
    RoleMembership, RoleRepo, UserId, UserRepo,
};
use store_sql::testing::{TestDb, TwoTeams};
use store_sql::{AnyConnection, both_backends};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

const ALL: PageReq = PageReq { limit: i64::MAX, offset: 0 };

fn at(secs: i64) -> OffsetDateTime {
    datetime!(2026-12-07 10:00:00.123456 UTC) + time::Duration::seconds(secs)
}

/// The two organizations of the fixture (`a` and `b`) and its owner.
struct Fx {
    fx: TwoTeams,
    a: OrgId,
    b: OrgId,
    owner: UserId,
}

fn fixture(db: &TestDb) -> Fx {
    let fx = TwoTeams::new(db, at(0));
    let org = |team| fx.s.project(ProjectId(team)).expect("project").expect("exists").organization_id;
    let (a, b) = (org(fx.team), org(fx.other));
    let owner = UserId(fx.user);
    Fx { fx, a, b, owner }
}

fn role(org: OrgId, name: &str, secs: i64) -> Role {
    Role {
        id: Uuid::now_v7(),
        organization_id: org,
        name: name.into(),
        created_by: None,
        created_at: at(secs),
        updated_at: at(secs),
    }
}

fn role_member(role: &Role, user: UserId, secs: i64) -> RoleMembership {
    RoleMembership {
        id: Uuid::now_v7(),
        role_id: role.id,
        user_id: user,
        joined_at: at(secs),
        updated_at: at(secs),
    }
}

fn audit(activity: &str) -> Vec<ActivityEntry> {
    vec![ActivityEntry {
        id: Uuid::now_v7(),
        organization_id: None,
        team_id: None,
        user_id: None,
        scope: "Role".into(),
        activity: activity.into(),
        item_id: None,
        detail: None,
        client: None,
        is_system: false,
        was_impersonated: false,
        created_at: at(0),
    }]
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(db: &TestDb, sql: &str) -> i64 {
    let mut conn = db.pool.get().expect("pooled connection");
    let c: &mut AnyConnection = &mut conn;
    diesel::sql_query(sql).get_result::<Count>(c).expect("raw count").n
}

fn entries(db: &TestDb, activity: &str) -> i64 {
    count(
        db,
        &format!("SELECT count(*) AS n FROM activity_log WHERE scope = 'Role' AND activity = '{activity}'"),
    )
}

/// A second user, member of `org` since `secs`.
fn join(f: &Fx, email: &str, org: OrgId, secs: i64) -> UserId {
    let user =
        f.fx.s
            .create_user(NewUser {
                uuid: Uuid::new_v4(),
                email: email.into(),
                first_name: "B".into(),
                last_name: String::new(),
                password_hash: "x".into(),
                created_at: at(secs),
            })
            .expect("create user");
    rejoin(f, user.id, org, secs);
    user.id
}

fn rejoin(f: &Fx, user: UserId, org: OrgId, secs: i64) {
    let m = Membership {
        id: Uuid::now_v7(),
        organization_id: org,
        user_id: user,
        level: Level::Member,
        joined_at: at(secs),
        updated_at: at(secs),
    };
    f.fx.s.add_member(&m, &[]).expect("add member");
}

fn is_not_found<T: std::fmt::Debug>(r: Result<T, OrgsError>) -> bool {
    matches!(r, Err(OrgsError::NotFound))
}

both_backends! {
    fn roles_are_per_organization_oldest_first(db: TestDb) {
        let f = fixture(&db);
        let s = &f.fx.s;
        let second = s.create_role(&role(f.a, "Second", 2), &audit("created")).expect("create");
        let first = s.create_role(&role(f.a, "First", 1), &[]).expect("create");
        let other = s.create_role(&role(f.b, "First", 1), &[]).expect("same name, other organization");
        assert_eq!(entries(&db, "created"), 1);
        let page = s.roles_in(f.a, ALL).expect("list");
        assert_eq!(page.count, 2);
        assert_eq!(page.items, vec![first.clone(), second.clone()]);
        let tail = s.roles_in(f.a, PageReq { limit: 1, offset: 1 }).expect("page");
        assert_eq!((tail.count, tail.items), (2, vec![second.clone()]));
        assert_eq!(s.role(f.a, first.id).expect("get"), Some(first.clone()));
        assert_eq!(s.role(f.b, first.id).expect("get"), None, "another organization's id is unknown");
        let mut found = s.roles_by_ids(&[other.id, first.id, Uuid::now_v7()]).expect("by ids");
        found.sort_by_key(|r| r.id);
        let mut want = vec![first.clone(), other.clone()];
        want.sort_by_key(|r| r.id);
        assert_eq!(found, want);
        assert!(s.roles_by_ids(&[]).expect("none").is_empty());
    }

    fn rename_and_delete(db: TestDb) {
        let f = fixture(&db);
        let s = &f.fx.s;
        let mut r = role(f.a, "Ops", 1);
        r.created_by = Some(f.owner);
        let r = s.create_role(&r, &[]).expect("create");
        assert_eq!(r.created_by, Some(f.owner));
        let renamed = Role { name: "Operations".into(), updated_at: at(5), ..r.clone() };
        assert_eq!(s.update_role(&renamed, &audit("updated")).expect("update"), renamed);
        assert_eq!(entries(&db, "updated"), 1);
        let elsewhere = Role { organization_id: f.b, ..renamed.clone() };
        assert!(is_not_found(s.update_role(&elsewhere, &audit("updated"))));
        assert_eq!(entries(&db, "updated"), 1, "a failed write records nothing");
        assert!(is_not_found(s.delete_role(f.b, r.id, &audit("deleted"))));
        s.delete_role(f.a, r.id, &audit("deleted")).expect("delete");
        assert_eq!(entries(&db, "deleted"), 1);
        assert_eq!(s.role(f.a, r.id).expect("get"), None);
        assert!(is_not_found(s.delete_role(f.a, r.id, &[])));
    }

    fn duplicate_names_are_refused_without_an_entry(db: TestDb) {
        let f = fixture(&db);
        let s = &f.fx.s;
        let ops = s.create_role(&role(f.a, "Ops", 1), &[]).expect("create");
        let dev = s.create_role(&role(f.a, "Dev", 2), &[]).expect("create");
        let taken = |r: Result<Role, OrgsError>| {
            matches!(r, Err(OrgsError::Invalid { attr: Some(a), code: "unique", .. }) if a == "name")
        };
        assert!(taken(s.create_role(&role(f.a, "Ops", 3), &audit("created"))));
        assert!(taken(s.update_role(&Role { name: "Ops".into(), ..dev }, &audit("updated"))));
        assert_eq!((entries(&db, "created"), entries(&db, "updated")), (0, 0));
        assert_eq!(s.roles_in(f.a, ALL).expect("list").count, 2);
        assert_eq!(s.role(f.a, ops.id).expect("get").map(|r| r.name), Some("Ops".into()));
    }

    fn memberships_add_list_and_remove(db: TestDb) {
        let f = fixture(&db);
        let s = &f.fx.s;
        let bob = join(&f, "bob@example.com", f.a, 1);
        let ops = s.create_role(&role(f.a, "Ops", 2), &[]).expect("create");
        let dev = s.create_role(&role(f.a, "Dev", 3), &[]).expect("create");
        let first = role_member(&ops, bob, 4);
        let second = role_member(&ops, f.owner, 5);
        s.add_role_member(&first, &audit("updated")).expect("add");
        s.add_role_member(&second, &[]).expect("add");
        s.add_role_member(&role_member(&dev, bob, 6), &[]).expect("add");
        assert_eq!(entries(&db, "updated"), 1);
        let dup = s.add_role_member(&role_member(&ops, bob, 7), &audit("updated"));
        assert!(
            matches!(&dup, Err(OrgsError::Invalid { attr: None, detail, .. }) if detail == "User is already part of the role."),
            "{dup:?}"
        );
        assert_eq!(entries(&db, "updated"), 1);
        let page = s.role_members(ops.id, ALL).expect("members");
        assert_eq!(page.count, 2);
        let ids: Vec<_> = page.items.iter().map(|(m, u)| (m.clone(), u.id)).collect();
        assert_eq!(ids, vec![(first.clone(), bob), (second.clone(), f.owner)]);
        assert_eq!(s.role_members(ops.id, PageReq { limit: 1, offset: 1 }).expect("page").items.len(), 1);
        let all = s.members_of_roles(&[ops.id, dev.id]).expect("members of roles");
        assert_eq!(all.len(), 3);
        assert!(s.members_of_roles(&[]).expect("none").is_empty());
        let (m, u) = s.role_membership(ops.id, first.id).expect("get").expect("exists");
        assert_eq!((m, u.email.as_str()), (first.clone(), "bob@example.com"));
        assert_eq!(s.role_membership(dev.id, first.id).expect("get"), None, "id under another role");
        assert_eq!(s.roles_of(f.a, bob).expect("roles of"), vec![ops.id, dev.id]);
        assert!(s.roles_of(f.b, bob).expect("roles of").is_empty());
        assert!(is_not_found(s.remove_role_member(dev.id, first.id, &audit("updated"))));
        s.remove_role_member(ops.id, first.id, &audit("updated")).expect("remove");
        assert_eq!(entries(&db, "updated"), 2);
        assert_eq!(s.roles_of(f.a, bob).expect("roles of"), vec![dev.id]);
        s.delete_role(f.a, dev.id, &[]).expect("delete role");
        assert!(s.roles_of(f.a, bob).expect("roles of").is_empty());
        assert_eq!(count(&db, "SELECT count(*) AS n FROM role_memberships WHERE user_id <> 0"), 1);
    }

    fn leaving_the_organization_ends_the_roles(db: TestDb) {
        let f = fixture(&db);
        let s = &f.fx.s;
        let bob = join(&f, "bob@example.com", f.a, 1);
        let ops = s.create_role(&role(f.a, "Ops", 2), &[]).expect("create");
        let held = role_member(&ops, bob, 3);
        s.add_role_member(&held, &[]).expect("add");
        s.remove_member(f.a, bob, &[]).expect("leave");
        assert!(s.roles_of(f.a, bob).expect("roles of").is_empty());
        assert_eq!(s.role_members(ops.id, ALL).expect("members").count, 0);
        assert_eq!(s.role_membership(ops.id, held.id).expect("get"), None);
        // Coming back does not bring the role back with it...
        rejoin(&f, bob, f.a, 10);
        assert!(s.roles_of(f.a, bob).expect("roles of").is_empty());
        assert_eq!(s.members_of_roles(&[ops.id]).expect("members").len(), 0);
        // ...but the role can be given again.
        let again = role_member(&ops, bob, 11);
        s.add_role_member(&again, &[]).expect("add again");
        assert_eq!(s.roles_of(f.a, bob).expect("roles of"), vec![ops.id]);
        let page = s.role_members(ops.id, ALL).expect("members");
        assert_eq!(page.items.into_iter().map(|(m, _)| m).collect::<Vec<_>>(), vec![again]);
    }

    fn unknown_parents_are_not_found(db: TestDb) {
        let f = fixture(&db);
        let s = &f.fx.s;
        let ghost = role(f.a, "Ghost", 1);
        assert!(is_not_found(s.add_role_member(&role_member(&ghost, f.owner, 2), &audit("updated"))));
        assert_eq!(entries(&db, "updated"), 0);
        let nowhere = role(OrgId(Uuid::now_v7()), "Nowhere", 1);
        assert!(is_not_found(s.create_role(&nowhere, &audit("created"))));
        assert_eq!(entries(&db, "created"), 0);
    }
}
