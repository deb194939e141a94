//! `ProjectRepo`.

use super::*;

both_backends! {
    fn project_create_and_get(db: TestDb) {
        let s = store(&db);
        let owner = user(&s, "owner@example.com");
        let (org, first) = org_owned_by(&s, owner.id, "acme", 0);
        let np = new_project(org.id, "Backend logs", 8);
        let p = s.create_project(np.clone(), &|_| vec![]).expect("create");
        assert!(p.id.0 > first.id.0);
        let expected = Project {
            id: p.id,
            uuid: np.uuid,
            organization_id: org.id,
            name: "Backend logs".into(),
            api_token: np.api_token.clone(),
            timezone: "Europe/Berlin".into(),
            retention_days: 30,
            created_at: at(8),
            updated_at: at(8),
        };
        assert_eq!(p, expected);
        assert_eq!(s.project(p.id).expect("get"), Some(expected.clone()));
        assert_eq!(s.project_by_token(&np.api_token).expect("by token"), Some(expected));
        assert_eq!(s.project(ProjectId(p.id.0 + 1000)).expect("missing"), None);
        assert_eq!(s.project_by_token("phc_nope").expect("missing"), None);
    }

    fn project_list_pages_in_id_order(db: TestDb) {
        let s = store(&db);
        let owner = user(&s, "owner@example.com");
        let (org, first) = org_owned_by(&s, owner.id, "acme", 0);
        let (other, _) = org_owned_by(&s, owner.id, "other", 0);
        let mut ids = vec![first.id];
        for i in 1..4 {
            ids.push(s.create_project(new_project(org.id, &format!("P{i}"), i), &|_| vec![]).expect("create").id);
            s.create_project(new_project(other.id, "elsewhere", i), &|_| vec![]).expect("create");
        }

        let everything = s.projects_in(org.id, all()).expect("all");
        assert_eq!(everything.count, 4);
        assert_eq!(everything.items.iter().map(|p| p.id).collect::<Vec<_>>(), ids);
        assert!(everything.items.iter().all(|p| p.organization_id == org.id));

        let middle = s.projects_in(org.id, page(2, 1)).expect("page");
        assert_eq!(middle.count, 4);
        assert_eq!(middle.items.iter().map(|p| p.id).collect::<Vec<_>>(), ids[1..3].to_vec());
        assert_eq!(middle.items[0].name, "P1");

        let beyond = s.projects_in(org.id, page(10, 4)).expect("beyond");
        assert_eq!((beyond.items.len(), beyond.count), (0, 4));
        let none = s.projects_in(OrgId(Uuid::new_v4()), all()).expect("unknown org");
        assert_eq!((none.items.len(), none.count), (0, 0));
    }

    fn project_update_writes_the_editable_fields(db: TestDb) {
        let s = store(&db);
        let owner = user(&s, "owner@example.com");
        let (_, p) = org_owned_by(&s, owner.id, "acme", 0);
        let edited = Project {
            name: "Renamed".into(),
            timezone: "America/Argentina/Salta".into(),
            retention_days: 90,
            api_token: "phc_rotated".into(),
            updated_at: at(77),
            // Not editable: these must stay as stored.
            created_at: at(999),
            uuid: Uuid::new_v4(),
            ..p.clone()
        };
        let stored = s.update_project(&edited, &[]).expect("update");
        let expected = Project {
            name: "Renamed".into(),
            timezone: "America/Argentina/Salta".into(),
            retention_days: 90,
            api_token: "phc_rotated".into(),
            updated_at: at(77),
            ..p.clone()
        };
        assert_eq!(stored, expected);
        assert_eq!(s.project(p.id).expect("get"), Some(expected.clone()));
        assert_eq!(s.project_by_token(&p.api_token).expect("old token"), None);
        assert_eq!(s.project_by_token("phc_rotated").expect("new token"), Some(expected));

        let missing = Project { id: ProjectId(p.id.0 + 1000), ..p };
        let err = s.update_project(&missing, &[]).expect_err("missing");
        assert!(matches!(err, OrgsError::NotFound), "{err:?}");
    }

    fn project_delete(db: TestDb) {
        let s = store(&db);
        let owner = user(&s, "owner@example.com");
        let (org, first) = org_owned_by(&s, owner.id, "acme", 0);
        let second = s.create_project(new_project(org.id, "Second", 1), &|_| vec![]).expect("create");
        s.set_current(owner.id, Some(org.id), Some(second.id)).expect("current");

        s.delete_project(second.id, &[]).expect("delete");
        assert_eq!(s.project(second.id).expect("get"), None);
        assert_eq!(s.project(first.id).expect("get"), Some(first.clone()));
        assert_eq!(s.projects_in(org.id, all()).expect("list").count, 1);
        let owner = s.user(owner.id).expect("user").expect("exists");
        assert_eq!(owner.current_organization_id, Some(org.id));
        assert_eq!(owner.current_project_id, None, "no dangling pointer");

        let err = s.delete_project(second.id, &[]).expect_err("again");
        assert!(matches!(err, OrgsError::NotFound), "{err:?}");
    }

    fn project_retention_policies_list_every_project(db: TestDb) {
        let s = store(&db);
        let owner = user(&s, "owner@example.com");
        let (_, first) = org_owned_by(&s, owner.id, "acme", 0);
        let (other, second) = org_owned_by(&s, owner.id, "other", 1);
        let third = s.create_project(new_project(other.id, "Third", 2), &|_| vec![]).expect("create");
        s.update_project(&Project { retention_days: 7, ..third.clone() }, &[]).expect("update");
        assert_eq!(
            s.retention_policies().expect("policies"),
            vec![(first.id, 30), (second.id, 30), (third.id, 7)]
        );
        s.delete_project(second.id, &[]).expect("delete");
        assert_eq!(s.retention_policies().expect("policies"), vec![(first.id, 30), (third.id, 7)]);
    }
}
