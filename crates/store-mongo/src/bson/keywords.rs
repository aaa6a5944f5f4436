//! Search keywords: the words of a text as the SQLite store's full-text
//! index (FTS5, `unicode61 remove_diacritics 2`) sees them, and the
//! prefixes a search text asks for.
//!
//! A *token* is a run of letters (`L*`), digits (`N*`) and private-use
//! characters (`Co`), lower-cased and with diacritics removed
//! ([`crate::bson::fold`]); everything else separates tokens. A stored text
//! becomes *shingles*: from each token on, up to [`SHINGLE_TOKENS`] tokens
//! joined by one space (`ann lee alpha test`, `lee alpha test`, …). A word
//! of a search text becomes a *phrase* of tokens that must start a shingle
//! (`^ann lee` on an indexed array, which an index serves): the last token
//! of the phrase as a prefix, the others whole, as FTS5 matches a quoted
//! word with `*` appended.

use unicode_general_category::{GeneralCategory, get_general_category};

use crate::bson::fold::{fold, is_diacritic};
use crate::bson::regex::escape;

/// The most tokens of one shingle. A search word of more tokens is matched
/// as overlapping phrases of this length, all of which must match.
pub(crate) const SHINGLE_TOKENS: usize = 8;

/// Whether the tokenizer takes `c` as part of a token (`L* N* Co`).
fn is_token_char(c: char) -> bool {
    use GeneralCategory::{
        DecimalNumber, LetterNumber, LowercaseLetter, ModifierLetter, OtherLetter, OtherNumber,
        PrivateUse, TitlecaseLetter, UppercaseLetter,
    };
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    matches!(
        get_general_category(c),
        UppercaseLetter
            | LowercaseLetter
            | TitlecaseLetter
            | ModifierLetter
            | OtherLetter
            | DecimalNumber
            | LetterNumber
            | OtherNumber
            | PrivateUse
    )
}

/// The tokens of `text`, folded.
pub(crate) fn tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current: Option<String> = None;
    for c in text.chars() {
        let continues = current.is_some() && is_diacritic(c);
        if is_token_char(c) || continues {
            let token = current.get_or_insert_with(String::new);
            if let Some(folded) = fold(c) {
                token.push(folded);
            }
        } else if let Some(token) = current.take() {
            tokens.push(token);
        }
    }
    tokens.extend(current);
    tokens
}

/// The shingles of `text`: from each token on, up to [`SHINGLE_TOKENS`]
/// tokens joined by a space, without repeats, in order of first occurrence.
pub(crate) fn shingles(text: &str) -> Vec<String> {
    let tokens = tokens(text);
    let mut shingles: Vec<String> = Vec::with_capacity(tokens.len());
    for start in 0..tokens.len() {
        let end = (start + SHINGLE_TOKENS).min(tokens.len());
        let shingle = tokens[start..end].join(" ");
        if !shingles.contains(&shingle) {
            shingles.push(shingle);
        }
    }
    shingles
}

/// One condition of a search: a sequence of tokens that must start a
/// shingle, the last one as a prefix when `open` (or followed by a space
/// or the end of the shingle when not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Phrase {
    /// The tokens, joined by a space.
    pub(crate) tokens: String,
    /// Whether the last token may be the start of a longer one.
    pub(crate) open: bool,
}

impl Phrase {
    /// The anchored regular expression a shingle must match.
    pub(crate) fn pattern(&self) -> String {
        let anchored = format!("^{}", escape(&self.tokens));
        if self.open {
            anchored
        } else {
            format!("{anchored}(?: |$)")
        }
    }

    /// Whether `shingle` matches (what the server decides with [`Phrase::pattern`]).
    #[cfg(test)]
    pub(crate) fn matches(&self, shingle: &str) -> bool {
        match shingle.strip_prefix(self.tokens.as_str()) {
            None => false,
            Some(rest) => self.open || rest.is_empty() || rest.starts_with(' '),
        }
    }
}

