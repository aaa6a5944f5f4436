//! Value objects of the customers context.

use std::fmt;

/// Why a tag, tag list or website was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// Empty after trimming.
    #[error("must not be empty")]
    Empty,
    /// Too long.
    #[error("must be at most {0} characters")]
    TooLong(usize),
    /// A character a tag may not hold.
    #[error("may hold letters, digits, spaces, '-', '_', '.', ':' and '/' only")]
    BadCharacter,
    /// Too many tags.
    #[error("must hold at most {0} tags")]
    TooMany(usize),
    /// Not an http(s) URL.
    #[error("must be an http:// or https:// URL with a host")]
    NotAUrl,
}

/// A label on a customer (`vip`, `newsletter`): 1–50 characters, stored
/// lower-cased so that `VIP` and `vip` are one tag.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

impl Tag {
    /// Longest tag.
    pub const MAX_CHARS: usize = 50;

    /// Trims, lower-cases and checks a tag.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let tag = input.trim().to_lowercase();
        if tag.is_empty() {
            return Err(ValueError::Empty);
        }
        if tag.chars().count() > Self::MAX_CHARS {
            return Err(ValueError::TooLong(Self::MAX_CHARS));
        }
        let allowed =
            |c: char| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | ':' | '/');
        if !tag.chars().all(allowed) {
            return Err(ValueError::BadCharacter);
        }
        Ok(Self(tag))
    }

    /// The tag.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A customer's tags: at most 20, without repeats, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags(Vec<Tag>);

impl Tags {
    /// Most tags on one customer.
    pub const MAX: usize = 20;

    /// Parses each tag, drops repeats and sorts.
    pub fn parse<S: AsRef<str>>(inputs: &[S]) -> Result<Self, ValueError> {
        let mut tags = inputs
            .iter()
            .map(|t| Tag::parse(t.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        tags.sort();
        tags.dedup();
        if tags.len() > Self::MAX {
            return Err(ValueError::TooMany(Self::MAX));
        }
        Ok(Self(tags))
    }

    /// The tags.
    #[must_use]
    pub fn as_slice(&self) -> &[Tag] {
        &self.0
    }

    /// The tags as strings.
    #[must_use]
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(|t| t.0.clone()).collect()
    }

    /// True when there is none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A company's website: an absolute http(s) URL with a host, at most 2 000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Website(String);

impl Website {
    /// Longest URL.
    pub const MAX_CHARS: usize = 2000;

    /// Parses and normalises (the `url` crate's serialisation) a website.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(ValueError::Empty);
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(ValueError::TooLong(Self::MAX_CHARS));
        }
        let url = url::Url::parse(trimmed).map_err(|_| ValueError::NotAUrl)?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err(ValueError::NotAUrl);
        }
        Ok(Self(url.to_string()))
    }

    /// The URL.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Website {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub use crm_kernel::Version;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_normalised_deduplicated_and_bounded() {
        let tags = Tags::parse(&["VIP", " vip ", "newsletter"]).unwrap();
        assert_eq!(tags.to_strings(), vec!["newsletter", "vip"]);
        assert_eq!(Tag::parse("a,b"), Err(ValueError::BadCharacter));
        let many: Vec<String> = (0..21).map(|n| format!("t{n}")).collect();
        assert_eq!(Tags::parse(&many), Err(ValueError::TooMany(20)));
    }

    #[test]
    fn websites_must_be_http_urls() {
        assert_eq!(
            Website::parse("https://Example.com").unwrap().as_str(),
            "https://example.com/"
        );
        for bad in [
            "example.com",
            "ftp://example.com",
            "javascript:alert(1)",
            "http://",
        ] {
            assert!(Website::parse(bad).is_err(), "{bad}");
        }
    }
}
