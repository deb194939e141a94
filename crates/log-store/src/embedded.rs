//! [`EmbeddedStore`]: the embedded implementation of [`logs_query::LogStore`], WAL plus
//! in-memory head.
//!
//! **This is the head only.** There are no segments, no retention and no compaction yet
//! (docs/decisions/0004-log-store.md): every record ever appended stays in memory, so memory
//! grows with the data, and the WAL is **never truncated** (`Wal::truncate_through` is not
//! called), so it grows with the data too and a restart replays all of it.
//!
//! * [`EmbeddedStore::open`] opens the WAL in `<dir>/wal` and replays every frame into the
//!   head. A frame whose payload does not decode as a batch is skipped, counted in
//!   [`OpenReport::corrupt_frames`] and logged with `tracing::warn!`; WAL-level damage (torn
//!   tail, bad frames, missing files) is repaired/skipped by the WAL and listed in
//!   [`OpenReport::wal`].
//! * `append` encodes the batch, makes it durable with `Wal::append`, and only then inserts
//!   it into the head: nothing is visible before it is durable.
//! * The head is, per team, a `BTreeMap<(timestamp_us, uuid), LogRecord>` behind its own
//!   `RwLock`; `list` is a range scan whose bounds come from the time range and the cursor,
//!   so rows before the cursor or outside the time range are never visited.
//! * `checkpoint_us`: every record with `observed_timestamp_us` below it is queryable. It is
//!   the smallest `observed_timestamp_us` of any batch still being made durable (in flight),
//!   else one past the largest `observed_timestamp_us` made visible, else 0 for an empty
//!   store. Caveat: a batch appended *later* whose observed time is older than the current
//!   checkpoint (ingest clocks are not coordinated with this) can still be missed by a live
//!   tail.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::path::Path;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use logs_query::{
    AttributeScope, AttributeStatsRequest, CountCell, ListRequest, LogRecord, LogStore, OrderBy, ScanRequest,
    StatsMode, StoreError,
};
use uuid::Uuid;

use crate::codec::{decode_batch, encode_batch};
use crate::wal::{Replay, Wal, WalOptions};

/// A row's position in a team's head: ordered by timestamp, ties broken by uuid.
type Key = (i64, Uuid);
type TeamHead = Arc<RwLock<BTreeMap<Key, LogRecord>>>;

/// What [`EmbeddedStore::open`] found while replaying the WAL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// Records decoded from the WAL and put in the head.
    pub replayed_records: u64,
    /// Valid WAL frames whose payload failed to decode as a batch; skipped.
    pub corrupt_frames: u64,
    /// The WAL's own replay summary, including its damage reports (torn tail etc.).
    pub wal: Replay,
}

/// WAL + in-memory head. See the module docs for what is not implemented yet.
pub struct EmbeddedStore {
    wal: Wal,
    teams: RwLock<HashMap<i64, TeamHead>>,
    /// Largest `observed_timestamp_us` visible in the head; `i64::MIN` when empty.
    max_observed_us: AtomicI64,
    /// Batches between "started appending" and "visible": id -> smallest observed time.
    in_flight: Mutex<HashMap<u64, i64>>,
    next_batch: AtomicU64,
}

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedStore").field("wal_dir", &self.wal.dir()).finish_non_exhaustive()
    }
}

