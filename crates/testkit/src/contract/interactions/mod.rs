//! The interactions store contract: [`InteractionRepository`],
//! [`HistoryQuery`], [`CustomerDirectory`], [`StaffDirectory`] and
//! [`CalendarFeeds`], as their documentation in `crm_interactions::ports`
//! states them. The checks set the scene through the customers, identity
//! and tickets ports (customers and their status changes, companies, staff
//! users, tickets), and read `last_interaction` back through
//! `CustomerRepository`.
//!
//! Every function expects a fresh, empty store and panics with a message
//! naming the broken rule. Run them all with [`interactions_contract_tests!`].
//!
//! As in the other suites, instants are compared as their RFC 3339 text
//! and equal keys are ordered by id. Where the port documentation leaves
//! room, the suite fixes the rule:
//!
//! - the list leaves out interactions of erased customers;
//! - `overlapping` reads an empty window (`end <= start`) as the instant
//!   `start`;
//! - an interaction write raises neither the customer's version nor its
//!   `updated_at`, and a customer update leaves `last_interaction` alone;
//! - the history orders entries of one instant by source name
//!   (`interaction` < `status_change` < `ticket`), then by id.
//!
//! [`interactions_contract_tests!`]: crate::interactions_contract_tests

mod calendar;
mod directory;
mod history;
mod last_interaction;
mod lists;
mod records;
mod support;

use crm_customers::ports::{CompanyRepository, CustomerRepository};
use crm_identity::ports::UserRepository;
use crm_interactions::ports::{
    CalendarFeeds, CustomerDirectory, HistoryQuery, InteractionRepository, StaffDirectory,
};
use crm_tickets::ports::TicketRepository;

pub use calendar::*;
pub use directory::*;
pub use history::*;
pub use last_interaction::*;
pub use lists::*;
pub use records::*;

/// A store that implements the interactions ports and the customers,
/// identity and tickets ports the checks use to set the scene.
pub trait InteractionsStore:
    InteractionRepository
    + HistoryQuery
    + CustomerDirectory
    + StaffDirectory
    + CalendarFeeds
    + CustomerRepository
    + CompanyRepository
    + UserRepository
    + TicketRepository
{
}

impl<T> InteractionsStore for T where
    T: InteractionRepository
        + HistoryQuery
        + CustomerDirectory
        + StaffDirectory
        + CalendarFeeds
        + CustomerRepository
        + CompanyRepository
        + UserRepository
        + TicketRepository
        + ?Sized
{
}

/// Generates one `#[tokio::test]` per check of the interactions contract.
///
/// `$fresh` names an async function without arguments that returns
/// `(guard, store)` (or an `Option` of it, see [`FreshStore`](crate::contract::FreshStore)):
/// a new, empty, migrated store implementing
/// [`InteractionsStore`], and whatever must live as long as the test. The
/// check names differ from the other suites', so the macros may run in one
/// module.
#[macro_export]
macro_rules! interactions_contract_tests {
    ($fresh:path) => {
        $crate::interactions_contract_tests!(@checks $fresh;
            interaction_insert_then_get_round_trips_every_field,
            interaction_insert_refuses_an_unknown_or_erased_customer,
            interaction_update_checks_the_version_and_replaces_the_interaction,
            interaction_last_interaction_is_the_latest_completed_one,
            interaction_last_interaction_falls_back_to_the_latest_not_cancelled_one,
            interaction_last_interaction_moves_when_interactions_change,
            interaction_last_interaction_survives_customer_updates_and_orders_the_list,
            interaction_list_filters_by_each_field,
            interaction_list_honours_visibility_and_hides_notes,
            interaction_list_orders_by_start_in_both_directions,
            interaction_pagination_keeps_every_interaction_once_while_interactions_are_added,
            interaction_overlapping_finds_the_organizers_scheduled_meetings_and_calls,
            interaction_overlapping_finds_the_longest_interaction_by_its_end,
            interaction_overlapping_finds_interactions_around_a_day_long,
            calendar_lists_what_a_user_organises_or_attends,
            history_lists_interactions_only_by_default,
            history_merges_tickets_and_status_changes_in_order,
            history_filters_apply_to_their_entries,
            history_pages_across_sources_without_duplicates,
            history_hides_notes_without_include_staff_only,
            calendar_feed_tokens_are_set_replaced_and_looked_up,
            interaction_staff_directory_knows_staff_users,
            interaction_staff_contacts_answer_many_ids_in_one_call,
            interaction_customer_ref_hides_erased_customers,
        );
    };
    (@checks $fresh:path; $($check:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let Some((_guard, store)) = $crate::contract::FreshStore::into_fresh($fresh().await) else {
                    return;
                };
                $crate::contract::interactions::$check(&store).await;
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

    /// Every public check is listed in `interactions_contract_tests!`, so a
    /// store that runs the macro runs the whole suite; and no check has the
    /// name of another suite's check, so the macros can share a module.
    #[test]
    fn the_macro_runs_every_check() {
        let macro_body = include_str!("mod.rs");
        let names = check_names(&[
            include_str!("records.rs"),
            include_str!("last_interaction.rs"),
            include_str!("lists.rs"),
            include_str!("calendar.rs"),
            include_str!("history.rs"),
            include_str!("directory.rs"),
        ]);
        assert_eq!(names.len(), 24, "{names:?}");
        for name in &names {
            assert!(
                macro_body.contains(&format!("{name},")),
                "{name} is missing from interactions_contract_tests!"
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
            include_str!("../tickets/records.rs"),
            include_str!("../tickets/idempotency.rs"),
            include_str!("../tickets/comments.rs"),
            include_str!("../tickets/lists.rs"),
            include_str!("../tickets/directory.rs"),
        ]);
        for name in &names {
            assert!(
                !others.contains(name),
                "{name} is also another suite's check"
            );
        }
    }
}
