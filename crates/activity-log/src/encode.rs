//! Streaming export encoders: rows are written one at a time, so an export never holds
//! the whole result in memory. Columns follow spec 6.2 ("File columns").

use std::io::{self, Write};

use md5::{Digest, Md5};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Date, UtcOffset};

use crate::ActivityRow;
use crate::json_text::python_dumps_sorted;

pub const COLUMNS: [&str; 13] = [
    "id",
    "organization_id",
    "project_id",
    "user_first_name",
    "user_last_name",
    "user_email",
    "activity",
    "scope",
    "item_id",
    "detail",
    "client",
    "ip_address",
    "created_at",
];

/// RFC 4180 CSV with CRLF line ends (as Python's `csv` writes): cells holding a comma,
/// quote or line break are quoted, quotes doubled.
pub struct CsvWriter<W: Write> {
    /// Boxed: `csv` keeps a 256-entry quoting table inline, which would bloat [`RowWriter`].
    w: Box<csv::Writer<W>>,
}

impl<W: Write> CsvWriter<W> {
    /// Writes the header line.
    pub fn new(w: W) -> io::Result<Self> {
        let mut w = Box::new(csv_writer(w));
        w.write_record(COLUMNS)?;
        Ok(Self { w })
    }

    pub fn write_row(&mut self, row: &ActivityRow) -> io::Result<()> {
        let e = &row.entry;
        let user = row.user.as_ref();
        let detail = match &e.detail {
            Some(d) if !is_empty_json(d) => serde_json::to_string(d).map_err(io::Error::other)?,
            _ => String::new(),
        };
        let cells: [String; 13] = [
            e.id.to_string(),
            e.organization_id.map(|o| o.to_string()).unwrap_or_default(),
            e.team_id.map(|t| t.to_string()).unwrap_or_default(),
            user.map(|u| u.first_name.clone()).unwrap_or_default(),
            user.map(|u| u.last_name.clone()).unwrap_or_default(),
            user.map(|u| u.email.clone()).unwrap_or_default(),
            e.activity.clone(),
            e.scope.clone(),
            e.item_id.clone().unwrap_or_default(),
            detail,
            e.client.clone().unwrap_or_default(),
            String::new(),
            timestamp(row)?,
        ];
        Ok(self.w.write_record(&cells)?)
    }

    /// Flushes and hands back the sink.
    pub fn finish(self) -> io::Result<W> {
        self.w.into_inner().map_err(csv::IntoInnerError::into_error)
    }
}

/// The `csv` settings that match Python's `csv.writer`: minimal quoting, CRLF.
fn csv_writer<W: Write>(w: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(w)
}

/// Upstream writes `""` for a falsy detail (`None`, `{}`, `[]`).
fn is_empty_json(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn timestamp(row: &ActivityRow) -> io::Result<String> {
    row.entry.created_at.to_offset(UtcOffset::UTC).format(&Rfc3339).map_err(io::Error::other)
}

/// A JSON array of objects keyed by [`COLUMNS`], written element by element.
pub struct JsonWriter<W: Write> {
    w: W,
    rows: u64,
}

impl<W: Write> JsonWriter<W> {
    /// Writes the opening `[`.
    pub fn new(mut w: W) -> io::Result<Self> {
        w.write_all(b"[")?;
        Ok(Self { w, rows: 0 })
    }

    pub fn write_row(&mut self, row: &ActivityRow) -> io::Result<()> {
        let e = &row.entry;
        let user = row.user.as_ref();
        let opt = |s: Option<String>| s.map_or(Value::Null, Value::String);
        let values: [Value; 13] = [
            Value::String(e.id.to_string()),
            opt(e.organization_id.map(|o| o.to_string())),
            e.team_id.map_or(Value::Null, Value::from),
            opt(user.map(|u| u.first_name.clone())),
            opt(user.map(|u| u.last_name.clone())),
            opt(user.map(|u| u.email.clone())),
            Value::String(e.activity.clone()),
            Value::String(e.scope.clone()),
            opt(e.item_id.clone()),
            e.detail.clone().unwrap_or(Value::Null),
            opt(e.client.clone()),
            Value::Null,
            Value::String(timestamp(row)?),
        ];
        if self.rows > 0 {
            self.w.write_all(b",")?;
        }
        // Written by hand so the keys keep column order whatever serde_json's map does.
        self.w.write_all(b"{")?;
        for (i, (key, value)) in COLUMNS.iter().zip(&values).enumerate() {
            if i > 0 {
                self.w.write_all(b",")?;
            }
            serde_json::to_writer(&mut self.w, key).map_err(io::Error::other)?;
            self.w.write_all(b":")?;
            serde_json::to_writer(&mut self.w, value).map_err(io::Error::other)?;
        }
        self.w.write_all(b"}")?;
        self.rows += 1;
        Ok(())
    }

    /// Writes the closing `]`, flushes and hands back the sink.
    pub fn finish(mut self) -> io::Result<W> {
        self.w.write_all(b"]")?;
        self.w.flush()?;
        Ok(self.w)
    }
}

/// Either encoder, chosen at run time (the export worker picks by job format).
pub enum RowWriter<W: Write> {
    Csv(CsvWriter<W>),
    Json(JsonWriter<W>),
}

impl<W: Write> RowWriter<W> {
    pub fn csv(w: W) -> io::Result<Self> {
        CsvWriter::new(w).map(Self::Csv)
    }

    pub fn json(w: W) -> io::Result<Self> {
        JsonWriter::new(w).map(Self::Json)
    }

    pub fn write_row(&mut self, row: &ActivityRow) -> io::Result<()> {
        match self {
            Self::Csv(w) => w.write_row(row),
            Self::Json(w) => w.write_row(row),
        }
    }

    pub fn finish(self) -> io::Result<W> {
        match self {
            Self::Csv(w) => w.finish(),
            Self::Json(w) => w.finish(),
        }
    }
}

/// `activity_logs_all_<YYYYMMDD>` when no filter is set (every value null, empty string,
/// empty list or empty object), else `activity_logs_<6 hex of md5>_<YYYYMMDD>` with the md5
/// of the filters as Python's `json.dumps(filters, sort_keys=True)` prints them.
pub fn export_filename(filters: &Value, today: Date) -> String {
    let date = format!("{:04}{:02}{:02}", today.year(), u8::from(today.month()), today.day());
    let has_filters = match filters {
        Value::Object(map) => map.values().any(|v| !is_unset(v)),
        other => !is_unset(other),
    };
    if !has_filters {
        return format!("activity_logs_all_{date}");
    }
    let hash = md5_hex(python_dumps_sorted(filters).as_bytes());
    format!("activity_logs_{}_{date}", &hash[..6])
}

/// Not for anything security-related: only names the file, as upstream does.
fn md5_hex(data: &[u8]) -> String {
    hex::encode(Md5::digest(data))
}

fn is_unset(v: &Value) -> bool {
    is_empty_json(v) || v.as_str() == Some("")
}

#[cfg(test)]
mod tests;
