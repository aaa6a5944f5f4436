//! DATE-TIME values (RFC 5545 3.3.5): UTC (`20260325T080000Z`) or local
//! wall-clock time qualified by a `TZID` parameter.

use chrono::{DateTime, NaiveDateTime, TimeZone as _, Timelike as _, Utc};
use chrono_tz::Tz;

use crate::text::Lines;

/// A local ("floating" or `TZID`-qualified) DATE-TIME value.
pub(crate) const LOCAL_FORMAT: &str = "%Y%m%dT%H%M%S";
/// A UTC DATE-TIME value.
const UTC_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// Whether a zone is UTC under one of its names: its times are written in
/// the `Z` form, without a VTIMEZONE.
pub(crate) fn is_utc(tz: Tz) -> bool {
    matches!(
        tz,
        Tz::UTC
            | Tz::Etc__UTC
            | Tz::UCT
            | Tz::Etc__UCT
            | Tz::Universal
            | Tz::Etc__Universal
            | Tz::Zulu
            | Tz::Etc__Zulu
    )
}

/// The local wall-clock time of `at` in `tz`.
pub(crate) fn local(tz: Tz, at: DateTime<Utc>) -> NaiveDateTime {
    at.with_timezone(&tz).naive_local()
}

/// A UTC DATE-TIME value (`20260325T080000Z`).
pub(crate) fn utc_value(at: DateTime<Utc>) -> String {
    at.format(UTC_FORMAT).to_string()
}

/// The local wall-clock value of `at` in `tz`, when there is one that
/// names exactly this instant (to the second): not for UTC, nor for the
/// second pass of a wall-clock time repeated when clocks go back (RFC 5545
/// 3.3.5 reads a repeated time as its first pass).
pub(crate) fn local_value(tz: Tz, at: DateTime<Utc>) -> Option<String> {
    if is_utc(tz) {
        return None;
    }
    let local = local(tz, at).with_nanosecond(0)?;
    let first = tz.from_local_datetime(&local).earliest()?;
    (first.timestamp() == at.timestamp()).then(|| local.format(LOCAL_FORMAT).to_string())
}

/// `DTSTART` or `DTEND`: local time with `TZID`, or else UTC.
pub(crate) fn write_date_time(out: &mut Lines, name: &str, at: DateTime<Utc>, tz: Tz) {
    match local_value(tz, at) {
        Some(local) => out.property(name, &[("TZID", tz.name())], &local),
        None => out.property(name, &[], &utc_value(at)),
    }
}

#[cfg(test)]
mod tests {
    use chrono_tz::Europe::Berlin;

    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn the_second_pass_of_a_repeated_hour_has_no_local_value() {
        // 25 October 2026: Berlin's 02:30 happens at 00:30Z and again at 01:30Z.
        let first = local_value(Berlin, at("2026-10-25T00:30:00Z"));
        assert_eq!(first.as_deref(), Some("20261025T023000"));
        assert_eq!(local_value(Berlin, at("2026-10-25T01:30:00Z")), None);
    }

    #[test]
    fn utc_under_any_name_is_written_in_utc() {
        for tz in [Tz::UTC, Tz::Etc__UTC, Tz::Zulu, Tz::Universal] {
            assert_eq!(local_value(tz, at("2026-03-25T08:00:00Z")), None, "{tz}");
        }
        assert_eq!(
            utc_value(at("2026-03-25T08:00:00.900Z")),
            "20260325T080000Z"
        );
    }
}
