use super::*;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2024-03-31 15:42:17.123456 UTC);

fn at(text: &str) -> Option<OffsetDateTime> {
    parse_date(text, NOW)
}

fn range(from: Option<&str>, to: Option<&str>) -> DateRange {
    DateRange { date_from: from.map(str::to_owned), date_to: to.map(str::to_owned), explicit_date: None }
}

#[test]
fn relative_offsets_go_back_from_now() {
    assert_eq!(at("-30s"), Some(datetime!(2024-03-31 15:41:47.123456 UTC)));
    assert_eq!(at("-30M"), Some(datetime!(2024-03-31 15:12:17.123456 UTC)));
    assert_eq!(at("-1h"), Some(datetime!(2024-03-31 14:42:17.123456 UTC)));
    assert_eq!(at("1h"), at("-1h"), "the minus sign is optional");
    assert_eq!(at("-7d"), Some(datetime!(2024-03-24 15:42:17.123456 UTC)));
    assert_eq!(at("-2w"), Some(datetime!(2024-03-17 15:42:17.123456 UTC)));
    assert_eq!(at("-1q"), Some(datetime!(2023-12-31 15:42:17.123456 UTC)), "13 weeks");
    assert_eq!(at("-0d"), Some(NOW));
}

#[test]
fn months_and_years_clamp_the_day() {
    assert_eq!(at("-1m"), Some(datetime!(2024-02-29 15:42:17.123456 UTC)));
    assert_eq!(at("-13m"), Some(datetime!(2023-02-28 15:42:17.123456 UTC)));
    assert_eq!(at("-3m"), Some(datetime!(2023-12-31 15:42:17.123456 UTC)));
    let leap_day = datetime!(2024-02-29 12:00 UTC);
    assert_eq!(parse_date("-1y", leap_day), Some(datetime!(2023-02-28 12:00 UTC)));
    assert_eq!(parse_date("-4y", leap_day), Some(datetime!(2020-02-29 12:00 UTC)));
}

#[test]
fn start_snaps_to_the_start_of_the_period() {
    assert_eq!(at("-1sStart"), Some(datetime!(2024-03-31 15:42:16 UTC)));
    assert_eq!(at("-1MStart"), Some(datetime!(2024-03-31 15:41:00 UTC)));
    assert_eq!(at("-1hStart"), Some(datetime!(2024-03-31 14:00:00 UTC)));
    assert_eq!(at("-1dStart"), Some(datetime!(2024-03-30 0:00 UTC)));
    assert_eq!(at("-1wStart"), Some(datetime!(2024-03-24 0:00 UTC)), "start of that day");
    assert_eq!(at("-1mStart"), Some(datetime!(2024-02-01 0:00 UTC)));
    assert_eq!(at("-1qStart"), Some(datetime!(2023-12-01 0:00 UTC)), "start of that month");
    assert_eq!(at("-1yStart"), Some(datetime!(2023-01-01 0:00 UTC)));
}

#[test]
fn a_missing_number_means_this_period() {
    assert_eq!(at("dStart"), Some(datetime!(2024-03-31 0:00 UTC)));
    assert_eq!(at("mStart"), Some(datetime!(2024-03-01 0:00 UTC)));
    assert_eq!(at("yStart"), Some(datetime!(2024-01-01 0:00 UTC)));
}

#[test]
fn end_snaps_to_the_last_microsecond_of_the_period() {
    assert_eq!(at("-1hEnd"), Some(datetime!(2024-03-31 14:59:59.999999 UTC)));
    assert_eq!(at("-1dEnd"), Some(datetime!(2024-03-30 23:59:59.999999 UTC)));
    assert_eq!(at("-1mEnd"), Some(datetime!(2024-02-29 23:59:59.999999 UTC)));
    assert_eq!(at("-1yEnd"), Some(datetime!(2023-12-31 23:59:59.999999 UTC)));
    assert_eq!(at("-1MEnd"), Some(datetime!(2024-03-31 15:41:59.999999 UTC)));
}

