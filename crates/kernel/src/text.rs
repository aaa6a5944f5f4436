//! Bounded text: names, short labels and long notes, valid by construction.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Empty after trimming, where a value is required.
    #[error("must not be empty")]
    Empty,
    /// More characters than allowed.
    #[error("must be at most {max} characters")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// A control character where none may be (line breaks in a name).
    #[error("must not contain control characters")]
    ControlCharacter,
}

macro_rules! bounded_text {
    ($(#[$meta:meta])* $name:ident, max = $max:expr, multiline = $multiline:expr) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Most characters (Unicode scalar values) allowed.
            pub const MAX_CHARS: usize = $max;

            /// Trims the input and checks it is non-empty, within the limit and
            /// free of control characters (line breaks and tabs allowed only in
            /// multi-line text).
            pub fn parse(input: &str) -> Result<Self, TextError> {
                let trimmed = input.trim();
                if trimmed.is_empty() {
                    return Err(TextError::Empty);
                }
                if trimmed.chars().count() > Self::MAX_CHARS {
                    return Err(TextError::TooLong { max: Self::MAX_CHARS });
                }
                let allowed = |c: char| $multiline && (c == '\n' || c == '\r' || c == '\t');
                if trimmed.chars().any(|c| c.is_control() && !allowed(c)) {
                    return Err(TextError::ControlCharacter);
                }
                Ok(Self(trimmed.to_owned()))
            }

            /// The text.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
                crate::schema::string_schema(None, stringify!($name), Some(1), Some($max))
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}

bounded_text!(
    /// A person's or organisation's name: one line, 1 to 200 characters.
    PersonName, max = 200, multiline = false
);
bounded_text!(
    /// A short one-line label (a subject, a title): 1 to 500 characters.
    ShortText, max = 500, multiline = false
);
bounded_text!(
    /// Free text such as notes: may span lines, 1 to 10 000 characters.
    LongText, max = 10_000, multiline = true
);
bounded_text!(
    /// What a list is searched for (`q=`): one line, 1 to 200 characters, no
    /// control characters (a NUL or line break means nothing in a search and
    /// only trips the search engines of the stores).
    SearchText, max = 200, multiline = false
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_refuses_control_characters_and_long_input() {
        assert_eq!(SearchText::parse(" carl ").unwrap().as_str(), "carl");
        for bad in ["carl\0", "ca\u{1}rl", "carl\nlee", "tab\there", "del\u{7f}"] {
            assert_eq!(
                SearchText::parse(bad),
                Err(TextError::ControlCharacter),
                "{bad:?}"
            );
        }
        assert_eq!(
            SearchText::parse(&"x".repeat(201)),
            Err(TextError::TooLong { max: 200 })
        );
    }

    #[test]
    fn trims_and_bounds() {
        assert_eq!(PersonName::parse("  Ada  ").unwrap().as_str(), "Ada");
        assert_eq!(PersonName::parse(" "), Err(TextError::Empty));
        assert_eq!(
            PersonName::parse(&"x".repeat(201)),
            Err(TextError::TooLong { max: 200 })
        );
        assert_eq!(PersonName::parse("a\nb"), Err(TextError::ControlCharacter));
        assert!(LongText::parse("line one\nline two").is_ok());
        assert_eq!(
            LongText::parse("bell\u{7}"),
            Err(TextError::ControlCharacter)
        );
    }
}
