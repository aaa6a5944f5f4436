//! Checks of the customer list: filters, visibility, sorts and keyset pagination.

use std::collections::HashSet;

use crm_customers::{Customer, CustomerQuery, LifecycleStatus, Tag, Tags, Visibility};
use crm_kernel::{CompanyId, CustomerId, SortDirection, UserId};

use super::CustomersStore;
use super::support::{
    add_company, add_customer, add_staff, all_visible, expected_order, ids_of, matching, sort_key,
    sorted, visible_ids, walk,
};
use crate::builders::{
    at_minute, company_named, customer as new_record, customer_named, person_name, staff_user, tags,
};

fn tag(text: &str) -> Tag {
    Tag::parse(text).unwrap_or_else(|error| panic!("test tag {text:?}: {error}"))
}

/// The customers of [`customer_list_filters_by_each_field`]: first name,
/// status, company (0 = a, 1 = b), owner (0 = u1, 1 = u2), tags, creation minute.
type FilterSpec = (
    &'static str,
    LifecycleStatus,
    Option<usize>,
    Option<usize>,
    &'static [&'static str],
    u64,
);

const FILTER_SPEC: [FilterSpec; 5] = [
    (
        "Filter",
        LifecycleStatus::Lead,
        Some(0),
        Some(0),
        &["vip"],
        10,
    ),
    (
        "Gina",
        LifecycleStatus::Prospect,
        Some(0),
        Some(1),
        &["vip", "newsletter"],
        20,
    ),
    ("Filter", LifecycleStatus::Customer, Some(1), None, &[], 30),
    (
        "Hal",
        LifecycleStatus::Churned,
        None,
        Some(0),
        &["newsletter"],
        40,
    ),
    ("Ivy", LifecycleStatus::Lead, None, None, &[], 50),
];

/// Queries of one field filter each, and the customers of [`FILTER_SPEC`] they list.
fn single_filters(
    companies: [CompanyId; 2],
    owners: [UserId; 2],
) -> Vec<(&'static str, CustomerQuery, Vec<usize>)> {
    let none = CustomerQuery::default;
    vec![
        ("no filter", none(), vec![0, 1, 2, 3, 4]),
        (
            "status lead",
            CustomerQuery {
                status: Some(LifecycleStatus::Lead),
                ..none()
            },
            vec![0, 4],
        ),
        (
            "status churned",
            CustomerQuery {
                status: Some(LifecycleStatus::Churned),
                ..none()
            },
            vec![3],
        ),
        (
            "company a",
            CustomerQuery {
                company_id: Some(companies[0]),
                ..none()
            },
            vec![0, 1],
        ),
        (
            "company b",
            CustomerQuery {
                company_id: Some(companies[1]),
                ..none()
            },
            vec![2],
        ),
        (
            "unknown company",
            CustomerQuery {
                company_id: Some(CompanyId::new()),
                ..none()
            },
            vec![],
        ),
        (
            "owner u1",
            CustomerQuery {
                owner_id: Some(owners[0]),
                ..none()
            },
            vec![0, 3],
        ),
        (
            "tag vip",
            CustomerQuery {
                tag: Some(tag("vip")),
                ..none()
            },
            vec![0, 1],
        ),
        (
            "tag newsletter",
            CustomerQuery {
                tag: Some(tag("NewsLetter")),
                ..none()
            },
            vec![1, 3],
        ),
        (
            "unknown tag",
            CustomerQuery {
                tag: Some(tag("nope")),
                ..none()
            },
            vec![],
        ),
    ]
}

/// Queries of one time or text filter each, and the customers of [`FILTER_SPEC`] they list.
fn time_and_text_filters() -> Vec<(&'static str, CustomerQuery, Vec<usize>)> {
    let none = CustomerQuery::default;
    vec![
        (
            "created from 30",
            CustomerQuery {
                created_from: Some(at_minute(30)),
                ..none()
            },
            vec![2, 3, 4],
        ),
        (
            "created to 30",
            CustomerQuery {
                created_to: Some(at_minute(30)),
                ..none()
            },
            vec![0, 1],
        ),
        (
            "text",
            CustomerQuery {
                text: Some("filter".into()),
                ..none()
            },
            vec![0, 2],
        ),
        (
            "blank text",
            CustomerQuery {
                text: Some("  ".into()),
                ..none()
            },
            vec![0, 1, 2, 3, 4],
        ),
    ]
}

