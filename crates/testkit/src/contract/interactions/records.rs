//! Checks of storing and changing interactions: round trips, the customer
//! rule, and the version check of updates.

use crm_customers::ports::CustomerRepository;
use crm_interactions::ports::{InteractionRepository, StoreError};
use crm_interactions::{Attendee, Interaction, InteractionKind, InteractionStatus};
use crm_kernel::{CustomerId, InteractionId, Version};

use super::InteractionsStore;
use super::support::{
    add_customer, assert_refused, change, interaction, last_interaction, new_staff, record,
};
use crate::builders::{
    at_minute, company, interaction as new_interaction, interaction_at, long_text, meeting_url,
    next_revision, short_text, time_zone, unique_email,
};

/// `insert` then `get` returns every field exactly: attendees of both kinds
/// in their order, the time zone, the end (or none), every optional field
/// set or empty. Several interactions (a weekly series) are stored in one
/// call; an unknown id is `None`.
pub async fn interaction_insert_then_get_round_trips_every_field<S: InteractionsStore + ?Sized>(
    store: &S,
) {
    let acme = company();
    super::support::add_company(store, &acme).await;
    let organizer = new_staff(store).await;
    let colleague = new_staff(store).await;
    let owner = new_staff(store).await;
    let customer = add_customer(store, Some(acme.id), Some(owner.id)).await;
    let full = Interaction {
        kind: InteractionKind::Call,
        date_time: at_minute(100),
        end_time: Some(at_minute(130)),
        time_zone: time_zone("America/New_York"),
        location: Some(short_text("Head office, room 2")),
        meeting_url: Some(meeting_url("https://video.example.com/room/42?pin=7")),
        description: long_text("Renewal call.\nDiscuss the new prices."),
        outcome: Some(long_text("Agreed to renew.\nSend the contract.")),
        organizer_id: Some(organizer.id),
        attendees: vec![
            Attendee::Email(unique_email("first")),
            Attendee::Staff(colleague.id),
            Attendee::Email(unique_email("third")),
            Attendee::Staff(owner.id),
        ],
        status: InteractionStatus::Completed,
        created_at: at_minute(90),
        updated_at: at_minute(95),
        ..new_interaction(customer.id)
    };
    let bare = Interaction {
        kind: InteractionKind::Note,
        date_time: at_minute(5),
        end_time: None,
        time_zone: time_zone("UTC"),
        location: None,
        meeting_url: None,
        outcome: None,
        organizer_id: None,
        attendees: Vec::new(),
        status: InteractionStatus::NoShow,
        ..new_interaction(customer.id)
    };
    record(store, std::slice::from_ref(&full)).await;
    record(store, std::slice::from_ref(&bare)).await;
    assert_eq!(
        interaction(store, full.id).await,
        Some(full.clone()),
        "get returns every field insert stored, attendees in their order"
    );
    assert_eq!(
        interaction(store, bare.id).await,
        Some(bare),
        "empty optional fields stay empty"
    );

    let series: Vec<Interaction> = (0..3)
        .map(|week| Interaction {
            organizer_id: Some(organizer.id),
            attendees: vec![Attendee::Staff(colleague.id)],
            ..interaction_at(
                customer.id,
                InteractionKind::Meeting,
                InteractionStatus::Scheduled,
                at_minute(1000 + week * 7 * 24 * 60),
                45,
            )
        })
        .collect();
    record(store, &series).await;
    for item in &series {
        assert_eq!(
            interaction(store, item.id).await.as_ref(),
            Some(item),
            "every interaction of a series is stored"
        );
    }
    assert_eq!(
        interaction(store, InteractionId::new()).await,
        None,
        "an unknown id is None"
    );
    assert_eq!(
        interaction(store, full.id).await,
        Some(full),
        "other inserts leave an interaction alone"
    );
}

/// An interaction of an unknown or erased customer is refused with
/// `UnknownCustomer`, and nothing of the call is stored, not even the
/// interactions of a known customer given with it.
pub async fn interaction_insert_refuses_an_unknown_or_erased_customer<
    S: InteractionsStore + ?Sized,
