//! Conformance cases for the write side and store-wide answers: `append` (visibility, team),
//! team isolation, `has_logs`, `checkpoint_us`, `drop_before`, the empty store.

use super::compare::{STATS_MODES, check, keys, list, list_req, rollup_cells, scan_keys, stats};
use super::data::{BASE, EMPTY_TEAM, HOUR, MINUTE, TEAMS, append_grouped, dataset};
use super::{ROWS, StoreFactory, loaded};
use crate::{AttributeScope, ListRequest, LogRecord, LogStore, OrderBy, RowFilter, StatsMode};

const ALL: (i64, i64) = (BASE - HOUR, BASE + 6 * HOUR);

fn team_keys(store: &dyn LogStore, team: i64) -> Vec<(i64, u128)> {
    scan_keys(store, team, i64::MIN, i64::MAX, &RowFilter::default())
}

fn sorted_keys(rows: &[LogRecord], keep: impl Fn(&LogRecord) -> bool) -> Vec<(i64, u128)> {
    let mut k: Vec<_> = rows.iter().filter(|r| keep(r)).map(|r| (r.timestamp_us, r.uuid.as_u128())).collect();
    k.sort_unstable();
    k
}

pub fn empty_store_answers_nothing(factory: &mut dyn StoreFactory) {
    let store = factory.open();
    let store = factory.reopen(store);
    let f = RowFilter::default();
    for team in TEAMS.into_iter().chain([EMPTY_TEAM]) {
        assert!(!store.has_logs(team).expect("has_logs"), "team {team}");
        assert!(list(&*store, &list_req(team, i64::MIN, i64::MAX, &f, OrderBy::Latest)).is_empty());
        assert!(team_keys(&*store, team).is_empty());
        assert!(rollup_cells(&*store, team, ALL.0, ALL.1).is_empty());
        for scope in [AttributeScope::Log, AttributeScope::Resource] {
            for mode in STATS_MODES {
                assert!(stats(&*store, team, (i64::MIN, i64::MAX), scope, mode).is_empty());
            }
        }
        assert_eq!(store.drop_before(team, i64::MAX).expect("drop_before"), 0);
    }
}

/// Rows belong to the team `append` names, whatever their `team_id` field says.
pub fn append_assigns_the_team_of_the_call(factory: &mut dyn StoreFactory) {
    let rows: Vec<LogRecord> = dataset(20, 200).into_iter().map(|r| LogRecord { team_id: 77, ..r }).collect();
    let store = factory.open();
    store.append(2, rows.clone()).expect("append");
    let store = factory.reopen(store);
    let got = list(&*store, &list_req(2, ALL.0, ALL.1, &RowFilter::default(), OrderBy::Earliest));
    assert_eq!(got.len(), rows.len());
    assert!(got.iter().all(|r| r.team_id == 2), "stored under the call's team");
    assert!(!store.has_logs(77).expect("has_logs") && team_keys(&*store, 77).is_empty());
}

/// Each append is visible once it returns, reads between appends see exactly what was
/// appended so far, and the store still agrees after the writer is done.
pub fn appends_are_visible_at_once(factory: &mut dyn StoreFactory) {
    let rows = dataset(21, ROWS);
    let store = factory.open();
    let mut written = 0;
    for chunk in rows.chunks(ROWS / 5) {
        append_grouped(&*store, chunk, 50);
        written += chunk.len();
        for team in TEAMS {
            let want = sorted_keys(&rows[..written], |r| r.team_id == team);
            assert_eq!(team_keys(&*store, team), want, "team {team} after {written} rows");
            assert_eq!(store.has_logs(team).expect("has_logs"), !want.is_empty());
        }
    }
    let store = factory.reopen(store);
    check(&*store, &rows, "after interleaved appends and reads");
}

/// Identical rows (same uuid and time) in two teams: each team sees only its own.
pub fn teams_are_isolated(factory: &mut dyn StoreFactory) {
    let base: Vec<LogRecord> = dataset(22, ROWS / 2).into_iter().filter(|r| r.team_id == 1).collect();
    let twin: Vec<LogRecord> = base
        .iter()
        .map(|r| LogRecord { team_id: 2, body: format!("{} twin", r.body), ..r.clone() })
        .collect();
    let store = factory.open();
    append_grouped(&*store, &base, 100);
    append_grouped(&*store, &twin, 100);
    let store = factory.reopen(store);
    let f = RowFilter::default();
    for (team, mine) in [(1, &base), (2, &twin)] {
        let got = list(&*store, &list_req(team, ALL.0, ALL.1, &f, OrderBy::Earliest));
        assert_eq!(got.len(), mine.len(), "team {team}");
        assert!(got.iter().all(|r| r.team_id == team && r.body.ends_with(" twin") == (team == 2)));
        let cells = rollup_cells(&*store, team, ALL.0, ALL.1);
        assert_eq!(cells.values().map(|c| c.0).sum::<u64>(), mine.len() as u64);
        let keys = stats(&*store, team, ALL, AttributeScope::Log, StatsMode::Keys);
        let pairs = mine.iter().flat_map(|r| &r.attributes).filter(|(k, _)| k == "http.method").count();
        assert_eq!(keys.get(&("http.method".to_string(), None)).copied().unwrap_or(0), pairs as u64);
    }
    assert!(!store.has_logs(3).expect("has_logs"));
    assert!(team_keys(&*store, 3).is_empty() && rollup_cells(&*store, 3, ALL.0, ALL.1).is_empty());
}

