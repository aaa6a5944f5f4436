//! The customers ports: customers (with their search, status history,
//! erasure and import), companies, and the staff directory.

mod companies;
mod company_list;
pub(crate) mod docs;
mod erasure;
mod import;
pub(crate) mod list;
mod repository;
pub(crate) mod search;
mod staff;
pub(crate) mod status_changes;
pub(crate) mod undo;
mod writes;
