//! Severity normalization (specs/logs.md 1.3).

use logs_query::Severity;
use serde_json::Value as Json;

/// Body fields that can carry a level, checked in this order. `log.level` is a literal key
/// (as JSON loggers such as ECS write it), not a nested path.
pub const BODY_LEVEL_KEYS: [&str; 4] = ["level", "severity", "log.level", "config.log_level"];

/// Rule 1: OTLP `severityText` (trimmed, lower-cased) → level. Unknown or empty → `info`.
pub fn from_text(text: &str) -> Severity {
    match text.trim().to_ascii_lowercase().as_str() {
        "critical" | "fatal" | "crit" | "alert" | "emerg" => Severity::Fatal,
        "error" | "err" | "eror" => Severity::Error,
        "warn" | "warning" => Severity::Warn,
        "info" | "information" | "informational" => Severity::Info,
        "debug" | "dbug" => Severity::Debug,
        "trace" => Severity::Trace,
        _ => Severity::Info,
    }
}

/// Rule 3: an OTLP severity number (> 0) → level; outside 1–24 → `unknown`.
pub fn from_number(number: i32) -> Severity {
    match number {
        1..=4 => Severity::Trace,
        5..=8 => Severity::Debug,
        9..=12 => Severity::Info,
        13..=16 => Severity::Warn,
        17..=20 => Severity::Error,
        21..=24 => Severity::Fatal,
        _ => Severity::Unknown,
    }
}

/// Rule 2: the level a JSON-object body names, if any. The first of [`BODY_LEVEL_KEYS`]
/// holding a string whose lower-cased value is one of the six canonical levels wins; keys
/// holding anything else are skipped. Applies to string bodies containing JSON text and to
/// kvlist bodies alike (both are the stored body text here).
pub fn from_body(body: &str) -> Option<Severity> {
    if !body.trim_start().starts_with('{') {
        return None; // cheap pre-check: most bodies are plain text
    }
    let Ok(Json::Object(object)) = serde_json::from_str::<Json>(body) else {
        return None;
    };
    BODY_LEVEL_KEYS.iter().find_map(|key| {
        let level = object.get(*key)?.as_str()?.trim().to_ascii_lowercase();
        Severity::parse(&level).filter(|s| *s != Severity::Unknown)
    })
}

/// Rules 1–3 together: `(severity, severity_number)` to store.
pub fn resolve(text: &str, number: i32, body: &str) -> (Severity, i32) {
    if number > 0 {
        return (from_number(number), number); // the number wins: no need to parse the body
    }
    let level = from_body(body).unwrap_or_else(|| from_text(text));
    (level, level.default_number())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_mapping_row() {
        let rows: [(&[&str], Severity); 6] = [
            (&["critical", "fatal", "crit", "alert", "emerg"], Severity::Fatal),
            (&["error", "err", "eror"], Severity::Error),
            (&["warn", "warning"], Severity::Warn),
            (&["info", "information", "informational"], Severity::Info),
            (&["debug", "dbug"], Severity::Debug),
            (&["trace"], Severity::Trace),
        ];
        for (texts, expected) in rows {
            for text in texts {
                assert_eq!(from_text(text), expected, "{text}");
                assert_eq!(from_text(&text.to_uppercase()), expected, "{text} upper-case");
                let (sev, num) = resolve(text, 0, "");
                assert_eq!((sev, num), (expected, expected.default_number()), "{text} via resolve");
            }
        }
    }

    #[test]
    fn unknown_text_is_info() {
        for text in ["", "notice", "verbose", "unknown", "5", "emergency"] {
            assert_eq!(from_text(text), Severity::Info, "{text:?}");
        }
        assert_eq!(resolve("", 0, ""), (Severity::Info, 9));
        assert_eq!(from_text(" Warning "), Severity::Warn, "trimmed");
    }

    #[test]
    fn number_ranges() {
        let expect = |range: std::ops::RangeInclusive<i32>, sev: Severity| {
            for n in range {
                assert_eq!(from_number(n), sev, "{n}");
                assert_eq!(resolve("trace", n, ""), (sev, n), "number wins over text, kept as sent");
            }
        };
        expect(1..=4, Severity::Trace);
        expect(5..=8, Severity::Debug);
        expect(9..=12, Severity::Info);
        expect(13..=16, Severity::Warn);
        expect(17..=20, Severity::Error);
        expect(21..=24, Severity::Fatal);
    }

    #[test]
    fn out_of_range_number_is_unknown_and_kept() {
        assert_eq!(resolve("error", 25, ""), (Severity::Unknown, 25));
        assert_eq!(resolve("", 1000, ""), (Severity::Unknown, 1000));
        // Zero and negatives are "not sent": the text decides and implies the number.
        assert_eq!(resolve("error", 0, ""), (Severity::Error, 17));
        assert_eq!(resolve("warn", -3, ""), (Severity::Warn, 13));
    }

    #[test]
    fn body_level_overrides_text() {
        assert_eq!(resolve("info", 0, r#"{"level":"ERROR","msg":"x"}"#), (Severity::Error, 17));
        assert_eq!(resolve("", 0, r#"{"severity":"warn"}"#), (Severity::Warn, 13));
        assert_eq!(resolve("", 0, r#"{"log.level":"debug"}"#), (Severity::Debug, 5));
        assert_eq!(resolve("", 0, r#"{"config.log_level":"fatal"}"#), (Severity::Fatal, 21));
        assert_eq!(resolve("error", 0, r#"  {"level":"trace"}"#), (Severity::Trace, 1));
    }

    #[test]
    fn body_keys_are_checked_in_order_and_must_be_canonical() {
        assert_eq!(from_body(r#"{"severity":"warn","level":"error"}"#), Some(Severity::Error));
        // Non-canonical or non-string values are skipped, not fatal.
        assert_eq!(from_body(r#"{"level":"warning","severity":"debug"}"#), Some(Severity::Debug));
        assert_eq!(from_body(r#"{"level":5,"log.level":"info"}"#), Some(Severity::Info));
        assert_eq!(from_body(r#"{"level":"warning"}"#), None, "only the six canonical names");
        assert_eq!(from_body(r#"{"level":"unknown"}"#), None);
        assert_eq!(from_body(r#"{"log":{"level":"error"}}"#), None, "log.level is a literal key");
        assert_eq!(from_body(r#"["level","error"]"#), None);
        assert_eq!(from_body(r#"{"level":"error""#), None, "invalid JSON");
        assert_eq!(from_body("level=error"), None);
        assert_eq!(resolve("warn", 0, r#"{"level":"warning"}"#), (Severity::Warn, 13), "text kept");
    }

    #[test]
    fn number_beats_body_level() {
        assert_eq!(resolve("", 9, r#"{"level":"error"}"#), (Severity::Info, 9));
        assert_eq!(resolve("", 99, r#"{"level":"error"}"#), (Severity::Unknown, 99));
    }
}
