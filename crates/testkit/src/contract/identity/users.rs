//! Checks of staff users and their credentials ([`UserRepository`], [`CredentialStore`](crm_identity::ports::CredentialStore)).

use crm_identity::ports::{Credential, StoreError, UserRepository};
use crm_identity::{AdminGuard, NewCustomerAccount, StaffRole, StaffUser, UserQuery, UserStatus};
use crm_kernel::{CompanyId, PrincipalId, UserId};

use super::IdentityStore;
use super::support::{
    add_session, add_user, assert_refused, credential, matching_ids, register, stored_session,
    swap_case, user,
};
use crate::builders::{
    admin, agent, at_minute, customer_account, email, other_password_hash, password_hash,
    person_name, phone, session_for, staff_user,
};

/// `insert` then `get` returns the user exactly, every field included, and
/// its credential is found by email with the stored hash.
pub async fn insert_then_get_round_trips_every_field<S: IdentityStore + ?Sized>(store: &S) {
    let mut companies = vec![CompanyId::new(), CompanyId::new(), CompanyId::new()];
    companies.reverse(); // not in id order: the order given is kept
    let full = StaffUser {
        phone: Some(phone("+44 20 7946 0958")),
        company_ids: companies,
        created_at: at_minute(1),
        updated_at: at_minute(2),
        ..staff_user()
    };
    let bare = StaffUser {
        phone: None,
        notes: None,
        company_ids: Vec::new(),
        status: UserStatus::Disabled,
        ..admin()
    };
    add_user(store, &full).await;
    add_user(store, &bare).await;
    assert_eq!(
        user(store, full.id).await.as_ref(),
        Some(&full),
        "get returns what insert stored"
    );
    assert_eq!(
        user(store, bare.id).await.as_ref(),
        Some(&bare),
        "optional fields stay empty"
    );
    assert_eq!(
        user(store, UserId::new()).await,
        None,
        "get of an unknown id is None"
    );

    let found = credential(store, full.email.as_str()).await;
    let expected = Credential {
        principal: PrincipalId::User(full.id),
        email: full.email.clone(),
        password_hash: password_hash(),
    };
    assert_eq!(found, Some(expected), "insert stores the credential");
    let other_case = swap_case(full.email.as_str());
    assert_eq!(
        credential(store, &other_case).await.map(|c| c.principal),
        Some(PrincipalId::User(full.id)),
        "find_by_email ignores case"
    );
    assert!(
        store
            .exists(PrincipalId::User(full.id))
            .await
            .expect("exists")
    );
    assert!(
        !store
            .exists(PrincipalId::User(UserId::new()))
            .await
            .expect("exists")
    );
}

/// A second staff user with an email differing only in case is refused,
/// and nothing of it is stored.
pub async fn duplicate_email_between_staff_users_is_refused<S: IdentityStore + ?Sized>(store: &S) {
    let first = staff_user();
    add_user(store, &first).await;
    let second = StaffUser {
        email: email(&swap_case(first.email.as_str())),
        ..admin()
    };
    let result = UserRepository::insert(store, &second, &other_password_hash()).await;
    assert_refused(
        result,
        &StoreError::DuplicateEmail,
        "insert with a taken email (other case)",
    );
    assert_eq!(
        user(store, second.id).await,
        None,
        "nothing of the refused user is stored"
    );
    assert!(
        !store
            .exists(PrincipalId::User(second.id))
            .await
            .expect("exists")
    );
    let kept = credential(store, first.email.as_str())
        .await
        .expect("first credential kept");
    assert_eq!(kept.principal, PrincipalId::User(first.id));
    assert_eq!(kept.password_hash, password_hash());
    assert_eq!(store.count_active_admins().await.expect("count"), 0);
    assert_eq!(
        matching_ids(store, &UserQuery::default()).await,
        vec![first.id]
    );
}

/// Staff users and customers share one email space: each way round, the
/// second account is refused and nothing of it is stored.
pub async fn duplicate_email_between_staff_and_customers_is_refused_both_ways<S>(store: &S)
where
    S: IdentityStore + ?Sized,
{
    // Staff first, then a customer.
    let staff = staff_user();
    add_user(store, &staff).await;
    let customer = NewCustomerAccount {
        email: email(&swap_case(staff.email.as_str())),
        ..customer_account()
    };
    let result = store.register(&customer, &password_hash()).await;
    assert_refused(
        result,
        &StoreError::DuplicateEmail,
        "register with a staff user's email",
    );
    assert_eq!(
        store.profile(customer.id).await.expect("profile"),
        None,
        "no customer is created"
    );
    assert!(
        !store
            .exists(PrincipalId::Customer(customer.id))
            .await
            .expect("exists")
    );
    assert_eq!(
        credential(store, staff.email.as_str())
            .await
            .map(|c| c.principal),
        Some(PrincipalId::User(staff.id))
    );

    // A customer first, then staff.
    let customer = customer_account();
    register(store, &customer).await;
    let late_staff = StaffUser {
        email: email(&swap_case(customer.email.as_str())),
        ..staff_user()
    };
    let result = UserRepository::insert(store, &late_staff, &password_hash()).await;
    assert_refused(
        result,
        &StoreError::DuplicateEmail,
        "insert a staff user with a customer's email",
    );
    assert_eq!(
        user(store, late_staff.id).await,
        None,
        "no staff user is created"
    );
    assert_eq!(
        credential(store, customer.email.as_str())
            .await
            .map(|c| c.principal),
        Some(PrincipalId::Customer(customer.id))
    );
}

