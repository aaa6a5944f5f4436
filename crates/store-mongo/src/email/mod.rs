//! The email context's ports on MongoDB: messages and recipients (the
//! outbox, claimed one recipient per `findOneAndUpdate` under a lease),
//! events, inbound mail, the suppression list, templates and idempotency
//! keys, and what the context asks about customers and staff users. The
//! email entries of a customer's history are branches of
//! `interactions::history_pipeline`.

mod directory;
pub(crate) mod docs;
mod events;
pub(crate) mod history;
mod inbound;
mod list;
mod outbox;
mod repository;
mod suppressions;
mod templates;
mod writes;
