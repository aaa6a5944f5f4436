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
//! The cursor's key is the last item's value as typed text (`s:` a string,
//! `d:` a date in milliseconds, `i:` an integer, `n` null); the cursor is
//! signed by the server, so a key it cannot read is a backend error.

use crm_kernel::{BackendError, CursorPosition, Limit, Page, SortDirection};
use mongodb::bson::{Bson, DateTime, Document, doc};

use crate::db::error::CorruptData;

/// A value a list is ordered by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SortValue {
    /// No value (sorts first).
    Null,
    /// A string (compared byte-wise, as both stores compare text).
    Text(String),
    /// A date, in milliseconds since the epoch.
    Date(i64),
    /// An integer.
    Int(i64),
}

impl SortValue {
    /// The value as BSON.
    pub(crate) fn to_bson(&self) -> Bson {
        match self {
            Self::Null => Bson::Null,
            Self::Text(text) => Bson::String(text.clone()),
            Self::Date(millis) => Bson::DateTime(DateTime::from_millis(*millis)),
            Self::Int(n) => Bson::Int64(*n),
        }
    }

    /// The value of `field` in a stored document (`None` for a type no
    /// list sorts by).
    pub(crate) fn of(document: &Document, field: &str) -> Option<Self> {
        match document.get(field) {
            None | Some(Bson::Null) => Some(Self::Null),
            Some(Bson::String(text)) => Some(Self::Text(text.clone())),
            Some(Bson::DateTime(at)) => Some(Self::Date(at.timestamp_millis())),
            Some(Bson::Int32(n)) => Some(Self::Int(i64::from(*n))),
            Some(Bson::Int64(n)) => Some(Self::Int(*n)),
            Some(_) => None,
        }
    }

    /// The cursor key of the value.
    pub(crate) fn encode(&self) -> String {
        match self {
            Self::Null => "n".to_owned(),
            Self::Text(text) => format!("s:{text}"),
            Self::Date(millis) => format!("d:{millis}"),
            Self::Int(n) => format!("i:{n}"),
        }
    }

    /// The value a cursor key holds.
    pub(crate) fn decode(key: &str) -> Option<Self> {
        if key == "n" {
            return Some(Self::Null);
        }
        let (kind, rest) = key.split_once(':')?;
        match kind {
            "s" => Some(Self::Text(rest.to_owned())),
            "d" => rest.parse().ok().map(Self::Date),
            "i" => rest.parse().ok().map(Self::Int),
            _ => None,
        }
    }
}

/// The cursor position of an item: its sort value and id.
pub(crate) fn position(value: &SortValue, id: &str) -> CursorPosition {
    CursorPosition {
        key: Some(value.encode()),
        id: id.to_owned(),
    }
}

/// The sort value and id a cursor position holds.
pub(crate) fn decode_position(
    position: &CursorPosition,
) -> Result<(SortValue, &str), BackendError> {
    position
        .key
        .as_deref()
        .and_then(SortValue::decode)
        .map(|value| (value, position.id.as_str()))
        .ok_or_else(|| BackendError::msg("the cursor is not a position of this list"))
}

/// The order of a list: a field in a direction, then `_id` in `ties`'
/// direction (the same one, but for relevance).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Order {
    /// The field ordered by.
    pub(crate) field: &'static str,
    /// Its direction.
    pub(crate) direction: SortDirection,
    /// The direction of `_id` among equal values.
    pub(crate) ties: SortDirection,
}

