//! Time: the [`Timestamp`] every record carries and the [`Clock`] port it comes from.

use std::fmt;
use std::sync::Mutex;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
#[cfg(feature = "openapi")]
use utoipa::openapi::schema::KnownFormat;

/// An instant in UTC with millisecond precision.
///
/// Millisecond precision is what both stores keep, so a value read back equals
/// the value written. Serialised as RFC 3339 with a `Z` suffix and three
/// fraction digits (`2026-11-25T09:28:06.123Z`), which also sorts as text.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// Wraps a chrono time, truncated to milliseconds.
    #[must_use]
    pub fn from_datetime(at: DateTime<Utc>) -> Self {
        let millis = at.timestamp_millis();
        Self(DateTime::from_timestamp_millis(millis).unwrap_or(at))
    }

    /// From milliseconds since the Unix epoch; `None` when out of range.
    #[must_use]
    pub fn from_millis(millis: i64) -> Option<Self> {
        DateTime::from_timestamp_millis(millis).map(Self)
    }

    /// Milliseconds since the Unix epoch.
    #[must_use]
    pub fn as_millis(&self) -> i64 {
        self.0.timestamp_millis()
    }

    /// Seconds since the Unix epoch.
    #[must_use]
    pub fn as_secs(&self) -> i64 {
        self.0.timestamp()
    }

    /// The chrono time inside.
    #[must_use]
    pub fn as_datetime(&self) -> DateTime<Utc> {
        self.0
    }

    /// Parses RFC 3339 with any offset; the result is in UTC.
    pub fn parse_rfc3339(text: &str) -> Result<Self, chrono::ParseError> {
        DateTime::parse_from_rfc3339(text).map(|at| Self::from_datetime(at.with_timezone(&Utc)))
    }

    /// The RFC 3339 text form (`2026-11-25T09:28:06.123Z`).
    #[must_use]
    pub fn to_rfc3339(&self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    /// This instant plus a duration (saturating at the end of time).
    #[must_use]
    pub fn plus(&self, duration: std::time::Duration) -> Self {
        let delta = TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX);
        Self(
            self.0
                .checked_add_signed(delta)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        )
    }

    /// How long from `earlier` to this instant; zero when `earlier` is later.
    #[must_use]
    pub fn since(&self, earlier: Self) -> std::time::Duration {
        (self.0 - earlier.0).to_std().unwrap_or_default()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse_rfc3339(&text).map_err(|_| {
            serde::de::Error::custom("expected an RFC 3339 date-time such as 2026-11-25T09:00:00Z")
        })
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        crate::schema::string_schema(
            Some(KnownFormat::DateTime),
            "RFC 3339 date-time in UTC.",
            None,
            None,
        )
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Timestamp {}

/// Where the current time comes from. Services ask it instead of the system,
/// so tests can fix time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_datetime(Utc::now())
    }
}

/// A clock that stands still until moved: for tests of time-dependent rules.
#[derive(Debug)]
pub struct FixedClock(Mutex<Timestamp>);

impl FixedClock {
    /// A clock showing `at`.
    #[must_use]
    pub fn at(at: Timestamp) -> Self {
        Self(Mutex::new(at))
    }

    /// Sets the clock to `at`.
    pub fn set(&self, at: Timestamp) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = at;
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: std::time::Duration) {
        let mut now = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *now = now.plus(by);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_milliseconds_and_utc() {
        let at = Timestamp::parse_rfc3339("2026-03-29T09:00:00.123456+02:00").unwrap();
        assert_eq!(at.to_rfc3339(), "2026-03-29T07:00:00.123Z");
        let json = serde_json::to_string(&at).unwrap();
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), at);
    }

    #[test]
    fn fixed_clock_advances() {
        let clock = FixedClock::at(Timestamp::from_millis(0).unwrap());
        clock.advance(std::time::Duration::from_secs(90));
        assert_eq!(clock.now().as_secs(), 90);
    }
}