/// Queries of several filters, and the customers of [`FILTER_SPEC`] they list.
fn combined_filters(
    companies: [CompanyId; 2],
    owners: [UserId; 2],
) -> Vec<(&'static str, CustomerQuery, Vec<usize>)> {
    let none = CustomerQuery::default;
    vec![
        (
            "created from 20 to 40",
            CustomerQuery {
                created_from: Some(at_minute(20)),
                created_to: Some(at_minute(40)),
                ..none()
            },
            vec![1, 2],
        ),
        (
            "status and company",
            CustomerQuery {
                status: Some(LifecycleStatus::Lead),
                company_id: Some(companies[0]),
                ..none()
            },
            vec![0],
        ),
        (
            "tag and owner",
            CustomerQuery {
                tag: Some(tag("vip")),
                owner_id: Some(owners[1]),
                ..none()
            },
            vec![1],
        ),
        (
            "text and company",
            CustomerQuery {
                text: Some("filter".into()),
                company_id: Some(companies[0]),
                ..none()
            },
            vec![0],
        ),
    ]
}

/// Each filter (status, company, owner, tag, created from (inclusive) and
/// to (exclusive), text) alone and together with others.
pub async fn customer_list_filters_by_each_field<S: CustomersStore + ?Sized>(store: &S) {
    let companies = [company_named("Alpha Co"), company_named("Beta Co")];
    for item in &companies {
        add_company(store, item).await;
    }
    let owners = [staff_user(), staff_user()];
    for item in &owners {
        add_staff(store, item).await;
    }
    let mut customers = Vec::new();
    for (first, status, company, owner, labels, minute) in FILTER_SPEC {
        let item = Customer {
            status,
            company_id: company.map(|i| companies[i].id),
            owner_id: owner.map(|i| owners[i].id),
            tags: tags(labels),
            created_at: at_minute(minute),
            updated_at: at_minute(minute),
            ..customer_named(first, "Listed")
        };
        add_customer(store, &item).await;
        customers.push(item);
    }
    let company_ids = [companies[0].id, companies[1].id];
    let owner_ids = [owners[0].id, owners[1].id];
    let cases = single_filters(company_ids, owner_ids)
        .into_iter()
        .chain(time_and_text_filters())
        .chain(combined_filters(company_ids, owner_ids));
    for (rule, query, expected) in cases {
        let expected: Vec<&Customer> = expected.into_iter().map(|i| &customers[i]).collect();
        assert_eq!(matching(store, &query).await, ids_of(&expected), "{rule}");
    }
}

/// `Visibility`: everything; an agent's companies or own customers; one
/// customer; nothing. Filters apply within what is visible.
pub async fn customer_list_honours_visibility<S: CustomersStore + ?Sized>(store: &S) {
    let (a, b) = (company_named("Alpha Co"), company_named("Beta Co"));
    add_company(store, &a).await;
    add_company(store, &b).await;
    let (agent, other) = (staff_user(), staff_user());
    add_staff(store, &agent).await;
    add_staff(store, &other).await;
    let make = |company: Option<CompanyId>, owner: Option<UserId>| Customer {
        company_id: company,
        owner_id: owner,
        ..new_record()
    };
    let c1 = make(Some(a.id), None);
    let c2 = make(Some(b.id), Some(agent.id));
    let c3 = Customer {
        status: LifecycleStatus::Prospect,
        last_name: person_name("Visible"),
        ..make(None, Some(agent.id))
    };
    let c4 = Customer {
        last_name: person_name("Hidden"),
        ..make(Some(b.id), Some(other.id))
    };
    let c5 = make(None, None);
    for item in [&c1, &c2, &c3, &c4, &c5] {
        add_customer(store, item).await;
    }
    let all = CustomerQuery::default();
    let agent_of = |company_ids: Vec<CompanyId>, owner_id: UserId| Visibility::Agent {
        company_ids,
        owner_id,
    };
    let cases: Vec<(&str, Visibility, Vec<&Customer>)> = vec![
        ("all", Visibility::All, vec![&c1, &c2, &c3, &c4, &c5]),
        (
            "agent of a",
            agent_of(vec![a.id], agent.id),
            vec![&c1, &c2, &c3],
        ),
        (
            "agent without companies",
            agent_of(vec![], agent.id),
            vec![&c2, &c3],
        ),
        (
            "other agent of a and b",
            agent_of(vec![a.id, b.id], other.id),
            vec![&c1, &c2, &c4],
        ),
        (
            "agent of an unknown company",
            agent_of(vec![CompanyId::new()], other.id),
            vec![&c4],
        ),
        ("own", Visibility::Own(c5.id), vec![&c5]),
        ("own unknown", Visibility::Own(CustomerId::new()), vec![]),
        ("nothing", Visibility::Nothing, vec![]),
    ];
    for (rule, visibility, expected) in cases {
        assert_eq!(
            visible_ids(store, &all, &visibility).await,
            ids_of(&expected),
            "{rule}"
        );
    }
    let prospects = CustomerQuery {
        status: Some(LifecycleStatus::Prospect),
        ..CustomerQuery::default()
    };
    assert_eq!(
        visible_ids(store, &prospects, &agent_of(vec![a.id], agent.id)).await,
        vec![c3.id],
        "a filter within the visible customers"
    );
    let hidden = CustomerQuery {
        text: Some("hidden".into()),
        ..CustomerQuery::default()
    };
    assert!(
        visible_ids(store, &hidden, &agent_of(vec![a.id], agent.id))
            .await
            .is_empty(),
        "a search does not reach invisible customers"
    );
}

