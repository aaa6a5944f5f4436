//! What a report asks the stores to count, cut so that maintained counters
//! can answer it exactly ([ADR 0012](../../../docs/adr/0012-report-counters.md)).
//!
//! A period in a time zone rarely starts at a UTC midnight (Berlin's days
//! start at 23:00 or 22:00 UTC; Kolkata's at 18:30). Every period is
//! therefore cut into [`Slice`]s: whole UTC days, whole UTC hours, and, only
//! where a bound is not on a whole hour (zones with :30/:45 offsets, ranges
//! given to the second), short exact pieces of less than an hour each. A
//! store answers day and hour slices from counters kept per UTC day and per
//! UTC hour, and exact pieces from an indexed range query; together they
//! count each record exactly once.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use crm_kernel::Timestamp;

use crate::period::Period;
use crate::scope::ReportScope;

/// A half-open range of instants `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    /// First instant.
    pub start: Timestamp,
    /// End (exclusive).
    pub end: Timestamp,
}

impl Span {
    /// Whether `at` falls in the span.
    #[must_use]
    pub fn contains(&self, at: Timestamp) -> bool {
        self.start <= at && at < self.end
    }
}

/// How a slice lines up with counter buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grain {
    /// Both bounds are UTC midnights: sum the per-day counters of the days in it.
    Day,
    /// Both bounds are whole UTC hours: sum the per-hour counters.
    Hour,
    /// Less than an hour between arbitrary instants: count the records.
    Exact,
}

/// A piece of one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Slice {
    /// Index of the period it belongs to in [`CountRequest::periods`].
    pub period: usize,
    /// How it lines up with counter buckets.
    pub grain: Grain,
    /// The instants it covers.
    pub span: Span,
}

/// The question every figures port answers: counts for each period of a
/// report, over the customers in scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountRequest {
    /// The periods, in order; they do not overlap.
    pub periods: Vec<Span>,
    /// The periods cut into counter-aligned slices (exactly covering them,
    /// no overlap), ordered by time.
    pub slices: Vec<Slice>,
    /// `[1970-01-01, start of the first period)` cut the same way (its
    /// slices carry `period: 0`): for figures that need a running total from
    /// the beginning, such as the ticket backlog.
    pub lead_in: Vec<Slice>,
    /// Whose records count.
    pub scope: ReportScope,
}

impl CountRequest {
    /// The request for a report's periods.
    #[must_use]
    pub fn new(periods: &[Period], scope: ReportScope) -> Self {
        let spans: Vec<Span> = periods
            .iter()
            .map(|p| Span {
                start: p.start,
                end: p.end,
            })
            .collect();
        let slices = spans
            .iter()
            .enumerate()
            .flat_map(|(i, span)| slice(i, *span))
            .collect();
        let epoch = Timestamp::from_millis(0).unwrap_or_else(|| unreachable!());
        let lead_in = spans
            .first()
            .map(|first| {
                slice(
                    0,
                    Span {
                        start: epoch.min(first.start),
                        end: first.start,
                    },
                )
            })
            .unwrap_or_default();
        Self {
            periods: spans,
            slices,
            lead_in,
            scope,
        }
    }

    /// The whole range: from the first period's start to the last one's end.
    #[must_use]
    pub fn range(&self) -> Option<Span> {
        Some(Span {
            start: self.periods.first()?.start,
            end: self.periods.last()?.end,
        })
    }

    /// The index of the period `at` falls in, if any.
    #[must_use]
    pub fn period_of(&self, at: Timestamp) -> Option<usize> {
        let index = self.periods.partition_point(|p| p.end <= at);
        self.periods
            .get(index)
            .filter(|p| p.contains(at))
            .map(|_| index)
    }
}

/// `span` cut into day, hour and exact slices of period `period`.
#[must_use]
pub fn slice(period: usize, span: Span) -> Vec<Slice> {
    let mut out = Vec::new();
    let mut push = |grain, start: Timestamp, end: Timestamp| {
        if start < end {
            out.push(Slice {
                period,
                grain,
                span: Span { start, end },
            });
        }
    };
    let (start, end) = (span.start, span.end);
    if start >= end {
        return out;
    }
    let first_hour = ceil(start, TimeDelta::hours(1));
    let last_hour = floor(end, TimeDelta::hours(1));
    if first_hour >= last_hour {
        push(Grain::Exact, start, end);
        return out;
    }
    push(Grain::Exact, start, first_hour);
    let first_day = ceil(first_hour, TimeDelta::days(1));
    let last_day = floor(last_hour, TimeDelta::days(1));
    if first_day < last_day {
        push(Grain::Hour, first_hour, first_day);
        push(Grain::Day, first_day, last_day);
        push(Grain::Hour, last_day, last_hour);
    } else {
        push(Grain::Hour, first_hour, last_hour);
    }
    push(Grain::Exact, last_hour, end);
    out
}

fn floor(at: Timestamp, unit: TimeDelta) -> Timestamp {
    let time: DateTime<Utc> = at.as_datetime();
    Timestamp::from_datetime(time.duration_trunc(unit).unwrap_or(time))
}