impl Order {
    /// `field`, then `_id`, both in `direction`.
    pub(crate) fn by(field: &'static str, direction: SortDirection) -> Self {
        Self {
            field,
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
}

/// One page from the `limit + 1` `documents` of `collection` read in an
/// order by `field`: each parsed by `read`, the next position taken from the
/// last kept document's `field` and `_id`.
pub(crate) fn page_of<T>(
    collection: &'static str,
    documents: Vec<Document>,
    limit: Limit,
    field: &'static str,
    read: impl Fn(&Document) -> Result<T, CorruptData>,
) -> Result<Page<T>, CorruptData> {
    let items = documents
        .iter()
        .map(|document| {
            let value = SortValue::of(document, field)
                .ok_or_else(|| CorruptData::new(collection, field, "is not a sortable value"))?;
            let id = document
                .get_str("_id")
                .map_err(|_| CorruptData::new(collection, "_id", "is not a string"))?;
            Ok((read(document)?, position(&value, id)))
        })
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

    #[test]
    fn values_round_trip_through_cursor_keys() {
        for value in [
            SortValue::Null,
            SortValue::Text("ünal zoë: x".into()),
            SortValue::Text(String::new()),
            SortValue::Date(-5),
            SortValue::Int(3),
        ] {
            assert_eq!(SortValue::decode(&value.encode()), Some(value));
        }
        for bad in ["", "x", "d:soon", "i:", "q:1"] {
            assert_eq!(SortValue::decode(bad), None, "{bad}");
        }
        let bad = CursorPosition {
            key: Some("offset:3".into()),
            id: "x".into(),
        };
        assert!(decode_position(&bad).is_err());
    }

    #[test]
    fn sorts_end_with_the_id() {
        let order = Order::by("name_sort", SortDirection::Desc);
        assert_eq!(order.sort(), doc! { "name_sort": -1, "_id": -1 });
        let relevance = Order {
            field: "score",
            direction: SortDirection::Desc,
            ties: SortDirection::Asc,
        };
        assert_eq!(relevance.sort(), doc! { "score": -1, "_id": 1 });
    }

    #[test]
    fn after_a_value_ascending_and_descending() {
        let value = SortValue::Text("lee".into());
        assert_eq!(
            Order::by("name_sort", SortDirection::Asc).after(&value, "id-1"),
            doc! { "$or": [
                { "name_sort": { "$gt": "lee" } },
                { "name_sort": "lee", "_id": { "$gt": "id-1" } },
            ] }
        );
        assert_eq!(
            Order::by("name_sort", SortDirection::Desc).after(&value, "id-1"),
            doc! { "$or": [
                { "name_sort": { "$lt": "lee" } },
                { "name_sort": null },
                { "name_sort": "lee", "_id": { "$lt": "id-1" } },
            ] }
        );
    }

    #[test]
    fn null_sorts_first() {
        assert_eq!(
            Order::by("last_interaction", SortDirection::Asc).after(&SortValue::Null, "id-1"),
            doc! { "$or": [
                { "last_interaction": { "$ne": null } },
                { "last_interaction": null, "_id": { "$gt": "id-1" } },
            ] }
        );
        assert_eq!(
            Order::by("last_interaction", SortDirection::Desc).after(&SortValue::Null, "id-1"),
            doc! { "last_interaction": null, "_id": { "$lt": "id-1" } }
        );
    }

    #[test]
    fn ties_may_run_the_other_way() {
        let relevance = Order {
            field: "score",
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
        let read = |document: &Document| Ok(document.get_str("_id").unwrap().to_owned());
        let page = page_of("things", documents.clone(), limit, "k", read).unwrap();
        assert_eq!(page.items, ["a", "b"]);
        assert_eq!(
            page.next,
            Some(CursorPosition {
                key: Some("s:y".into()),
                id: "b".into()
            })
        );
        let last = page_of("things", documents[..2].to_vec(), limit, "k", read).unwrap();
        assert_eq!(last.next, None);
    }

    #[test]
    fn sort_values_are_read_from_documents() {
        let document = doc! { "s": "x", "n": null, "i": 2_i32, "o": {} };
        assert_eq!(
            SortValue::of(&document, "s"),
            Some(SortValue::Text("x".into()))
        );
        assert_eq!(SortValue::of(&document, "n"), Some(SortValue::Null));
        assert_eq!(SortValue::of(&document, "missing"), Some(SortValue::Null));
        assert_eq!(SortValue::of(&document, "i"), Some(SortValue::Int(2)));
        assert_eq!(SortValue::of(&document, "o"), None);
    }
}
