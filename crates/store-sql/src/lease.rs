//! Leases on server roles only one server may hold per database (`server_leases`): today
//! the embedded log store, whose logs live in one server's data directory.
//!
//! Inherent methods on `SqlStore`, not a domain trait: which server may serve what is an
//! operational concern of the binary, no domain use case asks it, and there is no other
//! implementation to swap in (the binary's tests run real processes on real databases).
//!
//! Times come from the caller's clock: servers sharing a database need clocks within a few
//! seconds of each other (NTP), far less than a lease.

use diesel::prelude::*;
use time::{Duration, OffsetDateTime};

use crate::StoreError;
use crate::db::AnyConnection;
use crate::rows::to_us;
use crate::schema::server_leases as sl;
use crate::store::SqlStore;

/// The lease of the server that serves the embedded log store.
pub const EMBEDDED_LOG_STORE: &str = "embedded_log_store";

/// Who holds (or asks for) a lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHolder {
    /// A random id per server process.
    pub id: String,
    pub host: String,
    /// Canonical path of the holder's data directory.
    pub data_dir: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub holder: LeaseHolder,
    pub acquired_at: OffsetDateTime,
    pub heartbeat_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acquired {
    /// The lease is ours now; `previous` is the row it replaced (expired, our own, or left
    /// by an earlier process on the same host and data directory), if any.
    Taken { previous: Option<Lease> },
    /// Another live server holds it.
    HeldBy(Lease),
}

#[derive(Queryable)]
struct LeaseRow {
    holder: String,
    host: String,
    data_dir: String,
    acquired_at: i64,
    heartbeat_at: i64,
    expires_at: i64,
}

fn time_of(us: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000).map_err(|e| {
        let e = format!("corrupt server_leases time {us}: {e}");
        StoreError::Query(diesel::result::Error::DeserializationError(e.into()))
    })
}

impl LeaseRow {
    fn into_lease(self) -> Result<Lease, StoreError> {
        Ok(Lease {
            holder: LeaseHolder { id: self.holder, host: self.host, data_dir: self.data_dir },
            acquired_at: time_of(self.acquired_at)?,
            heartbeat_at: time_of(self.heartbeat_at)?,
            expires_at: time_of(self.expires_at)?,
        })
    }
}

fn read(c: &mut AnyConnection, name: &str) -> Result<Option<Lease>, StoreError> {
    let row: Option<LeaseRow> = sl::table
        .filter(sl::name.eq(name))
        .select((sl::holder, sl::host, sl::data_dir, sl::acquired_at, sl::heartbeat_at, sl::expires_at))
        .first(c)
        .optional()?;
    row.map(LeaseRow::into_lease).transpose()
}

impl SqlStore {
    fn lease_conn(&self) -> Result<crate::db::DbConn, StoreError> {
        self.pool().get().map_err(|e| StoreError::Connect(e.to_string()))
    }

    /// The lease `name` as stored, live or not.
    pub fn lease(&self, name: &str) -> Result<Option<Lease>, StoreError> {
        read(&mut *self.lease_conn()?, name)
    }

    /// Takes the lease `name` until `now + ttl` when nobody holds it, when it has expired,
    /// when `me` already holds it, or when its holder has `me`'s host and data directory.
    /// That last case is sound only if the caller holds an exclusive lock on its data
    /// directory: then the holder is an earlier process of this server that died without
    /// releasing (kill -9), and a restart need not wait for the lease to expire.
    ///
    /// A conditional insert, then a conditional update: each is atomic on both backends,
    /// so of several servers asking at once exactly one gets a live lease.
    pub fn acquire_lease(
        &self,
        name: &str,
        me: &LeaseHolder,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<Acquired, StoreError> {
        let c = &mut *self.lease_conn()?;
        let (now_us, until) = (to_us(now), to_us(now + ttl));
        // A holder that releases between our write and our read makes us ask again.
        for _ in 0..3 {
            let previous = read(c, name)?;
            if take(c, name, me, now_us, until)? {
                return Ok(Acquired::Taken { previous: previous.filter(|p| p.holder.id != me.id) });
            }
            if let Some(held) = read(c, name)? {
                return Ok(Acquired::HeldBy(held));
            }
        }
        let e = format!("lease {name} changed hands during every attempt to take it");
        Err(StoreError::Query(diesel::result::Error::QueryBuilderError(e.into())))
    }

    /// Heartbeat: moves the expiry to `now + ttl` if `holder` still holds the lease. False
    /// means it was lost (taken over after expiring, or by a later process of this server).
    pub fn renew_lease(
        &self,
        name: &str,
        holder: &str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let n = diesel::update(sl::table.filter(sl::name.eq(name)).filter(sl::holder.eq(holder)))
            .set((sl::heartbeat_at.eq(to_us(now)), sl::expires_at.eq(to_us(now + ttl))))
            .execute(&mut *self.lease_conn()?)?;
        Ok(n == 1)
    }

    /// Clean shutdown: gives the lease up if `holder` holds it; true if it did.
    pub fn release_lease(&self, name: &str, holder: &str) -> Result<bool, StoreError> {
        let n = diesel::delete(sl::table.filter(sl::name.eq(name)).filter(sl::holder.eq(holder)))
            .execute(&mut *self.lease_conn()?)?;
        Ok(n == 1)
    }
}

/// The conditional insert, then the conditional update; true if the lease is `me`'s now.
fn take(
    c: &mut AnyConnection,
    name: &str,
    me: &LeaseHolder,
    now_us: i64,
    until: i64,
) -> Result<bool, StoreError> {
    let row = (
        sl::name.eq(name),
        sl::holder.eq(&me.id),
        sl::host.eq(&me.host),
        sl::data_dir.eq(&me.data_dir),
        sl::acquired_at.eq(now_us),
        sl::heartbeat_at.eq(now_us),
        sl::expires_at.eq(until),
    );
    // ON CONFLICT is not expressible through `AnyConnection`'s backend; each connection has it.
    let inserted = match c {
        AnyConnection::Postgresql(pg) => {
            diesel::insert_into(sl::table).values(row).on_conflict_do_nothing().execute(pg)?
        }
        AnyConnection::Sqlite(sqlite) => {
            diesel::insert_into(sl::table).values(row).on_conflict_do_nothing().execute(sqlite)?
        }
    };
    if inserted == 1 {
        return Ok(true);
    }
    let ours = sl::holder.eq(&me.id).or(sl::host.eq(&me.host).and(sl::data_dir.eq(&me.data_dir)));
    let takeable = sl::table.filter(sl::name.eq(name)).filter(sl::expires_at.le(now_us).or(ours));
    let updated = diesel::update(takeable)
        .set((
            sl::holder.eq(&me.id),
            sl::host.eq(&me.host),
            sl::data_dir.eq(&me.data_dir),
            sl::acquired_at.eq(now_us),
            sl::heartbeat_at.eq(now_us),
            sl::expires_at.eq(until),
        ))
        .execute(c)?;
    Ok(updated == 1)
}
