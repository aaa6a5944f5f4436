//! Checks of `customers.last_interaction`, which the interactions writes
//! keep up to date in their own transaction: the start of the customer's
//! latest completed interaction, else of its latest interaction that is not
//! cancelled, else none.

use crm_customers::ports::CustomerRepository;
use crm_customers::{Customer, CustomerQuery, CustomerSort};
use crm_interactions::{Interaction, InteractionKind, InteractionStatus};
use crm_kernel::{CustomerId, Visibility};

use super::InteractionsStore;
use super::support::{
    add_customer, add_customer_record, change, customer_record, last_interaction, page, record,
};
use crate::builders::{at_minute, customer, interaction_at, long_text, next_revision, person_name};

fn at(
    customer: CustomerId,
    kind: InteractionKind,
    status: InteractionStatus,
    minute: u64,
) -> Interaction {
    interaction_at(customer, kind, status, at_minute(minute), 30)
}

/// The latest completed interaction wins over later ones that are
/// scheduled, no-show or cancelled, whatever their kind.
pub async fn interaction_last_interaction_is_the_latest_completed_one<
    S: InteractionsStore + ?Sized,
>(
    store: &S,
) {
    use InteractionKind::{Call, Meeting, Note, Task};
    use InteractionStatus::{Cancelled, Completed, NoShow, Scheduled};
    let customer = add_customer(store, None, None).await;
    assert_eq!(
        last_interaction(store, customer.id).await,
        None,
        "none without interactions"
    );
    record(
        store,
        &[
            at(customer.id, Meeting, Completed, 10),
            at(customer.id, Note, Completed, 20),
        ],
    )
    .await;
    assert_eq!(
        last_interaction(store, customer.id).await,
        Some(at_minute(20))
    );
    record(
        store,
        &[
            at(customer.id, Meeting, Scheduled, 50),
            at(customer.id, Call, NoShow, 55),
            at(customer.id, Task, Cancelled, 60),
        ],
    )
    .await;
    assert_eq!(
        last_interaction(store, customer.id).await,
        Some(at_minute(20)),
        "a later scheduled, no-show or cancelled interaction does not beat a completed one"
    );
    record(store, &[at(customer.id, Call, Completed, 15)]).await;
    assert_eq!(
        last_interaction(store, customer.id).await,
        Some(at_minute(20)),
        "an earlier completed interaction does not move it back"
    );
    let other = add_customer(store, None, None).await;
    record(store, &[at(other.id, Meeting, Completed, 500)]).await;
    assert_eq!(
        last_interaction(store, customer.id).await,
        Some(at_minute(20)),
        "another customer's interactions do not count"
    );
}

/// Without a completed interaction, the latest that is not cancelled
/// counts; with only cancelled ones there is none.
pub async fn interaction_last_interaction_falls_back_to_the_latest_not_cancelled_one<
    S: InteractionsStore + ?Sized,
>(
    store: &S,
) {
    use InteractionKind::{Call, Meeting};
    use InteractionStatus::{Cancelled, NoShow, Scheduled};
    let customer = add_customer(store, None, None).await;
    record(
        store,
        &[
            at(customer.id, Meeting, Scheduled, 30),
            at(customer.id, Call, NoShow, 40),
            at(customer.id, Meeting, Cancelled, 50),
        ],
    )
    .await;
    assert_eq!(
        last_interaction(store, customer.id).await,
        Some(at_minute(40)),
        "the latest interaction that is not cancelled"
    );

    let cancelled_only = add_customer(store, None, None).await;
    record(
        store,
        &[
            at(cancelled_only.id, Meeting, Cancelled, 10),
            at(cancelled_only.id, Call, Cancelled, 20),
        ],
    )
    .await;
    assert_eq!(
        last_interaction(store, cancelled_only.id).await,
        None,
        "only cancelled interactions: none"
    );
}

/// Completing or cancelling an interaction through `update` moves the
/// customer's `last_interaction` in the same write.
pub async fn interaction_last_interaction_moves_when_interactions_change<
    S: InteractionsStore + ?Sized,
