//! VTIMEZONE components (RFC 5545 3.6.5): one per zone the events use, with
//! the zone's real offset transitions in every year the events cover.
//!
//! chrono-tz has no list of transitions, so they are found by probing the
//! zone's offset day by day and bisecting to the second.

use std::collections::BTreeMap;

use chrono::{
    DateTime, Datelike as _, NaiveDate, NaiveDateTime, Offset as _, TimeDelta, TimeZone as _,
};
use chrono_tz::{OffsetComponents as _, OffsetName as _, Tz, TzOffset};

use crate::datetime::{LOCAL_FORMAT, is_utc, local};
use crate::event::Event;
use crate::text::Lines;

/// Seconds in a day: the step of the scan for offset transitions.
const DAY: i64 = 86_400;

/// The years a VTIMEZONE must cover for one zone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ZoneSpan {
    tz: Tz,
    first: i32,
    last: i32,
}

/// Each non-UTC zone the events use, by name, with the local years from the
/// earliest to the latest start or end in it.
pub(crate) fn zone_spans(events: &[Event]) -> BTreeMap<&'static str, ZoneSpan> {
    let mut spans = BTreeMap::new();
    for event in events.iter().filter(|e| !is_utc(e.time_zone)) {
        let tz = event.time_zone;
        for at in std::iter::once(event.start).chain(event.written_end()) {
            let year = local(tz, at).year();
            spans
                .entry(tz.name())
                .and_modify(|span: &mut ZoneSpan| {
                    span.first = span.first.min(year);
                    span.last = span.last.max(year);
                })
                .or_insert(ZoneSpan {
                    tz,
                    first: year,
                    last: year,
                });
        }
    }
    spans
}

/// A `STANDARD` or `DAYLIGHT` sub-component of a VTIMEZONE.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Observance {
    daylight: bool,
    /// The local wall-clock time of the onset, in the offset before it.
    start: NaiveDateTime,
    from: i32,
    to: i32,
    name: Option<String>,
}

/// Writes the VTIMEZONE of one zone, covering its span of years.
pub(crate) fn write_time_zone(out: &mut Lines, span: &ZoneSpan) {
    out.begin("VTIMEZONE");
    out.text("TZID", span.tz.name());
    for year in span.first..=span.last {
        for observance in observances(span.tz, year) {
            write_observance(out, &observance);
        }
    }
    out.end("VTIMEZONE");
}

fn write_observance(out: &mut Lines, observance: &Observance) {
    let kind = if observance.daylight {
        "DAYLIGHT"
    } else {
        "STANDARD"
    };
    out.begin(kind);
    out.property(
        "DTSTART",
        &[],
        &observance.start.format(LOCAL_FORMAT).to_string(),
    );
    out.property("TZOFFSETFROM", &[], &offset_value(observance.from));
    out.property("TZOFFSETTO", &[], &offset_value(observance.to));
    if let Some(name) = &observance.name {
        out.text("TZNAME", name);
    }
    out.end(kind);
}

/// The zone's observances in a year: one per offset transition or, in a
/// year without any, one STANDARD from the start of the year.
fn observances(tz: Tz, year: i32) -> Vec<Observance> {
    let changes = transitions(tz, year);
    if changes.is_empty() {
        steady(tz, year).into_iter().collect()
    } else {
        changes
    }
}

/// The instant (Unix seconds) the UTC year begins.
fn year_start(year: i32) -> Option<i64> {
    NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|start| start.and_utc().timestamp())
}

/// The zone's offset at an instant (Unix seconds, within chrono's range).
fn offset_at(tz: Tz, secs: i64) -> TzOffset {
    let at = DateTime::from_timestamp(secs, 0).unwrap_or_default();
    tz.offset_from_utc_datetime(&at.naive_utc())
}

/// What a transition changes: the total UTC offset and whether it is
/// daylight saving time.
fn phase(tz: Tz, secs: i64) -> (i32, bool) {
    let offset = offset_at(tz, secs);
    (
        offset.fix().local_minus_utc(),
        !offset.dst_offset().is_zero(),
    )
}

/// The zone's offset transitions in the UTC year, found by probing each
/// day (so at most one a day) and bisecting to the second.
fn transitions(tz: Tz, year: i32) -> Vec<Observance> {
    let (Some(start), Some(next)) = (year_start(year), year_start(year + 1)) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut before = start - 1;
    let last = next - 1;
    while before < last {
        let after = (before + DAY).min(last);
        if phase(tz, before) != phase(tz, after) {
            found.push(observance_at(tz, first_change(tz, before, after)));
        }
        before = after;
    }
    found
}

/// The first second after `before` in the phase of `after`.
fn first_change(tz: Tz, mut before: i64, mut after: i64) -> i64 {
    let old = phase(tz, before);
    while after - before > 1 {
        let middle = before + (after - before) / 2;
        if phase(tz, middle) == old {
            before = middle;
        } else {
            after = middle;
        }
    }
    after
}

/// The observance beginning at the transition instant `at`.
fn observance_at(tz: Tz, at: i64) -> Observance {
    let old = offset_at(tz, at - 1);
    let new = offset_at(tz, at);
    let from = old.fix().local_minus_utc();
    let onset = DateTime::from_timestamp(at, 0)
        .unwrap_or_default()
        .naive_utc();
    Observance {
        daylight: !new.dst_offset().is_zero(),
        start: onset + TimeDelta::seconds(from.into()),
        from,
        to: new.fix().local_minus_utc(),
        name: new.abbreviation().map(str::to_owned),
    }
}

/// The single STANDARD observance of a year without transitions.
fn steady(tz: Tz, year: i32) -> Option<Observance> {
    let start = year_start(year)?;
    let offset = offset_at(tz, start);
    let seconds = offset.fix().local_minus_utc();
    Some(Observance {
        daylight: false,
        start: NaiveDate::from_ymd_opt(year, 1, 1)?.and_hms_opt(0, 0, 0)?,
        from: seconds,
        to: seconds,
        name: offset.abbreviation().map(str::to_owned),
    })
}

/// A UTC-OFFSET value: `+0100`, `-0500`, or `+053328` with seconds.
fn offset_value(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let total = seconds.unsigned_abs();
    let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60);
    if secs == 0 {
        format!("{sign}{hours:02}{minutes:02}")
    } else {
        format!("{sign}{hours:02}{minutes:02}{secs:02}")
    }
}

#[cfg(test)]
mod tests {
    use chrono_tz::America::New_York;

    use super::*;

    #[test]
    fn each_year_between_the_first_and_last_event_is_covered() {
        let starts: Vec<String> = observances(New_York, 2025)
            .into_iter()
            .chain(observances(New_York, 2026))
            .chain(observances(New_York, 2027))
            .map(|o| format!("{} {}", o.start.format(LOCAL_FORMAT), offset_value(o.to)))
            .collect();
        assert_eq!(
            starts,
            [
                "20250309T020000 -0400",
                "20251102T020000 -0500",
                "20260308T020000 -0400",
                "20261101T020000 -0500",
                "20270314T020000 -0400",
                "20271107T020000 -0500",
            ]
        );
    }

    #[test]
    fn offsets_are_formatted_with_seconds_only_when_needed() {
        assert_eq!(offset_value(3600), "+0100");
        assert_eq!(offset_value(-5 * 3600), "-0500");
        assert_eq!(offset_value(0), "+0000");
        assert_eq!(offset_value(5 * 3600 + 33 * 60 + 28), "+053328");
        assert_eq!(offset_value(-(25 * 60 + 21)), "-002521");
        assert_eq!(offset_value(5 * 3600 + 45 * 60), "+0545");
    }
}
