//! The header line of an import file: which columns the rows have.

use std::collections::HashSet;

use crm_kernel::ValidationErrors;

use crate::import::{IMPORT_COLUMNS, ImportRow, RowError, is_known_column};

/// The columns that every import file must have.
pub const REQUIRED_COLUMNS: [&str; 2] = ["first_name", "last_name"];

/// The column names of an import file's header line, checked: each is one
/// of [`IMPORT_COLUMNS`] or of the export's read-only columns (accepted and
/// ignored, [`crate::import::READ_ONLY_COLUMNS`]), none appears twice, and the
/// [`REQUIRED_COLUMNS`] are there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportHeader(Vec<String>);

impl ImportHeader {
    /// Parses the header's column names (surrounding whitespace ignored).
    ///
    /// Every problem is reported against the field `header`, in this order:
    /// unknown columns, missing required ones, then columns that appear twice.
    pub fn parse<I, S>(columns: I) -> Result<Self, ValidationErrors>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let columns: Vec<String> = columns
            .into_iter()
            .map(|c| c.as_ref().trim().to_owned())
            .collect();
        let mut errors = ValidationErrors::new();
        for column in &columns {
            if !is_known_column(column) {
                errors.add(
                    "header",
                    format!(
                        "`{column}` is not a known column (expected {})",
                        IMPORT_COLUMNS.join(", ")
                    ),
                );
            }
        }
        for required in REQUIRED_COLUMNS {
            if !columns.iter().any(|c| c == required) {
                errors.add("header", format!("the column `{required}` is missing"));
            }
        }
        let mut seen = HashSet::new();
        for column in &columns {
            if !seen.insert(column) {
                errors.add("header", format!("the column `{column}` appears twice"));
            }
        }
        errors.into_result()?;
        Ok(Self(columns))
    }

    /// The column names, in file order.
    #[must_use]
    pub fn columns(&self) -> &[String] {
        &self.0
    }

    /// The data line `line` of the file as an [`ImportRow`]: its values
    /// named by this header's columns. A line with more or fewer values than
    /// the header has columns is a [`RowError`] of the field `row`.
    pub fn row<I, S>(&self, line: u64, values: I) -> Result<ImportRow, RowError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        // Cells the export quoted against formulas read back as they were.
        let values: Vec<String> = values
            .into_iter()
            .map(|value| {
                let value: String = value.into();
                match crate::csv_cell::restore(&value) {
                    restored if restored.len() == value.len() => value,
                    restored => restored.to_owned(),
                }
            })
            .collect();
        if values.len() != self.0.len() {
            return Err(RowError {
                row: line,
                field: "row".to_owned(),
                message: format!(
                    "has {} values; the header has {}",
                    values.len(),
                    self.0.len()
                ),
            });
        }
        Ok(ImportRow {
            line,
            values: self.0.iter().cloned().zip(values).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(errors: &ValidationErrors) -> Vec<(&str, &str)> {
        errors
            .fields()
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect()
    }

    #[test]
    fn a_header_of_known_columns_parses_trimmed_in_file_order() {
        let header = ImportHeader::parse([" last_name", "email ", "first_name", "tags"]).unwrap();
        assert_eq!(
            header.columns(),
            ["last_name", "email", "first_name", "tags"]
        );
        let every = ImportHeader::parse(IMPORT_COLUMNS).unwrap();
        assert_eq!(every.columns(), IMPORT_COLUMNS);
    }

    #[test]
    fn unknown_missing_and_repeated_columns_are_each_reported_against_header() {
        let errors = ImportHeader::parse(["first_name", "colour", "email", "email"]).unwrap_err();
        assert_eq!(
            messages(&errors),
            [
                (
                    "header",
                    "`colour` is not a known column (expected first_name, last_name, email, \
                     phone, company_id, status, notes, owner_id, tags, source)"
                ),
                ("header", "the column `last_name` is missing"),
                ("header", "the column `email` appears twice"),
            ]
        );
    }

    #[test]
    fn an_empty_header_misses_both_names() {
        let errors = ImportHeader::parse(Vec::<String>::new()).unwrap_err();
        assert_eq!(
            messages(&errors),
            [
                ("header", "the column `first_name` is missing"),
                ("header", "the column `last_name` is missing"),
            ]
        );
    }

    #[test]
    fn rows_are_named_by_the_header_and_must_match_its_length() {
        let header = ImportHeader::parse(["first_name", "last_name", "email"]).unwrap();
        let row = header.row(2, ["Ada", "Lovelace", ""]).unwrap();
        assert_eq!(row.line, 2);
        assert_eq!(row.values.len(), 3);
        assert_eq!(row.values["first_name"], "Ada");
        assert_eq!(row.values["email"], "");
        for values in [
            vec!["Ada", "Lovelace"],
            vec!["Ada", "Lovelace", "a@b.c", "x"],
        ] {
            let count = values.len();
            assert_eq!(
                header.row(7, values),
                Err(RowError {
                    row: 7,
                    field: "row".to_owned(),
                    message: format!("has {count} values; the header has 3"),
                })
            );
        }
    }
}