/// Every sort, both directions, in one page and in pages of two: names
/// compare "last first" without case; customers without an interaction
/// come first ascending and last descending; equal keys are ordered by id.
pub async fn customer_list_sorts_by_every_field_in_both_directions<S: CustomersStore + ?Sized>(
    store: &S,
) {
    let spec: [(&str, &str, u64, u64, Option<u64>); 7] = [
        ("Ann", "lee", 3, 9, Some(5)),
        ("bob", "Lee", 1, 7, None),
        ("Carl", "Árbol", 5, 5, Some(2)),
        ("dora", "adams", 1, 8, Some(5)),
        ("Eve", "Adams", 4, 7, None),
        ("ann", "Lee", 2, 6, Some(9)),
        ("Al", "Lee-Smith", 6, 6, Some(1)),
    ];
    let customers: Vec<Customer> = spec
        .iter()
        .map(|&(first, last, created, updated, interaction)| Customer {
            created_at: at_minute(created),
            updated_at: at_minute(updated),
            last_interaction: interaction.map(at_minute),
            ..customer_named(first, last)
        })
        .collect();
    for item in &customers {
        add_customer(store, item).await;
    }
    for sort in [
        "name",
        "-name",
        "created_at",
        "-created_at",
        "updated_at",
        "-updated_at",
        "last_interaction",
        "-last_interaction",
    ] {
        let query = sorted(sort);
        let expected = expected_order(&customers, query.sort);
        let one_page: Vec<CustomerId> = all_visible(store, &query, &Visibility::All)
            .await
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(one_page, expected, "sort {sort} in one page");
        let paged: Vec<CustomerId> = walk(store, &query, &Visibility::All, 2, || async {})
            .await
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(paged, expected, "sort {sort} in pages of 2");
    }
}

/// 250 customers walked in pages of 50 while customers are created between
/// pages: every customer that existed at the start is listed exactly once,
/// none twice, and the walk keeps the sort order.
pub async fn customer_pagination_keeps_every_customer_once_while_customers_are_added<S>(store: &S)
where
    S: CustomersStore + ?Sized,
{
    let firsts = ["Kim", "abe", "Lou", "mia", "Ned", "ola", "Pat"];
    let lasts = ["Young", "baker", "Cole", "dunn", "Ely"];
    for n in 0..250_u64 {
        let index = usize::try_from(n).unwrap_or_default();
        let item = Customer {
            created_at: at_minute(n * 7 % 1000),
            updated_at: at_minute(n * 13 % 500),
            last_interaction: (!n.is_multiple_of(5)).then(|| at_minute(n * 11 % 300)),
            tags: Tags::default(),
            ..customer_named(firsts[index % firsts.len()], lasts[index % lasts.len()])
        };
        add_customer(store, &item).await;
    }
    let mut added = 0_u64;
    for sort in [
        "name",
        "-created_at",
        "updated_at",
        "-last_interaction",
        "-name",
    ] {
        let query = sorted(sort);
        let before: HashSet<CustomerId> = all_visible(store, &query, &Visibility::All)
            .await
            .iter()
            .map(|c| c.id)
            .collect();
        assert!(before.len() >= 250);
        let walked = walk(store, &query, &Visibility::All, 50, || {
            added += 1;
            // Keys spread over the whole order: before, inside and after the others.
            let names = [
                ("Aaron", "Aaronson"),
                ("zed", "Zulu"),
                ("Molly", "Kim"),
                ("bea", "Cole"),
            ];
            let (first, last) = names[usize::try_from(added % 4).unwrap_or_default()];
            let minute = [0, 2000, 500, 250][usize::try_from(added % 4).unwrap_or_default()];
            let fresh = Customer {
                created_at: at_minute(minute),
                updated_at: at_minute(minute),
                last_interaction: (!added.is_multiple_of(3)).then(|| at_minute(minute)),
                ..customer_named(first, last)
            };
            async move { add_customer(store, &fresh).await }
        })
        .await;
        let ids: Vec<CustomerId> = walked.iter().map(|c| c.id).collect();
        let unique: HashSet<CustomerId> = ids.iter().copied().collect();
        assert_eq!(
            unique.len(),
            ids.len(),
            "sort {sort}: no customer is listed twice"
        );
        assert!(
            before.is_subset(&unique),
            "sort {sort}: every customer that existed is listed"
        );
        let keys: Vec<(String, String)> = walked
            .iter()
            .map(|c| (sort_key(c, query.sort.field), c.id.to_string()))
            .collect();
        let in_order = keys.windows(2).all(|pair| match query.sort.direction {
            SortDirection::Asc => pair[0] < pair[1],
            SortDirection::Desc => pair[0] > pair[1],
        });
        assert!(in_order, "sort {sort}: the walk keeps the sort order");
    }
}
