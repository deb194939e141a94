#![allow(clippy::unwrap_used)]
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use activity_log::audit::Author;
use activity_log::{ActivityEntry, Client};
use serde_json::{Value, json};
use time::macros::datetime;

use super::*;

const NOW: OffsetDateTime = datetime!(2026-12-07 10:00 UTC);

/// Views and the entries written with them, in memory; `conflicts` edits lose a race.
#[derive(Default)]
struct Fake {
    views: Mutex<Vec<LogsView>>,
    audit: Mutex<Vec<ActivityEntry>>,
    conflicts: AtomicUsize,
}

impl LogsViewRepo for Fake {
    fn create_view(&self, view: &LogsView, audit: &[ActivityEntry]) -> Result<LogsView> {
        let mut views = self.views.lock().unwrap();
        if views.iter().any(|v| v.team_id == view.team_id && v.short_id == view.short_id) {
            return Err(ViewsError::ShortIdTaken(view.short_id.clone()));
        }
        views.push(view.clone());
        self.audit.lock().unwrap().extend_from_slice(audit);
        Ok(view.clone())
    }
    fn view(&self, team_id: i64, short_id: &str) -> Result<Option<LogsView>> {
        let views = self.views.lock().unwrap();
        Ok(views.iter().find(|v| v.team_id == team_id && v.short_id == short_id).cloned())
    }
    fn list_views(&self, team_id: i64, limit: i64, offset: i64) -> Result<Page<LogsView>> {
        let mut mine: Vec<LogsView> =
            self.views.lock().unwrap().iter().filter(|v| v.team_id == team_id).cloned().collect();
        mine.sort_by_key(|v| std::cmp::Reverse((v.created_at, v.id)));
        let count = mine.len() as u64;
        Ok(Page { count, results: mine.into_iter().skip(offset as usize).take(limit as usize).collect() })
    }
    fn update_view(&self, view: &LogsView, audit: &[ActivityEntry]) -> Result<LogsView> {
        let mut views = self.views.lock().unwrap();
        let slot = views
            .iter_mut()
            .find(|v| v.id == view.id && v.team_id == view.team_id)
            .ok_or(ViewsError::NotFound)?;
        if self.conflicts.load(Ordering::SeqCst) > 0 {
            self.conflicts.fetch_sub(1, Ordering::SeqCst);
            slot.version += 1;
            slot.pinned = !slot.pinned;
        }
        if slot.version != view.version {
            return Err(ViewsError::Conflict);
        }
        *slot = LogsView { version: view.version + 1, ..view.clone() };
        self.audit.lock().unwrap().extend_from_slice(audit);
        Ok(slot.clone())
    }
    fn delete_view(&self, team_id: i64, short_id: &str, audit: &[ActivityEntry]) -> Result<()> {
        let mut views = self.views.lock().unwrap();
        let before = views.len();
        views.retain(|v| !(v.team_id == team_id && v.short_id == short_id));
        if views.len() == before {
            return Err(ViewsError::NotFound);
        }
        self.audit.lock().unwrap().extend_from_slice(audit);
        Ok(())
    }
}

struct Names;

impl Users for Names {
    type User = String;
    fn user(&self, id: i64) -> std::result::Result<Option<String>, DirectoryError> {
        Ok((id == 7).then(|| "ada".to_string()))
    }
    fn user_id_by_uuid(&self, _: Uuid) -> std::result::Result<Option<i64>, DirectoryError> {
        Ok(None)
    }
}

fn service(fake: &Arc<Fake>) -> LogsViewService<String> {
    LogsViewService::new(fake.clone(), Arc::new(Names))
}

/// A service whose short ids come from `ids`, in order.
fn scripted(fake: &Arc<Fake>, ids: &[&str]) -> LogsViewService<String> {
    let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    let next = AtomicUsize::new(0);
    let short_ids: ShortIds = Arc::new(move || ids[next.fetch_add(1, Ordering::SeqCst) % ids.len()].clone());
    LogsViewService { short_ids, ..service(fake) }
}

fn caller(team: i64) -> Caller {
    Caller { author: Author { user_id: 7, client: Client::ApiKey }, org: Some(Uuid::nil()), team }
}

fn input(v: Value) -> ViewInput {
    serde_json::from_value(v).unwrap()
}

fn activities(fake: &Fake) -> Vec<(String, String)> {
    fake.audit.lock().unwrap().iter().map(|e| (e.scope.clone(), e.activity.clone())).collect()
}

