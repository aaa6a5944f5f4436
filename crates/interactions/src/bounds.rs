//! The years an interaction may fall in.
//!
//! Dates are kept as RFC 3339 text by the stores, which compare and sort them
//! as text: that holds only for four-digit years. An interaction in 9999 can
//! end in 10000 (or fall there in a time zone east of UTC), so the last
//! allowed year is 9998; nothing a CRM schedules lies before 1900.

use chrono::Datelike;
use crm_kernel::Timestamp;

/// The first year an interaction may start or end in.
pub const EARLIEST_YEAR: i32 = 1900;
/// The last year an interaction may start or end in.
pub const LATEST_YEAR: i32 = 9998;

/// Whether `at` lies in the years [`EARLIEST_YEAR`] to [`LATEST_YEAR`] (UTC).
#[must_use]
pub fn in_range(at: Timestamp) -> bool {
    (EARLIEST_YEAR..=LATEST_YEAR).contains(&at.as_datetime().year())
}

/// The message for an instant outside the range.
#[must_use]
pub fn out_of_range() -> String {
    format!("must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    #[test]
    fn years_1900_to_9998_are_in_range() {
        assert!(in_range(at("1900-01-01T00:00:00Z")));
        assert!(in_range(at("9998-12-31T23:59:59Z")));
        assert!(!in_range(at("1899-12-31T23:59:59Z")));
        assert!(!in_range(at("9999-01-01T00:00:00Z")));
    }
}
