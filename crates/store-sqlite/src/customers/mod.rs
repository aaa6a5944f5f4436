//! The customers context's ports on SQLite: customers (`customers`,
//! `customer_tags`, the `customers_fts` search index), their status history,
//! the import transaction, companies, what the context asks about staff
//! users, and the customer directory the other contexts read.

pub(crate) mod companies;
pub(crate) mod company_list;
pub(crate) mod company_rows;
pub(crate) mod directory;
mod erasure;
pub(crate) mod fts;
pub(crate) mod import;
pub(crate) mod list;
mod refusals;
mod repository;
pub(crate) mod rows;
mod staff;
pub(crate) mod status_history;
pub(crate) mod writes;
