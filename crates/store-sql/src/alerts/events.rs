//! Alert events: the visible list, the state-timeline input and retention (quiet-check
//! pruning is in `record.rs`).

use alerts_engine::repo::{Page, StoredEvent};
use alerts_engine::state::EventKind;
use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

use super::rows::{EventRow, kind_parse, kind_text};
use super::{TxResult, bounds};
use crate::db::{AnyConnection, MultiBackend};
use crate::rows::{to_us, uuid_text};
use crate::schema::logs_alert_events as ev;

const CHECK: &str = "check";

/// Spec §3.4: quiet `check` rows (no state change, no error) are not listed.
#[diesel::dsl::auto_type]
fn visible() -> _ {
    let check: &'static str = CHECK;
    ev::kind.ne(check).or(ev::error_message.is_not_null()).or(ev::state_before.ne(ev::state_after))
}

fn decode(rows: Vec<EventRow>) -> TxResult<Vec<StoredEvent>> {
    Ok(rows.into_iter().map(EventRow::into_domain).collect::<Result<Vec<_>, _>>()?)
}

pub(super) fn page(
    c: &mut AnyConnection,
    team_id: i64,
    alert_id: Uuid,
    kind: Option<EventKind>,
    limit: i64,
    offset: i64,
) -> TxResult<Page<StoredEvent>> {
    let (limit, offset) = bounds(limit, offset);
    let kind = kind.map(kind_text).transpose()?;
    let alert = uuid_text(alert_id);
    let filtered = || {
        let mut q = ev::table
            .filter(ev::alert_id.eq(alert.clone()))
            .filter(ev::team_id.eq(team_id))
            .filter(visible())
            .into_boxed::<MultiBackend>();
        if let Some(k) = &kind {
            q = q.filter(ev::kind.eq(k.clone()));
        }
        q
    };
    let count: i64 = filtered().count().get_result(c)?;
    let rows = filtered()
        .select(EventRow::as_select())
        .order_by((ev::created_at.desc(), ev::id.desc()))
        .limit(limit)
        .offset(offset)
        .load(c)?;
    Ok(Page { count: u64::try_from(count).unwrap_or(0), results: decode(rows)? })
}

pub(super) fn timeline(
    c: &mut AnyConnection,
    alert_id: Uuid,
    from: OffsetDateTime,
) -> TxResult<(Option<EventKind>, Vec<StoredEvent>)> {
    let (alert, from) = (uuid_text(alert_id), to_us(from));
    let toggles = [kind_text(EventKind::Enable)?, kind_text(EventKind::Disable)?];
    let before: Option<String> = ev::table
        .select(ev::kind)
        .filter(ev::alert_id.eq(&alert))
        .filter(ev::created_at.lt(from))
        .filter(ev::kind.eq_any(toggles))
        .order_by((ev::created_at.desc(), ev::id.desc()))
        .first(c)
        .optional()?;
    let rows = ev::table
        .select(EventRow::as_select())
        .filter(ev::alert_id.eq(&alert))
        .filter(ev::created_at.ge(from))
        .order_by((ev::created_at.asc(), ev::id.asc()))
        .load(c)?;
    Ok((before.as_deref().map(kind_parse).transpose()?, decode(rows)?))
}

pub(super) fn prune_before(c: &mut AnyConnection, before: OffsetDateTime) -> TxResult<u64> {
    let n = diesel::delete(ev::table.filter(ev::created_at.lt(to_us(before)))).execute(c)?;
    Ok(n as u64)
}
