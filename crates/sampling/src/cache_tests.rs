use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use activity_log::ActivityEntry;
use logs_query::Severity;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::*;
use crate::error::SamplingError;
use crate::eval::Limiter;
use crate::model::{RuleType, SamplingRule};
use crate::repo::{CounterDelta, Page, RuleCounts};
use crate::testutil::{T0_US, record, rule};

/// Counts the cache's two queries; `fail` makes them error.
#[derive(Default)]
struct Fake {
    rules: Mutex<Vec<SamplingRule>>,
    stamps: AtomicUsize,
    loads: AtomicUsize,
    fail: std::sync::atomic::AtomicBool,
}

impl Fake {
    fn check(&self) -> crate::error::Result<()> {
        if self.fail.load(Ordering::SeqCst) { Err(SamplingError::Storage("down".into())) } else { Ok(()) }
    }
}

impl SamplingRuleRepo for Fake {
    fn list(&self, _: i64, _: i64, _: i64) -> crate::error::Result<Page<SamplingRule>> {
        unimplemented!()
    }
    fn get(&self, _: i64, _: Uuid) -> crate::error::Result<Option<SamplingRule>> {
        unimplemented!()
    }
    fn max_priority(&self, _: i64) -> crate::error::Result<Option<i64>> {
        unimplemented!()
    }
    fn create(&self, _: &SamplingRule, _: &[ActivityEntry]) -> crate::error::Result<SamplingRule> {
        unimplemented!()
    }
    fn update(&self, _: &SamplingRule, _: &[ActivityEntry]) -> crate::error::Result<SamplingRule> {
        unimplemented!()
    }
    fn delete(&self, _: i64, _: Uuid, _: &[ActivityEntry]) -> crate::error::Result<()> {
        unimplemented!()
    }
    fn reorder(
        &self,
        _: i64,
        _: &[Uuid],
        _: OffsetDateTime,
        _: &[ActivityEntry],
    ) -> crate::error::Result<Vec<SamplingRule>> {
        unimplemented!()
    }
    fn enabled(&self, _: i64) -> crate::error::Result<Vec<SamplingRule>> {
        self.check()?;
        self.loads.fetch_add(1, Ordering::SeqCst);
        Ok(self.rules.lock().expect("lock").iter().filter(|r| r.enabled).cloned().collect())
    }
    fn stamp(&self, _: i64) -> crate::error::Result<Stamp> {
        self.check()?;
        self.stamps.fetch_add(1, Ordering::SeqCst);
        let rules = self.rules.lock().expect("lock");
        Ok(Stamp {
            count: rules.len() as i64,
            version_sum: rules.iter().map(|r| r.version).sum(),
            max_updated_us: 0,
        })
    }
    fn add_counts(&self, _: &[CounterDelta]) -> crate::error::Result<()> {
        unimplemented!()
    }
    fn counts_since(&self, _: i64, _: i64) -> crate::error::Result<HashMap<Uuid, RuleCounts>> {
        unimplemented!()
    }
}

const MS: i64 = 1000;

#[test]
fn one_stamp_query_per_refresh_and_a_reload_only_when_it_changes() {
    let fake = Arc::new(Fake::default());
    fake.rules.lock().expect("lock").push(rule(1, RuleType::PathDrop, json!({"patterns": ["^/h"]})));
    let cache = RuleCache::new(fake.clone(), DEFAULT_REFRESH_US);
    let hit = record("a", Severity::Info, &[("path", "/h")]);
    for i in 0..100 {
        let set = cache.rules(1, T0_US + i * 10 * MS).expect("rules");
        assert!(!set.decide(&hit, &Limiter::new(), T0_US).keep);
    }
    assert_eq!(
        (fake.stamps.load(Ordering::SeqCst), fake.loads.load(Ordering::SeqCst)),
        (1, 1),
        "1 s of requests: one lookup"
    );
    cache.rules(1, T0_US + 2_000 * MS).expect("rules");
    assert_eq!(
        (fake.stamps.load(Ordering::SeqCst), fake.loads.load(Ordering::SeqCst)),
        (2, 1),
        "same stamp: no reload"
    );
    {
        let mut rules = fake.rules.lock().expect("lock");
        rules[0].enabled = false;
        rules[0].version += 1;
    }
    assert!(
        !cache.rules(1, T0_US + 3_000 * MS).expect("rules").is_empty(),
        "still within the refresh interval"
    );
    let set = cache.rules(1, T0_US + 4_001 * MS).expect("rules");
    assert!(set.is_empty(), "the disabled rule is gone after one refresh");
    assert_eq!(fake.loads.load(Ordering::SeqCst), 2);
}

#[test]
fn a_failing_database_keeps_the_last_set_and_errors_without_one() {
    let fake = Arc::new(Fake::default());
    fake.rules.lock().expect("lock").push(rule(1, RuleType::PathDrop, json!({"patterns": ["^/h"]})));
    let cache = RuleCache::new(fake.clone(), DEFAULT_REFRESH_US);
    assert_eq!(cache.rules(1, T0_US).expect("rules").len(), 1);
    fake.fail.store(true, Ordering::SeqCst);
    assert_eq!(cache.rules(1, T0_US + 5_000 * MS).expect("stale set").len(), 1);
    assert!(cache.rules(2, T0_US).is_err(), "no set known for team 2");
}