impl EmbeddedStore {
    /// Opens (creating if needed) the store in `dir` and replays `<dir>/wal` into the head.
    /// Fails only if the WAL cannot be opened (I/O error, or another process holds it).
    pub fn open(dir: &Path) -> Result<(EmbeddedStore, OpenReport), StoreError> {
        let wal_dir = dir.join("wal");
        std::fs::create_dir_all(&wal_dir)
            .map_err(|e| StoreError::Read(format!("creating {}: {e}", wal_dir.display())))?;
        let mut heads: HashMap<i64, BTreeMap<Key, LogRecord>> = HashMap::new();
        let mut replayed_records = 0u64;
        let mut corrupt_frames = 0u64;
        let mut max_observed = i64::MIN;
        let (wal, replay) =
            Wal::open(&wal_dir, WalOptions::default(), |lsn, payload| match decode_batch(payload) {
                Ok((team_id, records)) => {
                    let head = heads.entry(team_id).or_default();
                    for mut r in records {
                        r.team_id = team_id;
                        max_observed = max_observed.max(r.observed_timestamp_us);
                        replayed_records += 1;
                        head.insert((r.timestamp_us, r.uuid), r);
                    }
                }
                Err(e) => {
                    corrupt_frames += 1;
                    tracing::warn!(%lsn, error = %e, "skipping undecodable WAL frame");
                }
            })
            .map_err(|e| StoreError::Read(format!("opening WAL in {}: {e}", wal_dir.display())))?;
        if !replay.corruption.is_empty() {
            tracing::warn!(reports = replay.corruption.len(), "WAL damage found during replay");
        }
        let teams =
            heads.into_iter().filter(|(_, h)| !h.is_empty()).map(|(t, h)| (t, Arc::new(RwLock::new(h))));
        let store = EmbeddedStore {
            wal,
            teams: RwLock::new(teams.collect()),
            max_observed_us: AtomicI64::new(max_observed),
            in_flight: Mutex::new(HashMap::new()),
            next_batch: AtomicU64::new(0),
        };
        Ok((store, OpenReport { replayed_records, corrupt_frames, wal: replay }))
    }

    fn team(&self, team_id: i64) -> Option<TeamHead> {
        self.teams.read().unwrap_or_else(PoisonError::into_inner).get(&team_id).cloned()
    }

    fn team_or_create(&self, team_id: i64) -> TeamHead {
        if let Some(h) = self.team(team_id) {
            return h;
        }
        let mut teams = self.teams.write().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(teams.entry(team_id).or_default())
    }

    fn insert(&self, team_id: i64, records: Vec<LogRecord>) {
        let head = self.team_or_create(team_id);
        let mut max_observed = i64::MIN;
        {
            let mut head = head.write().unwrap_or_else(PoisonError::into_inner);
            for r in records {
                max_observed = max_observed.max(r.observed_timestamp_us);
                head.insert((r.timestamp_us, r.uuid), r);
            }
        }
        self.max_observed_us.fetch_max(max_observed, Ordering::AcqRel);
    }
}

/// Removes an in-flight registration however `append` exits.
struct InFlight<'a> {
    map: &'a Mutex<HashMap<u64, i64>>,
    id: u64,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.map.lock().unwrap_or_else(PoisonError::into_inner).remove(&self.id);
    }
}

impl LogStore for EmbeddedStore {
    fn append(&self, team_id: i64, mut records: Vec<LogRecord>) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        for r in &mut records {
            r.team_id = team_id;
        }
        let min_observed = records.iter().map(|r| r.observed_timestamp_us).min().unwrap_or(i64::MAX);
        let id = self.next_batch.fetch_add(1, Ordering::Relaxed);
        self.in_flight.lock().unwrap_or_else(PoisonError::into_inner).insert(id, min_observed);
        let _guard = InFlight { map: &self.in_flight, id };

