//! The interactions context's ports on SQLite: interactions with their
//! attendees, `customers.last_interaction` kept in step with them, the
//! customer history over several contexts' tables, calendar feeds, and what
//! the context asks about customers and staff users.

pub(crate) mod branch;
mod calendar_feeds;
mod directory;
mod history;
pub(crate) mod last_interaction;
pub(crate) mod list;
mod repository;
pub(crate) mod rows;
pub(crate) mod writes;
