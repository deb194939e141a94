//! The service under test over a stage's repository: the in-memory directory, Logstead's
//! actions applied by a [`FakeApplier`], and what the scenarios share (callers, builders,
//! error matchers, reads through the `ApprovalRepo` trait only).

use std::sync::Arc;

use activity_log::Client;
use activity_log::audit::{Author, Caller};
use serde_json::{Value, json};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{Logged, Stage};
use crate::actions::{self, LogsteadAppliers};
use crate::error::ApprovalError;
use crate::gate::{Gate, Gated, Who};
use crate::memory::MemoryDirectory;
use crate::model::{ApproverConfig, ChangeRequest, LEVEL_ADMIN, LEVEL_MEMBER, Policy};
use crate::registry::{Applier, Op, Proposal, Registry};
use crate::repo::{ApprovalRepo, RequestFilter, Where};
use crate::service::{ApprovalService, ApprovalSettings};

pub use super::fake::{FakeApplier, Named, name, render};

pub const NOW: OffsetDateTime = datetime!(2026-12-07 10:00 UTC);
/// The alert the proposals below change.
pub const ALERT_ID: &str = "11111111-1111-1111-1111-111111111111";

/// The service over a stage's repository, with the stage's ids at hand.
pub struct Env<'s> {
    pub stage: &'s Stage,
    pub repo: Arc<dyn ApprovalRepo>,
    pub dir: Arc<MemoryDirectory>,
    pub applier: Arc<FakeApplier>,
    pub svc: ApprovalService<String>,
    pub org: Uuid,
    pub team: i64,
    pub team2: i64,
    pub admin: i64,
    pub requester: i64,
    pub approver: i64,
    pub approver2: i64,
    pub outsider: i64,
}

impl<'s> Env<'s> {
    /// Logstead's actions, every one applied by the same fake applier (live version 3).
    pub fn new(stage: &'s Stage) -> Self {
        let applier = Arc::new(FakeApplier::new(json!({"version": 3})));
        let a: Arc<dyn Applier> = applier.clone();
        let registry = actions::logstead(LogsteadAppliers {
            sampling_rule: a.clone(),
            alert: a.clone(),
            project: a.clone(),
            member: a,
        });
        Self::with_registry(stage, registry, applier)
    }

    /// The admin is level 8, everyone else a member; no roles.
    pub fn with_registry(stage: &'s Stage, registry: Registry, applier: Arc<FakeApplier>) -> Self {
        let p = stage.people;
        let dir = Arc::new(MemoryDirectory::new());
        dir.set_level(stage.org, p.admin, LEVEL_ADMIN);
        for u in [p.requester, p.approver, p.approver2, p.outsider] {
            dir.set_level(stage.org, u, LEVEL_MEMBER);
        }
        let svc = ApprovalService {
            repo: stage.repo.clone(),
            directory: dir.clone(),
            users: Arc::new(Named),
            registry: Arc::new(registry),
            settings: ApprovalSettings::default(),
            render: Arc::new(render),
        };
        Self {
            stage,
            repo: stage.repo.clone(),
            dir,
            applier,
            svc,
            org: stage.org,
            team: stage.team,
            team2: stage.team2,
            admin: p.admin,
            requester: p.requester,
            approver: p.approver,
            approver2: p.approver2,
            outsider: p.outsider,
        }
    }

    pub fn at(&self) -> Where {
        Where { org: self.org, team: self.team }
    }

    pub fn caller(&self, user: i64) -> Caller {
        Caller { author: author(user), org: Some(self.org), team: self.team }
    }

    /// The caller in the organization's second project.
    pub fn elsewhere(&self, user: i64) -> Caller {
        Caller { team: self.team2, ..self.caller(user) }
    }

    pub fn who(&self, user: i64) -> Who {
        Who { org: self.org, team: Some(self.team), author: author(user) }
    }

    /// An enabled policy of the team: `approvers` approve, `quorum` of them must.
    pub fn policy(&self, action_key: &str, approvers: &[i64], quorum: i64) -> Policy {
        Policy {
            id: Uuid::new_v4(),
            organization_id: self.org,
            team_id: Some(self.team),
            action_key: action_key.to_string(),
            conditions: json!({}),
            approver_config: ApproverConfig { quorum, users: approvers.to_vec(), roles: vec![] },
            allow_self_approve: false,
            bypass_org_membership_levels: vec![],
            bypass_roles: vec![],
            expires_after: Duration::days(14),
            enabled: true,
            created_by: Some(self.admin),
            created_at: NOW,
            updated_at: NOW,
        }
    }

