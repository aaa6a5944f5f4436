//! The search keywords checked against the SQLite store's full-text index
//! itself: the same texts go into an FTS5 table defined as
//! `customers_fts` is (`unicode61 remove_diacritics 2`), and both the
//! tokens and the matches of search texts must agree.

use rusqlite::Connection;

use crate::bson::keywords::{phrases, shingles, tokens};

/// Texts with accents, case, punctuation, scripts, digits and marks.
const TEXTS: &[&str] = &[
    "Ann.Lee@alpha.test",
    "Zoë Ünal",
    "+442079460958",
    "Met at the Berlin fair.",
    "ÉCOLE Ångström ÇA Ǆ ĳ Œuvre naïve façade",
    "Straße ΣΟΦΙΑ σοφία ς Ωμέγα",
    "Дом ДОМ Ёлка",
    "東京 タワー 한국어",
    "first_name:ann NEAR(ann lee) {a b}: c",
    "e\u{301}cole A\u{308}rger \u{301}x",
    "x\u{200d}y a\u{2019}b c\u{00ad}d",
    "Ⓐ ① ² ½ Ⅻ ⅻ",
    "ﬁle ﬂow Ａｂｃ １２３",
    "हिन्दी नमस्ते",
    "مرحبا بالعالم",
    "a1b2 3c 4.5 6,7 8-9",
    "\u{e000}private\u{e001}",
    "𐐀𐐨 Deseret",
    "İstanbul ıı IJ",
];

/// Search texts, one per check.
const SEARCHES: &[&str] = &[
    "ann",
    "lee",
    "ann.lee",
    "alpha.test",
    "4420",
    "+44",
    "berl",
    "zoe",
    "ünal",
    "UNAL zo",
    "ecole",
    "École",
    "angst",
    "oeuvre",
    "œuv",
    "naive",
    "strasse",
    "straß",
    "σοφια",
    "ΣΟΦ",
    "ωμεγα",
    "дом",
    "елка",
    "ёлка",
    "東京",
    "タワ",
    "first_name",
    "name:ann",
    "near(ann",
    "arger",
    "ärg",
    "xy",
    "x",
    "ab",
    "cd",
    "ⓐ",
    "1",
    "①",
    "xii",
    "ⅻ",
    "file",
    "ﬁ",
    "abc",
    "ａｂ",
    "हिन्दी",
    "नम",
    "مرحبا",
    "a1b2",
    "4.5",
    "6,7",
    "8-9",
    "private",
    "𐐨",
    "𐐀",
    "deseret",
    "istanbul",
    "i̇stanbul",
    "ıı",
    "ij",
    "a b c d",
    "sto\"ne",
    "\"ann\"",
    "-- ^",
];

fn sqlite_tokens(conn: &Connection, text: &str) -> Vec<String> {
    conn.execute("DELETE FROM t", []).unwrap();
    conn.execute("INSERT INTO t (rowid, a) VALUES (1, ?1)", [text])
        .unwrap();
    let mut statement = conn
        .prepare("SELECT term FROM v WHERE doc = 1 ORDER BY offset")
        .unwrap();
    statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The search expression of the SQLite store (its `fts::match_expression`).
fn match_expression(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split_whitespace()
        .filter(|word| word.chars().any(char::is_alphanumeric))
        .map(|word| format!("\"{}\"*", word.replace('"', "\"\"")))
        .collect();
    (!words.is_empty()).then(|| words.join(" AND "))
}

fn database() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE VIRTUAL TABLE t USING fts5 (a, tokenize = 'unicode61 remove_diacritics 2', \
         prefix = '2 3'); \
         CREATE VIRTUAL TABLE v USING fts5vocab (t, 'instance');",
    )
    .unwrap();
    conn
}

#[test]
fn tokens_are_those_of_the_sqlite_index() {
    let conn = database();
    for text in TEXTS {
        assert_eq!(
            tokens(text),
            sqlite_tokens(&conn, text),
            "tokens of {text:?}"
        );
    }
}

#[test]
fn searches_match_what_the_sqlite_index_matches() {
    let conn = database();
    for (rowid, text) in (1_i64..).zip(TEXTS) {
        conn.execute(
            "INSERT INTO t (rowid, a) VALUES (?1, ?2)",
            rusqlite::params![rowid, text],
        )
        .unwrap();
    }
    for search in SEARCHES {
        let expected: Vec<i64> = match match_expression(search) {
            None => Vec::new(),
            Some(expression) => {
                let mut statement = conn
                    .prepare("SELECT rowid FROM t WHERE t MATCH ?1 ORDER BY rowid")
                    .unwrap();
                statement
                    .query_map([expression], |row| row.get(0))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            }
        };
        let found: Vec<i64> = match phrases(search) {
            None => Vec::new(),
            Some(phrases) => (1_i64..)
                .zip(TEXTS)
                .filter(|(_, text)| {
                    let shingles = shingles(text);
                    phrases
                        .iter()
                        .all(|phrase| shingles.iter().any(|shingle| phrase.matches(shingle)))
                })
                .map(|(rowid, _)| rowid)
                .collect(),
        };
        assert_eq!(found, expected, "search {search:?}");
    }
}
