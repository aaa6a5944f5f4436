//! Bulk import of customers: validating rows and reporting per row.
//!
//! The CSV itself is read by the adapter; it hands the service one
//! [`ImportRow`] per data line, with the header names as keys. The columns
//! are the customer's JSON field names.

use std::collections::HashMap;

use crm_kernel::{CompanyId, EmailAddress, LongText, PersonName, PhoneNumber, ShortText, UserId};
use serde::Serialize;

use crate::customer::{CustomerPatch, NewCustomer};
use crate::lifecycle::LifecycleStatus;
use crate::values::Tags;

/// The columns an import understands. `tags` holds tags separated by `;`.
pub const IMPORT_COLUMNS: [&str; 10] = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "company_id",
    "status",
    "notes",
    "owner_id",
    "tags",
    "source",
];

/// Columns of an export that an import accepts and ignores: they are the
/// record's own (its id, its company's current name, its times), not input.
/// With them, a file exported by `GET /api/customers/export.csv` imports
/// back as it is.
pub const READ_ONLY_COLUMNS: [&str; 5] = [
    "customer_id",
    "company",
    "created_at",
    "updated_at",
    "last_interaction",
];

/// The columns of an export, in order: the importable ones, then the
/// read-only ones.
pub const EXPORT_COLUMNS: [&str; 15] = [
    "customer_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company_id",
    "company",
    "status",
    "notes",
    "owner_id",
    "tags",
    "source",
    "created_at",
    "updated_at",
    "last_interaction",
];

/// Whether an import accepts a column (to read or to ignore).
#[must_use]
pub fn is_known_column(column: &str) -> bool {
    IMPORT_COLUMNS.contains(&column) || READ_ONLY_COLUMNS.contains(&column)
}

/// How to import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Update the customer that has a row's email instead of reporting a duplicate.
    pub upsert: bool,
    /// Validate only; write nothing.
    pub dry_run: bool,
    /// Write nothing unless every row is valid.
    pub atomic: bool,
}

/// One data line of the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportRow {
    /// Its line number in the file (the header is line 1).
    pub line: u64,
    /// Column name → value; empty values count as absent.
    pub values: HashMap<String, String>,
}

/// One problem with one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowError {
    /// The line number in the file (the header is line 1).
    pub row: u64,
    /// The column (`row` for problems with the whole line).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// The outcome of an import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    /// Rows that created a customer (or would, in a dry run or a failed atomic import).
    pub created: u64,
    /// Rows that updated a customer by email (with `upsert`).
    pub updated: u64,
    /// Every problem found, row by row.
    pub errors: Vec<RowError>,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// Whether the import was all-or-nothing.
    pub atomic: bool,
    /// Whether the counted rows were written.
    pub committed: bool,
}

/// A row turned into domain values: what to create, or how to update the
/// customer that has its email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRow {
    /// The line number.
    pub line: u64,
    /// The customer as a new record.
    pub new: NewCustomer,
    /// The same row as a patch of the columns the file has (for upserts).
    pub patch: CustomerPatch,
}