>(
    store: &S,
) {
    let known = add_customer(store, None, None).await;
    let fine = interaction_at(
        known.id,
        InteractionKind::Meeting,
        InteractionStatus::Completed,
        at_minute(10),
        30,
    );
    let orphan = new_interaction(CustomerId::new());
    let result = InteractionRepository::insert(store, &[fine.clone(), orphan.clone()]).await;
    assert_refused(
        result,
        &StoreError::UnknownCustomer,
        "insert for an unknown customer",
    );
    assert_eq!(interaction(store, fine.id).await, None, "nothing is stored");
    assert_eq!(
        interaction(store, orphan.id).await,
        None,
        "nothing is stored"
    );
    assert_eq!(
        last_interaction(store, known.id).await,
        None,
        "a refused insert does not touch last_interaction"
    );

    let erased = add_customer(store, None, None).await;
    CustomerRepository::erase(store, erased.id, at_minute(1))
        .await
        .expect("erase customer");
    let late = new_interaction(erased.id);
    let result = InteractionRepository::insert(store, std::slice::from_ref(&late)).await;
    assert_refused(
        result,
        &StoreError::UnknownCustomer,
        "insert for an erased customer",
    );
    assert_eq!(interaction(store, late.id).await, None, "nothing is stored");

    record(store, std::slice::from_ref(&fine)).await;
    assert_eq!(
        interaction(store, fine.id).await,
        Some(fine),
        "the known customer's interaction alone is stored"
    );
}

/// `update` replaces every field (attendees included) of the interaction
/// stored at the expected version; a stale version is `VersionConflict` and
/// an unknown id `NotFound`, and neither changes anything.
pub async fn interaction_update_checks_the_version_and_replaces_the_interaction<
    S: InteractionsStore + ?Sized,
>(
    store: &S,
) {
    let customer = add_customer(store, None, None).await;
    let organizer = new_staff(store).await;
    let other = new_staff(store).await;
    let original = Interaction {
        organizer_id: Some(organizer.id),
        attendees: vec![
            Attendee::Staff(other.id),
            Attendee::Email(unique_email("guest")),
        ],
        ..interaction_at(
            customer.id,
            InteractionKind::Meeting,
            InteractionStatus::Scheduled,
            at_minute(100),
            60,
        )
    };
    record(store, std::slice::from_ref(&original)).await;

    let next = Interaction {
        kind: InteractionKind::Call,
        date_time: at_minute(200),
        end_time: None,
        time_zone: time_zone("Asia/Tokyo"),
        location: None,
        meeting_url: Some(meeting_url("https://meet.example.com/other")),
        description: long_text("Moved to a call."),
        outcome: Some(long_text("Went well.")),
        organizer_id: Some(other.id),
        attendees: vec![
            Attendee::Email(unique_email("new")),
            Attendee::Staff(organizer.id),
        ],
        status: InteractionStatus::Completed,
        ..next_revision(&original)
    };
    change(store, &next, original.version).await;
    assert_eq!(
        interaction(store, next.id).await,
        Some(next.clone()),
        "update replaces every field"
    );

    let stale = Interaction {
        description: long_text("Stale."),
        ..next_revision(&next)
    };
    let result = InteractionRepository::update(store, &stale, original.version).await;
    assert_refused(
        result,
        &StoreError::VersionConflict,
        "update at a stale version",
    );
    assert_eq!(
        interaction(store, next.id).await,
        Some(next.clone()),
        "a conflict changes nothing"
    );
    assert_eq!(
        last_interaction(store, customer.id).await,
        Some(next.date_time),
        "a conflict leaves last_interaction as the stored interactions make it"
    );

    let unknown = Interaction {
        version: Version::FIRST.next(),
        ..new_interaction(customer.id)
    };
    let result = InteractionRepository::update(store, &unknown, Version::FIRST).await;
    assert_refused(
        result,
        &StoreError::NotFound,
        "update of an unknown interaction",
    );
    assert_eq!(
        interaction(store, unknown.id).await,
        None,
        "update does not create"
    );

    let cleared = Interaction {
        attendees: Vec::new(),
        organizer_id: None,
        outcome: None,
        meeting_url: None,
        ..next_revision(&next)
    };
    change(store, &cleared, next.version).await;
    assert_eq!(
        interaction(store, cleared.id).await,
        Some(cleared),
        "attendees, organizer and optional fields can be cleared"
    );
}
