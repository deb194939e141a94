//! `detail_filters`: `{ "<path>": {"operation": "exact"|"contains"|"in", "value": ...} }`
//! (spec 6.4). Validation and matching semantics live here.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailOp {
    Exact,
    Contains,
    In,
}

/// One validated entry. `path` is split on `.`; a segment ending in `[]` walks an array.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailFilter {
    pub path: String,
    pub op: DetailOp,
    pub value: Value,
}
