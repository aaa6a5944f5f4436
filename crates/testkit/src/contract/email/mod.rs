//! The email store contract: every port of `crm_email::ports` as its
//! documentation states it (the outbox's claims under concurrency
//! included), and the email entries of a customer's history
//! (`crm_interactions::ports::HistoryQuery` with `include=emails`). The
//! checks set the scene through the customers and identity ports.
//!
//! Every function expects a fresh, empty store and panics with a message
//! naming the broken rule. Run them all with [`email_contract_tests!`].
//!
//! [`email_contract_tests!`]: crate::email_contract_tests

#![allow(
    clippy::unwrap_used,
    reason = "contract checks fail by panicking, naming the broken rule"
)]

mod consent;
mod inbound;
mod messages;
mod outbox;
mod support;
mod tracking;

use crm_customers::ports::{CompanyRepository, CustomerRepository};
use crm_email::ports::{
    CustomerDirectory, EmailRepository, EventLog, InboundStore, Outbox, StaffDirectory,
    SuppressionList, TemplateRepository,
};
use crm_identity::ports::UserRepository;
use crm_interactions::ports::HistoryQuery;

pub use consent::*;
pub use inbound::*;
pub use messages::*;
pub use outbox::*;
pub use tracking::*;

/// A store that implements the email ports, the history query, and the
/// customers and identity ports the checks use to set the scene.
pub trait EmailStore:
    EmailRepository
    + Outbox
    + EventLog
    + InboundStore
    + SuppressionList
    + TemplateRepository
    + CustomerDirectory
    + StaffDirectory
    + HistoryQuery
    + CustomerRepository
    + CompanyRepository
    + UserRepository
{
}

impl<T> EmailStore for T where
    T: EmailRepository
        + Outbox
        + EventLog
        + InboundStore
        + SuppressionList
        + TemplateRepository
        + CustomerDirectory
        + StaffDirectory
        + HistoryQuery
        + CustomerRepository
        + CompanyRepository
        + UserRepository
        + ?Sized
{
}

/// Generates one `#[tokio::test]` per check of the email contract.
///
/// `$fresh` names an async function without arguments that returns
/// `(guard, store)`: a new, empty, migrated store implementing
/// [`EmailStore`] (and `Clone + 'static`, for the checks that claim and
/// insert from concurrent tasks). The check names differ from the other
/// suites', so the macros may run in one module.
#[macro_export]
macro_rules! email_contract_tests {
    ($fresh:path) => {
        $crate::email_contract_tests!(@checks $fresh;
            email_insert_then_read_round_trips_message_and_recipients,
            email_insert_with_a_key_replays_and_refuses_another_request,
            email_concurrent_inserts_with_one_key_store_one_message,
            email_list_filters_scopes_and_pages_newest_first,
            email_directories_find_customers_and_staff_names,
            outbox_claims_due_recipients_once_under_a_lease,
            outbox_concurrent_claims_never_share_a_recipient,
            outbox_complete_needs_the_lease_and_changes_nothing_without_it,
            outbox_release_gives_back_unsent_and_takes_back_the_attempt,
            outbox_depth_and_next_due_follow_the_queue,
            events_keep_one_hit_a_minute_and_reclassify_earlier_hits,
            events_round_trip_and_come_oldest_first,
            inbound_stores_once_per_message_id_with_its_effects,
            inbound_refuses_a_stale_status_and_stores_nothing,
            inbound_unmatched_pages_newest_first,
            suppressions_keep_the_first_entry_case_insensitively,
            suppressions_list_pages_and_lift,
            templates_are_unique_by_name_and_versioned,
            history_includes_emails_replies_and_opt_outs_for_staff_only,
        );
    };
    (@checks $fresh:path; $($check:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let (_guard, store) = $fresh().await;
                $crate::contract::email::$check(&store).await;
            }
        )+
    };
}

#[cfg(test)]
mod tests {
    /// Every public check is listed in `email_contract_tests!`.
    #[test]
    fn the_macro_runs_every_check() {
        let macro_body = include_str!("mod.rs");
        let sources = [
            include_str!("messages.rs"),
            include_str!("outbox.rs"),
            include_str!("tracking.rs"),
            include_str!("inbound.rs"),
            include_str!("consent.rs"),
        ]
        .concat();
        let names: Vec<&str> = sources
            .split("\npub async fn ")
            .skip(1)
            .filter_map(|rest| rest.split(['<', '(']).next())
            .collect();
        assert!(names.len() >= 19, "{names:?}");
        for name in names {
            assert!(
                macro_body.contains(&format!("{name},")),
                "{name} is missing from email_contract_tests!"
            );
        }
    }
}
