//! The identity ports: staff users, credentials, customer accounts and
//! refresh-token sessions, and the email keys every account holds.

mod credentials;
mod customer_accounts;
pub(crate) mod email_keys;
mod holders;
mod sessions;
mod user_docs;
pub(crate) mod user_list;
mod user_removal;
mod users;

pub(crate) use credentials::credential_id;
