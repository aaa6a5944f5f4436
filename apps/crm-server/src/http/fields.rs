//! Turning optional request fields into domain values, collecting errors.

use std::fmt::Display;

use crm_kernel::ValidationErrors;

/// Parses an optional field: `Some(None)` when absent, `Some(Some(v))` when
/// valid, `None` when invalid (the error is recorded against `field`).
#[allow(
    clippy::option_option,
    reason = "outer: parsed or not; inner: present or not"
)]
pub fn optional<T, E: Display>(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Option<Option<T>> {
    match value {
        None => Some(None),
        Some(text) => errors.check(field, parse(text)).map(Some),
    }
}

/// Parses an optional RFC 3339 query parameter.
pub fn timestamp(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<&str>,
) -> Option<crm_kernel::Timestamp> {
    value.and_then(|text| {
        errors.check(
            field,
            crm_kernel::Timestamp::parse_rfc3339(text)
                .map_err(|_| "must be an RFC 3339 date-time such as 2026-11-25T09:00:00Z"),
        )
    })
}

/// Parses an optional id query parameter.
pub fn id<T, E: Display>(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Option<T> {
    value.and_then(|text| errors.check(field, parse(text)))
}

/// Parses an optional boolean query parameter (`true`/`false`/`1`/`0`).
pub fn flag(errors: &mut ValidationErrors, field: &str, value: Option<&str>) -> bool {
    match value {
        None | Some("false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => {
            errors.add(field, "must be true or false");
            false
        }
    }
}
