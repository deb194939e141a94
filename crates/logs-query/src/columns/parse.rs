//! From a custom column's text to [`Expr`]: shorthand by prefix, anything else through
//! `sqlparser`'s ClickHouse dialect (HogQL is ClickHouse SQL), then lowered to the small
//! set of per-row forms [`super::eval`] knows. Everything else is refused with a reason.

use serde_json::Value;
use sqlparser::ast::{
    AccessExpr, BinaryOperator, Expr as Sql, FunctionArg, FunctionArgExpr, FunctionArguments, ObjectNamePart,
    Subscript, UnaryOperator, Value as SqlValue,
};
use sqlparser::dialect::ClickHouseDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use crate::export::Field;
use crate::filter::AttributeScope;

/// 14 nested calls or parentheses: deep enough for any sensible column, shallow enough
/// to keep the parser's stack small (it recurses per level).
const RECURSION_LIMIT: usize = 16;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Expr {
    Lit(Value),
    Field(Field),
    /// A missing key is null.
    Attr(AttributeScope, String),
    Call(Func, Vec<Expr>),
    Arith(Arith, Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Func {
    Upper,
    Lower,
    Length,
    LengthUtf8,
    Trim,
    Concat,
    Coalesce,
    ToString,
    ToInt,
    ToFloat,
    Substring,
    ReplaceAll,
    JsonExtractString,
    JsonExtractRaw,
}

/// Name (matched ignoring case, as ClickHouse does for these), function, min and max args.
const FUNCS: [(&str, Func, usize, usize); 20] = [
    ("upper", Func::Upper, 1, 1),
    ("lower", Func::Lower, 1, 1),
    ("length", Func::Length, 1, 1),
    ("lengthUTF8", Func::LengthUtf8, 1, 1),
    ("trim", Func::Trim, 1, 1),
    ("trimBoth", Func::Trim, 1, 1),
    ("concat", Func::Concat, 1, 64),
    ("coalesce", Func::Coalesce, 1, 64),
    ("ifNull", Func::Coalesce, 2, 2),
    ("toString", Func::ToString, 1, 1),
    ("toInt", Func::ToInt, 1, 1),
    ("toInt64", Func::ToInt, 1, 1),
    ("toFloat", Func::ToFloat, 1, 1),
    ("toFloat64", Func::ToFloat, 1, 1),
    ("substring", Func::Substring, 2, 3),
    ("substringUTF8", Func::Substring, 2, 3),
    ("replaceAll", Func::ReplaceAll, 3, 3),
    ("replace", Func::ReplaceAll, 3, 3),
    ("JSONExtractString", Func::JsonExtractString, 1, 64),
    ("JSONExtractRaw", Func::JsonExtractRaw, 1, 64),
];

/// Aggregate functions get their own message (they are refused like any unknown name).
const AGGREGATES: [&str; 14] = [
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "any",
    "anylast",
    "argmin",
    "argmax",
    "median",
    "uniq",
    "grouparray",
    "topk",
    "histogram",
];
const AGGREGATE_PREFIXES: [&str; 8] = ["count", "sum", "avg", "uniq", "quantile", "group", "stddev", "var"];

pub(super) fn parse(text: &str) -> Result<Expr, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("the column is empty".into());
    }
    if let Some(expr) = shorthand(text)? {
        return Ok(expr);
    }
    let dialect = ClickHouseDialect {};
    let mut parser = Parser::new(&dialect)
        .with_recursion_limit(RECURSION_LIMIT)
        .try_with_sql(text)
        .map_err(|e| format!("cannot parse it ({e})"))?;
    let sql = parser.parse_expr().map_err(|e| format!("cannot parse it ({e})"))?;
    let next = parser.peek_token();
    if next.token != Token::EOF {
        return Err(format!("unexpected '{}' after the expression", next.token));
    }
    lower(&sql)
}

/// `<source>.<path>`: attribute keys keep their dots (OTel keys); a body path splits on them.
fn shorthand(text: &str) -> Result<Option<Expr>, String> {
    let Some((source, path)) = text.split_once('.') else { return Ok(None) };
    if path.is_empty() {
        return Ok(None);
    }
    Ok(Some(match source {
        "attributes" => Expr::Attr(AttributeScope::Log, path.to_owned()),
        "resource_attributes" => Expr::Attr(AttributeScope::Resource, path.to_owned()),
        "body" => {
            let segments: Vec<&str> = path.split('.').collect();
            if segments.iter().any(|s| s.is_empty()) {
                return Err(format!("the body path '{path}' has an empty segment"));
            }
            let mut args = vec![Expr::Field(Field::Body)];
            args.extend(segments.into_iter().map(|s| Expr::Lit(Value::String(s.to_owned()))));
            Expr::Call(Func::JsonExtractString, args)
        }
        _ => return Ok(None),
    }))
}

