//! Phone numbers, valid by construction and stored in E.164.

use std::fmt;

use phonenumber::Mode;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a text is not a phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing but white space.
    #[error("must not be empty")]
    Empty,
    /// Not parseable, or not a number that exists in the numbering plan.
    #[error(
        "is not a valid international phone number (use + and the country code, e.g. +49 30 1234567)"
    )]
    Invalid,
}

/// A phone number valid in its country's numbering plan (checked with the
/// `phonenumber` crate, a port of libphonenumber), stored in E.164 (`+493012345678`).
///
/// Input must carry the country code (`+44 20 7946 0958`, `0044…` is not
/// guessed): a CRM serves customers in many countries, and guessing a default
/// region silently stores wrong numbers.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses any common notation with a country code; the result is E.164.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        if trimmed.len() > 64 {
            return Err(PhoneError::Invalid);
        }
        let number = phonenumber::parse(None, trimmed).map_err(|_| PhoneError::Invalid)?;
        if !phonenumber::is_valid(&number) {
            return Err(PhoneError::Invalid);
        }
        Ok(Self(number.format().mode(Mode::E164).to_string()))
    }

    /// The E.164 form.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.0)
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for PhoneNumber {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        crate::schema::string_schema(
            None,
            "Phone number with country code; returned in E.164 (+493012345678).",
            Some(1),
            Some(64),
        )
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for PhoneNumber {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_to_e164() {
        let phone = PhoneNumber::parse(" +49 30 901820 ").unwrap();
        assert_eq!(phone.as_str(), "+4930901820");
        let phone = PhoneNumber::parse("+1 (650) 253-0000").unwrap();
        assert_eq!(phone.as_str(), "+16502530000");
    }

    #[test]
    fn refuses_numbers_without_country_code_or_invalid() {
        for bad in ["", "030 901820", "+49 1", "hello", "+999 123"] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
