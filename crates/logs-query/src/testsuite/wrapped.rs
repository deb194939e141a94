//! A `LogStore` that passes every call on to another, with two hooks, so a test double
//! (appends spread over tiers, reads that fail on demand) changes one behaviour without
//! writing the whole trait out again.

use crate::{AttributeStatsRequest, CountCell, ListRequest, LogRecord, LogStore, ScanRequest, StoreError};

type AppendHook<S> = Box<dyn Fn(&S, i64, Vec<LogRecord>) -> Result<(), StoreError> + Send + Sync>;
type ReadHook = Box<dyn Fn() -> Result<(), StoreError> + Send + Sync>;

pub struct Wrapped<S> {
    pub inner: S,
    append: AppendHook<S>,
    before_read: ReadHook,
}

impl<S: LogStore> Wrapped<S> {
    /// Passes everything on unchanged until a hook is set.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            append: Box::new(|s, team, rows| s.append(team, rows)),
            before_read: Box::new(|| Ok(())),
        }
    }

    /// Appends go through `f` (given the inner store) instead.
    pub fn on_append(
        mut self,
        f: impl Fn(&S, i64, Vec<LogRecord>) -> Result<(), StoreError> + Send + Sync + 'static,
    ) -> Self {
        self.append = Box::new(f);
        self
    }

    /// `f` runs before `list`, `scan`, `count_matching`, `rollups` and `attribute_stats`; its error is theirs.
    pub fn before_read(mut self, f: impl Fn() -> Result<(), StoreError> + Send + Sync + 'static) -> Self {
        self.before_read = Box::new(f);
        self
    }
}

impl<S: LogStore> LogStore for Wrapped<S> {
    fn append(&self, team_id: i64, records: Vec<LogRecord>) -> Result<(), StoreError> {
        (self.append)(&self.inner, team_id, records)
    }

    fn list(&self, req: &ListRequest<'_>) -> Result<Vec<LogRecord>, StoreError> {
        (self.before_read)()?;
        self.inner.list(req)
    }

    fn scan(&self, r: &ScanRequest<'_>, v: &mut dyn FnMut(&LogRecord) -> bool) -> Result<(), StoreError> {
        (self.before_read)()?;
        self.inner.scan(r, v)
    }

    fn count_matching(&self, r: &ScanRequest<'_>) -> Result<Option<u64>, StoreError> {
        (self.before_read)()?;
        self.inner.count_matching(r)
    }

    fn rollups(
        &self,
        t: i64,
        from: i64,
        to: i64,
        v: &mut dyn FnMut(&CountCell<'_>),
    ) -> Result<(), StoreError> {
        (self.before_read)()?;
        self.inner.rollups(t, from, to, v)
    }

    fn attribute_stats(
        &self,
        req: &AttributeStatsRequest<'_>,
        visit: &mut dyn FnMut(&str, Option<&str>, u64),
    ) -> Result<(), StoreError> {
        (self.before_read)()?;
        self.inner.attribute_stats(req, visit)
    }

    fn has_logs(&self, team_id: i64) -> Result<bool, StoreError> {
        self.inner.has_logs(team_id)
    }

    fn checkpoint_us(&self) -> i64 {
        self.inner.checkpoint_us()
    }

    fn drop_before(&self, team_id: i64, cutoff_us: i64) -> Result<u64, StoreError> {
        self.inner.drop_before(team_id, cutoff_us)
    }
}
