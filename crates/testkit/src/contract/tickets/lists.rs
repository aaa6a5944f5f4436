//! Checks of the ticket list: filters, visibility, sorts and keyset pagination.

use std::collections::HashSet;

use crm_kernel::{CompanyId, CustomerId, SortDirection, TicketId, UserId, Visibility};
use crm_tickets::{Priority, Ticket, TicketQuery, TicketStatus};

use super::TicketsStore;
use super::support::{
    add_company, add_customer, all_visible, expected_order, ids_of, new_staff, raise, sort_key,
    sorted, visible_ids, walk,
};
use crate::builders::{at_minute, company_named, long_text, subject, ticket as new_ticket};

/// The tickets of [`ticket_list_filters_by_each_field`]: customer (0 = a,
/// 1 = b), status, priority, assignee (0 = u1, 1 = u2), subject, issue,
/// creation minute.
type FilterSpec = (
    usize,
    TicketStatus,
    Priority,
    Option<usize>,
    &'static str,
    &'static str,
    u64,
);

const FILTER_SPEC: [FilterSpec; 5] = [
    (
        0,
        TicketStatus::Open,
        Priority::Low,
        Some(0),
        "Printer jam",
        "Paper is stuck.",
        10,
    ),
    (
        0,
        TicketStatus::InProgress,
        Priority::Normal,
        Some(1),
        "Screen flicker",
        "The ÉCRAN goes dark.",
        20,
    ),
    (
        1,
        TicketStatus::Resolved,
        Priority::High,
        None,
        "Discount code",
        "The code for 50% off fails.",
        30,
    ),
    (
        1,
        TicketStatus::Closed,
        Priority::Urgent,
        Some(0),
        "Login fails",
        "Error a_b is shown;\nthe PRINTER is unrelated.",
        40,
    ),
    (
        0,
        TicketStatus::Reopened,
        Priority::Normal,
        None,
        "Code 500 off",
        "axb appears.",
        50,
    ),
];

/// Queries of one field filter each, and the tickets of [`FILTER_SPEC`] they list.
fn field_filters(
    customers: [CustomerId; 2],
    assignees: [UserId; 2],
) -> Vec<(&'static str, TicketQuery, Vec<usize>)> {
    let none = TicketQuery::default;
    vec![
        ("no filter", none(), vec![0, 1, 2, 3, 4]),
        (
            "status open",
            TicketQuery {
                status: Some(TicketStatus::Open),
                ..none()
            },
            vec![0],
        ),
        (
            "status in progress",
            TicketQuery {
                status: Some(TicketStatus::InProgress),
                ..none()
            },
            vec![1],
        ),
        (
            "status reopened",
            TicketQuery {
                status: Some(TicketStatus::Reopened),
                ..none()
            },
            vec![4],
        ),
        (
            "priority normal",
            TicketQuery {
                priority: Some(Priority::Normal),
                ..none()
            },
            vec![1, 4],
        ),
        (
            "priority urgent",
            TicketQuery {
                priority: Some(Priority::Urgent),
                ..none()
            },
            vec![3],
        ),
        (
            "assignee u1",
            TicketQuery {
                assignee_id: Some(assignees[0]),
                ..none()
            },
            vec![0, 3],
        ),
        (
            "unknown assignee",
            TicketQuery {
                assignee_id: Some(UserId::new()),
                ..none()
            },
            vec![],
        ),
        (
            "customer a",
            TicketQuery {
                customer_id: Some(customers[0]),
                ..none()
            },
            vec![0, 1, 4],
        ),
        (
            "customer b",
            TicketQuery {
                customer_id: Some(customers[1]),
                ..none()
            },
            vec![2, 3],
        ),
    ]
}

/// Queries of one text filter each, and the tickets of [`FILTER_SPEC`] they list.
fn text_filters() -> Vec<(&'static str, TicketQuery, Vec<usize>)> {
    let text = |words: &str| TicketQuery {
        text: Some(words.to_owned()),
        ..TicketQuery::default()
    };
    vec![
        ("text in subject or issue", text("printer"), vec![0, 3]),
        ("text in another case", text("pRINTEr"), vec![0, 3]),
        ("text beyond ASCII in another case", text("écran"), vec![1]),
        ("text inside a word", text("ISCOUN"), vec![2]),
        ("text is trimmed", text("  jam "), vec![0]),
        ("blank text", text("   "), vec![0, 1, 2, 3, 4]),
        ("% is literal", text("50%"), vec![2]),
        ("_ is literal", text("a_b"), vec![3]),
        ("\\ is literal", text("a\\b"), vec![]),
        ("text found nowhere", text("keyboard"), vec![]),
    ]
}

