//! Insert, order, base sets, visibility, round trip.

use super::*;

both_backends! {
    fn entries_round_trip_with_their_user(db: TestDb) {
        let s = store(&db);
        let ada = user(&s, "ada@example.com", "Ada", "Lovelace");
        let org = Uuid::new_v4();
        let detail = json!({"name": "Sales", "changes": [{"type": "Dashboard", "action": "changed",
            "field": "name", "before": "A", "after": "Zürich ✓"}], "context": {"n": 1.5}});
        let e = ActivityEntry {
            user_id: Some(ada.id.0),
            detail: Some(detail.clone()),
            client: Some("api_key".into()),
            is_system: true,
            was_impersonated: true,
            ..entry(org, "42", 0)
        };
        let bare = ActivityEntry {
            team_id: None,
            item_id: None,
            client: None,
            organization_id: None,
            ..entry(org, "", 1)
        };
        s.insert(&[e.clone(), bare.clone()]).expect("insert");
        s.insert(&[]).expect("nothing to insert");

        let (rows, count) = s.page(&Base::Organization(org), &no_filter(), Order::OldestFirst, 1, 10).expect("page");
        assert_eq!((rows.len(), count), (1, 1), "a row without organization belongs to no base set");
        assert_eq!(rows[0].entry, e);
        let u = rows[0].user.as_ref().expect("user joined");
        assert_eq!((u.id, u.uuid, u.email.as_str()), (ada.id.0, ada.uuid, "ada@example.com"));
        assert_eq!((u.first_name.as_str(), u.last_name.as_str()), ("Ada", "Lovelace"));
    }

    fn list_is_newest_first_with_id_tie_break(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        // Same instant, ids out of insertion order: the larger id comes first.
        let low = ActivityEntry { id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001), ..entry(org, "tie-low", 5) };
        let high = ActivityEntry { id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0002), ..entry(org, "tie-high", 5) };
        s.insert(&[entry(org, "t0", 0), high, entry(org, "t9", 9), low, entry(org, "t3", 3)]).expect("insert");

        let newest = ["t9", "tie-high", "tie-low", "t3", "t0"];
        assert_eq!(labels(&s, &team(org), &no_filter()), strs(&newest));
        let (rows, _) = s.page(&team(org), &no_filter(), Order::OldestFirst, 1, 100).expect("page");
        let mut oldest = newest.to_vec();
        oldest.reverse();
        assert_eq!(items(&rows), strs(&oldest));
        assert_eq!(items(&walk(&s, &team(org), &no_filter(), Order::OldestFirst, 2)), strs(&oldest));
    }

    fn base_sets_team_org_and_org_level(db: TestDb) {
        let s = store(&db);
        let (org, other) = (Uuid::new_v4(), Uuid::new_v4());
        s.insert(&[
            entry(org, "t1-a", 0),
            ActivityEntry { team_id: None, ..entry(org, "org-a", 1) },
            ActivityEntry { team_id: Some(T2), ..entry(org, "t2-a", 2) },
            entry(org, "t1-b", 3),
            ActivityEntry { team_id: None, ..entry(org, "org-b", 4) },
            ActivityEntry { team_id: Some(T2), ..entry(org, "t2-b", 5) },
            // Another organization, even with the same team id and org-level rows.
            ActivityEntry { organization_id: Some(other), ..entry(org, "x-t1", 6) },
            ActivityEntry { organization_id: Some(other), team_id: None, ..entry(org, "x-org", 7) },
        ])
        .expect("insert");

        assert_eq!(labels(&s, &Base::Team { team_id: T1, organization_id: org, include_org_level: false },
            &no_filter()), strs(&["x-t1", "t1-b", "t1-a"]), "team_id = X, whatever the organization");
        assert_eq!(labels(&s, &team_and_org(org), &no_filter()),
            strs(&["x-t1", "org-b", "t1-b", "org-a", "t1-a"]));
        assert_eq!(labels(&s, &Base::Organization(org), &no_filter()),
            strs(&["t2-b", "org-b", "t1-b", "t2-a", "org-a", "t1-a"]));
        assert_eq!(labels(&s, &Base::Organization(other), &no_filter()), strs(&["x-org", "x-t1"]));
        assert!(labels(&s, &Base::Organization(Uuid::new_v4()), &no_filter()).is_empty());
    }

    fn merged_base_set_pages_and_walks_in_order(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        // Project and org-level rows interleaved irregularly, with equal timestamps across
        // the two segments.
        let mut entries = Vec::new();
        for i in 0..60 {
            let e = entry(org, &format!("r{i:02}"), i / 3);
            entries.push(if i % 3 == 1 || i % 7 == 0 { ActivityEntry { team_id: None, ..e } } else { e });
        }
        s.insert(&entries).expect("insert");
        let base = team_and_org(org);
        let all = labels(&s, &base, &no_filter());
        assert_eq!(all.len(), 60);
        let mut expected: Vec<&ActivityEntry> = entries.iter().collect();
        expected.sort_by_key(|e| std::cmp::Reverse((e.created_at, e.id)));
        let expected: Vec<String> = expected.iter().map(|e| e.item_id.clone().unwrap_or_default()).collect();
        assert_eq!(all, expected);

        for order in [Order::NewestFirst, Order::OldestFirst] {
            let (full, _) = s.page(&base, &no_filter(), order, 1, 1000).expect("page");
            let mut paged = Vec::new();
            for p in 1..=7 {
                let (rows, count) = s.page(&base, &no_filter(), order, p, 9).expect("page");
                assert_eq!(count, 60);
                paged.extend(items(&rows));
            }
            assert_eq!(paged, items(&full), "{order:?}: pages concatenate to the list");
            assert_eq!(items(&walk(&s, &base, &no_filter(), order, 7)), items(&full), "{order:?}");
        }
    }

    fn visibility_rules_hide_rows(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let mut entries = Vec::new();
        let mut secs = 0;
        for (scope, activities) in activity_log::filter::HIDDEN {
            for activity in *activities {
                secs += 1;
                entries.push(ActivityEntry {
                    scope: scope.to_string(),
                    activity: activity.to_string(),
                    ..entry(org, &format!("hidden {scope} {activity}"), secs)
                });
            }
        }
        let login = |activity: &str, impersonated: bool, secs: i64| ActivityEntry {
            scope: "User".into(),
            activity: activity.into(),
            was_impersonated: impersonated,
            ..entry(org, &format!("{activity} impersonated={impersonated}"), secs)
        };
        entries.push(login("logged_in", true, 100));
        entries.push(login("logged_out", true, 101));
        entries.push(login("logged_in", false, 102));
        entries.push(login("logged_out", false, 103));
        // Same activity names under other scopes stay visible.
        entries.push(ActivityEntry { scope: "Insight".into(), activity: "created".into(), ..entry(org, "insight created", 104) });
        entries.push(ActivityEntry { scope: "Team".into(), activity: "updated".into(), ..entry(org, "team updated", 105) });
        for e in &entries {
            let label = e.item_id.clone().unwrap_or_default();
            let hidden = label.starts_with("hidden") || label.ends_with("impersonated=true");
            assert_eq!(activity_log::filter::is_hidden(&e.scope, &e.activity, e.was_impersonated), hidden, "{label}");
        }
        s.insert(&entries).expect("insert");
        let visible = strs(&["team updated", "insight created", "logged_out impersonated=false",
            "logged_in impersonated=false"]);
        for base in [team(org), team_and_org(org), Base::Organization(org)] {
            assert_eq!(labels(&s, &base, &no_filter()), visible);
        }
        // A filter asking for hidden rows explicitly still gets none.
        let f = ActivityFilter { scopes: strs(&["User"]), ..no_filter() };
        assert_eq!(labels(&s, &team(org), &f), strs(&["logged_out impersonated=false", "logged_in impersonated=false"]));
    }

    fn entries_outlive_their_objects_and_users(db: TestDb) {
        let s = store(&db);
        let bob = user(&s, "bob@example.com", "Bob", "Brown");
        // No foreign key to organizations or projects: any ids are accepted and kept.
        let org = Uuid::new_v4();
        s.insert(&[ActivityEntry { user_id: Some(bob.id.0), team_id: Some(987_654), ..entry(org, "a", 0) }])
            .expect("insert for an organization and a project that do not exist");
        // Deleting the user keeps the entry, without its user.
        with_conn(&db, |c| {
            use diesel::prelude::*;
            use store_sql::schema::users;
            diesel::delete(users::table.find(bob.id.0)).execute(c)
        });
        let (rows, _) = s.page(&Base::Organization(org), &no_filter(), Order::NewestFirst, 1, 10).expect("page");
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].entry.user_id, &rows[0].user), (None, &None));
    }

    fn inserting_many_entries_at_once(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let entries: Vec<_> = (0..2345).map(|i| entry(org, &format!("{i}"), i)).collect();
        s.insert(&entries).expect("insert more than one statement's worth");
        let (_, count) = s.page(&team(org), &no_filter(), Order::NewestFirst, 1, 1).expect("page");
        assert_eq!(count, 2345);
        // One transaction: a failing entry (unknown user) leaves none of the batch behind.
        let mut bad: Vec<_> = (0..1500).map(|i| entry(org, &format!("bad{i}"), i)).collect();
        bad[1400].user_id = Some(999_999);
        s.insert(&bad).expect_err("foreign key violation");
        let (_, count) = s.page(&team(org), &no_filter(), Order::NewestFirst, 1, 1).expect("page");
        assert_eq!(count, 2345);
    }

    fn corrupt_detail_is_a_storage_error(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        s.insert(&[entry(org, "a", 0)]).expect("insert");
        with_conn(&db, |c| {
            use diesel::prelude::*;
            use store_sql::schema::activity_log;
            diesel::update(activity_log::table).set(activity_log::detail.eq(Some("{not json"))).execute(c)
        });
        let err = s.page(&team(org), &no_filter(), Order::NewestFirst, 1, 10).expect_err("corrupt");
        assert!(matches!(err, ActivityError::Storage(_)), "{err:?}");
        let err = s.org_details(org, 10).expect_err("corrupt");
        assert!(matches!(err, ActivityError::Storage(_)), "{err:?}");
    }
}
