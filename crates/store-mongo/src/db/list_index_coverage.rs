//! Every filtered list page the planners write is served by one index:
//! the filter's field, then the page's sort keys (a page then reads its
//! index from where it starts and stops after a page, never sorting the
//! matches). Read from the migrations as a server would end up with them.

use std::collections::BTreeMap;

use crm_customers::{CustomerQuery, CustomerSort, CustomerSortField, LifecycleStatus};
use crm_interactions::{InteractionKind, InteractionQuery, InteractionStatus};
use crm_kernel::{PageRequest, SortDirection, UserId, Visibility};
use crm_tickets::{TicketQuery, TicketSort, TicketSortField, TicketStatus};
use mongodb::bson::Document;

use crate::customers::list::{ListPlan, list_plan};
use crate::db::migration_files::MIGRATIONS;
use crate::db::names;

/// The key fields of every index after all migrations, by collection and
/// index name.
fn indexes() -> BTreeMap<(String, String), Vec<String>> {
    let mut all = BTreeMap::new();
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
                        key.keys().cloned().collect(),
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
    all
}

/// Whether an index of `collection` is keyed by `filter` then exactly the
/// fields of `sort` (in one direction, which an index serves both ways).
fn served(collection: &str, filter: &str, sort: &Document) -> bool {
    let directions: Vec<_> = sort.values().map(ToString::to_string).collect();
    assert!(
        directions.windows(2).all(|pair| pair[0] == pair[1]),
        "one direction: {sort}"
    );
    let wanted: Vec<String> = std::iter::once(filter.to_owned())
        .chain(sort.keys().cloned())
        .collect();
    indexes()
        .iter()
        .any(|((c, _), key)| c == collection && *key == wanted)
}

const DIRECTIONS: [SortDirection; 2] = [SortDirection::Asc, SortDirection::Desc];

#[test]
fn a_customer_page_filtered_by_status_reads_one_index_in_any_order() {
    for field in [
        CustomerSortField::CreatedAt,
        CustomerSortField::UpdatedAt,
        CustomerSortField::Name,
        CustomerSortField::LastInteraction,
    ] {
        for direction in DIRECTIONS {
            let query = CustomerQuery {
                status: Some(LifecycleStatus::Prospect),
                sort: CustomerSort { field, direction },
                ..CustomerQuery::default()
            };
            let plan = list_plan(&query, &Visibility::All, &PageRequest::default()).unwrap();
            let ListPlan::Find { spec, .. } = plan else {
                panic!("a find for {field:?}");
            };
            assert!(
                served(names::CUSTOMERS, "status", &spec.sort),
                "status then {}",
                spec.sort
            );
        }
    }
    let by_creation = CustomerQuery::default();
    let ListPlan::Find { spec, .. } =
        list_plan(&by_creation, &Visibility::All, &PageRequest::default()).unwrap()
    else {
        panic!("a find");
    };
    for filter in ["company_id", "owner_id", "tags"] {
        assert!(served(names::CUSTOMERS, filter, &spec.sort), "{filter}");
    }
}

#[test]
fn a_ticket_page_filtered_by_status_reads_one_index_in_any_order() {
    for field in [
        TicketSortField::CreatedAt,
        TicketSortField::UpdatedAt,
        TicketSortField::Priority,
    ] {
        for direction in DIRECTIONS {
            let query = TicketQuery {
                status: Some(TicketStatus::Open),
                sort: TicketSort { field, direction },
                ..TicketQuery::default()
            };
            let spec =
                crate::tickets::list::list_spec(&query, &Visibility::All, &PageRequest::default())
                    .unwrap()
                    .unwrap();
            assert!(
                served(names::TICKETS, "status", &spec.sort),
                "status then {}",
                spec.sort
            );
        }
    }
    let spec = crate::tickets::list::list_spec(
        &TicketQuery::default(),
        &Visibility::All,
        &PageRequest::default(),
    )
    .unwrap()
    .unwrap();
    for filter in ["customer_id", "assignee_id"] {
        assert!(served(names::TICKETS, filter, &spec.sort), "{filter}");
    }
}

#[test]
fn an_interaction_page_filtered_by_any_field_reads_one_index() {
    for direction in DIRECTIONS {
        let queries = [
            (
                "status",
                InteractionQuery {
                    status: Some(InteractionStatus::Scheduled),
                    direction,
                    ..InteractionQuery::default()
                },
            ),
            (
                "kind",
                InteractionQuery {
                    kind: Some(InteractionKind::Call),
                    direction,
                    ..InteractionQuery::default()
                },
            ),
            (
                "organizer_id",
                InteractionQuery {
                    organizer_id: Some(UserId::new()),
                    direction,
                    ..InteractionQuery::default()
                },
            ),
        ];
        for (filter, query) in queries {
            let spec = crate::interactions::list::list_spec(
                &query,
                &Visibility::All,
                true,
                &PageRequest::default(),
            )
            .unwrap()
            .unwrap();
            assert!(
                served(names::INTERACTIONS, filter, &spec.sort),
                "{filter} then {}",
                spec.sort
            );
        }
    }
}
