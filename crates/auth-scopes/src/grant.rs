use crate::{AuthError, Scope, ScopeGrant};

/// What a personal API key allows, beyond the rights of the user who owns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyGrant {
    pub key_id: String,
    pub scopes: Vec<ScopeGrant>,
    pub scoped_teams: Option<Vec<i64>>,
    pub scoped_organizations: Option<Vec<String>>,
}

/// How a request was authenticated. Scopes and key limits apply to keys only; a session
/// (login JWT) acts with the user's full rights, as in PostHog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Session,
    Key(KeyGrant),
}

impl Access {
    pub fn require(&self, required: Scope) -> Result<(), AuthError> {
        match self {
            Access::Session => Ok(()),
            Access::Key(k) if k.scopes.iter().any(|g| g.covers(required)) => Ok(()),
            Access::Key(_) => Err(AuthError::MissingScope(required.to_string())),
        }
    }

    /// A project route: the key, if limited to projects, must list this one, and, if limited
    /// to organizations, must list the project's organization.
    pub fn require_project(&self, project_id: i64, organization_id: &str) -> Result<(), AuthError> {
        let Access::Key(k) = self else { return Ok(()) };
        if let Some(teams) = &k.scoped_teams
            && !teams.contains(&project_id)
        {
            return Err(AuthError::ProjectNotInKey(project_id));
        }
        check_org(k, organization_id)
    }

    /// An organization route (no project in the path).
    pub fn require_organization(&self, organization_id: &str) -> Result<(), AuthError> {
        let Access::Key(k) = self else { return Ok(()) };
        if k.scoped_teams.is_some() {
            return Err(AuthError::ScopedKeyOnOrgRoute);
        }
        check_org(k, organization_id)
    }

    /// A route with neither project nor organization (e.g. the organization list).
    pub fn require_unscoped_route(&self) -> Result<(), AuthError> {
        match self {
            Access::Key(k) if k.scoped_teams.is_some() => Err(AuthError::ScopedKeyOnOrgRoute),
            _ => Ok(()),
        }
    }

    /// Organizations a key is limited to, if any; lists narrow to these.
    pub fn organization_filter(&self) -> Option<&[String]> {
        match self {
            Access::Key(k) => k.scoped_organizations.as_deref(),
            Access::Session => None,
        }
    }

    /// Whether this credential may hand out `requested` (a key cannot mint a wider key).
    pub fn may_grant(&self, requested: &ScopeGrant) -> bool {
        match self {
            Access::Session => true,
            Access::Key(k) => k.scopes.iter().any(|g| g.includes(requested)),
        }
    }

    pub fn is_key(&self) -> bool {
        matches!(self, Access::Key(_))
    }
}

fn check_org(k: &KeyGrant, organization_id: &str) -> Result<(), AuthError> {
    match &k.scoped_organizations {
        Some(orgs) if !orgs.iter().any(|o| o == organization_id) => {
            Err(AuthError::OrganizationNotInKey(organization_id.to_string()))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ScopeObject, parse_scopes};

    fn key(scopes: &[&str], teams: Option<Vec<i64>>, orgs: Option<Vec<&str>>) -> Access {
        Access::Key(KeyGrant {
            key_id: "k".into(),
            scopes: parse_scopes(scopes).unwrap_or_default(),
            scoped_teams: teams,
            scoped_organizations: orgs.map(|o| o.into_iter().map(String::from).collect()),
        })
    }

    #[test]
    fn missing_scope_names_the_scope() {
        let k = key(&["logs:read"], None, None);
        assert_eq!(
            k.require(Scope::write(ScopeObject::Organization)),
            Err(AuthError::MissingScope("organization:write".into()))
        );
        assert!(k.require(Scope::read(ScopeObject::Logs)).is_ok());
        assert!(Access::Session.require(Scope::write(ScopeObject::Organization)).is_ok());
    }

    #[test]
    fn team_scoped_keys_reach_only_their_projects() {
        let k = key(&["*"], Some(vec![1, 2]), None);
        assert!(k.require_project(1, "o").is_ok());
        assert_eq!(k.require_project(3, "o"), Err(AuthError::ProjectNotInKey(3)));
        assert_eq!(k.require_organization("o"), Err(AuthError::ScopedKeyOnOrgRoute));
        assert_eq!(k.require_unscoped_route(), Err(AuthError::ScopedKeyOnOrgRoute));
    }

    #[test]
    fn org_scoped_keys_reach_only_their_organizations() {
        let k = key(&["*"], None, Some(vec!["a"]));
        assert!(k.require_organization("a").is_ok());
        assert!(k.require_project(9, "a").is_ok());
        assert_eq!(k.require_organization("b"), Err(AuthError::OrganizationNotInKey("b".into())));
        assert_eq!(k.require_project(9, "b"), Err(AuthError::OrganizationNotInKey("b".into())));
        assert_eq!(k.organization_filter(), Some(&["a".to_string()][..]));
    }
}
