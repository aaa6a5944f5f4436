//! The HTTP routes, one module per resource.

pub mod auth;
pub mod companies;
pub mod customer_csv;
pub mod customers;
pub mod health;
pub mod me;
pub mod users;
