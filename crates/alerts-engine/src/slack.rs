//! Slack message text for alert notifications (spec §3.8). Block layout is the sender's job.

use crate::config::ThresholdOperator;
use crate::payload::{AlertInfo, Occurrence, logs_url_params};
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
            let detail = format!("Failed {} consecutive checks. Last error: {last}", a.consecutive_failures);
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

#[cfg(test)]
mod tests {
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
        let e = get(Notification::Error);
        let e = e.as_ref().map(|m| (m.header.as_str(), m.detail.as_str(), m.button_label));
        assert_eq!(e, Some(("🟡 Log alert 'Errors' couldn't evaluate", "busy", "View alert")));
    }
}
