//! # crm-tickets
//!
//! The tickets context: customers raise support tickets and mark them
//! resolved; staff work them.
//!
//! It owns [`Ticket`]s and their state machine ([`TicketStatus`]: open →
//! in progress → resolved → closed, resolved → reopened, with every
//! transition recorded as a [`TicketEvent`]), [`Comment`]s (public or
//! staff-only), who may do what ([`TicketPolicy`]), idempotent raising, and
//! the per-ticket response metrics (time to first response, time to
//! resolution) that reports aggregate.
//!
//! What it needs from other contexts (does a customer exist, which company
//! and owner does it have; does a staff user exist) comes through its own
//! small ports ([`ports::CustomerDirectory`], [`ports::StaffDirectory`]),
//! which the store implements.

pub mod comment;
pub mod error;
pub mod history;
pub mod policy;
pub mod ports;
pub mod query;
pub mod service;
pub mod status;
pub mod ticket;

pub use comment::{Comment, FirstResponse, NewComment};
pub use error::TicketError;
pub use history::{TicketHistory, TicketStep};
pub use policy::{TicketAction, TicketPolicy};
pub use query::{TicketQuery, TicketSort, TicketSortField};
pub use service::{Raised, TicketPorts, TicketService};
pub use status::{Channel, Priority, TicketStatus};
pub use ticket::{IdempotencyKey, NewTicket, Subject, Ticket, TicketEvent, TicketPatch};
