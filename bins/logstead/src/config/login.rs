//! Login throttling (`login_max_failures_per_account`, `login_max_failures_per_ip`,
//! `login_window_secs`) and where the client address comes from (`trust_x_forwarded_for`).

use orgs::LoginLimits;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginSettings {
    pub limits: LoginLimits,
    /// Take the client address from the last `X-Forwarded-For` entry (the one the proxy in
    /// front of the server added) instead of the connection's peer address.
    pub trust_x_forwarded_for: bool,
}

/// The flag (or environment) value, else the file's, else the default.
pub struct LoginSources {
    pub max_failures_per_account: [Option<u32>; 2],
    pub max_failures_per_ip: [Option<u32>; 2],
    pub window_secs: [Option<u64>; 2],
    pub trust_x_forwarded_for: [bool; 2],
}

impl LoginSettings {
    pub fn resolve(s: LoginSources) -> Self {
        let d = Self::default();
        let pick = |[flag, file]: [Option<u32>; 2], default| flag.or(file).unwrap_or(default);
        Self {
            limits: LoginLimits {
                per_account: pick(s.max_failures_per_account, d.limits.per_account),
                per_client: pick(s.max_failures_per_ip, d.limits.per_client),
                window_secs: s.window_secs[0].or(s.window_secs[1]).unwrap_or(d.limits.window_secs),
            },
            trust_x_forwarded_for: s.trust_x_forwarded_for.contains(&true),
        }
    }

    pub fn check(&self) -> Result<(), &'static str> {
        let l = &self.limits;
        if l.per_account > 100_000 {
            return Err("login_max_failures_per_account must be between 0 (off) and 100000");
        }
        if l.per_client > 1_000_000 {
            return Err("login_max_failures_per_ip must be between 0 (off) and 1000000");
        }
        if !(1..=86_400).contains(&l.window_secs) {
            return Err("login_window_secs must be between 1 and 86400");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources() -> LoginSources {
        LoginSources {
            max_failures_per_account: [None, None],
            max_failures_per_ip: [None, None],
            window_secs: [None, None],
            trust_x_forwarded_for: [false, false],
        }
    }

    #[test]
    fn flag_beats_file_beats_default_and_bounds_are_checked() {
        let d = LoginSettings::resolve(sources());
        assert_eq!(d, LoginSettings::default());
        assert_eq!((d.limits.per_account, d.limits.per_client, d.limits.window_secs), (10, 50, 900));
        assert!(d.check().is_ok());
        let s = LoginSettings::resolve(LoginSources {
            max_failures_per_account: [Some(3), Some(4)],
            max_failures_per_ip: [None, Some(0)],
            window_secs: [None, Some(60)],
            trust_x_forwarded_for: [false, true],
        });
        assert_eq!((s.limits.per_account, s.limits.per_client, s.limits.window_secs), (3, 0, 60));
        assert!(s.trust_x_forwarded_for && s.check().is_ok());
        let zero_window = LoginSettings { limits: LoginLimits { window_secs: 0, ..d.limits }, ..d };
        assert!(zero_window.check().is_err_and(|m| m.contains("login_window_secs")));
        let huge = LoginSettings { limits: LoginLimits { per_account: 100_001, ..d.limits }, ..d };
        assert!(huge.check().is_err_and(|m| m.contains("login_max_failures_per_account")));
    }
}
