//! The SQL that every list of the store shares, written once: the
//! conditions of a `WHERE` clause and their parameters ([`Filter`]), `LIKE`
//! escaping, the visibility rule, and the one planner of a page
//! ([`PageSelect`]): `ORDER BY` a sort key then an id, the keyset (or
//! offset) position to start after, `LIMIT` one more than the page.
//!
//! A context's list builds its [`Filter`] from its query, names its
//! columns, tables and sort key, and gets a [`ListQuery`]; the store reads
//! it with [`SqliteStore::list_rows`](crate::db::open::SqliteStore::list_rows)
//! and cuts the page with [`keyed_page`] or `Page::from_overfetch`.

mod filter;
mod like;
mod page;
mod plan;
mod visibility;

pub(crate) use filter::{Filter, search_text};
pub(crate) use page::{keyed, keyed_page};
#[cfg(test)]
pub(crate) use plan::sql_and_params;
pub(crate) use plan::{ListPlan, ListQuery, Order, PageSelect, Start};
