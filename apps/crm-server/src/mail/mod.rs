//! Email in the server: the email service built from the settings
//! ([`setup`]), and the background worker that sends what is due
//! ([`worker`]), with its metrics.

pub mod setup;
pub mod worker;
