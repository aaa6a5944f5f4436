//! The tickets ports: tickets with their events, comments and idempotent
//! raising, and what the tickets context asks about customers and staff.

pub(crate) mod directory;
pub(crate) mod docs;
pub(crate) mod idempotency;
pub(crate) mod list;
mod repository;
mod writes;
