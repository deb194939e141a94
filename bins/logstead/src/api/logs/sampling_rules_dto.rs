//! Request and response shapes of `.../logs/sampling_rules/` (spec §4).

use std::collections::BTreeMap;

use logs_query::timefmt;
use sampling::service::RuleView;
use sampling::simulate::{Report, ServiceTally, Tally, pct};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::dto::iso;

/// Create / PUT / PATCH body (documentation; parsed as `sampling::validate::RuleInput`).
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // read by utoipa only
pub struct SamplingRuleBody {
    /// Required, at most 255 characters.
    #[schema(max_length = 255)]
    pub name: Option<String>,
    /// Default false; disabled rules are ignored by ingestion.
    pub enabled: Option<bool>,
    /// ≥ 0; omitted or null on create appends (max + 1, 0 for the first rule).
    #[schema(minimum = 0)]
    pub priority: Option<i64>,
    /// `severity_sampling`, `path_drop` or `rate_limit`.
    pub rule_type: Option<String>,
    #[schema(max_length = 512)]
    pub scope_service: Option<String>,
    /// RE2 regex over the path string.
    #[schema(max_length = 1024)]
    pub scope_path_pattern: Option<String>,
    /// List of `{key, op, value?}` objects; stored, not evaluated.
    pub scope_attribute_filters: Option<Vec<Value>>,
    /// Per `rule_type` (spec §4.2), optionally with `always_keep`.
    pub config: Option<Value>,
}

/// `POST .../reorder/` body.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // read by utoipa only
pub struct SamplingReorderBody {
    /// Every rule of the project exactly once, first to run first.
    pub ordered_ids: Vec<Uuid>,
}

/// `POST .../:id/simulate/` body: any rule field overrides the stored one (a draft).
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // read by utoipa only
pub struct SamplingSimulateBody {
    pub config: Option<Value>,
    pub rule_type: Option<String>,
    pub scope_service: Option<String>,
    pub scope_path_pattern: Option<String>,
    /// ISO 8601 or relative (`-24h`); default `-24h`.
    pub date_from: Option<String>,
    /// ISO 8601 or relative; default now.
    pub date_to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SamplingRuleDto {
    pub id: Uuid,
    pub name: String,
    pub enabled: bool,
    pub priority: i64,
    pub rule_type: String,
    pub scope_service: Option<String>,
    pub scope_path_pattern: Option<String>,
    pub scope_attribute_filters: Value,
    pub config: Value,
    pub version: i64,
    /// The creator's user id.
    pub created_by: Option<i64>,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    /// Records this rule dropped / kept over the last 24 hourly counters (every server).
    pub dropped_last_24h: i64,
    pub kept_last_24h: i64,
    pub dropped_bytes_last_24h: i64,
    pub kept_bytes_last_24h: i64,
}

pub fn render(v: RuleView) -> SamplingRuleDto {
    let r = v.rule;
    SamplingRuleDto {
        id: r.id,
        name: r.name,
        enabled: r.enabled,
        priority: r.priority,
        rule_type: r.rule_type.as_str().to_string(),
        scope_service: r.scope_service,
        scope_path_pattern: r.scope_path_pattern,
        scope_attribute_filters: r.scope_attribute_filters,
        config: r.config,
        version: r.version,
        created_by: r.created_by,
        created_at: r.created_at,
        updated_at: r.updated_at,
        dropped_last_24h: v.last_24h.dropped_records,
        kept_last_24h: v.last_24h.kept_records,
        dropped_bytes_last_24h: v.last_24h.dropped_bytes,
        kept_bytes_last_24h: v.last_24h.kept_bytes,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SimulateTally {
    pub examined: u64,
    pub dropped: u64,
    pub kept: u64,
}

impl From<Tally> for SimulateTally {
    fn from(t: Tally) -> Self {
        Self { examined: t.examined, dropped: t.dropped, kept: t.kept }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SimulateService {
    pub service_name: String,
    pub records: SimulateTally,
    pub bytes: SimulateTally,
    pub estimated_reduction_pct: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SimulateExample {
    pub uuid: Uuid,
    #[schema(format = DateTime)]
    pub timestamp: String,
    pub service_name: String,
    pub severity_text: String,
    pub body: String,
}

/// Simulate's answer: PostHog's two fields plus what the replay saw. (Named apart from the
/// alerts' `SimulateResponse`: one name, one schema.)
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SamplingSimulateResponse)]
pub struct SimulateResponse {
    /// Percent of the examined records this rule would drop.
    pub estimated_reduction_pct: f64,
    pub estimated_bytes_reduction_pct: f64,
    pub notes: String,
    #[schema(format = DateTime)]
    pub date_from: String,
    #[schema(format = DateTime)]
    pub date_to: String,
    pub records: SimulateTally,
    pub bytes: SimulateTally,
    /// Records rules earlier in the walk would drop before this one sees them.
    pub dropped_by_other_rules: u64,
    pub rows_in_window: u64,
    /// True when only part of the window was read (see `sample_fraction`).
    pub sampled: bool,
    pub sample_fraction: f64,
    pub services: Vec<SimulateService>,
    /// Up to 5 records this rule would drop.
    pub examples: Vec<SimulateExample>,
}

fn service(name: String, s: ServiceTally) -> SimulateService {
    let estimated_reduction_pct = pct(s.records.dropped, s.records.examined);
    SimulateService {
        service_name: name,
        records: s.records.into(),
        bytes: s.bytes.into(),
        estimated_reduction_pct,
    }
}

fn notes(r: &Report) -> String {
    let mut n = format!(
        "Replayed the enabled rules with this rule over {} stored records; it would drop {} of them ({}%).",
        r.records.examined,
        r.records.dropped,
        r.estimated_reduction_pct()
    );
    if r.sampled {
        n.push_str(&format!(
            " Sampled: {:.2}% of the {} records in the window, read in blocks in proportion to traffic and weighed by it.",
            100.0 * r.sample_fraction,
            r.rows_in_window
        ));
    }
    n.push_str(" Stored logs are what earlier rules already kept, and records without a trace id are sampled at random.");
    n
}

pub fn render_report(r: Report) -> SimulateResponse {
    let services: BTreeMap<String, ServiceTally> = r.per_service.clone();
    SimulateResponse {
        estimated_reduction_pct: r.estimated_reduction_pct(),
        estimated_bytes_reduction_pct: r.estimated_bytes_reduction_pct(),
        notes: notes(&r),
        date_from: timefmt::format_iso_us(r.from_us),
        date_to: timefmt::format_iso_us(r.to_us),
        records: r.records.into(),
        bytes: r.bytes.into(),
        dropped_by_other_rules: r.dropped_by_other_rules,
        rows_in_window: r.rows_in_window,
        sampled: r.sampled,
        sample_fraction: r.sample_fraction,
        services: services.into_iter().map(|(k, v)| service(k, v)).collect(),
        examples: r
            .examples
            .into_iter()
            .map(|e| SimulateExample {
                uuid: e.uuid,
                timestamp: timefmt::format_iso_us(e.timestamp_us),
                service_name: e.service_name,
                severity_text: e.severity.as_str().to_string(),
                body: e.body,
            })
            .collect(),
    }
}
