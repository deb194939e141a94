//! A naive in-memory `LogStore` for use-case tests: a Vec scanned in full on every call,
//! so its answers are obviously right and the use cases are tested against the contract.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::filter::AttributeScope;
use crate::{
    AttributeStatsRequest, CountCell, ListRequest, LogRecord, LogStore, OrderBy, ScanRequest, Severity,
    StatsMode, StoreError,
};

#[derive(Default)]
pub struct MemStore {
    rows: Mutex<Vec<LogRecord>>,
}

impl MemStore {
    pub fn with(rows: Vec<LogRecord>) -> Self {
        Self { rows: Mutex::new(rows) }
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
        let mut cells: BTreeMap<(i64, String, Severity, u64), (u64, u64)> = BTreeMap::new();
        for r in self.in_range(team_id, from_us, to_us) {
            let minute = r.timestamp_us.div_euclid(60_000_000) * 60_000_000;
            let cell = cells.entry((minute, r.service_name.clone(), r.severity, r.resource_fingerprint));
            let (count, bytes) = cell.or_default();
            *count += 1;
            *bytes += u64::from(r.bytes);
        }
        for ((minute_us, service_name, severity, resource_fingerprint), (count, bytes)) in &cells {
            visit(&CountCell {
                minute_us: *minute_us,
                service_name,
                severity: *severity,
                resource_fingerprint: *resource_fingerprint,
                count: *count,
                bytes: *bytes,
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
