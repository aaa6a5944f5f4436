//! Keyset pagination in BSON: the order of a list, the condition "strictly
//! after this item", and the sort value a cursor carries.
//!
//! A list is ordered by one field, then by `_id` (which breaks ties, so the
//! order is total). The next page starts strictly after the last item's
//! (value, id): `{$or: [{f: {$gt: v}}, {f: v, _id: {$gt: id}}]}` ascending.
//! A missing value (null) sorts before every other value, as MongoDB sorts
//! it and as the SQLite store's `coalesce(…, '')` does, and the conditions
//! say so explicitly, since `$gt`/`$lt` never match null.
//!
//! The cursor's key is the last item's value as text, in the form the
//! SQLite store's cursors carry it ([`KeyKind`]): text as it is, an instant
//! in RFC 3339 with milliseconds, an integer in decimal (two digits at
//! least), null as the empty text. The cursor is signed by the server, so a
//! key this list cannot read is a backend error.

use crm_kernel::{BackendError, CursorPosition, Limit, Page, SortDirection, Timestamp};
use mongodb::bson::{Bson, Document, doc};

use crate::bson::convert::{date, timestamp_of};
use crate::db::error::CorruptData;

/// A value a list is ordered by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SortValue {
    /// No value (sorts first).
    Null,
    /// A string (compared byte-wise, as both stores compare text).
    Text(String),
    /// An instant.
    Date(Timestamp),
    /// An integer.
    Int(i64),
}

impl SortValue {
    /// The value as BSON.
    pub(crate) fn to_bson(&self) -> Bson {
        match self {
            Self::Null => Bson::Null,
            Self::Text(text) => Bson::String(text.clone()),
            Self::Date(at) => Bson::DateTime(date(*at)),
            Self::Int(n) => Bson::Int64(*n),
        }
    }

    /// The value of `field` in a stored document (`None` for a type no
    /// list sorts by).
    pub(crate) fn of(document: &Document, field: &str) -> Option<Self> {
        match document.get(field) {
            None | Some(Bson::Null) => Some(Self::Null),
            Some(Bson::String(text)) => Some(Self::Text(text.clone())),
            Some(Bson::DateTime(at)) => timestamp_of(*at).map(Self::Date),
            Some(Bson::Int32(n)) => Some(Self::Int(i64::from(*n))),
            Some(Bson::Int64(n)) => Some(Self::Int(*n)),
            Some(_) => None,
        }
    }
}

/// What a list's sort field holds, which tells how its cursor key is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// Text, never null.
    Text,
    /// An instant, or null (the empty key).
    Date,
    /// An integer, or null (the empty key).
    Int,
}

impl SortValue {
    /// The value's cursor key.
    pub(crate) fn key(&self) -> String {
        match self {
            Self::Null => String::new(),
            Self::Text(text) => text.clone(),
            Self::Date(at) => at.to_rfc3339(),
            Self::Int(n) => format!("{n:02}"),
        }
    }
}

impl KeyKind {
    /// The value a cursor key holds, if it is one of this kind.
    pub(crate) fn decode(self, key: &str) -> Option<SortValue> {
        match self {
            Self::Text => Some(SortValue::Text(key.to_owned())),
            Self::Date | Self::Int if key.is_empty() => Some(SortValue::Null),
            Self::Date => Timestamp::parse_rfc3339(key).ok().map(SortValue::Date),
            Self::Int => key.parse().ok().map(SortValue::Int),
        }
    }
}

/// The order of a list: a field in a direction, then `_id` in `ties`'
/// direction (the same one, but for relevance).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Order {
    /// The field ordered by.
    pub(crate) field: &'static str,
    /// What it holds.
    pub(crate) key: KeyKind,
    /// Its direction.
    pub(crate) direction: SortDirection,
    /// The direction of `_id` among equal values.
    pub(crate) ties: SortDirection,
}

impl Order {
    /// `field` (holding `key`), then `_id`, both in `direction`.
    pub(crate) fn by(field: &'static str, key: KeyKind, direction: SortDirection) -> Self {
        Self {
            field,
            key,
            direction,
            ties: direction,
        }
    }

    /// The `sort` document.
    pub(crate) fn sort(&self) -> Document {
        doc! { self.field: sign(self.direction), "_id": sign(self.ties) }
    }

    /// The condition "strictly after (`value`, `id`)" in this order.
    pub(crate) fn after(&self, value: &SortValue, id: &str) -> Document {
        let field = self.field;
        let tie = doc! { field: value.to_bson(), "_id": { beyond(self.ties): id } };
        let mut branches = match (value, self.direction) {
            // Nothing sorts before null; everything else comes after it.
            (SortValue::Null, SortDirection::Asc) => vec![doc! { field: { "$ne": Bson::Null } }],
            (SortValue::Null, SortDirection::Desc) => Vec::new(),
            (value, SortDirection::Asc) => vec![doc! { field: { "$gt": value.to_bson() } }],
            (value, SortDirection::Desc) => vec![
                doc! { field: { "$lt": value.to_bson() } },
                doc! { field: Bson::Null },
            ],
        };
        if branches.is_empty() {
            return tie;
        }
        branches.push(tie);
        doc! { "$or": branches }
    }

