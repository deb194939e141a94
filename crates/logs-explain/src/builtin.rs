//! The built-in explainer: no network. It reads the record and the store around it
//! ([`evidence`]) and writes the explanation from them, quoting real values.

pub mod causes;
pub mod evidence;
pub mod facts;

use logs_query::timefmt::format_iso_us;
use logs_query::{LogRecord, LogStore, Severity};
use time::OffsetDateTime;

use self::causes::{causes_and_actions, times};
use self::evidence::Evidence;
use self::facts::Facts;
use crate::ExplainError;
use crate::answer::{Explanation, SeverityAssessment};
use crate::context::LogContext;

pub fn explain(
    store: &dyn LogStore,
    team_id: i64,
    record: &LogRecord,
    secrets: &[String],
    now: OffsetDateTime,
) -> Result<Explanation, ExplainError> {
    let ctx = LogContext::of(record, secrets);
    let ev = evidence::gather(store, team_id, record, secrets, now)?;
    Ok(compose(&ctx, record.severity, &ev).validated()?)
}

pub fn compose(ctx: &LogContext, severity: Severity, ev: &Evidence) -> Explanation {
    let f = Facts::of(ctx, severity);
    let (probable_causes, immediate_actions) = causes_and_actions(&f, ev);
    Explanation {
        headline: headline(&f),
        severity_assessment: assess(&f, ev),
        impact_summary: impact(&f, ev),
        probable_causes,
        immediate_actions,
        technical_explanation: technical(&f, ev),
        key_fields: f.key_fields(),
    }
}

fn headline(f: &Facts<'_>) -> String {
    let endpoint = f.endpoint();
    let on = if endpoint.is_empty() { String::new() } else { format!(" on {endpoint}") };
    let text = match (f.exception_type, f.status) {
        (Some(t), _) => format!("{t} in {}{on}", f.service()),
        (None, Some(s)) if s >= 400 => format!("HTTP {s} from {}{on}", f.service()),
        _ => format!("{} {}: {}", f.service(), f.ctx.severity_text, f.message),
    };
    // At most 10 words, as the schema asks.
    text.split_whitespace().take(10).collect::<Vec<_>>().join(" ")
}

fn assess(f: &Facts<'_>, ev: &Evidence) -> SeverityAssessment {
    let failing = f.exception_type.is_some() || f.status.is_some_and(|s| s >= 500);
    match f.severity {
        Severity::Fatal => SeverityAssessment::Critical,
        Severity::Error if ev.rising() && failing => SeverityAssessment::Critical,
        Severity::Error => SeverityAssessment::Error,
        _ if failing => SeverityAssessment::Error,
        Severity::Warn => SeverityAssessment::Warning,
        _ if f.status.is_some_and(|s| s >= 400) => SeverityAssessment::Warning,
        _ => SeverityAssessment::Ok,
    }
}

fn impact(f: &Facts<'_>, ev: &Evidence) -> String {
    let mut parts = Vec::new();
    let endpoint = f.endpoint();
    let mut first = match (endpoint.is_empty(), f.status) {
        (false, Some(s)) => format!("Callers of {endpoint} on {} got HTTP {s}", f.service()),
        (false, None) => format!("Requests to {endpoint} on {}", f.service()),
        (true, _) => format!("{} (level {})", f.service(), f.ctx.severity_text),
    };
    if let Some(env) = f.ctx.value(&["deployment.environment", "deployment.environment.name"]) {
        first.push_str(&format!(" in {env}"));
    }
    parts.push(first);
    parts.push(format!(
        "this message pattern occurred {} in the last hour and {} in the last day",
        times(ev.pattern_last_hour, ev.pattern_capped),
        times(ev.pattern_last_day, ev.pattern_capped)
    ));
    if ev.total_last_hour > 0 {
        let pct = 100.0 * ev.errors_last_hour as f64 / ev.total_last_hour as f64;
        let trend = if ev.rising() { "rising from" } else { "against" };
        parts.push(format!(
            "{} logged {} errors in {} records in the last hour ({pct:.1}%), {trend} {:.1} errors an hour before",
            f.service(),
            ev.errors_last_hour,
            ev.total_last_hour,
            ev.errors_baseline
        ));
    }
    if !ev.trace.is_empty() {
        let mut services: Vec<&str> = ev.trace.iter().map(|t| t.service.as_str()).collect();
        services.sort_unstable();
        services.dedup();
        parts.push(format!(
            "the same trace has {} other records from {}",
            ev.trace.len(),
            services.join(", ")
        ));
    }
    format!("{}.", parts.join("; "))
}

fn technical(f: &Facts<'_>, ev: &Evidence) -> String {
    let c = f.ctx;
    let mut out =
        format!("At {}, {} logged a {} record (uuid {})", c.timestamp, f.service(), c.severity_text, c.uuid);
    if !c.event_name.is_empty() {
        out.push_str(&format!(", event \"{}\"", c.event_name));
    }
    out.push_str(&format!(": \"{}\".", facts::short(&c.body, 300)));
    if let Some(t) = f.exception_type {
        out.push_str(&format!(
            " Exception {t}: \"{}\".",
            f.exception_message.map_or(f.message.as_str(), |m| m)
        ));
    }
    if let Some(top) = f.stack_top {
        out.push_str(&format!(" Top stack frame: {top}."));
    }
    if let Some(s) = f.status {
        let endpoint = f.endpoint();
        let req = if endpoint.is_empty() { "The request".to_string() } else { endpoint };
        out.push_str(&format!(" {req} returned HTTP {s}."));
    }
    if let Some(d) = f.duration_ms {
        out.push_str(&format!(" It took {d:.0} ms."));
    }
    out.push_str(&format!(" Message pattern: \"{}\".", ev.pattern));
    if !c.trace_id.is_empty() {
        out.push_str(&format!(
            " Trace {} span {}",
            c.trace_id,
            if c.span_id.is_empty() { "-" } else { &c.span_id }
        ));
        if ev.trace.is_empty() {
            out.push_str(" has no other stored record nearby.");
        } else {
            let lines: Vec<String> = ev
                .trace
                .iter()
                .take(5)
                .map(|t| {
                    format!(
                        "{} {} {}: \"{}\"",
                        format_iso_us(t.timestamp_us),
                        t.service,
                        t.severity.as_str(),
                        t.body
                    )
                })
                .collect();
            out.push_str(&format!("; other records of the trace: {}.", lines.join("; ")));
        }
    }
    out
}

#[cfg(test)]
#[path = "builtin_tests.rs"]
mod tests;