/// The phrases every one of which a matching record must hold, or `None`
/// when `text` holds no word with a letter or digit: such a search matches
/// nothing. The words are split at whitespace and kept when they hold a
/// letter or digit, as the SQLite store does before it quotes each word for
/// FTS5; a kept word without any token matches nothing either.
pub(crate) fn phrases(text: &str) -> Option<Vec<Phrase>> {
    let mut phrases = Vec::new();
    for word in text
        .split_whitespace()
        .filter(|word| word.chars().any(char::is_alphanumeric))
    {
        let tokens = tokens(word);
        if tokens.is_empty() {
            return None;
        }
        if tokens.len() <= SHINGLE_TOKENS {
            phrases.push(Phrase {
                tokens: tokens.join(" "),
                open: true,
            });
            continue;
        }
        // Overlapping windows: every token and its successor share one.
        let mut start = 0;
        loop {
            let end = (start + SHINGLE_TOKENS).min(tokens.len());
            phrases.push(Phrase {
                tokens: tokens[start..end].join(" "),
                open: end == tokens.len(),
            });
            if end == tokens.len() {
                break;
            }
            start = end - 1;
        }
    }
    if phrases.is_empty() {
        None
    } else {
        Some(phrases)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_runs_of_letters_and_digits_folded() {
        assert_eq!(
            tokens("Ann.Lee@alpha.test"),
            ["ann", "lee", "alpha", "test"]
        );
        assert_eq!(tokens("+44 20 7946-0958"), ["44", "20", "7946", "0958"]);
        assert_eq!(tokens("Zoë Ünal"), ["zoe", "unal"]);
        assert_eq!(tokens("first_name:ann"), ["first", "name", "ann"]);
        assert_eq!(tokens("Ze\u{301}ro \u{301}x"), ["zero", "x"]);
        assert!(tokens("-- ^ ( ) : \" *").is_empty());
    }

    #[test]
    fn shingles_start_at_every_token() {
        assert_eq!(
            shingles("Ann.Lee@alpha.test"),
            ["ann lee alpha test", "lee alpha test", "alpha test", "test"]
        );
        let long = shingles("a b c d e f g h i j");
        assert_eq!(long[0], "a b c d e f g h");
        assert_eq!(long[2], "c d e f g h i j");
        assert_eq!(long.last().unwrap(), "j");
        assert_eq!(shingles("x x x"), ["x x x", "x x", "x"]);
    }

    #[test]
    fn every_word_is_a_phrase_with_an_open_end() {
        let open = |tokens: &str| Phrase {
            tokens: tokens.into(),
            open: true,
        };
        assert_eq!(phrases("Ann  LEE").unwrap(), [open("ann"), open("lee")]);
        assert_eq!(phrases("robert.stone").unwrap(), [open("robert stone")]);
        assert_eq!(phrases("+1650").unwrap(), [open("1650")]);
        assert_eq!(phrases("-ann ^x").unwrap(), [open("ann"), open("x")]);
        for nothing in ["", "  ", "\"", "* ( ) :", "\"\""] {
            assert_eq!(phrases(nothing), None, "{nothing:?}");
        }
        assert_eq!(phrases("* x").unwrap(), [open("x")]);
    }

    #[test]
    fn long_words_become_overlapping_windows() {
        let found = phrases("a.b.c.d.e.f.g.h.i.j.k.l.m.n.o").unwrap();
        assert_eq!(
            found,
            [
                Phrase {
                    tokens: "a b c d e f g h".into(),
                    open: false
                },
                Phrase {
                    tokens: "h i j k l m n o".into(),
                    open: true
                },
            ]
        );
    }

    #[test]
    fn phrases_match_the_start_of_shingles() {
        let phrase = |text: &str| phrases(text).unwrap().remove(0);
        assert!(phrase("lee").matches("lee alpha test"));
        assert!(phrase("le").matches("lee alpha test"));
        assert!(phrase("lee.al").matches("lee alpha test"));
        assert!(!phrase("lee.al").matches("leex alpha"));
        assert!(!phrase("sto\"ne").matches("stone"));
        let closed = Phrase {
            tokens: "a b".into(),
            open: false,
        };
        assert!(closed.matches("a b"));
        assert!(closed.matches("a b c"));
        assert!(!closed.matches("a bc"));
        assert_eq!(phrase("lee.al").pattern(), "^lee al");
        assert_eq!(closed.pattern(), "^a b(?: |$)");
    }
}
