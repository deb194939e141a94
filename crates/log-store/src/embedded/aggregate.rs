//! Rollups, attribute statistics and `has_logs`: segment metadata plus exact head rows.

use logs_query::{AttributeScope, AttributeStatsRequest, CountCell, StatsMode};

use super::Inner;
use super::head::{KeyRange, read};
use crate::segment::meta::KeyStats;
use crate::segment::meta::MINUTE_US;

fn visit_stats(stats: &[KeyStats], mode: StatsMode<'_>, visit: &mut dyn FnMut(&str, Option<&str>, u64)) {
    match mode {
        StatsMode::Keys => stats.iter().for_each(|k| visit(&k.key, None, k.rows)),
        StatsMode::ValuesOf(key) => {
            if let Ok(i) = stats.binary_search_by(|k| k.key.as_str().cmp(key)) {
                stats[i].values.iter().for_each(|(v, n)| visit(key, Some(v), *n));
            }
        }
        StatsMode::AllValues => {
            for k in stats {
                k.values.iter().for_each(|(v, n)| visit(&k.key, Some(v), *n));
            }
        }
    }
}

impl Inner {
    pub(crate) fn rollups(
        &self,
        team_id: i64,
        from_us: i64,
        to_us: i64,
        visit: &mut dyn FnMut(&CountCell<'_>),
    ) {
        let Some(range) = KeyRange::time(from_us, to_us) else { return };
        let (heads, segments) = self.snapshot(team_id);
        for head in heads.iter().filter_map(|h| h.team(team_id)) {
            for (_, r) in read(&head).range(range.bounds()) {
                visit(&CountCell {
                    minute_us: r.timestamp_us - r.timestamp_us.rem_euclid(MINUTE_US),
                    service_name: &r.service_name,
                    severity: r.severity,
                    count: 1,
                    bytes: u64::from(r.bytes),
                });
            }
        }
        for s in segments.iter().filter(|s| !s.is_broken() && range.overlaps(s.meta.min_ts, s.meta.max_ts)) {
            let m = &s.meta;
            let start = m.cells.partition_point(|c| c.minute_us < from_us);
            for c in m.cells[start..].iter().take_while(|c| c.minute_us < to_us) {
                visit(&CountCell {
                    minute_us: c.minute_us,
                    service_name: m.services.get(c.service as usize).map_or("", String::as_str),
                    severity: c.severity,
                    count: c.count,
                    bytes: c.bytes,
                });
            }
        }
    }

    pub(crate) fn attribute_stats(
        &self,
        req: &AttributeStatsRequest<'_>,
        visit: &mut dyn FnMut(&str, Option<&str>, u64),
    ) {
        let Some(range) = KeyRange::time(req.from_us, req.to_us) else { return };
        let (heads, segments) = self.snapshot(req.team_id);
        let resource = req.scope == AttributeScope::Resource;
        for head in heads.iter().filter_map(|h| h.team(req.team_id)) {
            for (_, r) in read(&head).range(range.bounds()) {
                let attrs = if resource { &r.resource_attributes } else { &r.attributes };
                for (k, v) in attrs {
                    match req.mode {
                        StatsMode::Keys => visit(k, None, 1),
                        StatsMode::ValuesOf(key) if key == k => visit(k, Some(v), 1),
                        StatsMode::ValuesOf(_) => {}
                        StatsMode::AllValues => visit(k, Some(v), 1),
                    }
                }
            }
        }
        // Whole segments: the trait allows a coarser time granularity.
        for s in segments.iter().filter(|s| !s.is_broken() && range.overlaps(s.meta.min_ts, s.meta.max_ts)) {
            visit_stats(s.meta.attr_stats(resource), req.mode, visit);
        }
    }

    pub(crate) fn has_logs(&self, team_id: i64) -> bool {
        let (heads, segments) = self.snapshot(team_id);
        heads.iter().any(|h| h.has_rows(team_id)) || segments.iter().any(|s| !s.is_broken())
    }
}
