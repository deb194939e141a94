//! The service under test over the in-memory store and directory, Logstead's actions with
//! a recording applier, and builders for proposals and policies.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use activity_log::Client;
use activity_log::audit::{Author, Caller};
use approvals::actions::{self, LogsteadAppliers};
use approvals::memory::{MemoryApprovals, MemoryDirectory};
use approvals::model::{ApproverConfig, ChangeRequest, LEVEL_ADMIN, LEVEL_MEMBER, Policy};
use approvals::repo::DirectoryError;
use approvals::service::{ApprovalService, ApprovalSettings, RequestView, Users};
use approvals::{Applied, Applier, ApplyError, ApprovalRepo, Op, Proposal, Registry, Who};
use serde_json::{Value, json};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

pub const NOW: OffsetDateTime = datetime!(2026-12-07 10:00 UTC);
pub const TEAM: i64 = 1;
pub const ADMIN: i64 = 1;
pub const REQUESTER: i64 = 2;
pub const APPROVER: i64 = 3;
pub const APPROVER2: i64 = 4;
pub const OUTSIDER: i64 = 5;

pub fn org() -> Uuid {
    Uuid::from_u128(0x0123)
}

/// Users are named after their id.
pub struct Named;

impl Users for Named {
    type User = String;
    fn user(&self, id: i64) -> Result<Option<String>, DirectoryError> {
        Ok(Some(format!("user{id}")))
    }
    fn user_id_by_uuid(&self, _: Uuid) -> Result<Option<i64>, DirectoryError> {
        Ok(None)
    }
}

/// An applier over one resource whose live preconditions the test sets (None: gone).
pub struct FakeApplier {
    pub live: Mutex<Option<Value>>,
    pub calls: Mutex<Vec<Uuid>>,
    pub fail: Mutex<Option<ApplyError>>,
    pub evidence: Mutex<Option<Value>>,
}

impl FakeApplier {
    pub fn new(live: Value) -> Self {
        Self {
            live: Mutex::new(Some(live)),
            calls: Mutex::default(),
            fail: Mutex::default(),
            evidence: Mutex::default(),
        }
    }

    pub fn calls(&self) -> Vec<Uuid> {
        self.calls.lock().unwrap().clone()
    }

    pub fn set_live(&self, v: Option<Value>) {
        *self.live.lock().unwrap() = v;
    }
}

impl Applier for FakeApplier {
    fn apply(&self, request: &ChangeRequest, _now: OffsetDateTime) -> Result<Applied, ApplyError> {
        self.calls.lock().unwrap().push(request.id);
        if let Some(e) = self.fail.lock().unwrap().clone() {
            return Err(e);
        }
        let expected = request.intent.get("preconditions").cloned().unwrap_or_default();
        let live = self.live.lock().unwrap().clone();
        match live {
            None => Err(ApplyError::Precondition("the resource no longer exists".into())),
            Some(v) if v != expected => {
                Err(ApplyError::Precondition(format!("Version mismatch: expected {expected}, got {v}")))
            }
            Some(v) => {
                let version = v.get("version").and_then(Value::as_i64).unwrap_or(0) + 1;
                Ok(Applied { resource_id: json!(request.resource_id), resource_version: json!(version) })
            }
        }
    }

    fn preconditions(&self, _request: &ChangeRequest) -> Result<Option<Value>, String> {
        Ok(self.live.lock().unwrap().clone())
    }

    fn evidence(&self, _request: &ChangeRequest, _now: OffsetDateTime) -> Option<Value> {
        self.evidence.lock().unwrap().clone()
    }
}

pub struct Env {
    pub repo: Arc<MemoryApprovals>,
    pub dir: Arc<MemoryDirectory>,
    pub applier: Arc<FakeApplier>,
    pub svc: ApprovalService<String>,
}

/// Renders what the tests look at of the gate's embedded request.
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

impl Env {
    /// Logstead's actions, every one applied by the same fake applier (live version 3).
    pub fn new() -> Self {
        let applier = Arc::new(FakeApplier::new(json!({"version": 3})));
        let a: Arc<dyn Applier> = applier.clone();
        let registry = actions::logstead(LogsteadAppliers {
            sampling_rule: a.clone(),
            alert: a.clone(),
            project: a.clone(),
            member: a,
        });
        Self::with_registry(registry, applier)
    }

