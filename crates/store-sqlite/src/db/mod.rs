//! What every context of the store shares: opening the file (private:
//! `files.rs`) and its connections, the migrations, readiness, the mapping of database failures
//! to port errors, and the helpers that turn stored text back into domain
//! values. Nothing here knows a context's tables.

pub(crate) mod changes;
mod checkpoint;
pub(crate) mod error;
mod files;
mod group_commit;
pub(crate) mod health;
pub(crate) mod inline;
mod instants;
pub(crate) mod migrations;
pub(crate) mod open;
#[cfg(test)]
pub(crate) mod plans;
pub(crate) mod row_update;
pub(crate) mod rows;
pub(crate) mod threads;
