//! The customers ports: customers (with their search, status history,
//! erasure and import), companies, and the staff directory.

mod companies;
mod company_list;
pub(crate) mod customer_docs;
mod customer_list;
mod customer_writes;
mod customers;
mod erasure;
mod import;
pub(crate) mod search;
mod staff;
mod undo;
