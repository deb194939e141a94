use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use time::Duration;
use time::macros::datetime;

use super::*;

const T0: OffsetDateTime = datetime!(2026-01-01 00:00:00 UTC);

fn ip(last: u8) -> Option<IpAddr> {
    Some(IpAddr::V4(Ipv4Addr::new(203, 0, 113, last)))
}

fn throttle(per_account: u32, per_client: u32, window_secs: u64) -> LoginThrottle {
    LoginThrottle::new(LoginLimits { per_account, per_client, window_secs })
}

/// `n` attempts at `now`, all of which must be let through.
fn spend(t: &LoginThrottle, account: &str, client: Option<IpAddr>, n: u32, now: OffsetDateTime) {
    for i in 0..n {
        assert_eq!(t.attempt(account, client, now), Ok(()), "attempt {i} of {n} for {account}");
    }
}

#[test]
fn the_account_limit_refuses_the_next_attempt_until_the_window_ends() {
    let t = throttle(3, 0, 60);
    spend(&t, "a@x.io", ip(1), 3, T0);
    let later = T0 + Duration::seconds(10);
    assert_eq!(t.attempt("a@x.io", ip(1), later), Err(Throttled { retry_after_secs: 50 }));
    // Another address does not help: the account is the key.
    assert_eq!(t.attempt("a@x.io", ip(2), later), Err(Throttled { retry_after_secs: 50 }));
    // Refused attempts are not counted, so the window still ends 60 s after the first.
    let just_before = T0 + Duration::milliseconds(59_001);
    assert_eq!(t.attempt("a@x.io", ip(1), just_before), Err(Throttled { retry_after_secs: 1 }));
    spend(&t, "a@x.io", ip(1), 3, T0 + Duration::seconds(60));
    assert!(t.attempt("a@x.io", ip(1), T0 + Duration::seconds(61)).is_err());
}

#[test]
fn retry_after_rounds_up_and_is_at_least_one_second() {
    let t = throttle(1, 0, 30);
    spend(&t, "a@x.io", None, 1, T0);
    let wait =
        |ms| t.attempt("a@x.io", None, T0 + Duration::milliseconds(ms)).map_err(|e| e.retry_after_secs);
    assert_eq!(wait(0), Err(30));
    assert_eq!(wait(1), Err(30));
    assert_eq!(wait(1_000), Err(29));
    assert_eq!(wait(29_999), Err(1));
    assert_eq!(wait(30_000), Ok(()));
    // A clock that went backwards does not make the wait longer than the window.
    assert_eq!(t.attempt("a@x.io", None, T0 - Duration::hours(1)), Err(Throttled { retry_after_secs: 30 }));
}

#[test]
fn the_address_limit_covers_every_account_it_tries() {
    let t = throttle(100, 4, 60);
    for n in 0..4 {
        spend(&t, &format!("user{n}@x.io"), ip(1), 1, T0);
    }
    assert_eq!(t.attempt("fresh@x.io", ip(1), T0), Err(Throttled { retry_after_secs: 60 }));
    // Other addresses and the same accounts from elsewhere are untouched.
    spend(&t, "fresh@x.io", ip(2), 1, T0);
    spend(&t, "user0@x.io", ip(3), 1, T0);
    // Without a known address only the account limit applies.
    spend(&t, "fresh@x.io", None, 1, T0);
}

#[test]
fn accounts_and_addresses_are_counted_independently() {
    let t = throttle(2, 3, 60);
    spend(&t, "a@x.io", ip(1), 2, T0);
    // a@x.io is at its limit; the refusal does not charge the address.
    assert!(t.attempt("a@x.io", ip(1), T0).is_err());
    assert!(t.attempt("a@x.io", ip(1), T0).is_err());
    spend(&t, "b@x.io", ip(1), 1, T0);
    // The address has now made 3 counted attempts: its limit.
    assert!(t.attempt("c@x.io", ip(1), T0).is_err());
    spend(&t, "b@x.io", ip(9), 1, T0);
}

