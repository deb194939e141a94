//! Evaluating a parsed filter against one row, with SQL-like null handling: a comparison
//! with a missing value or a value of another type is false (so `!=` is false too).

use std::cmp::Ordering;

use serde_json::Value;
use uuid::Uuid;

use super::{CmpOp, Expr};
use crate::ActivityRow;

impl Expr {
    /// Whether `row` satisfies the expression.
    pub fn eval(&self, row: &ActivityRow) -> bool {
        match self {
            Expr::And(parts) => parts.iter().all(|e| e.eval(row)),
            Expr::Or(parts) => parts.iter().any(|e| e.eval(row)),
            Expr::Not(inner) => !inner.eval(row),
            Expr::Compare { field, op, value } => compare(row, field, *op, value),
        }
    }
}

fn compare(row: &ActivityRow, field: &str, op: CmpOp, literal: &Value) -> bool {
    if field == "created_at" {
        return match literal {
            Value::Null => op == CmpOp::NotEq,
            Value::String(s) => {
                crate::datetime::parse_iso8601(s).is_some_and(|t| holds(op, row.entry.created_at.cmp(&t)))
            }
            _ => false,
        };
    }
    let actual = lookup(row, field);
    if literal.is_null() {
        return match op {
            CmpOp::Eq => actual.is_null(),
            CmpOp::NotEq => !actual.is_null(),
            _ => false,
        };
    }
    let literal = match (field, literal) {
        // UUIDs compare in canonical form, whatever case or braces the caller used.
        ("user.uuid", Value::String(s)) => {
            Uuid::parse_str(s).map_or_else(|_| literal.clone(), |u| Value::String(u.to_string()))
        }
        _ => literal.clone(),
    };
    order(&actual, &literal).is_some_and(|ord| holds(op, ord))
}

fn holds(op: CmpOp, ord: Ordering) -> bool {
    match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::NotEq => ord != Ordering::Equal,
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::LtEq => ord != Ordering::Greater,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::GtEq => ord != Ordering::Less,
    }
}

/// Ordering of two values of the same type; `None` for mismatched types or null.
fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => x.as_f64()?.partial_cmp(&y.as_f64()?),
        },
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// The field's value on the row; `Null` when absent.
fn lookup(row: &ActivityRow, field: &str) -> Value {
    let e = &row.entry;
    let opt_str = |s: &Option<String>| s.clone().map_or(Value::Null, Value::String);
    match field {
        "scope" => Value::String(e.scope.clone()),
        "activity" => Value::String(e.activity.clone()),
        "item_id" => opt_str(&e.item_id),
        "client" => opt_str(&e.client),
        "is_system" => Value::Bool(e.is_system),
        "was_impersonated" => Value::Bool(e.was_impersonated),
        "team_id" => e.team_id.map_or(Value::Null, Value::from),
        "user.email" => row.user.as_ref().map_or(Value::Null, |u| Value::String(u.email.clone())),
        "user.uuid" => row.user.as_ref().map_or(Value::Null, |u| Value::String(u.uuid.to_string())),
        _ => match (field.strip_prefix("detail."), &e.detail) {
            (Some(path), Some(detail)) => detail_path(detail, path).cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        },
    }
}

/// Walks `a.b.c`; a numeric segment indexes an array (`detail.changes.0.field`).
fn detail_path<'a>(detail: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(detail, |v, seg| match v {
        Value::Object(map) => map.get(seg),
        Value::Array(items) => items.get(seg.parse::<usize>().ok()?),
        _ => None,
    })
}
