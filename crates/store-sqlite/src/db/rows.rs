//! Turning stored text back into domain values.
//!
//! Every value read goes through the domain's parsing constructor, so what
//! the store hands out is valid by construction. A value that does not parse
//! (edited by hand, written by a buggy version) is reported as corrupt data,
//! a backend error, never a panic.

use std::fmt;

use crm_kernel::{BackendError, PrincipalId, PrincipalKind, Timestamp, Version};

/// A stored value that does not parse as its domain type.
#[derive(Debug, thiserror::Error)]
#[error("corrupt data in {column}: {reason}")]
pub(crate) struct CorruptData {
    column: &'static str,
    reason: String,
}

impl CorruptData {
    /// `column` (written `table.column`) holds something unusable.
    pub(crate) fn new(column: &'static str, reason: impl fmt::Display) -> Self {
        Self {
            column,
            reason: reason.to_string(),
        }
    }
}

/// Parses the text of `column` with the domain constructor `parse`.
pub(crate) fn decode<T, E: fmt::Display>(
    column: &'static str,
    text: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, CorruptData> {
    parse(text).map_err(|error| CorruptData::new(column, error))
}

/// Parses the text of a nullable `column`; NULL stays `None`.
pub(crate) fn decode_opt<T, E: fmt::Display>(
    column: &'static str,
    text: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<Option<T>, CorruptData> {
    text.map(|text| decode(column, text, parse)).transpose()
}

/// The entries of a list column, in the order of their positions (`None`,
/// a NULL: none). The column is `group_concat(<position> || ':' || <text>,
/// <separator>)` without `ORDER BY`: an ordered aggregate builds a
/// temporary B-tree each time it runs (for every row of a page; a quarter
/// of SQLite's time in a single-record request), so the entries are put in
/// order here.
pub(crate) fn in_position_order<'a>(
    column: &'static str,
    list: Option<&'a str>,
    separator: char,
) -> Result<Vec<&'a str>, CorruptData> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let mut entries = list
        .split(separator)
        .map(|entry| {
            entry
                .split_once(':')
                .and_then(|(position, text)| Some((position.parse::<i64>().ok()?, text)))
                .ok_or_else(|| CorruptData::new(column, format!("`{entry}` has no position")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    entries.sort_unstable_by_key(|&(position, _)| position);
    Ok(entries.into_iter().map(|(_, text)| text).collect())
}

/// Parses a stored instant (RFC 3339): the store's own form directly
/// ([`super::instants::canonical`]), any other through the general parser.
pub(crate) fn timestamp(column: &'static str, text: &str) -> Result<Timestamp, CorruptData> {
    match super::instants::canonical(text) {
        Some(at) => Ok(at),
        None => decode(column, text, Timestamp::parse_rfc3339),
    }
}

/// Parses a nullable stored instant.
pub(crate) fn timestamp_opt(
    column: &'static str,
    text: Option<&str>,
) -> Result<Option<Timestamp>, CorruptData> {
    text.map(|text| timestamp(column, text)).transpose()
}

/// Rebuilds a principal from its stored kind (`user`, `customer`) and id.
pub(crate) fn principal(kind: &str, id: &str) -> Result<PrincipalId, CorruptData> {
    let kind = match kind {
        "user" => PrincipalKind::User,
        "customer" => PrincipalKind::Customer,
        other => {
            return Err(CorruptData::new(
                "principal_kind",
                format!("unknown principal kind `{other}`"),
            ));
        }
    };
    decode("principal_id", id, |id| PrincipalId::parse(kind, id))
}

/// The stored text of a principal: its kind and its id.
pub(crate) fn principal_columns(principal: PrincipalId) -> (&'static str, String) {
    (principal.kind().as_str(), principal.to_string())
}

/// A stored version as the domain's [`Version`].
pub(crate) fn version(column: &'static str, stored: i64) -> Result<Version, CorruptData> {
    u64::try_from(stored)
        .ok()
        .filter(|n| *n >= 1)
        .map(Version::new)
        .ok_or_else(|| CorruptData::new(column, format!("`{stored}` is not a version")))
}

/// Refuses to write `record` `id` at `version` over the stored `expected`:
/// a write must raise the version (a caller's bug otherwise, a backend
/// error rather than a refusal the port names).
pub(crate) fn ensure_newer_version(
    record: &str,
    id: impl fmt::Display,
    version: Version,
    expected: Version,
) -> Result<(), BackendError> {
    if version <= expected {
        return Err(BackendError::msg(format!(
            "{record} {id} must be written with a version above {} (got {})",
            expected.get(),
            version.get()
        )));
    }
    Ok(())
}

/// A version as stored (SQLite integers are signed).
pub(crate) fn stored_version(version: Version) -> i64 {
    // Versions count changes of one record: they never reach 2^63.
    i64::try_from(version.get()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use crm_kernel::{EmailAddress, UserId};

    use super::*;

    #[test]
    fn a_list_column_comes_back_in_position_order() {
        let list = "2:c,0:a:x,10:d,1:b";
        assert_eq!(
            in_position_order("t.c", Some(list), ',').unwrap(),
            ["a:x", "b", "c", "d"]
        );
        assert!(in_position_order("t.c", None, ',').unwrap().is_empty());
        for bad in ["a", "x:a", ":a", "1:a,b"] {
            assert!(in_position_order("t.c", Some(bad), ',').is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_text_is_corrupt_data_not_a_panic() {
        let error = decode("users.email", "not an email", EmailAddress::parse).unwrap_err();
        assert!(error.to_string().contains("users.email"), "{error}");
        assert!(timestamp("users.created_at", "yesterday").is_err());
        assert!(principal("robot", &UserId::new().to_string()).is_err());
        assert!(principal("user", "42").is_err());
        assert_eq!(timestamp_opt("x", None).unwrap(), None);
    }

    #[test]
    fn principals_round_trip_through_their_columns() {
        let id = PrincipalId::User(UserId::new());
        let (kind, text) = principal_columns(id);
        assert_eq!(principal(kind, &text).unwrap(), id);
    }

    #[test]
    fn versions_must_be_positive() {
        assert_eq!(version("v", 3).unwrap(), Version::new(3));
        assert!(version("v", 0).is_err());
        assert!(version("v", -1).is_err());
        assert_eq!(stored_version(Version::new(7)), 7);
    }

    #[test]
    fn a_write_must_raise_the_version() {
        let error = ensure_newer_version("ticket", "t-1", Version::new(2), Version::new(2))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("ticket t-1 must be written with a version above 2 (got 2)"),
            "{error}"
        );
        assert!(ensure_newer_version("ticket", "t-1", Version::new(3), Version::new(2)).is_ok());
    }
}
