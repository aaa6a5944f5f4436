//! The free text of a list search (`q`).

use std::fmt;

/// The free text a list is searched with: trimmed, not blank, at most
/// [`SearchText::MAX_CHARS`] characters. What it matches is each list's
/// business; how long a search may be is the same for all of them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchText(String);

/// The search text is longer than [`SearchText::MAX_CHARS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be at most {max} characters", max = SearchText::MAX_CHARS)]
pub struct SearchTextTooLong;

impl SearchText {
    /// Most characters (Unicode scalar values) a search may have, after trimming.
    pub const MAX_CHARS: usize = 200;

    /// Trims the text: blank text searches nothing (`None`); longer than
    /// [`MAX_CHARS`](Self::MAX_CHARS) is refused.
    pub fn parse(raw: &str) -> Result<Option<Self>, SearchTextTooLong> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(SearchTextTooLong);
        }
        Ok(Some(Self(trimmed.to_owned())))
    }

    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for SearchText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_blank_text_searches_nothing() {
        let text = SearchText::parse("  ada lovelace \t").unwrap().unwrap();
        assert_eq!(text.as_str(), "ada lovelace");
        assert_eq!(text.into_string(), "ada lovelace");
        for blank in ["", "   ", "\t\n"] {
            assert_eq!(SearchText::parse(blank), Ok(None), "{blank:?}");
        }
    }

    #[test]
    fn at_most_200_characters_after_trimming() {
        let longest = "é".repeat(SearchText::MAX_CHARS);
        assert_eq!(
            SearchText::parse(&format!("  {longest}  "))
                .unwrap()
                .map(SearchText::into_string),
            Some(longest)
        );
        let error = SearchText::parse(&"a".repeat(201)).unwrap_err();
        assert_eq!(error.to_string(), "must be at most 200 characters");
    }
}
