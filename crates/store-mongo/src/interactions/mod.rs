//! The interactions ports: interactions (with `last_interaction` kept on
//! the customer), the merged customer history, calendar feeds, and what the
//! interactions context asks about customers and staff.

mod calendar_feeds;
mod directory;
mod history;
mod history_pipeline;
mod interaction_docs;
mod interaction_list;
mod interaction_writes;
mod interactions;
