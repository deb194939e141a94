//! A naive in-memory `LogStore`: a Vec scanned in full on every call, so its answers are
//! obviously right. Use-case tests run on it, and it is the conformance suite's oracle
//! (`testsuite`), which also runs on it.
//! Rollups are one cell per row (callers must add cells sharing a key), and the ranges
//! scanned and rolled up are recorded, so tests can check the plan as well as the result.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Mutex;

use crate::filter::AttributeScope;
use crate::{
    AttributeStatsRequest, CountCell, ListRequest, LogRecord, LogStore, OrderBy, ScanRequest, StatsMode,
    StoreError,
};

const MINUTE_US: i64 = 60_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    Scan(i64, i64),
    Rollups(i64, i64),
}

#[derive(Default)]
pub struct MemStore {
    rows: Mutex<Vec<LogRecord>>,
    calls: Mutex<Vec<Call>>,
}

impl MemStore {
    /// Rows as given, each in its own `team_id`.
    pub fn with(rows: Vec<LogRecord>) -> Self {
        Self { rows: Mutex::new(rows), calls: Mutex::default() }
    }

    /// Rows appended to `team_id`.
    pub fn with_team(team_id: i64, rows: Vec<LogRecord>) -> Self {
        let store = Self::default();
        store.append(team_id, rows).unwrap();
        store
    }

    /// The calls made so far, cleared.
    pub fn take_calls(&self) -> Vec<Call> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }

    fn in_range(&self, team_id: i64, from_us: i64, to_us: i64) -> Vec<LogRecord> {
        let rows = self.rows.lock().unwrap();
        rows.iter()
            .filter(|r| r.team_id == team_id && r.timestamp_us >= from_us && r.timestamp_us < to_us)
            .cloned()
            .collect()
    }
}

impl LogStore for MemStore {
    fn append(&self, team_id: i64, records: Vec<LogRecord>) -> Result<(), StoreError> {
        let mut rows = self.rows.lock().unwrap();
        rows.extend(records.into_iter().map(|r| LogRecord { team_id, ..r }));
        Ok(())
    }

    fn list(&self, req: &ListRequest<'_>) -> Result<Vec<LogRecord>, StoreError> {
        let mut rows: Vec<LogRecord> = self
            .in_range(req.team_id, req.from_us, req.to_us)
            .into_iter()
            .filter(|r| req.filter.matches(r))
            .filter(|r| req.observed_from_us.is_none_or(|o| r.observed_timestamp_us >= o))
            .filter(|r| req.after.is_none_or(|c| c.admits(req.order, r.timestamp_us, r.uuid)))
            .collect();
        rows.sort_by_key(|r| (r.timestamp_us, r.uuid));
        if req.order == OrderBy::Latest {
            rows.reverse();
        }
        rows.truncate(req.limit);
        Ok(rows)
    }

    fn scan(
        &self,
        req: &ScanRequest<'_>,
        visit: &mut dyn FnMut(&LogRecord) -> bool,
    ) -> Result<(), StoreError> {
        self.calls.lock().unwrap().push(Call::Scan(req.from_us, req.to_us));
        for r in self.in_range(req.team_id, req.from_us, req.to_us) {
            if req.filter.matches(&r) && !visit(&r) {
                break;
            }
        }
        Ok(())
    }

    fn rollups(
        &self,
        team_id: i64,
        from_us: i64,
        to_us: i64,
        visit: &mut dyn FnMut(&CountCell<'_>),
    ) -> Result<(), StoreError> {
        assert!(from_us % MINUTE_US == 0 && to_us % MINUTE_US == 0, "unaligned rollups {from_us}..{to_us}");
        self.calls.lock().unwrap().push(Call::Rollups(from_us, to_us));
        for r in self.in_range(team_id, from_us, to_us) {
            visit(&CountCell {
                minute_us: r.timestamp_us - r.timestamp_us.rem_euclid(MINUTE_US),
                service_name: &r.service_name,
                severity: r.severity,
                count: 1,
                bytes: u64::from(r.bytes),
            });
        }
        Ok(())
    }

    fn attribute_stats(
        &self,
        req: &AttributeStatsRequest<'_>,
        visit: &mut dyn FnMut(&str, Option<&str>, u64),
    ) -> Result<(), StoreError> {
        for r in self.in_range(req.team_id, req.from_us, req.to_us) {
            let attrs = match req.scope {
                AttributeScope::Log => &r.attributes,
                AttributeScope::Resource => &r.resource_attributes,
            };
            for (k, v) in attrs {
                match req.mode {
                    StatsMode::Keys => visit(k, None, 1),
                    StatsMode::ValuesOf(key) if key == k => visit(k, Some(v), 1),
                    StatsMode::ValuesOf(_) => {}
                    StatsMode::AllValues => visit(k, Some(v), 1),
                }
            }
        }
        Ok(())
    }

    fn has_logs(&self, team_id: i64) -> Result<bool, StoreError> {
        Ok(self.rows.lock().unwrap().iter().any(|r| r.team_id == team_id))
    }

    fn checkpoint_us(&self) -> i64 {
        self.rows.lock().unwrap().iter().map(|r| r.observed_timestamp_us + 1).max().unwrap_or(0)
    }

    fn drop_before(&self, team_id: i64, cutoff_us: i64) -> Result<u64, StoreError> {
        let mut rows = self.rows.lock().unwrap();
        let before = rows.len();
        rows.retain(|r| r.team_id != team_id || r.timestamp_us >= cutoff_us);
        Ok((before - rows.len()) as u64)
    }
}
