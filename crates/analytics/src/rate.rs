//! Shares written as percentages.

use std::fmt;

use serde::{Serialize, Serializer};

/// `numerator` out of `denominator`, shown as a percentage with at most one
/// decimal (`"66.7%"`, `"50%"`), rounded half up; `"0%"` when the
/// denominator is zero (nothing to take a share of).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rate {
    /// The part.
    pub numerator: u64,
    /// The whole.
    pub denominator: u64,
}

impl Rate {
    /// `numerator` out of `denominator`.
    #[must_use]
    pub fn new(numerator: u64, denominator: u64) -> Self {
        Self {
            numerator,
            denominator,
        }
    }

    /// The share in tenths of a percent, rounded half up (667 for 2/3).
    #[must_use]
    pub fn tenths_of_percent(&self) -> u64 {
        if self.denominator == 0 {
            return 0;
        }
        let (n, d) = (u128::from(self.numerator), u128::from(self.denominator));
        u64::try_from((2_000 * n + d) / (2 * d)).unwrap_or(u64::MAX)
    }

    /// The share as a percentage number (66.7 for 2/3).
    #[must_use]
    #[allow(clippy::cast_precision_loss, reason = "tenths of a percent are small")]
    pub fn percent(&self) -> f64 {
        self.tenths_of_percent() as f64 / 10.0
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tenths = self.tenths_of_percent();
        if tenths.is_multiple_of(10) {
            write!(f, "{}%", tenths / 10)
        } else {
            write!(f, "{}.{}%", tenths / 10, tenths % 10)
        }
    }
}

impl Serialize for Rate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Rate {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "A percentage with at most one decimal, such as `66.7%`; `0%` when there is nothing to take a share of.",
            ))
            .examples(["66.7%"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Rate {}

#[cfg(test)]
mod tests {
    use super::Rate;

    #[test]
    fn rates_have_at_most_one_decimal_and_zero_when_empty() {
        assert_eq!(Rate::new(2, 3).to_string(), "66.7%");
        assert_eq!(Rate::new(1, 3).to_string(), "33.3%");
        assert_eq!(Rate::new(1, 2).to_string(), "50%");
        assert_eq!(Rate::new(1, 8).to_string(), "12.5%");
        assert_eq!(Rate::new(1, 16).to_string(), "6.3%");
        assert_eq!(Rate::new(3, 3).to_string(), "100%");
        assert_eq!(Rate::new(0, 0).to_string(), "0%");
        assert_eq!(Rate::new(1, 2_000).to_string(), "0.1%");
        assert_eq!(Rate::new(1, 2_001).to_string(), "0%");
        assert_eq!(
            serde_json::to_string(&Rate::new(2, 3)).unwrap(),
            "\"66.7%\""
        );
        assert!((Rate::new(2, 3).percent() - 66.7).abs() < 1e-9);
    }
}
