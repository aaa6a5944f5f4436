//! The customers store contract: [`CustomerRepository`] (with its
//! [`ImportTransaction`](crm_customers::ports::ImportTransaction)),
//! [`CompanyRepository`] and [`StaffDirectory`], as their documentation in
//! `crm_customers::ports` states them, together with the identity ports
//! they share tables and rules with (sign-up creates a customer, a
//! customer's email is its sign-in email, erasure deletes the credential and
//! sessions).
//!
//! Every function expects a fresh, empty store and panics with a message
//! naming the broken rule. Run them all with [`customers_contract_tests!`].
//!
//! As in the identity suite, sort keys are compared as Rust strings
//! (byte-wise). The name order of customers is "last first", lower-cased.
//!
//! [`customers_contract_tests!`]: crate::customers_contract_tests

mod companies;
mod import;
mod lists;
mod records;
mod search;
mod support;

use crm_customers::ports::{CompanyRepository, CustomerRepository, StaffDirectory};
use crm_identity::ports::{CredentialStore, CustomerAccounts, SessionStore, UserRepository};

pub use companies::*;
pub use import::*;
pub use lists::*;
pub use records::*;
pub use search::*;

/// A store that implements the customers ports and the identity ports the
/// checks use to set the scene (staff users, customer accounts, sessions).
pub trait CustomersStore:
    CustomerRepository
    + CompanyRepository
    + StaffDirectory
    + UserRepository
    + CustomerAccounts
    + CredentialStore
    + SessionStore
{
}

impl<T> CustomersStore for T where
    T: CustomerRepository
        + CompanyRepository
        + StaffDirectory
        + UserRepository
        + CustomerAccounts
        + CredentialStore
        + SessionStore
        + ?Sized
{
}

/// Generates one `#[tokio::test]` per check of the customers contract.
///
/// `$fresh` names an async function without arguments that returns
/// `(guard, store)` (or an `Option` of it, see [`FreshStore`](crate::contract::FreshStore)):
/// a new, empty, migrated store implementing
/// [`CustomersStore`], and whatever must live as long as the test. The
/// check names differ from the identity suite's, so both macros may run in
/// one module.
#[macro_export]
macro_rules! customers_contract_tests {
    ($fresh:path) => {
        $crate::customers_contract_tests!(@checks $fresh;
            customer_insert_then_get_round_trips_every_field,
            customer_insert_refuses_a_taken_email_and_names_its_holder,
            customer_insert_refuses_an_unknown_company_or_owner,
            customer_update_checks_the_version_and_replaces_the_record,
            customer_update_refuses_and_changes_nothing,
            customer_update_moves_the_sign_in_email,
            customer_sign_up_creates_the_full_record,
            customer_status_history_is_appended_in_order,
            customer_erase_keeps_an_anonymised_tombstone,
            company_insert_get_update_round_trip,
            company_rename_shows_on_its_customers_at_once,
            company_delete_refuses_while_customers_remain_unless_detached,
            company_list_filters_sorts_and_paginates,
            customer_list_filters_by_each_field,
            customer_list_honours_visibility,
            customer_list_sorts_by_every_field_in_both_directions,
            customer_pagination_keeps_every_customer_once_while_customers_are_added,
            customer_search_matches_word_prefixes_of_every_field,
            customer_search_ranks_name_matches_first,
            customer_search_ranks_by_tier_then_creation,
            customer_search_text_cannot_inject_syntax,
            import_commit_writes_every_batch,
            import_dropped_without_commit_writes_nothing,
            import_failing_write_names_its_index_and_undoes_its_batch,
            staff_exists_knows_every_staff_user,
            staff_email_cannot_be_a_customers,
        );
    };
    (@checks $fresh:path; $($check:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let Some((_guard, store)) = $crate::contract::FreshStore::into_fresh($fresh().await) else {
                    return;
                };
                $crate::contract::customers::$check(&store).await;
            }
        )+
    };
}

#[cfg(test)]
mod tests {
    fn check_names(sources: &[&str]) -> Vec<String> {
        sources
            .concat()
            .split("\npub async fn ")
            .skip(1)
            .filter_map(|rest| rest.split(['<', '(']).next())
            .map(str::to_owned)
            .collect()
    }

    /// Every public check is listed in `customers_contract_tests!`, so a
    /// store that runs the macro runs the whole suite; and no check has the
    /// name of an identity check, so both macros can share a module.
    #[test]
    fn the_macro_runs_every_check() {
        let macro_body = include_str!("mod.rs");
        let names = check_names(&[
            include_str!("records.rs"),
            include_str!("companies.rs"),
            include_str!("lists.rs"),
            include_str!("search.rs"),
            include_str!("import.rs"),
        ]);
        assert!(names.len() > 20, "{names:?}");
        for name in &names {
            assert!(
                macro_body.contains(&format!("{name},")),
                "{name} is missing from customers_contract_tests!"
            );
        }
        let identity = check_names(&[
            include_str!("../identity/users.rs"),
            include_str!("../identity/lists.rs"),
            include_str!("../identity/customers.rs"),
            include_str!("../identity/sessions.rs"),
            include_str!("../identity/holders.rs"),
        ]);
        for name in &names {
            assert!(!identity.contains(name), "{name} is also an identity check");
        }
    }
}
