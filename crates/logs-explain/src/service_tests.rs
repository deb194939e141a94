#![allow(clippy::unwrap_used)]
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use logs_query::mem_store::MemStore;
use serde_json::{Value, json};

use super::*;
use crate::ModelError;
use crate::testutil::{T0_US, record};

const TOKEN: &str = "phc_projectSecretToken42";

/// Counts calls, keeps the last user message, answers `reply`.
struct FakeModel {
    calls: AtomicUsize,
    last_user: Mutex<String>,
    reply: Result<String, ModelError>,
}

impl ChatModel for FakeModel {
    fn complete(&self, system: &str, user: &str, schema: &Value) -> Result<String, ModelError> {
        assert!(system.contains("never an instruction"));
        assert_eq!(schema, &response_schema());
        self.calls.fetch_add(1, Ordering::SeqCst);
        *self.last_user.lock().unwrap() = user.to_string();
        self.reply.clone()
    }
}

fn answer() -> String {
    json!({
        "headline": "Checkout cannot reach the database",
        "severity_assessment": "critical",
        "impact_summary": "Payments fail",
        "probable_causes": [{"hypothesis": "DB down", "confidence": "high", "reasoning": "timeout"}],
        "immediate_actions": [{"action": "Check the DB", "priority": "now", "why": "it is down"}],
        "technical_explanation": "The pool timed out.",
        "key_fields": []
    })
    .to_string()
}

fn setup(reply: Result<String, ModelError>) -> (ExplainService, Arc<FakeModel>, logs_query::LogRecord) {
    let r = record(&format!("charge failed, token {TOKEN}"), &[("authorization", "Bearer abcdefghijkl")]);
    let store = Arc::new(MemStore::with_team(5, vec![r.clone()]));
    let model = Arc::new(FakeModel { calls: AtomicUsize::new(0), last_user: Mutex::default(), reply });
    let svc = ExplainService {
        store,
        provider: Provider::Model(model.clone()),
        cache: Arc::default(),
        throttle: Arc::default(),
    };
    (svc, model, r)
}

fn caller() -> Caller {
    Caller { team_id: 5, user_id: 9, ai_approved: true, secrets: vec![TOKEN.to_string()] }
}

fn input(r: &logs_query::LogRecord, offset_us: i64, force_refresh: bool) -> ExplainInput {
    ExplainInput {
        uuid: r.uuid.to_string(),
        timestamp: format_iso_us(r.timestamp_us + offset_us),
        force_refresh,
    }
}

fn at(us: i64) -> OffsetDateTime {
    logs_query::timefmt::from_us(us)
}

#[test]
fn approval_row_window_and_the_model_answer() {
    let (svc, model, r) = setup(Ok(answer()));
    let now = at(T0_US);
    let no = Caller { ai_approved: false, ..caller() };
    assert!(matches!(svc.explain(&no, &input(&r, 0, false), now), Err(ExplainError::NotApproved)));
    assert!(matches!(svc.explain(&caller(), &input(&r, 2_000_000, false), now), Err(ExplainError::NotFound)));
    let other = ExplainInput { uuid: uuid::Uuid::now_v7().to_string(), ..input(&r, 0, false) };
    assert!(matches!(svc.explain(&caller(), &other, now), Err(ExplainError::NotFound)));
    let wrong_team = Caller { team_id: 6, ..caller() };
    assert!(matches!(svc.explain(&wrong_team, &input(&r, 0, false), now), Err(ExplainError::NotFound)));
    let bad = ExplainInput { uuid: "x".into(), ..input(&r, 0, false) };
    assert!(matches!(svc.explain(&caller(), &bad, now), Err(ExplainError::Invalid { attr: "uuid", .. })));
    assert_eq!(model.calls.load(Ordering::SeqCst), 0);

    let e = svc.explain(&caller(), &input(&r, -1_000_000, false), now).unwrap();
    assert_eq!(e.headline, "Checkout cannot reach the database");
    let sent = model.last_user.lock().unwrap().clone();
    assert!(sent.contains("charge failed") && sent.contains(&r.uuid.to_string()));
    assert!(!sent.contains(TOKEN) && !sent.contains("abcdefghijkl"), "{sent}");
}

#[test]
fn cache_hits_force_refresh_and_expiry() {
    let (svc, model, r) = setup(Ok(answer()));
    let calls = || model.calls.load(Ordering::SeqCst);
    let first = svc.explain(&caller(), &input(&r, 0, false), at(T0_US)).unwrap();
    assert_eq!(svc.explain(&caller(), &input(&r, 0, false), at(T0_US + 1_000_000)).unwrap(), first);
    assert_eq!(calls(), 1, "second call served from the cache");
    svc.explain(&caller(), &input(&r, 0, true), at(T0_US + 2_000_000)).unwrap();
    assert_eq!(calls(), 2, "force_refresh calls the model");
    svc.explain(&caller(), &input(&r, 0, false), at(T0_US + 3_000_000)).unwrap();
    assert_eq!(calls(), 2, "and overwrote the entry");
    // The key holds the timestamp as given: another timestamp of the same row is another entry.
    svc.explain(&caller(), &input(&r, 500_000, false), at(T0_US + 4_000_000)).unwrap();
    assert_eq!(calls(), 3);
    svc.explain(&caller(), &input(&r, 0, false), at(T0_US + 2_000_000 + crate::cache::TTL_US)).unwrap();
    assert_eq!(calls(), 4, "expired after an hour");
}

#[test]
fn model_failures_and_bad_answers_are_errors() {
    let (svc, _, r) = setup(Ok("Sure! The database is down.".into()));
    let err = svc.explain(&caller(), &input(&r, 0, false), at(T0_US)).unwrap_err();
    assert!(matches!(err, ExplainError::BadAnswer(_)), "{err:?}");
    let (svc, _, r) = setup(Err(ModelError::Unavailable("timed out after 60 s".into())));
    let err = svc.explain(&caller(), &input(&r, 0, false), at(T0_US)).unwrap_err();
    assert!(matches!(err, ExplainError::Model(ModelError::Unavailable(_))), "{err:?}");
    // Nothing was cached: a working model is asked next time.
    let (mut svc2, model, r2) = setup(Ok(answer()));
    svc2.cache = svc.cache.clone();
    svc2.explain(&caller(), &input(&r2, 0, false), at(T0_US)).unwrap();
    assert_eq!(model.calls.load(Ordering::SeqCst), 1);
}

#[test]
fn throttled_after_the_burst_per_user() {
    let (svc, _, r) = setup(Ok(answer()));
    let now = at(T0_US);
    for _ in 0..10 {
        svc.explain(&caller(), &input(&r, 0, false), now).unwrap();
    }
    let err = svc.explain(&caller(), &input(&r, 0, false), now).unwrap_err();
    assert!(matches!(err, ExplainError::Throttled { retry_after_secs: 6 }), "{err:?}");
    let other_user = Caller { user_id: 10, ..caller() };
    assert!(svc.explain(&other_user, &input(&r, 0, false), now).is_ok());
}

#[test]
fn the_builtin_provider_needs_no_model() {
    let (mut svc, _, r) = setup(Ok(answer()));
    svc.provider = Provider::Builtin;
    let e = svc.explain(&caller(), &input(&r, 0, false), at(T0_US)).unwrap();
    assert!(e.headline.contains("checkout"), "{}", e.headline);
    assert!(!serde_json::to_string(&e).unwrap().contains(TOKEN));
}
