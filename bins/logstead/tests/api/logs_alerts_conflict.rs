//! Optimistic concurrency of alert edits: a concurrent edit between read and write makes
//! the handler re-read and re-apply; after three lost races it answers 409.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use activity_log::ActivityEntry;
use alerts_engine::repo::*;
use alerts_engine::state::EventKind;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::common;
use crate::logs_alerts::{alerts_path, api_filters};

/// The real repository, except that the next `races` alert updates are preceded by
/// another writer renaming the alert (which bumps its version).
struct Racing {
    inner: Arc<dyn AlertRepo>,
    races: AtomicUsize,
}

impl AlertRepo for Racing {
    fn update_alert(
        &self,
        alert: &Alert,
        event: Option<&NewEvent>,
        audit: &[ActivityEntry],
    ) -> Result<Alert> {
        if self.races.load(Ordering::SeqCst) > 0 {
            let n = self.races.fetch_sub(1, Ordering::SeqCst);
            let mut other = self.inner.alert(alert.team_id, alert.id)?.ok_or(AlertRepoError::NotFound)?;
            other.config.name = format!("concurrent {n}");
            self.inner.update_alert(&other, None, &[])?;
        }
        self.inner.update_alert(alert, event, audit)
    }
    fn create_alert(&self, alert: &Alert, max: usize, audit: &[ActivityEntry]) -> Result<Alert> {
        self.inner.create_alert(alert, max, audit)
    }
    fn alert(&self, team_id: i64, id: Uuid) -> Result<Option<Alert>> {
        self.inner.alert(team_id, id)
    }
    fn list_alerts(
        &self,
        team_id: i64,
        created_by: Option<i64>,
        limit: i64,
        offset: i64,
    ) -> Result<Page<Alert>> {
        self.inner.list_alerts(team_id, created_by, limit, offset)
    }
    fn delete_alert(&self, team_id: i64, id: Uuid, audit: &[ActivityEntry]) -> Result<()> {
        self.inner.delete_alert(team_id, id, audit)
    }
    fn events(
        &self,
        team_id: i64,
        alert_id: Uuid,
        kind: Option<EventKind>,
        limit: i64,
        offset: i64,
    ) -> Result<Page<StoredEvent>> {
        self.inner.events(team_id, alert_id, kind, limit, offset)
    }
    fn timeline_events(
        &self,
        alert_id: Uuid,
        from: OffsetDateTime,
    ) -> Result<(Option<EventKind>, Vec<StoredEvent>)> {
        self.inner.timeline_events(alert_id, from)
    }
    fn prune_events(&self, before: OffsetDateTime) -> Result<u64> {
        self.inner.prune_events(before)
    }
    fn create_destinations(
        &self,
        t: i64,
        a: Uuid,
        rows: &[Destination],
        audit: &[ActivityEntry],
    ) -> Result<()> {
        self.inner.create_destinations(t, a, rows, audit)
    }
    fn delete_destinations(&self, t: i64, a: Uuid, ids: &[Uuid], audit: &[ActivityEntry]) -> Result<()> {
        self.inner.delete_destinations(t, a, ids, audit)
    }
    fn destinations(&self, team_id: i64, alert_ids: &[Uuid]) -> Result<Vec<Destination>> {
        self.inner.destinations(team_id, alert_ids)
    }
    fn destination(&self, id: Uuid) -> Result<Option<Destination>> {
        self.inner.destination(id)
    }
    fn create_integration(&self, new: &NewIntegration, audit: &[ActivityEntry]) -> Result<Integration> {
        self.inner.create_integration(new, audit)
    }
    fn integrations(&self, team_id: i64) -> Result<Vec<Integration>> {
        self.inner.integrations(team_id)
    }
    fn integration(&self, team_id: i64, id: i64) -> Result<Option<Integration>> {
        self.inner.integration(team_id, id)
    }
    fn delete_integration(&self, team_id: i64, id: i64, audit: &[ActivityEntry]) -> Result<()> {
        self.inner.delete_integration(team_id, id, audit)
    }
    fn claim_due_alerts(&self, now: OffsetDateTime, lease: OffsetDateTime, limit: i64) -> Result<Vec<Alert>> {
        self.inner.claim_due_alerts(now, lease, limit)
    }
    fn record_check(&self, write: &CheckWrite) -> Result<bool> {
        self.inner.record_check(write)
    }
    fn record_checks(&self, writes: &[CheckWrite]) -> Result<Vec<bool>> {
        self.inner.record_checks(writes)
    }
    fn release_claim(&self, alert_id: Uuid) -> Result<()> {
        self.inner.release_claim(alert_id)
    }
    fn claim_deliveries(
        &self,
        now: OffsetDateTime,
        lease: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<Delivery>> {
        self.inner.claim_deliveries(now, lease, limit)
    }
    fn delivery_succeeded(&self, id: Uuid, now: OffsetDateTime) -> Result<()> {
        self.inner.delivery_succeeded(id, now)
    }
    fn delivery_failed(&self, id: Uuid, error: &str, retry_at: Option<OffsetDateTime>) -> Result<()> {
        self.inner.delivery_failed(id, error, retry_at)
    }
    fn deliveries_for_events(&self, event_ids: &[Uuid]) -> Result<Vec<Delivery>> {
        self.inner.deliveries_for_events(event_ids)
    }
}

crate::dual! {
    async fn lost_races_are_retried_then_409(app) {
        let racing = Arc::new(Racing { inner: app.state.alerts.clone(), races: AtomicUsize::new(0) });
        let mut state = app.state.clone();
        state.alerts = racing.clone();
        let svc = actix_web::test::init_service(logstead::app::build(state)).await;
        let call = |method: &str, path: String, body: serde_json::Value| {
            actix_web::test::TestRequest::default()
                .method(method.parse().unwrap())
                .uri(&path)
                .insert_header(("authorization", format!("Bearer {}", app.key)))
                .set_json(body)
                .to_request()
        };
        let base = alerts_path(app.project());
        let created = app.post(&base, &app.key, json!({"filters": api_filters()})).await.ok(201).clone();
        let one = format!("{base}{}/", created["id"].as_str().unwrap_or_default());

        // Two lost races: the third attempt applies the PATCH on top of the other edit.
        racing.races.store(2, Ordering::SeqCst);
        let res = actix_web::test::call_service(&svc, call("PATCH", one.clone(), json!({"threshold_count": 7}))).await;
        assert_eq!(res.status(), 200);
        let body: serde_json::Value = actix_web::test::read_body_json(res).await;
        assert_eq!((&body["threshold_count"], &body["name"]), (&json!(7), &json!("concurrent 1")));
        let events = app.get(&format!("{one}events/"), &app.key).await.ok(200).clone();
        assert_eq!(events["count"], 1, "one threshold_change event, not one per attempt");

        // Three lost races: 409, and the PATCH is not applied.
        racing.races.store(3, Ordering::SeqCst);
        let res = actix_web::test::call_service(&svc, call("PATCH", one.clone(), json!({"threshold_count": 9}))).await;
        assert_eq!(res.status(), 409);
        let body: serde_json::Value = actix_web::test::read_body_json(res).await;
        assert_eq!((&body["type"], &body["code"]), (&json!("invalid_request"), &json!("conflict")));
        let got = app.get(&one, &app.key).await.ok(200).clone();
        assert_eq!((&got["threshold_count"], &got["name"]), (&json!(7), &json!("concurrent 1")));
    }
}
