//! Slack messages for alert notifications (spec §3.8): the texts and their Block Kit layout.

use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use crate::config::ThresholdOperator;
use crate::payload::{AlertInfo, MAX_SAMPLES, Occurrence, Sample, logs_url_params};
use crate::state::Notification;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackMessage {
    pub header: String,
    pub detail: String,
    /// `Severity: … | Services: …` (or the catch-all), then `Project: <name>`.
    pub context: Vec<String>,
    pub button_label: &'static str,
    pub button_url: String,
}

/// Builds the message for a sent notification; None for `none`.
pub fn slack_message(
    n: Notification,
    site: &str,
    project_name: &str,
    a: &AlertInfo<'_>,
    o: &Occurrence<'_>,
) -> Option<SlackMessage> {
    let name = a.alert_name;
    let header = match n {
        Notification::None => return None,
        Notification::Fire => format!("🔴 Log alert '{name}' is firing"),
        Notification::Resolve => format!("🟢 Log alert '{name}' has resolved"),
        Notification::Broken => format!("⚠️ Log alert '{name}' was auto-disabled"),
        Notification::Error => format!("🟡 Log alert '{name}' couldn't evaluate"),
    };
    let op = match a.threshold_operator {
        ThresholdOperator::Above => "above",
        ThresholdOperator::Below => "below",
    };
    let alert_url = format!("{site}/project/{}/logs/alerts/{}", a.team_id, a.alert_id);
    let (detail, button_label, button_url) = match n {
        Notification::Fire | Notification::Resolve => {
            let count = o.result_count.unwrap_or(0);
            let params = logs_url_params(a.filters, o.date_from, o.date_to);
            (
                format!("{count} logs in {}m (threshold: {op} {})", a.window_minutes, a.threshold_count),
                "View logs",
                format!("{site}/project/{}/logs?{params}", a.team_id),
            )
        }
        Notification::Broken => {
            let last = a.last_error_message.unwrap_or("unknown error");
            // Broken by its configuration (`broken_config`), not by failed checks.
            let detail = if a.consecutive_failures == 0 {
                format!("The alert's configuration is invalid: {last}")
            } else {
                format!("Failed {} consecutive checks. Last error: {last}", a.consecutive_failures)
            };
            (detail, "View alert", alert_url)
        }
        _ => (o.error_message.unwrap_or("Alert check failed.").to_owned(), "View alert", alert_url),
    };
    let f = a.filters;
    let mut scope = Vec::new();
    if !f.severity_levels.is_empty() {
        scope.push(format!("Severity: {}", f.severity_levels.join(", ")));
    }
    if !f.service_names.is_empty() {
        scope.push(format!("Services: {}", f.service_names.join(", ")));
    }
    let scope = if scope.is_empty() { "All log levels and services".to_owned() } else { scope.join(" | ") };
    Some(SlackMessage {
        header,
        detail,
        context: vec![scope, format!("Project: {project_name}")],
        button_label,
        button_url,
    })
}

/// Slack limits: header text 150 chars, section text 3000.
const HEADER_MAX: usize = 150;
const SAMPLE_LINE_MAX: usize = 300;

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('…');
    t
}

/// Slack mrkdwn treats `&`, `<` and `>` as control characters.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Block Kit: header, detail section, context (scope and project), sample lines, button.
pub fn blocks(m: &SlackMessage, samples: &[Sample]) -> Value {
    let context: Vec<Value> =
        m.context.iter().map(|c| json!({"type": "mrkdwn", "text": escape(c)})).collect();
    let header = truncate(&m.header, HEADER_MAX);
    let mut out = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": header, "emoji": true}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": escape(&m.detail)}}),
        json!({"type": "context", "elements": context}),
    ];
    if !samples.is_empty() {
        let lines: Vec<String> = samples
            .iter()
            .take(MAX_SAMPLES)
            .map(|s| {
                let ts = s.timestamp.format(&Rfc3339).unwrap_or_default();
                // One line each, and no way to close the code block early.
                let body = s.body.replace("```", "'''").replace('\n', " ");
                escape(&truncate(&format!("{ts} [{}] {body}", s.service_name), SAMPLE_LINE_MAX))
            })
            .collect();
        let text = format!("*Sample logs*\n```{}```", lines.join("\n"));
        out.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": text}}));
    }
    out.push(json!({"type": "actions", "elements": [{
        "type": "button",
        "text": {"type": "plain_text", "text": m.button_label},
        "url": m.button_url,
    }]}));
    Value::Array(out)
}

