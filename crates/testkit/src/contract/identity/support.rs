//! Helpers shared by the identity checks.

use crm_identity::ports::{Credential, SessionStore, StoreError, UserRepository};
use crm_identity::{
    NewCustomerAccount, RefreshSession, StaffUser, UserQuery, UserSort, UserSortField,
};
use crm_kernel::{Limit, PageRequest, SortDirection, UserId};

use super::IdentityStore;
use crate::builders::{email, password_hash, person_name, staff_user};

pub(super) async fn add_user<S: IdentityStore + ?Sized>(store: &S, user: &StaffUser) {
    UserRepository::insert(store, user, &password_hash())
        .await
        .unwrap_or_else(|error| panic!("inserting {:?} failed: {error}", user.email));
}

pub(super) async fn add_session<S: IdentityStore + ?Sized>(store: &S, session: &RefreshSession) {
    SessionStore::insert(store, session)
        .await
        .unwrap_or_else(|error| panic!("inserting session {:?} failed: {error}", session.id));
}

pub(super) async fn register<S: IdentityStore + ?Sized>(store: &S, account: &NewCustomerAccount) {
    store
        .register(account, &password_hash())
        .await
        .unwrap_or_else(|error| panic!("registering {:?} failed: {error}", account.email));
}

pub(super) async fn user<S: IdentityStore + ?Sized>(store: &S, id: UserId) -> Option<StaffUser> {
    store.get(id).await.expect("get user")
}

pub(super) async fn credential<S: IdentityStore + ?Sized>(
    store: &S,
    address: &str,
) -> Option<Credential> {
    store
        .find_by_email(&email(address))
        .await
        .expect("find credential")
}

pub(super) async fn stored_session<S: IdentityStore + ?Sized>(
    store: &S,
    of: &RefreshSession,
) -> Option<RefreshSession> {
    store
        .find_by_hash(&of.token_hash)
        .await
        .expect("find session")
}

pub(super) fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, StoreError>,
    expected: &StoreError,
    rule: &str,
) {
    match result {
        Err(error) if std::mem::discriminant(&error) == std::mem::discriminant(expected) => {}
        other => panic!("{rule}: expected {expected:?}, got {other:?}"),
    }
}

/// `text` with its case swapped letter by letter, so that it differs from
/// the original in case only.
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

pub(super) fn query(sort: &str) -> UserQuery {
    UserQuery {
        sort: UserSort::parse(sort).expect("valid sort"),
        ..UserQuery::default()
    }
}

/// Every item of the list, walking pages of `limit`; `between` runs after
/// each page (to insert items while the walk goes on).
pub(super) async fn walk<S, F, Fut>(
    store: &S,
    query: &UserQuery,
    limit: u32,
    mut between: F,
) -> Vec<StaffUser>
where
    S: IdentityStore + ?Sized,
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut request = page(limit);
    let mut items = Vec::new();
    for _ in 0..1000 {
        let page = store.list(query, &request).await.expect("list users");
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

pub(super) async fn all_users<S: IdentityStore + ?Sized>(
    store: &S,
    query: &UserQuery,
) -> Vec<StaffUser> {
    walk(store, query, 200, || async {}).await
}

pub(super) async fn matching_ids<S: IdentityStore + ?Sized>(
    store: &S,
    query: &UserQuery,
) -> Vec<UserId> {
    let mut ids: Vec<UserId> = all_users(store, query).await.iter().map(|u| u.id).collect();
    ids.sort();
    ids
}

pub(super) fn sorted_ids(users: &[&StaffUser]) -> Vec<UserId> {
    let mut ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
    ids.sort();
    ids
}

/// The sort key of `user` under `field`, as the contract defines the order.
pub(super) fn sort_key(user: &StaffUser, field: UserSortField) -> String {
    match field {
        UserSortField::Name => user.name.as_str().to_lowercase(),
        UserSortField::Email => user.email.key(),
        UserSortField::CreatedAt => user.created_at.to_rfc3339(),
        UserSortField::UpdatedAt => user.updated_at.to_rfc3339(),
    }
}

/// `users` in the order of `sort`, ties broken by id in the same direction.
pub(super) fn expected_order(users: &[StaffUser], sort: UserSort) -> Vec<UserId> {
    let mut keyed: Vec<(String, String, UserId)> = users
        .iter()
        .map(|u| (sort_key(u, sort.field), u.id.to_string(), u.id))
        .collect();
    keyed.sort();
    if sort.direction == SortDirection::Desc {
        keyed.reverse();
    }
    keyed.into_iter().map(|(_, _, id)| id).collect()
}

pub(super) fn user_named(name: &str, address: &str) -> StaffUser {
    StaffUser {
        name: person_name(name),
        email: email(address),
        ..staff_user()
    }
}
