//! The approvals endpoints in the OpenAPI document: typed bodies and answers, the bespoke
//! error bodies as named schemas, and no operation for the read-only 405s.

use serde_json::Value;

/// The `$ref` name of an operation's answer or body.
fn schema_name(content: &Value) -> String {
    let s = &content["application/json"]["schema"];
    let r = s["$ref"].as_str().or_else(|| s["items"]["$ref"].as_str()).unwrap_or_default();
    r.trim_start_matches("#/components/schemas/").to_string()
}

#[test]
fn approvals_operations_are_typed() {
    let doc = serde_json::to_value(logstead::app::openapi()).unwrap_or_default();
    for prefix in ["/api/projects/{project_id}", "/api/environments/{project_id}"] {
        let policies = &doc["paths"][format!("{prefix}/approval_policies")];
        assert_eq!(
            schema_name(&policies["get"]["responses"]["200"]["content"]),
            "Paginated_ApprovalPolicyDto"
        );
        assert_eq!(schema_name(&policies["post"]["requestBody"]["content"]), "ApprovalPolicyBody");
        assert_eq!(schema_name(&policies["post"]["responses"]["201"]["content"]), "ApprovalPolicyDto");
        assert_eq!(schema_name(&policies["post"]["responses"]["403"]["content"]), "ErrorBody");
        let one = &doc["paths"][format!("{prefix}/approval_policies/{{id}}")];
        let methods: Vec<&String> = one.as_object().map(|m| m.keys().collect()).unwrap_or_default();
        for m in ["get", "put", "patch", "delete"] {
            assert!(methods.iter().any(|k| *k == m), "{prefix} policy {m}: {methods:?}");
        }

        let requests = &doc["paths"][format!("{prefix}/change_requests")];
        let methods: Vec<&String> = requests.as_object().map(|m| m.keys().collect()).unwrap_or_default();
        assert_eq!(methods, ["get"], "change requests are read-only");
        assert_eq!(
            schema_name(&requests["get"]["responses"]["200"]["content"]),
            "Paginated_ChangeRequestDto"
        );
        let item = &doc["paths"][format!("{prefix}/change_requests/{{id}}")];
        assert_eq!(item.as_object().map(|m| m.len()), Some(1));
        for action in ["approve", "reject", "cancel"] {
            let op = &doc["paths"][format!("{prefix}/change_requests/{{id}}/{action}")]["post"];
            assert_eq!(schema_name(&op["requestBody"]["content"]), "VoteBody");
            assert_eq!(schema_name(&op["responses"]["200"]["content"]), "ApprovalDecisionDto", "{action}");
            // The action's own refusals, or the body parser's (a body that is not an object).
            let bad = &op["responses"]["400"]["content"]["application/json"]["schema"]["anyOf"];
            let refs: Vec<&str> =
                bad.as_array().into_iter().flatten().filter_map(|s| s["$ref"].as_str()).collect();
            assert_eq!(
                refs,
                ["#/components/schemas/ErrorMessageBody", "#/components/schemas/ErrorBody"],
                "{action}"
            );
            assert_eq!(schema_name(&op["responses"]["403"]["content"]), "ErrorBody", "{action}");
        }
    }
    let schemas = &doc["components"]["schemas"];
    let decision = &schemas["ApprovalDecisionDto"]["properties"];
    assert_eq!(decision["change_request"]["$ref"], "#/components/schemas/ChangeRequestDto");
    for field in ["status", "message", "result"] {
        assert!(decision.get(field).is_some(), "{field}");
    }
    assert!(schemas["ErrorMessageBody"]["properties"].get("error").is_some());
}