#[test]
fn a_success_clears_the_account_and_does_not_charge_the_address() {
    let t = throttle(3, 3, 60);
    spend(&t, "a@x.io", ip(1), 2, T0);
    spend(&t, "a@x.io", ip(1), 1, T0);
    t.succeeded("a@x.io", ip(1), T0);
    // The account starts over: three more attempts.
    spend(&t, "a@x.io", ip(2), 3, T0);
    assert!(t.attempt("a@x.io", ip(2), T0).is_err());
    // The address was charged 2 failures (the success given back): one attempt left.
    spend(&t, "b@x.io", ip(1), 1, T0);
    assert!(t.attempt("c@x.io", ip(1), T0).is_err());
}

#[test]
fn an_abandoned_attempt_is_given_back_to_both() {
    let t = throttle(1, 1, 60);
    spend(&t, "a@x.io", ip(1), 1, T0);
    t.abandoned("a@x.io", ip(1), T0);
    spend(&t, "a@x.io", ip(1), 1, T0);
    assert!(t.attempt("a@x.io", ip(1), T0).is_err());
}

#[test]
fn zero_turns_a_limit_off() {
    let t = throttle(0, 0, 60);
    spend(&t, "a@x.io", ip(1), 1_000, T0);
    let only_accounts = throttle(2, 0, 60);
    spend(&only_accounts, "a@x.io", ip(1), 2, T0);
    spend(&only_accounts, "b@x.io", ip(1), 2, T0);
    assert!(only_accounts.attempt("a@x.io", ip(1), T0).is_err());
}

#[test]
fn ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4() {
    let t = throttle(100, 2, 60);
    let a: Ipv6Addr = "2001:db8:1:2::1".parse().unwrap_or(Ipv6Addr::UNSPECIFIED);
    let b: Ipv6Addr = "2001:db8:1:2:ffff::9".parse().unwrap_or(Ipv6Addr::UNSPECIFIED);
    spend(&t, "a@x.io", Some(IpAddr::V6(a)), 1, T0);
    spend(&t, "b@x.io", Some(IpAddr::V6(b)), 1, T0);
    assert!(t.attempt("c@x.io", Some(IpAddr::V6(a)), T0).is_err(), "same /64");
    let other: Ipv6Addr = "2001:db8:1:3::1".parse().unwrap_or(Ipv6Addr::UNSPECIFIED);
    spend(&t, "c@x.io", Some(IpAddr::V6(other)), 1, T0);

    let mapped = IpAddr::V6(Ipv4Addr::new(198, 51, 100, 7).to_ipv6_mapped());
    spend(&t, "d@x.io", Some(mapped), 2, T0);
    assert!(t.attempt("e@x.io", Some(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7))), T0).is_err());
}

#[test]
fn long_account_keys_are_cut_and_memory_is_bounded() {
    let t = LoginThrottle::with_capacity(LoginLimits { per_account: 1, per_client: 0, window_secs: 60 }, 50);
    let long = "x".repeat(10_000);
    spend(&t, &format!("{long}a"), None, 1, T0);
    // Shares the first 255 bytes, so the same counter: no account email is that long.
    assert!(t.attempt(&format!("{long}b"), None, T0).is_err());
    assert!(account_key(&"é".repeat(200)).len() <= MAX_ACCOUNT_KEY);
    for n in 0..1_000 {
        spend(&t, &format!("user{n}@x.io"), None, 1, T0);
    }
    assert!(t.accounts.windows.len() <= 60, "kept {}", t.accounts.windows.len());
}

#[test]
fn concurrent_attempts_cannot_pass_the_limit() {
    let t = throttle(5, 0, 60);
    let allowed = std::sync::atomic::AtomicU32::new(0);
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..10 {
                    if t.attempt("a@x.io", None, T0).is_ok() {
                        allowed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                }
            });
        }
    });
    assert_eq!(allowed.load(std::sync::atomic::Ordering::SeqCst), 5);
}