/// `update` replaces every field, the credential's email follows (the old
/// address no longer signs in), and the hash changes only when one is given.
pub async fn update_replaces_the_user_and_the_credential_follows<S: IdentityStore + ?Sized>(
    store: &S,
) {
    let original = staff_user();
    add_user(store, &original).await;
    let updated = StaffUser {
        name: person_name("Renamed Person"),
        email: email("Renamed.Person@updated.test"),
        phone: Some(phone("+1 650 253 0000")),
        role: StaffRole::Admin,
        status: UserStatus::Disabled,
        notes: None,
        company_ids: vec![CompanyId::new()],
        updated_at: original.updated_at.plus(std::time::Duration::from_secs(5)),
        ..original.clone()
    };
    store
        .update(&updated, None, AdminGuard::None)
        .await
        .expect("update");
    assert_eq!(
        user(store, original.id).await,
        Some(updated.clone()),
        "get returns the update"
    );
    assert_eq!(
        credential(store, original.email.as_str()).await,
        None,
        "the old email is gone"
    );
    let moved = credential(store, "renamed.person@updated.test")
        .await
        .expect("new email signs in");
    assert_eq!(moved.principal, PrincipalId::User(original.id));
    assert_eq!(moved.email, updated.email);
    assert_eq!(
        moved.password_hash,
        password_hash(),
        "no hash given: the hash is kept"
    );

    store
        .update(&updated, Some(&other_password_hash()), AdminGuard::None)
        .await
        .expect("update with a hash");
    let rehashed = credential(store, updated.email.as_str())
        .await
        .expect("credential");
    assert_eq!(
        rehashed.password_hash,
        other_password_hash(),
        "a given hash replaces the old one"
    );

    // Changing only the case of one's own email is no conflict.
    let recased = StaffUser {
        email: email(&swap_case(updated.email.as_str())),
        ..updated.clone()
    };
    store
        .update(&recased, None, AdminGuard::None)
        .await
        .expect("update to own email, other case");
    let found = credential(store, updated.email.as_str())
        .await
        .expect("credential");
    assert_eq!(
        found.email, recased.email,
        "the credential keeps the new spelling"
    );
    assert_eq!(user(store, original.id).await, Some(recased));
}

/// Updating to an email used by another staff user or a customer is
/// refused and changes nothing.
pub async fn update_to_a_taken_email_is_refused_and_changes_nothing<S>(store: &S)
where
    S: IdentityStore + ?Sized,
{
    let (mine, theirs) = (staff_user(), staff_user());
    let customer = customer_account();
    add_user(store, &mine).await;
    add_user(store, &theirs).await;
    register(store, &customer).await;
    for taken in [&theirs.email, &customer.email] {
        let attempt = StaffUser {
            name: person_name("Should Not Stick"),
            email: email(&swap_case(taken.as_str())),
            company_ids: Vec::new(),
            ..mine.clone()
        };
        let result = store
            .update(&attempt, Some(&other_password_hash()), AdminGuard::None)
            .await;
        assert_refused(
            result,
            &StoreError::DuplicateEmail,
            "update to a taken email",
        );
        assert_eq!(
            user(store, mine.id).await.as_ref(),
            Some(&mine),
            "the user is unchanged"
        );
        let kept = credential(store, mine.email.as_str())
            .await
            .expect("old email still signs in");
        assert_eq!(kept.principal, PrincipalId::User(mine.id));
        assert_eq!(kept.password_hash, password_hash(), "the hash is unchanged");
    }
    assert_eq!(
        credential(store, theirs.email.as_str())
            .await
            .map(|c| c.principal),
        Some(PrincipalId::User(theirs.id))
    );
}

/// `update` and `delete` of an id that does not exist answer `NotFound`.
pub async fn update_and_delete_of_an_unknown_user_are_not_found<S: IdentityStore + ?Sized>(
    store: &S,
) {
    let keeper = admin();
    add_user(store, &keeper).await;
    let ghost = staff_user();
    for guard in [AdminGuard::None, AdminGuard::KeepAnotherActiveAdmin] {
        assert_refused(
            store.update(&ghost, None, guard).await,
            &StoreError::NotFound,
            "update of an unknown user",
        );
        assert_refused(
            store.delete(ghost.id, guard).await,
            &StoreError::NotFound,
            "delete of an unknown user",
        );
    }
    assert_eq!(user(store, ghost.id).await, None, "update does not create");
    assert_eq!(credential(store, ghost.email.as_str()).await, None);
}

