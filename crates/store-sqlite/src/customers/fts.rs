//! The full-text search of the customer list: turning what a user typed
//! into an FTS5 query on `customers_fts`, and the relevance tiers a match
//! is ranked in (`list.rs`).
//!
//! User text never reaches FTS5 syntax: each word becomes a quoted FTS5
//! string (a `"` inside doubled), so `AND`, `NEAR(`, `*`, `^`, `-` or
//! `column:` are just characters of a word. The tokenizer then splits a
//! quoted word into tokens, so `ann.lee@x` matches those tokens in a row.

/// The columns of the relevance tiers but the last, best first: a match
/// belongs to the first tier whose columns hold every word of the search;
/// the last tier ([`TIERS`]) is every column, the notes too.
const TIER_COLUMNS: [&str; 4] = [
    "first_name last_name",
    "first_name last_name email",
    "first_name last_name email phone phone_digits",
    "first_name last_name email phone phone_digits company",
];

/// The number of relevance tiers: the name, then the email, the phone, the
/// company's name and the notes, each tier with the columns of the ones
/// before it.
pub(crate) const TIERS: u8 = 5;

/// The FTS5 query of the matches of `expression` (a [`match_expression`])
/// that are in relevance tier `tier` (1 to [`TIERS`]): every word within
/// its columns, and not every word within the better tier's.
pub(crate) fn tier_expression(expression: &str, tier: u8) -> String {
    let within = |tier: u8| match TIER_COLUMNS.get(usize::from(tier).wrapping_sub(1)) {
        Some(columns) => format!("({{{columns}}} : ({expression}))"),
        None => format!("({expression})"),
    };
    if tier <= 1 {
        within(1)
    } else {
        format!("{} NOT {}", within(tier), within(tier - 1))
    }
}

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

    #[test]
    fn each_match_is_in_the_first_tier_whose_columns_hold_every_word() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE customers_fts USING fts5 (first_name, last_name, email, \
             phone, phone_digits, company, notes, tokenize = 'unicode61 remove_diacritics 2', \
             prefix = '2 3');
             INSERT INTO customers_fts (rowid, first_name, last_name, email, phone, phone_digits, company, notes) VALUES
               (1, 'Ann', 'Smith', 'ann@x.test', NULL, NULL, NULL, NULL),
               (2, 'Bo', 'Lee', 'smithy@x.test', NULL, NULL, NULL, NULL),
               (3, 'Cy', 'Ode', NULL, '+16502530000', '16502530000', NULL, 'smith called'),
               (4, 'Di', 'Orr', NULL, NULL, NULL, 'Smith Holdings', 'met Smith'),
               (5, 'Ann', 'Kay', NULL, NULL, NULL, NULL, 'Smith referred her'),
               (6, 'Ed', 'Fox', 'ed@smith.test', NULL, NULL, 'Smithson', NULL),
               (7, 'Flo', 'Gray', NULL, NULL, NULL, NULL, NULL);",
        )
        .unwrap();
        let tiers = |text: &str| -> Vec<Vec<i64>> {
            let expression = match_expression(text).unwrap();
            (1..=TIERS)
                .map(|tier| {
                    let mut statement = conn
                        .prepare("SELECT rowid FROM customers_fts WHERE customers_fts MATCH ?1 ORDER BY rowid")
                        .unwrap();
                    statement
                        .query_map([tier_expression(&expression, tier)], |row| row.get(0))
                        .unwrap()
                        .map(Result::unwrap)
                        .collect()
                })
                .collect()
        };
        assert_eq!(
            tiers("smith"),
            vec![vec![1], vec![2, 6], vec![], vec![4], vec![3, 5]]
        );
        // Every word must be within the tier's columns: Ann by name and
        // Smith only in the notes is tier 5.
        assert_eq!(
            tiers("ann smi"),
            vec![vec![1], vec![], vec![], vec![], vec![5]]
        );
        assert_eq!(tiers("1650"), vec![vec![], vec![], vec![3], vec![], vec![]]);
    }
}
