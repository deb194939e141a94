//! Use cases of sampling rules: what the HTTP handlers (or a Rust service embedding this
//! crate) call. Each validates, reads, builds the activity entries and writes through
//! [`SamplingRuleRepo`] in one call; callers only authorize first.

use std::sync::Arc;

use activity_log::audit::What;
use approvals::{Gate, Op, Proposal, Who};
use logs_query::LogStore;
use logs_query::date_range::DateRange;
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{Result, SamplingError};
use crate::model::{ACTIVITY_SCOPE, SamplingRule};
use crate::repo::{Page, RuleCounts, SamplingRuleRepo};
use crate::simulate::{self, Report};
use crate::validate::{self, Ctx, Mode, RuleInput};

/// Edits re-read and re-apply this often when a concurrent edit won, then give up (409).
const EDIT_ATTEMPTS: usize = 3;
const HOUR_US: i64 = 3_600_000_000;
/// Simulate's default window.
pub const DEFAULT_WINDOW: &str = "-24h";

pub use activity_log::audit::Caller;

/// A rule with its kept/dropped totals of the last 24 hourly counter rows.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleView {
    pub rule: SamplingRule,
    pub last_24h: RuleCounts,
}

/// `POST .../reorder/` body.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReorderInput {
    #[serde(default)]
    pub ordered_ids: Option<Vec<Uuid>>,
}

/// `POST .../:id/simulate/` body: draft fields over the stored rule, and the window.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SimulateInput {
    #[serde(flatten)]
    pub draft: RuleInput,
    #[serde(default)]
    pub date_from: Option<String>,
    #[serde(default)]
    pub date_to: Option<String>,
}

/// The approvals resource type of sampling rules (`approvals::actions`).
pub const RESOURCE_TYPE: &str = "logs_sampling_rule";

#[derive(Clone)]
pub struct SamplingService {
    pub repo: Arc<dyn SamplingRuleRepo>,
    /// Asked before every create, update and delete (None: no approvals, e.g. when a
    /// change request is applied).
    pub gate: Option<Arc<dyn Gate>>,
}

/// A rule write as the approvals gate sees it.
fn proposal(
    op: Op,
    before: Option<&SamplingRule>,
    after: Option<&SamplingRule>,
    request: &RuleInput,
) -> Proposal {
    let rule = after.or(before);
    let method = match op {
        Op::Create => "POST",
        Op::Update => "PATCH",
        Op::Delete => "DELETE",
    };
    Proposal {
        resource_type: RESOURCE_TYPE.to_string(),
        op,
        resource_id: before.map(|r| r.id.to_string()),
        resource_name: rule.map(|r| r.name.clone()).unwrap_or_default(),
        before: before.map(SamplingRule::snapshot),
        after: after.map(SamplingRule::snapshot),
        request: serde_json::to_value(request).unwrap_or_default(),
        http_method: method.to_string(),
        preconditions: before.map_or(json!({}), |r| json!({"version": r.version})),
    }
}

fn since_24h(now: OffsetDateTime) -> i64 {
    let now_us = i64::try_from(now.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX);
    now_us.div_euclid(HOUR_US) * HOUR_US - 23 * HOUR_US
}

