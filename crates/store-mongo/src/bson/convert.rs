//! Between domain values and BSON: instants, optional fields, versions,
//! principals; and reading stored documents back through the domain's
//! parsing constructors, so what the store hands out is valid by
//! construction (a value that does not parse is [`CorruptData`]).

use std::fmt;

use crm_kernel::{PrincipalId, PrincipalKind, Timestamp, Version};
use mongodb::bson::{Bson, DateTime, Document};

use crate::db::error::CorruptData;

/// An instant as a BSON date (both keep milliseconds).
pub(crate) fn date(at: Timestamp) -> DateTime {
    DateTime::from_millis(at.as_millis())
}

/// A BSON date as an instant (`None` when out of the kernel's range).
pub(crate) fn timestamp_of(at: DateTime) -> Option<Timestamp> {
    Timestamp::from_millis(at.timestamp_millis())
}

/// An optional instant: a date or null.
pub(crate) fn opt_date(at: Option<Timestamp>) -> Bson {
    at.map_or(Bson::Null, |at| Bson::DateTime(date(at)))
}

/// An optional text: a string or null.
pub(crate) fn opt_text(text: Option<&str>) -> Bson {
    text.map_or(Bson::Null, |text| Bson::String(text.to_owned()))
}

/// An optional id (or anything shown as text): a string or null.
pub(crate) fn opt_id(id: Option<impl fmt::Display>) -> Bson {
    id.map_or(Bson::Null, |id| Bson::String(id.to_string()))
}

/// A version as stored.
pub(crate) fn stored_version(version: Version) -> i64 {
    // Versions count changes of one record: they never reach 2^63.
    i64::try_from(version.get()).unwrap_or(i64::MAX)
}

/// A principal as stored: its kind (`user`, `customer`) and its id.
pub(crate) fn principal_fields(principal: PrincipalId) -> (&'static str, String) {
    (principal.kind().as_str(), principal.to_string())
}

/// A new time-ordered id for a record that the domain gives none (a status
/// change, a ticket event): later records of one process sort after earlier ones.
pub(crate) fn new_record_id() -> String {
    uuid::Uuid::now_v7().hyphenated().to_string()
}

/// The fields of one stored document, read for one collection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields<'a> {
    collection: &'static str,
    document: &'a Document,
}

impl<'a> Fields<'a> {
    /// Reads `document` of `collection` (named in errors).
    pub(crate) fn of(collection: &'static str, document: &'a Document) -> Self {
        Self {
            collection,
            document,
        }
    }

    /// The error "`field` holds something unusable".
    pub(crate) fn corrupt(&self, field: &'static str, reason: impl fmt::Display) -> CorruptData {
        CorruptData::new(self.collection, field, reason)
    }

