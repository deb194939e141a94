//! The scheduler: the due predicate, leases, concurrent claimers, recording checks.

use super::*;

fn claim(fx: &Fx, now: i64, lease: i64, limit: i64) -> Vec<Uuid> {
    fx.s.claim_due_alerts(at(now), at(lease), limit).expect("claim").into_iter().map(|a| a.id).collect()
}

both_backends! {
    fn only_due_unclaimed_alerts_are_claimed_in_schedule_order(db: TestDb) {
        let fx = fixture(&db);
        let mk = |secs: i64, f: &dyn Fn(&mut Alert)| {
            let mut a = alert(fx.team, secs);
            f(&mut a);
            create(&fx, &a)
        };
        let never = mk(0, &|_| {});
        let past = mk(1, &|a| a.next_check_at = Some(at(900)));
        let exactly_now = mk(2, &|a| a.next_check_at = Some(at(1000)));
        let snooze_over = mk(3, &|a| {
            a.state = AlertState::Snoozed;
            a.config.snooze_until = Some(at(500));
            a.next_check_at = Some(at(800));
        });
        let other_team = mk(4, &|a| {
            a.team_id = fx.other;
            a.next_check_at = Some(at(950));
        });
        // Not due:
        let future = mk(5, &|a| a.next_check_at = Some(at(1100)));
        mk(6, &|a| a.config.enabled = false);
        mk(7, &|a| a.state = AlertState::Broken);
        mk(8, &|a| {
            a.state = AlertState::Snoozed;
            a.config.snooze_until = Some(at(2000));
        });

        let first = fx.s.claim_due_alerts(at(1000), at(1060), 2).expect("claim");
        assert_eq!(first, vec![get(&fx, &never), get(&fx, &snooze_over)], "NULL first, then by next_check_at");
        assert_eq!(claim(&fx, 1000, 1060, 100), vec![past.id, other_team.id, exactly_now.id]);
        assert_eq!(claim(&fx, 1000, 1060, 100), Vec::<Uuid>::new(), "all claimed");
        assert_eq!(claim(&fx, 1059, 1200, 100), Vec::<Uuid>::new(), "leases still live");
        // The leases ran out (claimed_until <= now): claimable again.
        let again = claim(&fx, 1060, 1200, 100);
        assert_eq!(again, vec![never.id, snooze_over.id, past.id, other_team.id, exactly_now.id]);
        assert_eq!(claim(&fx, 1000, 1060, 0), Vec::<Uuid>::new(), "limit 0");
        assert_eq!(claim(&fx, 1100, 1200, 100), vec![future.id], "due at its next_check_at");
    }

    fn concurrent_claimers_never_share_an_alert(db: TestDb) {
        let fx = fixture(&db);
        let ids: HashSet<Uuid> = (0..24).map(|i| create(&fx, &alert(fx.team, i)).id).collect();
        let per_thread = race_claimers(&fx, 4, |s| {
            s.claim_due_alerts(at(10), at(70), 2).expect("claim").into_iter().map(|a| a.id).collect()
        });
        let all: Vec<Uuid> = per_thread.concat();
        assert_eq!(all.len(), ids.len(), "each alert claimed exactly once: {per_thread:?}");
        assert_eq!(all.into_iter().collect::<HashSet<_>>(), ids);
    }

    fn record_check_writes_state_event_and_deliveries(db: TestDb) {
        let fx = fixture(&db);
        let a = create(&fx, &alert(fx.team, 0));
        let dests = destination_group(&a, DestinationType::Webhook, 0);
        let slack = destination_group(&a, DestinationType::Slack, 0);
        fx.s.create_destinations(fx.team, a.id, &[dests.clone(), slack.clone()].concat(), &[]).expect("dests");
        assert_eq!(claim(&fx, 100, 160, 10), vec![a.id]);
        let ev = event(EventKind::Check, AlertState::NotFiring, AlertState::Firing, 100, None);
        let w = CheckWrite {
            alert_id: a.id,
            version: a.version,
            state: AlertState::Firing,
            consecutive_failures: 0,
            last_error_message: None,
            last_notified_at: Some(at(100)),
            last_checked_at: at(100),
            next_check_at: at(400),
            event: Some(ev.clone()),
            deliveries: vec![delivery(&dests[0], 100), delivery(&slack[0], 100)],
        };
        assert_eq!(fx.s.record_check(&w), Ok(true));
        let stored = get(&fx, &a);
        assert_eq!(stored, Alert {
            state: AlertState::Firing,
            last_notified_at: Some(at(100)),
            last_checked_at: Some(at(100)),
            next_check_at: Some(at(400)),
            version: a.version + 1,
            ..a.clone()
        }, "user fields untouched, version bumped");
        // An edit based on the version read before the check conflicts.
        assert_eq!(fx.s.update_alert(&a, None, &[]), Err(AlertRepoError::Conflict));
        let events = fx.s.events(fx.team, a.id, None, 10, 0).expect("events");
        assert_eq!(events.results.iter().map(|e| (e.id, e.event.clone())).collect::<Vec<_>>(), vec![(ev.id, ev.event)]);

        let queued = fx.s.deliveries_for_events(&[ev.id]).expect("deliveries");
        assert_eq!(queued.len(), 2);
        // Same created_at: oldest first, then by id.
        let mut expected: Vec<_> = w.deliveries.iter().zip([&dests[0], &slack[0]]).collect();
        expected.sort_by_key(|(d, _)| d.id.hyphenated().to_string());
        for (q, (d, dest)) in queued.iter().zip(expected) {
            assert_eq!(q, &Delivery {
                id: d.id,
                team_id: fx.team,
                alert_id: a.id,
                event_id: ev.id,
                destination_id: dest.id,
                dtype: dest.dtype,
                kind: dest.kind,
                payload: d.payload.clone(),
                status: DeliveryStatus::Pending,
                attempts: 0,
                next_attempt_at: at(100),
                last_error: None,
                delivered_at: None,
                created_at: at(100),
            });
        }
        // The claim is released: due again at next_check_at.
        assert_eq!(claim(&fx, 399, 500, 10), Vec::<Uuid>::new());
        assert_eq!(claim(&fx, 400, 500, 10), vec![a.id]);
    }

    fn record_check_is_discarded_after_an_edit(db: TestDb) {
        let fx = fixture(&db);
        let a = create(&fx, &alert(fx.team, 0));
        let dests = destination_group(&a, DestinationType::Webhook, 0);
        fx.s.create_destinations(fx.team, a.id, &dests, &[]).expect("dests");
        let claimed = fx.s.claim_due_alerts(at(100), at(160), 10).expect("claim");
        assert_eq!(claimed, vec![a.clone()]);
        // The user edits while the check runs.
        let edited = fx.s.update_alert(&Alert { updated_at: at(101), ..a.clone() }, None, &[]).expect("edit");
        assert_eq!(edited.version, 2);
        let mut w = quiet_check(&claimed[0], 100);
        w.state = AlertState::Firing;
        w.event = Some(event(EventKind::Check, AlertState::NotFiring, AlertState::Firing, 100, None));
        w.deliveries = vec![delivery(&dests[0], 100)];
        assert_eq!(fx.s.record_check(&w), Ok(false));
        assert_eq!(get(&fx, &a), edited, "the state is not written");
        assert_eq!(count(&db, "logs_alert_events"), 0);
        assert_eq!(count(&db, "logs_alert_deliveries"), 0);
        assert_eq!(claim(&fx, 100, 160, 10), vec![a.id], "the claim was released");

        // A deleted alert: nothing to write either.
        fx.s.delete_alert(fx.team, a.id, &[]).expect("delete");
        assert_eq!(fx.s.record_check(&quiet_check(&edited, 200)), Ok(false));
        assert_eq!(count(&db, "logs_alert_events"), 0);
    }

    fn a_bad_delivery_rolls_the_whole_check_back(db: TestDb) {
        let fx = fixture(&db);
        let a = create(&fx, &alert(fx.team, 0));
        let b = create(&fx, &alert(fx.team, 1));
        let b_dests = destination_group(&b, DestinationType::Webhook, 0);
        fx.s.create_destinations(fx.team, b.id, &b_dests, &[]).expect("dests");
        let mut w = quiet_check(&a, 100);
        w.state = AlertState::Firing;
        w.event = Some(event(EventKind::Check, AlertState::NotFiring, AlertState::Firing, 100, None));
        w.deliveries = vec![delivery(&b_dests[0], 100)];
        assert!(matches!(fx.s.record_check(&w), Err(AlertRepoError::Storage(_))), "another alert's destination");
        w.deliveries = vec![NewDelivery { destination_id: Uuid::new_v4(), ..delivery(&b_dests[0], 100) }];
        assert!(matches!(fx.s.record_check(&w), Err(AlertRepoError::Storage(_))), "no such destination");
        assert_eq!(get(&fx, &a), a);
        assert_eq!(count(&db, "logs_alert_events"), 0);
        assert_eq!(count(&db, "logs_alert_deliveries"), 0);
    }

    fn record_checks_writes_a_batch_in_one_transaction(db: TestDb) {
        let fx = fixture(&db);
        let a = create(&fx, &alert(fx.team, 0));
        let b = create(&fx, &alert(fx.team, 1));
        let stale = create(&fx, &alert(fx.team, 2));
        fx.s.update_alert(&Alert { updated_at: at(50), ..stale.clone() }, None, &[]).expect("edit");
        let mut wa = quiet_check(&a, 100);
        wa.state = AlertState::Firing;
        wa.event = Some(event(EventKind::Check, AlertState::NotFiring, AlertState::Firing, 100, None));
        let wb = quiet_check(&b, 100);
        let ws = quiet_check(&stale, 100);
        assert_eq!(fx.s.record_checks(&[wa.clone(), wb, ws]), Ok(vec![true, true, false]));
        assert_eq!(get(&fx, &a).state, AlertState::Firing);
        assert_eq!(get(&fx, &b).last_checked_at, Some(at(100)));
        assert_eq!(get(&fx, &stale).last_checked_at, None, "the edited alert's check is discarded");
        assert_eq!(fx.s.record_checks(&[]), Ok(vec![]));

        // One bad write rolls back the whole batch.
        let before = (get(&fx, &a), count(&db, "logs_alert_events"));
        let good = quiet_check(&get(&fx, &a), 200);
        let mut bad = quiet_check(&get(&fx, &b), 200);
        bad.event = Some(event(EventKind::Check, AlertState::NotFiring, AlertState::Firing, 200, None));
        let missing = NewDelivery { id: Uuid::new_v4(), destination_id: Uuid::new_v4(), payload: json!({}), created_at: at(200) };
        bad.deliveries = vec![missing];
        assert!(matches!(fx.s.record_checks(&[good, bad]), Err(AlertRepoError::Storage(_))));
        assert_eq!((get(&fx, &a), count(&db, "logs_alert_events")), before);
    }

    fn release_claim_makes_the_alert_claimable(db: TestDb) {
        let fx = fixture(&db);
        let a = create(&fx, &alert(fx.team, 0));
        assert_eq!(claim(&fx, 100, 160, 10), vec![a.id]);
        assert_eq!(claim(&fx, 100, 160, 10), Vec::<Uuid>::new());
        fx.s.release_claim(a.id).expect("release");
        assert_eq!(claim(&fx, 100, 160, 10), vec![a.id]);
        assert_eq!(get(&fx, &a), a, "a claim changes no visible field");
        fx.s.release_claim(Uuid::new_v4()).expect("releasing an unknown alert is a no-op");
    }
}
