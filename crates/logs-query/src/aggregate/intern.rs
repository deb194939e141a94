//! Breakdown values interned to dense ids, so rows and rollup cells are added up without
//! allocating and, mostly, without hashing.

use std::collections::HashMap;

#[derive(Debug, Default)]
pub(super) struct Interner {
    names: Vec<String>,
    ids: HashMap<String, usize>,
    /// The last id handed out: rollup cells come sorted by (minute, service, severity), so
    /// a service's cells arrive together and a short compare replaces the hash.
    last: Option<usize>,
}

impl Interner {
    pub(super) fn id(&mut self, name: &str) -> usize {
        if let Some(id) = self.last.filter(|&id| self.names[id] == name) {
            return id;
        }
        let id = match self.ids.get(name) {
            Some(&id) => id,
            None => {
                self.names.push(name.to_owned());
                self.ids.insert(name.to_owned(), self.names.len() - 1);
                self.names.len() - 1
            }
        };
        self.last = Some(id);
        id
    }

    /// Names by id.
    pub(super) fn names(&self) -> &[String] {
        &self.names
    }

    pub(super) fn into_names(self) -> Vec<String> {
        self.names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_dense_and_stable() {
        let mut i = Interner::default();
        let ids: Vec<usize> = ["api", "api", "web", "", "api", "web"].iter().map(|n| i.id(n)).collect();
        assert_eq!(ids, [0, 0, 1, 2, 0, 1]);
        assert_eq!(i.names(), ["api", "web", ""]);
    }
}
