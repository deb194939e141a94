//! OpenAPI links from each `POST <collection>` answering 201 to the operations on the
//! object it made: schemathesis' stateful phase follows them.

use serde_json::{Map, Value, json};

use super::resolve;

/// The created object's field that fills a path parameter (`user_uuid` from `user.uuid`).
fn link_source(param: &str, created: &Value, doc: &Value) -> Option<String> {
    let schema = resolve(doc, created);
    let props = schema.get("properties")?;
    if props.get(param).is_some() {
        return Some(format!("$response.body#/{param}"));
    }
    if param == "user_uuid" && props.get("user").is_some() {
        return Some("$response.body#/user/uuid".into());
    }
    props.get("id").map(|_| "$response.body#/id".to_string())
}

/// The path parameters of `path`, in order.
fn params(path: &str) -> Vec<&str> {
    path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).collect()
}

/// Links from each `POST <collection>` answering 201 to the operations on
/// `<collection>/{param}...`: schemathesis' stateful phase follows them.
pub(super) fn add_links(doc: &mut Value) {
    let snapshot = doc.clone();
    let Some(paths) = snapshot["paths"].as_object() else { return };
    for (collection, item) in paths {
        let Some(created) = item["post"]["responses"]["201"]["content"]["application/json"].get("schema")
        else {
            continue;
        };
        let prefix = format!("{collection}/{{");
        let tag = &item["post"]["tags"];
        let mut links = Map::new();
        for (target, target_item) in paths.iter().filter(|(p, _)| p.starts_with(&prefix)) {
            let Some(new_param) = params(target).get(params(collection).len()).copied() else { continue };
            let Some(source) = link_source(new_param, created, &snapshot) else { continue };
            for (method, op) in target_item.as_object().into_iter().flatten() {
                // Only the created resource's own operations (and its sub-resources').
                let Some(id) = op["operationId"].as_str().filter(|_| &op["tags"] == tag) else { continue };
                let mut parameters = Map::new();
                for p in params(collection) {
                    parameters.insert(format!("path.{p}"), Value::String(format!("$request.path.{p}")));
                }
                parameters.insert(format!("path.{new_param}"), Value::String(source.clone()));
                let description = format!("{} on the created object", method.to_uppercase());
                links.insert(
                    id.to_string(),
                    json!({"operationId": id, "parameters": parameters, "description": description}),
                );
            }
        }
        if !links.is_empty() {
            doc["paths"][collection]["post"]["responses"]["201"]["links"] = Value::Object(links);
        }
    }
}
