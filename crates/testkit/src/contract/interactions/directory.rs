//! Checks of what the interactions context asks about other contexts'
//! records (customers, staff users) and of calendar feed tokens.

use crm_customers::ports::CustomerRepository;
use crm_interactions::ports::{
    CalendarFeeds, CustomerDirectory, CustomerRef, StaffContact, StaffDirectory,
};
use crm_kernel::{CustomerId, UserId};

use super::InteractionsStore;
use super::support::{add_company, add_customer, new_staff};
use crate::builders::{at_minute, company, token_hash};

async fn owner<S: InteractionsStore + ?Sized>(store: &S, hash: &str) -> Option<UserId> {
    CalendarFeeds::feed_owner(store, hash)
        .await
        .expect("feed owner")
}

async fn set<S: InteractionsStore + ?Sized>(store: &S, user: UserId, hash: &str) {
    CalendarFeeds::set_feed_token(store, user, hash)
        .await
        .unwrap_or_else(|error| panic!("setting the feed token of {user} failed: {error}"));
}

/// A user's feed token is found by its hash; a new one replaces it (the old
/// hash finds nobody); users' tokens are their own; an unknown hash is
/// `None`.
pub async fn calendar_feed_tokens_are_set_replaced_and_looked_up<S: InteractionsStore + ?Sized>(
    store: &S,
) {
    let user = new_staff(store).await;
    let other = new_staff(store).await;
    let (first, second, others) = (
        token_hash().as_str().to_owned(),
        token_hash().as_str().to_owned(),
        token_hash().as_str().to_owned(),
    );
    assert_eq!(owner(store, &first).await, None, "no token yet");
    set(store, user.id, &first).await;
    set(store, other.id, &others).await;
    assert_eq!(owner(store, &first).await, Some(user.id));
    assert_eq!(owner(store, &others).await, Some(other.id));
    set(store, user.id, &second).await;
    assert_eq!(
        owner(store, &first).await,
        None,
        "the replaced token finds nobody"
    );
    assert_eq!(
        owner(store, &second).await,
        Some(user.id),
        "the new one does"
    );
    assert_eq!(
        owner(store, &others).await,
        Some(other.id),
        "other users' tokens stay"
    );
    assert_eq!(
        owner(store, token_hash().as_str()).await,
        None,
        "an unknown hash is None"
    );
}

/// `staff_exists` and `staff_contact` know every staff user by id.
pub async fn interaction_staff_directory_knows_staff_users<S: InteractionsStore + ?Sized>(
    store: &S,
) {
    let user = new_staff(store).await;
    assert!(
        StaffDirectory::staff_exists(store, user.id)
            .await
            .expect("staff exists")
    );
    assert!(
        !StaffDirectory::staff_exists(store, UserId::new())
            .await
            .expect("staff exists")
    );
    assert_eq!(
        StaffDirectory::staff_contact(store, user.id)
            .await
            .expect("staff contact"),
        Some(StaffContact {
            id: user.id,
            name: user.name.as_str().to_owned(),
            email: user.email.as_str().to_owned(),
        })
    );
    assert_eq!(
        StaffDirectory::staff_contact(store, UserId::new())
            .await
            .expect("staff contact"),
        None,
        "an unknown user has no contact"
    );
}

/// `customer_ref` names a customer's company and owner, and knows neither
/// unknown nor erased customers.
pub async fn interaction_customer_ref_hides_erased_customers<S: InteractionsStore + ?Sized>(
    store: &S,
) {
    let acme = company();
    add_company(store, &acme).await;
    let agent = new_staff(store).await;
    let customer = add_customer(store, Some(acme.id), Some(agent.id)).await;
    let bare = add_customer(store, None, None).await;
    let lookup = |id: CustomerId| CustomerDirectory::customer_ref(store, id);
    assert_eq!(
        lookup(customer.id).await.expect("customer ref"),
        Some(CustomerRef {
            id: customer.id,
            company_id: Some(acme.id),
            owner_id: Some(agent.id),
        })
    );
    assert_eq!(
        lookup(bare.id).await.expect("customer ref"),
        Some(CustomerRef {
            id: bare.id,
            company_id: None,
            owner_id: None,
        })
    );
    assert_eq!(lookup(CustomerId::new()).await.expect("customer ref"), None);
    CustomerRepository::erase(store, customer.id, at_minute(1))
        .await
        .expect("erase customer");
    assert_eq!(
        lookup(customer.id).await.expect("customer ref"),
        None,
        "an erased customer is unknown"
    );
}