    pub fn with_registry(registry: Registry, applier: Arc<FakeApplier>) -> Self {
        let repo = Arc::new(MemoryApprovals::new());
        let dir = Arc::new(MemoryDirectory::new());
        dir.set_level(org(), ADMIN, LEVEL_ADMIN);
        for u in [REQUESTER, APPROVER, APPROVER2, OUTSIDER] {
            dir.set_level(org(), u, LEVEL_MEMBER);
        }
        let svc = ApprovalService {
            repo: repo.clone(),
            directory: dir.clone(),
            users: Arc::new(Named),
            registry: Arc::new(registry),
            settings: ApprovalSettings::default(),
            render: Arc::new(render),
        };
        Self { repo, dir, applier, svc }
    }

    /// Stores `policy` as is (no validation).
    pub fn policy(&self, policy: Policy) -> Policy {
        self.repo.create_policy(&policy, &[]).unwrap()
    }

    pub fn requests(&self) -> Vec<ChangeRequest> {
        self.repo.requests()
    }

    pub fn only_request(&self) -> ChangeRequest {
        let all = self.requests();
        assert_eq!(all.len(), 1, "exactly one change request");
        all[0].clone()
    }

    /// `(scope, activity)` of every activity entry, oldest first.
    pub fn activities(&self) -> Vec<(String, String)> {
        self.repo.audit().into_iter().map(|e| (e.scope, e.activity)).collect()
    }

    /// Gates `proposal` for `user` and expects a new change request.
    pub fn gated(&self, user: i64, proposal: &Proposal) -> ChangeRequest {
        use approvals::Gate;
        match self.svc.check(&who(user), proposal, NOW) {
            Err(approvals::Gated::Required(reply)) => {
                assert_eq!(reply.code, "approval_required", "{reply:?}");
                let all = self.requests();
                all.into_iter().find(|r| r.id == reply.change_request_id).unwrap()
            }
            other => panic!("expected a change request, got {other:?}"),
        }
    }
}

pub fn author(user: i64) -> Author {
    Author { user_id: user, client: Client::ApiKey }
}

pub fn caller(user: i64) -> Caller {
    Caller { author: author(user), org: Some(org()), team: TEAM }
}

pub fn who(user: i64) -> Who {
    Who { org: org(), team: Some(TEAM), author: author(user) }
}

/// An enabled policy of the team: `approvers` approve, `quorum` of them must.
pub fn policy(action_key: &str, approvers: &[i64], quorum: i64) -> Policy {
    Policy {
        id: Uuid::new_v4(),
        organization_id: org(),
        team_id: Some(TEAM),
        action_key: action_key.to_string(),
        conditions: json!({}),
        approver_config: ApproverConfig { quorum, users: approvers.to_vec(), roles: vec![] },
        allow_self_approve: false,
        bypass_org_membership_levels: vec![],
        bypass_roles: vec![],
        expires_after: Duration::days(14),
        enabled: true,
        created_by: Some(ADMIN),
        created_at: NOW,
        updated_at: NOW,
    }
}

fn alert(threshold: i64, enabled: bool) -> Value {
    json!({"name": "errors", "enabled": enabled, "threshold_count": threshold, "window_minutes": 5,
           "evaluation_periods": 1})
}

/// A PATCH of alert `errors` (id 11111111-…) moving its threshold.
pub fn alert_threshold(from: i64, to: i64) -> Proposal {
    Proposal {
        resource_type: actions::ALERT.into(),
        op: Op::Update,
        resource_id: Some("11111111-1111-1111-1111-111111111111".into()),
        resource_name: "errors".into(),
        before: Some(alert(from, true)),
        after: Some(alert(to, true)),
        request: json!({"threshold_count": to}),
        http_method: "PATCH".into(),
        preconditions: json!({"version": 3}),
    }
}

/// A PATCH disabling alert `errors`.
pub fn alert_disable() -> Proposal {
    Proposal {
        before: Some(alert(10, true)),
        after: Some(alert(10, false)),
        request: json!({"enabled": false}),
        ..alert_threshold(10, 10)
    }
}
