//! The explanation (spec §6 response): typed, validated the same way whether a remote
//! model or the built-in explainer wrote it, and the JSON Schema a strict
//! `response_format` sends.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::AnswerError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeverityAssessment {
    Ok,
    Warning,
    Error,
    Critical,
}

/// Declared strongest first: sorting puts `high` first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    High,
    Medium,
    Low,
}

/// Declared most urgent first: sorting puts `now` first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Now,
    Soon,
    Later,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttributeType {
    Log,
    Resource,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cause {
    pub hypothesis: String,
    pub confidence: Confidence,
    pub reasoning: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    pub action: String,
    pub priority: Priority,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyField {
    pub field: String,
    pub value: String,
    pub significance: String,
    pub attribute_type: AttributeType,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Explanation {
    pub headline: String,
    pub severity_assessment: SeverityAssessment,
    pub impact_summary: String,
    pub probable_causes: Vec<Cause>,
    pub immediate_actions: Vec<Action>,
    pub technical_explanation: String,
    pub key_fields: Vec<KeyField>,
}

pub const MAX_CAUSES: usize = 3;
pub const MAX_ACTIONS: usize = 5;
pub const MAX_KEY_FIELDS: usize = 12;
/// Longest accepted text field: a runaway answer is a bad answer, not a huge response.
pub const MAX_TEXT: usize = 4000;

impl Explanation {
    /// Parses and checks a model's answer. A Markdown code fence around the JSON is
    /// tolerated (some OpenAI-compatible servers add one despite the schema).
    pub fn from_model(raw: &str) -> Result<Self, AnswerError> {
        let text = raw.trim();
        let text = text
            .strip_prefix("```json")
            .or_else(|| text.strip_prefix("```"))
            .and_then(|t| t.trim_end().strip_suffix("```"))
            .unwrap_or(text);
        let e: Explanation = serde_json::from_str(text.trim())
            .map_err(|e| AnswerError(format!("the answer is not the explanation JSON: {e}")))?;
        e.validated()
    }

    /// Checks counts and text, and orders causes (high first) and actions (now first).
    pub fn validated(mut self) -> Result<Self, AnswerError> {
        let bad = |m: String| Err(AnswerError(m));
        let texts = [("headline", &self.headline), ("impact_summary", &self.impact_summary)]
            .into_iter()
            .chain([("technical_explanation", &self.technical_explanation)])
            .chain(
                self.probable_causes
                    .iter()
                    .flat_map(|c| [("hypothesis", &c.hypothesis), ("reasoning", &c.reasoning)]),
            )
            .chain(self.immediate_actions.iter().flat_map(|a| [("action", &a.action), ("why", &a.why)]))
            .chain(
                self.key_fields.iter().flat_map(|k| [("field", &k.field), ("significance", &k.significance)]),
            );
        for (name, text) in texts {
            if text.trim().is_empty() {
                return bad(format!("{name} is empty"));
            }
            if text.chars().count() > MAX_TEXT {
                return bad(format!("{name} is longer than {MAX_TEXT} characters"));
            }
        }
        if !(1..=MAX_CAUSES).contains(&self.probable_causes.len()) {
            return bad(format!("probable_causes must hold 1 to {MAX_CAUSES} items"));
        }
        if !(1..=MAX_ACTIONS).contains(&self.immediate_actions.len()) {
            return bad(format!("immediate_actions must hold 1 to {MAX_ACTIONS} items"));
        }
        if self.key_fields.len() > MAX_KEY_FIELDS {
            return bad(format!("key_fields must hold at most {MAX_KEY_FIELDS} items"));
        }
        self.probable_causes.sort_by_key(|c| c.confidence);
        self.immediate_actions.sort_by_key(|a| a.priority);
        Ok(self)
    }
}

fn enum_of(values: &[&str]) -> Value {
    json!({"type": "string", "enum": values})
}

fn object(properties: Value) -> Value {
    let required: Vec<&String> = properties.as_object().map(|m| m.keys().collect()).unwrap_or_default();
    json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false})
}

/// The JSON Schema of [`Explanation`] for a strict `response_format` (every property
/// required, no others). Item counts are stated in descriptions and enforced by
/// [`Explanation::validated`], since strict mode does not accept every keyword everywhere.
pub fn response_schema() -> Value {
    let text = |d: &str| json!({"type": "string", "description": d});
    let cause = object(json!({
        "hypothesis": text("What may have caused this log"),
        "confidence": enum_of(&["high", "medium", "low"]),
        "reasoning": text("Why, citing fields of the record"),
    }));
    let action = object(json!({
        "action": text("A concrete step"),
        "priority": enum_of(&["now", "soon", "later"]),
        "why": text("Why this step helps"),
    }));
    let key_field = object(json!({
        "field": text("Attribute key or column name"),
        "value": text("Its value in the record"),
        "significance": text("Why it matters"),
        "attribute_type": enum_of(&["log", "resource"]),
    }));
    object(json!({
        "headline": text("5-10 word summary"),
        "severity_assessment": enum_of(&["ok", "warning", "error", "critical"]),
        "impact_summary": text("Who or what is affected"),
        "probable_causes": {"type": "array", "description": "1 to 3 causes, highest confidence first", "items": cause},
        "immediate_actions": {"type": "array", "description": "1 to 5 actions, `now` first", "items": action},
        "technical_explanation": text("What happened, technically"),
        "key_fields": {"type": "array", "description": "The fields that matter most", "items": key_field},
    }))
}

#[cfg(test)]
#[path = "answer_tests.rs"]
mod tests;
