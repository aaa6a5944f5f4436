//! Every filtered list page the planners write is served by one index:
//! the filter's field, then the page's sort keys (a page then reads its
//! index from where it starts and stops after a page, never sorting the
//! matches). Read from the migrations as a server ends up with them.

use std::collections::BTreeSet;

use crm_customers::{CustomerQuery, CustomerSort, CustomerSortField, LifecycleStatus, Tag};
use crm_identity::{StaffRole, UserQuery, UserSort, UserSortField, UserStatus};
use crm_interactions::{InteractionKind, InteractionQuery, InteractionStatus};
use crm_kernel::{CompanyId, CustomerId, PageRequest, SortDirection, UserId, Visibility};
use crm_tickets::{Priority, TicketQuery, TicketSort, TicketSortField, TicketStatus};
use mongodb::bson::Document;

use crate::customers::list::{ListPlan, list_plan};
use crate::db::migration_files::MIGRATIONS;
use crate::db::names;

/// The key fields of every index after all migrations, with its collection.
fn indexes() -> BTreeSet<(String, Vec<String>)> {
    let mut all = std::collections::BTreeMap::new();
    for migration in MIGRATIONS {
        for command in migration.commands().unwrap() {
            if let (Ok(collection), Ok(created)) = (
                command.get_str("createIndexes"),
                command.get_array("indexes"),
            ) {
                for index in created {
                    let index = index.as_document().unwrap();
                    let key = index.get_document("key").unwrap();
                    all.insert(
                        (
                            collection.to_owned(),
                            index.get_str("name").unwrap().to_owned(),
                        ),
                        key.keys().cloned().collect::<Vec<_>>(),
                    );
                }
            }
            if let (Ok(collection), Ok(name)) =
                (command.get_str("dropIndexes"), command.get_str("index"))
            {
                all.remove(&(collection.to_owned(), name.to_owned()));
            }
        }
    }
    all.into_iter()
        .map(|((collection, _), key)| (collection, key))
        .collect()
}

/// Asserts that an index of `collection` is keyed by `filter` then exactly
/// the fields of `sort`, in one direction, which an index serves both ways
/// (a filter on the sort's own field needs no field of its own).
fn assert_served(
    indexes: &BTreeSet<(String, Vec<String>)>,
    collection: &str,
    filter: &str,
    sort: &Document,
) {
    let directions: Vec<_> = sort.values().map(ToString::to_string).collect();
    assert!(
        directions.windows(2).all(|pair| pair[0] == pair[1]),
        "one direction: {sort}"
    );
    let sorted: Vec<String> = sort.keys().cloned().collect();
    let wanted: Vec<String> = if sorted.first().is_some_and(|first| first == filter) {
        sorted
    } else {
        std::iter::once(filter.to_owned()).chain(sorted).collect()
    };
    assert!(
        indexes.contains(&(collection.to_owned(), wanted.clone())),
        "{collection}: no index {wanted:?}"
    );
}

const DIRECTIONS: [SortDirection; 2] = [SortDirection::Asc, SortDirection::Desc];

