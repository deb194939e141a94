use std::fmt;
use std::str::FromStr;

use crate::AuthError;

/// The objects a personal API key can be scoped to. PostHog's names, limited to the ones
/// Logstead has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScopeObject {
    ActivityLog,
    Approvals,
    Export,
    Integration,
    Logs,
    Organization,
    OrganizationMember,
    PersonalApiKey,
    Project,
    User,
}

impl ScopeObject {
    pub const ALL: [ScopeObject; 10] = [
        Self::ActivityLog,
        Self::Approvals,
        Self::Export,
        Self::Integration,
        Self::Logs,
        Self::Organization,
        Self::OrganizationMember,
        Self::PersonalApiKey,
        Self::Project,
        Self::User,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ActivityLog => "activity_log",
            Self::Approvals => "approvals",
            Self::Export => "export",
            Self::Integration => "integration",
            Self::Logs => "logs",
            Self::Organization => "organization",
            Self::OrganizationMember => "organization_member",
            Self::PersonalApiKey => "personal_api_key",
            Self::Project => "project",
            Self::User => "user",
        }
    }
}

impl FromStr for ScopeObject {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|o| o.as_str() == s).ok_or(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Read,
    Write,
}

/// A scope an endpoint requires, e.g. `organization:write`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scope {
    pub object: ScopeObject,
    pub action: Action,
}

impl Scope {
    pub const fn read(object: ScopeObject) -> Self {
        Self { object, action: Action::Read }
    }
    pub const fn write(object: ScopeObject) -> Self {
        Self { object, action: Action::Write }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let action = match self.action {
            Action::Read => "read",
            Action::Write => "write",
        };
        write!(f, "{}:{}", self.object.as_str(), action)
    }
}

/// A scope a key carries: everything (`*`) or one object and action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScopeGrant {
    All,
    One(Scope),
}

impl ScopeGrant {
    /// Write implies read; `*` implies everything.
    pub fn covers(&self, required: Scope) -> bool {
        match self {
            Self::All => true,
            Self::One(s) => {
                s.object == required.object && (s.action == required.action || s.action == Action::Write)
            }
        }
    }

    /// Whether this grant is at least as wide as `other` (a key may not mint a wider key).
    pub fn includes(&self, other: &ScopeGrant) -> bool {
        match other {
            ScopeGrant::All => matches!(self, ScopeGrant::All),
            ScopeGrant::One(s) => self.covers(*s),
        }
    }
}

impl fmt::Display for ScopeGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::All => f.write_str("*"),
            Self::One(s) => s.fmt(f),
        }
    }
}

impl FromStr for ScopeGrant {
    type Err = AuthError;
    fn from_str(s: &str) -> Result<Self, AuthError> {
        if s == "*" {
            return Ok(Self::All);
        }
        let invalid = || AuthError::InvalidScope(s.to_string());
        let (object, action) = s.split_once(':').ok_or_else(invalid)?;
        let object = object.parse::<ScopeObject>().map_err(|()| invalid())?;
        let action = match action {
            "read" => Action::Read,
            "write" => Action::Write,
            _ => return Err(invalid()),
        };
        Ok(Self::One(Scope { object, action }))
    }
}

/// Parses a key's scope list; the first bad entry is reported.
pub fn parse_scopes<S: AsRef<str>>(scopes: &[S]) -> Result<Vec<ScopeGrant>, AuthError> {
    scopes.iter().map(|s| s.as_ref().parse()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_implies_read_but_not_the_reverse() {
        let write: ScopeGrant = "logs:write".parse().unwrap_or(ScopeGrant::All);
        let read: ScopeGrant = "logs:read".parse().unwrap_or(ScopeGrant::All);
        assert!(write.covers(Scope::read(ScopeObject::Logs)));
        assert!(write.covers(Scope::write(ScopeObject::Logs)));
        assert!(read.covers(Scope::read(ScopeObject::Logs)));
        assert!(!read.covers(Scope::write(ScopeObject::Logs)));
        assert!(!read.covers(Scope::read(ScopeObject::Project)));
    }

    #[test]
    fn star_covers_everything() {
        for o in ScopeObject::ALL {
            assert!(ScopeGrant::All.covers(Scope::write(o)));
        }
    }

    #[test]
    fn bad_scopes_are_rejected_with_the_offending_string() {
        for bad in ["logs", "logs:delete", "nothing:read", "", "*:read", "LOGS:read"] {
            assert_eq!(bad.parse::<ScopeGrant>(), Err(AuthError::InvalidScope(bad.to_string())), "{bad}");
        }
    }

    #[test]
    fn scopes_round_trip_through_strings() {
        for o in ScopeObject::ALL {
            for s in [Scope::read(o), Scope::write(o)] {
                let text = s.to_string();
                assert_eq!(text.parse::<ScopeGrant>(), Ok(ScopeGrant::One(s)));
            }
        }
    }

    #[test]
    fn includes_prevents_widening() {
        let read: ScopeGrant = ScopeGrant::One(Scope::read(ScopeObject::Logs));
        let write: ScopeGrant = ScopeGrant::One(Scope::write(ScopeObject::Logs));
        assert!(write.includes(&read));
        assert!(!read.includes(&write));
        assert!(!write.includes(&ScopeGrant::All));
        assert!(ScopeGrant::All.includes(&write));
    }
}