    /// The sort value and id a cursor position of this list holds.
    pub(crate) fn decode<'p>(
        &self,
        position: &'p CursorPosition,
    ) -> Result<(SortValue, &'p str), BackendError> {
        position
            .key
            .as_deref()
            .and_then(|key| self.key.decode(key))
            .map(|value| (value, position.id.as_str()))
            .ok_or_else(|| BackendError::msg("the cursor is not a position of this list"))
    }

    /// The condition of the page after `position` (none for the first page).
    pub(crate) fn after_position(
        &self,
        position: Option<&CursorPosition>,
    ) -> Result<Option<Document>, BackendError> {
        position
            .map(|position| {
                let (value, id) = self.decode(position)?;
                Ok(self.after(&value, id))
            })
            .transpose()
    }

    /// The cursor position of a stored (or projected) document of `collection`.
    pub(crate) fn position(
        &self,
        collection: &'static str,
        document: &Document,
    ) -> Result<CursorPosition, CorruptData> {
        let value = SortValue::of(document, self.field)
            .ok_or_else(|| CorruptData::new(collection, self.field, "is not a sortable value"))?;
        let id = document
            .get_str("_id")
            .map_err(|_| CorruptData::new(collection, "_id", "is not a string"))?;
        Ok(CursorPosition {
            key: Some(value.key()),
            id: id.to_owned(),
        })
    }
}

/// One page from the `limit + 1` `documents` of `collection` read in
/// `order`: each parsed by `read`, the next position taken from the last
/// kept document.
pub(crate) fn page_of<T>(
    collection: &'static str,
    documents: &[Document],
    limit: Limit,
    order: &Order,
    read: impl Fn(&Document) -> Result<T, CorruptData>,
) -> Result<Page<T>, CorruptData> {
    let items = documents
        .iter()
        .map(|document| Ok((read(document)?, order.position(collection, document)?)))
        .collect::<Result<Vec<_>, CorruptData>>()?;
    Ok(Page::from_overfetch(items, limit, |(_, position)| position.clone()).map(|(item, _)| item))
}

/// `1` or `-1`.
pub(crate) fn sign(direction: SortDirection) -> i32 {
    match direction {
        SortDirection::Asc => 1,
        SortDirection::Desc => -1,
    }
}

/// `$gt` or `$lt`: "after" in `direction`.
pub(crate) fn beyond(direction: SortDirection) -> &'static str {
    match direction {
        SortDirection::Asc => "$gt",
        SortDirection::Desc => "$lt",
    }
}

/// Any of `conditions`: `None` for none, the one itself, or `$or`.
pub(crate) fn any_of(mut conditions: Vec<Document>) -> Option<Document> {
    match conditions.len() {
        0 => None,
        1 => conditions.pop(),
        _ => Some(doc! { "$or": conditions }),
    }
}

