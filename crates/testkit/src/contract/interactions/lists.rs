//! Checks of the interaction list: filters, visibility, staff-only notes,
//! order and keyset pagination.

use std::collections::HashSet;

use crm_customers::ports::CustomerRepository;
use crm_interactions::{Interaction, InteractionKind, InteractionQuery, InteractionStatus};
use crm_kernel::{CompanyId, CustomerId, InteractionId, SortDirection, UserId, Visibility};

use super::InteractionsStore;
use super::support::{
    add_company, add_customer, expected_order, ids_of, in_direction, listed, listed_set, new_staff,
    record, walk,
};
use crate::builders::{at_minute, company_named, interaction_at};

/// The interactions of [`interaction_list_filters_by_each_field`]: customer
/// (0 = a, 1 = b), organizer (0 = u1, 1 = u2), kind, status, start minute.
type FilterSpec = (
    usize,
    Option<usize>,
    InteractionKind,
    InteractionStatus,
    u64,
);

const FILTER_SPEC: [FilterSpec; 6] = [
    (
        0,
        Some(0),
        InteractionKind::Meeting,
        InteractionStatus::Scheduled,
        10,
    ),
    (
        0,
        Some(1),
        InteractionKind::Call,
        InteractionStatus::Completed,
        20,
    ),
    (
        1,
        Some(0),
        InteractionKind::Task,
        InteractionStatus::Cancelled,
        30,
    ),
    (
        1,
        None,
        InteractionKind::Note,
        InteractionStatus::Completed,
        40,
    ),
    (
        0,
        Some(0),
        InteractionKind::Email,
        InteractionStatus::NoShow,
        50,
    ),
    (
        1,
        Some(1),
        InteractionKind::Meeting,
        InteractionStatus::Completed,
        60,
    ),
];

/// Queries of one or more field filters, and the interactions of
/// [`FILTER_SPEC`] they list.
fn field_filters(
    customers: [CustomerId; 2],
    organizers: [UserId; 2],
) -> Vec<(&'static str, InteractionQuery, Vec<usize>)> {
    let none = InteractionQuery::default;
    vec![
        ("no filter", none(), vec![0, 1, 2, 3, 4, 5]),
        (
            "customer a",
            InteractionQuery {
                customer_id: Some(customers[0]),
                ..none()
            },
            vec![0, 1, 4],
        ),
        (
            "unknown customer",
            InteractionQuery {
                customer_id: Some(CustomerId::new()),
                ..none()
            },
            vec![],
        ),
        (
            "organizer u1",
            InteractionQuery {
                organizer_id: Some(organizers[0]),
                ..none()
            },
            vec![0, 2, 4],
        ),
        (
            "kind meeting",
            InteractionQuery {
                kind: Some(InteractionKind::Meeting),
                ..none()
            },
            vec![0, 5],
        ),
        (
            "kind note",
            InteractionQuery {
                kind: Some(InteractionKind::Note),
                ..none()
            },
            vec![3],
        ),
        (
            "status completed",
            InteractionQuery {
                status: Some(InteractionStatus::Completed),
                ..none()
            },
            vec![1, 3, 5],
        ),
        (
            "status no-show",
            InteractionQuery {
                status: Some(InteractionStatus::NoShow),
                ..none()
            },
            vec![4],
        ),
        (
            "from minute 30 (inclusive)",
            InteractionQuery {
                from: Some(at_minute(30)),
                ..none()
            },
            vec![2, 3, 4, 5],
        ),
        (
            "to minute 30 (exclusive)",
            InteractionQuery {
                to: Some(at_minute(30)),
                ..none()
            },
            vec![0, 1],
        ),
        (
            "from 20 to 50",
            InteractionQuery {
                from: Some(at_minute(20)),
                to: Some(at_minute(50)),
                ..none()
            },
            vec![1, 2, 3],
        ),
        (
            "customer b, completed, from 40",
            InteractionQuery {
                customer_id: Some(customers[1]),
                status: Some(InteractionStatus::Completed),
                from: Some(at_minute(40)),
                ..none()
            },
            vec![3, 5],
        ),
    ]
}