/// With [`AdminGuard::KeepAnotherActiveAdmin`], a write that would leave no
/// other active admin is refused and changes nothing; disabled admins and
/// agents do not count. With [`AdminGuard::None`] the store does not check.
pub async fn last_active_admin_guard_refuses_update_and_delete<S: IdentityStore + ?Sized>(
    store: &S,
) {
    let first = admin();
    add_user(store, &first).await;
    add_user(
        store,
        &StaffUser {
            status: UserStatus::Disabled,
            ..admin()
        },
    )
    .await;
    add_user(store, &agent()).await;
    let guard = AdminGuard::KeepAnotherActiveAdmin;

    let demoted = StaffUser {
        role: StaffRole::Agent,
        ..first.clone()
    };
    let disabled = StaffUser {
        status: UserStatus::Disabled,
        ..first.clone()
    };
    assert_refused(
        store.update(&demoted, None, guard).await,
        &StoreError::LastActiveAdmin,
        "demoting the last active admin",
    );
    assert_refused(
        store.update(&disabled, None, guard).await,
        &StoreError::LastActiveAdmin,
        "disabling the last active admin",
    );
    assert_refused(
        store.delete(first.id, guard).await,
        &StoreError::LastActiveAdmin,
        "deleting the last active admin",
    );
    assert_eq!(
        user(store, first.id).await.as_ref(),
        Some(&first),
        "a refused write changes nothing"
    );
    assert!(credential(store, first.email.as_str()).await.is_some());
    assert_eq!(store.count_active_admins().await.expect("count"), 1);

    let second = admin();
    add_user(store, &second).await;
    store
        .update(&demoted, None, guard)
        .await
        .expect("demoting is allowed while another active admin exists");
    assert_eq!(user(store, first.id).await, Some(demoted.clone()));
    assert_refused(
        store.delete(second.id, guard).await,
        &StoreError::LastActiveAdmin,
        "deleting the now last active admin",
    );
    store
        .delete(first.id, guard)
        .await
        .expect("deleting a user while another active admin exists");
    assert_eq!(user(store, first.id).await, None);

    let retired = StaffUser {
        status: UserStatus::Disabled,
        ..second.clone()
    };
    store
        .update(&retired, None, AdminGuard::None)
        .await
        .expect("AdminGuard::None does not check");
    assert_eq!(store.count_active_admins().await.expect("count"), 0);
}

/// `delete` removes the user, its credential (the email is free again) and
/// its sessions, and nothing of anyone else.
pub async fn delete_removes_the_user_its_credential_and_its_sessions<S>(store: &S)
where
    S: IdentityStore + ?Sized,
{
    let (doomed, other) = (staff_user(), staff_user());
    add_user(store, &doomed).await;
    add_user(store, &other).await;
    let first = session_for(PrincipalId::User(doomed.id));
    let second = session_for(PrincipalId::User(doomed.id));
    let theirs = session_for(PrincipalId::User(other.id));
    for session in [&first, &second, &theirs] {
        add_session(store, session).await;
    }
    store
        .delete(doomed.id, AdminGuard::None)
        .await
        .expect("delete");
    assert_eq!(user(store, doomed.id).await, None, "the user is gone");
    assert_eq!(
        credential(store, doomed.email.as_str()).await,
        None,
        "its credential is gone"
    );
    assert!(
        !store
            .exists(PrincipalId::User(doomed.id))
            .await
            .expect("exists")
    );
    assert_eq!(
        stored_session(store, &first).await,
        None,
        "its sessions are gone"
    );
    assert_eq!(
        stored_session(store, &second).await,
        None,
        "its sessions are gone"
    );
    assert_eq!(
        stored_session(store, &theirs).await,
        Some(theirs.clone()),
        "others' sessions stay"
    );
    assert_eq!(
        user(store, other.id).await,
        Some(other.clone()),
        "others stay"
    );
    assert_refused(
        store.delete(doomed.id, AdminGuard::None).await,
        &StoreError::NotFound,
        "deleting twice",
    );

    let reuse = StaffUser {
        email: doomed.email.clone(),
        ..staff_user()
    };
    add_user(store, &reuse).await; // the email is free again
}

/// `count_active_admins` counts admins that are active, nothing else.
pub async fn count_active_admins_counts_only_active_admins<S: IdentityStore + ?Sized>(store: &S) {
    assert_eq!(store.count_active_admins().await.expect("count"), 0);
    for user in [
        admin(),
        admin(),
        StaffUser {
            status: UserStatus::Disabled,
            ..admin()
        },
        agent(),
        StaffUser {
            status: UserStatus::Disabled,
            ..agent()
        },
    ] {
        add_user(store, &user).await;
    }
    assert_eq!(store.count_active_admins().await.expect("count"), 2);
}
