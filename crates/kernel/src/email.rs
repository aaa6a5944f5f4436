//! Email addresses, valid by construction.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
#[cfg(feature = "openapi")]
use utoipa::openapi::schema::KnownFormat;

/// Longest address we accept (RFC 5321's path limit less the brackets).
pub const MAX_EMAIL_LENGTH: usize = 254;

/// Why a text is not an email address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing but white space.
    #[error("must not be empty")]
    Empty,
    /// Longer than [`MAX_EMAIL_LENGTH`].
    #[error("must be at most {MAX_EMAIL_LENGTH} characters")]
    TooLong,
    /// Not of the form `local@domain.tld`.
    #[error("is not a valid email address")]
    Invalid,
}

/// A syntactically valid email address (RFC 5322 addr-spec, checked by the
/// `email_address` crate), normalised: trimmed, and the domain lower-cased.
/// The local part keeps its case, as RFC 5321 allows servers to honour it;
/// uniqueness uses [`EmailAddress::key`], which ignores case entirely.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses and normalises an address. Display names (`Ann <ann@x.org>`),
    /// IP-literal domains and domains without a dot are refused.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.chars().count() > MAX_EMAIL_LENGTH {
            return Err(EmailError::TooLong);
        }
        let options = email_address::Options {
            minimum_sub_domains: 2,
            allow_domain_literal: false,
            allow_display_text: false,
            allow_long_local_parts: false,
        };
        let parsed = email_address::EmailAddress::parse_with_options(trimmed, options)
            .map_err(|_| EmailError::Invalid)?;
        let normalised = format!("{}@{}", parsed.local_part(), parsed.domain().to_lowercase());
        Ok(Self(normalised))
    }

    /// The normalised address.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive key two addresses are compared by for uniqueness.
    #[must_use]
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmailAddress({})", self.0)
    }
}

impl Serialize for EmailAddress {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EmailAddress {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for EmailAddress {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        crate::schema::string_schema(
            Some(KnownFormat::Email),
            "Email address; the domain is stored lower-cased.",
            Some(3),
            Some(MAX_EMAIL_LENGTH),
        )
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for EmailAddress {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_domain_and_whitespace() {
        let email = EmailAddress::parse("  Ann.Lee@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "Ann.Lee@example.com");
        assert_eq!(email.key(), "ann.lee@example.com");
    }

    #[test]
    fn refuses_invalid_forms() {
        for bad in [
            "",
            "   ",
            "no-at-sign",
            "a@b",
            "Ann <ann@example.com>",
            "a@[127.0.0.1]",
            "a b@example.com",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} was accepted");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(EmailAddress::parse(&long), Err(EmailError::TooLong));
    }
}
