//! Helpers shared by the email checks. The ports share method names, so
//! every call names its trait.

use crm_customers::Customer;
use crm_customers::ports::CustomerRepository;
use crm_email::ports::{EmailRepository, Inserted, Outbox};
use crm_email::{Claimed, Email, Recipient, WorkerId};
use crm_identity::StaffUser;
use crm_identity::ports::UserRepository;
use crm_kernel::{CompanyId, CustomerId, Limit, PageRequest, Timestamp, UserId};

use super::EmailStore;
use crate::builders::{
    customer, email_message, first_status_change, password_hash, recipient_of, staff_user,
};

/// A stored staff user.
pub(super) async fn new_staff<S: EmailStore + ?Sized>(store: &S) -> StaffUser {
    let user = staff_user();
    UserRepository::insert(store, &user, &password_hash())
        .await
        .unwrap_or_else(|error| panic!("inserting staff user failed: {error}"));
    user
}

/// A stored customer of `company`, owned by `owner`.
pub(super) async fn new_customer<S: EmailStore + ?Sized>(
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
        .unwrap_or_else(|error| panic!("inserting customer failed: {error}"));
    item
}

/// Stores a message from `sender` to one recipient per entry of
/// `customers` (`None`: an address of no customer), due at `due`.
pub(super) async fn queue<S: EmailStore + ?Sized>(
    store: &S,
    sender: UserId,
    customers: &[Option<CustomerId>],
    due: Timestamp,
) -> (Email, Vec<Recipient>) {
    let email = Email {
        send_at: due,
        ..email_message(sender)
    };
    let recipients: Vec<Recipient> = customers.iter().map(|c| recipient_of(&email, *c)).collect();
    let inserted = EmailRepository::insert(store, &email, &recipients, None)
        .await
        .unwrap_or_else(|error| panic!("inserting email failed: {error}"));
    assert_eq!(
        inserted,
        Inserted::Created,
        "a message without a key is created"
    );
    (email, recipients)
}

/// The stored recipient.
pub(super) async fn stored<S: EmailStore + ?Sized>(store: &S, recipient: &Recipient) -> Recipient {
    EmailRepository::recipient(store, recipient.id)
        .await
        .expect("read recipient")
        .expect("the recipient exists")
}

/// Claims what is due at `now` under a 10-minute lease.
pub(super) async fn claim<S: EmailStore + ?Sized>(
    store: &S,
    worker: WorkerId,
    now: Timestamp,
    limit: u32,
) -> Vec<Claimed> {
    Outbox::claim(store, worker, now, lease_end(now), limit)
        .await
        .expect("claim")
}

pub(super) fn lease_end(now: Timestamp) -> Timestamp {
    now.plus(std::time::Duration::from_mins(10))
}

pub(super) fn minutes(at: Timestamp, n: i64) -> Timestamp {
    Timestamp::from_millis(at.as_millis() + n * 60_000).expect("instant")
}

pub(super) fn page(limit: u32) -> PageRequest {
    PageRequest {
        limit: Limit::parse(Some(limit)).expect("valid limit"),
        after: None,
    }
}

/// Panics unless `result` is an error of the variant of `expected`.
pub(super) fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, crm_email::ports::StoreError>,
    expected: &crm_email::ports::StoreError,
    rule: &str,
) {
    let got = format!("{result:?}");
    let same =
        result.is_err_and(|e| std::mem::discriminant(&e) == std::mem::discriminant(expected));
    assert!(same, "{rule}: expected {expected:?}, got {got}");
}
