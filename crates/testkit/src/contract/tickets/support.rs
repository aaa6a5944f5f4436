//! Helpers shared by the tickets checks. The ports share method names
//! (`insert`, `get`, `list`, `update`, …), so every call names its trait.

use crm_customers::ports::{CompanyRepository, CustomerRepository};
use crm_customers::{Company, Customer};
use crm_identity::StaffUser;
use crm_identity::ports::UserRepository;
use crm_kernel::{
    CompanyId, CustomerId, Limit, PageRequest, PrincipalId, SortDirection, TicketId, UserId,
    Version, Visibility,
};
use crm_tickets::ports::{Inserted, StoreError, TicketRepository};
use crm_tickets::{Comment, Ticket, TicketEvent, TicketQuery, TicketSort, TicketSortField};

use super::TicketsStore;
use crate::builders::{customer, first_status_change, password_hash, raised_event, staff_user};

/// Stores a customer (of `company`, owned by `owner`, both of which must
/// exist) and returns it.
pub(super) async fn add_customer<S: TicketsStore + ?Sized>(
    store: &S,
    company: Option<CompanyId>,
    owner: Option<UserId>,
) -> Customer {
    let item = Customer {
        company_id: company,
        owner_id: owner,
        ..customer()
    };
    CustomerRepository::insert(store, &item, &first_status_change(&item))
        .await
        .unwrap_or_else(|error| panic!("inserting customer {} failed: {error}", item.id));
    item
}

pub(super) async fn add_company<S: TicketsStore + ?Sized>(store: &S, company: &Company) {
    CompanyRepository::insert(store, company)
        .await
        .unwrap_or_else(|error| panic!("inserting company {} failed: {error}", company.id));
}

pub(super) async fn add_staff<S: TicketsStore + ?Sized>(store: &S, user: &StaffUser) {
    UserRepository::insert(store, user, &password_hash())
        .await
        .unwrap_or_else(|error| panic!("inserting staff user {} failed: {error}", user.id));
}

/// A stored active staff user.
pub(super) async fn new_staff<S: TicketsStore + ?Sized>(store: &S) -> StaffUser {
    let user = staff_user();
    add_staff(store, &user).await;
    user
}

/// Stores `ticket` with its raising event (by its customer) and no key.
pub(super) async fn raise<S: TicketsStore + ?Sized>(store: &S, ticket: &Ticket) {
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

pub(super) async fn ticket<S: TicketsStore + ?Sized>(store: &S, id: TicketId) -> Option<Ticket> {
    TicketRepository::get(store, id).await.expect("get ticket")
}

pub(super) async fn events<S: TicketsStore + ?Sized>(store: &S, id: TicketId) -> Vec<TicketEvent> {
    TicketRepository::events(store, id)
        .await
        .expect("ticket events")
}

/// Updates a ticket stored at `expected` to `next`, expecting success.
pub(super) async fn change<S: TicketsStore + ?Sized>(
    store: &S,
    next: &Ticket,
    expected: Version,
    event: Option<&TicketEvent>,
) {
    TicketRepository::update(store, next, expected, event)
        .await
        .unwrap_or_else(|error| panic!("updating ticket {} failed: {error}", next.id));
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

pub(super) fn sorted(sort: &str) -> TicketQuery {
    TicketQuery {
        sort: TicketSort::parse(sort).expect("valid sort"),
        ..TicketQuery::default()
    }
}

/// Every ticket of the list, walking pages of `limit`; `between` runs after
/// each page (to write while the walk goes on).
pub(super) async fn walk<S, F, Fut>(
    store: &S,
    query: &TicketQuery,
    visibility: &Visibility,
    limit: u32,
    mut between: F,
) -> Vec<Ticket>
where
    S: TicketsStore + ?Sized,
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut request = page(limit);
    let mut items = Vec::new();
    for _ in 0..1000 {
        let page = TicketRepository::list(store, query, visibility, &request)
            .await
            .expect("list tickets");
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

/// Every ticket the query lists under `visibility`, in pages of 200.
pub(super) async fn all_visible<S: TicketsStore + ?Sized>(
    store: &S,
    query: &TicketQuery,
    visibility: &Visibility,
) -> Vec<Ticket> {
    walk(store, query, visibility, 200, || async {}).await
}

/// The ids the query lists under `visibility`, sorted.
pub(super) async fn visible_ids<S: TicketsStore + ?Sized>(
    store: &S,
    query: &TicketQuery,
    visibility: &Visibility,
) -> Vec<TicketId> {
    let mut ids: Vec<TicketId> = all_visible(store, query, visibility)
        .await
        .iter()
        .map(|t| t.id)
        .collect();
    ids.sort();
    ids
}

/// The ids of `tickets`, sorted.
pub(super) fn ids_of(tickets: &[&Ticket]) -> Vec<TicketId> {
    let mut ids: Vec<TicketId> = tickets.iter().map(|t| t.id).collect();
    ids.sort();
    ids
}

/// The ids of the customer's tickets, sorted.
pub(super) async fn tickets_of<S: TicketsStore + ?Sized>(
    store: &S,
    customer: CustomerId,
) -> Vec<TicketId> {
    let query = TicketQuery {
        customer_id: Some(customer),
        ..TicketQuery::default()
    };
    visible_ids(store, &query, &Visibility::All).await
}

/// Every comment of the ticket, walking pages of `limit`.
pub(super) async fn all_comments<S: TicketsStore + ?Sized>(
    store: &S,
    id: TicketId,
    include_internal: bool,
    limit: u32,
) -> Vec<Comment> {
    let mut request = page(limit);
    let mut items = Vec::new();
    for _ in 0..1000 {
        let page = TicketRepository::comments(store, id, include_internal, &request)
            .await
            .expect("list comments");
        assert!(
            page.items.len() <= limit as usize,
            "a page of comments holds at most `limit` items"
        );
        items.extend(page.items);
        match page.next {
            None => return items,
            Some(next) => request.after = Some(next),
        }
    }
    panic!("the walk of comments never ended: the cursor does not advance");
}

/// The sort key of `ticket` under `field`, as the contract defines the order.
pub(super) fn sort_key(ticket: &Ticket, field: TicketSortField) -> String {
    match field {
        TicketSortField::CreatedAt => ticket.created_at.to_rfc3339(),
        TicketSortField::UpdatedAt => ticket.updated_at.to_rfc3339(),
        TicketSortField::Priority => format!("{:02}", ticket.priority.rank()),
    }
}

/// `tickets` in the order of `sort`, ties broken by id in the same direction.
pub(super) fn expected_order(tickets: &[Ticket], sort: TicketSort) -> Vec<TicketId> {
    let mut keyed: Vec<(String, String, TicketId)> = tickets
        .iter()
        .map(|t| (sort_key(t, sort.field), t.id.to_string(), t.id))
        .collect();
    keyed.sort();
    if sort.direction == SortDirection::Desc {
        keyed.reverse();
    }
    keyed.into_iter().map(|(_, _, id)| id).collect()
}
