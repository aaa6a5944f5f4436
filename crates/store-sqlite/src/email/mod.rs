//! The email context's ports on SQLite: messages and recipients (the
//! outbox, claimed with `UPDATE … RETURNING` under a lease), events, inbound
//! mail, the suppression list, templates and idempotency keys, and what the
//! context asks about customers and staff users. The email entries of a
//! customer's history are read by `interactions::history`.

mod directory;
pub(crate) mod events;
pub(crate) mod history;
mod inbound;
mod list;
pub(crate) mod outbox;
pub(crate) mod repository;
pub(crate) mod rows;
pub(crate) mod suppressions;
mod templates;
mod writes;