/// A filter of a list: the field it reads and how a query sets it.
type Filter<Q> = (&'static str, fn(&mut Q));

/// Asserts that each of `orders` (a query per order and direction, with no
/// filter) with each of `filters` set is a page `sort_of` plans in an order
/// an index of `collection` serves after the filter's field.
fn assert_every_page_served<Q: Clone>(
    collection: &str,
    filters: &[Filter<Q>],
    orders: &[Q],
    sort_of: impl Fn(&Q) -> Document,
) {
    let indexes = indexes();
    for (filter, set) in filters {
        for order in orders {
            let mut query = order.clone();
            set(&mut query);
            assert_served(&indexes, collection, filter, &sort_of(&query));
        }
    }
}

#[test]
fn a_customer_page_with_any_filter_reads_one_index_in_any_order() {
    let orders: Vec<CustomerQuery> = [
        CustomerSortField::CreatedAt,
        CustomerSortField::UpdatedAt,
        CustomerSortField::Name,
        CustomerSortField::LastInteraction,
    ]
    .into_iter()
    .flat_map(|field| DIRECTIONS.map(|direction| CustomerSort { field, direction }))
    .map(|sort| CustomerQuery {
        sort,
        ..CustomerQuery::default()
    })
    .collect();
    let filters: [Filter<CustomerQuery>; 4] = [
        ("status", |q| q.status = Some(LifecycleStatus::Prospect)),
        ("company_id", |q| q.company_id = Some(CompanyId::new())),
        ("owner_id", |q| q.owner_id = Some(UserId::new())),
        ("tags", |q| q.tag = Some(Tag::parse("vip").unwrap())),
    ];
    assert_every_page_served(
        names::CUSTOMERS,
        &filters,
        &orders,
        |query| match list_plan(query, &Visibility::All, &PageRequest::default()).unwrap() {
            ListPlan::Find { spec, .. } => spec.sort,
            other => panic!("a find for {:?}, got {other:?}", query.sort),
        },
    );
}

#[test]
fn a_ticket_page_with_any_filter_reads_one_index_in_any_order() {
    let orders: Vec<TicketQuery> = [
        TicketSortField::CreatedAt,
        TicketSortField::UpdatedAt,
        TicketSortField::Priority,
    ]
    .into_iter()
    .flat_map(|field| DIRECTIONS.map(|direction| TicketSort { field, direction }))
    .map(|sort| TicketQuery {
        sort,
        ..TicketQuery::default()
    })
    .collect();
    let filters: [Filter<TicketQuery>; 4] = [
        ("status", |q| q.status = Some(TicketStatus::Open)),
        ("priority_rank", |q| q.priority = Some(Priority::High)),
        ("assignee_id", |q| q.assignee_id = Some(UserId::new())),
        ("customer_id", |q| q.customer_id = Some(CustomerId::new())),
    ];
    assert_every_page_served(names::TICKETS, &filters, &orders, |query| {
        crate::tickets::list::list_spec(query, &Visibility::All, &PageRequest::default())
            .unwrap()
            .unwrap()
            .sort
    });
}

#[test]
fn a_staff_page_with_any_filter_reads_one_index_in_any_order() {
    let orders: Vec<UserQuery> = [
        UserSortField::Name,
        UserSortField::Email,
        UserSortField::CreatedAt,
        UserSortField::UpdatedAt,
    ]
    .into_iter()
    .flat_map(|field| DIRECTIONS.map(|direction| UserSort { field, direction }))
    .map(|sort| UserQuery {
        sort,
        ..UserQuery::default()
    })
    .collect();
    let filters: [Filter<UserQuery>; 2] = [
        ("role", |q| q.role = Some(StaffRole::Agent)),
        ("status", |q| q.status = Some(UserStatus::Active)),
    ];
    assert_every_page_served(names::USERS, &filters, &orders, |query| {
        crate::identity::user_list::list_spec(query, &PageRequest::default())
            .unwrap()
            .sort
    });
}

#[test]
fn an_interaction_page_with_any_filter_reads_one_index() {
    let orders = DIRECTIONS.map(|direction| InteractionQuery {
        direction,
        ..InteractionQuery::default()
    });
    let filters: [Filter<InteractionQuery>; 4] = [
        ("status", |q| q.status = Some(InteractionStatus::Scheduled)),
        ("kind", |q| q.kind = Some(InteractionKind::Call)),
        ("organizer_id", |q| q.organizer_id = Some(UserId::new())),
        ("customer_id", |q| q.customer_id = Some(CustomerId::new())),
    ];
    assert_every_page_served(names::INTERACTIONS, &filters, &orders, |query| {
        let spec = crate::interactions::list::list_spec(
            query,
            &Visibility::All,
            true,
            &PageRequest::default(),
        );
        spec.unwrap().unwrap().sort
    });
}
