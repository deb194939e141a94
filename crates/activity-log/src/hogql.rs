//! The supported subset of `hogql_filter`: comparisons of entry fields and `detail.*`
//! paths combined with AND/OR/NOT, with string/number/boolean literals.
//!
//! Grammar (keywords case-insensitive, usual precedence NOT > AND > OR):
//!
//! ```text
//! expr       := and ("OR" and)*
//! and        := not ("AND" not)*
//! not        := "NOT" not | "(" expr ")" | comparison
//! comparison := field ("=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">=") literal
//! field      := scope | activity | item_id | client | is_system | was_impersonated
//!             | team_id | created_at | user.email | user.uuid | detail.<key>[.<key>...]
//! literal    := 'string' | "string" | number | true | false | null
//! ```
//!
//! Upstream accepts and ignores `hogql_filter`; we evaluate this subset after the SQL
//! filters and refuse anything else with a 400 rather than silently ignoring it.

mod eval;
mod lexer;

use serde_json::Value;

use crate::ActivityError;
use lexer::{Spanned, Tok};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::NotEq => "!=",
            CmpOp::Lt => "<",
            CmpOp::LtEq => "<=",
            CmpOp::Gt => ">",
            CmpOp::GtEq => ">=",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// `field op literal`; `field` is an entry column (`scope`, `activity`, ...) or a
    /// `detail.a.b` path.
    Compare {
        field: String,
        op: CmpOp,
        value: Value,
    },
}

/// Entry columns a comparison may name (besides `detail.<path>`).
pub const FIELDS: &[&str] = &[
    "scope",
    "activity",
    "item_id",
    "client",
    "is_system",
    "was_impersonated",
    "team_id",
    "created_at",
    "user.email",
    "user.uuid",
];

const SUPPORTED: &str = "Supported: comparisons (=, !=, <, <=, >, >=) of scope, activity, item_id, client, \
     is_system, was_impersonated, team_id, created_at, user.email, user.uuid or detail.<path> with string, \
     number, boolean or null literals, combined with AND, OR, NOT and parentheses.";

/// Parentheses and NOTs nest at most this deep, so hostile input cannot overflow the stack.
const MAX_DEPTH: usize = 64;
const MAX_INPUT_CHARS: usize = 10_000;

pub(crate) fn unsupported(reason: impl std::fmt::Display) -> ActivityError {
    ActivityError::invalid("hogql_filter", format!("Unsupported hogql_filter: {reason}. {SUPPORTED}"))
}

/// Parses a filter expression of the supported subset.
pub fn parse(input: &str) -> Result<Expr, ActivityError> {
    if input.chars().count() > MAX_INPUT_CHARS {
        return Err(unsupported(format!("expression longer than {MAX_INPUT_CHARS} characters")));
    }
    let tokens = lexer::tokenize(input)?;
    if tokens.is_empty() {
        return Err(unsupported("empty expression"));
    }
    let mut p = Parser { tokens, pos: 0, depth: 0 };
    let expr = p.or()?;
    if let Some((tok, at)) = p.tokens.get(p.pos) {
        return Err(unsupported(format!("unexpected {} at position {at}", tok.describe())));
    }
    Ok(expr)
}

struct Parser {
    tokens: Vec<Spanned>,
    pos: usize,
    depth: usize,
}

fn is_keyword(tok: Option<&Tok>, word: &str) -> bool {
    matches!(tok, Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(word))
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }

    fn next(&mut self) -> Option<Spanned> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn or(&mut self) -> Result<Expr, ActivityError> {
        let mut parts = vec![self.and()?];
        while is_keyword(self.peek(), "or") {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Expr::Or(parts) })
    }

    fn and(&mut self) -> Result<Expr, ActivityError> {
        let mut parts = vec![self.not()?];
        while is_keyword(self.peek(), "and") {
            self.pos += 1;
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Expr::And(parts) })
    }

    fn not(&mut self) -> Result<Expr, ActivityError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(unsupported(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        let expr = if is_keyword(self.peek(), "not") {
            self.pos += 1;
            Expr::Not(Box::new(self.not()?))
        } else if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let inner = self.or()?;
            match self.next() {
                Some((Tok::RParen, _)) => inner,
                Some((tok, at)) => {
                    return Err(unsupported(format!(
                        "expected ')' but found {} at position {at}",
                        tok.describe()
                    )));
                }
                None => return Err(unsupported("missing ')' at the end")),
            }
        } else {
            self.comparison()?
        };
        self.depth -= 1;
        Ok(expr)
    }

    fn comparison(&mut self) -> Result<Expr, ActivityError> {
        let field = match self.next() {
            Some((Tok::Ident(name), at)) => {
                if self.peek() == Some(&Tok::LParen) {
                    return Err(unsupported(format!(
                        "function calls such as '{name}(...)' are not supported"
                    )));
                }
                if ["and", "or", "not", "select"].iter().any(|k| name.eq_ignore_ascii_case(k)) {
                    return Err(unsupported(format!("expected a field but found '{name}' at position {at}")));
                }
                check_field(&name)?;
                name
            }
            Some((tok, at)) => {
                return Err(unsupported(format!(
                    "expected a field but found {} at position {at}",
                    tok.describe()
                )));
            }
            None => return Err(unsupported("unexpected end of expression, expected a field")),
        };
        let op = match self.next() {
            Some((Tok::Op(op), _)) => op,
            Some((tok, at)) => {
                return Err(unsupported(format!(
                    "unsupported operator {} after '{field}' at position {at}",
                    tok.describe()
                )));
            }
            None => return Err(unsupported(format!("missing comparison after '{field}'"))),
        };
        let value = match self.next() {
            Some((Tok::Str(s), _)) => Value::String(s),
            Some((Tok::Num(n), _)) => n,
            Some((Tok::Ident(w), _)) if w.eq_ignore_ascii_case("true") => Value::Bool(true),
            Some((Tok::Ident(w), _)) if w.eq_ignore_ascii_case("false") => Value::Bool(false),
            Some((Tok::Ident(w), _)) if w.eq_ignore_ascii_case("null") => Value::Null,
            Some((tok, at)) => {
                return Err(unsupported(format!(
                    "expected a literal after '{field} {}' but found {} at position {at}",
                    op.as_str(),
                    tok.describe()
                )));
            }
            None => return Err(unsupported(format!("missing value after '{field} {}'", op.as_str()))),
        };
        if field == "created_at"
            && !(value.is_null() || value.as_str().and_then(crate::datetime::parse_iso8601).is_some())
        {
            return Err(unsupported("created_at must be compared with an ISO-8601 date string"));
        }
        Ok(Expr::Compare { field, op, value })
    }
}

fn check_field(name: &str) -> Result<(), ActivityError> {
    if FIELDS.contains(&name) {
        return Ok(());
    }
    match name.strip_prefix("detail.") {
        Some(path) if !path.split('.').any(str::is_empty) => Ok(()),
        _ => Err(unsupported(format!("unknown field '{name}'"))),
    }
}

#[cfg(test)]
mod tests;
