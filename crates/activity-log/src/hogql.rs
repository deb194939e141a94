//! The supported subset of `hogql_filter`: comparisons of entry fields and `detail.*`
//! paths combined with AND/OR/NOT, with string/number/boolean literals.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// `field op literal`; `field` is an entry column (`scope`, `activity`, ...) or a
    /// `detail.a.b` path.
    Compare { field: String, op: CmpOp, value: Value },
}
