//! The full-text search of the customer list: turning what a user typed
//! into an FTS5 query on `customers_fts`, and how matches are ranked.
//!
//! User text never reaches FTS5 syntax: each word becomes a quoted FTS5
//! string (a `"` inside doubled), so `AND`, `NEAR(`, `*`, `^`, `-` or
//! `column:` are just characters of a word. The tokenizer then splits a
//! quoted word into tokens, so `ann.lee@x` matches those tokens in a row.

/// The weights of `customers_fts`' columns in the `bm25` rank, in column
/// order: first name, last name, email, phone, phone digits, company, notes.
/// A match in a name counts most, one in the notes least.
pub(crate) const RANK: &str = "bm25(customers_fts, 10.0, 10.0, 5.0, 3.0, 3.0, 2.0, 1.0)";

/// The FTS5 query matching every word of `text` as a prefix (all words must
/// match), or `None` when `text` holds no word with a letter or digit: such
/// a search matches nothing.
pub(crate) fn match_expression(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split_whitespace()
        .filter(|word| word.chars().any(char::is_alphanumeric))
        .map(|word| format!("\"{}\"*", word.replace('"', "\"\"")))
        .collect();
    if words.is_empty() {
        None
    } else {
        Some(words.join(" AND "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_prefixes_joined_by_and() {
        assert_eq!(match_expression("ann lee").unwrap(), r#""ann"* AND "lee"*"#);
        assert_eq!(match_expression("  Zoë\t").unwrap(), r#""Zoë"*"#);
    }

    #[test]
    fn syntax_stays_inside_quotes() {
        assert_eq!(
            match_expression(r#"a"b NEAR( x:y"#).unwrap(),
            r#""a""b"* AND "NEAR("* AND "x:y"*"#
        );
        assert_eq!(match_expression("AND").unwrap(), r#""AND"*"#);
    }

    #[test]
    fn text_without_word_characters_matches_nothing() {
        for text in ["", "   ", "\"", "*", "-- ^ ( ) :", "\"\""] {
            assert_eq!(match_expression(text), None, "{text:?}");
        }
        assert_eq!(match_expression("* x").unwrap(), r#""x"*"#);
    }

    #[test]
    fn every_expression_is_valid_fts5() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5 (a, tokenize = 'unicode61 remove_diacritics 2'); \
             INSERT INTO t VALUES ('Zoë Ünal near the AND gate'), ('x y');",
        )
        .unwrap();
        for text in [
            "\"a",
            "AND",
            "OR x",
            "NOT",
            "NEAR(",
            "NEAR(a b)",
            "a:b",
            "a* b*",
            "^x",
            "-x",
            "+x",
            "(",
            ")",
            "{a b}: c",
            "zoe",
            "unal gate",
            "x\"y",
            "ünal",
            "\u{1F600} zo",
        ] {
            let Some(query) = match_expression(text) else {
                continue;
            };
            let count: rusqlite::Result<i64> =
                conn.query_row("SELECT count(*) FROM t WHERE t MATCH ?1", [&query], |row| {
                    row.get(0)
                });
            assert!(count.is_ok(), "{text:?} as {query:?}: {count:?}");
        }
        let found: i64 = conn
            .query_row(
                "SELECT count(*) FROM t WHERE t MATCH ?1",
                [match_expression("zoe unal").unwrap()],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(found, 1, "diacritics are ignored");
    }
}
