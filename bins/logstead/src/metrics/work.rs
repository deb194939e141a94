//! Metrics of the server's work: logs query latency by endpoint kind, alert checks by
//! outcome, notification delivery attempts by result, export jobs by outcome.

use std::time::Duration;

use alerts_engine::repo::DestinationType;
use alerts_engine::state::AlertState;
use prometheus::{HistogramVec, IntCounterVec, Registry};

use super::{counter, histogram};

/// The logs endpoints whose store work is timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryKind {
    Query,
    Count,
    CountRanges,
    Sparkline,
    Services,
    Attributes,
    Values,
    HasLogs,
}

impl QueryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            QueryKind::Query => "query",
            QueryKind::Count => "count",
            QueryKind::CountRanges => "count_ranges",
            QueryKind::Sparkline => "sparkline",
            QueryKind::Services => "services",
            QueryKind::Attributes => "attributes",
            QueryKind::Values => "values",
            QueryKind::HasLogs => "has_logs",
        }
    }
}

/// What a stored alert check ended as, or why it was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckOutcome {
    /// Stored; the alert's state after it.
    Stored(AlertState),
    /// Dropped: the alert was edited or deleted while it was being checked.
    Discarded,
    /// The write failed; the check is retried after its lease.
    NotStored,
}

impl CheckOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckOutcome::Stored(AlertState::NotFiring) => "not_firing",
            CheckOutcome::Stored(AlertState::Firing) => "firing",
            CheckOutcome::Stored(AlertState::PendingResolve) => "pending_resolve",
            CheckOutcome::Stored(AlertState::Errored) => "errored",
            CheckOutcome::Stored(AlertState::Snoozed) => "snoozed",
            CheckOutcome::Stored(AlertState::Broken) => "broken",
            CheckOutcome::Discarded => "discarded",
            CheckOutcome::NotStored => "not_stored",
        }
    }
}

/// What one delivery attempt led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryResult {
    Delivered,
    /// Failed; another attempt is scheduled.
    Retry,
    /// Failed for good (last attempt, refused target, or destination gone).
    Dead,
}

impl DeliveryResult {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryResult::Delivered => "delivered",
            DeliveryResult::Retry => "retry",
            DeliveryResult::Dead => "dead",
        }
    }
}

pub struct WorkMetrics {
    query_latency: HistogramVec,
    alert_checks: IntCounterVec,
    deliveries: IntCounterVec,
    exports: IntCounterVec,
    export_duration: HistogramVec,
}

impl WorkMetrics {
    pub fn new(registry: &Registry) -> Self {
        Self {
            // 1 ms .. ~33 s.
            query_latency: histogram(
                registry,
                "logs_query_duration_seconds",
                "Time the log store took to answer a logs endpoint, by kind (query, count, count_ranges, \
                 sparkline, services, attributes, values, has_logs).",
                &["kind"],
                (0.001, 16),
            ),
            alert_checks: counter(
                registry,
                "alert_checks_total",
                "Alert checks by outcome: the state stored (not_firing, firing, errored, snoozed, broken), \
                 or discarded (the alert changed meanwhile) or not_stored (write failed, retried).",
                &["outcome"],
            ),
            deliveries: counter(
                registry,
                "alert_delivery_attempts_total",
                "Notification delivery attempts by destination type (webhook, slack) and result \
                 (delivered, retry, dead).",
                &["type", "result"],
            ),
            exports: counter(
                registry,
                "export_jobs_total",
                "Export jobs run, by kind (logs, activity_log, other) and outcome (succeeded, failed).",
                &["kind", "outcome"],
            ),
            export_duration: histogram(
                registry,
                "export_job_duration_seconds",
                "Time to write one export file, by kind.",
                &["kind"],
                (0.01, 14),
            ),
        }
    }

    pub fn query(&self, kind: QueryKind, took: Duration) {
        self.query_latency.with_label_values(&[kind.as_str()]).observe(took.as_secs_f64());
    }

    pub fn alert_check(&self, outcome: CheckOutcome) {
        self.alert_checks.with_label_values(&[outcome.as_str()]).inc();
    }

    pub fn delivery(&self, dtype: DestinationType, result: DeliveryResult) {
        let t = match dtype {
            DestinationType::Webhook => "webhook",
            DestinationType::Slack => "slack",
        };
        self.deliveries.with_label_values(&[t, result.as_str()]).inc();
    }

    /// `kind` is the job's; unknown kinds are counted as `other`.
    pub fn export(&self, kind: &str, ok: bool, took: Duration) {
        let kind = match kind {
            exports::KIND_LOGS => "logs",
            exports::KIND_ACTIVITY_LOG => "activity_log",
            _ => "other",
        };
        let outcome = if ok { "succeeded" } else { "failed" };
        self.exports.with_label_values(&[kind, outcome]).inc();
        self.export_duration.with_label_values(&[kind]).observe(took.as_secs_f64());
    }
}
