//! `UserRepo`.

use super::*;

both_backends! {
    fn user_create_and_get(db: TestDb) {
        let s = store(&db);
        let new = new_user("ada@example.com", 7);
        let u = s.create_user(new.clone()).expect("create");
        assert!(u.id.0 > 0);
        assert_eq!(u.uuid, new.uuid);
        assert_eq!(u.email, "ada@example.com");
        assert_eq!((u.first_name.as_str(), u.last_name.as_str()), ("Ada", "Lovelace"));
        assert!(u.is_active);
        assert_eq!((u.current_organization_id, u.current_project_id), (None, None));
        assert_eq!(u.created_at, at(7));

        assert_eq!(s.user(u.id).expect("by id"), Some(u.clone()));
        assert_eq!(s.user_by_uuid(new.uuid).expect("by uuid"), Some(u.clone()));
        assert_eq!(s.user(UserId(u.id.0 + 1000)).expect("missing"), None);
        assert_eq!(s.user_by_uuid(Uuid::new_v4()).expect("missing"), None);

        let second = user(&s, "grace@example.com");
        assert!(second.id.0 > u.id.0, "ids are assigned in order");
        assert_eq!(s.user(second.id).expect("by id").map(|x| x.email), Some("grace@example.com".into()));
    }

    fn user_email_is_unique_ignoring_case(db: TestDb) {
        let s = store(&db);
        let first = user(&s, "bob@example.com");
        for email in ["bob@example.com", "BOB@Example.COM"] {
            let err = s.create_user(new_user(email, 1)).expect_err("duplicate email");
            assert!(matches!(err, OrgsError::EmailTaken), "{email}: {err:?}");
        }
        assert_eq!(s.count_users().expect("count"), 1);
        assert_eq!(s.user(first.id).expect("get"), Some(first));
    }

    fn user_lookup_by_email_ignores_case(db: TestDb) {
        let s = store(&db);
        let u = s.create_user(new_user("Carol@Example.com", 0)).expect("create");
        assert_eq!(u.email, "carol@example.com", "stored lower-case");
        let (found, hash) = s
            .user_by_email("CAROL@EXAMPLE.COM")
            .expect("lookup")
            .expect("found");
        assert_eq!(found, u);
        assert_eq!(hash, "hash-of-Carol@Example.com");
        assert!(s.user_by_email("carol@example.org").expect("lookup").is_none());
    }

    fn user_count(db: TestDb) {
        let s = store(&db);
        assert_eq!(s.count_users().expect("count"), 0);
        for i in 0..3 {
            user(&s, &format!("u{i}@example.com"));
        }
        assert_eq!(s.count_users().expect("count"), 3);
    }

    fn user_set_current(db: TestDb) {
        let s = store(&db);
        let owner = user(&s, "owner@example.com");
        let other = user(&s, "other@example.com");
        let (org, project) = org_owned_by(&s, owner.id, "acme", 0);

        s.set_current(other.id, Some(org.id), Some(project.id)).expect("set");
        let got = s.user(other.id).expect("get").expect("exists");
        assert_eq!(got.current_organization_id, Some(org.id));
        assert_eq!(got.current_project_id, Some(project.id));

        s.set_current(other.id, None, None).expect("clear");
        let got = s.user(other.id).expect("get").expect("exists");
        assert_eq!((got.current_organization_id, got.current_project_id), (None, None));

        let err = s.set_current(UserId(9999), None, None).expect_err("no such user");
        assert!(matches!(err, OrgsError::NotFound), "{err:?}");
    }

    fn user_with_corrupt_uuid_is_a_storage_error(db: TestDb) {
        use store_sql::schema::users;
        let s = store(&db);
        let u = user(&s, "broken@example.com");
        with_conn(&db, |c| {
            diesel::update(users::table.find(u.id.0)).set(users::uuid.eq("not-a-uuid")).execute(c)
        });
        let err = s.user(u.id).expect_err("corrupt row");
        assert!(matches!(err, OrgsError::Storage(_)), "{err:?}");
    }
}
