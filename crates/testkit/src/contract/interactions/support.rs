//! Helpers shared by the interactions checks. The ports share method names
//! (`insert`, `get`, `list`, `update`, `customer_ref`, …), so every call
//! names its trait.

use std::time::Duration;

use crm_customers::ports::{CompanyRepository, CustomerRepository};
use crm_customers::{Company, Customer};
use crm_identity::StaffUser;
use crm_identity::ports::UserRepository;
use crm_interactions::ports::{HistoryQuery, InteractionRepository, StoreError};
use crm_interactions::{HistoryEntry, HistoryFilter, Interaction, InteractionQuery};
use crm_kernel::{
    CompanyId, CustomerId, InteractionId, Limit, PageRequest, PrincipalId, SortDirection,
    Timestamp, UserId, Version, Visibility,
};
use crm_tickets::Ticket;
use crm_tickets::ports::{Inserted, TicketRepository};

use super::InteractionsStore;
use crate::builders::{customer, first_status_change, password_hash, raised_event, staff_user};

/// Stores a customer (of `company`, owned by `owner`, both of which must
/// exist) and returns it.
pub(super) async fn add_customer<S: InteractionsStore + ?Sized>(
    store: &S,
    company: Option<CompanyId>,
    owner: Option<UserId>,
) -> Customer {
    let item = Customer {
        company_id: company,
        owner_id: owner,
        ..customer()
    };
    add_customer_record(store, &item).await;
    item
}

/// Stores `item` with its first status change.
pub(super) async fn add_customer_record<S: InteractionsStore + ?Sized>(store: &S, item: &Customer) {
    CustomerRepository::insert(store, item, &first_status_change(item))
        .await
        .unwrap_or_else(|error| panic!("inserting customer {} failed: {error}", item.id));
}

/// The customer as `CustomerRepository::get` reads it.
pub(super) async fn customer_record<S: InteractionsStore + ?Sized>(
    store: &S,
    id: CustomerId,
) -> Customer {
    CustomerRepository::get(store, id)
        .await
        .expect("get customer")
        .unwrap_or_else(|| panic!("customer {id} is stored"))
}

/// The customer's `last_interaction`, as `CustomerRepository::get` reads it.
pub(super) async fn last_interaction<S: InteractionsStore + ?Sized>(
    store: &S,
    id: CustomerId,
) -> Option<Timestamp> {
    customer_record(store, id).await.last_interaction
}

pub(super) async fn add_company<S: InteractionsStore + ?Sized>(store: &S, company: &Company) {
    CompanyRepository::insert(store, company)
        .await
        .unwrap_or_else(|error| panic!("inserting company {} failed: {error}", company.id));
}

/// A stored active staff user.
pub(super) async fn new_staff<S: InteractionsStore + ?Sized>(store: &S) -> StaffUser {
    let user = staff_user();
    UserRepository::insert(store, &user, &password_hash())
        .await
        .unwrap_or_else(|error| panic!("inserting staff user {} failed: {error}", user.id));
    user
}

/// Stores `interactions` in one call, expecting success.
pub(super) async fn record<S: InteractionsStore + ?Sized>(store: &S, interactions: &[Interaction]) {
    InteractionRepository::insert(store, interactions)
        .await
        .unwrap_or_else(|error| {
            panic!(
                "inserting {} interactions failed: {error}",
                interactions.len()
            )
        });
}

pub(super) async fn interaction<S: InteractionsStore + ?Sized>(
    store: &S,
    id: InteractionId,
) -> Option<Interaction> {
    InteractionRepository::get(store, id)
        .await
        .expect("get interaction")
}

/// Updates an interaction stored at `expected` to `next`, expecting success.
pub(super) async fn change<S: InteractionsStore + ?Sized>(
    store: &S,
    next: &Interaction,
    expected: Version,
) {
    InteractionRepository::update(store, next, expected)
        .await
        .unwrap_or_else(|error| panic!("updating interaction {} failed: {error}", next.id));
}

/// Raises `ticket` (by its customer), expecting success.
pub(super) async fn raise<S: InteractionsStore + ?Sized>(store: &S, ticket: &Ticket) {
    let event = raised_event(ticket, PrincipalId::Customer(ticket.customer_id));
    let inserted = TicketRepository::insert(store, ticket, &event, None)
        .await
        .unwrap_or_else(|error| panic!("inserting ticket {} failed: {error}", ticket.id));
    assert_eq!(
        inserted,
        Inserted::Created,
        "a ticket without a key is created"
    );
}

/// Panics unless `result` is the refusal `expected` (compared by variant).
pub(super) fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, StoreError>,
    expected: &StoreError,
    rule: &str,
) {
    let got = format!("{result:?}");
    let same = match result {
        Err(error) => std::mem::discriminant(&error) == std::mem::discriminant(expected),
        Ok(_) => false,
    };
    assert!(same, "{rule}: expected {expected:?}, got {got}");
}

