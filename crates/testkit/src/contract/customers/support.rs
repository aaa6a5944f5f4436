//! Helpers shared by the customers checks. The ports share method names
//! (`insert`, `get`, `list`, …), so every call names its trait.

use crm_customers::ports::{CompanyRepository, CustomerRepository, StoreError};
use crm_customers::{
    Company, Customer, CustomerQuery, CustomerSort, CustomerSortField, StatusChange, Version,
    Visibility,
};
use crm_identity::ports::UserRepository;
use crm_identity::{NewCustomerAccount, StaffUser};
use crm_kernel::{CompanyId, CustomerId, Limit, PageRequest, SortDirection};

use super::CustomersStore;
use crate::builders::{first_status_change, password_hash};

pub(super) async fn add_customer<S: CustomersStore + ?Sized>(store: &S, customer: &Customer) {
    add_customer_with(store, customer, &first_status_change(customer)).await;
}

pub(super) async fn add_customer_with<S: CustomersStore + ?Sized>(
    store: &S,
    customer: &Customer,
    change: &StatusChange,
) {
    CustomerRepository::insert(store, customer, change)
        .await
        .unwrap_or_else(|error| panic!("inserting customer {} failed: {error}", customer.id));
}

pub(super) async fn add_company<S: CustomersStore + ?Sized>(store: &S, company: &Company) {
    CompanyRepository::insert(store, company)
        .await
        .unwrap_or_else(|error| panic!("inserting company {} failed: {error}", company.id));
}

pub(super) async fn add_staff<S: CustomersStore + ?Sized>(store: &S, user: &StaffUser) {
    UserRepository::insert(store, user, &password_hash())
        .await
        .unwrap_or_else(|error| panic!("inserting staff user {} failed: {error}", user.id));
}

pub(super) async fn sign_up<S: CustomersStore + ?Sized>(store: &S, account: &NewCustomerAccount) {
    store
        .register(account, &password_hash())
        .await
        .unwrap_or_else(|error| panic!("registering {} failed: {error}", account.id));
}

pub(super) async fn customer<S: CustomersStore + ?Sized>(
    store: &S,
    id: CustomerId,
) -> Option<Customer> {
    CustomerRepository::get(store, id)
        .await
        .expect("get customer")
}

pub(super) async fn company<S: CustomersStore + ?Sized>(
    store: &S,
    id: CompanyId,
) -> Option<Company> {
    CompanyRepository::get(store, id)
        .await
        .expect("get company")
}

pub(super) async fn history<S: CustomersStore + ?Sized>(
    store: &S,
    id: CustomerId,
) -> Vec<StatusChange> {
    store.status_history(id).await.expect("status history")
}

/// Updates `current` (as stored) to `next`, expecting success.
pub(super) async fn change<S: CustomersStore + ?Sized>(
    store: &S,
    next: &Customer,
    expected: Version,
    change: Option<&StatusChange>,
) {
    CustomerRepository::update(store, next, expected, change)
        .await
        .unwrap_or_else(|error| panic!("updating customer {} failed: {error}", next.id));
}

/// `customer` as `get` returns it: with its company's name and whether it can sign in.
pub(super) fn as_read(
    customer: &Customer,
    company: Option<&Company>,
    has_account: bool,
) -> Customer {
    Customer {
        company: company.map(|c| c.name.as_str().to_owned()),
        has_account,
        ..customer.clone()
    }
}

/// Panics unless `result` is the refusal `expected` (compared by variant,
/// and by the named customer for a duplicate email).
pub(super) fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, StoreError>,
    expected: &StoreError,
    rule: &str,
) {
    let got = format!("{result:?}");
    let same = match (result, expected) {
        (
            Err(StoreError::DuplicateEmail { existing }),
            StoreError::DuplicateEmail { existing: wanted },
        ) => existing == *wanted,
        (Err(error), _) => std::mem::discriminant(&error) == std::mem::discriminant(expected),
        (Ok(_), _) => false,
    };
    assert!(same, "{rule}: expected {expected:?}, got {got}");
}

/// `text` with its ASCII letters' case swapped.
pub(super) fn swap_case(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

pub(super) fn page(limit: u32) -> PageRequest {
    PageRequest {
        limit: Limit::parse(Some(limit)).expect("valid limit"),
        after: None,
    }
}

pub(super) fn sorted(sort: &str) -> CustomerQuery {
    CustomerQuery {
        sort: CustomerSort::parse(sort).expect("valid sort"),
        ..CustomerQuery::default()
    }
}

pub(super) fn searching(text: &str) -> CustomerQuery {
    CustomerQuery {
        text: Some(text.to_owned()),
        ..CustomerQuery::default()
    }
}

/// Every customer of the list, walking pages of `limit`; `between` runs
/// after each page (to write while the walk goes on).
pub(super) async fn walk<S, F, Fut>(
    store: &S,
    query: &CustomerQuery,
    visibility: &Visibility,
    limit: u32,
    mut between: F,
) -> Vec<Customer>
where
    S: CustomersStore + ?Sized,
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut request = page(limit);
    let mut items = Vec::new();
    for _ in 0..1000 {
        let page = CustomerRepository::list(store, query, visibility, &request)
            .await
            .expect("list customers");
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

/// Every customer the query lists under `visibility`, in pages of 200.
pub(super) async fn all_visible<S: CustomersStore + ?Sized>(
    store: &S,
    query: &CustomerQuery,
    visibility: &Visibility,
) -> Vec<Customer> {
    walk(store, query, visibility, 200, || async {}).await
}

/// The ids the query lists (everything visible), sorted.
pub(super) async fn matching<S: CustomersStore + ?Sized>(
    store: &S,
    query: &CustomerQuery,
) -> Vec<CustomerId> {
    visible_ids(store, query, &Visibility::All).await
}

/// The ids the query lists under `visibility`, sorted.
pub(super) async fn visible_ids<S: CustomersStore + ?Sized>(
    store: &S,
    query: &CustomerQuery,
    visibility: &Visibility,
) -> Vec<CustomerId> {
    let mut ids: Vec<CustomerId> = all_visible(store, query, visibility)
        .await
        .iter()
        .map(|c| c.id)
        .collect();
    ids.sort();
    ids
}

pub(super) fn ids_of(customers: &[&Customer]) -> Vec<CustomerId> {
    let mut ids: Vec<CustomerId> = customers.iter().map(|c| c.id).collect();
    ids.sort();
    ids
}

/// The sort key of `customer` under `field`, as the contract defines the order.
pub(super) fn sort_key(customer: &Customer, field: CustomerSortField) -> String {
    match field {
        CustomerSortField::Name => format!(
            "{} {}",
            customer.last_name.as_str(),
            customer.first_name.as_str()
        )
        .to_lowercase(),
        CustomerSortField::CreatedAt | CustomerSortField::Relevance => {
            customer.created_at.to_rfc3339()
        }
        CustomerSortField::UpdatedAt => customer.updated_at.to_rfc3339(),
        CustomerSortField::LastInteraction => customer
            .last_interaction
            .map(|at| at.to_rfc3339())
            .unwrap_or_default(),
    }
}

/// `customers` in the order of `sort`, ties broken by id in the same direction.
pub(super) fn expected_order(customers: &[Customer], sort: CustomerSort) -> Vec<CustomerId> {
    let mut keyed: Vec<(String, String, CustomerId)> = customers
        .iter()
        .map(|c| (sort_key(c, sort.field), c.id.to_string(), c.id))
        .collect();
    keyed.sort();
    if sort.direction == SortDirection::Desc {
        keyed.reverse();
    }
    keyed.into_iter().map(|(_, _, id)| id).collect()
}
