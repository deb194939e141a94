//! Finding the row a request names: its uuid, timestamped within ±1 s of the given time.

use logs_query::{LogRecord, LogStore, RowFilter, ScanRequest, StoreError};
use uuid::Uuid;

pub const WINDOW_US: i64 = 1_000_000;

pub fn find_record(
    store: &dyn LogStore,
    team_id: i64,
    uuid: Uuid,
    timestamp_us: i64,
) -> Result<Option<LogRecord>, StoreError> {
    let filter = RowFilter::default();
    let req = ScanRequest {
        team_id,
        from_us: timestamp_us.saturating_sub(WINDOW_US),
        // Inclusive of +1 s: the range end is exclusive.
        to_us: timestamp_us.saturating_add(WINDOW_US + 1),
        filter: &filter,
    };
    let mut found = None;
    store.scan(&req, &mut |r| {
        if r.uuid == uuid {
            found = Some(r.clone());
        }
        found.is_none()
    })?;
    Ok(found)
}
