//! Destinations (live vs soft-deleted, all-or-nothing delete) and Slack integrations.

use super::*;

fn live_ids(fx: &Fx, team: i64, alerts: &[Uuid]) -> HashSet<Uuid> {
    fx.s.destinations(team, alerts).expect("destinations").into_iter().map(|d| d.id).collect()
}

fn integration(team: i64, user: Option<i64>, secs: i64) -> NewIntegration {
    NewIntegration {
        team_id: team,
        kind: "slack".into(),
        config: json!({"team": {"id": "T1", "name": "Acme"}}),
        sensitive_config: json!({"access_token": format!("xoxb-{secs}")}),
        created_at: at(secs),
        created_by: user,
    }
}

both_backends! {
    fn destinations_round_trip_per_team(db: TestDb) {
        let fx = fixture(&db);
        let a = create(&fx, &alert(fx.team, 0));
        let b = create(&fx, &alert(fx.team, 1));
        let mut hooks = destination_group(&a, DestinationType::Webhook, 5);
        hooks[0].created_by = Some(fx.user);
        hooks[1].enabled = false;
        let slack = destination_group(&b, DestinationType::Slack, 6);
        fx.s.create_destinations(fx.team, a.id, &hooks, &[audit(fx.team, "dest_created")]).expect("create");
        fx.s.create_destinations(fx.team, b.id, &slack, &[]).expect("create");
        assert_eq!(activity(&db, "dest_created"), 1);

        let of_a = fx.s.destinations(fx.team, &[a.id]).expect("a");
        let mut want = hooks.clone();
        want.sort_by_key(|d| d.id.hyphenated().to_string());
        assert_eq!(of_a, want, "every field, ordered by created_at then id");
        assert_eq!(live_ids(&fx, fx.team, &[a.id, b.id]).len(), 8);
        assert_eq!(fx.s.destinations(fx.team, &[]).expect("none"), vec![]);
        assert_eq!(fx.s.destination(slack[2].id).expect("by id"), Some(slack[2].clone()));
        assert_eq!(fx.s.destination(Uuid::new_v4()).expect("unknown"), None);

        // Another team: not listed, and cannot add to the alert.
        assert!(live_ids(&fx, fx.other, &[a.id, b.id]).is_empty());
        let r = fx.s.create_destinations(fx.other, a.id, &destination_group(&a, DestinationType::Webhook, 7), &[]);
        assert_eq!(r, Err(AlertRepoError::NotFound));
        let r = fx.s.create_destinations(fx.team, Uuid::new_v4(), &hooks, &[]);
        assert_eq!(r, Err(AlertRepoError::NotFound));
        assert_eq!(count(&db, "logs_alert_destinations"), 8);
    }

    fn delete_destinations_is_all_or_nothing(db: TestDb) {
        let fx = fixture(&db);
        let a = create(&fx, &alert(fx.team, 0));
        let b = create(&fx, &alert(fx.team, 1));
        let hooks = destination_group(&a, DestinationType::Webhook, 0);
        let others = destination_group(&b, DestinationType::Webhook, 0);
        fx.s.create_destinations(fx.team, a.id, &hooks, &[]).expect("create");
        fx.s.create_destinations(fx.team, b.id, &others, &[]).expect("create");
        let del = |team: i64, alert: Uuid, ids: &[Uuid]| {
            fx.s.delete_destinations(team, alert, ids, &[audit(team, "dest_deleted")])
        };

        fx.s.delete_destinations(fx.team, a.id, &[hooks[3].id], &[]).expect("delete one");
        let refused: [(&str, i64, Uuid, Vec<Uuid>); 4] = [
            ("another alert's row", fx.team, a.id, vec![hooks[0].id, others[0].id]),
            ("an already deleted row", fx.team, a.id, vec![hooks[0].id, hooks[3].id]),
            ("an unknown id", fx.team, a.id, vec![hooks[0].id, Uuid::new_v4()]),
            ("another team", fx.other, a.id, vec![hooks[0].id]),
        ];
        for (why, team, alert, ids) in refused {
            assert_eq!(del(team, alert, &ids), Err(AlertRepoError::NotOwned), "{why}");
            assert_eq!(live_ids(&fx, fx.team, &[a.id]).len(), 3, "{why}: nothing deleted");
            assert_eq!(live_ids(&fx, fx.team, &[b.id]).len(), 4, "{why}: nothing deleted");
        }
        assert_eq!(activity(&db, "dest_deleted"), 0);

        del(fx.team, a.id, &[hooks[0].id, hooks[1].id, hooks[0].id]).expect("delete two (one repeated)");
        assert_eq!(live_ids(&fx, fx.team, &[a.id]), HashSet::from([hooks[2].id]));
        assert_eq!(activity(&db, "dest_deleted"), 1);
        // Deleted rows stay readable by id (queued deliveries resolve them).
        assert_eq!(fx.s.destination(hooks[0].id).expect("by id"), Some(hooks[0].clone()));
        let id = hooks[0].id;
        assert_eq!(count(&db, &format!("logs_alert_destinations WHERE id = '{id}' AND deleted_at IS NOT NULL")), 1);
    }

    fn integrations_are_per_team(db: TestDb) {
        let fx = fixture(&db);
        let first = fx.s.create_integration(&integration(fx.team, Some(fx.user), 1), &[audit(fx.team, "int")])
            .expect("create");
        let second = fx.s.create_integration(&integration(fx.team, None, 2), &[]).expect("create");
        let foreign = fx.s.create_integration(&integration(fx.other, None, 3), &[]).expect("create");
        assert!(second.id > first.id);
        let want = integration(fx.team, Some(fx.user), 1);
        assert_eq!(first, Integration {
            id: first.id,
            team_id: fx.team,
            kind: want.kind,
            config: want.config,
            sensitive_config: want.sensitive_config,
            created_at: at(1),
            created_by: Some(fx.user),
        });
        assert_eq!(activity(&db, "int"), 1);
        assert_eq!(fx.s.integrations(fx.team).expect("list"), vec![first.clone(), second.clone()]);
        assert_eq!(fx.s.integration(fx.team, second.id).expect("get"), Some(second.clone()));
        assert_eq!(fx.s.integration(fx.team, foreign.id).expect("other team's"), None);
        assert_eq!(fx.s.delete_integration(fx.team, foreign.id, &[]), Err(AlertRepoError::NotFound));
        assert_eq!(fx.s.integrations(fx.other).expect("list"), vec![foreign]);
        fx.s.delete_integration(fx.team, first.id, &[audit(fx.team, "int_deleted")]).expect("delete");
        assert_eq!(fx.s.integrations(fx.team).expect("list"), vec![second]);
        assert_eq!(activity(&db, "int_deleted"), 1);
        assert_eq!(fx.s.delete_integration(fx.team, first.id, &[]), Err(AlertRepoError::NotFound));
    }
}
