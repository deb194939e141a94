#![allow(clippy::unwrap_used)]
use serde_json::json;

use super::*;

fn good() -> Value {
    json!({
        "headline": "Payment service cannot reach its database",
        "severity_assessment": "error",
        "impact_summary": "Checkout fails for every user",
        "probable_causes": [
            {"hypothesis": "A", "confidence": "low", "reasoning": "r"},
            {"hypothesis": "B", "confidence": "high", "reasoning": "r"},
            {"hypothesis": "C", "confidence": "medium", "reasoning": "r"}
        ],
        "immediate_actions": [
            {"action": "later one", "priority": "later", "why": "w"},
            {"action": "now one", "priority": "now", "why": "w"}
        ],
        "technical_explanation": "The pool timed out.",
        "key_fields": [{"field": "db.system", "value": "postgresql", "significance": "s", "attribute_type": "log"}]
    })
}

#[test]
fn a_good_answer_is_accepted_and_ordered() {
    let e = Explanation::from_model(&good().to_string()).unwrap();
    let order: Vec<_> = e.probable_causes.iter().map(|c| c.hypothesis.as_str()).collect();
    assert_eq!(order, ["B", "C", "A"]);
    assert_eq!(e.immediate_actions[0].priority, Priority::Now);
    assert_eq!(e.severity_assessment, SeverityAssessment::Error);
    let fenced = format!("```json\n{}\n```", good());
    assert_eq!(Explanation::from_model(&fenced).unwrap(), e);
    // What we serialise reads back as the same thing (the cache and the response agree).
    assert_eq!(Explanation::from_model(&serde_json::to_string(&e).unwrap()).unwrap(), e);
}

#[test]
fn bad_answers_are_errors_not_panics() {
    let mut cases: Vec<(String, &str)> = vec![
        ("".into(), "not the explanation"),
        ("I think the database is down.".into(), "not the explanation"),
        ("[1, 2]".into(), "not the explanation"),
        ("{\"headline\": \"x\"".into(), "not the explanation"),
    ];
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut v = good();
        f(&mut v);
        v.to_string()
    };
    cases.push((edit(&|v| v["severity_assessment"] = json!("catastrophic")), "not the explanation"));
    cases.push((edit(&|v| v["probable_causes"] = json!([])), "probable_causes"));
    let six = vec![good()["immediate_actions"][0].clone(); 6];
    cases.push((edit(&|v| v["immediate_actions"] = json!(six)), "immediate_actions"));
    cases.push((edit(&|v| v["headline"] = json!("  ")), "headline is empty"));
    cases.push((edit(&|v| v["extra"] = json!(1)), "not the explanation"));
    cases.push((edit(&|v| v["key_fields"][0]["attribute_type"] = json!("span")), "not the explanation"));
    cases.push((edit(&|v| v["technical_explanation"] = json!("x".repeat(MAX_TEXT + 1))), "longer than"));
    for (raw, want) in cases {
        let err = Explanation::from_model(&raw).unwrap_err();
        assert!(err.0.contains(want), "{raw:.60}: {err}");
    }
}

#[test]
fn the_schema_is_strict_and_names_every_field() {
    let s = response_schema();
    assert_eq!(s["additionalProperties"], false);
    let mut required: Vec<&str> =
        s["required"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    required.sort_unstable();
    assert_eq!(
        required,
        [
            "headline",
            "immediate_actions",
            "impact_summary",
            "key_fields",
            "probable_causes",
            "severity_assessment",
            "technical_explanation"
        ]
    );
    let cause = &s["properties"]["probable_causes"]["items"];
    assert_eq!(cause["additionalProperties"], false);
    assert_eq!(cause["properties"]["confidence"]["enum"], json!(["high", "medium", "low"]));
    assert_eq!(
        s["properties"]["key_fields"]["items"]["properties"]["attribute_type"]["enum"],
        json!(["log", "resource"])
    );
}
