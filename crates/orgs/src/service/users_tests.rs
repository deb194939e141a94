use std::net::{IpAddr, Ipv4Addr};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use time::macros::datetime;

use super::*;
use crate::login_throttle::LoginLimits;
use crate::{OrgId, ProjectId, UserId};

const NOW: OffsetDateTime = datetime!(2026-01-01 00:00:00 UTC);
const CLIENT: Option<IpAddr> = Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));

/// Users by email; counts lookups and can be made to fail.
#[derive(Default)]
struct Users {
    rows: Mutex<Vec<(User, String)>>,
    lookups: AtomicUsize,
    failing: AtomicBool,
}

impl Users {
    fn with(email: &str, password: &str, active: bool) -> Self {
        let users = Self::default();
        let user = User {
            id: UserId(1),
            uuid: Uuid::now_v7(),
            email: email.into(),
            first_name: String::new(),
            last_name: String::new(),
            is_active: active,
            current_organization_id: None,
            current_project_id: None,
            created_at: NOW,
        };
        let hash = hash_password(password).unwrap_or_default();
        users.rows.lock().unwrap_or_else(|p| p.into_inner()).push((user, hash));
        users
    }
}

impl UserRepo for Users {
    fn create_user(&self, _: NewUser) -> Result<User> {
        Err(OrgsError::Storage("not used".into()))
    }
    fn user(&self, _: UserId) -> Result<Option<User>> {
        Ok(None)
    }
    fn user_by_uuid(&self, _: Uuid) -> Result<Option<User>> {
        Ok(None)
    }
    fn user_by_email(&self, email: &str) -> Result<Option<(User, String)>> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        if self.failing.load(Ordering::SeqCst) {
            return Err(OrgsError::Storage("database down".into()));
        }
        let rows = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        Ok(rows.iter().find(|(u, _)| u.email == email).cloned())
    }
    fn set_current(&self, _: UserId, _: Option<OrgId>, _: Option<ProjectId>) -> Result<()> {
        Ok(())
    }
    fn count_users(&self) -> Result<i64> {
        Ok(1)
    }
}

fn open() -> LoginThrottle {
    LoginThrottle::new(LoginLimits { per_account: 0, per_client: 0, window_secs: 60 })
}

#[test]
fn only_the_right_password_of_an_active_user_logs_in() {
    let users = Users::with("ada@x.io", "correct horse", true);
    let t = open();
    let user = login(&users, &t, "  Ada@X.io ", "correct horse", CLIENT, NOW);
    assert_eq!(user.map(|u| u.id).ok(), Some(UserId(1)));
    for (email, password) in [("ada@x.io", "wrong horse"), ("nobody@x.io", "correct horse")] {
        let err = login(&users, &t, email, password, CLIENT, NOW);
        assert!(matches!(err, Err(OrgsError::BadCredentials)), "{email}: {err:?}");
    }
    let inactive = Users::with("ada@x.io", "correct horse", false);
    let err = login(&inactive, &t, "ada@x.io", "correct horse", CLIENT, NOW);
    assert!(matches!(err, Err(OrgsError::BadCredentials)), "{err:?}");
}

fn median_ms(mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..5)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

#[test]
fn an_unknown_email_costs_a_password_verification() {
    let users = Users::with("ada@x.io", "correct horse", true);
    let t = open();
    prepare_login();
    let unknown = median_ms(|| {
        let _ = login(&users, &t, "nobody@x.io", "wrong horse", None, NOW);
    });
    let wrong = median_ms(|| {
        let _ = login(&users, &t, "ada@x.io", "wrong horse", None, NOW);
    });
    // Without the dummy hash an unknown email answers in microseconds, not milliseconds.
    assert!(unknown > wrong * 0.5, "unknown email {unknown:.2} ms, wrong password {wrong:.2} ms");
}

#[test]
fn a_throttled_login_is_refused_before_the_lookup_even_with_the_right_password() {
    let users = Users::with("ada@x.io", "correct horse", true);
    let t = LoginThrottle::new(LoginLimits { per_account: 2, per_client: 0, window_secs: 60 });
    for _ in 0..2 {
        assert!(matches!(login(&users, &t, "ada@x.io", "nope", CLIENT, NOW), Err(OrgsError::BadCredentials)));
    }
    let lookups = users.lookups.load(Ordering::SeqCst);
    let err = login(&users, &t, "ADA@x.io", "correct horse", CLIENT, NOW);
    assert!(matches!(err, Err(OrgsError::Throttled { retry_after_secs: 60 })), "{err:?}");
    assert_eq!(users.lookups.load(Ordering::SeqCst), lookups, "no lookup, no hashing");
    assert_eq!(
        err.map(|_| ()).unwrap_err().to_string(),
        "Request was throttled. Expected available in 60 seconds."
    );
    let later = NOW + time::Duration::seconds(60);
    assert!(login(&users, &t, "ada@x.io", "correct horse", CLIENT, later).is_ok());
}

#[test]
fn a_success_resets_the_account_and_a_storage_failure_is_not_counted() {
    let users = Users::with("ada@x.io", "correct horse", true);
    let t = LoginThrottle::new(LoginLimits { per_account: 2, per_client: 0, window_secs: 60 });
    assert!(login(&users, &t, "ada@x.io", "nope", None, NOW).is_err());
    assert!(login(&users, &t, "ada@x.io", "correct horse", None, NOW).is_ok());
    assert!(matches!(login(&users, &t, "ada@x.io", "nope", None, NOW), Err(OrgsError::BadCredentials)));

    users.failing.store(true, Ordering::SeqCst);
    for _ in 0..3 {
        assert!(matches!(login(&users, &t, "ada@x.io", "x", None, NOW), Err(OrgsError::Storage(_))));
    }
    users.failing.store(false, Ordering::SeqCst);
    // One failure counted so far: one attempt left, and it succeeds.
    assert!(login(&users, &t, "ada@x.io", "correct horse", None, NOW).is_ok());
}
