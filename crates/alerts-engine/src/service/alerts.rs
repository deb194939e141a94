//! Alert CRUD, reset and events (spec §3.1, §3.4, §3.5).

use activity_log::audit::What;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use super::view::views;
use super::{AlertService, AlertView, Caller, EventsPage, ServiceError, ServiceResult};
use crate::edit::{self, ACTIVITY_SCOPE, AlertInput, Edit, Mode};
use crate::repo::{Alert, AlertRepoError, Page};
use crate::state::EventKind;

/// Edits re-read and re-apply this often when a concurrent edit won, then give up (409).
const EDIT_ATTEMPTS: usize = 3;
const EVENT_KINDS: &str =
    "[check, reset, enable, disable, snooze, unsnooze, threshold_change, broken_config]";

/// Filter shape errors read as the logs query layer words them (`Invalid filters shape at ...`).
pub(super) fn check_filters(filters: Option<&Value>) -> ServiceResult<()> {
    if let Some(f) = filters {
        logs_query::parse_alert_filters(f)?;
    }
    Ok(())
}

fn parse_kind(raw: &str) -> ServiceResult<EventKind> {
    serde_json::from_value(Value::String(raw.to_string())).map_err(|_| {
        ServiceError::invalid("kind", "invalid_choice", format!("Must be one of {EVENT_KINDS}."))
    })
}

impl<U: Clone> AlertService<U> {
    fn one(&self, alert: Alert, now: OffsetDateTime) -> ServiceResult<AlertView<U>> {
        let mut v = views(&*self.repo, &*self.users, vec![alert], true, now)?;
        v.pop().ok_or(ServiceError::Repo(AlertRepoError::NotFound))
    }

    pub(super) fn current(&self, team: i64, id: Uuid) -> ServiceResult<Alert> {
        Ok(self.repo.alert(team, id)?.ok_or(AlertRepoError::NotFound)?)
    }

    /// Reads, edits and writes the alert, retrying when a concurrent edit bumped its version.
    fn edit_with_retry(
        &self,
        caller: &Caller,
        id: Uuid,
        now: OffsetDateTime,
        f: &dyn Fn(&Alert) -> ServiceResult<Edit>,
    ) -> ServiceResult<AlertView<U>> {
        for _ in 0..EDIT_ATTEMPTS {
            let cur = self.current(caller.team, id)?;
            let e = f(&cur)?;
            let what = What::Updated(edit::snapshot(&cur), edit::snapshot(&e.alert));
            let audit = caller.audit(ACTIVITY_SCOPE, id.to_string(), &e.alert.config.name, what, now);
            match self.repo.update_alert(&e.alert, e.event.as_ref(), &audit) {
                Ok(saved) => return self.one(saved, now),
                Err(AlertRepoError::Conflict) => continue,
                Err(other) => return Err(other.into()),
            }
        }
        Err(AlertRepoError::Conflict.into())
    }

    /// Alerts of the team, newest first; `created_by` (a user uuid) narrows to one author.
    pub fn list(
        &self,
        team: i64,
        created_by: Option<&str>,
        limit: i64,
        offset: i64,
        now: OffsetDateTime,
    ) -> ServiceResult<Page<AlertView<U>>> {
        let author = match created_by {
            None => None,
            Some(raw) => {
                let uuid = Uuid::parse_str(raw)
                    .map_err(|_| ServiceError::invalid("created_by", "invalid", "Must be a valid UUID."))?;
                match self.users.user_id_by_uuid(uuid).map_err(ServiceError::Directory)? {
                    Some(id) => Some(id),
                    None => return Ok(Page { count: 0, results: Vec::new() }),
                }
            }
        };
        let found = self.repo.list_alerts(team, author, limit, offset)?;
        Ok(Page { count: found.count, results: views(&*self.repo, &*self.users, found.results, false, now)? })
    }

    /// Creates an alert (spec §3.1 defaults); at most `max_alerts_per_project` per project.
    pub fn create(
        &self,
        caller: &Caller,
        input: &AlertInput,
        now: OffsetDateTime,
    ) -> ServiceResult<AlertView<U>> {
        check_filters(input.filters.as_ref().and_then(Option::as_ref))?;
        let alert = edit::create(input, Uuid::now_v7(), caller.team, Some(caller.author.user_id), now)?;
        let what = What::Created(edit::snapshot(&alert));
        let audit = caller.audit(ACTIVITY_SCOPE, alert.id.to_string(), &alert.config.name, what, now);
        let saved = self.repo.create_alert(&alert, self.settings.max_alerts_per_project, &audit)?;
        self.one(saved, now)
    }

    /// One alert, with its destinations.
    pub fn get(&self, team: i64, id: Uuid, now: OffsetDateTime) -> ServiceResult<AlertView<U>> {
        self.one(self.current(team, id)?, now)
    }

    /// PATCH (`Mode::Partial`) or PUT (`Mode::Full`). Control-plane changes write their
    /// event in the same transaction.
    pub fn update(
        &self,
        caller: &Caller,
        id: Uuid,
        input: &AlertInput,
        mode: Mode,
        now: OffsetDateTime,
    ) -> ServiceResult<AlertView<U>> {
        check_filters(input.filters.as_ref().and_then(Option::as_ref))?;
        self.edit_with_retry(caller, id, now, &|cur| {
            let e = edit::update(cur, input, mode, now, Uuid::now_v7())?;
            self.check_gate(caller, cur, Some(&e.alert), Some((input, mode)), now)?;
            Ok(e)
        })
    }

    /// Deletes the alert with its events, destinations and queued notifications.
    pub fn delete(&self, caller: &Caller, id: Uuid, now: OffsetDateTime) -> ServiceResult<()> {
        let cur = self.current(caller.team, id)?;
        self.check_gate(caller, &cur, None, None, now)?;
        let what = What::Deleted(edit::snapshot(&cur));
        let audit = caller.audit(ACTIVITY_SCOPE, id.to_string(), &cur.config.name, what, now);
        Ok(self.repo.delete_alert(caller.team, id, &audit)?)
    }

    /// A broken alert back to `not_firing`, checked again on the next tick.
    pub fn reset(&self, caller: &Caller, id: Uuid, now: OffsetDateTime) -> ServiceResult<AlertView<U>> {
        self.edit_with_retry(caller, id, now, &|cur| {
            edit::reset(cur, now, Uuid::now_v7())
                .map_err(|e| ServiceError::invalid("state", "invalid_input", e.to_string()))
        })
    }

    /// The alert's events, newest first, with their notifications' deliveries; `kind`
    /// narrows to one event kind.
    pub fn events(
        &self,
        team: i64,
        id: Uuid,
        kind: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> ServiceResult<EventsPage> {
        let kind = kind.map(parse_kind).transpose()?;
        self.current(team, id)?;
        let events = self.repo.events(team, id, kind, limit, offset)?;
        let ids: Vec<Uuid> = events.results.iter().map(|e| e.id).collect();
        let deliveries = self.repo.deliveries_for_events(&ids)?;
        Ok(EventsPage { events, deliveries })
    }
}
