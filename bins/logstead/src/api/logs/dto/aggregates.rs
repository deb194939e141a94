//! Response shapes of the aggregate endpoints: count, count-ranges, sparkline, services.

use logs_query::SparklineBreakdownBy;
use logs_query::aggregate::{
    CountRange, ServicePoint, ServiceStats, ServicesReport, SparklinePoint, format_bucket_time,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct LogsCountResponse {
    pub count: u64,
}

/// A non-empty bucket `[date_from, date_to)`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogsCountRange {
    /// `2026-04-26T00:00:00Z`.
    #[schema(format = DateTime)]
    pub date_from: String,
    #[schema(format = DateTime)]
    pub date_to: String,
    pub count: u64,
}

impl From<&CountRange> for LogsCountRange {
    fn from(c: &CountRange) -> Self {
        Self {
            date_from: format_bucket_time(c.from_us),
            date_to: format_bucket_time(c.to_us),
            count: c.count,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LogsCountRangesResponse {
    /// Ordered by `date_from`; empty buckets are left out.
    pub ranges: Vec<LogsCountRange>,
    /// The bucket width: `30s`, `5m`, `2h`, `1d`.
    pub interval: String,
}

/// One sparkline bucket; `severity` or `service` is set, as `sparklineBreakdownBy` asks.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogsSparklinePoint {
    /// Bucket start.
    #[schema(format = DateTime)]
    pub time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub severity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub service: Option<String>,
    pub count: u64,
    pub bytes_uncompressed: u64,
}

impl LogsSparklinePoint {
    pub fn new(p: &SparklinePoint, by: SparklineBreakdownBy) -> Self {
        let (severity, service) = match by {
            SparklineBreakdownBy::Severity => (Some(p.value.clone()), None),
            SparklineBreakdownBy::Service => (None, Some(p.value.clone())),
        };
        Self {
            time: format_bucket_time(p.time_us),
            severity,
            service,
            count: p.count,
            bytes_uncompressed: p.bytes,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LogsSeverityBreakdown {
    /// trace + debug
    pub debug: u64,
    pub info: u64,
    pub warn: u64,
    /// error + fatal
    pub error: u64,
}

/// A sampling rule that could apply to a service.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogsActiveRule {
    pub rule_id: Uuid,
    pub rule_name: String,
    pub summary_string: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LogsServiceStats {
    pub service_name: String,
    pub log_count: u64,
    pub error_count: u64,
    pub error_rate: f64,
    pub volume_share_pct: f64,
    pub severity_breakdown: LogsSeverityBreakdown,
    /// Enabled sampling rules that can apply to the service (legacy `scope_service` unset
    /// or equal), by priority then creation time.
    pub active_rules: Vec<LogsActiveRule>,
}

impl From<&ServiceStats> for LogsServiceStats {
    fn from(s: &ServiceStats) -> Self {
        let b = &s.severity_breakdown;
        Self {
            service_name: s.service_name.clone(),
            log_count: s.log_count,
            error_count: s.error_count,
            error_rate: s.error_rate,
            volume_share_pct: s.volume_share_pct,
            severity_breakdown: LogsSeverityBreakdown {
                debug: b.debug,
                info: b.info,
                warn: b.warn,
                error: b.error,
            },
            active_rules: Vec::new(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LogsServicePoint {
    #[schema(format = DateTime)]
    pub time: String,
    pub service_name: String,
    pub count: u64,
}

impl From<&ServicePoint> for LogsServicePoint {
    fn from(p: &ServicePoint) -> Self {
        Self { time: format_bucket_time(p.time_us), service_name: p.service_name.clone(), count: p.count }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LogsServicesSummary {
    pub top_services_count: usize,
    pub top_services_volume_share_pct: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LogsServicesResponse {
    pub services: Vec<LogsServiceStats>,
    pub sparkline: Vec<LogsServicePoint>,
    pub summary: LogsServicesSummary,
    pub total_services: usize,
}

impl LogsServicesResponse {
    /// Fills each service's `active_rules` from the project's enabled rules (in walk order).
    pub fn with_active_rules(mut self, enabled: &[sampling::SamplingRule]) -> Self {
        for svc in &mut self.services {
            svc.active_rules = enabled
                .iter()
                .filter(|r| r.applies_to_service(&svc.service_name))
                .map(|r| LogsActiveRule {
                    rule_id: r.id,
                    rule_name: r.name.clone(),
                    summary_string: r.summary_string(),
                })
                .collect();
        }
        self
    }
}

impl From<&ServicesReport> for LogsServicesResponse {
    fn from(r: &ServicesReport) -> Self {
        Self {
            services: r.services.iter().map(Into::into).collect(),
            sparkline: r.sparkline.iter().map(Into::into).collect(),
            summary: LogsServicesSummary {
                top_services_count: r.summary.top_services_count,
                top_services_volume_share_pct: r.summary.top_services_volume_share_pct,
            },
            total_services: r.total_services,
        }
    }
}
