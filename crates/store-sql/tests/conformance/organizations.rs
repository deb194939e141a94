//! `OrgRepo`: organizations and memberships.

use super::*;
use store_sql::schema::{organization_memberships, organizations, projects};

fn count_rows(db: &TestDb) -> (i64, i64, i64) {
    with_conn(db, |c| {
        Ok((
            organizations::table.count().get_result(c)?,
            projects::table.count().get_result(c)?,
            organization_memberships::table.count().get_result(c)?,
        ))
    })
}

both_backends! {
    fn org_create_sets_up_project_owner_and_current(db: TestDb) {
        let s = store(&db);
        let owner = user(&s, "owner@example.com");
        let org = organization("Acme Inc.", "acme-inc", 5);
        let np = new_project(org.id, "Default project", 5);
        let project = s.create_organization(&org, owner.id, np.clone(), &|_| vec![]).expect("create");

        assert!(project.id.0 > 0);
        assert_eq!(project.uuid, np.uuid);
        assert_eq!(project.organization_id, org.id);
        assert_eq!(project.name, "Default project");
        assert_eq!(project.api_token, np.api_token);
        assert_eq!(project.timezone, "Europe/Berlin");
        assert_eq!(project.retention_days, 30);
        assert_eq!((project.created_at, project.updated_at), (at(5), at(5)));

        assert_eq!(s.organization(org.id).expect("get"), Some(org.clone()));
        assert_eq!(s.project(project.id).expect("project"), Some(project.clone()));

        let m = s.membership(org.id, owner.id).expect("membership").expect("owner is a member");
        assert_eq!((m.organization_id, m.user_id, m.level), (org.id, owner.id, Level::Owner));
        assert_eq!((m.joined_at, m.updated_at), (at(5), at(5)));
        assert_eq!(s.member_count(org.id).expect("count"), 1);

        let owner = s.user(owner.id).expect("user").expect("exists");
        assert_eq!(owner.current_organization_id, Some(org.id));
        assert_eq!(owner.current_project_id, Some(project.id));
        assert_eq!(s.organization(OrgId(Uuid::new_v4())).expect("missing"), None);
    }

    fn org_slug_taken_writes_nothing(db: TestDb) {
        let s = store(&db);
        let first_owner = user(&s, "first@example.com");
        let second_owner = user(&s, "second@example.com");
        let (_, _) = org_owned_by(&s, first_owner.id, "acme", 0);
        let before = count_rows(&db);

        let clash = organization("Other Acme", "acme", 1);
        let np = new_project(clash.id, "Default project", 1);
        let err = s.create_organization(&clash, second_owner.id, np.clone(), &|_| vec![]).expect_err("slug");
        assert!(matches!(err, OrgsError::SlugTaken), "{err:?}");

        assert_eq!(count_rows(&db), before, "no organization, project or membership left");
        assert_eq!(s.organization(clash.id).expect("get"), None);
        assert_eq!(s.project_by_token(&np.api_token).expect("get"), None);
        let second = s.user(second_owner.id).expect("user").expect("exists");
        assert_eq!((second.current_organization_id, second.current_project_id), (None, None));
    }

    fn org_create_rolls_back_when_a_later_step_fails(db: TestDb) {
        let s = store(&db);
        let owner = user(&s, "owner@example.com");
        let (_, existing) = org_owned_by(&s, owner.id, "acme", 0);
        let before = count_rows(&db);

        // The organization row goes in first; the project's duplicate token fails after it.
        let org = organization("Beta", "beta", 1);
        let np = NewProject { api_token: existing.api_token.clone(), ..new_project(org.id, "P", 1) };
        let err = s.create_organization(&org, owner.id, np, &|_| vec![]).expect_err("duplicate token");
        assert!(matches!(err, OrgsError::Storage(_)), "{err:?}");

        assert_eq!(count_rows(&db), before);
        assert_eq!(s.organization(org.id).expect("get"), None);
        let owner = s.user(owner.id).expect("user").expect("exists");
        assert_eq!(owner.current_project_id, Some(existing.id), "pointer unchanged");
    }

    fn org_list_of_user_pages_counts_and_filters(db: TestDb) {
        let s = store(&db);
        let u = user(&s, "u@example.com");
        let v = user(&s, "v@example.com");
        let (o1, _) = org_owned_by(&s, u.id, "o1", 10);
        let (o2, _) = org_owned_by(&s, u.id, "o2", 20);
        let (o3, _) = org_owned_by(&s, u.id, "o3", 30);
        let (o4, _) = org_owned_by(&s, v.id, "o4", 1);
        let (not_mine, _) = org_owned_by(&s, v.id, "o5", 2);
        // u joined o4 before creating any of its own organizations.
        s.add_member(&membership(o4.id, u.id, Level::Member, 5), &[]).expect("join o4");

        let first = s.organizations_of(u.id, None, page(2, 0)).expect("page 1");
        assert_eq!(first.count, 4);
        let got: Vec<_> = first.items.iter().map(|(o, l)| (o.id, *l)).collect();
        assert_eq!(got, vec![(o4.id, Level::Member), (o1.id, Level::Owner)]);
        assert_eq!(first.items[1].0, o1, "the full organization comes back");

        let second = s.organizations_of(u.id, None, page(2, 2)).expect("page 2");
        assert_eq!(second.count, 4);
        let got: Vec<_> = second.items.iter().map(|(o, _)| o.id).collect();
        assert_eq!(got, vec![o2.id, o3.id]);

        let beyond = s.organizations_of(u.id, None, page(2, 10)).expect("beyond");
        assert_eq!((beyond.items.len(), beyond.count), (0, 4));

        let everything = s.organizations_of(u.id, None, all()).expect("all");
        assert_eq!(everything.items.len(), 4);

        let only = [o3.id, o4.id, not_mine.id];
        let narrowed = s.organizations_of(u.id, Some(&only), all()).expect("only");
        assert_eq!(narrowed.count, 2);
        let got: Vec<_> = narrowed.items.iter().map(|(o, l)| (o.id, *l)).collect();
        assert_eq!(got, vec![(o4.id, Level::Member), (o3.id, Level::Owner)]);

        let none = s.organizations_of(u.id, Some(&[]), all()).expect("empty only");
        assert_eq!((none.items.len(), none.count), (0, 0));
        let stranger = s.organizations_of(UserId(9999), None, all()).expect("stranger");
        assert_eq!((stranger.items.len(), stranger.count), (0, 0));
    }

    fn org_list_breaks_ties_by_organization_id(db: TestDb) {
        let s = store(&db);
        let owner = user(&s, "owner@example.com");
        let u = user(&s, "u@example.com");
        let mut ids = Vec::new();
        for slug in ["t1", "t2", "t3"] {
            let (o, _) = org_owned_by(&s, owner.id, slug, 0);
            s.add_member(&membership(o.id, u.id, Level::Member, 42), &[]).expect("join");
            ids.push(o.id.0.to_string());
        }
        ids.sort();
        let got: Vec<_> = s
            .organizations_of(u.id, None, all())
            .expect("list")
            .items
            .iter()
            .map(|(o, _)| o.id.0.to_string())
            .collect();
        assert_eq!(got, ids);
    }

    fn org_update_writes_name_and_settings(db: TestDb) {
        let s = store(&db);
        let owner = user(&s, "owner@example.com");
        let (org, _) = org_owned_by(&s, owner.id, "acme", 0);
        let settings = OrgSettings {
            enforce_2fa: Some(true),
            members_can_invite: None,
            members_can_use_personal_api_keys: false,
            allow_publicly_shared_resources: false,
            is_ai_data_processing_approved: Some(false),
            default_anonymize_ips: true,
            default_experiment_stats_method: None,
        };
        let updated = s.update_organization(org.id, "Acme 2", &settings, at(100), &[]).expect("update");
        let expected = Organization {
            name: "Acme 2".into(),
            settings: settings.clone(),
            updated_at: at(100),
            ..org.clone()
        };
        assert_eq!(updated, expected, "slug and created_at unchanged");
        assert_eq!(s.organization(org.id).expect("get"), Some(expected));

        let err = s
            .update_organization(OrgId(Uuid::new_v4()), "x", &settings, at(1), &[])
            .expect_err("missing");
        assert!(matches!(err, OrgsError::NotFound), "{err:?}");
    }

    fn org_delete_removes_everything_and_clears_pointers(db: TestDb) {
        let s = store(&db);
        let u = user(&s, "u@example.com");
        let v = user(&s, "v@example.com");
        let w = user(&s, "w@example.com");
        let (a, pa) = org_owned_by(&s, u.id, "a", 0);
        let p2 = s.create_project(new_project(a.id, "Second", 1), &|_| vec![]).expect("project");
        s.add_member(&membership(a.id, v.id, Level::Admin, 2), &[]).expect("member");
        s.set_current(v.id, Some(a.id), Some(p2.id)).expect("current");
        let (b, pb) = org_owned_by(&s, w.id, "b", 3);
        s.add_member(&membership(b.id, u.id, Level::Member, 4), &[]).expect("member of b");

        s.delete_organization(a.id, &[]).expect("delete");

        assert_eq!(s.organization(a.id).expect("org"), None);
        assert_eq!(s.project(pa.id).expect("project"), None);
        assert_eq!(s.project(p2.id).expect("project"), None);
        assert_eq!(s.membership(a.id, u.id).expect("membership"), None);
        assert_eq!(s.member_count(a.id).expect("count"), 0);
        for id in [u.id, v.id] {
            let x = s.user(id).expect("user").expect("users stay");
            assert_eq!((x.current_organization_id, x.current_project_id), (None, None));
        }
        let w = s.user(w.id).expect("user").expect("exists");
        assert_eq!((w.current_organization_id, w.current_project_id), (Some(b.id), Some(pb.id)));
        assert_eq!(s.organization(b.id).expect("org b").map(|o| o.slug), Some("b".into()));
        assert_eq!(s.project(pb.id).expect("project b"), Some(pb));
        assert_eq!(s.member_count(b.id).expect("count b"), 2);
        assert_eq!(count_rows(&db), (1, 1, 2));

        let err = s.delete_organization(a.id, &[]).expect_err("already gone");
        assert!(matches!(err, OrgsError::NotFound), "{err:?}");
    }

    fn org_members_are_paged_by_join_time_then_user_id(db: TestDb) {
        let s = store(&db);
        let owner = user(&s, "owner@example.com");
        let v = user(&s, "v@example.com");
        let w = user(&s, "w@example.com");
        let (org, _) = org_owned_by(&s, owner.id, "acme", 0);
        // Added in reverse id order at the same instant: the user id decides.
        s.add_member(&membership(org.id, w.id, Level::Member, 50), &[]).expect("w");
        s.add_member(&membership(org.id, v.id, Level::Admin, 50), &[]).expect("v");

        let first = s.members(org.id, page(2, 0)).expect("page 1");
        assert_eq!(first.count, 3);
        let got: Vec<_> = first.items.iter().map(|(m, u)| (u.id, m.level)).collect();
        assert_eq!(got, vec![(owner.id, Level::Owner), (v.id, Level::Admin)]);
        let (m, u) = &first.items[1];
        assert_eq!((m.user_id, m.joined_at), (v.id, at(50)));
        assert_eq!(u.email, "v@example.com");

        let second = s.members(org.id, page(2, 2)).expect("page 2");
        assert_eq!(second.count, 3);
        let got: Vec<_> = second.items.iter().map(|(_, u)| u.id).collect();
        assert_eq!(got, vec![w.id]);

        let everyone = s.members(org.id, all()).expect("all");
        assert_eq!(everyone.items.len(), 3);
        assert_eq!(s.member_count(org.id).expect("count"), 3);
        let nobody = s.members(OrgId(Uuid::new_v4()), all()).expect("unknown org");
        assert_eq!((nobody.items.len(), nobody.count), (0, 0));
    }

    fn org_add_member_once(db: TestDb) {
        let s = store(&db);
        let owner = user(&s, "owner@example.com");
        let v = user(&s, "v@example.com");
        let (org, _) = org_owned_by(&s, owner.id, "acme", 0);
        let m = membership(org.id, v.id, Level::Admin, 9);
        s.add_member(&m, &[]).expect("add");
        assert_eq!(s.membership(org.id, v.id).expect("get"), Some(m));

        let again = membership(org.id, v.id, Level::Member, 10);
        let err = s.add_member(&again, &[]).expect_err("duplicate");
        assert!(matches!(err, OrgsError::AlreadyMember), "{err:?}");
        assert_eq!(s.member_count(org.id).expect("count"), 2);
        assert_eq!(s.membership(org.id, v.id).expect("get").map(|m| m.level), Some(Level::Admin));
    }

    fn org_add_new_member_creates_user_and_membership(db: TestDb) {
        let s = store(&db);
        let owner = user(&s, "owner@example.com");
        let (org, _) = org_owned_by(&s, owner.id, "acme", 0);
        let new = new_user("Invitee@Example.com", 3);
        // The membership's user id is a placeholder; the store fills in the new id.
        let m = membership(org.id, UserId(0), Level::Member, 3);
        let created = s.add_new_member(new.clone(), m.clone(), &[]).expect("add new");
        assert!(created.id.0 > owner.id.0);
        assert_eq!((created.uuid, created.email.as_str()), (new.uuid, "invitee@example.com"));

        let stored = s.membership(org.id, created.id).expect("get").expect("member");
        assert_eq!(stored, Membership { user_id: created.id, ..m });
        let (by_email, hash) = s.user_by_email("invitee@example.com").expect("lookup").expect("found");
        assert_eq!((by_email, hash), (created, new.password_hash));

        // A taken email fails the whole thing: no membership either.
        let dup = s
            .add_new_member(new_user("owner@example.com", 4), membership(org.id, UserId(0), Level::Member, 4), &[])
            .expect_err("duplicate email");
        assert!(matches!(dup, OrgsError::EmailTaken), "{dup:?}");
        assert_eq!(s.member_count(org.id).expect("count"), 2);
        assert_eq!(s.count_users().expect("users"), 2);
    }

    fn org_set_member_level(db: TestDb) {
        let s = store(&db);
        let owner = user(&s, "owner@example.com");
        let v = user(&s, "v@example.com");
        let (org, _) = org_owned_by(&s, owner.id, "acme", 0);
        let m = membership(org.id, v.id, Level::Member, 5);
        s.add_member(&m, &[]).expect("add");

        let updated = s.set_member_level(org.id, v.id, Level::Admin, at(60), &[]).expect("set");
        assert_eq!(updated, Membership { level: Level::Admin, updated_at: at(60), ..m });
        assert_eq!(s.membership(org.id, v.id).expect("get"), Some(updated));
        assert_eq!(
            s.membership(org.id, owner.id).expect("owner").map(|m| m.level),
            Some(Level::Owner),
            "only that member changes"
        );

        let err = s.set_member_level(org.id, UserId(9999), Level::Admin, at(61), &[]).expect_err("none");
        assert!(matches!(err, OrgsError::NotFound), "{err:?}");
    }

    fn org_remove_member(db: TestDb) {
        let s = store(&db);
        let owner = user(&s, "owner@example.com");
        let v = user(&s, "v@example.com");
        let (org, _) = org_owned_by(&s, owner.id, "acme", 0);
        s.add_member(&membership(org.id, v.id, Level::Member, 5), &[]).expect("add");

        s.remove_member(org.id, v.id, &[]).expect("remove");
        assert_eq!(s.membership(org.id, v.id).expect("get"), None);
        assert_eq!(s.member_count(org.id).expect("count"), 1);
        assert!(s.user(v.id).expect("user").is_some(), "the user stays");

        let err = s.remove_member(org.id, v.id, &[]).expect_err("again");
        assert!(matches!(err, OrgsError::NotFound), "{err:?}");
    }

    fn org_corrupt_level_is_a_storage_error(db: TestDb) {
        let s = store(&db);
        let owner = user(&s, "owner@example.com");
        let (org, _) = org_owned_by(&s, owner.id, "acme", 0);
        with_conn(&db, |c| {
            diesel::update(organization_memberships::table)
                .set(organization_memberships::level.eq(3))
                .execute(c)
        });
        let err = s.membership(org.id, owner.id).expect_err("bad level");
        assert!(matches!(err, OrgsError::Storage(_)), "{err:?}");
        let err = s.organizations_of(owner.id, None, all()).expect_err("bad level");
        assert!(matches!(err, OrgsError::Storage(_)), "{err:?}");
    }
}
