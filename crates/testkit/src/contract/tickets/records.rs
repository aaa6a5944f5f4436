//! Checks of ticket records: insert, get, update and the status history
//! ([`TicketRepository`]), and the tickets of erased customers.

use crm_customers::ports::CustomerRepository;
use crm_kernel::{PrincipalId, TicketId, Version, Visibility};
use crm_tickets::ports::{StoreError, TicketRepository};
use crm_tickets::{Channel, Priority, Ticket, TicketQuery, TicketStatus};

use super::TicketsStore;
use super::support::{
    add_customer, all_visible, assert_refused, change, events, new_staff, raise, ticket, tickets_of,
};
use crate::builders::{
    at_minute, long_text, raised_event, subject, ticket as new_ticket, ticket_event,
};

/// `insert` then `get` returns the ticket exactly, every field included
/// (an assigned, answered, resolved and closed one, and a bare one), and
/// stores the first event; an unknown id is `None`.
pub async fn ticket_insert_then_get_round_trips_every_field<S: TicketsStore + ?Sized>(store: &S) {
    let agent = new_staff(store).await;
    let owner = add_customer(store, None, None).await;
    let full = Ticket {
        subject: subject("Ünicode subject with 50% of \"quotes\""),
        issue: long_text("Line one\nLine two\twith a tab"),
        status: TicketStatus::Closed,
        priority: Priority::Urgent,
        assignee_id: Some(agent.id),
        channel: Channel::Email,
        created_at: at_minute(1),
        updated_at: at_minute(90),
        first_response_at: Some(at_minute(5)),
        resolved_at: Some(at_minute(60)),
        closed_at: Some(at_minute(90)),
        first_response_seconds: Some(240),
        resolution_seconds: Some(3540),
        version: Version::new(4),
        ..new_ticket(owner.id)
    };
    let first = raised_event(&full, PrincipalId::User(agent.id));
    let inserted = TicketRepository::insert(store, &full, &first, None)
        .await
        .expect("insert ticket");
    assert_eq!(inserted, crm_tickets::ports::Inserted::Created);
    assert_eq!(
        ticket(store, full.id).await,
        Some(full.clone()),
        "get returns what insert stored"
    );
    assert_eq!(
        events(store, full.id).await,
        vec![first],
        "the first event is stored"
    );

    let bare = Ticket {
        channel: Channel::Portal,
        priority: Priority::Low,
        ..new_ticket(owner.id)
    };
    raise(store, &bare).await;
    assert_eq!(
        ticket(store, bare.id).await,
        Some(bare.clone()),
        "optional fields stay empty"
    );
    assert_eq!(
        ticket(store, TicketId::new()).await,
        None,
        "get of an unknown id"
    );
    assert!(events(store, TicketId::new()).await.is_empty());
}

/// `update` at the stored version replaces every changeable field, raises
/// the version and appends the event; the next update must name the new
/// version.
pub async fn ticket_update_checks_the_version_and_replaces_the_ticket<S>(store: &S)
where
    S: TicketsStore + ?Sized,
{
    let agent = new_staff(store).await;
    let owner = add_customer(store, None, None).await;
    let original = Ticket {
        created_at: at_minute(1),
        updated_at: at_minute(1),
        ..new_ticket(owner.id)
    };
    raise(store, &original).await;
    let actor = PrincipalId::User(agent.id);
    let started = Ticket {
        subject: subject("Renamed subject"),
        priority: Priority::High,
        assignee_id: Some(agent.id),
        ..original.transitioned(TicketStatus::InProgress, at_minute(2))
    };
    let event = ticket_event(
        original.id,
        Some(TicketStatus::Open),
        TicketStatus::InProgress,
        at_minute(2),
        actor,
    );
    change(store, &started, Version::FIRST, Some(&event)).await;
    assert_eq!(ticket(store, original.id).await, Some(started.clone()));
    assert_eq!(started.version, Version::new(2));

    let resolved = started.transitioned(TicketStatus::Resolved, at_minute(10));
    change(store, &resolved, started.version, None).await;
    assert_eq!(
        ticket(store, original.id).await,
        Some(resolved.clone()),
        "an update without an event"
    );
    assert_eq!(resolved.resolution_seconds, Some(540));
    assert_eq!(
        events(store, original.id).await.len(),
        2,
        "an update without an event appends none"
    );
    let unassigned = Ticket {
        assignee_id: None,
        version: resolved.version.next(),
        ..resolved.clone()
    };
    change(store, &unassigned, resolved.version, None).await;
    assert_eq!(
        ticket(store, original.id).await.and_then(|t| t.assignee_id),
        None,
        "the assignee can be cleared"
    );
}

