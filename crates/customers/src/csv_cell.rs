//! Spreadsheet-safe CSV cells (CSV formula injection, OWASP).
//!
//! Spreadsheets treat a cell that starts with `=`, `+`, `-` or `@` as a
//! formula (and tab or carriage return as a way to smuggle one in): a
//! customer who signs up as `=HYPERLINK("http://evil.example","x")` would
//! run that formula in the spreadsheet of the admin who opens the export.
//! The export therefore prefixes such cells with a `'`, which spreadsheets
//! read as "this is text" and do not show.
//!
//! A cell that already starts with `'` gets one more, so the rule can be
//! undone exactly: the import takes one leading `'` off a cell whose next
//! character is one of these, and so reads its own export back unchanged
//! (a phone number `+4930…` goes out as `'+4930…` and comes back as
//! `+4930…`). A cell written by another program that starts with `'=` is
//! therefore imported as `=…`, which is what a spreadsheet shows for it too.

use std::borrow::Cow;

/// The characters that make a spreadsheet cell a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn needs_quote(first: char) -> bool {
    FORMULA_STARTS.contains(&first) || first == '\''
}

/// The cell as the export writes it: prefixed with `'` when a spreadsheet
/// would take it for a formula (or when it starts with `'` itself).
#[must_use]
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(first) if needs_quote(first) => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// The cell as the import reads it: the exact inverse of [`neutralise`].
#[must_use]
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.chars().next().is_some_and(needs_quote) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_quoted_and_plain_text_is_not() {
        assert_eq!(
            neutralise("=HYPERLINK(\"http://evil.example\",\"x\")"),
            "'=HYPERLINK(\"http://evil.example\",\"x\")"
        );
        for (cell, out) in [
            ("+cmd", "'+cmd"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("'=x", "''=x"),
            ("Ada", "Ada"),
            ("", ""),
            ("a=b", "a=b"),
        ] {
            assert_eq!(neutralise(cell), out, "{cell:?}");
        }
    }

    #[test]
    fn restore_undoes_neutralise_for_every_cell() {
        for cell in [
            "=1+1",
            "+4930123456",
            "-x",
            "@x",
            "\tx",
            "\rx",
            "'",
            "''",
            "'=x",
            "''=x",
            "'plain",
            "plain",
            "",
            "O'Brien",
        ] {
            assert_eq!(restore(&neutralise(cell)), cell, "{cell:?}");
        }
        // Plain cells pass through the import unchanged.
        assert_eq!(restore("'plain"), "'plain");
    }
}