/// All of `conditions`: `{}` for none, the one itself, or `$and`.
pub(crate) fn all_of(mut conditions: Vec<Document>) -> Document {
    conditions.retain(|condition| !condition.is_empty());
    match conditions.len() {
        0 => Document::new(),
        1 => conditions.remove(0),
        _ => doc! { "$and": conditions },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(millis: i64) -> Timestamp {
        Timestamp::from_millis(millis).unwrap()
    }

    #[test]
    fn keys_are_written_as_the_sqlite_store_writes_them() {
        let cases = [
            (
                KeyKind::Text,
                SortValue::Text("ünal zoë".into()),
                "ünal zoë",
            ),
            (KeyKind::Text, SortValue::Text(String::new()), ""),
            (
                KeyKind::Date,
                SortValue::Date(at(1_767_225_600_123)),
                "2026-01-01T00:00:00.123Z",
            ),
            (KeyKind::Date, SortValue::Null, ""),
            (KeyKind::Int, SortValue::Int(3), "03"),
            (KeyKind::Int, SortValue::Int(25), "25"),
        ];
        for (kind, value, key) in cases {
            assert_eq!(value.key(), key);
            assert_eq!(kind.decode(key), Some(value));
        }
        assert_eq!(KeyKind::Date.decode("offset:3"), None);
        assert_eq!(KeyKind::Int.decode("x"), None);
        let order = Order::by("created_at", KeyKind::Date, SortDirection::Asc);
        let bad = CursorPosition {
            key: Some("offset:3".into()),
            id: "x".into(),
        };
        assert!(order.decode(&bad).is_err());
        assert!(order.after_position(Some(&bad)).is_err());
        assert_eq!(order.after_position(None).unwrap(), None);
    }

    #[test]
    fn sorts_end_with_the_id() {
        let order = Order::by("name_sort", KeyKind::Text, SortDirection::Desc);
        assert_eq!(order.sort(), doc! { "name_sort": -1, "_id": -1 });
        let relevance = Order {
            field: "score",
            key: KeyKind::Int,
            direction: SortDirection::Desc,
            ties: SortDirection::Asc,
        };
        assert_eq!(relevance.sort(), doc! { "score": -1, "_id": 1 });
    }

    #[test]
    fn after_a_value_ascending_and_descending() {
        let value = SortValue::Text("lee".into());
        assert_eq!(
            Order::by("name_sort", KeyKind::Text, SortDirection::Asc).after(&value, "id-1"),
            doc! { "$or": [
                { "name_sort": { "$gt": "lee" } },
                { "name_sort": "lee", "_id": { "$gt": "id-1" } },
            ] }
        );
        assert_eq!(
            Order::by("name_sort", KeyKind::Text, SortDirection::Desc).after(&value, "id-1"),
            doc! { "$or": [
                { "name_sort": { "$lt": "lee" } },
                { "name_sort": null },
                { "name_sort": "lee", "_id": { "$lt": "id-1" } },
            ] }
        );
    }

    #[test]
    fn null_sorts_first() {
        let order = |direction| Order::by("last_interaction", KeyKind::Date, direction);
        assert_eq!(
            order(SortDirection::Asc).after(&SortValue::Null, "id-1"),
            doc! { "$or": [
                { "last_interaction": { "$ne": null } },
                { "last_interaction": null, "_id": { "$gt": "id-1" } },
            ] }
        );
        assert_eq!(
            order(SortDirection::Desc).after(&SortValue::Null, "id-1"),
            doc! { "last_interaction": null, "_id": { "$lt": "id-1" } }
        );
    }

    #[test]
    fn ties_may_run_the_other_way() {
        let relevance = Order {
            field: "score",
            key: KeyKind::Int,
            direction: SortDirection::Desc,
            ties: SortDirection::Asc,
        };
        assert_eq!(
            relevance.after(&SortValue::Int(12), "id-1"),
            doc! { "$or": [
                { "score": { "$lt": 12_i64 } },
                { "score": null },
                { "score": 12_i64, "_id": { "$gt": "id-1" } },
            ] }
        );
    }

    #[test]
    fn all_of_drops_empty_conditions() {
        assert_eq!(all_of(vec![]), doc! {});
        assert_eq!(all_of(vec![doc! {}, doc! { "a": 1 }]), doc! { "a": 1 });
        assert_eq!(
            all_of(vec![doc! { "a": 1 }, doc! { "b": 2 }]),
            doc! { "$and": [{ "a": 1 }, { "b": 2 }] }
        );
    }

    #[test]
    fn pages_take_their_position_from_the_last_kept_document() {
        let documents = vec![
            doc! { "_id": "a", "k": "x" },
            doc! { "_id": "b", "k": "y" },
            doc! { "_id": "c", "k": "z" },
        ];
        let limit = Limit::parse(Some(2)).unwrap();
        let order = Order::by("k", KeyKind::Text, SortDirection::Asc);
        let read = |document: &Document| Ok(document.get_str("_id").unwrap_or("?").to_owned());
        let page = page_of("things", &documents, limit, &order, read).unwrap();
        assert_eq!(page.items, ["a", "b"]);
        assert_eq!(
            page.next,
            Some(CursorPosition {
                key: Some("y".into()),
                id: "b".into()
            })
        );
        let last = page_of("things", &documents[..2], limit, &order, read).unwrap();
        assert_eq!(last.next, None);
        let broken = vec![doc! { "_id": 1, "k": "x" }];
        assert!(page_of("things", &broken, limit, &order, read).is_err());
    }

    #[test]
    fn sort_values_are_read_from_documents() {
        let document = doc! { "s": "x", "n": null, "i": 2_i32, "o": {}, "d": date(at(5)) };
        assert_eq!(
            SortValue::of(&document, "s"),
            Some(SortValue::Text("x".into()))
        );
        assert_eq!(SortValue::of(&document, "n"), Some(SortValue::Null));
        assert_eq!(SortValue::of(&document, "missing"), Some(SortValue::Null));
        assert_eq!(SortValue::of(&document, "i"), Some(SortValue::Int(2)));
        assert_eq!(SortValue::of(&document, "d"), Some(SortValue::Date(at(5))));
        assert_eq!(SortValue::of(&document, "o"), None);
    }
}