/// Queries of the creation window and of several filters, and the tickets
/// of [`FILTER_SPEC`] they list.
fn time_and_combined_filters(
    customers: [CustomerId; 2],
    assignees: [UserId; 2],
) -> Vec<(&'static str, TicketQuery, Vec<usize>)> {
    let none = TicketQuery::default;
    vec![
        (
            "from 30 (inclusive)",
            TicketQuery {
                from: Some(at_minute(30)),
                ..none()
            },
            vec![2, 3, 4],
        ),
        (
            "to 30 (exclusive)",
            TicketQuery {
                to: Some(at_minute(30)),
                ..none()
            },
            vec![0, 1],
        ),
        (
            "from 20 to 40",
            TicketQuery {
                from: Some(at_minute(20)),
                to: Some(at_minute(40)),
                ..none()
            },
            vec![1, 2],
        ),
        (
            "status and customer",
            TicketQuery {
                status: Some(TicketStatus::Open),
                customer_id: Some(customers[1]),
                ..none()
            },
            vec![],
        ),
        (
            "text and assignee",
            TicketQuery {
                text: Some("printer".into()),
                assignee_id: Some(assignees[0]),
                customer_id: Some(customers[1]),
                ..none()
            },
            vec![3],
        ),
        (
            "priority and window",
            TicketQuery {
                priority: Some(Priority::Normal),
                from: Some(at_minute(21)),
                ..none()
            },
            vec![4],
        ),
    ]
}

/// Each filter (status, priority, assignee, customer, text as a
/// case-insensitive literal substring of subject or issue, from (inclusive)
/// and to (exclusive) on the creation time) alone and together.
pub async fn ticket_list_filters_by_each_field<S: TicketsStore + ?Sized>(store: &S) {
    let customers = [
        add_customer(store, None, None).await,
        add_customer(store, None, None).await,
    ];
    let assignees = [new_staff(store).await, new_staff(store).await];
    let mut tickets = Vec::new();
    for (customer, status, priority, assignee, title, issue, minute) in FILTER_SPEC {
        let item = Ticket {
            status,
            priority,
            assignee_id: assignee.map(|i| assignees[i].id),
            subject: subject(title),
            issue: long_text(issue),
            created_at: at_minute(minute),
            updated_at: at_minute(minute),
            ..new_ticket(customers[customer].id)
        };
        raise(store, &item).await;
        tickets.push(item);
    }
    let customer_ids = [customers[0].id, customers[1].id];
    let assignee_ids = [assignees[0].id, assignees[1].id];
    let cases = field_filters(customer_ids, assignee_ids)
        .into_iter()
        .chain(text_filters())
        .chain(time_and_combined_filters(customer_ids, assignee_ids));
    for (rule, query, expected) in cases {
        let expected: Vec<&Ticket> = expected.into_iter().map(|i| &tickets[i]).collect();
        assert_eq!(
            visible_ids(store, &query, &Visibility::All).await,
            ids_of(&expected),
            "{rule}"
        );
    }
}

/// `Visibility` through the ticket's customer: everything; an agent's
/// companies' customers and own customers; one customer; nothing. Filters
/// apply within what is visible.
pub async fn ticket_list_honours_visibility<S: TicketsStore + ?Sized>(store: &S) {
    let (a, b) = (company_named("Alpha Co"), company_named("Beta Co"));
    add_company(store, &a).await;
    add_company(store, &b).await;
    let (agent, other) = (new_staff(store).await, new_staff(store).await);
    let c1 = add_customer(store, Some(a.id), None).await;
    let c2 = add_customer(store, Some(b.id), Some(agent.id)).await;
    let c3 = add_customer(store, None, Some(agent.id)).await;
    let c4 = add_customer(store, Some(b.id), Some(other.id)).await;
    let c5 = add_customer(store, None, None).await;
    let mut tickets = Vec::new();
    for customer in [&c1, &c2, &c3, &c4, &c5, &c1, &c3] {
        let item = new_ticket(customer.id);
        raise(store, &item).await;
        tickets.push(item);
    }
    let of = |ids: &[CustomerId]| -> Vec<&Ticket> {
        tickets
            .iter()
            .filter(|t| ids.contains(&t.customer_id))
            .collect()
    };
    let agent_of = |company_ids: Vec<CompanyId>, owner_id: UserId| Visibility::Agent {
        company_ids,
        owner_id,
    };
    let all = TicketQuery::default();
    let cases: Vec<(&str, Visibility, Vec<&Ticket>)> = vec![
        ("all", Visibility::All, tickets.iter().collect()),
        (
            "agent of a: via company and via ownership",
            agent_of(vec![a.id], agent.id),
            of(&[c1.id, c2.id, c3.id]),
        ),
        (
            "agent without companies: via ownership only",
            agent_of(vec![], agent.id),
            of(&[c2.id, c3.id]),
        ),
        (
            "other agent of a and b: via companies",
            agent_of(vec![a.id, b.id], other.id),
            of(&[c1.id, c2.id, c4.id]),
        ),
        (
            "agent of an unknown company",
            agent_of(vec![CompanyId::new()], other.id),
            of(&[c4.id]),
        ),
        ("own customer", Visibility::Own(c1.id), of(&[c1.id])),
        (
            "own unknown customer",
            Visibility::Own(CustomerId::new()),
            vec![],
        ),
        ("nothing", Visibility::Nothing, vec![]),
    ];
    for (rule, visibility, expected) in cases {
        assert_eq!(
            visible_ids(store, &all, &visibility).await,
            ids_of(&expected),
            "{rule}"
        );
    }
    let of_c4 = TicketQuery {
        customer_id: Some(c4.id),
        ..TicketQuery::default()
    };
    assert!(
        visible_ids(store, &of_c4, &agent_of(vec![a.id], agent.id))
            .await
            .is_empty(),
        "a filter does not reach invisible tickets"
    );
    let of_c3 = TicketQuery {
        customer_id: Some(c3.id),
        ..TicketQuery::default()
    };
    assert_eq!(
        visible_ids(store, &of_c3, &agent_of(vec![a.id], agent.id)).await,
        ids_of(&of(&[c3.id])),
        "a filter within the visible tickets"
    );
}

