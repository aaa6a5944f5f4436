//! # crm-email
//!
//! placeholder
pub mod consent;
pub mod content;
pub mod delivery;
pub mod error;
pub mod event;
pub mod html;
pub mod instrument;
pub mod mailbox;
pub mod message;
pub mod message_id;
pub mod outbox;
pub mod recipient;
pub mod status;
pub mod token;
pub mod tracking;
