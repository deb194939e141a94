//! `expires_after` as Django's DurationField reads and writes it (§4.2).
//!
//! Hand-written: this is the product's wire format (Django's `duration_string` and
//! `parse_duration` with its three grammars: standard, ISO-8601 and Postgres), which no
//! duration crate reads or writes exactly. Two deliberate departures from Django, both
//! refused with a 400 instead of stored: a negative duration (any `-`; a request would be
//! born expired) and one above [`MAX_DAYS`]. Django's `""` (zero) is refused too.

use time::Duration;

const US_PER_SEC: i128 = 1_000_000;
const US_PER_MIN: i128 = 60 * US_PER_SEC;
const US_PER_HOUR: i128 = 60 * US_PER_MIN;
const US_PER_DAY: i128 = 24 * US_PER_HOUR;
const US_PER_WEEK: i128 = 7 * US_PER_DAY;
/// Saturation point of digit runs, far above any accepted value (keeps i128 math exact).
const SATURATED: i128 = 10_i128.pow(30);

/// The longest accepted lifetime (~2,700 years): `now + expires_after` stays within the
/// dates `time` and the stores' microsecond column hold.
pub const MAX_DAYS: i64 = 1_000_000;

/// Why an input is not a duration this crate stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// None of the accepted formats.
    Format,
    /// A well-formed duration with a minus sign.
    Negative,
    /// Above [`MAX_DAYS`].
    TooLong,
}

/// `"D HH:MM:SS[.ffffff]"`; under one day no day part (`"01:00:00"`).
///
/// Negative durations are rendered as Django renders a `timedelta` (floored days, then a
/// positive clock: -1 h is `"-1 23:00:00"`); parsing never produces one. Sub-microsecond
/// parts are truncated (the stores keep microseconds).
pub fn format(d: Duration) -> String {
    let us = d.whole_microseconds();
    let days = us.div_euclid(US_PER_DAY);
    let rest = us.rem_euclid(US_PER_DAY);
    let (secs, micros) = (rest / US_PER_SEC, rest % US_PER_SEC);
    let mut out = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    if days != 0 {
        out = format!("{days} {out}");
    }
    if micros != 0 {
        out.push_str(&format!(".{micros:06}"));
    }
    out
}

/// `"D HH:MM:SS[.ffffff]"`, `"HH:MM:SS"`, seconds (`"3600"`), ISO-8601 (`"P14D"`,
/// `"PT1H"`), Postgres style (`"3 days 04:05:06"`); None for anything else.
pub fn parse(s: &str) -> Option<Duration> {
    parse_checked(s).ok()
}

/// [`parse`] with the reason of a refusal (the validation message depends on it).
///
/// Accepted, after trimming: standard `[D ][[H:]M:]S[.f]` (`.` or `,`, fraction truncated
/// to microseconds), Postgres `D day[s][ H:MM:SS[.f]]`, Python's `D day[s], H:MM:SS`, ISO-8601
/// `[+]P[nW][nD][T[nH][nM][nS]]` (fractions allowed, designators in any case; years and
/// months are refused as ambiguous).
pub fn parse_checked(s: &str) -> Result<Duration, ParseError> {
    let s = s.trim();
    if s.contains('-') {
        let unsigned = s.replace('-', "");
        return Err(if micros(&unsigned).is_some() { ParseError::Negative } else { ParseError::Format });
    }
    let us = micros(s).ok_or(ParseError::Format)?;
    if us > i128::from(MAX_DAYS) * US_PER_DAY {
        return Err(ParseError::TooLong);
    }
    let us = i64::try_from(us).map_err(|_| ParseError::TooLong)?;
    Ok(Duration::microseconds(us))
}

