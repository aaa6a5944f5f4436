//! IANA time zones, and keeping local wall-clock times across DST changes.

use std::fmt;

use chrono::{Days, LocalResult, NaiveDateTime, TimeZone as _, Utc};
use chrono_tz::Tz;
use crm_kernel::Timestamp;

/// An IANA time zone (`Europe/Berlin`), as chrono-tz knows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeZone(Tz);

/// The text is not an IANA time zone name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not an IANA time zone name such as Europe/Berlin or America/New_York")]
pub struct UnknownTimeZone;

impl TimeZone {
    /// UTC.
    pub const UTC: Self = Self(Tz::UTC);

    /// Parses an IANA name (case-sensitive, as the database spells it).
    pub fn parse(name: &str) -> Result<Self, UnknownTimeZone> {
        name.trim()
            .parse::<Tz>()
            .map(Self)
            .map_err(|_| UnknownTimeZone)
    }

    /// The IANA name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The chrono-tz zone.
    #[must_use]
    pub fn tz(&self) -> Tz {
        self.0
    }

    /// The local wall-clock time of `at` in this zone.
    #[must_use]
    pub fn local(&self, at: Timestamp) -> NaiveDateTime {
        at.as_datetime().with_timezone(&self.0).naive_local()
    }

    /// The local time as RFC 3339 with this zone's offset at that instant
    /// (`2026-03-25T09:00:00+01:00`).
    #[must_use]
    pub fn local_rfc3339(&self, at: Timestamp) -> String {
        at.as_datetime()
            .with_timezone(&self.0)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    }

    /// The instant of local wall-clock time `local` in this zone. A time that
    /// does not exist (the hour skipped when clocks go forward) moves forward
    /// by that hour; an ambiguous one (the hour repeated when clocks go back)
    /// takes the earlier instant.
    #[must_use]
    pub fn instant(&self, local: NaiveDateTime) -> Timestamp {
        let resolved = match self.0.from_local_datetime(&local) {
            LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.with_timezone(&Utc),
            LocalResult::None => {
                let later = local + chrono::TimeDelta::hours(1);
                self.0
                    .from_local_datetime(&later)
                    .earliest()
                    .map_or_else(|| local.and_utc(), |at| at.with_timezone(&Utc))
            }
        };
        Timestamp::from_datetime(resolved)
    }

    /// `start` moved by `weeks` weeks keeping its local wall-clock time in
    /// this zone: a weekly 09:00 Berlin meeting stays at 09:00 Berlin when
    /// daylight saving time begins or ends in between.
    #[must_use]
    pub fn shift_weeks(&self, start: Timestamp, weeks: u32) -> Timestamp {
        let local = self.local(start);
        let shifted = local
            .checked_add_days(Days::new(u64::from(weeks) * 7))
            .unwrap_or(local);
        self.instant(shifted)
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        Self::UTC
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    #[test]
    fn a_weekly_berlin_meeting_stays_at_nine_across_the_spring_change() {
        let berlin = TimeZone::parse("Europe/Berlin").unwrap();
        // Wednesday 25 March 2026, 09:00 CET (UTC+1); DST starts Sunday 29 March.
        let march = at("2026-03-25T09:00:00+01:00");
        let april = berlin.shift_weeks(march, 1);
        assert_eq!(april.to_rfc3339(), "2026-04-01T07:00:00.000Z");
        assert_eq!(berlin.local_rfc3339(april), "2026-04-01T09:00:00+02:00");
        assert_eq!(berlin.shift_weeks(march, 0), march);
    }

    #[test]
    fn and_across_the_autumn_change() {
        let berlin = TimeZone::parse("Europe/Berlin").unwrap();
        let october = at("2026-10-21T09:00:00+02:00");
        let november = berlin.shift_weeks(october, 2);
        assert_eq!(november.to_rfc3339(), "2026-11-04T08:00:00.000Z");
    }

    #[test]
    fn skipped_and_repeated_local_times_resolve() {
        let berlin = TimeZone::parse("Europe/Berlin").unwrap();
        let skipped = NaiveDateTime::parse_from_str("2026-03-29 02:30", "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(
            berlin.instant(skipped).to_rfc3339(),
            "2026-03-29T01:30:00.000Z"
        );
        let repeated = NaiveDateTime::parse_from_str("2026-10-25 02:30", "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(
            berlin.instant(repeated).to_rfc3339(),
            "2026-10-25T00:30:00.000Z"
        );
    }

    #[test]
    fn unknown_zones_are_refused() {
        assert!(TimeZone::parse("Mars/Olympus").is_err());
        assert!(TimeZone::parse("").is_err());
        assert_eq!(
            TimeZone::parse("America/New_York").unwrap().name(),
            "America/New_York"
        );
    }
}
