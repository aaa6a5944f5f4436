//! Checks of idempotent raising: a key per principal, replayed for the same
//! request, refused for another, and one ticket however many concurrent
//! calls use it.

use std::sync::Arc;

use crm_kernel::{PrincipalId, Timestamp};
use crm_tickets::ports::{Inserted, StoreError, TicketRepository};
use crm_tickets::{Ticket, TicketEvent};
use tokio::sync::Barrier;
use tokio::task::JoinSet;

use super::TicketsStore;
use super::support::{add_customer, assert_refused, events, new_staff, ticket, tickets_of};
use crate::builders::{idempotency_key, raised_event, ticket as new_ticket};

/// A fresh ticket of the same customer and its raising event, as a retry of
/// a request would build them (new id, new time).
fn retry_of(first: &Ticket, actor: PrincipalId) -> (Ticket, TicketEvent) {
    let retry = Ticket {
        created_at: Timestamp::from_millis(first.created_at.as_millis() + 1_000)
            .unwrap_or(first.created_at),
        ..new_ticket(first.customer_id)
    };
    let event = raised_event(&retry, actor);
    (retry, event)
}

/// A second insert with the same key and fingerprint by the same principal
/// stores nothing and answers `Replayed` with the first ticket's id, as
/// often as it is retried.
pub async fn ticket_insert_with_a_key_replays_the_same_request<S: TicketsStore + ?Sized>(
    store: &S,
) {
    let owner = add_customer(store, None, None).await;
    let actor = PrincipalId::Customer(owner.id);
    let key = idempotency_key(actor, "raise-1", "printer\u{1f}on fire");
    let first = new_ticket(owner.id);
    let inserted =
        TicketRepository::insert(store, &first, &raised_event(&first, actor), Some(&key))
            .await
            .expect("first insert with a key");
    assert_eq!(inserted, Inserted::Created, "the first use of a key stores");
    for _ in 0..2 {
        let (retry, event) = retry_of(&first, actor);
        let replayed = TicketRepository::insert(store, &retry, &event, Some(&key))
            .await
            .expect("retried insert");
        assert_eq!(
            replayed,
            Inserted::Replayed(first.id),
            "a retry answers the first ticket"
        );
        assert_eq!(
            ticket(store, retry.id).await,
            None,
            "a retry stores no ticket"
        );
        assert!(events(store, retry.id).await.is_empty(), "nor an event");
    }
    assert_eq!(
        tickets_of(store, owner.id).await,
        vec![first.id],
        "still one ticket"
    );
    assert_eq!(ticket(store, first.id).await, Some(first.clone()));
    assert_eq!(events(store, first.id).await.len(), 1);
}

/// The same key with another fingerprint is `IdempotencyMismatch` and
/// stores nothing; the first ticket stays the key's.
pub async fn ticket_insert_refuses_a_key_reused_for_another_request<S>(store: &S)
where
    S: TicketsStore + ?Sized,
{
    let owner = add_customer(store, None, None).await;
    let actor = PrincipalId::Customer(owner.id);
    let first = new_ticket(owner.id);
    let key = idempotency_key(actor, "raise-2", "printer");
    TicketRepository::insert(store, &first, &raised_event(&first, actor), Some(&key))
        .await
        .expect("first insert with a key");
    let (other, event) = retry_of(&first, actor);
    let reused = idempotency_key(actor, "raise-2", "scanner");
    assert_refused(
        TicketRepository::insert(store, &other, &event, Some(&reused)).await,
        &StoreError::IdempotencyMismatch,
        "a key reused for another request",
    );
    assert_eq!(
        ticket(store, other.id).await,
        None,
        "a refused insert stores nothing"
    );
    assert!(events(store, other.id).await.is_empty());
    let (retry, event) = retry_of(&first, actor);
    assert_eq!(
        TicketRepository::insert(store, &retry, &event, Some(&key))
            .await
            .expect("retried insert"),
        Inserted::Replayed(first.id),
        "the key still replays its first request"
    );
    assert_eq!(tickets_of(store, owner.id).await, vec![first.id]);
}

/// Keys are per principal: the same key and fingerprint used by another
/// principal (another customer, a staff user, a customer and a user with
/// the same id text) raises its own ticket; tickets without a key are never
/// replays.
pub async fn ticket_idempotency_keys_are_per_principal<S: TicketsStore + ?Sized>(store: &S) {
    let owner = add_customer(store, None, None).await;
    let agent = new_staff(store).await;
    let same_uuid = crm_kernel::UserId::from_uuid(owner.id.as_uuid());
    let principals = [
        PrincipalId::Customer(owner.id),
        PrincipalId::User(agent.id),
        PrincipalId::User(same_uuid),
    ];
    let mut raised = Vec::new();
    for actor in principals {
        let item = new_ticket(owner.id);
        let key = idempotency_key(actor, "shared-key", "same request");
        let inserted =
            TicketRepository::insert(store, &item, &raised_event(&item, actor), Some(&key))
                .await
                .expect("insert with a key");
        assert_eq!(
            inserted,
            Inserted::Created,
            "the key of {actor:?} is independent of the others'"
        );
        raised.push(item.id);
    }
    for _ in 0..2 {
        let item = new_ticket(owner.id);
        let actor = PrincipalId::Customer(owner.id);
        let inserted = TicketRepository::insert(store, &item, &raised_event(&item, actor), None)
            .await
            .expect("insert without a key");
        assert_eq!(inserted, Inserted::Created, "no key, no replay");
        raised.push(item.id);
    }
    raised.sort();
    assert_eq!(tickets_of(store, owner.id).await, raised);
}

/// Ten tasks insert ten different tickets with one key and fingerprint at
/// once: exactly one is stored, and the nine others answer `Replayed` with
/// its id.
pub async fn ticket_concurrent_inserts_with_one_key_store_one_ticket<S>(store: &S)
where
    S: TicketsStore + Clone + 'static,
{
    const TASKS: usize = 10;
    let owner = add_customer(store, None, None).await;
    let actor = PrincipalId::Customer(owner.id);
    let key = idempotency_key(actor, "concurrent", "one request");
    let barrier = Arc::new(Barrier::new(TASKS));
    let mut tasks = JoinSet::new();
    for _ in 0..TASKS {
        let (store, key, barrier) = (store.clone(), key.clone(), Arc::clone(&barrier));
        let item = new_ticket(owner.id);
        tasks.spawn(async move {
            let event = raised_event(&item, actor);
            barrier.wait().await;
            let inserted = TicketRepository::insert(&store, &item, &event, Some(&key)).await;
            (item.id, inserted)
        });
    }
    let mut created = Vec::new();
    let mut replayed = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (id, inserted) = joined.expect("the insert task ran");
        match inserted.expect("a concurrent insert with one key succeeds") {
            Inserted::Created => created.push(id),
            Inserted::Replayed(first) => replayed.push(first),
        }
    }
    assert_eq!(created.len(), 1, "exactly one insert stores: {created:?}");
    assert_eq!(replayed.len(), TASKS - 1);
    assert!(
        replayed.iter().all(|id| *id == created[0]),
        "every other insert replays the stored ticket"
    );
    assert_eq!(
        tickets_of(store, owner.id).await,
        created,
        "one ticket is stored"
    );
    assert_eq!(events(store, created[0]).await.len(), 1, "with one event");
}
