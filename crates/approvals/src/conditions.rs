//! `conditions` (§4.4): when a policy applies to a change's intent.

use serde_json::Value;

/// Whether `conditions` match `intent` (`intent.current_state[field]` is before,
/// `intent.gated_changes[field]` after; each side a scalar or a list of `{path, value}`).
/// Empty or missing conditions always match; with `supports_conditions` false any
/// non-empty conditions also always match; unknown type/operator or a missing
/// field/operator/value fall back to "matches"; a comparison type error is "no match" for
/// that path.
pub fn matches(conditions: &Value, intent: &Value, supports_conditions: bool) -> bool {
    let _ = (conditions, intent, supports_conditions);
    todo!("helper: conditions::matches")
}
