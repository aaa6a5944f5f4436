//! `LIKE` patterns that match what a user typed literally.

/// Escapes the `LIKE` wildcards (`%`, `_`) and the escape character itself,
/// so the text matches literally (with `ESCAPE '\'`).
pub(crate) fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The pattern "contains `text`", lower-cased (Unicode): the searched
/// columns hold lower-cased text (or text that lower-casing leaves alone),
/// so the match is case-insensitive beyond ASCII.
pub(crate) fn contains_pattern(text: &str) -> String {
    format!("%{}%", escape_like(&text.to_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_wildcards() {
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
        assert_eq!(escape_like("plain"), "plain");
    }

    #[test]
    fn contains_is_lower_cased_and_escaped() {
        assert_eq!(contains_pattern("Ünal_%"), r"%ünal\_\%%");
    }
}