pub(super) fn page(limit: u32) -> PageRequest {
    PageRequest {
        limit: Limit::parse(Some(limit)).expect("valid limit"),
        after: None,
    }
}

/// `at_minute(minutes)` plus `millis` milliseconds: instants a millisecond
/// apart, for the edges of intervals.
pub(super) fn plus_millis(at: Timestamp, millis: u64) -> Timestamp {
    at.plus(Duration::from_millis(millis))
}

/// Every interaction of the list, walking pages of `limit`; `between` runs
/// after each page (to write while the walk goes on).
pub(super) async fn walk<S, F, Fut>(
    store: &S,
    query: &InteractionQuery,
    visibility: &Visibility,
    include_staff_only: bool,
    limit: u32,
    mut between: F,
) -> Vec<Interaction>
where
    S: InteractionsStore + ?Sized,
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut request = page(limit);
    let mut items = Vec::new();
    for _ in 0..1000 {
        let page =
            InteractionRepository::list(store, query, visibility, include_staff_only, &request)
                .await
                .expect("list interactions");
        assert!(
            page.items.len() <= limit as usize,
            "a page holds at most `limit` items"
        );
        items.extend(page.items);
        match page.next {
            None => return items,
            Some(next) => request.after = Some(next),
        }
        between().await;
    }
    panic!("the walk never ended: the cursor does not advance");
}

/// The ids the query lists, in the list's order, in pages of 200.
pub(super) async fn listed<S: InteractionsStore + ?Sized>(
    store: &S,
    query: &InteractionQuery,
    visibility: &Visibility,
    include_staff_only: bool,
) -> Vec<InteractionId> {
    walk(
        store,
        query,
        visibility,
        include_staff_only,
        200,
        || async {},
    )
    .await
    .iter()
    .map(|i| i.id)
    .collect()
}

/// The ids the query lists, sorted.
pub(super) async fn listed_set<S: InteractionsStore + ?Sized>(
    store: &S,
    query: &InteractionQuery,
    visibility: &Visibility,
    include_staff_only: bool,
) -> Vec<InteractionId> {
    let mut ids = listed(store, query, visibility, include_staff_only).await;
    ids.sort();
    ids
}

/// The ids of `interactions`, sorted.
pub(super) fn ids_of(interactions: &[&Interaction]) -> Vec<InteractionId> {
    let mut ids: Vec<InteractionId> = interactions.iter().map(|i| i.id).collect();
    ids.sort();
    ids
}

/// `interactions` ordered by start, ties by id, in `direction`.
pub(super) fn expected_order(
    interactions: &[Interaction],
    direction: SortDirection,
) -> Vec<InteractionId> {
    let mut keyed: Vec<(String, String, InteractionId)> = interactions
        .iter()
        .map(|i| (i.date_time.to_rfc3339(), i.id.to_string(), i.id))
        .collect();
    keyed.sort();
    if direction == SortDirection::Desc {
        keyed.reverse();
    }
    keyed.into_iter().map(|(_, _, id)| id).collect()
}

/// A query of the interactions in `direction`.
pub(super) fn in_direction(direction: SortDirection) -> InteractionQuery {
    InteractionQuery {
        direction,
        ..InteractionQuery::default()
    }
}

/// Every entry of the customer's history, walking pages of `limit`.
pub(super) async fn walk_history<S: InteractionsStore + ?Sized>(
    store: &S,
    customer: CustomerId,
    filter: &HistoryFilter,
    include_staff_only: bool,
    limit: u32,
) -> Vec<HistoryEntry> {
    let mut request = page(limit);
    let mut items = Vec::new();
    for _ in 0..1000 {
        let page = HistoryQuery::history(store, customer, filter, include_staff_only, &request)
            .await
            .expect("history");
        assert!(
            page.items.len() <= limit as usize,
            "a page of history holds at most `limit` entries"
        );
        if let (Some(next), Some(last)) = (&page.next, page.items.last()) {
            assert_eq!(
                next.id,
                format!("{}:{}", last.source, last.id),
                "the cursor's id is `<source>:<id>` of the page's last entry"
            );
            assert_eq!(
                next.key,
                Some(last.at.to_rfc3339()),
                "the cursor's key is the last entry's instant"
            );
        }
        items.extend(page.items);
        match page.next {
            None => return items,
            Some(next) => request.after = Some(next),
        }
    }
    panic!("the walk of the history never ended: the cursor does not advance");
}

/// The history in one page of 200.
pub(super) async fn history<S: InteractionsStore + ?Sized>(
    store: &S,
    customer: CustomerId,
    filter: &HistoryFilter,
    include_staff_only: bool,
) -> Vec<HistoryEntry> {
    let page = HistoryQuery::history(store, customer, filter, include_staff_only, &page(200))
        .await
        .expect("history");
    assert!(page.next.is_none(), "the history fits in one page of 200");
    page.items
}
