//! Events: the visibility filter, kinds and paging, the timeline input, retention and
//! quiet-check pruning.

use super::*;

/// Writes `events` through control-plane updates (which accept any event row).
fn write_events(fx: &Fx, a: &Alert, events: &[NewEvent]) -> Alert {
    let mut cur = a.clone();
    for e in events {
        cur = fx.s.update_alert(&cur, Some(e), &[]).expect("update with event");
    }
    cur
}

fn ids(page: &[alerts_engine::repo::StoredEvent]) -> Vec<Uuid> {
    page.iter().map(|e| e.id).collect()
}

both_backends! {
    fn events_hide_quiet_checks_newest_first(db: TestDb) {
        let fx = fixture(&db);
        let a = create(&fx, &alert(fx.team, 0));
        use AlertState::{Errored, Firing, NotFiring};
        let quiet = event(EventKind::Check, NotFiring, NotFiring, 10, None);
        let fired = event(EventKind::Check, NotFiring, Firing, 20, None);
        let errored_quiet = event(EventKind::Check, Errored, Errored, 30, Some("busy"));
        let enable = event(EventKind::Enable, NotFiring, NotFiring, 40, None);
        let quiet2 = event(EventKind::Check, Firing, Firing, 50, None);
        let reset = event(EventKind::Reset, NotFiring, NotFiring, 60, None);
        write_events(&fx, &a, &[quiet.clone(), fired.clone(), errored_quiet.clone(), enable.clone(), quiet2, reset.clone()]);

        let all = fx.s.events(fx.team, a.id, None, 100, 0).expect("events");
        assert_eq!(all.count, 4);
        assert_eq!(ids(&all.results), vec![reset.id, enable.id, errored_quiet.id, fired.id]);
        // The stored row is the written one.
        let stored = &all.results[3];
        assert_eq!((stored.alert_id, stored.created_at, &stored.event), (a.id, fired.created_at, &fired.event));
        assert_eq!((stored.query_duration_ms, &stored.inputs), (Some(12), &fired.inputs));

        let page = fx.s.events(fx.team, a.id, None, 2, 1).expect("page");
        assert_eq!((page.count, ids(&page.results)), (4, vec![enable.id, errored_quiet.id]));

        let checks = fx.s.events(fx.team, a.id, Some(EventKind::Check), 100, 0).expect("checks");
        assert_eq!((checks.count, ids(&checks.results)), (2, vec![errored_quiet.id, fired.id]));
        let snoozes = fx.s.events(fx.team, a.id, Some(EventKind::Snooze), 100, 0).expect("snoozes");
        assert_eq!(snoozes, Page { count: 0, results: vec![] });

        // Another team sees nothing of it.
        assert_eq!(fx.s.events(fx.other, a.id, None, 100, 0).expect("other team").count, 0);
    }

    fn events_at_the_same_instant_order_by_id(db: TestDb) {
        let fx = fixture(&db);
        let a = create(&fx, &alert(fx.team, 0));
        let mut same: Vec<NewEvent> = (0..3)
            .map(|_| event(EventKind::Snooze, AlertState::NotFiring, AlertState::Snoozed, 5, None))
            .collect();
        write_events(&fx, &a, &same);
        same.sort_by_key(|e| std::cmp::Reverse(e.id.hyphenated().to_string()));
        let got = fx.s.events(fx.team, a.id, None, 100, 0).expect("events");
        assert_eq!(ids(&got.results), same.iter().map(|e| e.id).collect::<Vec<_>>());
    }

    fn timeline_events_and_the_last_toggle_before(db: TestDb) {
        let fx = fixture(&db);
        let a = create(&fx, &alert(fx.team, 0));
        use AlertState::{Firing, NotFiring};
        assert_eq!(fx.s.timeline_events(a.id, at(0)).expect("empty"), (None, vec![]));
        let disable = event(EventKind::Disable, NotFiring, NotFiring, 10, None);
        let enable = event(EventKind::Enable, NotFiring, NotFiring, 20, None);
        let quiet = event(EventKind::Check, NotFiring, NotFiring, 30, None);
        let fired = event(EventKind::Check, NotFiring, Firing, 40, None);
        let disable2 = event(EventKind::Disable, Firing, NotFiring, 50, None);
        write_events(&fx, &a, &[disable, enable, quiet.clone(), fired.clone(), disable2.clone()]);

        let (before, events) = fx.s.timeline_events(a.id, at(30)).expect("timeline");
        assert_eq!(before, Some(EventKind::Enable), "the latest toggle strictly before `from`");
        assert_eq!(ids(&events), vec![quiet.id, fired.id, disable2.id], "oldest first, quiet checks included");
        let (before, events) = fx.s.timeline_events(a.id, at(15)).expect("timeline");
        assert_eq!((before, events.len()), (Some(EventKind::Disable), 4));
        let (before, events) = fx.s.timeline_events(a.id, at(51)).expect("timeline");
        assert_eq!((before, events), (Some(EventKind::Disable), vec![]));
        assert_eq!(fx.s.timeline_events(Uuid::new_v4(), at(0)).expect("unknown"), (None, vec![]));
    }

    fn prune_events_deletes_only_older_rows(db: TestDb) {
        let fx = fixture(&db);
        let a = create(&fx, &alert(fx.team, 0));
        let b = create(&fx, &alert(fx.other, 0));
        let kinds = [EventKind::Snooze, EventKind::Unsnooze, EventKind::Reset];
        let at_secs = |secs: &[i64]| -> Vec<NewEvent> {
            secs.iter()
                .zip(kinds.iter().cycle())
                .map(|(s, k)| event(*k, AlertState::NotFiring, AlertState::NotFiring, *s, None))
                .collect()
        };
        write_events(&fx, &a, &at_secs(&[10, 20, 30]));
        write_events(&fx, &b, &at_secs(&[5, 25]));
        assert_eq!(fx.s.prune_events(at(20)).expect("prune"), 2, "10 and 5; 20 is not before 20");
        assert_eq!(count(&db, "logs_alert_events"), 3);
        assert_eq!(fx.s.events(fx.team, a.id, None, 10, 0).expect("a").count, 2);
        assert_eq!(fx.s.prune_events(at(20)).expect("again"), 0);
        assert_eq!(fx.s.prune_events(at(1000)).expect("all"), 3);
        assert_eq!(count(&db, "logs_alert_events"), 0);
        assert_eq!(get(&fx, &a).id, a.id, "alerts stay");
    }

    fn quiet_checks_are_capped_at_ten(db: TestDb) {
        let fx = fixture(&db);
        let a = create(&fx, &alert(fx.team, 0));
        let other = create(&fx, &alert(fx.team, 1));
        use AlertState::{Errored, NotFiring};
        // An error check and a state change in between: never pruned.
        let mut noisy = quiet_check(&get(&fx, &a), 3);
        noisy.state = Errored;
        noisy.event = Some(event(EventKind::Check, NotFiring, Errored, 3, Some("cancelled")));
        assert_eq!(fx.s.record_check(&noisy), Ok(true));
        let mut back = quiet_check(&get(&fx, &a), 4);
        back.event = Some(event(EventKind::Check, Errored, NotFiring, 4, None));
        assert_eq!(fx.s.record_check(&back), Ok(true));
        let mut quiet_ids = vec![];
        for secs in 10..23 {
            let w = quiet_check(&get(&fx, &a), secs);
            quiet_ids.push(w.event.as_ref().map(|e| e.id).expect("event"));
            assert_eq!(fx.s.record_check(&w), Ok(true));
        }
        for secs in 0..3 {
            assert_eq!(fx.s.record_check(&quiet_check(&get(&fx, &other), secs)), Ok(true));
        }
        let id = a.id;
        let quiet_where = format!(
            "logs_alert_events WHERE alert_id = '{id}' AND kind = 'check' AND state_before = state_after \
             AND error_message IS NULL"
        );
        assert_eq!(count(&db, &quiet_where), 10);
        let (_, events) = fx.s.timeline_events(a.id, at(0)).expect("timeline");
        let kept: Vec<Uuid> = events.iter().filter(|e| e.event.state_before == e.event.state_after).map(|e| e.id).collect();
        assert_eq!(kept, quiet_ids[3..].to_vec(), "the newest ten are kept");
        assert_eq!(events.len(), 12, "the state changes stay");
        assert_eq!(count(&db, &format!("logs_alert_events WHERE alert_id = '{}'", other.id)), 3, "per alert");
    }
}
