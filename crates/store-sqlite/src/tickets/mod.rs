//! The tickets context's ports on SQLite: tickets with their events,
//! comments and idempotency keys, and what the context asks about customers
//! and assignees.

pub(crate) mod comments;
mod directory;
pub(crate) mod events;
pub(crate) mod idempotency;
pub(crate) mod list;
mod repository;
pub(crate) mod rows;
pub(crate) mod writes;
