//! The identity context's ports on SQLite: staff users (`users`,
//! `user_companies`), sign-in credentials, customer accounts and
//! refresh-token sessions.

mod credentials;
mod customer_accounts;
mod sessions;
pub(crate) mod user_list;
mod user_rows;
mod users;
