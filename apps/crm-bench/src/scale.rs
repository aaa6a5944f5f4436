//! The sizes of the data set and how long each scenario runs, per scale.

use std::time::Duration;

use clap::ValueEnum;
use serde::Serialize;

/// How much data the benchmark loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// A hundredth of `default`: the CI smoke run on MongoDB, whose test
    /// server (SecantusDB) writes about a thousand documents a second.
    Tiny,
    /// A tenth of `default`: the CI smoke run on SQLite.
    Small,
    /// 100,000 customers, 1,000,000 interactions, 200,000 tickets.
    Default,
    /// Ten times `default`; only the store-only phases run.
    Large,
}

/// The sizes of one data set.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Sizes {
    /// Companies.
    pub companies: u32,
    /// Customers.
    pub customers: u32,
    /// Interactions, the heavy customer's and organizer's included.
    pub interactions: u32,
    /// Interactions of the one heavy customer.
    pub heavy_customer: u32,
    /// Interactions organised by the one heavy organizer (the bench's agent).
    pub heavy_organizer: u32,
    /// Tickets.
    pub tickets: u32,
    /// Tickets left open or in progress (what `resolve` scenarios use).
    pub open_tickets: u32,
    /// Emails, each to one customer, with delivery and tracking events.
    pub emails: u32,
    /// Staff agents besides the admin.
    pub agents: u32,
}

impl Scale {
    /// The name used in file names and reports.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Tiny => "tiny",
            Self::Small => "small",
            Self::Default => "default",
            Self::Large => "large",
        }
    }

    /// The sizes of this scale's data set.
    #[must_use]
    pub fn sizes(self) -> Sizes {
        // Hundredths of `default`.
        let factor = match self {
            Self::Tiny => 1,
            Self::Small => 10,
            Self::Default => 100,
            Self::Large => 1_000,
        };
        Sizes {
            companies: 50 * factor,
            customers: 1_000 * factor,
            interactions: 10_000 * factor,
            heavy_customer: 100 * factor,
            heavy_organizer: 2_000 * factor,
            tickets: 2_000 * factor,
            open_tickets: 600 * factor,
            emails: 100 * factor,
            agents: 20,
        }
    }

    /// Whether the HTTP phase runs (not at `large`: its point is the
    /// store's scaling curve).
    #[must_use]
    pub fn serves_http(self) -> bool {
        self != Self::Large
    }

    /// Warm-up and measured time of one scenario.
    #[must_use]
    pub fn timing(self) -> (Duration, Duration) {
        match self {
            Self::Tiny | Self::Small => (Duration::from_millis(200), Duration::from_millis(500)),
            Self::Default | Self::Large => (Duration::from_secs(1), Duration::from_secs(4)),
        }
    }
}

/// Parses `--warmup` and `--measure`: a number of seconds, decimals
/// allowed, at most an hour.
///
/// # Errors
/// Not a number, negative, or over an hour.
pub fn seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(0.0..=3_600.0).contains(&seconds) {
        return Err(format!("{text} s is outside 0 to 3600 seconds"));
    }
    Duration::try_from_secs_f64(seconds).map_err(|error| error.to_string())
}

/// Parses `--measure`: as [`seconds`], and more than zero.
///
/// # Errors
/// As [`seconds`], or zero.
pub fn positive_seconds(text: &str) -> Result<Duration, String> {
    let time = seconds(text)?;
    if time.is_zero() {
        return Err("a scenario must be measured for more than 0 s".to_owned());
    }
    Ok(time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_take_decimals_and_refuse_what_is_not_a_time() {
        assert_eq!(seconds("1.5"), Ok(Duration::from_millis(1_500)));
        assert_eq!(seconds("0"), Ok(Duration::ZERO));
        for bad in ["-1", "NaN", "inf", "3601", "five", ""] {
            assert!(seconds(bad).is_err(), "{bad} was accepted");
        }
        assert!(positive_seconds("0").is_err());
        assert_eq!(positive_seconds("0.5"), Ok(Duration::from_millis(500)));
    }
}
