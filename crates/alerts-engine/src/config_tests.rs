#![allow(clippy::unwrap_used)]

use super::*;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2025-03-01 12:00 UTC);

fn valid() -> AlertConfig {
    AlertConfig {
        filters: AlertFilters { severity_levels: vec!["error".into()], ..Default::default() },
        ..Default::default()
    }
}

fn err(c: &AlertConfig) -> ConfigError {
    c.validate(NOW, true).unwrap_err()
}

#[test]
fn defaults_with_a_filter_are_valid() {
    assert_eq!(valid().validate(NOW, true), Ok(()));
    let d = AlertConfig::default();
    assert_eq!((d.threshold_count, d.window_minutes, d.evaluation_periods), (100, 5, 1));
    assert_eq!((d.datapoints_to_alarm, d.cooldown_minutes), (1, 0));
    assert!(d.enabled);
}

#[test]
fn blank_name_defaults_and_long_name_rejected() {
    assert_eq!(normalize_name(None), "Untitled alert");
    assert_eq!(normalize_name(Some("  ")), "Untitled alert");
    assert_eq!(normalize_name(Some("x")), "x");
    let c = AlertConfig { name: "é".repeat(255), ..valid() };
    assert_eq!(c.validate(NOW, true), Ok(()));
    let c = AlertConfig { name: "a".repeat(256), ..valid() };
    assert_eq!(err(&c).attr, Some("name"));
}

#[test]
fn window_minutes_allowed_values() {
    for w in [5, 10, 15, 30, 60] {
        assert_eq!(AlertConfig { window_minutes: w, ..valid() }.validate(NOW, true), Ok(()));
    }
    for w in [0, 1, 20, 45, 120] {
        let e = err(&AlertConfig { window_minutes: w, ..valid() });
        assert_eq!(e, ConfigError::field("window_minutes", "Must be one of [5, 10, 15, 30, 60]."));
    }
}

#[test]
fn n_and_m_ranges() {
    let c = AlertConfig { evaluation_periods: 10, datapoints_to_alarm: 10, ..valid() };
    assert_eq!(c.validate(NOW, true), Ok(()));
    let e = err(&AlertConfig { evaluation_periods: 3, datapoints_to_alarm: 4, ..valid() });
    assert_eq!(e, ConfigError::field("datapoints_to_alarm", "Cannot exceed evaluation_periods (N > M)."));
    assert_eq!(err(&AlertConfig { evaluation_periods: 0, ..valid() }).attr, Some("evaluation_periods"));
    assert_eq!(err(&AlertConfig { evaluation_periods: 11, ..valid() }).attr, Some("evaluation_periods"));
    let e = err(&AlertConfig { datapoints_to_alarm: 0, ..valid() });
    assert_eq!(e.detail, "Ensure this value is greater than or equal to 1.");
}

#[test]
fn threshold_and_cooldown_non_negative() {
    assert_eq!(AlertConfig { threshold_count: 0, ..valid() }.validate(NOW, true), Ok(()));
    let e = err(&AlertConfig { threshold_count: -1, ..valid() });
    assert_eq!(e, ConfigError::field("threshold_count", "Ensure this value is greater than or equal to 0."));
    assert_eq!(err(&AlertConfig { cooldown_minutes: -5, ..valid() }).attr, Some("cooldown_minutes"));
}

#[test]
fn operators_compare_strictly() {
    assert!(ThresholdOperator::Above.breached(1, 0));
    assert!(!ThresholdOperator::Above.breached(100, 100));
    assert!(ThresholdOperator::Below.breached(99, 100));
    assert!(!ThresholdOperator::Below.breached(100, 100));
    let op: ThresholdOperator = serde_json::from_str("\"below\"").unwrap();
    assert_eq!(op, ThresholdOperator::Below);
}

#[test]
fn snooze_must_be_future_when_set() {
    let past = AlertConfig { snooze_until: Some(datetime!(2025-03-01 11:59 UTC)), ..valid() };
    assert_eq!(err(&past), ConfigError::field("snooze_until", "Must be a future datetime."));
    let at_now = AlertConfig { snooze_until: Some(NOW), ..valid() };
    assert_eq!(err(&at_now).attr, Some("snooze_until"));
    // An old stored snooze is not re-validated when the request did not set it.
    assert_eq!(past.validate(NOW, false), Ok(()));
    let future = AlertConfig { snooze_until: Some(datetime!(2025-03-01 12:01 UTC)), ..valid() };
    assert_eq!(future.validate(NOW, true), Ok(()));
}

#[test]
fn filters_required_unless_draft() {
    let msg = "At least one filter is required (severityLevels, serviceNames, or filterGroup).";
    let empty = AlertConfig { filters: AlertFilters::default(), ..valid() };
    assert_eq!(err(&empty), ConfigError::field("filters", msg));
    let draft = AlertConfig { enabled: false, ..empty.clone() };
    assert_eq!(draft.validate(NOW, true), Ok(()));
    let f: AlertFilters = serde_json::from_str(r#"{"serviceNames":["api"]}"#).unwrap();
    assert!(!f.is_empty());
    let f: AlertFilters =
        serde_json::from_str(r#"{"filterGroup":{"type":"AND","values":[{"type":"AND","values":[]}]}}"#)
            .unwrap();
    assert!(f.is_empty());
    let f: AlertFilters = serde_json::from_str(
        r#"{"filterGroup":{"type":"AND","values":[{"type":"AND","values":[{"key":"k","value":"v"}]}]}}"#,
    )
    .unwrap();
    assert!(!f.is_empty());
}

#[test]
fn per_project_limit() {
    assert_eq!(check_alert_limit(19, DEFAULT_MAX_ALERTS), Ok(()));
    let e = check_alert_limit(20, DEFAULT_MAX_ALERTS).unwrap_err();
    assert_eq!(e.attr, None);
    assert_eq!(e.detail, "Maximum number of alerts (20) reached for this team.");
    assert_eq!(
        check_alert_limit(3, 3).unwrap_err().detail,
        "Maximum number of alerts (3) reached for this team."
    );
}