#[test]
fn rejects_unknown_relative_forms() {
    for bad in
        ["-1x", "-h", "--1h", "-1.5h", "-1hstart", "-1 h", "h-1", "-1hStartEnd", "", "-", "-1é", "h", "Start"]
    {
        assert_eq!(at(bad), None, "{bad}");
    }
    assert_eq!(at("-99999999999999d"), None, "absurd amounts are rejected, not panics");
    assert_eq!(at("-999999999y"), None);
}

#[test]
fn resolve_defaults_to_now_and_the_given_default() {
    let (from, to) = DateRange::default().resolve(NOW, "-1h").unwrap();
    assert_eq!((from, to), (datetime!(2024-03-31 14:42:17.123456 UTC), NOW));
    let (from, _) = range(Some("  "), None).resolve(NOW, "-7d").unwrap();
    assert_eq!(from, datetime!(2024-03-24 15:42:17.123456 UTC), "blank = absent");
}

#[test]
fn resolve_accepts_absolute_and_relative_mixes() {
    let r = range(Some("2024-03-01"), Some("2024-03-02T12:00:00+02:00"));
    assert_eq!(
        r.resolve(NOW, "-1h").unwrap(),
        (datetime!(2024-03-01 0:00 UTC), datetime!(2024-03-02 10:00 UTC))
    );
    let r = range(Some("-1dStart"), Some("-1dEnd"));
    let (from, to) = r.resolve(NOW, "-1h").unwrap();
    assert_eq!(to - from, Duration::DAY - Duration::MICROSECOND);
    let offset_now = NOW.to_offset(time::macros::offset!(+5));
    let (_, to) = DateRange::default().resolve(offset_now, "-1h").unwrap();
    assert_eq!(to.offset(), UtcOffset::UTC, "results are UTC");
}

#[test]
fn resolve_rejects_inverted_and_malformed_ranges() {
    let err = range(Some("-1h"), Some("-2h")).resolve(NOW, "-1h").unwrap_err();
    assert_eq!(err.detail, "date_from '-1h' must not be after date_to '-2h'");
    let err = range(Some("2999-01-01"), None).resolve(NOW, "-1h").unwrap_err();
    assert_eq!(err.detail, "date_from '2999-01-01' must not be after date_to 'now'");
    assert_eq!(err.attr.as_deref(), Some("dateRange"));
    let err = range(Some("last week"), None).resolve(NOW, "-1h").unwrap_err();
    assert!(err.detail.starts_with("Invalid date_from 'last week'"), "{}", err.detail);
    let err = range(None, Some("soon")).resolve(NOW, "-1h").unwrap_err();
    assert!(err.detail.starts_with("Invalid date_to 'soon'"), "{}", err.detail);
    assert!(range(Some("-1h"), Some("-1h")).resolve(NOW, "-1h").is_ok(), "empty window is fine");
}

#[test]
fn validate_checks_syntax_only() {
    assert!(range(Some("-1h"), Some("2024-01-01")).validate().is_ok());
    assert!(range(Some("-1x"), None).validate().is_err());
    assert!(range(None, Some("nope")).validate().is_err());
}

#[test]
fn serde_uses_posthog_field_names() {
    let r: DateRange =
        serde_json::from_str(r#"{"date_from":"-7d","date_to":null,"explicitDate":true}"#).unwrap();
    assert_eq!(r, DateRange { date_from: Some("-7d".into()), date_to: None, explicit_date: Some(true) });
    let r: DateRange = serde_json::from_str("{}").unwrap();
    assert_eq!(r, DateRange::default());
    assert_eq!(
        serde_json::to_value(DateRange::last_hour()).unwrap(),
        serde_json::json!({"date_from": "-1h", "date_to": null, "explicitDate": null})
    );
}
