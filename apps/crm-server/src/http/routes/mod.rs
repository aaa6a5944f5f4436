//! The HTTP routes, one module per resource.

pub mod auth;
pub mod calendar;
pub mod companies;
pub mod customer_csv;
pub mod customers;
pub mod health;
pub mod history;
pub mod interactions;
pub mod me;
pub mod tickets;
pub mod users;
