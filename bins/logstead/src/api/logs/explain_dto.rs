//! The explanation as the API shows it (spec §6), named for the OpenAPI document.

use logs_explain::answer::AttributeType;
use logs_explain::{Confidence, Explanation, Priority, SeverityAssessment};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ExplanationDto {
    /// 5-10 word summary.
    pub headline: String,
    pub severity_assessment: ExplainSeverity,
    pub impact_summary: String,
    /// 1-3, highest confidence first.
    pub probable_causes: Vec<CauseDto>,
    /// 1-5, `now` first.
    pub immediate_actions: Vec<ActionDto>,
    pub technical_explanation: String,
    pub key_fields: Vec<KeyFieldDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CauseDto {
    pub hypothesis: String,
    pub confidence: ExplainConfidence,
    pub reasoning: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionDto {
    pub action: String,
    pub priority: ExplainPriority,
    pub why: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyFieldDto {
    pub field: String,
    pub value: String,
    pub significance: String,
    pub attribute_type: ExplainAttributeType,
}

/// The domain enums, named for the OpenAPI document (same lower-case values).
macro_rules! schema_enum {
    ($name:ident from $domain:ident { $($v:ident),+ }) => {
        #[derive(Debug, Clone, Copy, Serialize, ToSchema)]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($v),+ }
        impl From<$domain> for $name {
            fn from(d: $domain) -> Self {
                match d { $($domain::$v => Self::$v),+ }
            }
        }
    };
}

schema_enum!(ExplainSeverity from SeverityAssessment { Ok, Warning, Error, Critical });
schema_enum!(ExplainConfidence from Confidence { High, Medium, Low });
schema_enum!(ExplainPriority from Priority { Now, Soon, Later });
schema_enum!(ExplainAttributeType from AttributeType { Log, Resource });

impl From<Explanation> for ExplanationDto {
    fn from(e: Explanation) -> Self {
        Self {
            headline: e.headline,
            severity_assessment: e.severity_assessment.into(),
            impact_summary: e.impact_summary,
            probable_causes: e
                .probable_causes
                .into_iter()
                .map(|c| CauseDto {
                    hypothesis: c.hypothesis,
                    confidence: c.confidence.into(),
                    reasoning: c.reasoning,
                })
                .collect(),
            immediate_actions: e
                .immediate_actions
                .into_iter()
                .map(|a| ActionDto { action: a.action, priority: a.priority.into(), why: a.why })
                .collect(),
            technical_explanation: e.technical_explanation,
            key_fields: e
                .key_fields
                .into_iter()
                .map(|k| KeyFieldDto {
                    field: k.field,
                    value: k.value,
                    significance: k.significance,
                    attribute_type: k.attribute_type.into(),
                })
                .collect(),
        }
    }
}
