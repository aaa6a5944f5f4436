//! The IANA time zone a report's periods are cut in.

use std::fmt;

use chrono::{LocalResult, NaiveDate, NaiveTime, TimeDelta, TimeZone as _, Utc};
use chrono_tz::Tz;
use crm_kernel::Timestamp;

/// An IANA time zone (`Europe/Berlin`); reports default to UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReportZone(Tz);

/// The text is not an IANA time zone name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not an IANA time zone name such as Europe/Berlin or America/New_York")]
pub struct UnknownZone;

impl ReportZone {
    /// UTC.
    pub const UTC: Self = Self(Tz::UTC);

    /// Parses an IANA name, as the time zone database spells it.
    pub fn parse(name: &str) -> Result<Self, UnknownZone> {
        name.trim().parse::<Tz>().map(Self).map_err(|_| UnknownZone)
    }

    /// The IANA name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The local calendar date of an instant in this zone.
    #[must_use]
    pub fn local_date(&self, at: Timestamp) -> NaiveDate {
        at.as_datetime().with_timezone(&self.0).date_naive()
    }

    /// The first instant of a local calendar day: local midnight, or, where
    /// the clocks jump over midnight (a DST change at 00:00), the first
    /// local time that exists that day. Where midnight happens twice, the
    /// earlier. Day lengths therefore follow the zone: 23 or 25 hours on the
    /// days the clocks change.
    #[must_use]
    pub fn start_of_day(&self, date: NaiveDate) -> Timestamp {
        let midnight = date.and_time(NaiveTime::MIN);
        // Offsets and transitions fall on quarter hours; a day always has
        // its first existing quarter hour within a day.
        for quarter in 0..96 {
            let local = midnight + TimeDelta::minutes(15 * quarter);
            match self.0.from_local_datetime(&local) {
                LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => {
                    return Timestamp::from_datetime(at.with_timezone(&Utc));
                }
                LocalResult::None => {}
            }
        }
        Timestamp::from_datetime(midnight.and_utc())
    }
}

impl Default for ReportZone {
    fn default() -> Self {
        Self::UTC
    }
}

impl fmt::Display for ReportZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn days_start_at_local_midnight_and_last_23_or_25_hours_on_dst_changes() {
        let berlin = ReportZone::parse("Europe/Berlin").unwrap();
        let spring = berlin.start_of_day(date("2026-03-29"));
        let after = berlin.start_of_day(date("2026-03-30"));
        assert_eq!(spring.to_rfc3339(), "2026-03-28T23:00:00.000Z");
        assert_eq!(after.to_rfc3339(), "2026-03-29T22:00:00.000Z");
        assert_eq!(after.since(spring).as_secs(), 23 * 3600);
        let autumn = berlin.start_of_day(date("2026-10-25"));
        let next = berlin.start_of_day(date("2026-10-26"));
        assert_eq!(next.since(autumn).as_secs(), 25 * 3600);
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_when_the_clocks_jump() {
        // Chile moves from -04 to -03 at 00:00 local on 2026-09-06: the
        // day begins at 01:00 -03, which is 04:00 UTC.
        let santiago = ReportZone::parse("America/Santiago").unwrap();
        let day = santiago.start_of_day(date("2026-09-06"));
        assert_eq!(day.to_rfc3339(), "2026-09-06T04:00:00.000Z");
        assert_eq!(santiago.local_date(day), date("2026-09-06"));
    }

    #[test]
    fn fractional_offsets_and_unknown_names() {
        let kolkata = ReportZone::parse("Asia/Kolkata").unwrap();
        assert_eq!(
            kolkata.start_of_day(date("2026-01-01")).to_rfc3339(),
            "2025-12-31T18:30:00.000Z"
        );
        assert!(ReportZone::parse("Mars/Olympus").is_err());
        assert_eq!(ReportZone::default().name(), "UTC");
    }
}
