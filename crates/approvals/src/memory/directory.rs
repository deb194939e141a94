//! The in-memory `Directory`: membership levels and roles, set by the test.

use std::collections::HashMap;
use std::sync::Mutex;

use uuid::Uuid;

use crate::repo::{Directory, DirectoryError, RoleInfo};

#[derive(Default)]
struct People {
    levels: HashMap<(Uuid, i64), i64>,
    held: HashMap<(Uuid, i64), Vec<Uuid>>,
    roles: Vec<RoleInfo>,
}

/// Membership levels and roles, set by the test.
#[derive(Default)]
pub struct MemoryDirectory {
    people: Mutex<People>,
}

impl MemoryDirectory {
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut People) -> T) -> std::result::Result<T, DirectoryError> {
        let mut p = self.people.lock().map_err(|_| DirectoryError::from("memory directory poisoned"))?;
        Ok(f(&mut p))
    }

    /// Makes `user` a member of `org` at `level` (1, 8, 15).
    pub fn set_level(&self, org: Uuid, user: i64, level: i64) -> &Self {
        let _ = self.with(|p| p.levels.insert((org, user), level));
        self
    }

    /// Defines a role of `org` named `name`.
    pub fn add_role(&self, org: Uuid, id: Uuid, name: &str) -> &Self {
        let _ = self.with(|p| p.roles.push(RoleInfo { id, organization_id: org, name: name.to_string() }));
        self
    }

    /// Gives `user` the role `role` in `org`.
    pub fn grant(&self, org: Uuid, user: i64, role: Uuid) -> &Self {
        let _ = self.with(|p| p.held.entry((org, user)).or_default().push(role));
        self
    }
}

impl Directory for MemoryDirectory {
    fn level(&self, org: Uuid, user: i64) -> std::result::Result<Option<i64>, DirectoryError> {
        self.with(|p| p.levels.get(&(org, user)).copied())
    }

    fn roles_of(&self, org: Uuid, user: i64) -> std::result::Result<Vec<Uuid>, DirectoryError> {
        self.with(|p| p.held.get(&(org, user)).cloned().unwrap_or_default())
    }

    fn roles(&self, ids: &[Uuid]) -> std::result::Result<Vec<RoleInfo>, DirectoryError> {
        self.with(|p| p.roles.iter().filter(|r| ids.contains(&r.id)).cloned().collect())
    }
}