/// A stale version is a `VersionConflict`, an unknown ticket `NotFound`;
/// neither changes the ticket nor appends the event.
pub async fn ticket_update_refuses_and_changes_nothing<S: TicketsStore + ?Sized>(store: &S) {
    let owner = add_customer(store, None, None).await;
    let original = new_ticket(owner.id);
    raise(store, &original).await;
    let actor = PrincipalId::Customer(owner.id);
    let first = original.transitioned(TicketStatus::Resolved, at_minute(5));
    let event = ticket_event(
        original.id,
        Some(TicketStatus::Open),
        TicketStatus::Resolved,
        at_minute(5),
        actor,
    );
    change(store, &first, Version::FIRST, Some(&event)).await;
    let stored = ticket(store, original.id).await;
    let history = events(store, original.id).await;

    let stale = Ticket {
        version: Version::new(2),
        ..original.transitioned(TicketStatus::InProgress, at_minute(6))
    };
    let stale_event = ticket_event(
        original.id,
        Some(TicketStatus::Open),
        TicketStatus::InProgress,
        at_minute(6),
        actor,
    );
    assert_refused(
        TicketRepository::update(store, &stale, Version::FIRST, Some(&stale_event)).await,
        &StoreError::VersionConflict,
        "an update at a stale version",
    );
    assert_eq!(
        ticket(store, original.id).await,
        stored,
        "a refused update changes nothing"
    );
    assert_eq!(
        events(store, original.id).await,
        history,
        "a refused update appends no event"
    );

    let unknown = new_ticket(owner.id);
    assert_refused(
        TicketRepository::update(
            store,
            &Ticket {
                version: Version::new(2),
                ..unknown.clone()
            },
            Version::FIRST,
            Some(&raised_event(&unknown, actor)),
        )
        .await,
        &StoreError::NotFound,
        "an update of an unknown ticket",
    );
    assert_eq!(ticket(store, unknown.id).await, None);
    assert!(events(store, unknown.id).await.is_empty());
}

/// Events come back exactly as appended, oldest first, each ticket its own;
/// the customer and staff actors are kept apart.
pub async fn ticket_events_are_appended_in_order_and_exact<S: TicketsStore + ?Sized>(store: &S) {
    let agent = new_staff(store).await;
    let owner = add_customer(store, None, None).await;
    let staff = PrincipalId::User(agent.id);
    let customer = PrincipalId::Customer(owner.id);
    let first = Ticket {
        created_at: at_minute(0),
        updated_at: at_minute(0),
        ..new_ticket(owner.id)
    };
    let other = new_ticket(owner.id);
    raise(store, &first).await;
    raise(store, &other).await;
    let steps = [
        (TicketStatus::InProgress, 1, staff),
        (TicketStatus::Resolved, 2, customer),
        (TicketStatus::Reopened, 3, customer),
        (TicketStatus::Resolved, 3, staff),
        (TicketStatus::Closed, 4, staff),
    ];
    let mut current = first.clone();
    let mut expected = vec![raised_event(&first, customer)];
    for (to, minute, actor) in steps {
        let next = current.transitioned(to, at_minute(minute));
        let event = ticket_event(first.id, Some(current.status), to, at_minute(minute), actor);
        change(store, &next, current.version, Some(&event)).await;
        expected.push(event);
        current = next;
    }
    assert_eq!(
        events(store, first.id).await,
        expected,
        "every event, oldest first (equal instants in the order written)"
    );
    assert_eq!(
        events(store, other.id).await,
        vec![raised_event(&other, customer)],
        "another ticket's history is its own"
    );
    assert_eq!(ticket(store, first.id).await, Some(current));
}

/// Erasing a customer keeps its tickets, anonymised (subject and issue
/// become `(erased)`): `get` reads them and an admin's list (and a filter by
/// that customer) still lists them.
pub async fn ticket_of_an_erased_customer_stays_readable_and_listed<S>(store: &S)
where
    S: TicketsStore + ?Sized,
{
    let owner = add_customer(store, None, None).await;
    let kept = add_customer(store, None, None).await;
    let erased_ticket = new_ticket(owner.id);
    let other = new_ticket(kept.id);
    raise(store, &erased_ticket).await;
    raise(store, &other).await;
    CustomerRepository::erase(store, owner.id, at_minute(100))
        .await
        .expect("erase customer");

    let anonymised = ticket(store, erased_ticket.id)
        .await
        .expect("the ticket of an erased customer stays readable");
    assert_eq!(
        anonymised.subject.as_str(),
        "(erased)",
        "its subject is erased"
    );
    assert_eq!(
        anonymised.issue.as_str(),
        "(erased)",
        "its issue text is erased"
    );
    assert_eq!(
        Ticket {
            subject: erased_ticket.subject.clone(),
            issue: erased_ticket.issue.clone(),
            ..anonymised
        },
        erased_ticket,
        "everything but its free text stays as it was"
    );
    let listed: Vec<TicketId> = all_visible(store, &TicketQuery::default(), &Visibility::All)
        .await
        .iter()
        .map(|t| t.id)
        .collect();
    assert!(
        listed.contains(&erased_ticket.id) && listed.contains(&other.id),
        "admins still list it"
    );
    assert_eq!(tickets_of(store, owner.id).await, vec![erased_ticket.id]);
    assert_eq!(
        events(store, erased_ticket.id).await.len(),
        1,
        "its history stays"
    );
}
