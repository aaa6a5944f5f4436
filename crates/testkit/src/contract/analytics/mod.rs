//! The analytics store contract: [`InteractionSource`], [`TicketSource`]
//! and [`LifecycleSource`] answer exactly what `crm_analytics::reference`
//! computes from the records, whatever writes came before (ADR 0012). The
//! checks write through the customers, identity, interactions and tickets
//! ports, keep the records they wrote, and compare every port's answer with
//! the reference recount of those records.
//!
//! Every function expects a fresh, empty store. Run them all with
//! [`analytics_contract_tests!`].
//!
//! [`analytics_contract_tests!`]: crate::analytics_contract_tests

mod checks;
mod world;

use crm_analytics::ports::{InteractionSource, LifecycleSource, TicketSource};
use crm_customers::ports::{CompanyRepository, CustomerRepository};
use crm_identity::ports::UserRepository;
use crm_interactions::ports::InteractionRepository;
use crm_tickets::ports::TicketRepository;

pub use checks::*;

/// Fills a fresh `store` with `steps` random writes (customers created,
/// reassigned, erased and moved through their lifecycle; interactions
/// recorded and changed; tickets raised, answered and moved), the same
/// sequence for the same `seed`: for store tests of their own, such as a
/// backfill that must count what the write path counted.
pub async fn fill_with_random_writes<S: AnalyticsStore + ?Sized>(
    store: &S,
    seed: u64,
    steps: usize,
) {
    let _ = world::random_world(store, seed, steps).await;
}

/// A store that implements the analytics figures ports and the ports the
/// checks write through.
pub trait AnalyticsStore:
    InteractionSource
    + TicketSource
    + LifecycleSource
    + CustomerRepository
    + CompanyRepository
    + UserRepository
    + InteractionRepository
    + TicketRepository
{
}

impl<T> AnalyticsStore for T where
    T: InteractionSource
        + TicketSource
        + LifecycleSource
        + CustomerRepository
        + CompanyRepository
        + UserRepository
        + InteractionRepository
        + TicketRepository
        + ?Sized
{
}

/// Generates one `#[tokio::test]` per check of the analytics contract.
///
/// `$fresh` names an async function without arguments that returns
/// `(guard, store)` (or an `Option` of it, see [`FreshStore`](crate::contract::FreshStore)):
/// a new, empty, migrated store implementing
/// [`AnalyticsStore`], and whatever must live as long as the test.
#[macro_export]
macro_rules! analytics_contract_tests {
    ($fresh:path) => {
        $crate::analytics_contract_tests!(@checks $fresh;
            analytics_counts_are_zero_on_an_empty_store,
            analytics_counts_equal_a_recount_after_random_writes,
            analytics_counts_follow_a_reassigned_customer,
            analytics_a_customer_who_is_a_lead_twice_counts_once,
        );
    };
    (@checks $fresh:path; $($check:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let Some((_guard, store)) = $crate::contract::FreshStore::into_fresh($fresh().await) else {
                    return;
                };
                $crate::contract::analytics::$check(&store).await;
            }
        )+
    };
}

#[cfg(test)]
mod tests {
    /// Every public check is listed in `analytics_contract_tests!`.
    #[test]
    fn the_macro_runs_every_check() {
        let names: Vec<&str> = include_str!("checks.rs")
            .split("\npub async fn ")
            .skip(1)
            .filter_map(|rest| rest.split(['<', '(']).next())
            .collect();
        assert_eq!(names.len(), 4, "{names:?}");
        let macro_body = include_str!("mod.rs");
        for name in names {
            assert!(
                macro_body.contains(&format!("{name},")),
                "{name} is missing from analytics_contract_tests!"
            );
        }
    }
}
