//! Regular expressions of literal text, for `$regex` and `$regexMatch`.

/// `text` with every ASCII punctuation and symbol character escaped, so
/// that the server's regular expression engine (PCRE) matches it literally.
/// Letters, digits, spaces and non-ASCII characters are never special.
pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The pattern matching `text` anywhere: a case-insensitive substring
/// search compares a lower-cased copy of a field with the lower-cased text
/// (Unicode lower-casing on both sides, never the engine's case folding).
pub(crate) fn contains(text: &str) -> String {
    escape(&text.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_is_escaped_and_the_rest_kept() {
        assert_eq!(
            escape(r"50%_a\b.c*(d)[e]^$|?+{}"),
            r"50\%\_a\\b\.c\*\(d\)\[e\]\^\$\|\?\+\{\}"
        );
        assert_eq!(escape("Zoë Ünal 42"), "Zoë Ünal 42");
        assert_eq!(contains("Ann.LEE"), r"ann\.lee");
    }
}
