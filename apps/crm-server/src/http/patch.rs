//! JSON merge-patch helpers: telling an absent field from an explicit `null`.

#![allow(
    clippy::option_option,
    reason = "merge patch: absent, null and a value are three different things"
)]

use serde::{Deserialize, Deserializer};

use crm_kernel::ValidationErrors;

/// Use with `#[serde(default, deserialize_with = "nullable")]` on an
/// `Option<Option<T>>`: absent → `None`, `null` → `Some(None)`, a value → `Some(Some(v))`.
pub fn nullable<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A field that may be changed but not cleared: `null` is recorded as an error.
pub fn required<T>(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<Option<T>>,
) -> Option<T> {
    match value {
        None => None,
        Some(None) => {
            errors.add(field, "cannot be null");
            None
        }
        Some(Some(value)) => Some(value),
    }
}

/// A field that may be changed or cleared: parses a present value with `parse`.
pub fn clearable<T, U, E: std::fmt::Display>(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<Option<T>>,
    parse: impl FnOnce(T) -> Result<U, E>,
) -> Option<Option<U>> {
    match value {
        None => None,
        Some(None) => Some(None),
        Some(Some(value)) => errors.check(field, parse(value)).map(Some),
    }
}
