//! The sidecar's per-minute rollup cells. Format 1 keyed them by resource as well; that
//! multiplied them by the resources alive each minute (millions a day with short-lived
//! pods), so format 2 drops the resource and format-1 cells are folded when read.

use logs_query::Severity;

use super::MINUTE_US;
use crate::codec::{CodecError, Reader, put_varint, put_zigzag, severity_code, severity_from_code};

/// The sidecar format whose cells carry a resource fingerprint index.
pub(super) const V1_WITH_RESOURCES: u8 = 1;

/// Rows of one (minute, service, severity) in the segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cell {
    pub(crate) minute_us: i64,
    pub(crate) service: u32,
    pub(crate) severity: Severity,
    pub(crate) count: u64,
    pub(crate) bytes: u64,
}

impl Cell {
    /// The sort order of a sidecar's cells, one cell per key.
    pub(crate) fn key(&self) -> (i64, u32, u8) {
        (self.minute_us, self.service, severity_code(self.severity))
    }
}

/// Cells are whole minutes of the partition's hour: stored as minute numbers.
pub(super) fn put_cells(out: &mut Vec<u8>, cells: &[Cell], partition_us: i64) {
    put_varint(out, cells.len() as u64);
    for c in cells {
        put_zigzag(out, c.minute_us.wrapping_sub(partition_us) / MINUTE_US);
        put_varint(out, u64::from(c.service));
        out.push(severity_code(c.severity));
        put_varint(out, c.count);
        put_varint(out, c.bytes);
    }
}

/// Reads the cells of a sidecar of `version`; format-1 cells (one per resource) come back
/// folded to one per (minute, service, severity), sorted by [`Cell::key`].
pub(super) fn read_cells(
    r: &mut Reader<'_>,
    version: u8,
    partition_us: i64,
    services: usize,
    fingerprints: usize,
) -> Result<Vec<Cell>, CodecError> {
    let n = r.count(5)?;
    let mut cells = Vec::with_capacity(n);
    for _ in 0..n {
        let minute_us = partition_us.wrapping_add(r.zigzag()?.wrapping_mul(MINUTE_US));
        let service = u32::try_from(r.varint()?).ok().filter(|&s| (s as usize) < services);
        let service = service.ok_or(CodecError::OutOfRange { field: "cell service" })?;
        let severity = severity_from_code(r.u8()?)?;
        if version == V1_WITH_RESOURCES && usize::try_from(r.varint()?).is_ok_and(|i| i >= fingerprints) {
            return Err(CodecError::OutOfRange { field: "cell fingerprint" });
        }
        let (count, bytes) = (r.varint()?, r.varint()?);
        cells.push(Cell { minute_us, service, severity, count, bytes });
    }
    if version == V1_WITH_RESOURCES {
        cells = fold(cells);
    }
    Ok(cells)
}

/// One cell per key, counts and bytes added, sorted by key.
fn fold(mut cells: Vec<Cell>) -> Vec<Cell> {
    cells.sort_unstable_by_key(Cell::key);
    let mut out: Vec<Cell> = Vec::with_capacity(cells.len());
    for c in cells {
        match out.last_mut() {
            Some(last) if last.key() == c.key() => {
                last.count += c.count;
                last.bytes += c.bytes;
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(minute: i64, service: u32, severity: Severity, count: u64) -> Cell {
        Cell { minute_us: minute * MINUTE_US, service, severity, count, bytes: 10 * count }
    }

    /// Format-1 cells as its encoder wrote them: sorted by (minute, service, resource,
    /// severity), each with its resource's index.
    fn v1_bytes(cells: &[(Cell, u64)]) -> Vec<u8> {
        let mut out = Vec::new();
        put_varint(&mut out, cells.len() as u64);
        for (c, fp) in cells {
            put_zigzag(&mut out, c.minute_us / MINUTE_US);
            put_varint(&mut out, u64::from(c.service));
            out.push(severity_code(c.severity));
            put_varint(&mut out, *fp);
            put_varint(&mut out, c.count);
            put_varint(&mut out, c.bytes);
        }
        out
    }

    #[test]
    fn format_1_cells_fold_over_resources() {
        let (i, e) = (Severity::Info, Severity::Error);
        let old = [
            (cell(0, 0, i, 2), 0),
            (cell(0, 0, e, 1), 0),
            (cell(0, 0, i, 3), 1),
            (cell(0, 1, i, 4), 2),
            (cell(1, 0, i, 5), 1),
            (cell(1, 0, i, 6), 2),
        ];
        let bytes = v1_bytes(&old);
        let got = read_cells(&mut Reader::new(&bytes), 1, 0, 2, 3).unwrap();
        let want = [cell(0, 0, i, 5), cell(0, 0, e, 1), cell(0, 1, i, 4), cell(1, 0, i, 11)];
        let mut want = want.to_vec();
        want.sort_unstable_by_key(Cell::key);
        assert_eq!(got, want);
        let err = read_cells(&mut Reader::new(&bytes), 1, 0, 2, 2).unwrap_err();
        assert!(matches!(err, CodecError::OutOfRange { field: "cell fingerprint" }), "{err:?}");
    }

    #[test]
    fn format_2_cells_round_trip() {
        let cells = [cell(60, 0, Severity::Info, 2), cell(61, 1, Severity::Fatal, 1)];
        let mut out = Vec::new();
        put_cells(&mut out, &cells, 60 * MINUTE_US);
        let got = read_cells(&mut Reader::new(&out), 2, 60 * MINUTE_US, 2, 0).unwrap();
        assert_eq!(got, cells);
        assert!(read_cells(&mut Reader::new(&out), 2, 60 * MINUTE_US, 1, 0).is_err(), "service out of range");
    }
}