/// Each filter of the query, alone and combined, lists exactly the
/// matching interactions.
pub async fn interaction_list_filters_by_each_field<S: InteractionsStore + ?Sized>(store: &S) {
    let customers = [
        add_customer(store, None, None).await.id,
        add_customer(store, None, None).await.id,
    ];
    let organizers = [new_staff(store).await.id, new_staff(store).await.id];
    let stored: Vec<Interaction> = FILTER_SPEC
        .iter()
        .map(|&(customer, organizer, kind, status, minute)| Interaction {
            organizer_id: organizer.map(|n| organizers[n]),
            ..interaction_at(customers[customer], kind, status, at_minute(minute), 15)
        })
        .collect();
    record(store, &stored).await;
    for (name, query, expected) in field_filters(customers, organizers) {
        let expected: Vec<&Interaction> = expected.iter().map(|&n| &stored[n]).collect();
        assert_eq!(
            listed_set(store, &query, &Visibility::All, true).await,
            ids_of(&expected),
            "filter {name}"
        );
    }
}

/// The records of [`interaction_list_honours_visibility_and_hides_notes`].
struct VisibilityScene {
    acme: CompanyId,
    globex: CompanyId,
    agent: UserId,
    of_acme: CustomerId,
    erased: CustomerId,
    acme_meeting: Interaction,
    acme_note: Interaction,
    owned_meeting: Interaction,
    globex_meeting: Interaction,
    alone_meeting: Interaction,
}

/// Customers of Acme, of Globex (one owned by the agent), of no company,
/// and an erased one (of Acme, owned by the agent), each with a meeting,
/// and a note on Acme's customer.
async fn visibility_scene<S: InteractionsStore + ?Sized>(store: &S) -> VisibilityScene {
    let acme = company_named("Acme");
    let globex = company_named("Globex");
    add_company(store, &acme).await;
    add_company(store, &globex).await;
    let agent = new_staff(store).await.id;
    let of_acme = add_customer(store, Some(acme.id), None).await.id;
    let owned = add_customer(store, Some(globex.id), Some(agent)).await.id;
    let of_globex = add_customer(store, Some(globex.id), None).await.id;
    let alone = add_customer(store, None, None).await.id;
    let erased = add_customer(store, Some(acme.id), Some(agent)).await.id;
    let meeting = |customer: CustomerId, minute: u64| {
        interaction_at(
            customer,
            InteractionKind::Meeting,
            InteractionStatus::Scheduled,
            at_minute(minute),
            30,
        )
    };
    let scene = VisibilityScene {
        acme: acme.id,
        globex: globex.id,
        agent,
        of_acme,
        erased,
        acme_meeting: meeting(of_acme, 1),
        acme_note: interaction_at(
            of_acme,
            InteractionKind::Note,
            InteractionStatus::Completed,
            at_minute(2),
            0,
        ),
        owned_meeting: meeting(owned, 3),
        globex_meeting: meeting(of_globex, 4),
        alone_meeting: meeting(alone, 5),
    };
    record(
        store,
        &[
            scene.acme_meeting.clone(),
            scene.acme_note.clone(),
            scene.owned_meeting.clone(),
            scene.globex_meeting.clone(),
            scene.alone_meeting.clone(),
            meeting(erased, 6),
        ],
    )
    .await;
    CustomerRepository::erase(store, erased, at_minute(7))
        .await
        .expect("erase customer");
    scene
}

/// The list shows only the interactions of customers visible under the
/// visibility (admins all; agents their companies' and own customers;
/// customers their own; nothing), never those of erased customers, and
/// notes only with `include_staff_only`.
pub async fn interaction_list_honours_visibility_and_hides_notes<S: InteractionsStore + ?Sized>(
    store: &S,
) {
    let scene = visibility_scene(store).await;
    let s = &scene;
    let cases: Vec<(&str, Visibility, bool, Vec<&Interaction>)> = vec![
        (
            "all, staff",
            Visibility::All,
            true,
            vec![
                &s.acme_meeting,
                &s.acme_note,
                &s.owned_meeting,
                &s.globex_meeting,
                &s.alone_meeting,
            ],
        ),
        (
            "all, without staff-only",
            Visibility::All,
            false,
            vec![
                &s.acme_meeting,
                &s.owned_meeting,
                &s.globex_meeting,
                &s.alone_meeting,
            ],
        ),
        (
            "agent of acme who owns one globex customer",
            Visibility::Agent {
                company_ids: vec![s.acme],
                owner_id: s.agent,
            },
            true,
            vec![&s.acme_meeting, &s.acme_note, &s.owned_meeting],
        ),
        (
            "agent without companies",
            Visibility::Agent {
                company_ids: Vec::new(),
                owner_id: s.agent,
            },
            true,
            vec![&s.owned_meeting],
        ),
        (
            "agent of both companies",
            Visibility::Agent {
                company_ids: vec![s.acme, s.globex],
                owner_id: UserId::new(),
            },
            true,
            vec![
                &s.acme_meeting,
                &s.acme_note,
                &s.owned_meeting,
                &s.globex_meeting,
            ],
        ),
        (
            "the customer itself",
            Visibility::Own(s.of_acme),
            false,
            vec![&s.acme_meeting],
        ),
        (
            "the erased customer",
            Visibility::Own(s.erased),
            false,
            vec![],
        ),
        ("nothing", Visibility::Nothing, true, vec![]),
    ];
    for (name, visibility, staff, expected) in cases {
        assert_eq!(
            listed_set(store, &InteractionQuery::default(), &visibility, staff).await,
            ids_of(&expected),
            "visibility: {name}"
        );
    }
    let notes = InteractionQuery {
        kind: Some(InteractionKind::Note),
        ..InteractionQuery::default()
    };
    assert!(
        listed(store, &notes, &Visibility::Own(s.of_acme), false)
            .await
            .is_empty(),
        "asking for notes without include_staff_only lists none"
    );
}