impl ImportRow {
    fn get(&self, column: &str) -> Option<&str> {
        self.values
            .get(column)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Validates every column, reporting each problem.
    pub fn parse(&self) -> Result<ParsedRow, Vec<RowError>> {
        let mut errors = Vec::new();
        let mut check = |column: &str, message: String| {
            errors.push(RowError {
                row: self.line,
                field: column.to_owned(),
                message,
            });
        };
        for column in self.values.keys() {
            if !is_known_column(column) {
                check(
                    column,
                    format!(
                        "is not a known column (expected {})",
                        IMPORT_COLUMNS.join(", ")
                    ),
                );
            }
        }
        let first_name =
            required(self.get("first_name"), PersonName::parse).map_err(|m| check("first_name", m));
        let last_name =
            required(self.get("last_name"), PersonName::parse).map_err(|m| check("last_name", m));
        let email = optional(self.get("email"), EmailAddress::parse).map_err(|m| check("email", m));
        let phone = optional(self.get("phone"), PhoneNumber::parse).map_err(|m| check("phone", m));
        let company_id =
            optional(self.get("company_id"), CompanyId::parse).map_err(|m| check("company_id", m));
        let status = optional(self.get("status"), |s| {
            LifecycleStatus::parse(s).ok_or("must be lead, prospect, customer or churned")
        })
        .map_err(|m| check("status", m));
        let notes = optional(self.get("notes"), LongText::parse).map_err(|m| check("notes", m));
        let owner_id =
            optional(self.get("owner_id"), UserId::parse).map_err(|m| check("owner_id", m));
        let tags = Tags::parse(&self.get("tags").map_or_else(Vec::new, |t| {
            t.split(';')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
        }))
        .map_err(|e| check("tags", e.to_string()));
        let source = optional(self.get("source"), ShortText::parse).map_err(|m| check("source", m));

        let (
            Ok(first_name),
            Ok(last_name),
            Ok(email),
            Ok(phone),
            Ok(company_id),
            Ok(status),
            Ok(notes),
            Ok(owner_id),
            Ok(tags),
            Ok(source),
        ) = (
            first_name, last_name, email, phone, company_id, status, notes, owner_id, tags, source,
        )
        else {
            return Err(errors);
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let has = |column: &str| self.values.contains_key(column);
        let patch = CustomerPatch {
            first_name: Some(first_name.clone()),
            last_name: Some(last_name.clone()),
            email: None,
            phone: has("phone").then(|| phone.clone()),
            company_id: has("company_id").then_some(company_id),
            status,
            notes: has("notes").then(|| notes.clone()),
            owner_id: has("owner_id").then_some(owner_id),
            tags: has("tags").then(|| tags.clone()),
            source: has("source").then(|| source.clone()),
        };
        Ok(ParsedRow {
            line: self.line,
            new: NewCustomer {
                first_name,
                last_name,
                email,
                phone,
                company_id,
                status,
                notes,
                owner_id,
                tags,
                source,
            },
            patch,
        })
    }
}

fn required<T, E: std::fmt::Display>(
    value: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, String> {
    match value {
        None => Err("is required".to_owned()),
        Some(text) => parse(text).map_err(|e| e.to_string()),
    }
}

fn optional<T, E: std::fmt::Display>(
    value: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<Option<T>, String> {
    value.map(parse).transpose().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, &str)]) -> ImportRow {
        ImportRow {
            line: 2,
            values: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn a_valid_row_parses_with_tags_split() {
        let parsed = row(&[
            ("first_name", "Ada"),
            ("last_name", "Lovelace"),
            ("email", "ada@example.com"),
            ("tags", "VIP; news"),
            ("status", "prospect"),
        ])
        .parse()
        .unwrap();
        assert_eq!(parsed.new.tags.to_strings(), vec!["news", "vip"]);
        assert_eq!(parsed.new.status, Some(LifecycleStatus::Prospect));
        assert!(
            parsed.patch.phone.is_none(),
            "absent columns are not patched"
        );
    }

    #[test]
    fn every_bad_column_is_reported() {
        let errors = row(&[
            ("first_name", ""),
            ("last_name", "L"),
            ("email", "nope"),
            ("status", "won"),
            ("colour", "red"),
        ])
        .parse()
        .unwrap_err();
        let mut fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(fields, vec!["colour", "email", "first_name", "status"]);
        assert!(errors.iter().all(|e| e.row == 2));
    }
}

#[cfg(test)]
mod column_tests {
    use super::*;

    #[test]
    fn every_export_column_is_one_an_import_knows() {
        assert!(EXPORT_COLUMNS.iter().all(|c| is_known_column(c)));
        assert_eq!(
            EXPORT_COLUMNS.len(),
            IMPORT_COLUMNS.len() + READ_ONLY_COLUMNS.len()
        );
        assert!(!is_known_column("password"));
    }
}
