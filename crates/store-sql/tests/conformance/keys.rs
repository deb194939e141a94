//! `KeyRepo`.

use super::*;
use store_sql::schema::users;

fn key(owner: UserId, id: &str, secs: i64) -> PersonalApiKey {
    PersonalApiKey {
        id: id.to_string(),
        user_id: owner,
        label: format!("label {id}"),
        mask_value: format!("phx_...{id}"),
        secure_value: format!("sha256${id}"),
        scopes: vec!["organization:read".into(), "project:write".into()],
        scoped_teams: None,
        scoped_organizations: None,
        created_at: at(secs),
        last_used_at: None,
        last_rolled_at: None,
    }
}

both_backends! {
    fn key_create_and_find_by_secure_value(db: TestDb) {
        let s = store(&db);
        let owner = user(&s, "owner@example.com");
        let (org, project) = org_owned_by(&s, owner.id, "acme", 0);
        let owner = s.user(owner.id).expect("user").expect("exists");
        let scoped = PersonalApiKey {
            scoped_teams: Some(vec![project.id.0, 4242]),
            scoped_organizations: Some(vec![org.id.to_string()]),
            last_used_at: Some(at(3)),
            last_rolled_at: Some(at(4)),
            ..key(owner.id, "k1", 1)
        };
        let plain = PersonalApiKey { scopes: vec!["*".into()], ..key(owner.id, "k2", 2) };
        s.create_key(&scoped, &[]).expect("create scoped");
        s.create_key(&plain, &[]).expect("create plain");

        let (k, u) = s.key_by_secure_value("sha256$k1").expect("lookup").expect("found");
        assert_eq!((k, u), (scoped.clone(), owner.clone()));
        let (k, _) = s.key_by_secure_value("sha256$k2").expect("lookup").expect("found");
        assert_eq!(k, plain);
        assert!(s.key_by_secure_value("sha256$nope").expect("lookup").is_none());
        assert_eq!(s.key(owner.id, "k1").expect("get"), Some(scoped));
    }

    fn key_of_inactive_owner_does_not_authenticate(db: TestDb) {
        let s = store(&db);
        let owner = user(&s, "owner@example.com");
        let k = key(owner.id, "k1", 1);
        s.create_key(&k, &[]).expect("create");
        assert!(s.key_by_secure_value(&k.secure_value).expect("lookup").is_some());

        with_conn(&db, |c| {
            diesel::update(users::table.find(owner.id.0)).set(users::is_active.eq(false)).execute(c)
        });
        assert!(s.key_by_secure_value(&k.secure_value).expect("lookup").is_none());
        assert_eq!(s.keys_of(owner.id).expect("list"), vec![k], "still listed");
    }

    fn key_visibility_and_deletion_are_per_user(db: TestDb) {
        let s = store(&db);
        let u = user(&s, "u@example.com");
        let v = user(&s, "v@example.com");
        let k1 = key(u.id, "k1", 1);
        let k2 = key(u.id, "k2", 2);
        let k3 = key(v.id, "k3", 3);
        for k in [&k1, &k2, &k3] {
            s.create_key(k, &[]).expect("create");
        }

        assert_eq!(s.keys_of(u.id).expect("list"), vec![k2.clone(), k1.clone()], "newest first");
        assert_eq!(s.keys_of(v.id).expect("list"), vec![k3.clone()]);
        assert_eq!(s.keys_of(UserId(9999)).expect("list"), vec![]);
        assert_eq!(s.key(u.id, "k3").expect("get"), None, "another user's key is invisible");
        assert_eq!(s.key(v.id, "k3").expect("get"), Some(k3.clone()));

        assert!(!s.delete_key(u.id, "k3", &[]).expect("delete other's"));
        assert_eq!(s.key(v.id, "k3").expect("get"), Some(k3));
        assert!(s.delete_key(v.id, "k3", &[]).expect("delete own"));
        assert!(!s.delete_key(v.id, "k3", &[]).expect("delete again"));
        assert_eq!(s.key(v.id, "k3").expect("get"), None);
        assert_eq!(s.keys_of(u.id).expect("list").len(), 2);
    }

    fn key_touch_records_last_use(db: TestDb) {
        let s = store(&db);
        let u = user(&s, "u@example.com");
        let k = key(u.id, "k1", 1);
        s.create_key(&k, &[]).expect("create");
        s.create_key(&key(u.id, "k2", 1), &[]).expect("create");

        s.touch_key("k1", at(50)).expect("touch");
        s.touch_key("k1", at(60)).expect("touch again");
        let got = s.key(u.id, "k1").expect("get").expect("exists");
        assert_eq!(got, PersonalApiKey { last_used_at: Some(at(60)), ..k });
        assert_eq!(s.key(u.id, "k2").expect("get").and_then(|k| k.last_used_at), None);
        s.touch_key("gone", at(70)).expect("touching a missing key is not an error");
    }

    fn key_roll_replaces_the_secret(db: TestDb) {
        let s = store(&db);
        let u = user(&s, "u@example.com");
        let k = key(u.id, "k1", 1);
        s.create_key(&k, &[]).expect("create");

        s.roll_key("k1", "sha256$rolled", "phx_...new", at(80), &[]).expect("roll");
        assert!(s.key_by_secure_value(&k.secure_value).expect("old").is_none());
        let (rolled, owner) = s.key_by_secure_value("sha256$rolled").expect("new").expect("found");
        let expected = PersonalApiKey {
            secure_value: "sha256$rolled".into(),
            mask_value: "phx_...new".into(),
            last_rolled_at: Some(at(80)),
            ..k
        };
        assert_eq!((rolled, owner.id), (expected, u.id));

        let err = s.roll_key("gone", "x", "y", at(81), &[]).expect_err("missing");
        assert!(matches!(err, OrgsError::NotFound), "{err:?}");
    }
}
