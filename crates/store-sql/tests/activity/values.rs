//! `static_values` and `org_details`.

use super::*;

both_backends! {
    fn static_values_of_a_base_set(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let zed = user(&s, "zed@example.com", "Zed", "Zulu");
        let amy = user(&s, "amy@example.com", "Amy", "Alpha");
        let noname = user(&s, "b-noname@example.com", "", "");
        let hidden_only = user(&s, "hidden@example.com", "Hidden", "Only");
        let other_team = user(&s, "other@example.com", "Other", "Team");
        let e = |i: &str, u: Option<&User>, scope: &str, activity: &str, client: Option<&str>| ActivityEntry {
            user_id: u.map(|u| u.id.0),
            scope: scope.into(),
            activity: activity.into(),
            client: client.map(Into::into),
            ..entry(org, i, 0)
        };
        s.insert(&[
            e("1", Some(&zed), "Insight", "updated", Some("web")),
            e("2", Some(&amy), "Dashboard", "created", Some("api_key")),
            e("3", Some(&zed), "Insight", "deleted", None),
            e("4", Some(&noname), "Insight", "updated", Some("web")),
            e("5", None, "Project", "updated", Some("system")),
            e("6", Some(&hidden_only), "User", "updated", Some("cli")),
            ActivityEntry { team_id: Some(T2), ..e("7", Some(&other_team), "Cohort", "exported", Some("cli")) },
            ActivityEntry { team_id: None, ..e("8", Some(&amy), "Organization", "changed", Some("web")) },
        ])
        .expect("insert");

        let v = s.static_values(&team(org)).expect("static values");
        let labels: Vec<String> = v.users.iter().map(|u| u.label()).collect();
        assert_eq!(labels, strs(&["Amy Alpha", "b-noname@example.com", "Zed Zulu"]), "sorted by label");
        assert_eq!(v.users[0].uuid, amy.uuid);
        assert_eq!(v.scopes, strs(&["Dashboard", "Insight", "Project"]));
        assert_eq!(v.activities, strs(&["created", "deleted", "updated"]));
        assert_eq!(v.clients, strs(&["api_key", "system", "web"]));

        let v = s.static_values(&team_and_org(org)).expect("static values");
        assert_eq!(v.scopes, strs(&["Dashboard", "Insight", "Organization", "Project"]));
        assert_eq!(v.activities, strs(&["changed", "created", "deleted", "updated"]));

        let v = s.static_values(&Base::Organization(org)).expect("static values");
        assert_eq!(v.users.iter().map(|u| u.email.as_str()).collect::<Vec<_>>(),
            ["amy@example.com", "b-noname@example.com", "other@example.com", "zed@example.com"]);
        assert_eq!(v.scopes, strs(&["Cohort", "Dashboard", "Insight", "Organization", "Project"]));
        assert_eq!(v.clients, strs(&["api_key", "cli", "system", "web"]), "cli only from the visible Cohort row");

        assert_eq!(s.static_values(&Base::Organization(Uuid::new_v4())).expect("empty"), Default::default());
    }

    fn org_details_are_the_newest_rows_with_a_detail(db: TestDb) {
        let s = store(&db);
        let (org, other) = (Uuid::new_v4(), Uuid::new_v4());
        let d = |i: &str, secs, scope: &str, detail: Option<Value>| ActivityEntry {
            scope: scope.into(),
            detail,
            ..entry(org, i, secs)
        };
        s.insert(&[
            d("old", 0, "Insight", Some(json!({"name": "old"}))),
            d("none", 5, "Insight", None),
            d("org-level", 6, "Organization", Some(json!({"name": "org"}))),
            d("hidden", 7, "User", Some(json!({"name": "hidden"}))),
            ActivityEntry { team_id: Some(T2), ..d("t2", 8, "Dashboard", Some(json!({"name": "t2"}))) },
            ActivityEntry { organization_id: Some(other), ..d("other", 9, "Dashboard", Some(json!({"name": "x"}))) },
        ])
        .expect("insert");
        let all = s.org_details(org, 10).expect("details");
        assert_eq!(all, vec![
            ("Dashboard".to_string(), json!({"name": "t2"})),
            ("Organization".to_string(), json!({"name": "org"})),
            ("Insight".to_string(), json!({"name": "old"})),
        ]);
        assert_eq!(s.org_details(org, 2).expect("details"), all[..2].to_vec());
        assert!(s.org_details(org, 0).expect("details").is_empty());
    }
}
