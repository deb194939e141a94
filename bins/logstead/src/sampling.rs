//! Sampling rules in the server: the ingest-path filter (rule cache + token buckets), the
//! per-rule counters (Prometheus, and hourly rows in the database so every server sharing
//! it contributes to `dropped_last_24h` / `kept_last_24h`), and the use cases' wiring.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use logs_query::LogRecord;
use prometheus::{IntCounterVec, Opts, Registry};
use sampling::repo::CounterDelta;
use sampling::service::SamplingService;
use sampling::{RuleCache, RuleCounts, SamplingError, SamplingRuleRepo};
use uuid::Uuid;

use crate::state::AppState;

/// How often the counters go to the database.
pub const FLUSH_EVERY: Duration = Duration::from_secs(5);
const HOUR_US: i64 = 3_600_000_000;

/// Counters per rule, exported under `logstead_sampling_*`.
struct Counters {
    records: IntCounterVec,
    bytes: IntCounterVec,
}

impl Counters {
    #[allow(clippy::expect_used)] // static, valid definitions: failing here is a programming error
    fn new(registry: Option<&Registry>) -> Self {
        let labels = ["team", "rule", "outcome"];
        let records = IntCounterVec::new(
            Opts::new(
                "sampling_records_total",
                "Log records each sampling rule decided, by outcome (kept, dropped).",
            ),
            &labels,
        )
        .expect("counter");
        let bytes = IntCounterVec::new(
            Opts::new(
                "sampling_bytes_total",
                "Bytes of the log records each sampling rule decided, by outcome.",
            ),
            &labels,
        )
        .expect("counter");
        if let Some(r) = registry {
            // Registering twice (a second AppState on the same registry) is harmless.
            let _ = r.register(Box::new(records.clone()));
            let _ = r.register(Box::new(bytes.clone()));
        }
        Self { records, bytes }
    }
}

pub struct Sampling {
    pub repo: Arc<dyn SamplingRuleRepo>,
    pub cache: RuleCache,
    pub limiter: sampling::Limiter,
    counters: Counters,
    /// Counts not yet written, by (team, rule, hour).
    pending: Mutex<HashMap<(i64, Uuid, i64), RuleCounts>>,
}

impl Sampling {
    pub fn new(repo: Arc<dyn SamplingRuleRepo>, refresh_us: i64, registry: Option<&Registry>) -> Self {
        Self {
            cache: RuleCache::new(repo.clone(), refresh_us),
            repo,
            limiter: sampling::Limiter::new(),
            counters: Counters::new(registry),
            pending: Mutex::default(),
        }
    }

    pub fn service(&self) -> SamplingService {
        SamplingService::new(self.repo.clone())
    }

    /// Spec §4.4 over one ingest batch: the records to store. When the rules cannot be
    /// loaded (and none are cached) everything is kept: sampling never drops on doubt.
    pub fn filter(&self, team: i64, mut records: Vec<LogRecord>, now_us: i64) -> Vec<LogRecord> {
        let set = match self.cache.rules(team, now_us) {
            Ok(set) if !set.is_empty() => set,
            Ok(_) => return records,
            Err(e) => {
                tracing::warn!(error = %e, team, "sampling rules unavailable; keeping every record");
                return records;
            }
        };
        let tally = set.filter(&mut records, &self.limiter, now_us);
        self.record(team, &tally, now_us);
        records
    }

    fn record(&self, team: i64, tally: &HashMap<Uuid, RuleCounts>, now_us: i64) {
        if tally.is_empty() {
            return;
        }
        let (team_label, hour) = (team.to_string(), now_us.div_euclid(HOUR_US) * HOUR_US);
        for (rule, c) in tally {
            let rule_label = rule.to_string();
            for (outcome, n, b) in
                [("kept", c.kept_records, c.kept_bytes), ("dropped", c.dropped_records, c.dropped_bytes)]
            {
                if n > 0 {
                    let labels = [team_label.as_str(), rule_label.as_str(), outcome];
                    self.counters.records.with_label_values(&labels).inc_by(n.unsigned_abs());
                    self.counters.bytes.with_label_values(&labels).inc_by(b.unsigned_abs());
                }
            }
        }
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        for (rule, c) in tally {
            pending.entry((team, *rule, hour)).or_default().add(c);
        }
    }

    /// Writes the pending counts; on failure they are kept for the next flush.
    pub fn flush(&self) -> Result<(), SamplingError> {
        let taken = std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner));
        if taken.is_empty() {
            return Ok(());
        }
        let deltas: Vec<CounterDelta> = taken
            .iter()
            .map(|(&(team_id, rule_id, hour_us), &counts)| CounterDelta { team_id, rule_id, hour_us, counts })
            .collect();
        self.repo.add_counts(&deltas).inspect_err(|_| {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            for (k, c) in &taken {
                pending.entry(*k).or_default().add(c);
            }
        })
    }

    /// Flushes before a read so this server's own counts are current; a failure only
    /// makes the totals a few seconds staler.
    pub fn flush_quietly(&self) {
        if let Err(e) = self.flush() {
            tracing::warn!(error = %e, "sampling counters flush");
        }
    }
}

/// Runs forever: flushes the counters every [`FLUSH_EVERY`].
pub async fn run_flusher(state: AppState) {
    loop {
        actix_web::rt::time::sleep(FLUSH_EVERY).await;
        let s = state.sampling.clone();
        let _ = actix_web::web::block(move || s.flush_quietly()).await;
    }
}