/// Total microseconds of an unsigned duration in any accepted form.
fn micros(s: &str) -> Option<i128> {
    let s = s.strip_prefix('+').unwrap_or(s);
    if let Some(rest) = s.strip_prefix(['P', 'p']) {
        return iso(rest);
    }
    if s.is_empty() {
        return None;
    }
    let Some((head, tail)) = s.split_once(' ') else {
        return clock(s);
    };
    let days = digits(head)?.saturating_mul(US_PER_DAY);
    let tail = tail.trim_start();
    let lower = tail.to_ascii_lowercase();
    let worded = ["days", "day"].iter().find_map(|w| lower.strip_prefix(w).map(|r| tail.len() - r.len()));
    let Some(n) = worded else {
        return Some(days.saturating_add(clock(tail)?));
    };
    // After the word: nothing, or a full `H:MM:SS` (Postgres, or Python's "1 day, 0:00:00").
    let (comma, rest) = match tail[n..].strip_prefix(',') {
        Some(r) => (true, r.trim_start()),
        None => (false, tail[n..].trim_start()),
    };
    if rest.is_empty() {
        return (!comma).then_some(days);
    }
    if rest.matches(':').count() != 2 {
        return None;
    }
    Some(days.saturating_add(clock(rest)?))
}

/// `[[H:]M:]S[.f]`.
fn clock(s: &str) -> Option<i128> {
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() > 3 {
        return None;
    }
    let (last, whole) = parts.split_last()?;
    let mut total = decimal(last, US_PER_SEC)?;
    for (part, unit) in whole.iter().rev().zip([US_PER_MIN, US_PER_HOUR]) {
        total = total.saturating_add(digits(part)?.saturating_mul(unit));
    }
    Some(total)
}

/// After the `P`: `[nW][nD][T[nH][nM][nS]]`, at least one component.
fn iso(s: &str) -> Option<i128> {
    let (date, time) = match s.find(['T', 't']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut any = false;
    let mut total = designated(date, &[('W', US_PER_WEEK), ('D', US_PER_DAY)], &mut any)?;
    if let Some(time) = time {
        let units = [('H', US_PER_HOUR), ('M', US_PER_MIN), ('S', US_PER_SEC)];
        total = total.saturating_add(designated(time, &units, &mut any)?);
    }
    any.then_some(total)
}

/// Number-designator pairs, designators in the order of `units`, each at most once.
fn designated(s: &str, units: &[(char, i128)], any: &mut bool) -> Option<i128> {
    let (mut rest, mut next, mut total) = (s, 0, 0_i128);
    while !rest.is_empty() {
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ',')).unwrap_or(rest.len());
        let (number, tail) = rest.split_at(end);
        let designator = tail.chars().next()?.to_ascii_uppercase();
        let at = next + units[next..].iter().position(|(u, _)| *u == designator)?;
        total = total.saturating_add(decimal(number, units[at].1)?);
        next = at + 1;
        rest = &tail[designator.len_utf8()..];
        *any = true;
    }
    Some(total)
}

/// `n[.f]` (or `n,f`) times `unit` microseconds, truncated to a microsecond.
fn decimal(s: &str, unit: i128) -> Option<i128> {
    let (whole, fraction) = match s.split_once(['.', ',']) {
        Some((w, f)) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => (w, f),
        Some(_) => return None,
        None => (s, ""),
    };
    let mut total = digits(whole)?.saturating_mul(unit);
    // 12 digits are below a microsecond for any unit here (at most a week).
    let fraction = &fraction[..fraction.len().min(12)];
    if !fraction.is_empty() {
        let scale = 10_i128.pow(u32::try_from(fraction.len()).ok()?);
        total = total.saturating_add(digits(fraction)? * unit / scale);
    }
    Some(total)
}

/// A non-empty run of ASCII digits, saturated at [`SATURATED`].
fn digits(s: &str) -> Option<i128> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.bytes().fold(0_i128, |n, b| (n * 10 + i128::from(b - b'0')).min(SATURATED)))
}

#[cfg(test)]
#[path = "duration_tests.rs"]
mod tests;