fn us(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

impl SamplingService {
    pub fn new(repo: Arc<dyn SamplingRuleRepo>) -> Self {
        Self { repo, gate: None }
    }

    pub fn with_gate(self, gate: Option<Arc<dyn Gate>>) -> Self {
        Self { gate, ..self }
    }

    /// The approvals gate (§4.5 of platform.md), after the write's own validation.
    fn check_gate(&self, caller: &Caller, mut p: Proposal, put: bool, now: OffsetDateTime) -> Result<()> {
        let (Some(gate), Some(org)) = (&self.gate, caller.org) else { return Ok(()) };
        if put {
            p.http_method = "PUT".to_string();
        }
        let who = Who { org, team: Some(caller.team), author: caller.author };
        gate.check(&who, &p, now).map_err(|g| SamplingError::Gated(Box::new(g)))
    }

    /// The stored rule `id` of the team (for appliers and staleness checks).
    pub fn rule(&self, team: i64, id: Uuid) -> Result<Option<SamplingRule>> {
        self.repo.get(team, id)
    }

    fn views(&self, team: i64, rules: Vec<SamplingRule>, now: OffsetDateTime) -> Result<Vec<RuleView>> {
        let counts = self.repo.counts_since(team, since_24h(now))?;
        Ok(rules
            .into_iter()
            .map(|rule| RuleView { last_24h: counts.get(&rule.id).copied().unwrap_or_default(), rule })
            .collect())
    }

    fn one(&self, rule: SamplingRule, now: OffsetDateTime) -> Result<RuleView> {
        let team = rule.team_id;
        self.views(team, vec![rule], now)?.pop().ok_or(SamplingError::NotFound)
    }

    fn current(&self, team: i64, id: Uuid) -> Result<SamplingRule> {
        self.repo.get(team, id)?.ok_or(SamplingError::NotFound)
    }

    /// Rules of the team by priority, then creation time.
    pub fn list(&self, team: i64, limit: i64, offset: i64, now: OffsetDateTime) -> Result<Page<RuleView>> {
        let page = self.repo.list(team, limit, offset)?;
        Ok(Page { count: page.count, results: self.views(team, page.results, now)? })
    }

    /// Creates a rule (spec §4.1 defaults; an omitted priority appends).
    pub fn create(&self, caller: &Caller, input: &RuleInput, now: OffsetDateTime) -> Result<RuleView> {
        // Saturating: a rule may already hold i64::MAX (appending then ties with it).
        let next_priority = self.repo.max_priority(caller.team)?.map_or(0, |p| p.saturating_add(1));
        let ctx = Ctx {
            team_id: caller.team,
            author: Some(caller.author.user_id),
            new_id: Uuid::now_v7(),
            next_priority,
            now,
        };
        let rule = validate::apply(None, input, Mode::Create, ctx)?;
        self.check_gate(caller, proposal(Op::Create, None, Some(&rule), input), false, now)?;
        let audit = caller.audit(
            ACTIVITY_SCOPE,
            rule.id.to_string(),
            &rule.name,
            What::Created(rule.snapshot()),
            now,
        );
        let saved = self.repo.create(&rule, &audit)?;
        self.one(saved, now)
    }

    pub fn get(&self, team: i64, id: Uuid, now: OffsetDateTime) -> Result<RuleView> {
        self.one(self.current(team, id)?, now)
    }

    /// PUT (`Mode::Full`) or PATCH (`Mode::Partial`); bumps the version.
    pub fn update(
        &self,
        caller: &Caller,
        id: Uuid,
        input: &RuleInput,
        mode: Mode,
        now: OffsetDateTime,
    ) -> Result<RuleView> {
        for _ in 0..EDIT_ATTEMPTS {
            let cur = self.current(caller.team, id)?;
            let ctx =
                Ctx { team_id: caller.team, author: None, new_id: id, next_priority: cur.priority, now };
            let next = validate::apply(Some(&cur), input, mode, ctx)?;
            let p = proposal(Op::Update, Some(&cur), Some(&next), input);
            self.check_gate(caller, p, mode == Mode::Full, now)?;
            let audit = caller.audit(
                ACTIVITY_SCOPE,
                next.id.to_string(),
                &next.name,
                What::Updated(cur.snapshot(), next.snapshot()),
                now,
            );
            match self.repo.update(&next, &audit) {
                Ok(saved) => return self.one(saved, now),
                Err(SamplingError::Conflict) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(SamplingError::Conflict)
    }

    pub fn delete(&self, caller: &Caller, id: Uuid, now: OffsetDateTime) -> Result<()> {
        let cur = self.current(caller.team, id)?;
        self.check_gate(caller, proposal(Op::Delete, Some(&cur), None, &RuleInput::default()), false, now)?;
        let audit =
            caller.audit(ACTIVITY_SCOPE, cur.id.to_string(), &cur.name, What::Deleted(cur.snapshot()), now);
        self.repo.delete(caller.team, id, &audit)
    }

    /// Priorities become the index in `ordered_ids` (every rule once); the full list back.
    pub fn reorder(
        &self,
        caller: &Caller,
        input: &ReorderInput,
        now: OffsetDateTime,
    ) -> Result<Vec<RuleView>> {
        let ordered = input.ordered_ids.as_deref().ok_or_else(|| SamplingError::Invalid {
            attr: Some("ordered_ids"),
            code: "required",
            detail: "This field is required.".into(),
        })?;
        let existing = self.repo.list(caller.team, i64::MAX, 0)?.results;
        let ids: Vec<Uuid> = existing.iter().map(|r| r.id).collect();
        validate::check_order(&ids, ordered)?;
        let mut audit = Vec::new();
        for (i, id) in ordered.iter().enumerate() {
            let Some(cur) = existing.iter().find(|r| r.id == *id) else { continue };
            let next = SamplingRule { priority: i as i64, ..cur.clone() };
            audit.extend(caller.audit(
                ACTIVITY_SCOPE,
                next.id.to_string(),
                &next.name,
                What::Updated(cur.snapshot(), next.snapshot()),
                now,
            ));
        }
        let rules = self.repo.reorder(caller.team, ordered, now, &audit)?;
        self.views(caller.team, rules, now)
    }

    /// Replays the team's enabled rules, with rule `id` as stored or changed by the body's
    /// draft fields (and enabled), over the stored logs of the window (default last 24 h).
    pub fn simulate(
        &self,
        team: i64,
        id: Uuid,
        input: &SimulateInput,
        logs: &dyn LogStore,
        max_rows: usize,
        now: OffsetDateTime,
    ) -> Result<Report> {
        let cur = self.current(team, id)?;
        let ctx = Ctx { team_id: team, author: None, new_id: id, next_priority: cur.priority, now };
        let draft = validate::apply(Some(&cur), &input.draft, Mode::Partial, ctx)?;
        let range = DateRange {
            date_from: input.date_from.clone(),
            date_to: input.date_to.clone(),
            explicit_date: None,
        };
        let (from, to) =
            range.resolve(now, DEFAULT_WINDOW).map_err(|e| SamplingError::invalid("date_from", e.detail))?;
        let others = self.repo.enabled(team)?;
        simulate::run(logs, &others, &draft, us(from), us(to), max_rows)
    }
}
