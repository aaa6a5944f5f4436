//! The identity context's ports on SQLite: staff users (`users`,
//! `user_companies`), sign-in credentials, customer accounts and
//! refresh-token sessions; and the staff directory the other contexts read.

mod credentials;
mod customer_accounts;
pub(crate) mod directory;
pub(crate) mod holder_cache;
mod sessions;
pub(crate) mod user_list;
pub(crate) mod user_rows;
mod users;