/// After an append returns, the checkpoint is past every row it observed, and it never
/// goes back; a live tail from an old checkpoint lists exactly the newer rows.
pub fn checkpoint_covers_every_appended_row(factory: &mut dyn StoreFactory) {
    let rows = dataset(23, ROWS);
    let (first, second) = rows.split_at(ROWS / 2);
    // The second half is observed after everything in the first.
    let late = first.iter().map(|r| r.observed_timestamp_us).max().unwrap_or(BASE) + 1;
    let second: Vec<LogRecord> = second
        .iter()
        .map(|r| LogRecord { observed_timestamp_us: late + (r.observed_timestamp_us - BASE), ..r.clone() })
        .collect();
    let store = factory.open();
    let mut last = store.checkpoint_us();
    for chunk in first.chunks(100) {
        append_grouped(&*store, chunk, 100);
        let now = store.checkpoint_us();
        let max = chunk.iter().map(|r| r.observed_timestamp_us).max().unwrap_or(i64::MIN);
        assert!(now > max && now >= last, "checkpoint {now} after rows observed up to {max} (was {last})");
        last = now;
    }
    let store = factory.reopen(store);
    let tail_from = store.checkpoint_us();
    assert!(tail_from >= last, "a restart does not move the checkpoint back");
    append_grouped(&*store, &second, 100);
    let store = factory.reopen(store);
    let max = second.iter().map(|r| r.observed_timestamp_us).max().unwrap_or(i64::MIN);
    assert!(store.checkpoint_us() > max);
    let all = RowFilter::default();
    for team in TEAMS {
        let req = ListRequest {
            observed_from_us: Some(tail_from),
            ..list_req(team, ALL.0, ALL.1, &all, OrderBy::Latest)
        };
        let mut want = sorted_keys(&second, |r| r.team_id == team);
        want.reverse();
        assert_eq!(
            keys(&list(&*store, &req)),
            want,
            "the live tail from the old checkpoint is the newer rows, team {team}"
        );
    }
}

/// Retention drops whole units of at most an hour: every row at or after the cutoff stays,
/// every row before the cutoff's hour goes, the count returned is what went, other teams are
/// untouched, and a restart does not bring anything back.
pub fn drop_before_drops_old_rows_of_one_team(factory: &mut dyn StoreFactory) {
    let rows = dataset(24, ROWS);
    let store = loaded(factory, &rows);
    let cutoff = BASE + 2 * HOUR + 20 * MINUTE;
    let before = team_keys(&*store, 1);
    let dropped = store.drop_before(1, cutoff).expect("drop_before");
    let store = factory.reopen(store);
    let after = team_keys(&*store, 1);
    assert_eq!(dropped, (before.len() - after.len()) as u64, "the count is what went");
    assert!(after.iter().all(|k| before.contains(k)));
    assert_eq!(
        after.iter().filter(|k| k.0 >= cutoff).count(),
        before.iter().filter(|k| k.0 >= cutoff).count(),
        "rows at or after the cutoff stay"
    );
    assert!(
        after.iter().all(|k| k.0 >= cutoff - cutoff.rem_euclid(HOUR)),
        "rows before the cutoff's hour go"
    );
    for team in [2, 3] {
        assert_eq!(
            team_keys(&*store, team),
            sorted_keys(&rows, |r| r.team_id == team),
            "team {team} untouched"
        );
    }
    // Whatever stayed, every method agrees on it.
    let mut survivors: Vec<LogRecord> = rows.iter().filter(|r| r.team_id != 1).cloned().collect();
    let kept = list(&*store, &list_req(1, i64::MIN, i64::MAX, &RowFilter::default(), OrderBy::Earliest));
    survivors.extend(kept);
    check(&*store, &survivors, "after retention");

    let everything = store.drop_before(1, BASE + 6 * HOUR).expect("drop_before");
    assert_eq!(everything, after.len() as u64);
    let store = factory.reopen(store);
    assert!(team_keys(&*store, 1).is_empty(), "a cutoff past every row drops them all");
    assert_eq!(store.drop_before(1, BASE + 6 * HOUR).expect("drop_before"), 0, "nothing left to drop");
}
