//! `SamplingRuleRepo for SqlStore`: sampling rules (`logs_sampling_rules`) and their hourly
//! counters (`logs_sampling_rule_counters`). Writes and their activity entries share one
//! transaction, begun with the write lock on SQLite (`BEGIN IMMEDIATE`, see `alerts`).

mod counters;
mod rows;

use std::collections::HashMap;

use ::sampling::repo::{CounterDelta, Page};
use ::sampling::{RuleCounts, SamplingError, SamplingRule, SamplingRuleRepo, Stamp};
use activity_log::ActivityEntry;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use time::OffsetDateTime;
use uuid::Uuid;

use self::rows::{RuleRow, parse_uuid};
use crate::db::{AnyConnection, MultiBackend};
use crate::rows::{to_us, uuid_text};
use crate::schema::{logs_sampling_rules as sr, projects};
use crate::store::SqlStore;

type Result<T> = std::result::Result<T, SamplingError>;

/// Biggest page we ask SQL for.
const MAX_LIMIT: i64 = 1_000_000;

/// A `SamplingError` diesel errors convert into, so closures can use `?` on both.
pub(crate) struct Fail(pub SamplingError);

impl From<SamplingError> for Fail {
    fn from(e: SamplingError) -> Self {
        Fail(e)
    }
}

impl From<DieselError> for Fail {
    fn from(e: DieselError) -> Self {
        Fail(SamplingError::Storage(e.to_string()))
    }
}

type TxResult<T> = std::result::Result<T, Fail>;

/// One write transaction; any error rolls it back. `alerts::write_tx` for this crate's
/// error type (that one is bound to `AlertRepoError`).
fn write_tx<T>(c: &mut AnyConnection, f: impl FnOnce(&mut AnyConnection) -> TxResult<T>) -> TxResult<T> {
    match c {
        AnyConnection::Postgresql(_) => c.transaction(f),
        AnyConnection::Sqlite(sqlite) => {
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
            let out = f(c);
            if let AnyConnection::Sqlite(sqlite) = c {
                match &out {
                    Ok(_) => AnsiTransactionManager::commit_transaction(sqlite)?,
                    Err(_) => AnsiTransactionManager::rollback_transaction(sqlite)?,
                }
            }
            out
        }
    }
}

impl SqlStore {
    fn sampling_run<T>(&self, f: impl FnOnce(&mut AnyConnection) -> TxResult<T>) -> Result<T> {
        let mut conn =
            self.pool().get().map_err(|e| SamplingError::Storage(format!("database pool: {e}")))?;
        f(&mut conn).map_err(|f| f.0)
    }

    /// `f` and its activity entries in one write transaction.
    fn sampling_logged<T>(
        &self,
        audit: &[ActivityEntry],
        f: impl FnOnce(&mut AnyConnection) -> TxResult<T>,
    ) -> Result<T> {
        self.sampling_run(|c| {
            write_tx(c, |c| {
                let out = f(c)?;
                crate::activity::insert_activity(c, audit)?;
                Ok(out)
            })
        })
    }
}

fn ordered(team_id: i64) -> sr::BoxedQuery<'static, MultiBackend> {
    sr::table.filter(sr::team_id.eq(team_id)).order_by((sr::priority, sr::created_at, sr::id)).into_boxed()
}

fn load(c: &mut AnyConnection, q: sr::BoxedQuery<'static, MultiBackend>) -> TxResult<Vec<SamplingRule>> {
    let rows: Vec<RuleRow> = q.select(RuleRow::as_select()).load(c)?;
    Ok(rows.into_iter().map(RuleRow::into_domain).collect::<Result<Vec<_>>>()?)
}

fn get(c: &mut AnyConnection, team_id: i64, id: Uuid) -> TxResult<Option<SamplingRule>> {
    let q = sr::table.filter(sr::id.eq(uuid_text(id))).filter(sr::team_id.eq(team_id)).into_boxed();
    Ok(load(c, q)?.pop())
}

fn saved(c: &mut AnyConnection, team_id: i64, id: Uuid) -> TxResult<SamplingRule> {
    get(c, team_id, id)?.ok_or_else(|| Fail(SamplingError::Storage("written sampling rule not found".into())))
}

impl SamplingRuleRepo for SqlStore {
    fn list(&self, team_id: i64, limit: i64, offset: i64) -> Result<Page<SamplingRule>> {
        self.sampling_run(|c| {
            let count: i64 = sr::table.filter(sr::team_id.eq(team_id)).count().get_result(c)?;
            let q = ordered(team_id).limit(limit.clamp(0, MAX_LIMIT)).offset(offset.max(0));
            Ok(Page { count: u64::try_from(count).unwrap_or(0), results: load(c, q)? })
        })
    }

    fn get(&self, team_id: i64, id: Uuid) -> Result<Option<SamplingRule>> {
        self.sampling_run(|c| get(c, team_id, id))
    }

