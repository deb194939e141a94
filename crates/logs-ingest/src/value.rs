//! OTLP `AnyValue` → the strings Logstead stores (specs/logs.md 1.1 `body`, 1.3 attributes),
//! and the resource fingerprint.
//!
//! Two renderings:
//! - [`to_json`]: the JSON form, used inside arrays/kvlists and for structured bodies.
//!   kvlist → object (keys sorted, duplicate keys: last wins), array → array,
//!   bytes → base64 string, int → number, non-finite double / empty value → `null`.
//! - [`to_text`]: the *decoded* form users see for attribute values and bodies: strings and
//!   bytes (base64) unquoted, scalars as their JSON text (`123`, `1.5`, `true`), arrays and
//!   kvlists as JSON text, an absent/empty value as `""`. Non-finite doubles use the OTLP/JSON
//!   spellings `NaN`, `Infinity`, `-Infinity`.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};
use serde_json::Value as Json;

/// The JSON form of an AnyValue (see the module docs).
pub fn to_json(value: &AnyValue) -> Json {
    match &value.value {
        None => Json::Null,
        Some(Value::StringValue(s)) => Json::String(s.clone()),
        Some(Value::BoolValue(b)) => Json::Bool(*b),
        Some(Value::IntValue(i)) => Json::from(*i),
        Some(Value::DoubleValue(d)) => serde_json::Number::from_f64(*d).map_or(Json::Null, Json::Number),
        Some(Value::ArrayValue(a)) => Json::Array(a.values.iter().map(to_json).collect()),
        Some(Value::KvlistValue(kv)) => {
            // Sorted and de-duplicated before insertion, so the text is the same whether or
            // not serde_json's `preserve_order` feature is unified in by another crate.
            let sorted: BTreeMap<&str, Json> = kv
                .values
                .iter()
                .map(|e| (e.key.as_str(), e.value.as_ref().map_or(Json::Null, to_json)))
                .collect();
            Json::Object(sorted.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
        }
        Some(Value::BytesValue(b)) => Json::String(BASE64.encode(b)),
        // Profiles-only string-table index: meaningless without the table.
        Some(Value::StringValueStrindex(_)) => Json::Null,
    }
}

/// The decoded text form of an optional AnyValue (see the module docs).
pub fn to_text(value: Option<&AnyValue>) -> String {
    let Some(inner) = value.and_then(|v| v.value.as_ref()) else {
        return String::new();
    };
    match inner {
        Value::StringValue(s) => s.clone(),
        Value::BytesValue(b) => BASE64.encode(b),
        Value::BoolValue(b) => b.to_string(),
        Value::IntValue(i) => i.to_string(),
        Value::DoubleValue(d) => double_text(*d),
        Value::StringValueStrindex(_) => String::new(),
        Value::ArrayValue(_) | Value::KvlistValue(_) => value.map(to_json).unwrap_or_default().to_string(),
    }
}

fn double_text(d: f64) -> String {
    match serde_json::Number::from_f64(d) {
        Some(n) => n.to_string(),
        None if d.is_nan() => "NaN".to_owned(),
        None if d > 0.0 => "Infinity".to_owned(),
        None => "-Infinity".to_owned(),
    }
}

/// [`to_text`], taking the value: strings move instead of being copied.
pub fn into_text(value: Option<AnyValue>) -> String {
    match value {
        Some(AnyValue { value: Some(Value::StringValue(s)) }) => s,
        other => to_text(other.as_ref()),
    }
}

/// Decoded attributes, sorted by key; for duplicate keys the last one wins.
pub fn attribute_map(attributes: &[KeyValue]) -> BTreeMap<String, String> {
    attributes.iter().map(|kv| (kv.key.clone(), to_text(kv.value.as_ref()))).collect()
}

/// The same pairs as [`attribute_map`], as a sorted vector, taking the attributes (keys
/// and string values move). A vector sort beats a `BTreeMap` for a few dozen pairs.
pub fn into_attributes(attributes: Vec<KeyValue>) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> =
        attributes.into_iter().map(|kv| (kv.key, into_text(kv.value))).collect();
    if !pairs.is_sorted_by(|a, b| a.0 < b.0) {
        pairs.sort_by(|a, b| a.0.cmp(&b.0)); // stable: duplicates stay in request order
        // Keep the last of each run of equal keys: move its value into the first one.
        pairs.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                std::mem::swap(&mut later.1, &mut kept.1);
            }
            same
        });
    }
    pairs
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