#[test]
fn create_fills_server_fields_and_records_it() {
    let fake = Arc::new(Fake::default());
    let got = service(&fake).create(&caller(1), &input(json!({"name": "Errors"})), NOW).unwrap();
    let v = &got.view;
    assert_eq!(v.short_id.len(), 8);
    assert!(v.short_id.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!((v.team_id, v.created_by, v.created_at, v.updated_at), (1, Some(7), NOW, NOW));
    assert_eq!((v.pinned, v.columns.as_ref(), v.filters.len()), (false, None, 0));
    assert_eq!(got.created_by.as_deref(), Some("ada"));
    let audit = fake.audit.lock().unwrap();
    assert_eq!(audit.len(), 1);
    let e = &audit[0];
    assert_eq!((e.scope.as_str(), e.activity.as_str(), e.team_id), ("LogsView", "created", Some(1)));
    assert_eq!(e.item_id.as_deref(), Some(v.id.to_string().as_str()));
}

#[test]
fn a_taken_short_id_is_drawn_again_per_team() {
    let fake = Arc::new(Fake::default());
    let svc = scripted(&fake, &["AAAAAAAA", "AAAAAAAA", "BBBBBBBB"]);
    let first = svc.create(&caller(1), &input(json!({"name": "a"})), NOW).unwrap();
    let second = svc.create(&caller(1), &input(json!({"name": "b"})), NOW).unwrap();
    assert_eq!((first.view.short_id.as_str(), second.view.short_id.as_str()), ("AAAAAAAA", "BBBBBBBB"));
    assert_eq!(fake.audit.lock().unwrap().len(), 2, "the refused insert wrote no entry");
    // Another team may use the same short id.
    let other = scripted(&fake, &["AAAAAAAA"]).create(&caller(2), &input(json!({"name": "c"})), NOW).unwrap();
    assert_eq!(other.view.short_id, "AAAAAAAA");
}

#[test]
fn a_stuck_generator_gives_up() {
    let fake = Arc::new(Fake::default());
    let svc = scripted(&fake, &["SAMESAME"]);
    svc.create(&caller(1), &input(json!({"name": "a"})), NOW).unwrap();
    let r = svc.create(&caller(1), &input(json!({"name": "b"})), NOW);
    assert!(matches!(r, Err(ViewsError::Storage(_))), "{r:?}");
}

#[test]
fn invalid_bodies_write_nothing() {
    let fake = Arc::new(Fake::default());
    let r = service(&fake).create(&caller(1), &input(json!({"name": ""})), NOW);
    assert!(matches!(r, Err(ViewsError::Invalid { ref attr, .. }) if attr == "name"), "{r:?}");
    assert!(fake.views.lock().unwrap().is_empty() && fake.audit.lock().unwrap().is_empty());
}

#[test]
fn lookups_are_team_scoped() {
    let fake = Arc::new(Fake::default());
    let svc = service(&fake);
    let v = svc.create(&caller(1), &input(json!({"name": "a"})), NOW).unwrap().view;
    assert!(matches!(svc.get(2, &v.short_id), Err(ViewsError::NotFound)));
    let r = svc.update(&caller(2), &v.short_id, &input(json!({"name": "x"})), Mode::Partial, NOW);
    assert!(matches!(r, Err(ViewsError::NotFound)));
    let r = svc.update(&caller(2), &v.short_id, &input(json!({"name": ""})), Mode::Partial, NOW);
    assert!(matches!(r, Err(ViewsError::NotFound)), "the lookup comes before validation: {r:?}");
    assert!(matches!(svc.delete(&caller(2), &v.short_id, NOW), Err(ViewsError::NotFound)));
    assert_eq!(svc.get(1, &v.short_id).unwrap().view.name, "a");
    assert_eq!(svc.list(2, 10, 0).unwrap().count, 0);
}

#[test]
fn list_is_newest_first_and_paged() {
    let fake = Arc::new(Fake::default());
    let svc = service(&fake);
    for (i, name) in ["old", "mid", "new"].into_iter().enumerate() {
        svc.create(&caller(1), &input(json!({"name": name})), NOW + time::Duration::minutes(i as i64))
            .unwrap();
    }
    let page = svc.list(1, 2, 0).unwrap();
    let names: Vec<&str> = page.results.iter().map(|v| v.view.name.as_str()).collect();
    assert_eq!((page.count, names), (3, vec!["new", "mid"]));
    assert_eq!(svc.list(1, 2, 2).unwrap().results[0].view.name, "old");
}

#[test]
fn update_records_the_change_and_skips_no_ops() {
    let fake = Arc::new(Fake::default());
    let svc = service(&fake);
    let v = svc
        .create(&caller(1), &input(json!({"name": "a", "filters": {"searchTerm": "x"}})), NOW)
        .unwrap()
        .view;
    let later = NOW + time::Duration::minutes(5);
    let p = svc
        .update(&caller(1), &v.short_id, &input(json!({"pinned": true})), Mode::Partial, later)
        .unwrap()
        .view;
    assert_eq!((p.pinned, p.filters.get("searchTerm"), p.updated_at), (true, Some(&json!("x")), later));
    assert_eq!((p.created_at, &p.short_id, p.id), (NOW, &v.short_id, v.id));
    svc.update(&caller(1), &v.short_id, &input(json!({"pinned": true})), Mode::Partial, later).unwrap();
    svc.delete(&caller(1), &v.short_id, later).unwrap();
    let acts: Vec<String> = activities(&fake).into_iter().map(|(_, a)| a).collect();
    assert_eq!(acts, ["created", "updated", "deleted"], "the no-op PATCH is not recorded");
    let changes = fake.audit.lock().unwrap()[1].detail.clone().unwrap()["changes"].clone();
    assert!(
        changes.as_array().is_some_and(|c| c.iter().any(|c| c["field"] == "pinned" && c["after"] == true)),
        "{changes}"
    );
}

#[test]
fn a_lost_race_is_re_applied_then_gives_up() {
    let fake = Arc::new(Fake::default());
    let svc = service(&fake);
    let v = svc.create(&caller(1), &input(json!({"name": "a"})), NOW).unwrap().view;
    fake.conflicts.store(1, Ordering::SeqCst);
    let got =
        svc.update(&caller(1), &v.short_id, &input(json!({"name": "b"})), Mode::Partial, NOW).unwrap().view;
    assert_eq!((got.name.as_str(), got.pinned), ("b", true), "re-read picks up the other edit");
    fake.conflicts.store(10, Ordering::SeqCst);
    let r = svc.update(&caller(1), &v.short_id, &input(json!({"name": "c"})), Mode::Partial, NOW);
    assert!(matches!(r, Err(ViewsError::Conflict)), "{r:?}");
}
