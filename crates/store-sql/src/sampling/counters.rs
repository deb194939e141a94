//! Hourly kept/dropped counters: one row per (rule, hour), added to by every server.

use std::collections::{HashMap, HashSet};

use ::sampling::RuleCounts;
use ::sampling::repo::CounterDelta;
use diesel::prelude::*;
use uuid::Uuid;

use super::TxResult;
use super::rows::parse_uuid;
use crate::db::AnyConnection;
use crate::rows::uuid_text;
use crate::schema::{logs_sampling_rule_counters as rc, logs_sampling_rules as sr};

/// Adds each delta to its row (update, else insert), inside the caller's write
/// transaction. Deltas of rules deleted meanwhile are dropped.
pub(super) fn add(c: &mut AnyConnection, deltas: &[CounterDelta]) -> TxResult<()> {
    let ids: Vec<String> = deltas.iter().map(|d| uuid_text(d.rule_id)).collect();
    let live: HashSet<String> =
        sr::table.filter(sr::id.eq_any(&ids)).select(sr::id).load::<String>(c)?.into_iter().collect();
    for d in deltas {
        let id = uuid_text(d.rule_id);
        if !live.contains(&id) {
            continue;
        }
        let n = &d.counts;
        let updated = diesel::update(rc::table.filter(rc::rule_id.eq(&id)).filter(rc::hour_us.eq(d.hour_us)))
            .set((
                rc::kept_records.eq(rc::kept_records + n.kept_records),
                rc::kept_bytes.eq(rc::kept_bytes + n.kept_bytes),
                rc::dropped_records.eq(rc::dropped_records + n.dropped_records),
                rc::dropped_bytes.eq(rc::dropped_bytes + n.dropped_bytes),
            ))
            .execute(c)?;
        if updated == 0 {
            diesel::insert_into(rc::table)
                .values((
                    rc::rule_id.eq(&id),
                    rc::hour_us.eq(d.hour_us),
                    rc::team_id.eq(d.team_id),
                    rc::kept_records.eq(n.kept_records),
                    rc::kept_bytes.eq(n.kept_bytes),
                    rc::dropped_records.eq(n.dropped_records),
                    rc::dropped_bytes.eq(n.dropped_bytes),
                ))
                .execute(c)?;
        }
    }
    Ok(())
}

/// Per rule, the sum of its rows at or after `since_hour_us` (a day is 24 rows per rule:
/// summed here rather than with SUM(), whose type differs between the backends).
pub(super) fn since(
    c: &mut AnyConnection,
    team_id: i64,
    since_hour_us: i64,
) -> TxResult<HashMap<Uuid, RuleCounts>> {
    let rows: Vec<(String, i64, i64, i64, i64)> = rc::table
        .filter(rc::team_id.eq(team_id))
        .filter(rc::hour_us.ge(since_hour_us))
        .select((rc::rule_id, rc::kept_records, rc::kept_bytes, rc::dropped_records, rc::dropped_bytes))
        .load(c)?;
    let mut out: HashMap<Uuid, RuleCounts> = HashMap::new();
    for (id, kept_records, kept_bytes, dropped_records, dropped_bytes) in rows {
        out.entry(parse_uuid(&id)?).or_default().add(&RuleCounts {
            kept_records,
            kept_bytes,
            dropped_records,
            dropped_bytes,
        });
    }
    Ok(out)
}