/// The `chat.postMessage` body (the bot token goes in the Authorization header).
pub fn post_message(channel: &str, m: &SlackMessage, samples: &[Sample]) -> Value {
    json!({"channel": channel, "text": m.header, "blocks": blocks(m, samples)})
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::AlertFilters;
    use time::macros::datetime;

    fn info(f: &AlertFilters) -> AlertInfo<'_> {
        AlertInfo {
            alert_id: "a1",
            alert_name: "Errors",
            team_id: 7,
            threshold_count: 10,
            threshold_operator: ThresholdOperator::Above,
            window_minutes: 5,
            filters: f,
            consecutive_failures: 5,
            last_error_message: Some("Query is too expensive."),
        }
    }

    const OCC: Occurrence<'static> = Occurrence {
        triggered_at: datetime!(2025-03-01 12:00 UTC),
        result_count: Some(42),
        date_from: None,
        date_to: None,
        error_message: Some("busy"),
    };

    #[test]
    fn firing_message() {
        let f = AlertFilters { severity_levels: vec!["error".into(), "warn".into()], ..Default::default() };
        let m = slack_message(Notification::Fire, "https://x", "Shop", &info(&f), &OCC);
        let m = m.as_ref().map(|m| (m.header.as_str(), m.detail.as_str(), m.context.clone(), m.button_label));
        let context = vec!["Severity: error, warn".to_owned(), "Project: Shop".to_owned()];
        assert_eq!(
            m,
            Some((
                "🔴 Log alert 'Errors' is firing",
                "42 logs in 5m (threshold: above 10)",
                context,
                "View logs"
            ))
        );
    }

    #[test]
    fn other_headers_and_buttons() {
        let f = AlertFilters::default();
        let a = info(&f);
        let get = |n| slack_message(n, "https://x", "Shop", &a, &OCC);
        assert_eq!(get(Notification::None), None);
        let r = get(Notification::Resolve);
        assert_eq!(r.as_ref().map(|m| m.header.as_str()), Some("🟢 Log alert 'Errors' has resolved"));
        assert_eq!(r.as_ref().map(|m| m.context[0].as_str()), Some("All log levels and services"));
        let b = get(Notification::Broken);
        assert_eq!(b.as_ref().map(|m| m.header.as_str()), Some("⚠️ Log alert 'Errors' was auto-disabled"));
        assert_eq!(b.as_ref().map(|m| m.button_url.as_str()), Some("https://x/project/7/logs/alerts/a1"));
        let config =
            AlertInfo { consecutive_failures: 0, last_error_message: Some("bad filters"), ..a.clone() };
        let c = slack_message(Notification::Broken, "https://x", "Shop", &config, &OCC);
        assert_eq!(c.map(|m| m.detail), Some("The alert's configuration is invalid: bad filters".to_owned()));
        assert_eq!(
            b.as_ref().map(|m| m.detail.as_str()),
            Some("Failed 5 consecutive checks. Last error: Query is too expensive.")
        );
        let e = get(Notification::Error);
        let e = e.as_ref().map(|m| (m.header.as_str(), m.detail.as_str(), m.button_label));
        assert_eq!(e, Some(("🟡 Log alert 'Errors' couldn't evaluate", "busy", "View alert")));
    }

    #[test]
    fn block_kit_layout_with_samples() {
        let f = AlertFilters { service_names: vec!["api".into()], ..Default::default() };
        let m = slack_message(Notification::Fire, "https://x", "Shop", &info(&f), &OCC).unwrap();
        let samples = vec![
            Sample { timestamp: OCC.triggered_at, service_name: "api".into(), body: "a <b> & c\nd".into() },
            Sample { timestamp: OCC.triggered_at, service_name: "api".into(), body: "x".repeat(400) },
        ];
        let body = post_message("C123", &m, &samples);
        assert_eq!(body["channel"], "C123");
        assert_eq!(body["text"], "🔴 Log alert 'Errors' is firing");
        let b = &body["blocks"];
        let types: Vec<&str> = (0..5).filter_map(|i| b[i]["type"].as_str()).collect();
        assert_eq!(types, ["header", "section", "context", "section", "actions"]);
        assert_eq!(b[0]["text"]["text"], "🔴 Log alert 'Errors' is firing");
        assert_eq!(b[1]["text"]["text"], "42 logs in 5m (threshold: above 10)");
        assert_eq!(b[2]["elements"][0]["text"], "Services: api");
        assert_eq!(b[2]["elements"][1]["text"], "Project: Shop");
        let text = b[3]["text"]["text"].as_str().unwrap();
        assert!(
            text.starts_with("*Sample logs*\n```2025-03-01T12:00:00Z [api] a &lt;b&gt; &amp; c d\n"),
            "{text}"
        );
        assert!(text.contains('…') && text.len() < 1000, "long lines are cut: {text}");
        assert_eq!(b[4]["elements"][0]["text"]["text"], "View logs");
        assert_eq!(b[4]["elements"][0]["url"], "https://x/project/7/logs?serviceNames=%5B%22api%22%5D");
        // No samples, no sample section.
        assert_eq!(blocks(&m, &[]).as_array().map(Vec::len), Some(4));
    }
}
