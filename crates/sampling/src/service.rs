//! Use cases of sampling rules: what the HTTP handlers (or a Rust service embedding this
//! crate) call. Each validates, reads, builds the activity entries and writes through
//! [`SamplingRuleRepo`] in one call; callers only authorize first.

use std::sync::Arc;

use activity_log::audit::What;
use logs_query::LogStore;
use logs_query::date_range::DateRange;
use serde::Deserialize;
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

#[derive(Clone)]
pub struct SamplingService {
    pub repo: Arc<dyn SamplingRuleRepo>,
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
        Self { repo }
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
        let next_priority = self.repo.max_priority(caller.team)?.map_or(0, |p| p + 1);
        let ctx = Ctx {
            team_id: caller.team,
            author: Some(caller.author.user_id),
            new_id: Uuid::now_v7(),
            next_priority,
            now,
        };
        let rule = validate::apply(None, input, Mode::Create, ctx)?;
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