        let mut payload = Vec::new();
        encode_batch(team_id, &records, &mut payload);
        self.wal.append(&payload).map_err(|e| StoreError::Write(e.to_string()))?;
        self.insert(team_id, records);
        Ok(())
    }

    fn list(&self, req: &ListRequest<'_>) -> Result<Vec<LogRecord>, StoreError> {
        let Some(head) = self.team(req.team_id) else { return Ok(Vec::new()) };
        if req.limit == 0 {
            return Ok(Vec::new());
        }
        // Lower bound: Included(from) or, for earliest-first paging, Excluded(cursor).
        // Upper bound: always exclusive, `to` or, for latest-first paging, the cursor.
        let mut lo = (req.from_us, Uuid::nil());
        let mut lo_inclusive = true;
        let mut hi = (req.to_us, Uuid::nil());
        if let Some(c) = req.after {
            let ck = (c.timestamp_us, c.uuid);
            match req.order {
                OrderBy::Latest => hi = hi.min(ck),
                OrderBy::Earliest if ck >= lo => {
                    lo = ck;
                    lo_inclusive = false;
                }
                OrderBy::Earliest => {}
            }
        }
        // `range` panics on inverted (or empty, both-excluded) bounds; those are empty anyway.
        if lo >= hi {
            return Ok(Vec::new());
        }
        let lower = if lo_inclusive { Bound::Included(lo) } else { Bound::Excluded(lo) };
        let head = head.read().unwrap_or_else(PoisonError::into_inner);
        let range = head.range((lower, Bound::Excluded(hi)));
        let keep = |r: &&LogRecord| {
            req.observed_from_us.is_none_or(|o| r.observed_timestamp_us >= o) && req.filter.matches(r)
        };
        let rows = match req.order {
            OrderBy::Latest => range.rev().map(|(_, r)| r).filter(keep).take(req.limit).cloned().collect(),
            OrderBy::Earliest => range.map(|(_, r)| r).filter(keep).take(req.limit).cloned().collect(),
        };
        Ok(rows)
    }

    fn scan(
        &self,
        req: &ScanRequest<'_>,
        visit: &mut dyn FnMut(&LogRecord) -> bool,
    ) -> Result<(), StoreError> {
        let Some(head) = self.team(req.team_id) else { return Ok(()) };
        if req.from_us >= req.to_us {
            return Ok(());
        }
        let head = head.read().unwrap_or_else(PoisonError::into_inner);
        let range = head.range((req.from_us, Uuid::nil())..(req.to_us, Uuid::nil()));
        for (_, r) in range {
            if req.filter.matches(r) && !visit(r) {
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
        let Some(head) = self.team(team_id) else { return Ok(()) };
        if from_us >= to_us {
            return Ok(());
        }
        let head = head.read().unwrap_or_else(PoisonError::into_inner);
        for (_, r) in head.range((from_us, Uuid::nil())..(to_us, Uuid::nil())) {
            visit(&CountCell {
                minute_us: r.timestamp_us - r.timestamp_us.rem_euclid(60_000_000),
                service_name: &r.service_name,
                severity: r.severity,
                resource_fingerprint: r.resource_fingerprint,
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
        let Some(head) = self.team(req.team_id) else { return Ok(()) };
        if req.from_us >= req.to_us {
            return Ok(());
        }
        let head = head.read().unwrap_or_else(PoisonError::into_inner);
        for (_, r) in head.range((req.from_us, Uuid::nil())..(req.to_us, Uuid::nil())) {
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

    fn drop_before(&self, team_id: i64, cutoff_us: i64) -> Result<u64, StoreError> {
        let Some(head) = self.team(team_id) else { return Ok(0) };
        let mut head = head.write().unwrap_or_else(PoisonError::into_inner);
        let keep = head.split_off(&(cutoff_us, Uuid::nil()));
        let dropped = head.len() as u64;
        *head = keep;
        Ok(dropped)
    }

    fn has_logs(&self, team_id: i64) -> Result<bool, StoreError> {
        Ok(self.team(team_id).is_some_and(|h| !h.read().unwrap_or_else(PoisonError::into_inner).is_empty()))
    }

    fn checkpoint_us(&self) -> i64 {
        // Read the in-flight set first: a batch leaving it has already updated the maximum.
        let in_flight_min =
            self.in_flight.lock().unwrap_or_else(PoisonError::into_inner).values().min().copied();
        let max = self.max_observed_us.load(Ordering::Acquire);
        let visible = if max == i64::MIN { 0 } else { max.saturating_add(1) };
        in_flight_min.map_or(visible, |m| m.min(visible))
    }
}

#[cfg(test)]
mod tests;
