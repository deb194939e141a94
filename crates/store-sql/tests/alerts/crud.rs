//! Alerts: create under the limit, read, list, optimistic update, delete, tenant isolation.

use super::*;

both_backends! {
    fn every_field_round_trips(db: TestDb) {
        let fx = fixture(&db);
        let mut a = alert(fx.team, 5);
        a.config = AlertConfig {
            name: "Errors in api".into(),
            enabled: true,
            filters: AlertFilters {
                severity_levels: vec!["error".into(), "fatal".into()],
                service_names: vec!["api".into()],
                filter_group: Some(json!({"type": "AND", "values": [{"type": "AND", "values": [{"key": "k"}]}]})),
            },
            threshold_count: 0,
            threshold_operator: ThresholdOperator::Below,
            window_minutes: 15,
            evaluation_periods: 4,
            datapoints_to_alarm: 3,
            cooldown_minutes: 30,
            snooze_until: Some(at(7200)),
        };
        a.schedule_restriction = Some(ScheduleRestriction {
            blocked_windows: vec![BlockedWindow { start: "22:00".into(), end: "06:30".into() }],
        });
        a.state = AlertState::Snoozed;
        a.next_check_at = Some(at(300));
        a.last_checked_at = Some(at(1));
        a.last_notified_at = Some(at(2));
        a.consecutive_failures = 3;
        a.last_error_message = Some("Query is too expensive.".into());
        a.created_by = Some(fx.user);
        a.updated_at = at(9);
        let stored = fx.s.create_alert(&a, 20, &[audit(fx.team, "created")]).expect("create");
        assert_eq!(stored, a);
        assert_eq!(get(&fx, &a), a);
        assert_eq!(activity(&db, "created"), 1, "the audit row is written with the alert");

        let draft = Alert { first_enabled_at: None, ..alert(fx.team, 6) };
        assert_eq!(create(&fx, &draft), draft, "NULLs round-trip");
    }

    fn limit_is_enforced_per_team(db: TestDb) {
        let fx = fixture(&db);
        for i in 0..3 {
            fx.s.create_alert(&alert(fx.team, i), 3, &[audit(fx.team, "created")]).expect("under the limit");
        }
        let over = fx.s.create_alert(&alert(fx.team, 9), 3, &[audit(fx.team, "created")]);
        assert_eq!(over, Err(AlertRepoError::LimitReached(3)));
        assert_eq!(count(&db, "logs_alerts"), 3);
        assert_eq!(activity(&db, "created"), 3, "no audit row for the refused alert");
        // The other team has its own budget.
        fx.s.create_alert(&alert(fx.other, 9), 3, &[]).expect("other team");
        // A team that does not exist.
        assert_eq!(fx.s.create_alert(&alert(fx.other + 1000, 0), 3, &[]), Err(AlertRepoError::NotFound));
    }

    fn concurrent_creates_never_exceed_the_limit(db: TestDb) {
        let fx = fixture(&db);
        let (threads, max) = (6, 3);
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let (s, barrier, team) = (Arc::clone(&fx.s), Arc::clone(&barrier), fx.team);
                std::thread::spawn(move || {
                    barrier.wait();
                    s.create_alert(&alert(team, i as i64), max, &[])
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().expect("creator thread")).collect();
        let ok = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, max, "{results:?}");
        assert!(results.iter().all(|r| r.is_ok() || *r == Err(AlertRepoError::LimitReached(max))), "{results:?}");
        assert_eq!(count(&db, "logs_alerts"), max as i64);
    }

    fn list_is_newest_first_paged_and_per_team(db: TestDb) {
        let fx = fixture(&db);
        let mine: Vec<Alert> = (0..5)
            .map(|i| {
                let created_by = (i % 2 == 0).then_some(fx.user);
                create(&fx, &Alert { created_by, ..alert(fx.team, i * 10) })
            })
            .collect();
        create(&fx, &alert(fx.other, 100));
        let all = fx.s.list_alerts(fx.team, None, 100, 0).expect("list");
        assert_eq!(all.count, 5);
        let newest_first: Vec<Alert> = mine.iter().rev().cloned().collect();
        assert_eq!(all.results, newest_first);

        let page = fx.s.list_alerts(fx.team, None, 2, 1).expect("page");
        assert_eq!(page, Page { count: 5, results: newest_first[1..3].to_vec() });
        assert_eq!(fx.s.list_alerts(fx.team, None, 2, 10).expect("past the end").results, vec![]);

        let by_user = fx.s.list_alerts(fx.team, Some(fx.user), 100, 0).expect("by creator");
        assert_eq!(by_user.count, 3);
        assert!(by_user.results.iter().all(|a| a.created_by == Some(fx.user)));
        assert_eq!(fx.s.list_alerts(fx.other, None, 100, 0).expect("other").count, 1);
    }

    fn update_is_optimistic(db: TestDb) {
        let fx = fixture(&db);
        let a = create(&fx, &alert(fx.team, 0));
        let mut edit = a.clone();
        edit.config.name = "renamed".into();
        edit.config.enabled = false;
        edit.config.snooze_until = None;
        edit.schedule_restriction = Some(ScheduleRestriction::default());
        edit.next_check_at = Some(at(600));
        edit.updated_at = at(50);
        let ev = event(EventKind::Disable, AlertState::NotFiring, AlertState::NotFiring, 50, None);
        let saved = fx.s.update_alert(&edit, Some(&ev), &[audit(fx.team, "updated")]).expect("update");
        assert_eq!(saved, Alert { version: 2, ..edit.clone() });
        assert_eq!(get(&fx, &a), saved);
        let events = fx.s.events(fx.team, a.id, None, 10, 0).expect("events");
        assert_eq!(events.results.iter().map(|e| e.id).collect::<Vec<_>>(), vec![ev.id]);
        assert_eq!(activity(&db, "updated"), 1);

        // A writer that read version 1 lost the race: nothing of its write is stored.
        let mut stale = a.clone();
        stale.config.name = "stale".into();
        let ev2 = event(EventKind::Enable, AlertState::NotFiring, AlertState::NotFiring, 60, None);
        let r = fx.s.update_alert(&stale, Some(&ev2), &[audit(fx.team, "updated")]);
        assert_eq!(r, Err(AlertRepoError::Conflict));
        assert_eq!(get(&fx, &a), saved);
        assert_eq!(count(&db, "logs_alert_events"), 1);
        assert_eq!(activity(&db, "updated"), 1);

        // Another team, or no such alert.
        let foreign = Alert { team_id: fx.other, ..saved.clone() };
        assert_eq!(fx.s.update_alert(&foreign, None, &[]), Err(AlertRepoError::NotFound));
        let missing = Alert { id: Uuid::new_v4(), ..saved.clone() };
        assert_eq!(fx.s.update_alert(&missing, None, &[]), Err(AlertRepoError::NotFound));
        assert_eq!(get(&fx, &a), saved);
    }

    fn other_teams_cannot_see_or_delete(db: TestDb) {
        let fx = fixture(&db);
        let a = create(&fx, &alert(fx.team, 0));
        assert_eq!(fx.s.alert(fx.other, a.id).expect("get"), None);
        assert_eq!(fx.s.list_alerts(fx.other, None, 100, 0).expect("list").count, 0);
        assert_eq!(fx.s.delete_alert(fx.other, a.id, &[audit(fx.other, "deleted")]), Err(AlertRepoError::NotFound));
        assert_eq!(get(&fx, &a), a);
        assert_eq!(activity(&db, "deleted"), 0);
    }

    fn delete_cascades(db: TestDb) {
        let fx = fixture(&db);
        let a = create(&fx, &alert(fx.team, 0));
        let keep = create(&fx, &alert(fx.team, 1));
        for x in [&a, &keep] {
            let dests = destination_group(x, DestinationType::Webhook, 0);
            fx.s.create_destinations(fx.team, x.id, &dests, &[]).expect("destinations");
            let mut w = quiet_check(x, 10);
            w.state = AlertState::Firing;
            w.event = Some(event(EventKind::Check, AlertState::NotFiring, AlertState::Firing, 10, None));
            w.deliveries = vec![delivery(&dests[0], 10)];
            assert_eq!(fx.s.record_check(&w), Ok(true));
        }
        fx.s.delete_alert(fx.team, a.id, &[audit(fx.team, "deleted")]).expect("delete");
        assert_eq!(fx.s.alert(fx.team, a.id).expect("get"), None);
        let id = a.id;
        for table in ["logs_alert_events", "logs_alert_destinations", "logs_alert_deliveries"] {
            assert_eq!(count(&db, &format!("{table} WHERE alert_id = '{id}'")), 0, "{table}");
        }
        let kept = keep.id;
        assert_eq!(count(&db, &format!("logs_alert_events WHERE alert_id = '{kept}'")), 1);
        assert_eq!(count(&db, &format!("logs_alert_destinations WHERE alert_id = '{kept}'")), 4);
        assert_eq!(count(&db, &format!("logs_alert_deliveries WHERE alert_id = '{kept}'")), 1);
        assert_eq!(activity(&db, "deleted"), 1);
        assert_eq!(fx.s.delete_alert(fx.team, a.id, &[]), Err(AlertRepoError::NotFound));
    }

    fn deleting_a_project_removes_its_alerts_and_integrations(db: TestDb) {
        let fx = fixture(&db);
        let a = create(&fx, &alert(fx.team, 0));
        let keep = create(&fx, &alert(fx.other, 0));
        fx.s.create_destinations(fx.team, a.id, &destination_group(&a, DestinationType::Slack, 0), &[])
            .expect("destinations");
        let w = CheckWrite { state: AlertState::Errored, ..quiet_check(&a, 5) };
        assert_eq!(fx.s.record_check(&w), Ok(true));
        let slack = NewIntegration {
            team_id: fx.team,
            kind: "slack".into(),
            config: json!({}),
            sensitive_config: json!({"access_token": "xoxb"}),
            created_at: at(0),
            created_by: Some(fx.user),
        };
        fx.s.create_integration(&slack, &[]).expect("integration");
        orgs::ProjectRepo::delete_project(&*fx.s, orgs::ProjectId(fx.team), &[]).expect("delete project");
        assert_eq!(fx.s.alert(fx.team, a.id).expect("get"), None);
        for table in ["logs_alert_events", "logs_alert_destinations"] {
            assert_eq!(count(&db, &format!("{table} WHERE team_id = {}", fx.team)), 0, "{table}");
        }
        assert_eq!(fx.s.integrations(fx.team).expect("integrations"), vec![]);
        assert_eq!(get(&fx, &keep), keep);
    }

    fn corrupt_rows_are_storage_errors(db: TestDb) {
        let fx = fixture(&db);
        let a = create(&fx, &alert(fx.team, 0));
        exec(&db, &format!("UPDATE logs_alerts SET state = 'on_fire' WHERE id = '{}'", a.id));
        assert!(matches!(fx.s.alert(fx.team, a.id), Err(AlertRepoError::Storage(_))));
        assert!(matches!(fx.s.list_alerts(fx.team, None, 10, 0), Err(AlertRepoError::Storage(_))));
        exec(&db, &format!("UPDATE logs_alerts SET state = 'firing', filters = '[' WHERE id = '{}'", a.id));
        assert!(matches!(fx.s.alert(fx.team, a.id), Err(AlertRepoError::Storage(_))));
        exec(&db, &format!("UPDATE logs_alerts SET filters = '{{}}', consecutive_failures = -1 WHERE id = '{}'", a.id));
        assert!(matches!(fx.s.alert(fx.team, a.id), Err(AlertRepoError::Storage(_))));
    }
}