    fn max_priority(&self, team_id: i64) -> Result<Option<i64>> {
        self.sampling_run(|c| {
            Ok(sr::table
                .filter(sr::team_id.eq(team_id))
                .select(diesel::dsl::max(sr::priority))
                .first::<Option<i64>>(c)?)
        })
    }

    fn create(&self, rule: &SamplingRule, audit: &[ActivityEntry]) -> Result<SamplingRule> {
        self.sampling_logged(audit, |c| {
            let team: Option<i64> =
                projects::table.find(rule.team_id).select(projects::id).first(c).optional()?;
            if team.is_none() {
                return Err(SamplingError::NotFound.into());
            }
            diesel::insert_into(sr::table)
                .values(RuleRow::from_domain(&SamplingRule { version: 1, ..rule.clone() }))
                .execute(c)?;
            saved(c, rule.team_id, rule.id)
        })
    }

    fn update(&self, rule: &SamplingRule, audit: &[ActivityEntry]) -> Result<SamplingRule> {
        self.sampling_logged(audit, |c| {
            let row = RuleRow::from_domain(rule);
            let target = sr::table
                .filter(sr::id.eq(&row.id))
                .filter(sr::team_id.eq(rule.team_id))
                .filter(sr::version.eq(rule.version));
            let n = diesel::update(target)
                .set((
                    sr::name.eq(&row.name),
                    sr::enabled.eq(row.enabled),
                    sr::priority.eq(row.priority),
                    sr::rule_type.eq(&row.rule_type),
                    sr::scope_service.eq(&row.scope_service),
                    sr::scope_path_pattern.eq(&row.scope_path_pattern),
                    sr::scope_attribute_filters.eq(&row.scope_attribute_filters),
                    sr::config.eq(&row.config),
                    sr::updated_at.eq(row.updated_at),
                    sr::version.eq(sr::version + 1),
                ))
                .execute(c)?;
            if n == 0 {
                let gone = get(c, rule.team_id, rule.id)?.is_none();
                return Err(if gone { SamplingError::NotFound } else { SamplingError::Conflict }.into());
            }
            saved(c, rule.team_id, rule.id)
        })
    }

    fn delete(&self, team_id: i64, id: Uuid, audit: &[ActivityEntry]) -> Result<()> {
        self.sampling_logged(audit, |c| {
            let n =
                diesel::delete(sr::table.filter(sr::id.eq(uuid_text(id))).filter(sr::team_id.eq(team_id)))
                    .execute(c)?;
            if n == 0 { Err(SamplingError::NotFound.into()) } else { Ok(()) }
        })
    }

    fn reorder(
        &self,
        team_id: i64,
        ids: &[Uuid],
        now: OffsetDateTime,
        audit: &[ActivityEntry],
    ) -> Result<Vec<SamplingRule>> {
        self.sampling_logged(audit, |c| {
            let existing: Vec<String> = sr::table.filter(sr::team_id.eq(team_id)).select(sr::id).load(c)?;
            let existing = existing.iter().map(|s| parse_uuid(s)).collect::<Result<Vec<_>>>()?;
            ::sampling::validate::check_order(&existing, ids)?;
            for (i, id) in ids.iter().enumerate() {
                let target = sr::table.filter(sr::id.eq(uuid_text(*id))).filter(sr::team_id.eq(team_id));
                diesel::update(target)
                    .set((
                        sr::priority.eq(i as i64),
                        sr::version.eq(sr::version + 1),
                        sr::updated_at.eq(to_us(now)),
                    ))
                    .execute(c)?;
            }
            load(c, ordered(team_id))
        })
    }

    fn enabled(&self, team_id: i64) -> Result<Vec<SamplingRule>> {
        self.sampling_run(|c| load(c, ordered(team_id).filter(sr::enabled.eq(true))))
    }

    fn stamp(&self, team_id: i64) -> Result<Stamp> {
        // Per-team rule counts are small; summing here avoids SUM()'s NUMERIC type on PostgreSQL.
        self.sampling_run(|c| {
            let rows: Vec<(i64, i64)> =
                sr::table.filter(sr::team_id.eq(team_id)).select((sr::version, sr::updated_at)).load(c)?;
            Ok(Stamp {
                count: rows.len() as i64,
                version_sum: rows.iter().map(|r| r.0).sum(),
                max_updated_us: rows.iter().map(|r| r.1).max().unwrap_or(0),
            })
        })
    }

    fn add_counts(&self, deltas: &[CounterDelta]) -> Result<()> {
        if deltas.is_empty() {
            return Ok(());
        }
        self.sampling_run(|c| write_tx(c, |c| counters::add(c, deltas)))
    }

    fn counts_since(&self, team_id: i64, since_hour_us: i64) -> Result<HashMap<Uuid, RuleCounts>> {
        self.sampling_run(|c| counters::since(c, team_id, since_hour_us))
    }
}
