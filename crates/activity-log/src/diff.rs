//! Building `detail.changes` from before/after snapshots of an object.
//!
//! Callers must run [`mask_secrets`] on both snapshots **before** diffing: the diff copies
//! values verbatim into `before`/`after`, and `detail` is readable by every project member
//! and exported to files.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::Change;

/// Keys whose values are always secrets.
const SECRET_KEYS: &[&str] = &[
    "api_token",
    "token",
    "secret",
    "secure_value",
    "password",
    "password_hash",
    "jwt_secret",
    "bot_token",
    "signing_secret",
];

/// Prefixes of Logstead/PostHog key material; a generic `value` key holding one is a secret.
const KEY_PREFIXES: &[&str] = &["phx_", "phc_", "phs_"];

const MASK: &str = "********";

/// One change per top-level key that differs, sorted by key. Keys present only in `after`
/// are `created` (before null), keys only in `before` are `deleted` (after null).
///
/// Non-object snapshots (should not happen for model snapshots) compare as one value: a
/// single change with `field: None` when they differ.
///
/// Both snapshots must already have been through [`mask_secrets`].
pub fn changes(kind: &str, before: &Value, after: &Value) -> Vec<Change> {
    let (Some(b), Some(a)) = (before.as_object(), after.as_object()) else {
        if before == after {
            return Vec::new();
        }
        let action = match (before.is_null(), after.is_null()) {
            (true, _) => "created",
            (_, true) => "deleted",
            _ => "changed",
        };
        return vec![change(kind, action, None, before.clone(), after.clone())];
    };
    // Sorted explicitly: serde_json maps keep insertion order when `preserve_order` is on.
    let keys: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
    let mut out = Vec::new();
    for key in keys {
        match (b.get(key), a.get(key)) {
            (Some(old), Some(new)) if old != new => {
                out.push(change(kind, "changed", Some(key), old.clone(), new.clone()));
            }
            (None, Some(new)) => out.push(change(kind, "created", Some(key), Value::Null, new.clone())),
            (Some(old), None) => out.push(change(kind, "deleted", Some(key), old.clone(), Value::Null)),
            _ => {}
        }
    }
    out
}

/// The single change recorded when an object is created: the whole object as `after`.
pub fn created(kind: &str, after: &Value) -> Vec<Change> {
    vec![change(kind, "created", None, Value::Null, after.clone())]
}

/// The single change recorded when an object is deleted: the whole object as `before`.
pub fn deleted(kind: &str, before: &Value) -> Vec<Change> {
    vec![change(kind, "deleted", None, before.clone(), Value::Null)]
}

fn change(kind: &str, action: &str, field: Option<&String>, before: Value, after: Value) -> Change {
    Change { kind: kind.to_string(), action: action.to_string(), field: field.cloned(), before, after }
}

/// Replaces secret values anywhere in `value` (objects and arrays, recursively). Long
/// strings keep their first and last 4 characters so a key can still be recognised; short
/// strings and non-strings become `********`. A null stays null: there is no secret in it,
/// and "was unset" remains visible.
pub fn mask_secrets(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_secret(key, v) {
                    mask_one(v);
                } else {
                    mask_secrets(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_secrets),
        _ => {}
    }
}

fn is_secret(key: &str, value: &Value) -> bool {
    let key = key.to_ascii_lowercase();
    if SECRET_KEYS.contains(&key.as_str()) {
        return true;
    }
    key == "value" && value.as_str().is_some_and(|s| KEY_PREFIXES.iter().any(|p| s.starts_with(p)))
}

fn mask_one(value: &mut Value) {
    *value = match value {
        Value::Null => return,
        Value::String(s) => Value::String(mask_str(s)),
        _ => Value::String(MASK.to_string()),
    };
}

