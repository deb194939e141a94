//! The delivery queue: claim, lease expiry, retry, dead letters, success.

use super::*;

/// A firing check of a new alert queueing one delivery per destination row given, each
/// created at `secs`; returns the alert, its event id and the queued ids.
fn queue(fx: &Fx, secs: i64, dtypes: &[DestinationType]) -> (Alert, Uuid, Vec<Uuid>) {
    let a = create(fx, &alert(fx.team, secs));
    let firing: Vec<Destination> = dtypes.iter().map(|t| destination_group(&a, *t, secs).remove(0)).collect();
    fx.s.create_destinations(fx.team, a.id, &firing, &[]).expect("destinations");
    let mut w = quiet_check(&a, secs);
    w.state = AlertState::Firing;
    let ev = event(EventKind::Check, AlertState::NotFiring, AlertState::Firing, secs, None);
    let event_id = ev.id;
    w.event = Some(ev);
    w.deliveries = firing.iter().map(|d| delivery(d, secs)).collect();
    assert_eq!(fx.s.record_check(&w), Ok(true));
    (a, event_id, w.deliveries.iter().map(|d| d.id).collect())
}

fn claim(fx: &Fx, now: i64, lease: i64) -> Vec<Delivery> {
    fx.s.claim_deliveries(at(now), at(lease), 100).expect("claim deliveries")
}

fn claim_ids(fx: &Fx, now: i64, lease: i64) -> HashSet<Uuid> {
    claim(fx, now, lease).into_iter().map(|d| d.id).collect()
}

fn one(fx: &Fx, event: Uuid, id: Uuid) -> Delivery {
    let all = fx.s.deliveries_for_events(&[event]).expect("deliveries");
    all.into_iter().find(|d| d.id == id).expect("delivery exists")
}

both_backends! {
    fn deliveries_retry_die_and_succeed(db: TestDb) {
        let fx = fixture(&db);
        let (_, ev, ids) = queue(&fx, 100, &[DestinationType::Webhook, DestinationType::Slack]);
        let (hook, slack) = (ids[0], ids[1]);
        assert!(claim_ids(&fx, 99, 160).is_empty(), "not yet due");
        let claimed = claim(&fx, 100, 160);
        assert_eq!(claimed.len(), 2);
        assert!(claimed.iter().all(|d| d.status == DeliveryStatus::Sending && d.attempts == 0));
        assert!(claim_ids(&fx, 150, 200).is_empty(), "leased");

        fx.s.delivery_succeeded(slack, at(130)).expect("delivered");
        let d = one(&fx, ev, slack);
        assert_eq!((d.status, d.attempts, d.delivered_at), (DeliveryStatus::Delivered, 1, Some(at(130))));

        fx.s.delivery_failed(hook, "HTTP 502", Some(at(400))).expect("failed once");
        let d = one(&fx, ev, hook);
        assert_eq!((d.status, d.attempts, d.next_attempt_at), (DeliveryStatus::Pending, 1, at(400)));
        assert_eq!(d.last_error.as_deref(), Some("HTTP 502"));
        assert!(claim_ids(&fx, 399, 460).is_empty(), "waits for retry_at");
        assert_eq!(claim_ids(&fx, 400, 460), HashSet::from([hook]));
        fx.s.delivery_failed(hook, "HTTP 410", None).expect("given up");
        let d = one(&fx, ev, hook);
        assert_eq!((d.status, d.attempts, d.last_error.as_deref()), (DeliveryStatus::Dead, 2, Some("HTTP 410")));
        assert!(claim_ids(&fx, 100_000, 100_060).is_empty(), "dead and delivered rows are never claimed");
        assert_eq!(one(&fx, ev, slack).status, DeliveryStatus::Delivered);

        let missing = Uuid::new_v4();
        assert_eq!(fx.s.delivery_succeeded(missing, at(1)), Err(AlertRepoError::NotFound));
        assert_eq!(fx.s.delivery_failed(missing, "x", None), Err(AlertRepoError::NotFound));
    }

    fn an_expired_lease_is_claimed_again(db: TestDb) {
        let fx = fixture(&db);
        let (_, ev, ids) = queue(&fx, 100, &[DestinationType::Webhook]);
        assert_eq!(claim_ids(&fx, 100, 160), HashSet::from([ids[0]]));
        assert!(claim_ids(&fx, 159, 220).is_empty());
        // The first worker died: its lease ran out.
        let again = claim(&fx, 160, 220);
        assert_eq!(again.iter().map(|d| d.id).collect::<Vec<_>>(), ids);
        assert_eq!(again[0].attempts, 0, "a lost attempt is not counted");
        assert!(claim_ids(&fx, 219, 300).is_empty(), "the new lease holds");
        assert_eq!(one(&fx, ev, ids[0]).status, DeliveryStatus::Sending);
    }

    fn claims_are_oldest_first_and_limited(db: TestDb) {
        let fx = fixture(&db);
        let (_, _, late) = queue(&fx, 200, &[DestinationType::Webhook]);
        let (_, _, early) = queue(&fx, 100, &[DestinationType::Webhook]);
        let first = fx.s.claim_deliveries(at(300), at(360), 1).expect("claim");
        assert_eq!(first.iter().map(|d| d.id).collect::<Vec<_>>(), early);
        let next = fx.s.claim_deliveries(at(300), at(360), 1).expect("claim");
        assert_eq!(next.iter().map(|d| d.id).collect::<Vec<_>>(), late);
    }

    fn concurrent_delivery_claimers_never_share(db: TestDb) {
        let fx = fixture(&db);
        let mut all = HashSet::new();
        for i in 0..8 {
            all.extend(queue(&fx, i, &[DestinationType::Webhook, DestinationType::Slack]).2);
        }
        let claimed: Vec<Uuid> = race_claimers(&fx, 4, |s| {
            s.claim_deliveries(at(100), at(160), 3).expect("claim").into_iter().map(|d| d.id).collect()
        })
        .concat();
        assert_eq!(claimed.len(), all.len(), "each delivery claimed once");
        assert_eq!(claimed.into_iter().collect::<HashSet<_>>(), all);
    }

    fn deliveries_for_events_selects_by_event(db: TestDb) {
        let fx = fixture(&db);
        let (_, e1, d1) = queue(&fx, 100, &[DestinationType::Webhook]);
        let (_, e2, d2) = queue(&fx, 50, &[DestinationType::Webhook]);
        let ids = |evs: &[Uuid]| -> Vec<Uuid> {
            fx.s.deliveries_for_events(evs).expect("deliveries").into_iter().map(|d| d.id).collect()
        };
        assert_eq!(ids(&[e1]), d1);
        assert_eq!(ids(&[e1, e2]), [d2, d1].concat(), "oldest first");
        assert_eq!(ids(&[]), Vec::<Uuid>::new());
        assert_eq!(ids(&[Uuid::new_v4()]), Vec::<Uuid>::new());
    }
}
