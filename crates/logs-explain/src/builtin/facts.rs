//! The facts the built-in explainer reads off one record (OpenTelemetry semantic
//! conventions first, common ad-hoc names after).

use logs_query::Severity;

use crate::answer::{AttributeType, KeyField};
use crate::context::LogContext;

pub const EXCEPTION_TYPE: &[&str] = &["exception.type", "error.type", "exception_class", "error.kind"];
pub const EXCEPTION_MESSAGE: &[&str] = &["exception.message", "error.message", "error"];
pub const STACKTRACE: &[&str] = &["exception.stacktrace", "error.stack", "stacktrace", "stack"];
pub const STATUS: &[&str] = &["http.response.status_code", "http.status_code", "status_code", "http.status"];
pub const METHOD: &[&str] = &["http.request.method", "http.method", "method"];
pub const ROUTE: &[&str] =
    &["http.route", "url.path", "http.target", "http.url", "url.full", "path", "route"];
pub const DURATION_MS: &[&str] =
    &["duration_ms", "http.duration_ms", "elapsed_ms", "latency_ms", "response_time_ms", "duration"];
pub const PEER: &[&str] =
    &["server.address", "net.peer.name", "peer.service", "db.system", "messaging.system", "upstream"];
pub const CODE: &[&str] = &["code.function", "code.filepath", "code.namespace", "logger", "logger.name"];

/// Keys shown as key fields when present, in this order.
const KEY_FIELDS: &[(&[&str], &str)] = &[
    (EXCEPTION_TYPE, "The error class: what kind of failure this is"),
    (EXCEPTION_MESSAGE, "The error message the application recorded"),
    (STATUS, "The HTTP status returned to the caller"),
    (METHOD, "The HTTP method of the request"),
    (ROUTE, "The endpoint that was handling the request"),
    (DURATION_MS, "How long the operation took (ms)"),
    (PEER, "The dependency involved"),
    (CODE, "Where in the code the log was written"),
    (&["service.version"], "The deployed version: compare with recent releases"),
    (&["deployment.environment", "deployment.environment.name"], "The environment affected"),
    (&["k8s.pod.name", "host.name"], "The pod or host that logged it"),
];

pub struct Facts<'a> {
    pub ctx: &'a LogContext,
    pub severity: Severity,
    pub exception_type: Option<&'a str>,
    pub exception_message: Option<&'a str>,
    /// First frame line of the stack trace.
    pub stack_top: Option<&'a str>,
    pub status: Option<u16>,
    pub method: Option<&'a str>,
    pub route: Option<&'a str>,
    pub duration_ms: Option<f64>,
    pub peer: Option<&'a str>,
    pub code: Option<&'a str>,
    /// The exception message, else the body's first line, at most 200 characters.
    pub message: String,
}

pub fn short(s: &str, max: usize) -> String {
    let line = s.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    if line.chars().count() <= max {
        line.to_string()
    } else {
        format!("{}…", line.chars().take(max).collect::<String>())
    }
}

impl<'a> Facts<'a> {
    pub fn of(ctx: &'a LogContext, severity: Severity) -> Self {
        let stack_top = ctx.value(STACKTRACE).and_then(|s| {
            s.lines()
                .map(str::trim)
                .find(|l| l.starts_with("at ") || l.starts_with("File ") || l.contains(".rs:"))
        });
        let exception_message = ctx.value(EXCEPTION_MESSAGE);
        Self {
            ctx,
            severity,
            exception_type: ctx.value(EXCEPTION_TYPE),
            exception_message,
            stack_top,
            status: ctx.value(STATUS).and_then(|s| s.trim().parse().ok()).filter(|s| (100..600).contains(s)),
            method: ctx.value(METHOD),
            route: ctx.value(ROUTE),
            duration_ms: ctx.value(DURATION_MS).and_then(|d| d.trim().trim_end_matches("ms").parse().ok()),
            peer: ctx.value(PEER),
            code: ctx.value(CODE),
            message: short(exception_message.unwrap_or(&ctx.body), 200),
        }
    }

    pub fn service(&self) -> &str {
        if self.ctx.service_name.is_empty() { "the service" } else { &self.ctx.service_name }
    }

    /// `GET /api/orders` or `/api/orders` or "".
    pub fn endpoint(&self) -> String {
        match (self.method, self.route) {
            (Some(m), Some(r)) => format!("{m} {r}"),
            (None, Some(r)) => r.to_string(),
            _ => String::new(),
        }
    }

    /// Everything a keyword may match, lower-cased, with where it came from: the error
    /// fields (`true`) or the body.
    pub fn haystacks(&self) -> [(String, bool); 2] {
        let error = [self.exception_type, self.exception_message]
            .iter()
            .flatten()
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        [(error.to_lowercase(), true), (self.ctx.body.to_lowercase(), false)]
    }

    pub fn key_fields(&self) -> Vec<KeyField> {
        let mut out = Vec::new();
        for (keys, significance) in KEY_FIELDS {
            if let Some((scope, key, value)) = self.ctx.get(keys).filter(|(_, _, v)| !v.is_empty()) {
                let attribute_type =
                    if scope == "resource" { AttributeType::Resource } else { AttributeType::Log };
                let value = short(value, 300);
                out.push(KeyField {
                    field: key.to_string(),
                    value,
                    significance: significance.to_string(),
                    attribute_type,
                });
            }
        }
        if !self.ctx.trace_id.is_empty() {
            out.push(KeyField {
                field: "trace_id".into(),
                value: self.ctx.trace_id.clone(),
                significance: "Links this log to the other records and spans of the same request".into(),
                attribute_type: AttributeType::Log,
            });
        }
        out.push(KeyField {
            field: "severity_text".into(),
            value: self.ctx.severity_text.clone(),
            significance: "The level the application logged this at".into(),
            attribute_type: AttributeType::Log,
        });
        out.truncate(crate::answer::MAX_KEY_FIELDS);
        out
    }
}
