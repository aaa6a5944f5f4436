//! Cursor pagination: what a list asks for and what it answers.
//!
//! Lists are keyset-paginated: a page ends at some item, and the next page
//! starts strictly after that item's (sort key, id). New items created between
//! two page requests therefore never cause duplicates or gaps among the items
//! that existed before. The position travels to clients only as an opaque,
//! signed cursor (the server's `CursorCodec`, ADR 0006).

use serde::{Deserialize, Serialize};

/// How many items one page holds: 1 to [`Limit::MAX`], [`Limit::DEFAULT`] when unspecified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(u32);

/// The requested page size is out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be between 1 and {max}", max = Limit::MAX)]
pub struct LimitError;

impl Limit {
    /// Page size when the client names none.
    pub const DEFAULT: u32 = 50;
    /// Largest page a client may ask for.
    pub const MAX: u32 = 200;

    /// The requested size, or the default when none was given.
    pub fn parse(requested: Option<u32>) -> Result<Self, LimitError> {
        match requested {
            None => Ok(Self(Self::DEFAULT)),
            Some(n) if (1..=Self::MAX).contains(&n) => Ok(Self(n)),
            Some(_) => Err(LimitError),
        }
    }

    /// The size as a number.
    #[must_use]
    pub fn get(&self) -> u32 {
        self.0
    }
}

impl Default for Limit {
    fn default() -> Self {
        Self(Self::DEFAULT)
    }
}

/// Order of a sorted list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortDirection {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

impl SortDirection {
    /// Splits a sort parameter: `-name` is (`Desc`, `name`), `name` is (`Asc`, `name`).
    #[must_use]
    pub fn split(text: &str) -> (Self, &str) {
        match text.strip_prefix('-') {
            Some(rest) => (Self::Desc, rest),
            None => (Self::Asc, text),
        }
    }
}

/// Where a page ended: the last item's sort key (as text that sorts like the
/// key, `None` for a missing value) and its id, which breaks ties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CursorPosition {
    /// The sort key of the last item.
    #[serde(rename = "k")]
    pub key: Option<String>,
    /// The id of the last item.
    #[serde(rename = "i")]
    pub id: String,
}

/// A request for one page of a list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// How many items at most.
    pub limit: Limit,
    /// Start after this position; `None` for the first page.
    pub after: Option<CursorPosition>,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items, in the list's order.
    pub items: Vec<T>,
    /// Where the next page starts; `None` when this is the last page.
    pub next: Option<CursorPosition>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched items: the extra item only tells
    /// that another page exists. `position` gives an item's cursor position.
    pub fn from_overfetch(
        mut items: Vec<T>,
        limit: Limit,
        position: impl Fn(&T) -> CursorPosition,
    ) -> Self {
        let limit = limit.get() as usize;
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(position)
        } else {
            None
        };
        Self { items, next }
    }

    /// Transforms every item, keeping the position.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_parameters_split_into_direction_and_field() {
        assert_eq!(SortDirection::split("-name"), (SortDirection::Desc, "name"));
        assert_eq!(SortDirection::split("name"), (SortDirection::Asc, "name"));
    }

    #[test]
    fn limit_bounds() {
        assert_eq!(Limit::parse(None).unwrap().get(), 50);
        assert_eq!(Limit::parse(Some(200)).unwrap().get(), 200);
        assert!(Limit::parse(Some(0)).is_err());
        assert!(Limit::parse(Some(201)).is_err());
    }

    #[test]
    fn overfetch_sets_next_only_when_more_exist() {
        let limit = Limit::parse(Some(2)).unwrap();
        let pos = |n: &u32| CursorPosition {
            key: None,
            id: n.to_string(),
        };
        let page = Page::from_overfetch(vec![1, 2, 3], limit, pos);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next.unwrap().id, "2");
        let last = Page::from_overfetch(vec![1, 2], limit, pos);
        assert!(last.next.is_none());
    }
}
