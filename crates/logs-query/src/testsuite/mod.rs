//! The `LogStore` conformance suite (feature `testsuite`), after Quickwit's metastore test
//! suite: one generic function per property of the contract in [`crate::store`], and
//! [`logstore_conformance_suite!`](crate::logstore_conformance_suite) to expand them into one
//! `#[test]` each, so every implementation runs exactly the same tests.
//!
//! Expected answers come from one naive model, [`MemStore`](crate::mem_store::MemStore):
//! every row kept in a `Vec` and scanned in full (see [`compare::oracle`]).
//!
//! ```text
//! // in a store crate's tests/conformance.rs, with
//! // logs-query = { workspace = true, features = ["testsuite"] } as a dev-dependency:
//! struct MyFactory { /* a temp dir, a connection string... */ }
//! impl logs_query::testsuite::StoreFactory for MyFactory { /* open, maybe reopen */ }
//! logs_query::logstore_conformance_suite!(my_store, MyFactory::new());
//! ```

pub mod aggregates;
pub mod compare;
pub mod count;
pub mod data;
pub mod read;
pub mod wrapped;
pub mod write;

use crate::{LogRecord, LogStore};

/// Rows of the data set most cases load.
pub const ROWS: usize = 1500;

/// Makes the stores a conformance case runs against. The macro evaluates the factory
/// expression once per test, and a case holds at most one store at a time.
pub trait StoreFactory {
    /// A new, empty store.
    fn open(&mut self) -> Box<dyn LogStore>;

    /// Called once the case has written and before it reads: the store as a reader finds
    /// it. A persistent store may close `store` and open it again from the same place (a
    /// restart) or move rows between its tiers; the default hands it back unchanged.
    fn reopen(&mut self, store: Box<dyn LogStore>) -> Box<dyn LogStore> {
        store
    }
}

/// A new store holding `rows` (appended per team in chunks), reopened for reading.
pub fn loaded(factory: &mut dyn StoreFactory, rows: &[LogRecord]) -> Box<dyn LogStore> {
    let store = factory.open();
    data::append_grouped(&*store, rows, 200);
    factory.reopen(store)
}

/// Expands into a module `$name` with one `#[test]` per conformance case, each running on
/// a fresh `$factory` (any expression whose value implements [`StoreFactory`]; names in
/// the calling module are in scope).
#[macro_export]
macro_rules! logstore_conformance_suite {
    ($name:ident, $factory:expr) => {
        $crate::logstore_conformance_suite!(@cases $name, $factory,
            read::whole_contract_matches_the_oracle,
            read::list_returns_whole_records_sorted_by_time_then_uuid,
            read::list_limit_keeps_the_first_rows,
            read::cursor_pages_cover_every_row_once,
            read::cursor_between_rows_continues_strictly_after_it,
            read::time_range_includes_from_and_excludes_to,
            read::live_tail_lists_rows_observed_from_a_time,
            read::every_filter_kind_matches_the_oracle,
            read::scan_visits_each_matching_row_once,
            read::scan_stops_when_the_visitor_says_so,
            read::rollups_count_rows_and_bytes_per_minute,
            read::attribute_stats_match_on_whole_hours,
            read::attribute_stats_are_never_finer_than_the_range,
            count::count_matching_agrees_with_the_oracle,
            aggregates::aggregates_over_many_resources_match_the_oracle,
            aggregates::resource_filtered_aggregates_are_exact,
            write::empty_store_answers_nothing,
            write::append_assigns_the_team_of_the_call,
            write::appends_are_visible_at_once,
            write::teams_are_isolated,
            write::checkpoint_covers_every_appended_row,
            write::drop_before_drops_old_rows_of_one_team,
        );
    };
    (@cases $name:ident, $factory:expr, $($module:ident :: $case:ident),+ $(,)?) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[test]
                fn $case() {
                    let mut factory = $factory;
                    $crate::testsuite::$module::$case(&mut factory);
                }
            )+
        }
    };
}

#[cfg(test)]
mod in_memory {
    use super::StoreFactory;
    use crate::LogStore;
    use crate::mem_store::MemStore;

    struct Mem;

    impl StoreFactory for Mem {
        fn open(&mut self) -> Box<dyn LogStore> {
            Box::new(MemStore::default())
        }
    }

    crate::logstore_conformance_suite!(mem_store, Mem);
}
