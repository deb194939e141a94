//! The leaf readers of the fast path: AnyValue, ids, lenient integers.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use opentelemetry_proto::tonic::common::v1::AnyValue;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::{ANY_NAMES, Item, any_field, give_up, severity_number_from_str, walk};

/// An AnyValue and how many entries its object had (`{}` is no value at all in
/// `"value"`/`"body"`, but an empty AnyValue inside an array).
pub(super) struct Any {
    pub value: AnyValue,
    entries: usize,
}

impl Any {
    pub fn unless_empty(self) -> Option<AnyValue> {
        (self.entries > 0).then_some(self.value)
    }
}

impl<'de> de::Deserialize<'de> for Any {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Any;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an AnyValue object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Any, A::Error> {
                let mut value = None;
                let (_, entries) = walk(&mut map, ANY_NAMES, |i, map| any_field(i, map, &mut value))?;
                Ok(Any { value: AnyValue { value }, entries })
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Item<'de> for Any {
    fn read<D: Deserializer<'de>>(d: D) -> Result<Any, D::Error> {
        <Any as de::Deserialize>::deserialize(d)
    }
}

/// An int64 as a number or a decimal string (`intValue`).
pub(super) struct I64(pub i64);

impl<'de> de::Deserialize<'de> for I64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = I64;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an int64")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<I64, E> {
                Ok(I64(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<I64, E> {
                i64::try_from(v).map(I64).map_err(|_| give_up())
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<I64, E> {
                v.parse().map(I64).map_err(|_| give_up())
            }
        }
        d.deserialize_any(V)
    }
}

/// A uint64 as a number or a decimal string (`timeUnixNano`).
pub(super) struct U64(u64);

impl From<U64> for u64 {
    fn from(v: U64) -> u64 {
        v.0
    }
}

impl<'de> de::Deserialize<'de> for U64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = U64;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a uint64")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<U64, E> {
                Ok(U64(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<U64, E> {
                u64::try_from(v).map(U64).map_err(|_| give_up())
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<U64, E> {
                v.parse().map(U64).map_err(|_| give_up())
            }
        }
        d.deserialize_any(V)
    }
}

/// `severityNumber`: an int32, or a string the general path normalises.
pub(super) struct SeverityNumber(i32);

impl From<SeverityNumber> for i32 {
    fn from(v: SeverityNumber) -> i32 {
        v.0
    }
}

impl<'de> de::Deserialize<'de> for SeverityNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = SeverityNumber;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a severity number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<SeverityNumber, E> {
                i32::try_from(v).map(SeverityNumber).map_err(|_| give_up())
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<SeverityNumber, E> {
                i32::try_from(v).map(SeverityNumber).map_err(|_| give_up())
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SeverityNumber, E> {
                Ok(SeverityNumber(severity_number_from_str(v)))
            }
        }
        d.deserialize_any(V)
    }
}

/// `traceId`/`spanId`: hex; other strings are base64 or else no id (as the general path
/// normalises them). Anything but a string: give up.
pub(super) struct Id(Vec<u8>);

impl From<Id> for Vec<u8> {
    fn from(v: Id) -> Vec<u8> {
        v.0
    }
}

impl<'de> de::Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Id;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
                Ok(Id(hex::decode(v).or_else(|_| BASE64.decode(v.as_bytes())).unwrap_or_default()))
            }
        }
        d.deserialize_str(V)
    }
}