/// Stable identity of a resource (pod/host): 64-bit FNV-1a over the attributes **in the
/// order given** (pass them sorted by key, as [`crate::to_records`] does). Each key and value
/// is fed as its byte length (u64, little endian) followed by its UTF-8 bytes, so
/// `{"ab": "c"}` and `{"a": "bc"}` differ. Unlike `std`'s `DefaultHasher` this never changes
/// between Rust releases or processes; it is not ClickHouse's `cityHash64`.
pub fn resource_fingerprint(sorted_attributes: &[(String, String)]) -> u64 {
    sorted_attributes.iter().fold(FNV_OFFSET, |h, (k, v)| {
        let h = fnv1a(h, &(k.len() as u64).to_le_bytes());
        let h = fnv1a(h, k.as_bytes());
        let h = fnv1a(h, &(v.len() as u64).to_le_bytes());
        fnv1a(h, v.as_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::{ArrayValue, KeyValueList};

    fn av(v: Value) -> AnyValue {
        AnyValue { value: Some(v) }
    }

    fn kv(k: &str, v: Value) -> KeyValue {
        KeyValue { key: k.into(), value: Some(av(v)), ..Default::default() }
    }

    #[test]
    fn text_of_every_kind() {
        assert_eq!(to_text(Some(&av(Value::StringValue("api".into())))), "api");
        assert_eq!(to_text(Some(&av(Value::IntValue(123)))), "123");
        assert_eq!(to_text(Some(&av(Value::IntValue(-9_007_199_254_740_993)))), "-9007199254740993");
        assert_eq!(to_text(Some(&av(Value::DoubleValue(1.5)))), "1.5");
        assert_eq!(to_text(Some(&av(Value::DoubleValue(2.0)))), "2.0");
        assert_eq!(to_text(Some(&av(Value::DoubleValue(f64::NAN)))), "NaN");
        assert_eq!(to_text(Some(&av(Value::DoubleValue(f64::INFINITY)))), "Infinity");
        assert_eq!(to_text(Some(&av(Value::DoubleValue(f64::NEG_INFINITY)))), "-Infinity");
        assert_eq!(to_text(Some(&av(Value::BoolValue(true)))), "true");
        assert_eq!(to_text(Some(&av(Value::BoolValue(false)))), "false");
        assert_eq!(to_text(Some(&av(Value::BytesValue(b"hello".to_vec())))), "aGVsbG8=");
        assert_eq!(to_text(Some(&av(Value::StringValueStrindex(3)))), "");
        assert_eq!(to_text(Some(&AnyValue { value: None })), "");
        assert_eq!(to_text(None), "");
    }

    #[test]
    fn nested_values_are_json() {
        let array = av(Value::ArrayValue(ArrayValue {
            values: vec![
                av(Value::StringValue("a".into())),
                av(Value::IntValue(1)),
                av(Value::DoubleValue(0.25)),
                av(Value::BoolValue(false)),
                av(Value::BytesValue(vec![0xff])),
                AnyValue { value: None },
                av(Value::DoubleValue(f64::NAN)),
            ],
        }));
        assert_eq!(to_text(Some(&array)), r#"["a",1,0.25,false,"/w==",null,null]"#);

        let kvlist = av(Value::KvlistValue(KeyValueList {
            values: vec![
                kv("z", Value::IntValue(1)),
                kv("a", Value::StringValue("first".into())),
                kv("a", Value::StringValue("last".into())),
                KeyValue { key: "m".into(), value: None, ..Default::default() },
                kv("n", Value::KvlistValue(KeyValueList { values: vec![kv("x", Value::BoolValue(true))] })),
            ],
        }));
        assert_eq!(to_text(Some(&kvlist)), r#"{"a":"last","m":null,"n":{"x":true},"z":1}"#);
        assert_eq!(to_json(&kvlist)["n"]["x"], Json::Bool(true));
    }

    #[test]
    fn attribute_map_sorts_and_last_duplicate_wins() {
        let map = attribute_map(&[
            kv("b", Value::IntValue(2)),
            kv("a", Value::StringValue("x".into())),
            kv("b", Value::IntValue(3)),
        ]);
        let pairs: Vec<(&str, &str)> = map.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(pairs, [("a", "x"), ("b", "3")]);
    }

    #[test]
    fn into_attributes_equals_attribute_map() {
        let cases = [
            vec![],
            vec![kv("a", Value::IntValue(1))],
            vec![kv("a", Value::StringValue("x".into())), kv("b", Value::BoolValue(true))],
            vec![
                kv("b", Value::IntValue(2)),
                kv("a", Value::StringValue("x".into())),
                kv("b", Value::IntValue(3)),
                kv("c", Value::BytesValue(vec![1])),
                kv("a", Value::StringValue("y".into())),
                kv("b", Value::IntValue(4)),
                KeyValue { key: "e".into(), value: None, ..Default::default() },
            ],
            vec![kv("k", Value::IntValue(1)), kv("k", Value::IntValue(2))],
        ];
        for attrs in cases {
            let expected: Vec<(String, String)> = attribute_map(&attrs).into_iter().collect();
            assert_eq!(into_attributes(attrs), expected);
        }
        assert_eq!(into_text(Some(av(Value::StringValue("s".into())))), "s");
        assert_eq!(into_text(Some(av(Value::IntValue(5)))), "5");
        assert_eq!(into_text(None), "");
    }

    #[test]
    fn fnv1a_matches_reference_vectors() {
        assert_eq!(fnv1a(FNV_OFFSET, b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(FNV_OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(FNV_OFFSET, b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn fingerprint_is_stable_and_unambiguous() {
        let attrs = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
        };
        let a = attrs(&[("host.name", "web-1"), ("service.name", "api")]);
        assert_eq!(resource_fingerprint(&a), resource_fingerprint(&a.clone()));
        assert_eq!(resource_fingerprint(&a), PINNED_FINGERPRINT, "the hash must never change");
        assert_ne!(resource_fingerprint(&a), resource_fingerprint(&attrs(&[("service.name", "api")])));
        assert_ne!(
            resource_fingerprint(&attrs(&[("ab", "c")])),
            resource_fingerprint(&attrs(&[("a", "bc")]))
        );
        assert_eq!(resource_fingerprint(&[]), FNV_OFFSET);
    }

    // Computed independently (Python FNV-1a over the same length-prefixed bytes).
    const PINNED_FINGERPRINT: u64 = 17_535_099_696_782_059_123;
}
