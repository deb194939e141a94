//! Evaluates a custom column on one record. Never fails: what ClickHouse would answer
//! with a per-row error (a bad conversion, arithmetic on text) is null here, so one odd
//! row cannot fail a whole page.

use serde_json::{Number, Value};

use super::parse::{Arith, Expr, Func};
use crate::LogRecord;
use crate::filter::AttributeScope;

pub(super) fn eval(e: &Expr, r: &LogRecord) -> Value {
    match e {
        Expr::Lit(v) => v.clone(),
        Expr::Field(f) => f.value(r),
        Expr::Attr(AttributeScope::Log, k) => r.attribute(k).map_or(Value::Null, Value::from),
        Expr::Attr(AttributeScope::Resource, k) => r.resource_attribute(k).map_or(Value::Null, Value::from),
        Expr::Neg(inner) => arith(Arith::Sub, &Value::from(0), &eval(inner, r)),
        Expr::Arith(op, a, b) => arith(*op, &eval(a, r), &eval(b, r)),
        Expr::Call(f, args) => call(*f, &args.iter().map(|a| eval(a, r)).collect::<Vec<_>>()),
    }
}

/// Text of a value: strings as they are, numbers and bools as written, objects and arrays
/// as JSON; `None` for null.
pub(super) fn to_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn number(v: &Value) -> Option<Number> {
    match v {
        Value::Number(n) => Some(n.clone()),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .map(Number::from)
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(Number::from_f64))
        }
        Value::Bool(b) => Some(Number::from(i64::from(*b))),
        _ => None,
    }
}

fn float(v: f64) -> Value {
    Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// Integers stay integers (overflow is null); `/` always divides as floats, as ClickHouse.
fn arith(op: Arith, a: &Value, b: &Value) -> Value {
    let (Some(x), Some(y)) = (number(a), number(b)) else { return Value::Null };
    if let (Some(i), Some(j), false) = (x.as_i64(), y.as_i64(), op == Arith::Div) {
        let out = match op {
            Arith::Add => i.checked_add(j),
            Arith::Sub => i.checked_sub(j),
            Arith::Mul => i.checked_mul(j),
            Arith::Mod => i.checked_rem(j),
            Arith::Div => None,
        };
        return out.map_or(Value::Null, Value::from);
    }
    let (Some(x), Some(y)) = (x.as_f64(), y.as_f64()) else { return Value::Null };
    match op {
        Arith::Add => float(x + y),
        Arith::Sub => float(x - y),
        Arith::Mul => float(x * y),
        Arith::Div => float(x / y),
        Arith::Mod => float(x % y),
    }
}

fn text_fn(v: &Value, f: impl Fn(&str) -> Value) -> Value {
    to_text(v).map_or(Value::Null, |s| f(&s))
}

fn call(f: Func, args: &[Value]) -> Value {
    let arg = |i: usize| args.get(i).unwrap_or(&Value::Null);
    match f {
        Func::Upper => text_fn(arg(0), |s| s.to_uppercase().into()),
        Func::Lower => text_fn(arg(0), |s| s.to_lowercase().into()),
        Func::Length => text_fn(arg(0), |s| s.len().into()),
        Func::LengthUtf8 => text_fn(arg(0), |s| s.chars().count().into()),
        Func::Trim => text_fn(arg(0), |s| s.trim().into()),
        // A null counts as empty text, so one missing attribute does not blank the row.
        Func::Concat => args.iter().filter_map(to_text).collect::<String>().into(),
        Func::Coalesce => args.iter().find(|v| !v.is_null()).cloned().unwrap_or(Value::Null),
        Func::ToString => to_text(arg(0)).map_or(Value::Null, Value::String),
        Func::ToInt => match number(arg(0)) {
            Some(n) => {
                n.as_i64().map(Value::from).or_else(|| n.as_f64().map(truncate)).unwrap_or(Value::Null)
            }
            None => Value::Null,
        },
        Func::ToFloat => number(arg(0)).and_then(|n| n.as_f64()).map_or(Value::Null, float),
        Func::Substring => substring(arg(0), arg(1), args.get(2)),
        Func::ReplaceAll => match (to_text(arg(0)), to_text(arg(1)), to_text(arg(2))) {
            (Some(s), Some(from), Some(to)) if !from.is_empty() => s.replace(&from, &to).into(),
            (Some(s), Some(_), Some(_)) => s.into(),
            _ => Value::Null,
        },
        Func::JsonExtractString => match json_path(arg(0), &args[1.min(args.len())..]) {
            Some(Value::String(s)) => Value::String(s),
            Some(Value::Null) | None => Value::Null,
            Some(other) => Value::String(other.to_string()),
        },
        Func::JsonExtractRaw => {
            json_path(arg(0), &args[1.min(args.len())..]).map_or(Value::Null, |v| v.to_string().into())
        }
    }
}

/// Saturating: ClickHouse's toInt64 of a huge float is undefined; null would hide it less well.
#[allow(clippy::cast_possible_truncation)]
fn truncate(x: f64) -> Value {
    if x.is_finite() { Value::from(x.trunc() as i64) } else { Value::Null }
}

/// 1-based character offset (negative counts from the end), optional length in characters.
fn substring(s: &Value, offset: &Value, len: Option<&Value>) -> Value {
    let (Some(s), Some(off)) = (to_text(s), number(offset).and_then(|n| n.as_i64())) else {
        return Value::Null;
    };
    let chars: Vec<char> = s.chars().collect();
    let n = i64::try_from(chars.len()).unwrap_or(i64::MAX);
    let start = match off {
        0 => return Value::String(String::new()),
        o if o > 0 => o - 1,
        o => (n + o).max(0),
    };
    let count = match len {
        None => n,
        Some(l) => match number(l).and_then(|n| n.as_i64()) {
            Some(l) if l >= 0 => l,
            Some(l) => (n - start + l).max(0),
            None => return Value::Null,
        },
    };
    let start = usize::try_from(start.min(n)).unwrap_or(0);
    let count = usize::try_from(count).unwrap_or(0);
    chars.iter().skip(start).take(count).collect::<String>().into()
}

/// Walks a JSON text: string keys into objects, 1-based integer indexes into arrays
/// (negative from the end), as ClickHouse's JSONExtract* functions.
fn json_path(doc: &Value, path: &[Value]) -> Option<Value> {
    let mut cur: Value = serde_json::from_str(&to_text(doc)?).ok()?;
    for step in path {
        cur = match (cur, step) {
            (Value::Object(mut m), Value::String(k)) => m.remove(k)?,
            (Value::Array(mut a), Value::Number(i)) => {
                let i = i.as_i64()?;
                let len = i64::try_from(a.len()).ok()?;
                let at = if i > 0 { i - 1 } else { len + i };
                if !(0..len).contains(&at) {
                    return None;
                }
                a.swap_remove(usize::try_from(at).ok()?)
            }
            _ => return None,
        };
    }
    Some(cur)
}
