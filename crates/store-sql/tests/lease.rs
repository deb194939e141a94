//! Server leases (`SqlStore::acquire_lease` and friends) on SQLite and PostgreSQL
//! (`sqlite::<test>` and `postgres::<test>`).

use std::sync::{Arc, Barrier};

use store_sql::lease::{Acquired, EMBEDDED_LOG_STORE as NAME, Lease, LeaseHolder};
use store_sql::testing::TestDb;
use store_sql::{SqlStore, both_backends};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const TTL: Duration = Duration::seconds(30);

fn at(secs: i64) -> OffsetDateTime {
    datetime!(2026-12-07 10:00:00.123456 UTC) + Duration::seconds(secs)
}

fn holder(id: &str, host: &str, dir: &str) -> LeaseHolder {
    LeaseHolder { id: id.into(), host: host.into(), data_dir: dir.into() }
}

fn a() -> LeaseHolder {
    holder("a", "host-a", "/srv/a")
}

fn b() -> LeaseHolder {
    holder("b", "host-b", "/srv/b")
}

fn held_by(r: Acquired) -> Lease {
    match r {
        Acquired::HeldBy(l) => l,
        other => panic!("expected the lease to be held by another server, got {other:?}"),
    }
}

fn taken(r: Acquired) -> Option<Lease> {
    match r {
        Acquired::Taken { previous } => previous,
        other => panic!("expected the lease to be taken, got {other:?}"),
    }
}

both_backends! {
    fn acquire_then_refuse_while_live(db: TestDb) {
        let store = SqlStore::new(db.pool.clone());
        assert_eq!(store.lease(NAME).unwrap(), None);
        assert_eq!(taken(store.acquire_lease(NAME, &a(), at(0), TTL).unwrap()), None);
        let stored = store.lease(NAME).unwrap().unwrap();
        assert_eq!(stored.holder, a());
        assert_eq!((stored.acquired_at, stored.heartbeat_at, stored.expires_at), (at(0), at(0), at(30)));

        // Live until its expiry, even a microsecond before it.
        let refused = held_by(store.acquire_lease(NAME, &b(), at(30) - Duration::microseconds(1), TTL).unwrap());
        assert_eq!(refused, stored);
        assert_eq!(store.lease(NAME).unwrap().unwrap().holder, a(), "a refusal changes nothing");
        // Same host, another data dir: a second server on one machine, refused too.
        let sibling = holder("c", "host-a", "/srv/other");
        assert_eq!(held_by(store.acquire_lease(NAME, &sibling, at(5), TTL).unwrap()).holder, a());
        // Another lease name is independent.
        assert_eq!(taken(store.acquire_lease("other_role", &b(), at(5), TTL).unwrap()), None);
    }

    fn the_holder_acquires_again(db: TestDb) {
        let store = SqlStore::new(db.pool.clone());
        taken(store.acquire_lease(NAME, &a(), at(0), TTL).unwrap());
        assert_eq!(taken(store.acquire_lease(NAME, &a(), at(10), TTL).unwrap()), None, "no previous holder");
        assert_eq!(store.lease(NAME).unwrap().unwrap().expires_at, at(40));
    }

    fn take_over_when_expired(db: TestDb) {
        let store = SqlStore::new(db.pool.clone());
        taken(store.acquire_lease(NAME, &a(), at(0), TTL).unwrap());
        let previous = taken(store.acquire_lease(NAME, &b(), at(30), TTL).unwrap()).unwrap();
        assert_eq!(previous.holder, a());
        assert_eq!(previous.heartbeat_at, at(0));
        let now = store.lease(NAME).unwrap().unwrap();
        assert_eq!((now.holder, now.acquired_at, now.expires_at), (b(), at(30), at(60)));
        // The old holder has lost it: its heartbeat says so and does not steal it back.
        assert!(!store.renew_lease(NAME, "a", at(31), TTL).unwrap());
        assert_eq!(store.lease(NAME).unwrap().unwrap().holder, b());
        assert!(!store.release_lease(NAME, "a").unwrap(), "the old holder cannot release it");
        assert_eq!(store.lease(NAME).unwrap().unwrap().holder, b());
    }

    fn a_restart_on_the_same_host_and_data_dir_takes_over_at_once(db: TestDb) {
        let store = SqlStore::new(db.pool.clone());
        taken(store.acquire_lease(NAME, &a(), at(0), TTL).unwrap());
        // kill -9, restart: a new process id, same host and data directory.
        let restarted = holder("a2", "host-a", "/srv/a");
        let previous = taken(store.acquire_lease(NAME, &restarted, at(2), TTL).unwrap()).unwrap();
        assert_eq!(previous.holder, a());
        assert_eq!(store.lease(NAME).unwrap().unwrap().holder, restarted);
        assert!(!store.renew_lease(NAME, "a", at(3), TTL).unwrap(), "the old process lost it");
    }

    fn heartbeat_extends(db: TestDb) {
        let store = SqlStore::new(db.pool.clone());
        taken(store.acquire_lease(NAME, &a(), at(0), TTL).unwrap());
        assert!(store.renew_lease(NAME, "a", at(20), TTL).unwrap());
        let l = store.lease(NAME).unwrap().unwrap();
        assert_eq!((l.acquired_at, l.heartbeat_at, l.expires_at), (at(0), at(20), at(50)));
        // Past the first expiry, still live thanks to the heartbeat.
        assert_eq!(held_by(store.acquire_lease(NAME, &b(), at(45), TTL).unwrap()).holder, a());
        // A heartbeat from a server that never held it does nothing.
        assert!(!store.renew_lease(NAME, "b", at(46), TTL).unwrap());
        assert_eq!(store.lease(NAME).unwrap().unwrap().holder, a());
        // Without heartbeats it expires.
        assert_eq!(taken(store.acquire_lease(NAME, &b(), at(50), TTL).unwrap()).unwrap().holder, a());
    }

    fn release_frees_it_at_once(db: TestDb) {
        let store = SqlStore::new(db.pool.clone());
        taken(store.acquire_lease(NAME, &a(), at(0), TTL).unwrap());
        assert!(!store.release_lease(NAME, "b").unwrap(), "only the holder releases");
        assert!(store.release_lease(NAME, "a").unwrap());
        assert_eq!(store.lease(NAME).unwrap(), None);
        assert!(!store.release_lease(NAME, "a").unwrap(), "twice is a no-op");
        assert_eq!(taken(store.acquire_lease(NAME, &b(), at(1), TTL).unwrap()), None);
        assert!(!store.renew_lease(NAME, "a", at(2), TTL).unwrap());
    }

    fn of_servers_asking_at_once_exactly_one_wins(db: TestDb) {
        let store = Arc::new(SqlStore::new(db.pool.clone()));
        for round in 0..5 {
            let start = Arc::new(Barrier::new(4));
            let winners: Vec<bool> = (0..4)
                .map(|i| {
                    let (store, start) = (store.clone(), start.clone());
                    let me = holder(&format!("r{round}-{i}"), &format!("host-{i}"), "/srv/data");
                    std::thread::spawn(move || {
                        start.wait();
                        // Each round starts after the previous lease expired.
                        let now = at(100 * round);
                        matches!(store.acquire_lease(NAME, &me, now, TTL).unwrap(), Acquired::Taken { .. })
                    })
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|t| t.join().unwrap())
                .collect();
            assert_eq!(winners.iter().filter(|w| **w).count(), 1, "round {round}: {winners:?}");
        }
    }
}
