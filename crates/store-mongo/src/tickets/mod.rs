//! The tickets ports: tickets with their events, comments and idempotent
//! raising, and what the tickets context asks about customers and staff.

pub(crate) mod directory;
mod idempotency;
mod ticket_docs;
mod ticket_list;
mod ticket_writes;
mod tickets;