fn mask_str(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 12 {
        return MASK.to_string();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}...{tail}")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn changes_are_per_key_and_sorted() {
        let before = json!({"name": "a", "active": false, "gone": 1, "same": [1]});
        let after = json!({"name": "b", "active": true, "new": {"x": 1}, "same": [1]});
        let got = changes("FeatureFlag", &before, &after);
        let summary: Vec<(&str, Option<&str>, Value, Value)> = got
            .iter()
            .map(|c| (c.action.as_str(), c.field.as_deref(), c.before.clone(), c.after.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("changed", Some("active"), json!(false), json!(true)),
                ("deleted", Some("gone"), json!(1), Value::Null),
                ("changed", Some("name"), json!("a"), json!("b")),
                ("created", Some("new"), Value::Null, json!({"x": 1})),
            ]
        );
        assert!(got.iter().all(|c| c.kind == "FeatureFlag"));
    }

    #[test]
    fn equal_snapshots_have_no_changes() {
        let v = json!({"a": 1, "b": {"c": [1, 2]}});
        assert!(changes("X", &v, &v.clone()).is_empty());
    }

    #[test]
    fn key_set_to_null_is_a_change_not_a_deletion() {
        let got = changes("X", &json!({"a": 1}), &json!({"a": null}));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].action, "changed");
        assert_eq!(got[0].after, Value::Null);
    }

    #[test]
    fn non_object_snapshots_compare_whole() {
        let got = changes("X", &Value::Null, &json!(5));
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].action.as_str(), got[0].field.clone()), ("created", None));
        assert_eq!(changes("X", &json!(1), &json!(2))[0].action, "changed");
        assert_eq!(changes("X", &json!([1]), &Value::Null)[0].action, "deleted");
    }

    #[test]
    fn created_and_deleted_carry_the_whole_object() {
        let obj = json!({"name": "n"});
        let c = created("Project", &obj);
        assert_eq!(
            c,
            vec![Change {
                kind: "Project".into(),
                action: "created".into(),
                field: None,
                before: Value::Null,
                after: obj.clone(),
            }]
        );
        let d = deleted("Project", &obj);
        assert_eq!(d[0].action, "deleted");
        assert_eq!(d[0].before, obj);
        assert_eq!(d[0].after, Value::Null);
        assert_eq!(d.len(), 1);
    }

    #[test]
    fn masks_secret_keys_recursively() {
        let mut v = json!({
            "name": "kept",
            "api_token": "phc_abcdefghijklmnop",
            "password": "short",
            "nested": {"secret": 12345, "list": [{"bot_token": "xoxb-1234567890-abcd"}]},
            "jwt_secret": {"k": "v"},
            "signing_secret": null,
        });
        mask_secrets(&mut v);
        assert_eq!(
            v,
            json!({
                "name": "kept",
                "api_token": "phc_...mnop",
                "password": "********",
                "nested": {"secret": "********", "list": [{"bot_token": "xoxb...abcd"}]},
                "jwt_secret": "********",
                "signing_secret": null,
            })
        );
    }

    #[test]
    fn masks_every_listed_key() {
        for key in SECRET_KEYS {
            let mut v = json!({ *key: "0123456789abcdef" });
            mask_secrets(&mut v);
            assert_eq!(v[*key], json!("0123...cdef"), "{key}");
        }
        let mut upper = json!({"Password": "x"});
        mask_secrets(&mut upper);
        assert_eq!(upper["Password"], json!("********"));
    }

    #[test]
    fn value_key_masked_only_for_key_material() {
        let mut v = json!([
            {"value": "phx_0123456789abcdef"},
            {"value": "phs_short"},
            {"value": "phc_0123456789"},
            {"value": "plain text value"},
            {"value": 42},
        ]);
        mask_secrets(&mut v);
        assert_eq!(
            v,
            json!([
                {"value": "phx_...cdef"},
                {"value": "********"},
                {"value": "phc_...6789"},
                {"value": "plain text value"},
                {"value": 42},
            ])
        );
    }

    #[test]
    fn mask_length_boundary_counts_characters() {
        assert_eq!(mask_str("12345678901"), MASK);
        assert_eq!(mask_str("123456789012"), "1234...9012");
        assert_eq!(mask_str("ééééxxxxyyyyzzzz"), "éééé...zzzz");
    }
}
