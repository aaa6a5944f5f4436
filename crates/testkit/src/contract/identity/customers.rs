//! Checks of customer accounts ([`CustomerAccounts`](crm_identity::ports::CustomerAccounts)) and their credentials.

use crm_identity::ports::StoreError;
use crm_identity::{CustomerProfile, NewCustomerAccount};
use crm_kernel::{CustomerId, PrincipalId};

use super::IdentityStore;
use super::support::{assert_refused, credential, register, swap_case};
use crate::builders::{at_minute, customer_account, email, other_password_hash, password_hash};

/// `register` creates the customer and its credential; `profile` returns it.
pub async fn customer_register_then_profile_and_credential<S: IdentityStore + ?Sized>(store: &S) {
    let account = NewCustomerAccount {
        created_at: at_minute(3),
        ..customer_account()
    };
    register(store, &account).await;
    let expected = CustomerProfile {
        id: account.id,
        first_name: account.first_name.clone(),
        last_name: account.last_name.clone(),
        email: account.email.clone(),
        phone: account.phone.clone(),
        created_at: account.created_at,
    };
    assert_eq!(
        store.profile(account.id).await.expect("profile"),
        Some(expected)
    );
    let found = credential(store, &swap_case(account.email.as_str()))
        .await
        .expect("credential");
    assert_eq!(found.principal, PrincipalId::Customer(account.id));
    assert_eq!(found.email, account.email);
    assert_eq!(found.password_hash, password_hash());
    assert!(
        store
            .exists(PrincipalId::Customer(account.id))
            .await
            .expect("exists")
    );
    assert!(
        !store
            .exists(PrincipalId::Customer(CustomerId::new()))
            .await
            .expect("exists")
    );
    assert_eq!(
        store.profile(CustomerId::new()).await.expect("profile"),
        None
    );

    let no_phone = NewCustomerAccount {
        phone: None,
        ..customer_account()
    };
    register(store, &no_phone).await;
    let profile = store
        .profile(no_phone.id)
        .await
        .expect("profile")
        .expect("registered");
    assert_eq!(profile.phone, None);
}

/// A second customer with an email differing only in case is refused and
/// nothing of it is stored.
pub async fn duplicate_customer_email_is_refused<S: IdentityStore + ?Sized>(store: &S) {
    let first = customer_account();
    register(store, &first).await;
    let second = NewCustomerAccount {
        email: email(&swap_case(first.email.as_str())),
        ..customer_account()
    };
    let result = store.register(&second, &other_password_hash()).await;
    assert_refused(
        result,
        &StoreError::DuplicateEmail,
        "register with a taken email",
    );
    assert_eq!(
        store.profile(second.id).await.expect("profile"),
        None,
        "no customer is created"
    );
    let kept = credential(store, first.email.as_str())
        .await
        .expect("first credential kept");
    assert_eq!(kept.principal, PrincipalId::Customer(first.id));
    assert_eq!(kept.password_hash, password_hash());
}