fn ceil(at: Timestamp, unit: TimeDelta) -> Timestamp {
    let down = floor(at, unit);
    if down == at {
        at
    } else {
        Timestamp::from_datetime(down.as_datetime() + unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::{Granularity, periods};
    use crate::zone::ReportZone;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    fn shape(slices: &[Slice]) -> Vec<(Grain, String, String)> {
        slices
            .iter()
            .map(|s| {
                (
                    s.grain,
                    s.span.start.to_rfc3339()[..16].to_owned(),
                    s.span.end.to_rfc3339()[..16].to_owned(),
                )
            })
            .collect()
    }

    fn t(grain: Grain, start: &str, end: &str) -> (Grain, String, String) {
        (grain, start.to_owned(), end.to_owned())
    }

    #[test]
    fn a_utc_week_is_whole_days() {
        let span = Span {
            start: at("2026-03-02T00:00:00Z"),
            end: at("2026-03-09T00:00:00Z"),
        };
        assert_eq!(
            shape(&slice(0, span)),
            [t(Grain::Day, "2026-03-02T00:00", "2026-03-09T00:00")]
        );
    }

    #[test]
    fn a_berlin_week_is_an_hour_six_days_and_23_hours() {
        let span = Span {
            start: at("2026-03-02T00:00:00+01:00"),
            end: at("2026-03-09T00:00:00+01:00"),
        };
        assert_eq!(
            shape(&slice(0, span)),
            [
                t(Grain::Hour, "2026-03-01T23:00", "2026-03-02T00:00"),
                t(Grain::Day, "2026-03-02T00:00", "2026-03-08T00:00"),
                t(Grain::Hour, "2026-03-08T00:00", "2026-03-08T23:00"),
            ]
        );
    }

    #[test]
    fn a_23_hour_berlin_day_is_23_hours() {
        let span = Span {
            start: at("2026-03-29T00:00:00+01:00"),
            end: at("2026-03-30T00:00:00+02:00"),
        };
        assert_eq!(
            shape(&slice(4, span)),
            [t(Grain::Hour, "2026-03-28T23:00", "2026-03-29T22:00")]
        );
    }

    #[test]
    fn half_hour_offsets_and_odd_bounds_leave_exact_pieces_under_an_hour() {
        let kolkata_day = Span {
            start: at("2026-01-01T00:00:00+05:30"),
            end: at("2026-01-02T00:00:00+05:30"),
        };
        assert_eq!(
            shape(&slice(0, kolkata_day)),
            [
                t(Grain::Exact, "2025-12-31T18:30", "2025-12-31T19:00"),
                t(Grain::Hour, "2025-12-31T19:00", "2026-01-01T18:00"),
                t(Grain::Exact, "2026-01-01T18:00", "2026-01-01T18:30"),
            ]
        );
        let short = Span {
            start: at("2026-01-01T10:05:00Z"),
            end: at("2026-01-01T10:55:00Z"),
        };
        assert_eq!(
            shape(&slice(0, short)),
            [t(Grain::Exact, "2026-01-01T10:05", "2026-01-01T10:55")]
        );
    }

    #[test]
    fn slices_cover_every_period_exactly_in_every_zone() {
        for zone in [
            "UTC",
            "Europe/Berlin",
            "Asia/Kolkata",
            "Australia/Lord_Howe",
            "America/St_Johns",
        ] {
            let zone = ReportZone::parse(zone).unwrap();
            for granularity in Granularity::ALL {
                let periods = periods(
                    at("2026-01-01T07:13:00Z"),
                    at("2027-01-05T00:00:00Z"),
                    granularity,
                    zone,
                    1000,
                )
                .unwrap();
                let request = CountRequest::new(&periods, ReportScope::all());
                for (i, period) in request.periods.iter().enumerate() {
                    let mine: Vec<&Slice> =
                        request.slices.iter().filter(|s| s.period == i).collect();
                    assert_eq!(mine.first().unwrap().span.start, period.start);
                    assert_eq!(mine.last().unwrap().span.end, period.end);
                    for pair in mine.windows(2) {
                        assert_eq!(pair[0].span.end, pair[1].span.start, "{zone} {granularity}");
                    }
                    for s in &mine {
                        let secs = s.span.end.since(s.span.start).as_secs();
                        match s.grain {
                            Grain::Exact => assert!(secs < 3600),
                            Grain::Hour => assert_eq!(s.span.start.as_secs() % 3600, 0),
                            Grain::Day => assert_eq!(s.span.start.as_secs() % 86_400, 0),
                        }
                    }
                }
                let lead_in = request.lead_in;
                assert_eq!(lead_in.first().unwrap().span.start.as_millis(), 0);
                assert_eq!(lead_in.last().unwrap().span.end, request.periods[0].start);
            }
        }
    }

    #[test]
    fn period_of_finds_the_period_of_an_instant() {
        let periods = periods(
            at("2026-03-01T00:00:00Z"),
            at("2026-03-04T00:00:00Z"),
            Granularity::Day,
            ReportZone::UTC,
            10,
        )
        .unwrap();
        let request = CountRequest::new(&periods, ReportScope::all());
        assert_eq!(request.period_of(at("2026-03-01T00:00:00Z")), Some(0));
        assert_eq!(request.period_of(at("2026-03-02T23:59:59.999Z")), Some(1));
        assert_eq!(request.period_of(at("2026-03-04T00:00:00Z")), None);
        assert_eq!(request.period_of(at("2026-02-28T00:00:00Z")), None);
    }
}
