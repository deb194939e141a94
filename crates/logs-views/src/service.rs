//! Use cases of saved views: what the HTTP handlers (or any Rust service embedding this
//! crate) call. Each validates, reads, builds the activity entry and writes through
//! [`LogsViewRepo`] (change and entry in one transaction); callers only authorize first.

use std::collections::HashMap;
use std::sync::Arc;

use activity_log::audit::What;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{Result, ViewsError};
use crate::input::{Mode, ViewInput, validate};
use crate::model::{ACTIVITY_SCOPE, LogsView, snapshot};
use crate::repo::{LogsViewRepo, Page};
pub use activity_log::audit::{Caller, DirectoryError, Users};

/// New short ids drawn when one is taken. Each draw collides with probability
/// views/62^8, so a second is already rare; more only guard a broken generator.
pub const SHORT_ID_ATTEMPTS: usize = 5;
/// Edits re-read and re-apply this often when a concurrent edit won, then give up (409).
const EDIT_ATTEMPTS: usize = 3;

/// A view with its creator, as responses show it.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewWithAuthor<U> {
    pub view: LogsView,
    pub created_by: Option<U>,
}

/// Draws a short id; [`crate::short_id::generate`] unless a test needs a sequence.
pub type ShortIds = Arc<dyn Fn() -> String + Send + Sync>;

/// The saved-view use cases over one repository and one user directory.
pub struct LogsViewService<U> {
    pub repo: Arc<dyn LogsViewRepo>,
    pub users: Arc<dyn Users<User = U>>,
    pub short_ids: ShortIds,
}

impl<U> Clone for LogsViewService<U> {
    fn clone(&self) -> Self {
        Self { repo: self.repo.clone(), users: self.users.clone(), short_ids: self.short_ids.clone() }
    }
}

impl<U: Clone> LogsViewService<U> {
    pub fn new(repo: Arc<dyn LogsViewRepo>, users: Arc<dyn Users<User = U>>) -> Self {
        Self { repo, users, short_ids: Arc::new(crate::short_id::generate) }
    }

    /// Each creator is looked up once.
    fn with_authors(&self, views: Vec<LogsView>) -> Result<Vec<ViewWithAuthor<U>>> {
        let mut seen: HashMap<i64, Option<U>> = HashMap::new();
        let mut out = Vec::with_capacity(views.len());
        for view in views {
            let created_by = match view.created_by {
                Some(uid) => match seen.get(&uid) {
                    Some(u) => u.clone(),
                    None => {
                        let u = self.users.user(uid).map_err(ViewsError::Directory)?;
                        seen.insert(uid, u.clone());
                        u
                    }
                },
                None => None,
            };
            out.push(ViewWithAuthor { view, created_by });
        }
        Ok(out)
    }

    fn one(&self, view: LogsView) -> Result<ViewWithAuthor<U>> {
        self.with_authors(vec![view])?.pop().ok_or(ViewsError::NotFound)
    }

    fn current(&self, team: i64, short_id: &str) -> Result<LogsView> {
        self.repo.view(team, short_id)?.ok_or(ViewsError::NotFound)
    }

    /// The team's views, newest first.
    pub fn list(&self, team: i64, limit: i64, offset: i64) -> Result<Page<ViewWithAuthor<U>>> {
        let found = self.repo.list_views(team, limit, offset)?;
        Ok(Page { count: found.count, results: self.with_authors(found.results)? })
    }

    /// A new view with a fresh short id (another one is drawn if it is taken).
    pub fn create(
        &self,
        caller: &Caller,
        input: &ViewInput,
        now: OffsetDateTime,
    ) -> Result<ViewWithAuthor<U>> {
        let changes = validate(input, Mode::Create)?;
        let blank = LogsView {
            id: Uuid::now_v7(),
            short_id: String::new(),
            team_id: caller.team,
            name: String::new(),
            filters: Default::default(),
            pinned: false,
            columns: None,
            created_at: now,
            created_by: Some(caller.author.user_id),
            updated_at: now,
            version: 1,
        };
        let mut view = changes.apply(&blank);
        for _ in 0..SHORT_ID_ATTEMPTS {
            view.short_id = (self.short_ids)();
            let audit = caller.audit(
                ACTIVITY_SCOPE,
                view.id.to_string(),
                &view.name,
                What::Created(snapshot(&view)),
                now,
            );
            match self.repo.create_view(&view, &audit) {
                Ok(saved) => return self.one(saved),
                Err(ViewsError::ShortIdTaken(_)) => continue,
                Err(other) => return Err(other),
            }
        }
        Err(ViewsError::Storage(format!("no free short_id after {SHORT_ID_ATTEMPTS} draws")))
    }

    /// The team's view with this short id.
    pub fn get(&self, team: i64, short_id: &str) -> Result<ViewWithAuthor<U>> {
        self.one(self.current(team, short_id)?)
    }

    /// PUT (`Mode::Replace`) or PATCH (`Mode::Partial`); re-applied when a concurrent edit
    /// won the race, so the activity entry's "before" is what the edit replaced.
    pub fn update(
        &self,
        caller: &Caller,
        short_id: &str,
        input: &ViewInput,
        mode: Mode,
        now: OffsetDateTime,
    ) -> Result<ViewWithAuthor<U>> {
        // Looked up first, as DRF does: an unknown view is a 404 whatever the body.
        let mut cur = self.current(caller.team, short_id)?;
        let changes = validate(input, mode)?;
        for attempt in 0..EDIT_ATTEMPTS {
            if attempt > 0 {
                cur = self.current(caller.team, short_id)?;
            }
            let next = LogsView { updated_at: now, ..changes.clone().apply(&cur) };
            let audit = caller.audit(
                ACTIVITY_SCOPE,
                next.id.to_string(),
                &next.name,
                What::Updated(snapshot(&cur), snapshot(&next)),
                now,
            );
            match self.repo.update_view(&next, &audit) {
                Ok(saved) => return self.one(saved),
                Err(ViewsError::Conflict) => continue,
                Err(other) => return Err(other),
            }
        }
        Err(ViewsError::Conflict)
    }

    /// Deletes the team's view with this short id.
    pub fn delete(&self, caller: &Caller, short_id: &str, now: OffsetDateTime) -> Result<()> {
        let cur = self.current(caller.team, short_id)?;
        let audit =
            caller.audit(ACTIVITY_SCOPE, cur.id.to_string(), &cur.name, What::Deleted(snapshot(&cur)), now);
        self.repo.delete_view(caller.team, short_id, &audit)
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
