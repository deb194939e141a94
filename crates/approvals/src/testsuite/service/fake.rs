//! The embedding server's side of the scenarios: users named after their id, and an
//! applier whose resource the scenario controls and can inspect.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::ChangeRequest;
use crate::registry::{Applied, Applier, ApplyError};
use crate::repo::DirectoryError;
use crate::service::{RequestView, Users};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Users are named after their id: `user<id>`.
pub struct Named;

pub fn name(id: i64) -> String {
    format!("user{id}")
}

impl Users for Named {
    type User = String;
    fn user(&self, id: i64) -> Result<Option<String>, DirectoryError> {
        Ok(Some(name(id)))
    }
    fn user_id_by_uuid(&self, _: Uuid) -> Result<Option<i64>, DirectoryError> {
        Ok(None)
    }
}

/// The embedding server's side: every resource's live preconditions are the one value the
/// scenario sets (None: gone); a successful apply merges the request body into the
/// resource it names (a DELETE marks it deleted), so the scenario can see the change.
pub struct FakeApplier {
    pub live: Mutex<Option<Value>>,
    pub calls: Mutex<Vec<Uuid>>,
    pub fail: Mutex<Option<ApplyError>>,
    pub evidence: Mutex<Option<Value>>,
    resources: Mutex<HashMap<String, Value>>,
}

impl FakeApplier {
    pub fn new(live: Value) -> Self {
        Self {
            live: Mutex::new(Some(live)),
            calls: Mutex::default(),
            fail: Mutex::default(),
            evidence: Mutex::default(),
            resources: Mutex::default(),
        }
    }

    /// Ids of the requests applied (or attempted), in order.
    pub fn calls(&self) -> Vec<Uuid> {
        lock(&self.calls).clone()
    }

    pub fn set_live(&self, v: Option<Value>) {
        *lock(&self.live) = v;
    }

    pub fn set_evidence(&self, v: Option<Value>) {
        *lock(&self.evidence) = v;
    }

    /// What the applies wrote to resource `id` (None: never written).
    pub fn resource(&self, id: &str) -> Option<Value> {
        lock(&self.resources).get(id).cloned()
    }
}

impl Applier for FakeApplier {
    fn apply(&self, request: &ChangeRequest, _now: OffsetDateTime) -> Result<Applied, ApplyError> {
        lock(&self.calls).push(request.id);
        if let Some(e) = lock(&self.fail).clone() {
            return Err(e);
        }
        let expected = request.intent.get("preconditions").cloned().unwrap_or_default();
        let version = match lock(&self.live).clone() {
            None => return Err(ApplyError::Precondition("the resource no longer exists".into())),
            Some(v) if v != expected => {
                return Err(ApplyError::Precondition(format!(
                    "Version mismatch: expected {expected}, got {v}"
                )));
            }
            Some(v) => v.get("version").and_then(Value::as_i64).unwrap_or(0) + 1,
        };
        let key = request.resource_id.clone().unwrap_or_default();
        let mut resources = lock(&self.resources);
        let resource = resources.entry(key).or_insert_with(|| json!({}));
        if request.intent["http_method"] == "DELETE" {
            *resource = json!({"deleted": true});
        } else if let (Some(r), Some(body)) =
            (resource.as_object_mut(), request.intent["full_request_data"].as_object())
        {
            r.extend(body.clone());
        }
        Ok(Applied { resource_id: json!(request.resource_id), resource_version: json!(version) })
    }

    fn preconditions(&self, _request: &ChangeRequest) -> Result<Option<Value>, String> {
        Ok(lock(&self.live).clone())
    }

    fn evidence(&self, _request: &ChangeRequest, _now: OffsetDateTime) -> Option<Value> {
        lock(&self.evidence).clone()
    }
}

/// Renders what the scenarios look at of the gate's embedded request.
pub fn render(v: &RequestView<String>) -> Value {
    json!({
        "id": v.request.id,
        "state": v.request.state.as_str(),
        "created_by": v.created_by,
        "can_approve": v.viewer.can_approve,
        "can_cancel": v.viewer.can_cancel,
        "is_requester": v.viewer.is_requester,
        "user_decision": v.viewer.user_decision.map(|d| d.as_str()),
    })
}
