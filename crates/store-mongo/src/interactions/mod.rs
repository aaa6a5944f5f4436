//! The interactions ports: interactions (with `last_interaction` kept on
//! the customer), the merged customer history, calendar feeds, and what the
//! interactions context asks about customers and staff.

mod calendar_feeds;
mod directory;
pub(crate) mod docs;
mod history;
pub(crate) mod history_pipeline;
pub(crate) mod list;
mod repository;
mod writes;
