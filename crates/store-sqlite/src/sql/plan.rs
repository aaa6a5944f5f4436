//! The one planner of a list page: `SELECT … ORDER BY <key>, <id> LIMIT ?`,
//! starting strictly after the last item of the previous page.
//!
//! Lists are keyset-paginated on (sort key, id): the next page starts
//! strictly after the last item's pair, so items created between two
//! requests never cause duplicates or gaps among those that existed before.
//! Each list orders by an expression that an index on (it, id) serves. The
//! query fetches one row more than the page: the extra row only tells that
//! another page exists.

use std::convert::Infallible;

use crm_kernel::{Limit, PageRequest, SortDirection};
use rusqlite::types::Value;

use super::filter::Filter;

/// A statement and its positional parameters.
#[derive(Debug)]
pub(crate) struct ListQuery {
    /// The `SELECT`.
    pub(crate) sql: String,
    /// One value per `?`, in order.
    pub(crate) params: Vec<Value>,
}

/// How one page is fetched.
#[derive(Debug)]
pub(crate) enum ListPlan {
    /// Nothing can match (nothing is visible, or a filter no record can
    /// meet): the page is empty and nothing is read.
    Empty,
    /// The query of the page.
    Query(ListQuery),
    /// Queries run one after the other, each listing what follows the
    /// previous one's items, until `rows` items are read (a page and the
    /// extra row); the later ones then do not run.
    Sequence {
        /// The queries, in the list's order.
        queries: Vec<ListQuery>,
        /// How many items the page needs.
        rows: usize,
    },
}

/// The order of a list: a sort key, then an id that breaks ties, both in
/// one direction.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Order<'a> {
    /// The expression the list is ordered and compared by.
    pub(crate) key: &'a str,
    /// The unique column that breaks ties.
    pub(crate) id: &'a str,
    /// Smallest or largest first.
    pub(crate) direction: SortDirection,
}

impl Order<'_> {
    /// `key ASC, id ASC` (or `DESC`).
    fn by(&self) -> String {
        let direction = self.keyword();
        format!("{} {direction}, {} {direction}", self.key, self.id)
    }

    /// `(key, id) > (?, ?)`: strictly after a position, in this order.
    fn after(&self) -> String {
        let after = match self.direction {
            SortDirection::Asc => ">",
            SortDirection::Desc => "<",
        };
        format!("({}, {}) {after} (?, ?)", self.key, self.id)
    }

    /// `ASC` or `DESC`.
    fn keyword(&self) -> &'static str {
        match self.direction {
            SortDirection::Asc => "ASC",
            SortDirection::Desc => "DESC",
        }
    }
}

/// Where a page starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Start {
    /// At the first item.
    First,
    /// Strictly after the item at this (sort key, id), in the list's order.
    After {
        /// The sort key's value.
        key: Value,
        /// The id's value.
        id: Value,
    },
}

impl Start {
    /// Where `page` starts: after its cursor's (key, id), both compared as
    /// text. The cursor was signed by the server, so its key is one the
    /// list's query produced; a missing key is compared as empty text.
    pub(crate) fn keyset(page: &PageRequest) -> Self {
        let Ok(start) = Self::keyset_with(page, |key| {
            Ok::<_, Infallible>(Value::Text(key.unwrap_or_default().to_owned()))
        });
        start
    }

    /// Where `page` starts, its cursor's key bound by `bind_key` (for a sort
    /// key that is not compared as text) and its id as text.
    pub(crate) fn keyset_with<E>(
        page: &PageRequest,
        bind_key: impl FnOnce(Option<&str>) -> Result<Value, E>,
    ) -> Result<Self, E> {
        Ok(match &page.after {
            None => Self::First,
            Some(position) => Self::After {
                key: bind_key(position.key.as_deref())?,
                id: Value::Text(position.id.clone()),
            },
        })
    }
}

/// What a list's page selects, from where, in which order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageSelect<'a> {
    /// The selected columns: the item's, then the cursor key where the list
    /// reads it from the row.
    pub(crate) columns: &'a str,
    /// The tables (with their aliases and joins).
    pub(crate) from: &'a str,
    /// The order of the list.
    pub(crate) order: Order<'a>,
}

impl PageSelect<'_> {
    /// The query of one page: the rows that meet `filter`, from `start`, at
    /// most `limit + 1` of them.
    pub(crate) fn query(self, mut filter: Filter, start: Start, limit: Limit) -> ListQuery {
        if let Start::After { key, id } = start {
            filter.push_all(self.order.after(), [key, id]);
        }
        let conditions = filter.where_clause();
        let mut params = filter.into_params();
        params.push(Value::Integer(i64::from(limit.get()) + 1));
        ListQuery {
            sql: format!(
                "SELECT {} FROM {}{conditions} ORDER BY {} LIMIT ?",
                self.columns,
                self.from,
                self.order.by()
            ),
            params,
        }
    }

    /// [`PageSelect::query`] as a plan.
    pub(crate) fn plan(self, filter: Filter, start: Start, limit: Limit) -> ListPlan {
        ListPlan::Query(self.query(filter, start, limit))
    }
}

/// The statement and parameters of a plan that must be a query (for tests).
#[cfg(test)]
pub(crate) fn sql_and_params(plan: ListPlan) -> (String, Vec<Value>) {
    match plan {
        ListPlan::Query(ListQuery { sql, params }) => (sql, params),
        ListPlan::Empty | ListPlan::Sequence { .. } => panic!("expected a query"),
    }
}

#[cfg(test)]
mod tests {
    use crm_kernel::CursorPosition;

    use super::*;

    const SELECT: PageSelect<'static> = PageSelect {
        columns: "x.id, x.k",
        from: "xs x",
        order: Order {
            key: "x.k",
            id: "x.id",
            direction: SortDirection::Desc,
        },
    };

    #[test]
    fn a_first_page_has_no_position() {
        let query = SELECT.query(Filter::new(), Start::First, Limit::default());
        assert_eq!(
            query.sql,
            "SELECT x.id, x.k FROM xs x ORDER BY x.k DESC, x.id DESC LIMIT ?"
        );
        assert_eq!(query.params, vec![Value::Integer(51)]);
    }

    #[test]
    fn a_later_page_starts_strictly_after_the_position() {
        let page = PageRequest {
            limit: Limit::parse(Some(2)).unwrap(),
            after: Some(CursorPosition {
                key: None,
                id: "i".into(),
            }),
        };
        let mut filter = Filter::new();
        filter.push_text("x.a = ?", "a");
        let query = SELECT.query(filter, Start::keyset(&page), page.limit);
        assert_eq!(
            query.sql,
            "SELECT x.id, x.k FROM xs x WHERE x.a = ? AND (x.k, x.id) < (?, ?) \
             ORDER BY x.k DESC, x.id DESC LIMIT ?"
        );
        assert_eq!(
            query.params,
            vec![
                Value::Text("a".into()),
                Value::Text(String::new()),
                Value::Text("i".into()),
                Value::Integer(3)
            ]
        );
    }

    #[test]
    fn a_page_without_cursor_starts_first() {
        let refused: Result<Start, &str> =
            Start::keyset_with(&PageRequest::default(), |_| Err("unused"));
        assert_eq!(refused, Ok(Start::First));
    }
}
