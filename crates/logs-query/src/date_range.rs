//! `DateRange` (specs/logs.md 2.1): absolute ISO 8601 or relative (`-1h`, `-7d`, `-1mStart`)
//! bounds, resolved against a caller-supplied "now" so tests control time.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month, OffsetDateTime, Time, UtcOffset};

use crate::error::QueryError;
use crate::timefmt::parse_absolute;

/// The aggregation endpoints' default when a request carries no `dateRange`.
pub const DEFAULT_DATE_FROM: &str = "-1h";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    #[serde(default)]
    pub date_from: Option<String>,
    #[serde(default)]
    pub date_to: Option<String>,
    /// Echoed only: logs use the range exactly, so there is no rounding to switch off.
    #[serde(default, rename = "explicitDate")]
    pub explicit_date: Option<bool>,
}

impl DateRange {
    /// `{"date_from": "-1h"}`.
    pub fn last_hour() -> Self {
        Self { date_from: Some(DEFAULT_DATE_FROM.to_owned()), ..Self::default() }
    }

    /// `(from, to)` in UTC. A missing or empty `date_from` means `default_from`, a missing
    /// `date_to` means `now`. An empty window (`from == to`) is allowed; `from > to` is not.
    pub fn resolve(
        &self,
        now: OffsetDateTime,
        default_from: &str,
    ) -> Result<(OffsetDateTime, OffsetDateTime), QueryError> {
        let now = now.to_offset(UtcOffset::UTC);
        let from_text = non_empty(&self.date_from).unwrap_or(default_from);
        let from = parse_date(from_text, now).ok_or_else(|| invalid("date_from", from_text))?;
        let to_text = non_empty(&self.date_to);
        let to = match to_text {
            Some(text) => parse_date(text, now).ok_or_else(|| invalid("date_to", text))?,
            None => now,
        };
        if from > to {
            // The values as sent: a relative date means little once resolved.
            let detail =
                format!("date_from '{from_text}' must not be after date_to '{}'", to_text.unwrap_or("now"));
            return Err(QueryError::for_attr("dateRange", detail));
        }
        Ok((from, to))
    }

    /// Syntax check without a clock, so a request can be rejected before any work starts.
    pub fn validate(&self) -> Result<(), QueryError> {
        let probe = OffsetDateTime::UNIX_EPOCH + Duration::days(365 * 50);
        for (name, value) in [("date_from", &self.date_from), ("date_to", &self.date_to)] {
            if let Some(text) = non_empty(value)
                && parse_date(text, probe).is_none()
            {
                return Err(invalid(name, text));
            }
        }
        Ok(())
    }
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn invalid(name: &str, text: &str) -> QueryError {
    QueryError::for_attr(
        "dateRange",
        format!(
            "Invalid {name} '{text}': expected an ISO 8601 date or a relative date such as -1h, -7d or -1mStart"
        ),
    )
}

/// An absolute or relative date, in UTC.
pub fn parse_date(text: &str, now: OffsetDateTime) -> Option<OffsetDateTime> {
    parse_absolute(text).or_else(|| parse_relative(text)?.apply(now.to_offset(UtcOffset::UTC)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Snap {
    Start,
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Relative {
    amount: i64,
    unit: Unit,
    snap: Option<Snap>,
}

/// `-?<n><unit>(Start|End)?`. With `Start`/`End` the number may be left out and means 0, as
/// in PostHog's `dStart` (today) and `mStart` (this month). The `-` is optional: offsets
/// always go back.
fn parse_relative(text: &str) -> Option<Relative> {
    let text = text.trim();
    let body = text.strip_prefix('-').unwrap_or(text);
    let (body, snap) = match (body.strip_suffix("Start"), body.strip_suffix("End")) {
        (Some(b), _) => (b, Some(Snap::Start)),
        (_, Some(b)) => (b, Some(Snap::End)),
        _ => (body, None),
    };
    let unit_char = body.chars().last()?;
    let digits = &body[..body.len() - unit_char.len_utf8()];
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let amount = match (digits.is_empty(), snap) {
        (true, Some(_)) => 0,
        (true, None) => return None,
        (false, _) => digits.parse().ok()?,
    };
    let unit = match unit_char {
        's' => Unit::Second,
        'M' => Unit::Minute,
        'h' => Unit::Hour,
        'd' => Unit::Day,
        'w' => Unit::Week,
        'm' => Unit::Month,
        'q' => Unit::Quarter,
        'y' => Unit::Year,
        _ => return None,
    };
    Some(Relative { amount, unit, snap })
}

impl Relative {
    fn apply(self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        // Bounded so the arithmetic below cannot overflow; such dates are out of range anyway.
        if self.amount > MAX_AMOUNT {
            return None;
        }
        let n = self.amount;
        let seconds = |per_unit: i64| now.checked_sub(Duration::seconds(n * per_unit));
        let back = match self.unit {
            Unit::Second => seconds(1),
            Unit::Minute => seconds(60),
            Unit::Hour => seconds(3600),
            Unit::Day => seconds(86_400),
            Unit::Week => seconds(7 * 86_400),
            Unit::Quarter => seconds(13 * 7 * 86_400),
            Unit::Month => shift_months(now, -n),
            Unit::Year => shift_months(now, -12 * n),
        }?;
        match self.snap {
            None => Some(back),
            Some(Snap::Start) => period_start(back, self.unit),
            Some(Snap::End) => period_end(back, self.unit),
        }
    }
}

const MAX_AMOUNT: i64 = 1_000_000_000;

/// Calendar month arithmetic that clamps the day (Mar 31 − 1 month = Feb 28/29), like
/// `relativedelta`.
fn shift_months(t: OffsetDateTime, months: i64) -> Option<OffsetDateTime> {
    let index = i64::from(t.year()) * 12 + i64::from(u8::from(t.month())) - 1 + months;
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    let day = t.day().min(time::util::days_in_month(month, year));
    Some(t.replace_date(Date::from_calendar_date(year, month, day).ok()?))
}

/// Start of the unit's period: weeks snap to the day (no week-start convention to honour),
/// quarters to the month.
fn period_start(t: OffsetDateTime, unit: Unit) -> Option<OffsetDateTime> {
    let day_start = t.replace_time(Time::MIDNIGHT);
    Some(match unit {
        Unit::Second => t.replace_nanosecond(0).ok()?,
        Unit::Minute => t.replace_time(Time::from_hms(t.hour(), t.minute(), 0).ok()?),
        Unit::Hour => t.replace_time(Time::from_hms(t.hour(), 0, 0).ok()?),
        Unit::Day | Unit::Week => day_start,
        Unit::Month | Unit::Quarter => day_start.replace_day(1).ok()?,
        Unit::Year => day_start.replace_date(Date::from_calendar_date(t.year(), Month::January, 1).ok()?),
    })
}

/// Last microsecond of the unit's period (`23:59:59.999999` for days).
fn period_end(t: OffsetDateTime, unit: Unit) -> Option<OffsetDateTime> {
    let start = period_start(t, unit)?;
    let next = match unit {
        Unit::Second => start.checked_add(Duration::SECOND),
        Unit::Minute => start.checked_add(Duration::MINUTE),
        Unit::Hour => start.checked_add(Duration::HOUR),
        Unit::Day | Unit::Week => start.checked_add(Duration::DAY),
        Unit::Month | Unit::Quarter => shift_months(start, 1),
        Unit::Year => shift_months(start, 12),
    }?;
    next.checked_sub(Duration::MICROSECOND)
}

#[cfg(test)]
mod tests;
