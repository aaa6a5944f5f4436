//! The tickets store contract: [`TicketRepository`], [`CustomerDirectory`]
//! and [`AssigneeDirectory`], as their documentation in
//! `crm_tickets::ports` states them. The checks set the scene through the
//! customers and identity ports (customers, companies, staff users), and
//! erase customers to check that their tickets stay.
//!
//! Every function expects a fresh, empty store and panics with a message
//! naming the broken rule. Run them all with [`tickets_contract_tests!`].
//!
//! As in the other suites, sort keys are compared as Rust strings
//! (byte-wise): instants in their RFC 3339 text, priorities by rank (low
//! to urgent); equal keys are ordered by id.
//!
//! [`tickets_contract_tests!`]: crate::tickets_contract_tests

mod comments;
mod directory;
mod idempotency;
mod lists;
mod records;
mod support;

use crm_customers::ports::{CompanyRepository, CustomerRepository};
use crm_identity::ports::UserRepository;
use crm_tickets::ports::{AssigneeDirectory, CustomerDirectory, TicketRepository};

pub use comments::*;
pub use directory::*;
pub use idempotency::*;
pub use lists::*;
pub use records::*;

/// A store that implements the tickets ports and the customers and identity
/// ports the checks use to set the scene.
pub trait TicketsStore:
    TicketRepository
    + CustomerDirectory
    + AssigneeDirectory
    + CustomerRepository
    + CompanyRepository
    + UserRepository
{
}

impl<T> TicketsStore for T where
    T: TicketRepository
        + CustomerDirectory
        + AssigneeDirectory
        + CustomerRepository
        + CompanyRepository
        + UserRepository
        + ?Sized
{
}

/// Generates one `#[tokio::test]` per check of the tickets contract.
///
/// `$fresh` names an async function without arguments that returns
/// `(guard, store)`: a new, empty, migrated store implementing
/// [`TicketsStore`] (and `Clone + 'static`, for the checks that raise
/// tickets and add comments from concurrent tasks), and whatever must live as long as the
/// test. The check names differ from the identity and customers suites',
/// so the macros may run in one module.
#[macro_export]
macro_rules! tickets_contract_tests {
    ($fresh:path) => {
        $crate::tickets_contract_tests!(@checks $fresh;
            ticket_insert_then_get_round_trips_every_field,
            ticket_update_checks_the_version_and_replaces_the_ticket,
            ticket_update_refuses_and_changes_nothing,
            ticket_events_are_appended_in_order_and_exact,
            ticket_of_an_erased_customer_stays_readable_and_listed,
            ticket_insert_with_a_key_replays_the_same_request,
            ticket_insert_refuses_a_key_reused_for_another_request,
            ticket_idempotency_keys_are_per_principal,
            ticket_concurrent_inserts_with_one_key_store_one_ticket,
            ticket_comments_are_oldest_first_and_internal_only_when_asked,
            ticket_comments_are_paged_by_position,
            ticket_comment_with_an_answer_updates_the_ticket_atomically,
            ticket_comment_never_conflicts_and_the_earliest_answer_is_first,
            ticket_concurrent_comments_are_all_stored,
            ticket_list_filters_by_each_field,
            ticket_list_honours_visibility,
            ticket_list_sorts_by_every_field_in_both_directions,
            ticket_pagination_keeps_every_ticket_once_while_tickets_are_added,
            ticket_customer_ref_hides_erased_customers_but_any_customer_ref_does_not,
            ticket_can_be_assigned_only_to_active_staff,
        );
    };
    (@checks $fresh:path; $($check:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let (_guard, store) = $fresh().await;
                $crate::contract::tickets::$check(&store).await;
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

    /// Every public check is listed in `tickets_contract_tests!`, so a store
    /// that runs the macro runs the whole suite; and no check has the name
    /// of an identity or customers check, so the macros can share a module.
    #[test]
    fn the_macro_runs_every_check() {
        let macro_body = include_str!("mod.rs");
        let names = check_names(&[
            include_str!("records.rs"),
            include_str!("idempotency.rs"),
            include_str!("comments.rs"),
            include_str!("lists.rs"),
            include_str!("directory.rs"),
        ]);
        assert!(names.len() > 15, "{names:?}");
        for name in &names {
            assert!(
                macro_body.contains(&format!("{name},")),
                "{name} is missing from tickets_contract_tests!"
            );
        }
        let others = check_names(&[
            include_str!("../identity/users.rs"),
            include_str!("../identity/lists.rs"),
            include_str!("../identity/customers.rs"),
            include_str!("../identity/sessions.rs"),
            include_str!("../identity/holders.rs"),
            include_str!("../customers/records.rs"),
            include_str!("../customers/companies.rs"),
            include_str!("../customers/lists.rs"),
            include_str!("../customers/search.rs"),
            include_str!("../customers/import.rs"),
        ]);
        for name in &names {
            assert!(
                !others.contains(name),
                "{name} is also another suite's check"
            );
        }
    }
}
