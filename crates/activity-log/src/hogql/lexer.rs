//! Tokens of the supported HogQL subset. Keywords and `true`/`false`/`null` come out as
//! identifiers; the parser gives them meaning.

use serde_json::Value;

use super::{CmpOp, unsupported};
use crate::ActivityError;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Ident(String),
    Str(String),
    Num(Value),
    Op(CmpOp),
    LParen,
    RParen,
    Comma,
}

impl Tok {
    /// How the token reads in an error message.
    pub(super) fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("'{s}'"),
            Tok::Str(s) => format!("string '{s}'"),
            Tok::Num(n) => format!("number {n}"),
            Tok::Op(op) => format!("'{}'", op.as_str()),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::Comma => "','".into(),
        }
    }
}

/// A token and its 1-based character position.
pub(super) type Spanned = (Tok, usize);

pub(super) fn tokenize(input: &str) -> Result<Vec<Spanned>, ActivityError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i + 1;
        let next = chars.get(i + 1).copied();
        let tok = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => single(&mut i, Tok::LParen),
            ')' => single(&mut i, Tok::RParen),
            ',' => single(&mut i, Tok::Comma),
            '=' if next == Some('=') => double(&mut i, CmpOp::Eq),
            '=' => single(&mut i, Tok::Op(CmpOp::Eq)),
            '!' if next == Some('=') => double(&mut i, CmpOp::NotEq),
            '<' if next == Some('=') => double(&mut i, CmpOp::LtEq),
            '<' if next == Some('>') => double(&mut i, CmpOp::NotEq),
            '<' => single(&mut i, Tok::Op(CmpOp::Lt)),
            '>' if next == Some('=') => double(&mut i, CmpOp::GtEq),
            '>' => single(&mut i, Tok::Op(CmpOp::Gt)),
            '\'' | '"' => Tok::Str(string(&chars, &mut i, start)?),
            c if c.is_ascii_digit() || (matches!(c, '-' | '+' | '.') && starts_number(&chars[i + 1..])) => {
                number(&chars, &mut i, start)?
            }
            c if c.is_ascii_alphabetic() || c == '_' || c == '$' => {
                let end = chars[i..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.')))
                    .map_or(chars.len(), |n| i + n);
                let ident: String = chars[i..end].iter().collect();
                i = end;
                Tok::Ident(ident)
            }
            other => return Err(unsupported(format!("unexpected character '{other}' at position {start}"))),
        };
        out.push((tok, start));
    }
    Ok(out)
}

fn single(i: &mut usize, tok: Tok) -> Tok {
    *i += 1;
    tok
}

fn double(i: &mut usize, op: CmpOp) -> Tok {
    *i += 2;
    Tok::Op(op)
}

fn starts_number(rest: &[char]) -> bool {
    match rest {
        [d, ..] if d.is_ascii_digit() => true,
        ['.', d, ..] => d.is_ascii_digit(),
        _ => false,
    }
}

/// A quoted string; backslash escapes the next character (`\n`, `\t`, `\\`, `\'`, ...).
fn string(chars: &[char], i: &mut usize, start: usize) -> Result<String, ActivityError> {
    let quote = chars[*i];
    let mut out = String::new();
    let mut j = *i + 1;
    while j < chars.len() {
        match chars[j] {
            '\\' => {
                let Some(&e) = chars.get(j + 1) else { break };
                out.push(match e {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '0' => '\0',
                    other => other,
                });
                j += 2;
            }
            c if c == quote => {
                *i = j + 1;
                return Ok(out);
            }
            c => {
                out.push(c);
                j += 1;
            }
        }
    }
    Err(unsupported(format!("unterminated string starting at position {start}")))
}

/// `[+-]digits[.digits][e[+-]digits]`; integers that fit stay integers.
fn number(chars: &[char], i: &mut usize, pos: usize) -> Result<Tok, ActivityError> {
    let start = *i;
    let mut j = *i;
    if matches!(chars[j], '-' | '+') {
        j += 1;
    }
    let digits = |j: &mut usize| {
        while chars.get(*j).is_some_and(char::is_ascii_digit) {
            *j += 1;
        }
    };
    digits(&mut j);
    let mut float = false;
    if chars.get(j) == Some(&'.') && chars.get(j + 1).is_some_and(char::is_ascii_digit) {
        float = true;
        j += 1;
        digits(&mut j);
    }
    if matches!(chars.get(j), Some('e' | 'E')) {
        let sign = usize::from(matches!(chars.get(j + 1), Some('+' | '-')));
        if chars.get(j + 1 + sign).is_some_and(char::is_ascii_digit) {
            float = true;
            j += 1 + sign;
            digits(&mut j);
        }
    }
    *i = j;
    let text: String = chars[start..j].iter().collect();
    let int = if float { None } else { text.parse::<i64>().ok() };
    let value = match int {
        Some(n) => Value::from(n),
        None => match text.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
            Some(n) => Value::Number(n),
            None => return Err(unsupported(format!("number '{text}' at position {pos} is out of range"))),
        },
    };
    Ok(Tok::Num(value))
}