/// Every sort, both directions, in one page and in pages of two: instants
/// as text, priorities low to urgent; equal keys are ordered by id.
pub async fn ticket_list_sorts_by_every_field_in_both_directions<S: TicketsStore + ?Sized>(
    store: &S,
) {
    let owner = add_customer(store, None, None).await;
    let spec: [(u64, u64, Priority); 8] = [
        (3, 9, Priority::High),
        (1, 7, Priority::Low),
        (5, 5, Priority::Urgent),
        (1, 8, Priority::Normal),
        (4, 7, Priority::High),
        (2, 6, Priority::Low),
        (6, 6, Priority::Normal),
        (3, 1, Priority::High),
    ];
    let mut tickets = Vec::new();
    for (created, updated, priority) in spec {
        let item = Ticket {
            created_at: at_minute(created),
            updated_at: at_minute(updated),
            priority,
            ..new_ticket(owner.id)
        };
        raise(store, &item).await;
        tickets.push(item);
    }
    for sort in [
        "created_at",
        "-created_at",
        "updated_at",
        "-updated_at",
        "priority",
        "-priority",
    ] {
        let query = sorted(sort);
        let expected = expected_order(&tickets, query.sort);
        let one_page: Vec<TicketId> = all_visible(store, &query, &Visibility::All)
            .await
            .iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(one_page, expected, "sort {sort} in one page");
        let paged: Vec<TicketId> = walk(store, &query, &Visibility::All, 2, || async {})
            .await
            .iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(paged, expected, "sort {sort} in pages of 2");
    }
}

/// 120 tickets walked in pages of 25, in every sort and direction, while
/// tickets are raised between pages: every ticket that existed at the
/// start is listed exactly once, none twice, and the walk keeps the order.
pub async fn ticket_pagination_keeps_every_ticket_once_while_tickets_are_added<S>(store: &S)
where
    S: TicketsStore + ?Sized,
{
    let owner = add_customer(store, None, None).await;
    for n in 0..120_u64 {
        let index = usize::try_from(n).unwrap_or_default();
        let item = Ticket {
            created_at: at_minute(n * 7 % 300),
            updated_at: at_minute(n * 13 % 200),
            priority: Priority::ALL[index % Priority::ALL.len()],
            ..new_ticket(owner.id)
        };
        raise(store, &item).await;
    }
    let mut added = 0_usize;
    for sort in [
        "created_at",
        "-created_at",
        "updated_at",
        "-updated_at",
        "priority",
        "-priority",
    ] {
        let query = sorted(sort);
        let before: HashSet<TicketId> = all_visible(store, &query, &Visibility::All)
            .await
            .iter()
            .map(|t| t.id)
            .collect();
        assert!(before.len() >= 120);
        let walked = walk(store, &query, &Visibility::All, 25, || {
            added += 1;
            // Keys spread over the whole order: before, inside and after the others.
            let minute = [0, 1000, 150, 75][added % 4];
            let fresh = Ticket {
                created_at: at_minute(minute),
                updated_at: at_minute(minute),
                priority: Priority::ALL[added % Priority::ALL.len()],
                ..new_ticket(owner.id)
            };
            async move { raise(store, &fresh).await }
        })
        .await;
        let ids: Vec<TicketId> = walked.iter().map(|t| t.id).collect();
        let unique: HashSet<TicketId> = ids.iter().copied().collect();
        assert_eq!(
            unique.len(),
            ids.len(),
            "sort {sort}: no ticket is listed twice"
        );
        assert!(
            before.is_subset(&unique),
            "sort {sort}: every ticket that existed is listed"
        );
        let keys: Vec<(String, String)> = walked
            .iter()
            .map(|t| (sort_key(t, query.sort.field), t.id.to_string()))
            .collect();
        let in_order = keys.windows(2).all(|pair| match query.sort.direction {
            SortDirection::Asc => pair[0] < pair[1],
            SortDirection::Desc => pair[0] > pair[1],
        });
        assert!(in_order, "sort {sort}: the walk keeps the sort order");
    }
}