    /// Stores `policy` as is (no validation).
    pub fn store(&self, policy: Policy) -> Policy {
        self.repo.create_policy(&policy, &[]).expect("store the policy")
    }

    /// Replaces a stored policy as is: later requests get its new snapshot.
    pub fn restore(&self, policy: Policy) -> Policy {
        self.repo.update_policy(&policy, &[]).expect("update the policy")
    }

    /// Every change request of the team (and the organization-wide ones), newest first.
    pub fn requests(&self) -> Vec<ChangeRequest> {
        self.repo.list_requests(self.at(), &RequestFilter::default(), 1000, 0).expect("list requests").results
    }

    pub fn stored(&self, id: Uuid) -> ChangeRequest {
        self.repo.get_request(self.at(), id).expect("read the request").expect("the request exists")
    }

    pub fn only_request(&self) -> ChangeRequest {
        let all = self.requests();
        assert_eq!(all.len(), 1, "exactly one change request");
        all[0].clone()
    }

    pub fn logged(&self) -> Vec<Logged> {
        (self.stage.activity)()
    }

    /// `(scope, activity)` of every activity entry, oldest first.
    pub fn activities(&self) -> Vec<(String, String)> {
        self.logged().into_iter().map(|e| (e.scope, e.activity)).collect()
    }

    pub fn verbs(&self) -> Vec<String> {
        self.logged().into_iter().map(|e| e.activity).collect()
    }

    pub fn check(&self, user: i64, proposal: &Proposal) -> Result<(), Gated> {
        self.svc.check(&self.who(user), proposal, NOW)
    }

    /// Gates `proposal` for `user` and expects a new change request, read back from the store.
    pub fn gated(&self, user: i64, proposal: &Proposal) -> ChangeRequest {
        match self.check(user, proposal) {
            Err(Gated::Required(reply)) => {
                assert_eq!(reply.code, "approval_required", "{reply:?}");
                self.stored(reply.change_request_id)
            }
            other => panic!("expected a change request, got {other:?}"),
        }
    }
}

pub fn author(user: i64) -> Author {
    Author { user_id: user, client: Client::ApiKey }
}

fn alert(threshold: i64, enabled: bool) -> Value {
    json!({"name": "errors", "enabled": enabled, "threshold_count": threshold, "window_minutes": 5,
           "evaluation_periods": 1})
}

/// A PATCH of alert `errors` ([`ALERT_ID`]) moving its threshold.
pub fn alert_threshold(from: i64, to: i64) -> Proposal {
    Proposal {
        resource_type: actions::ALERT.into(),
        op: Op::Update,
        resource_id: Some(ALERT_ID.into()),
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

/// `p` on another alert (the duplicate check looks at the resource id).
pub fn on(resource_id: &str, p: Proposal) -> Proposal {
    Proposal { resource_id: Some(resource_id.to_string()), ..p }
}

/// The message of a 403, or a panic naming what came instead.
pub fn forbidden<T: std::fmt::Debug>(r: Result<T, ApprovalError>) -> String {
    match r {
        Err(ApprovalError::Forbidden(m)) => m,
        other => panic!("expected a 403, got {other:?}"),
    }
}

/// The message of a 400 `{"error": …}` of approve / reject / cancel.
pub fn refused<T: std::fmt::Debug>(r: Result<T, ApprovalError>) -> String {
    match r {
        Err(ApprovalError::Refused(m)) => m,
        other => panic!("expected a 400, got {other:?}"),
    }
}

/// `(attr, code, detail)` of a validation 400.
pub fn invalid<T: std::fmt::Debug>(r: Result<T, ApprovalError>) -> (Option<String>, &'static str, String) {
    match r {
        Err(ApprovalError::Invalid { attr, code, detail }) => (attr, code, detail),
        other => panic!("expected a validation 400, got {other:?}"),
    }
}

pub fn is_not_found<T>(r: &Result<T, ApprovalError>) -> bool {
    matches!(r, Err(ApprovalError::NotFound))
}
