//! Text forms of JSON values that must match what upstream compares against, so filters
//! and filenames behave the same as on PostHog.

use std::fmt::Write;

use serde_json::Value;

/// The text form a substring filter sees: a string as itself, anything else as
/// [`pg_text`] (Postgres `->>` semantics).
pub(crate) fn text_form(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => pg_text(other),
    }
}

/// Postgres `jsonb::text`: `", "` and `": "` separators, object keys ordered by length
/// then bytes (jsonb's storage order), non-ASCII kept literally.
pub(crate) fn pg_text(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, Style::Postgres);
    out
}

/// Python `json.dumps(v, sort_keys=True)`: keys sorted, `", "`/`": "` separators,
/// non-ASCII escaped as `\uXXXX` (`ensure_ascii`).
pub(crate) fn python_dumps_sorted(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, Style::Python);
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Postgres,
    Python,
}

fn write_value(out: &mut String, v: &Value, style: Style) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_str(out, s, style),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item, style);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            match style {
                Style::Postgres => entries.sort_by(|a, b| (a.0.len(), a.0).cmp(&(b.0.len(), b.0))),
                Style::Python => entries.sort_by(|a, b| a.0.cmp(b.0)),
            }
            out.push('{');
            for (i, (k, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str(out, k, style);
                out.push_str(": ");
                write_value(out, item, style);
            }
            out.push('}');
        }
    }
}

fn write_str(out: &mut String, s: &str, style: Style) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (style == Style::Python && (c as u32) > 0x7e) => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn pg_text_orders_keys_like_jsonb() {
        let v = json!({"type": "F", "after": true, "field": "active", "a": [1, null, "x\"y"]});
        assert_eq!(pg_text(&v), r#"{"a": [1, null, "x\"y"], "type": "F", "after": true, "field": "active"}"#);
        assert_eq!(pg_text(&json!("é")), "\"é\"");
    }

    #[test]
    fn text_form_unquotes_strings_only() {
        assert_eq!(text_form(&json!("Hi")), "Hi");
        assert_eq!(text_form(&json!(1.5)), "1.5");
        assert_eq!(text_form(&json!(true)), "true");
        assert_eq!(text_form(&json!({"k": "v"})), r#"{"k": "v"}"#);
    }

    #[test]
    fn python_dumps_matches_json_dumps_sort_keys() {
        let v = json!({"scopes": ["FeatureFlag"], "b": {"z": 1, "a": null}, "name": "café\n😀\u{7f}"});
        // Reference: python3 -c 'import json; print(json.dumps({...}, sort_keys=True))'
        assert_eq!(
            python_dumps_sorted(&v),
            r#"{"b": {"a": null, "z": 1}, "name": "caf\u00e9\n\ud83d\ude00\u007f", "scopes": ["FeatureFlag"]}"#
        );
    }
}