>(
    store: &S,
) {
    use InteractionKind::Meeting;
    use InteractionStatus::{Cancelled, Completed, Scheduled};
    let customer = add_customer(store, None, None).await;
    let early = at(customer.id, Meeting, Scheduled, 10);
    let late = at(customer.id, Meeting, Scheduled, 20);
    record(store, &[early.clone(), late.clone()]).await;
    assert_eq!(
        last_interaction(store, customer.id).await,
        Some(at_minute(20))
    );

    let late_cancelled = Interaction {
        status: Cancelled,
        ..next_revision(&late)
    };
    change(store, &late_cancelled, late.version).await;
    assert_eq!(
        last_interaction(store, customer.id).await,
        Some(at_minute(10)),
        "cancelling the latest falls back to the one before"
    );

    let early_completed = Interaction {
        status: Completed,
        outcome: Some(long_text("Done.")),
        ..next_revision(&early)
    };
    change(store, &early_completed, early.version).await;
    record(store, &[at(customer.id, Meeting, Scheduled, 30)]).await;
    assert_eq!(
        last_interaction(store, customer.id).await,
        Some(at_minute(10)),
        "once one is completed, later scheduled ones do not count"
    );

    let moved = Interaction {
        date_time: at_minute(40),
        end_time: Some(at_minute(45)),
        ..next_revision(&early_completed)
    };
    change(store, &moved, early_completed.version).await;
    assert_eq!(
        last_interaction(store, customer.id).await,
        Some(at_minute(40)),
        "moving the completed interaction moves it"
    );

    let single = add_customer(store, None, None).await;
    let only = at(single.id, Meeting, Scheduled, 5);
    record(store, std::slice::from_ref(&only)).await;
    assert_eq!(last_interaction(store, single.id).await, Some(at_minute(5)));
    let only_cancelled = Interaction {
        status: Cancelled,
        ..next_revision(&only)
    };
    change(store, &only_cancelled, only.version).await;
    assert_eq!(
        last_interaction(store, single.id).await,
        None,
        "cancelling the only interaction clears it"
    );
}

/// `last_interaction` belongs to the interactions context: it shows in
/// `CustomerRepository::get` and orders the customer list, an interaction
/// write does not raise the customer's version, and a customer update (from
/// a copy read before the interaction was written) leaves it alone.
pub async fn interaction_last_interaction_survives_customer_updates_and_orders_the_list<
    S: InteractionsStore + ?Sized,
>(
    store: &S,
) {
    use InteractionKind::{Call, Meeting};
    use InteractionStatus::{Completed, Scheduled};
    let read_before = add_customer(store, None, None).await;
    record(store, &[at(read_before.id, Meeting, Completed, 100)]).await;
    let stored = customer_record(store, read_before.id).await;
    assert_eq!(stored.last_interaction, Some(at_minute(100)));
    assert_eq!(
        stored.version, read_before.version,
        "an interaction write does not raise the customer's version"
    );

    let renamed = Customer {
        first_name: person_name("Renamed"),
        last_interaction: None,
        updated_at: at_minute(101),
        version: read_before.version.next(),
        ..read_before.clone()
    };
    CustomerRepository::update(store, &renamed, read_before.version, None)
        .await
        .expect("a customer update at the version read before the interaction");
    let stored = customer_record(store, read_before.id).await;
    assert_eq!(stored.first_name.as_str(), "Renamed", "the update applied");
    assert_eq!(
        stored.last_interaction,
        Some(at_minute(100)),
        "a customer update leaves last_interaction alone"
    );

    let planned = add_customer(store, None, None).await;
    record(store, &[at(planned.id, Call, Scheduled, 50)]).await;
    let without = Customer {
        last_interaction: None,
        ..customer()
    };
    add_customer_record(store, &without).await;

    for (sort, expected) in [
        (
            "last_interaction",
            vec![without.id, planned.id, read_before.id],
        ),
        (
            "-last_interaction",
            vec![read_before.id, planned.id, without.id],
        ),
    ] {
        let query = CustomerQuery {
            sort: CustomerSort::parse(sort).expect("valid sort"),
            ..CustomerQuery::default()
        };
        let listed: Vec<CustomerId> =
            CustomerRepository::list(store, &query, &Visibility::All, &page(50))
                .await
                .expect("list customers")
                .items
                .iter()
                .map(|c| c.id)
                .collect();
        assert_eq!(
            listed, expected,
            "the customer list sorts by the maintained last_interaction ({sort})"
        );
    }
}