    /// The value of `field`; `None` when missing or null.
    fn value(&self, field: &str) -> Option<&'a Bson> {
        self.document
            .get(field)
            .filter(|value| **value != Bson::Null)
    }

    /// A required text.
    pub(crate) fn text(&self, field: &'static str) -> Result<&'a str, CorruptData> {
        self.opt_text(field)?
            .ok_or_else(|| self.corrupt(field, "is missing"))
    }

    /// An optional text.
    pub(crate) fn opt_text(&self, field: &'static str) -> Result<Option<&'a str>, CorruptData> {
        match self.value(field) {
            None => Ok(None),
            Some(Bson::String(text)) => Ok(Some(text)),
            Some(other) => Err(self.corrupt(field, format!("is not a string: {other}"))),
        }
    }

    /// A required text parsed by a domain constructor.
    pub(crate) fn parse<T, E: fmt::Display>(
        &self,
        field: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, CorruptData> {
        parse(self.text(field)?).map_err(|error| self.corrupt(field, error))
    }

    /// An optional text parsed by a domain constructor.
    pub(crate) fn opt_parse<T, E: fmt::Display>(
        &self,
        field: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, CorruptData> {
        self.opt_text(field)?
            .map(|text| parse(text).map_err(|error| self.corrupt(field, error)))
            .transpose()
    }

    /// A required text that must be one of a type's names.
    pub(crate) fn named<T>(
        &self,
        field: &'static str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<T, CorruptData> {
        let text = self.text(field)?;
        parse(text).ok_or_else(|| self.corrupt(field, format!("unknown value `{text}`")))
    }

    /// An optional text that must be one of a type's names.
    pub(crate) fn opt_named<T>(
        &self,
        field: &'static str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<Option<T>, CorruptData> {
        self.opt_text(field)?
            .map(|text| {
                parse(text).ok_or_else(|| self.corrupt(field, format!("unknown value `{text}`")))
            })
            .transpose()
    }

    /// A required instant.
    pub(crate) fn time(&self, field: &'static str) -> Result<Timestamp, CorruptData> {
        self.opt_time(field)?
            .ok_or_else(|| self.corrupt(field, "is missing"))
    }

    /// An optional instant.
    pub(crate) fn opt_time(&self, field: &'static str) -> Result<Option<Timestamp>, CorruptData> {
        match self.value(field) {
            None => Ok(None),
            Some(Bson::DateTime(at)) => timestamp_of(*at)
                .map(Some)
                .ok_or_else(|| self.corrupt(field, "is out of range")),
            Some(other) => Err(self.corrupt(field, format!("is not a date: {other}"))),
        }
    }

    /// An optional integer (stored as a 32- or 64-bit one).
    pub(crate) fn opt_int(&self, field: &'static str) -> Result<Option<i64>, CorruptData> {
        match self.value(field) {
            None => Ok(None),
            Some(Bson::Int32(n)) => Ok(Some(i64::from(*n))),
            Some(Bson::Int64(n)) => Ok(Some(*n)),
            Some(other) => Err(self.corrupt(field, format!("is not an integer: {other}"))),
        }
    }

    /// A required integer.
    pub(crate) fn int(&self, field: &'static str) -> Result<i64, CorruptData> {
        self.opt_int(field)?
            .ok_or_else(|| self.corrupt(field, "is missing"))
    }

    /// A required boolean.
    pub(crate) fn flag(&self, field: &'static str) -> Result<bool, CorruptData> {
        match self.value(field) {
            Some(Bson::Boolean(flag)) => Ok(*flag),
            other => Err(self.corrupt(field, format!("is not a boolean: {other:?}"))),
        }
    }

    /// The texts of an array field (missing or null: none).
    pub(crate) fn texts(&self, field: &'static str) -> Result<Vec<&'a str>, CorruptData> {
        match self.value(field) {
            None => Ok(Vec::new()),
            Some(Bson::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Bson::String(text) => Ok(text.as_str()),
                    other => Err(self.corrupt(field, format!("holds a non-string: {other}"))),
                })
                .collect(),
            Some(other) => Err(self.corrupt(field, format!("is not an array: {other}"))),
        }
    }

    /// The documents of an array field (missing or null: none).
    pub(crate) fn documents(&self, field: &'static str) -> Result<Vec<&'a Document>, CorruptData> {
        match self.value(field) {
            None => Ok(Vec::new()),
            Some(Bson::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Bson::Document(document) => Ok(document),
                    other => Err(self.corrupt(field, format!("holds a non-document: {other}"))),
                })
                .collect(),
            Some(other) => Err(self.corrupt(field, format!("is not an array: {other}"))),
        }
    }

    /// The record's `version` (1 or more).
    pub(crate) fn version(&self) -> Result<Version, CorruptData> {
        let stored = self.int("version")?;
        u64::try_from(stored)
            .ok()
            .filter(|n| *n >= 1)
            .map(Version::new)
            .ok_or_else(|| self.corrupt("version", format!("`{stored}` is not a version")))
    }

    /// A principal stored as its kind and id.
    pub(crate) fn principal(
        &self,
        kind_field: &'static str,
        id_field: &'static str,
    ) -> Result<PrincipalId, CorruptData> {
        let kind = match self.text(kind_field)? {
            "user" => PrincipalKind::User,
            "customer" => PrincipalKind::Customer,
            other => {
                return Err(self.corrupt(kind_field, format!("unknown principal kind `{other}`")));
            }
        };
        self.parse(id_field, |id| PrincipalId::parse(kind, id))
    }
}

#[cfg(test)]
mod tests {
    use crm_kernel::{EmailAddress, UserId};
    use mongodb::bson::doc;

    use super::*;

    #[test]
    fn instants_keep_their_milliseconds() {
        let at = Timestamp::parse_rfc3339("2026-11-25T09:28:06.123Z").unwrap();
        assert_eq!(timestamp_of(date(at)), Some(at));
        assert_eq!(opt_date(None), Bson::Null);
        assert_eq!(opt_text(Some("x")), Bson::String("x".into()));
        assert_eq!(opt_id(None::<UserId>), Bson::Null);
    }

    #[test]
    fn fields_parse_through_domain_constructors_or_report_corrupt_data() {
        let id = UserId::new();
        let document = doc! {
            "email": "not an email", "n": 3_i32, "flag": true, "version": 0_i64,
            "kind": "user", "principal": id.to_string(), "tags": ["a", 1], "none": null,
        };
        let fields = Fields::of("things", &document);
        let error = fields.parse("email", EmailAddress::parse).unwrap_err();
        assert!(error.to_string().contains("things.email"), "{error}");
        assert_eq!(fields.int("n").unwrap(), 3);
        assert!(fields.flag("flag").unwrap());
        assert!(fields.version().is_err(), "versions start at 1");
        assert_eq!(
            fields.principal("kind", "principal").unwrap(),
            PrincipalId::User(id)
        );
        assert!(fields.texts("tags").is_err());
        assert_eq!(fields.opt_text("none").unwrap(), None);
        assert_eq!(fields.opt_time("missing").unwrap(), None);
        assert!(fields.time("n").is_err());
        assert!(fields.text("missing").is_err());
    }

    #[test]
    fn record_ids_are_time_ordered_uuids() {
        let first = new_record_id();
        let second = new_record_id();
        assert!(first < second);
        assert_eq!(first.len(), 36);
    }
}
