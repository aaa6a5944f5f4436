//! The identity store contract: [`UserRepository`], [`CredentialStore`],
//! [`CustomerAccounts`] and [`SessionStore`], as their documentation in
//! `crm_identity::ports` states them.
//!
//! Every function expects a fresh, empty store and panics with a message
//! naming the broken rule. Run them all with [`identity_contract_tests!`].
//!
//! The checks use ASCII emails and compare sort keys as Rust strings
//! (byte-wise, as SQLite's BINARY collation and MongoDB's default
//! comparison do), so any conforming store orders items the same way.
//!
//! [`identity_contract_tests!`]: crate::identity_contract_tests

mod customers;
mod holders;
mod lists;
mod sessions;
mod support;
mod users;

use crm_identity::ports::{CredentialStore, CustomerAccounts, SessionStore, UserRepository};

pub use customers::*;
pub use holders::*;
pub use lists::*;
pub use sessions::*;
pub use users::*;

/// A store that implements every identity port.
pub trait IdentityStore:
    UserRepository + CredentialStore + CustomerAccounts + SessionStore
{
}

impl<T> IdentityStore for T where
    T: UserRepository + CredentialStore + CustomerAccounts + SessionStore + ?Sized
{
}

/// Generates one `#[tokio::test]` per check of the identity contract.
///
/// `$fresh` names an async function without arguments that returns
/// `(guard, store)` (or an `Option` of it, see [`FreshStore`](crate::contract::FreshStore)):
/// a new, empty, migrated store implementing
/// [`IdentityStore`], and whatever must live as long as the test.
#[macro_export]
macro_rules! identity_contract_tests {
    ($fresh:path) => {
        $crate::identity_contract_tests!(@checks $fresh;
            insert_then_get_round_trips_every_field,
            duplicate_email_between_staff_users_is_refused,
            duplicate_email_between_staff_and_customers_is_refused_both_ways,
            customer_register_then_profile_and_credential,
            duplicate_customer_email_is_refused,
            update_replaces_the_user_and_the_credential_follows,
            update_to_a_taken_email_is_refused_and_changes_nothing,
            update_and_delete_of_an_unknown_user_are_not_found,
            last_active_admin_guard_refuses_update_and_delete,
            delete_removes_the_user_its_credential_and_its_sessions,
            count_active_admins_counts_only_active_admins,
            list_filters_by_text_over_name_email_and_phone,
            list_filters_by_role_and_status,
            list_sorts_by_every_field_in_both_directions,
            pagination_walks_every_item_once_while_items_are_inserted,
            session_insert_then_find_by_hash,
            rotate_marks_the_old_session_and_stores_the_new_one,
            rotate_of_a_rotated_or_revoked_session_stores_nothing,
            concurrent_rotations_of_one_session_let_exactly_one_win,
            revoke_family_revokes_only_that_family,
            revoke_principal_revokes_only_that_principal,
            session_holder_is_the_account_of_a_live_sign_in,
            session_holder_is_none_once_the_sign_in_or_the_account_ends,
            session_holder_follows_every_change_of_the_account,
        );
    };
    (@checks $fresh:path; $($check:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let Some((_guard, store)) = $crate::contract::FreshStore::into_fresh($fresh().await) else {
                    return;
                };
                $crate::contract::identity::$check(&store).await;
            }
        )+
    };
}

#[cfg(test)]
mod tests {
    /// Every public check is listed in `identity_contract_tests!`, so a
    /// store that runs the macro runs the whole suite.
    #[test]
    fn the_macro_runs_every_check() {
        let macro_body = include_str!("mod.rs");
        let checks = [
            include_str!("users.rs"),
            include_str!("lists.rs"),
            include_str!("customers.rs"),
            include_str!("sessions.rs"),
            include_str!("holders.rs"),
        ]
        .concat();
        let names: Vec<&str> = checks
            .split("\npub async fn ")
            .skip(1)
            .filter_map(|rest| rest.split(['<', '(']).next())
            .collect();
        assert!(names.len() > 20, "{names:?}");
        for name in names {
            assert!(
                macro_body.contains(&format!("{name},")),
                "{name} is missing from identity_contract_tests!"
            );
        }
    }
}
