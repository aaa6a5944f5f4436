//! Periods: the calendar days, ISO weeks or months a report is cut into.

use std::fmt;

use chrono::{Datelike, Days, Months, NaiveDate};
use crm_kernel::Timestamp;
use serde::{Deserialize, Serialize};

use crate::zone::ReportZone;

/// How long each period of a report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// Local calendar days (23 or 25 hours long when the clocks change).
    #[default]
    Day,
    /// ISO 8601 weeks, Monday to Sunday, labelled with their ISO year
    /// (`2026-W53` runs from Monday 28 December 2026 to Sunday 3 January 2027).
    Week,
    /// Calendar months.
    Month,
}

impl Granularity {
    /// Every granularity.
    pub const ALL: [Self; 3] = [Self::Day, Self::Week, Self::Month];

    /// The wire name (`day`, `week`, `month`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    /// Parses the wire name.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == text.trim())
    }

    /// The first day of the period that contains `date`.
    #[must_use]
    pub fn first_day(self, date: NaiveDate) -> NaiveDate {
        match self {
            Self::Day => date,
            Self::Week => date - Days::new(u64::from(date.weekday().num_days_from_monday())),
            Self::Month => date.with_day(1).unwrap_or(date),
        }
    }

    /// The first day of the period after the one that starts on `first`.
    #[must_use]
    pub fn next_first_day(self, first: NaiveDate) -> Option<NaiveDate> {
        match self {
            Self::Day => first.checked_add_days(Days::new(1)),
            Self::Week => first.checked_add_days(Days::new(7)),
            Self::Month => first.checked_add_months(Months::new(1)),
        }
    }

    /// The label of the period that starts on `first`: `2026-03-29`,
    /// `2026-W13` (ISO year and week), `2026-03`.
    #[must_use]
    pub fn label(self, first: NaiveDate) -> String {
        match self {
            Self::Day => first.format("%Y-%m-%d").to_string(),
            Self::Week => {
                let week = first.iso_week();
                format!("{:04}-W{:02}", week.year(), week.week())
            }
            Self::Month => first.format("%Y-%m").to_string(),
        }
    }
}

impl fmt::Display for Granularity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One period of a report: `[start, end)`, cut at local midnights of the
/// report's zone and clipped to the report's range (so the first and last
/// periods may be shorter than a whole day, week or month).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Period {
    /// `2026-03-29`, `2026-W13` or `2026-03`.
    pub label: String,
    /// First instant (inclusive).
    pub start: Timestamp,
    /// End (exclusive).
    pub end: Timestamp,
}

/// The range holds more periods than a report may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the range holds more than {max} periods of a {granularity}: choose a shorter range or a coarser granularity"
)]
pub struct TooManyPeriods {
    /// The limit.
    pub max: usize,
    /// The granularity asked for.
    pub granularity: Granularity,
}

/// Every period of `granularity` in `zone` that overlaps `[from, to)`, in
/// order, clipped to the range; empty periods are included (their figures
/// are zeros). More than `max` periods is an error.
pub fn periods(
    from: Timestamp,
    to: Timestamp,
    granularity: Granularity,
    zone: ReportZone,
    max: usize,
) -> Result<Vec<Period>, TooManyPeriods> {
    let too_many = TooManyPeriods { max, granularity };
    let mut out = Vec::new();
    let mut first = granularity.first_day(zone.local_date(from));
    while zone.start_of_day(first) < to {
        let next = granularity.next_first_day(first).ok_or(too_many)?;
        let start = zone.start_of_day(first).max(from);
        let end = zone.start_of_day(next).min(to);
        if start < end {
            if out.len() == max {
                return Err(too_many);
            }
            out.push(Period {
                label: granularity.label(first),
                start,
                end,
            });
        }
        first = next;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    fn labels(periods: &[Period]) -> Vec<&str> {
        periods.iter().map(|p| p.label.as_str()).collect()
    }

    #[test]
    fn iso_week_53_is_labelled_with_its_iso_year_and_spans_new_year() {
        let weeks = periods(
            at("2026-12-21T00:00:00Z"),
            at("2027-01-11T00:00:00Z"),
            Granularity::Week,
            ReportZone::UTC,
            100,
        )
        .unwrap();
        assert_eq!(labels(&weeks), ["2026-W52", "2026-W53", "2027-W01"]);
        assert_eq!(weeks[1].start, at("2026-12-28T00:00:00Z"));
        assert_eq!(weeks[1].end, at("2027-01-04T00:00:00Z"));
    }

    #[test]
    fn berlin_days_across_the_spring_change_last_23_hours() {
        let berlin = ReportZone::parse("Europe/Berlin").unwrap();
        let days = periods(
            at("2026-03-28T00:00:00+01:00"),
            at("2026-03-31T00:00:00+02:00"),
            Granularity::Day,
            berlin,
            100,
        )
        .unwrap();
        assert_eq!(labels(&days), ["2026-03-28", "2026-03-29", "2026-03-30"]);
        let hours: Vec<u64> = days
            .iter()
            .map(|p| p.end.since(p.start).as_secs() / 3600)
            .collect();
        assert_eq!(hours, [24, 23, 24]);
    }

    #[test]
    fn partial_periods_are_clipped_to_the_range_and_months_are_calendar_months() {
        let months = periods(
            at("2026-01-15T12:00:00Z"),
            at("2026-03-02T00:00:00Z"),
            Granularity::Month,
            ReportZone::UTC,
            100,
        )
        .unwrap();
        assert_eq!(labels(&months), ["2026-01", "2026-02", "2026-03"]);
        assert_eq!(months[0].start, at("2026-01-15T12:00:00Z"));
        assert_eq!(months[1].start, at("2026-02-01T00:00:00Z"));
        assert_eq!(months[1].end, at("2026-03-01T00:00:00Z"));
        assert_eq!(months[2].end, at("2026-03-02T00:00:00Z"));
    }

    #[test]
    fn more_periods_than_allowed_is_an_error() {
        let result = periods(
            at("2026-01-01T00:00:00Z"),
            at("2026-01-11T00:00:00Z"),
            Granularity::Day,
            ReportZone::UTC,
            9,
        );
        assert_eq!(
            result,
            Err(TooManyPeriods {
                max: 9,
                granularity: Granularity::Day
            })
        );
        assert!(
            periods(
                at("2026-01-01T00:00:00Z"),
                at("2026-01-10T00:00:00Z"),
                Granularity::Day,
                ReportZone::UTC,
                9
            )
            .is_ok()
        );
    }
}
