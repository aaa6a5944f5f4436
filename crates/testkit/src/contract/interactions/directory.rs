//! Checks of what the interactions context asks about other contexts'
//! records (customers, staff users) and of calendar feed tokens.

use crm_customers::ports::CustomerRepository;
use crm_identity::ports::UserRepository;
use crm_identity::{StaffRole, StaffUser, UserStatus};
use crm_interactions::ports::{
    CalendarFeeds, CustomerDirectory, CustomerRef, StaffContact, StaffDirectory,
};
use crm_kernel::{CustomerId, UserId};

use super::InteractionsStore;
use super::support::{add_company, add_customer, new_staff};
use crate::builders::{at_minute, company, password_hash, person_name, staff_user, token_hash};

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

/// `staff_exists` and `staff_contacts` know every staff user by id.
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
        StaffDirectory::staff_contacts(store, &[user.id])
            .await
            .expect("staff contact"),
        [StaffContact {
            id: user.id,
            name: user.name.as_str().to_owned(),
            email: user.email.as_str().to_owned(),
        }]
    );
    assert_eq!(
        StaffDirectory::staff_contacts(store, &[UserId::new()])
            .await
            .expect("staff contact"),
        [],
        "an unknown user has no contact"
    );
}

/// The contact `staff_contacts` gives for `user`.
fn contact_of(user: &StaffUser) -> StaffContact {
    StaffContact {
        id: user.id,
        name: user.name.as_str().to_owned(),
        email: user.email.as_str().to_owned(),
    }
}

/// `staff_contacts(ids)`, sorted by id (the port leaves the order open).
async fn contacts<S: InteractionsStore + ?Sized>(store: &S, ids: &[UserId]) -> Vec<StaffContact> {
    let mut found = StaffDirectory::staff_contacts(store, ids)
        .await
        .unwrap_or_else(|error| panic!("staff_contacts of {} ids failed: {error}", ids.len()));
    found.sort_by_key(|c| c.id);
    found
}

/// `staff_contacts` answers for many ids in one call: every staff user
/// among them once (whatever its role and status, however often and in
/// whichever order it is named), unknown ids left out, no ids finding
/// nobody, and a list far longer than any query's parameter limit
/// answered whole.
pub async fn interaction_staff_contacts_answer_many_ids_in_one_call<
    S: InteractionsStore + ?Sized,
>(
    store: &S,
) {
    let agent = new_staff(store).await;
    let other = new_staff(store).await;
    let disabled_admin = StaffUser {
        name: person_name("Dana Disabled"),
        role: StaffRole::Admin,
        status: UserStatus::Disabled,
        company_ids: Vec::new(),
        ..staff_user()
    };
    UserRepository::insert(store, &disabled_admin, &password_hash())
        .await
        .expect("insert disabled admin");
    let mut expected = vec![
        contact_of(&agent),
        contact_of(&other),
        contact_of(&disabled_admin),
    ];
    expected.sort_by_key(|c| c.id);

    assert_eq!(contacts(store, &[]).await, [], "no ids find nobody");
    assert_eq!(
        contacts(store, &[UserId::new(), UserId::new()]).await,
        [],
        "unknown ids are left out"
    );
    let mixed = [
        disabled_admin.id,
        UserId::new(),
        agent.id,
        disabled_admin.id,
        other.id,
        UserId::new(),
        agent.id,
    ];
    assert_eq!(
        contacts(store, &mixed).await,
        expected,
        "each known user once, whatever the order and repetition"
    );
    let mut many: Vec<UserId> = (0..33_000).map(|_| UserId::new()).collect();
    many.insert(16_500, other.id);
    many.push(agent.id);
    let mut both = vec![contact_of(&agent), contact_of(&other)];
    both.sort_by_key(|c| c.id);
    assert_eq!(
        contacts(store, &many).await,
        both,
        "33 002 ids in one call (more than SQLite's default limit of 32 766 parameters)"
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