fn lower(e: &Sql) -> Result<Expr, String> {
    match e {
        Sql::Identifier(id) => field(&id.value),
        Sql::CompoundIdentifier(parts) => {
            let name: Vec<&str> = parts.iter().map(|p| p.value.as_str()).collect();
            Err(format!("unknown field '{}'", name.join(".")))
        }
        Sql::CompoundFieldAccess { root, access_chain } => map_lookup(root, access_chain),
        Sql::Value(v) => literal(&v.value),
        Sql::Nested(inner) => lower(inner),
        Sql::UnaryOp { op: UnaryOperator::Minus, expr } => Ok(Expr::Neg(Box::new(lower(expr)?))),
        Sql::UnaryOp { op: UnaryOperator::Plus, expr } => lower(expr),
        Sql::BinaryOp { left, op, right } => binary(left, op, right),
        Sql::Function(f) => function(f),
        // The SQL standard's own syntax for these two, which the parser reads specially.
        Sql::Trim { expr, trim_where: None, trim_what: None, trim_characters: None } => {
            Ok(Expr::Call(Func::Trim, vec![lower(expr)?]))
        }
        Sql::Substring { expr, substring_from, substring_for, .. } => {
            let from = substring_from.as_deref().ok_or("'substring' takes 2 to 3 argument(s), not 1")?;
            let mut args = vec![lower(expr)?, lower(from)?];
            if let Some(len) = substring_for {
                args.push(lower(len)?);
            }
            Ok(Expr::Call(Func::Substring, args))
        }
        Sql::Subquery(_) | Sql::Exists { .. } => Err("subqueries are not allowed".into()),
        other => Err(format!("'{other}' is not a supported expression")),
    }
}

fn field(name: &str) -> Result<Expr, String> {
    Field::parse(name).map(Expr::Field).ok_or_else(|| format!("unknown field '{name}'"))
}

/// `attributes['k']` / `resource_attributes['k']`: one string subscript on a map.
fn map_lookup(root: &Sql, chain: &[AccessExpr]) -> Result<Expr, String> {
    let scope = match root {
        Sql::Identifier(id) if id.value == "attributes" => AttributeScope::Log,
        Sql::Identifier(id) if id.value == "resource_attributes" => AttributeScope::Resource,
        other => {
            return Err(format!("'{other}' cannot be subscripted: only attributes and resource_attributes"));
        }
    };
    match chain {
        [AccessExpr::Subscript(Subscript::Index { index: Sql::Value(v) })] => match &v.value {
            SqlValue::SingleQuotedString(k) | SqlValue::DoubleQuotedString(k) => {
                Ok(Expr::Attr(scope, k.clone()))
            }
            _ => Err("a map key must be a quoted string, as in attributes['http.method']".into()),
        },
        _ => Err("a map lookup takes one quoted key, as in attributes['http.method']".into()),
    }
}

fn literal(v: &SqlValue) -> Result<Expr, String> {
    let value = match v {
        SqlValue::Number(n, _) => {
            let num =
                n.parse::<i64>().map(Value::from).ok().or_else(|| {
                    n.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number)
                });
            num.ok_or_else(|| format!("'{n}' is not a number this server can hold"))?
        }
        SqlValue::SingleQuotedString(s) => Value::String(s.clone()),
        SqlValue::Boolean(b) => Value::Bool(*b),
        SqlValue::Null => Value::Null,
        other => return Err(format!("the literal {other} is not supported")),
    };
    Ok(Expr::Lit(value))
}

fn binary(left: &Sql, op: &BinaryOperator, right: &Sql) -> Result<Expr, String> {
    let arith = match op {
        BinaryOperator::StringConcat => {
            return Ok(Expr::Call(Func::Concat, vec![lower(left)?, lower(right)?]));
        }
        BinaryOperator::Plus => Arith::Add,
        BinaryOperator::Minus => Arith::Sub,
        BinaryOperator::Multiply => Arith::Mul,
        BinaryOperator::Divide => Arith::Div,
        BinaryOperator::Modulo => Arith::Mod,
        other => return Err(format!("the operator {other} is not supported")),
    };
    Ok(Expr::Arith(arith, Box::new(lower(left)?), Box::new(lower(right)?)))
}

fn function(f: &sqlparser::ast::Function) -> Result<Expr, String> {
    let name = match f.name.0.as_slice() {
        [ObjectNamePart::Identifier(id)] => id.value.as_str(),
        _ => return Err(format!("function '{}' is not supported", f.name)),
    };
    let lower_name = name.to_ascii_lowercase();
    if AGGREGATES.contains(&lower_name.as_str())
        || AGGREGATE_PREFIXES.iter().any(|p| lower_name.starts_with(p))
    {
        return Err(format!("custom columns are per row: the aggregation '{name}' is not allowed"));
    }
    if f.over.is_some() {
        return Err(format!("window function '{name}' is not allowed"));
    }
    let (_, func, min, max) = FUNCS
        .iter()
        .find(|(n, ..)| n.eq_ignore_ascii_case(name))
        .ok_or_else(|| format!("function '{name}' is not supported"))?;
    if !matches!(f.parameters, FunctionArguments::None) || f.filter.is_some() || !f.within_group.is_empty() {
        return Err(format!("'{name}' takes plain arguments only"));
    }
    let args = match &f.args {
        FunctionArguments::List(list) if list.duplicate_treatment.is_none() && list.clauses.is_empty() => {
            list.args.iter().map(argument).collect::<Result<Vec<_>, _>>()?
        }
        FunctionArguments::List(_) => return Err(format!("'{name}' takes plain arguments only")),
        FunctionArguments::None => Vec::new(),
        FunctionArguments::Subquery(_) => return Err("subqueries are not allowed".into()),
    };
    if !(*min..=*max).contains(&args.len()) {
        let want = if min == max { min.to_string() } else { format!("{min} to {max}") };
        return Err(format!("'{name}' takes {want} argument(s), not {}", args.len()));
    }
    Ok(Expr::Call(*func, args))
}

fn argument(a: &FunctionArg) -> Result<Expr, String> {
    match a {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => lower(e),
        _ => Err("arguments must be plain expressions (no names, no *)".into()),
    }
}