/// The list is ordered by start, ties broken by id, in the query's
/// direction, in one page and in pages of 2.
pub async fn interaction_list_orders_by_start_in_both_directions<S: InteractionsStore + ?Sized>(
    store: &S,
) {
    let customer = add_customer(store, None, None).await;
    let minutes = [30, 10, 30, 20, 10, 40, 30];
    let stored: Vec<Interaction> = minutes
        .iter()
        .enumerate()
        .map(|(n, &minute)| {
            let kind = InteractionKind::ALL[n % InteractionKind::ALL.len()];
            interaction_at(
                customer.id,
                kind,
                InteractionStatus::Completed,
                at_minute(minute),
                5,
            )
        })
        .collect();
    record(store, &stored).await;
    for direction in [SortDirection::Asc, SortDirection::Desc] {
        let query = in_direction(direction);
        let expected = expected_order(&stored, direction);
        assert_eq!(
            listed(store, &query, &Visibility::All, true).await,
            expected,
            "{direction:?} in one page"
        );
        let paged: Vec<InteractionId> = walk(store, &query, &Visibility::All, true, 2, || async {})
            .await
            .iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(paged, expected, "{direction:?} in pages of 2");
    }
}

/// 60 interactions walked in pages of 7 while interactions are recorded
/// between pages: every interaction that existed at the start is listed
/// exactly once, none twice, and the walk keeps the order.
pub async fn interaction_pagination_keeps_every_interaction_once_while_interactions_are_added<S>(
    store: &S,
) where
    S: InteractionsStore + ?Sized,
{
    let customer = add_customer(store, None, None).await;
    let stored: Vec<Interaction> = (0..60_u64)
        .map(|n| {
            interaction_at(
                customer.id,
                InteractionKind::Call,
                InteractionStatus::Scheduled,
                at_minute(n * 7 % 40),
                10,
            )
        })
        .collect();
    record(store, &stored).await;
    let mut added = 0_u64;
    for direction in [SortDirection::Asc, SortDirection::Desc] {
        let query = in_direction(direction);
        let before: HashSet<InteractionId> = listed(store, &query, &Visibility::All, true)
            .await
            .into_iter()
            .collect();
        let walked = walk(store, &query, &Visibility::All, true, 7, || {
            added += 1;
            // Starts spread over the whole order: before, inside and after the others.
            let minute = [0, 100, 20, 7][usize::try_from(added % 4).unwrap_or_default()];
            let fresh = interaction_at(
                customer.id,
                InteractionKind::Meeting,
                InteractionStatus::Scheduled,
                at_minute(minute),
                10,
            );
            async move { record(store, &[fresh]).await }
        })
        .await;
        let ids: Vec<InteractionId> = walked.iter().map(|i| i.id).collect();
        let unique: HashSet<InteractionId> = ids.iter().copied().collect();
        assert_eq!(
            unique.len(),
            ids.len(),
            "{direction:?}: none is listed twice"
        );
        assert!(
            before.is_subset(&unique),
            "{direction:?}: every interaction that existed is listed"
        );
        assert_eq!(
            ids,
            expected_order(&walked, direction),
            "{direction:?}: the walk keeps the order"
        );
    }
}
