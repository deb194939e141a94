//! The store's durable state file and its in-memory published view.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::head::Head;
use crate::fsutil::{frame, sync_dir, unframe, write_atomic};
use crate::segment::Segment;
use crate::wal::Lsn;

pub(crate) const STATE_FILE: &str = "STATE";
const MAGIC: &[u8; 8] = b"LSSTATE1";

/// `<dir>/STATE`, replaced atomically. It is the commit point of a seal: a seal's segments
/// count only once `sealed_lsn` covers their `max_lsn`, so a crash halfway through writing a
/// head's segments leaves rows in the WAL, never half in segments and skipped at replay.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Durable {
    /// WAL frames at or below this are in committed segments: replay skips them.
    pub(crate) sealed_lsn: Option<(u64, u64)>,
    /// Segment ids below this may have been used; never reuse them.
    pub(crate) next_segment_id: u64,
    /// Per team: retention dropped every row older than this. Replay drops them again.
    pub(crate) cutoffs: BTreeMap<i64, i64>,
    /// Segments that are retired but whose files may still exist: deleted at open.
    pub(crate) dead_segments: Vec<u64>,
}

impl Durable {
    pub(crate) fn sealed(&self) -> Option<Lsn> {
        self.sealed_lsn.map(|(file, offset)| Lsn { file, offset })
    }

    pub(crate) fn seal_through(&mut self, lsn: Lsn) {
        let current = self.sealed().map_or(lsn, |s| s.max(lsn));
        self.sealed_lsn = Some((current.file, current.offset));
    }

    pub(crate) fn cutoff(&self, team_id: i64) -> i64 {
        self.cutoffs.get(&team_id).copied().unwrap_or(i64::MIN)
    }

    pub(crate) fn take_id(&mut self) -> u64 {
        let id = self.next_segment_id;
        self.next_segment_id += 1;
        id
    }

    /// `Ok(None)` if there is no state file yet.
    pub(crate) fn load(dir: &Path) -> Result<Option<Self>, String> {
        let bytes = match std::fs::read(dir.join(STATE_FILE)) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.to_string()),
        };
        let payload = unframe(MAGIC, &bytes)?;
        serde_json::from_slice(payload).map(Some).map_err(|e| e.to_string())
    }

    pub(crate) fn save(&self, dir: &Path) -> io::Result<()> {
        let json = serde_json::to_vec(self).map_err(io::Error::other)?;
        write_atomic(dir, STATE_FILE, &frame(MAGIC, &json))?;
        sync_dir(dir)
    }
}

/// What queries see, swapped under one lock so a row is never counted twice or missed:
/// a frozen head leaves in the same step its segments arrive.
#[derive(Debug)]
pub(crate) struct Published {
    pub(crate) active: Arc<Head>,
    /// Heads being written to segments, oldest first, with the last WAL position in each.
    pub(crate) frozen: Vec<(Arc<Head>, Option<Lsn>)>,
    /// Per team; copy-on-write so a query's snapshot is one `Arc` clone.
    pub(crate) segments: HashMap<i64, Arc<Vec<Arc<Segment>>>>,
}

impl Published {
    pub(crate) fn heads(&self) -> Vec<Arc<Head>> {
        let mut heads = vec![Arc::clone(&self.active)];
        heads.extend(self.frozen.iter().map(|(h, _)| Arc::clone(h)));
        heads
    }

    pub(crate) fn team_segments(&self, team_id: i64) -> Arc<Vec<Arc<Segment>>> {
        self.segments.get(&team_id).cloned().unwrap_or_default()
    }

    /// Removes segments `remove` and adds `add`, per team.
    pub(crate) fn replace(&mut self, remove: &[u64], add: Vec<Arc<Segment>>) {
        let mut teams: Vec<i64> = add.iter().map(|s| s.meta.team_id).collect();
        teams.extend(
            self.segments
                .iter()
                .filter(|(_, v)| v.iter().any(|s| remove.contains(&s.meta.id)))
                .map(|(t, _)| *t),
        );
        teams.sort_unstable();
        teams.dedup();
        for team in teams {
            let mut list: Vec<Arc<Segment>> =
                self.team_segments(team).iter().filter(|s| !remove.contains(&s.meta.id)).cloned().collect();
            list.extend(add.iter().filter(|s| s.meta.team_id == team).cloned());
            list.sort_by_key(|s| (s.meta.min_ts, s.meta.id));
            if list.is_empty() {
                self.segments.remove(&team);
            } else {
                self.segments.insert(team, Arc::new(list));
            }
        }
    }

    pub(crate) fn all_segments(&self) -> Vec<Arc<Segment>> {
        self.segments.values().flat_map(|v| v.iter().cloned()).collect()
    }
}
