//! Checks of customer records: insert, get, update, status history, sign-up
//! and erasure ([`CustomerRepository`] with the identity ports it shares
//! rules with).

use crm_customers::ports::{CustomerRepository, StoreError};
use crm_customers::{Customer, LifecycleStatus, Tags, Visibility};
use crm_identity::ports::{CredentialStore, SessionStore};
use crm_identity::{NewCustomerAccount, RefreshSession};
use crm_kernel::{CompanyId, CustomerId, PrincipalId, UserId};

use super::CustomersStore;
use super::support::{
    add_company, add_customer, add_customer_with, add_staff, all_visible, as_read, assert_refused,
    change, customer, history, matching, searching, sign_up, swap_case,
};
use crate::builders::{
    at_minute, company, customer as new_record, customer_account, customer_named, email,
    first_status_change, long_text, person_name, phone, session_for, short_text, staff_user,
    status_change, tags, unique_email,
};

/// `insert` then `get` returns the customer exactly, every field included,
/// with `company` set to its company's name and `has_account` false; the
/// read-model fields given on a write are ignored. `find_by_email` ignores
/// case, and the first status change is stored.
pub async fn customer_insert_then_get_round_trips_every_field<S: CustomersStore + ?Sized>(
    store: &S,
) {
    let acme = company();
    add_company(store, &acme).await;
    let owner = staff_user();
    add_staff(store, &owner).await;
    let full = Customer {
        company_id: Some(acme.id),
        owner_id: Some(owner.id),
        status: LifecycleStatus::Prospect,
        created_at: at_minute(1),
        updated_at: at_minute(2),
        last_interaction: Some(at_minute(3)),
        ..new_record()
    };
    let first = status_change(
        full.id,
        None,
        LifecycleStatus::Prospect,
        at_minute(1),
        PrincipalId::User(owner.id),
    );
    add_customer_with(store, &full, &first).await;
    assert_eq!(
        customer(store, full.id).await,
        Some(as_read(&full, Some(&acme), false)),
        "get returns what insert stored, with the company's name"
    );
    assert_eq!(
        history(store, full.id).await,
        vec![first],
        "the first status change is stored"
    );

    let bare = Customer {
        email: None,
        phone: None,
        notes: None,
        tags: Tags::default(),
        source: None,
        // Read-model fields are ignored on writes.
        company: Some("Not a company".into()),
        has_account: true,
        ..new_record()
    };
    add_customer(store, &bare).await;
    assert_eq!(
        customer(store, bare.id).await,
        Some(as_read(&bare, None, false)),
        "optional fields stay empty and read-model fields are not stored"
    );

    let address = full.email.as_ref().expect("an email").as_str();
    let found = CustomerRepository::find_by_email(store, &email(&swap_case(address)))
        .await
        .expect("find by email");
    assert_eq!(
        found,
        Some(as_read(&full, Some(&acme), false)),
        "find_by_email ignores case"
    );
    assert_eq!(
        CustomerRepository::find_by_email(store, &unique_email("nobody"))
            .await
            .expect("find by email"),
        None
    );
    assert_eq!(
        customer(store, CustomerId::new()).await,
        None,
        "get of an unknown id"
    );
    assert!(history(store, CustomerId::new()).await.is_empty());
}

/// An email (in any case) held by another customer is refused naming that
/// customer; one held by a staff user is refused naming nobody; one held by
/// a customer who signed up names that customer. Nothing is stored.
pub async fn customer_insert_refuses_a_taken_email_and_names_its_holder<S>(store: &S)
where
    S: CustomersStore + ?Sized,
{
    let holder = new_record();
    add_customer(store, &holder).await;
    let staff = staff_user();
    add_staff(store, &staff).await;
    let account = customer_account();
    sign_up(store, &account).await;
    let holder_email = holder.email.clone().expect("an email");

    let cases = [
        (
            email(&swap_case(holder_email.as_str())),
            Some(holder.id),
            "another customer's email",
        ),
        (staff.email.clone(), None, "a staff user's email"),
        (
            account.email.clone(),
            Some(account.id),
            "a signed-up customer's email",
        ),
    ];
    for (taken, existing, rule) in cases {
        let refused = Customer {
            email: Some(taken),
            ..new_record()
        };
        let result =
            CustomerRepository::insert(store, &refused, &first_status_change(&refused)).await;
        assert_refused(result, &StoreError::DuplicateEmail { existing }, rule);
        assert_eq!(
            customer(store, refused.id).await,
            None,
            "{rule}: nothing is stored"
        );
        assert!(
            history(store, refused.id).await.is_empty(),
            "{rule}: no history"
        );
    }
}

/// A staff user cannot take the email of a customer record, even one without
/// a sign-in account (in any case); nothing is stored. Changing a staff
/// user's other fields still works while its own email stays.
pub async fn staff_email_cannot_be_a_customers<S>(store: &S)
where
    S: CustomersStore + ?Sized,
{
    let holder = new_record();
    add_customer(store, &holder).await;
    let taken = email(&swap_case(
        holder.email.as_ref().expect("an email").as_str(),
    ));

    let staff = crm_identity::StaffUser {
        email: taken.clone(),
        ..staff_user()
    };
    let result = crm_identity::ports::UserRepository::insert(
        store,
        &staff,
        &crate::builders::password_hash(),
    )
    .await;
    assert!(
        matches!(result, Err(crm_identity::ports::StoreError::DuplicateEmail)),
        "a new staff user with a customer's email is refused: {result:?}"
    );
    assert_eq!(
        crm_identity::ports::UserRepository::get(store, staff.id)
            .await
            .expect("get"),
        None,
        "nothing is stored"
    );

    let existing = staff_user();
    add_staff(store, &existing).await;
    let renamed = crm_identity::StaffUser {
        email: taken,
        ..existing.clone()
    };
    let result = crm_identity::ports::UserRepository::update(
        store,
        &renamed,
        None,
        crm_identity::AdminGuard::None,
    )
    .await;
    assert!(
        matches!(result, Err(crm_identity::ports::StoreError::DuplicateEmail)),
        "taking a customer's email on update is refused: {result:?}"
    );
    let notes_only = crm_identity::StaffUser {
        notes: Some(long_text("still works")),
        ..existing
    };
    crm_identity::ports::UserRepository::update(
        store,
        &notes_only,
        None,
        crm_identity::AdminGuard::None,
    )
    .await
    .expect("other changes still work");
}

/// A company or owner that does not exist is refused, and nothing is stored.
pub async fn customer_insert_refuses_an_unknown_company_or_owner<S: CustomersStore + ?Sized>(
    store: &S,
) {
    let orphan = Customer {
        company_id: Some(CompanyId::new()),
        ..new_record()
    };
    let result = CustomerRepository::insert(store, &orphan, &first_status_change(&orphan)).await;
    assert_refused(result, &StoreError::UnknownCompany, "unknown company");
    assert_eq!(customer(store, orphan.id).await, None);
    assert!(history(store, orphan.id).await.is_empty());

    let unowned = Customer {
        owner_id: Some(UserId::new()),
        ..new_record()
    };
    let result = CustomerRepository::insert(store, &unowned, &first_status_change(&unowned)).await;
    assert_refused(result, &StoreError::UnknownOwner, "unknown owner");
    assert_eq!(customer(store, unowned.id).await, None);

    let acme = company();
    add_company(store, &acme).await;
    let owner = staff_user();
    add_staff(store, &owner).await;
    let linked = Customer {
        company_id: Some(acme.id),
        owner_id: Some(owner.id),
        ..new_record()
    };
    add_customer(store, &linked).await;
    assert!(
        customer(store, linked.id).await.is_some(),
        "known references are accepted"
    );
}

/// `update` at the stored version replaces every field (tags included) but
/// `last_interaction`, which the interactions context maintains (the value
/// given on an update is ignored); at another version it is a conflict; an
/// unknown id is not found.
pub async fn customer_update_checks_the_version_and_replaces_the_record<S>(store: &S)
where
    S: CustomersStore + ?Sized,
{
    let acme = company();
    add_company(store, &acme).await;
    let owner = staff_user();
    add_staff(store, &owner).await;
    let original = Customer {
        created_at: at_minute(1),
        updated_at: at_minute(1),
        ..new_record()
    };
    add_customer(store, &original).await;

    let next = Customer {
        first_name: person_name("Jo"),
        last_name: person_name("Newname"),
        email: Some(unique_email("changed")),
        phone: Some(phone("+44 20 7946 0958")),
        company_id: Some(acme.id),
        notes: Some(long_text("Changed notes.")),
        owner_id: Some(owner.id),
        tags: tags(&["renewal"]),
        source: Some(short_text("fair 2026")),
        updated_at: at_minute(2),
        last_interaction: Some(at_minute(2)),
        version: original.version.next(),
        ..original.clone()
    };
    change(store, &next, original.version, None).await;
    // The interactions context owns `last_interaction`: an update keeps the
    // stored value (none here), whatever the given customer holds.
    let next_read = Customer {
        last_interaction: original.last_interaction,
        ..next.clone()
    };
    assert_eq!(
        customer(store, next.id).await,
        Some(as_read(&next_read, Some(&acme), false)),
        "update replaces every field but last_interaction"
    );

    let stale = Customer {
        first_name: person_name("Stale"),
        version: next.version,
        ..next.clone()
    };
    let result = CustomerRepository::update(store, &stale, original.version, None).await;
    assert_refused(
        result,
        &StoreError::VersionConflict,
        "update at a stale version",
    );
    assert_eq!(
        customer(store, next.id).await,
        Some(as_read(&next_read, Some(&acme), false)),
        "a conflict changes nothing"
    );

    let cleared = Customer {
        email: None,
        phone: None,
        company_id: None,
        notes: None,
        owner_id: None,
        tags: Tags::default(),
        source: None,
        last_interaction: None,
        updated_at: at_minute(3),
        version: next.version.next(),
        ..next.clone()
    };
    change(store, &cleared, next.version, None).await;
    assert_eq!(
        customer(store, cleared.id).await,
        Some(as_read(&cleared, None, false)),
        "optional fields can be cleared"
    );

    let unknown = Customer {
        version: original.version.next(),
        ..new_record()
    };
    let result = CustomerRepository::update(store, &unknown, original.version, None).await;
    assert_refused(
        result,
        &StoreError::NotFound,
        "update of an unknown customer",
    );
    assert_eq!(
        customer(store, unknown.id).await,
        None,
        "update does not create"
    );
}

/// An update to a taken email, an unknown company or an unknown owner is
/// refused and changes nothing; keeping one's own email (in another case) is fine.
pub async fn customer_update_refuses_and_changes_nothing<S: CustomersStore + ?Sized>(store: &S) {
    let other = new_record();
    add_customer(store, &other).await;
    let staff = staff_user();
    add_staff(store, &staff).await;
    let current = new_record();
    add_customer(store, &current).await;
    let next = |edit: &dyn Fn(&mut Customer)| {
        let mut next = Customer {
            first_name: person_name("Changed"),
            version: current.version.next(),
            ..current.clone()
        };
        edit(&mut next);
        next
    };
    let cases: [(Customer, StoreError, &str); 4] = [
        (
            next(&|c| c.email.clone_from(&other.email)),
            StoreError::DuplicateEmail {
                existing: Some(other.id),
            },
            "another customer's email",
        ),
        (
            next(&|c| c.email = Some(staff.email.clone())),
            StoreError::DuplicateEmail { existing: None },
            "a staff user's email",
        ),
        (
            next(&|c| c.company_id = Some(CompanyId::new())),
            StoreError::UnknownCompany,
            "an unknown company",
        ),
        (
            next(&|c| c.owner_id = Some(UserId::new())),
            StoreError::UnknownOwner,
            "an unknown owner",
        ),
    ];
    let promotion = status_change(
        current.id,
        Some(LifecycleStatus::Lead),
        LifecycleStatus::Prospect,
        at_minute(5),
        PrincipalId::User(staff.id),
    );
    for (refused, error, rule) in cases {
        let result =
            CustomerRepository::update(store, &refused, current.version, Some(&promotion)).await;
        assert_refused(result, &error, rule);
        assert_eq!(
            customer(store, current.id).await,
            Some(as_read(&current, None, false)),
            "{rule}: nothing changes"
        );
        assert_eq!(
            history(store, current.id).await.len(),
            1,
            "{rule}: no status change is recorded"
        );
    }

    let own = current.email.as_ref().expect("an email").as_str();
    let same_email = next(&|c| c.email = Some(email(&swap_case(own))));
    change(store, &same_email, current.version, None).await;
    assert_eq!(
        customer(store, current.id).await.map(|c| c.email),
        Some(same_email.email.clone()),
        "a customer keeps its own email"
    );
}

/// For a customer who can sign in, the credential's email follows the
/// customer's: the new email signs in, the old one no longer does, and an
/// email taken by staff is refused without touching either.
pub async fn customer_update_moves_the_sign_in_email<S: CustomersStore + ?Sized>(store: &S) {
    let account = customer_account();
    sign_up(store, &account).await;
    let staff = staff_user();
    add_staff(store, &staff).await;
    let current = customer(store, account.id).await.expect("signed up");
    assert!(current.has_account, "a signed-up customer can sign in");

    let moved = Customer {
        email: Some(unique_email("moved")),
        version: current.version.next(),
        ..current.clone()
    };
    change(store, &moved, current.version, None).await;
    let new_email = moved.email.clone().expect("an email");
    let credential = CredentialStore::find_by_email(store, &email(&swap_case(new_email.as_str())))
        .await
        .expect("find credential")
        .expect("the new email signs in");
    assert_eq!(credential.principal, PrincipalId::Customer(account.id));
    assert_eq!(credential.email, new_email);
    assert_eq!(
        CredentialStore::find_by_email(store, &account.email)
            .await
            .expect("find credential"),
        None,
        "the old email no longer signs in"
    );
    assert_eq!(customer(store, account.id).await, Some(moved.clone()));

    let refused = Customer {
        email: Some(staff.email.clone()),
        version: moved.version.next(),
        ..moved.clone()
    };
    let result = CustomerRepository::update(store, &refused, moved.version, None).await;
    assert_refused(
        result,
        &StoreError::DuplicateEmail { existing: None },
        "a staff user's email",
    );
    let staff_credential = CredentialStore::find_by_email(store, &staff.email)
        .await
        .expect("find credential")
        .expect("staff credential kept");
    assert_eq!(staff_credential.principal, PrincipalId::User(staff.id));
    assert!(
        CredentialStore::find_by_email(store, &new_email)
            .await
            .expect("find credential")
            .is_some(),
        "the customer's credential is unchanged"
    );
}

/// Signing up creates the full customer record (a lead at version 1 that
/// can sign in) and its first status change, made by the customer.
pub async fn customer_sign_up_creates_the_full_record<S: CustomersStore + ?Sized>(store: &S) {
    let account = NewCustomerAccount {
        first_name: person_name("Signe"),
        last_name: person_name("Upton"),
        created_at: at_minute(7),
        ..customer_account()
    };
    sign_up(store, &account).await;
    let expected = Customer {
        id: account.id,
        first_name: account.first_name.clone(),
        last_name: account.last_name.clone(),
        email: Some(account.email.clone()),
        phone: account.phone.clone(),
        company_id: None,
        company: None,
        status: LifecycleStatus::Lead,
        notes: None,
        owner_id: None,
        tags: Tags::default(),
        source: None,
        created_at: account.created_at,
        updated_at: account.created_at,
        last_interaction: None,
        has_account: true,
        version: crm_customers::Version::FIRST,
    };
    assert_eq!(customer(store, account.id).await, Some(expected));
    assert_eq!(
        history(store, account.id).await,
        vec![status_change(
            account.id,
            None,
            LifecycleStatus::Lead,
            account.created_at,
            PrincipalId::Customer(account.id),
        )]
    );
    assert_eq!(
        matching(store, &searching("upton")).await,
        vec![account.id],
        "a signed-up customer is listed and found by name"
    );
}

/// Every status change is kept, oldest first, exactly as given; an update
/// without a change records none.
pub async fn customer_status_history_is_appended_in_order<S: CustomersStore + ?Sized>(store: &S) {
    let agent = staff_user();
    add_staff(store, &agent).await;
    let created = Customer {
        created_at: at_minute(1),
        updated_at: at_minute(1),
        ..new_record()
    };
    let first = status_change(
        created.id,
        None,
        LifecycleStatus::Lead,
        at_minute(1),
        PrincipalId::User(agent.id),
    );
    add_customer_with(store, &created, &first).await;

    let qualified = Customer {
        status: LifecycleStatus::Prospect,
        updated_at: at_minute(2),
        version: created.version.next(),
        ..created.clone()
    };
    let second = status_change(
        created.id,
        Some(LifecycleStatus::Lead),
        LifecycleStatus::Prospect,
        at_minute(2),
        PrincipalId::User(agent.id),
    );
    change(store, &qualified, created.version, Some(&second)).await;

    let renamed = Customer {
        first_name: person_name("Renamed"),
        updated_at: at_minute(3),
        version: qualified.version.next(),
        ..qualified.clone()
    };
    change(store, &renamed, qualified.version, None).await;

    let won = Customer {
        status: LifecycleStatus::Customer,
        updated_at: at_minute(4),
        version: renamed.version.next(),
        ..renamed.clone()
    };
    let third = status_change(
        created.id,
        Some(LifecycleStatus::Prospect),
        LifecycleStatus::Customer,
        at_minute(4),
        PrincipalId::Customer(created.id),
    );
    change(store, &won, renamed.version, Some(&third)).await;

    assert_eq!(
        history(store, created.id).await,
        vec![first, second, third],
        "every change, oldest first, as given"
    );
    assert_eq!(
        customer(store, created.id).await.map(|c| c.status),
        Some(LifecycleStatus::Customer)
    );
}

/// Erasure anonymises the record and keeps it as a tombstone: the customer
/// is no longer found in any way, cannot sign in, its sessions are gone,
/// its status history stays, and its email is free again. A second erase,
/// an update of the tombstone, or an unknown id is not found.
pub async fn customer_erase_keeps_an_anonymised_tombstone<S: CustomersStore + ?Sized>(store: &S) {
    let acme = company();
    add_company(store, &acme).await;
    let account = NewCustomerAccount {
        last_name: person_name("Forgetme"),
        ..customer_account()
    };
    sign_up(store, &account).await;
    let session = session_for(PrincipalId::Customer(account.id));
    SessionStore::insert(store, &session)
        .await
        .expect("insert session");
    let signed_up = customer(store, account.id).await.expect("signed up");
    let enriched = Customer {
        company_id: Some(acme.id),
        notes: Some(long_text("Prefers phone calls.")),
        tags: tags(&["vip"]),
        source: Some(short_text("website")),
        version: signed_up.version.next(),
        ..signed_up.clone()
    };
    change(store, &enriched, signed_up.version, None).await;
    let kept_history = history(store, account.id).await;
    assert_eq!(
        matching(store, &searching("forgetme")).await,
        vec![account.id],
        "found before erasure"
    );

    store.erase(account.id, at_minute(30)).await.expect("erase");
    assert_forgotten(store, &account, &session).await;
    let by_company = crm_customers::CustomerQuery {
        company_id: Some(acme.id),
        ..crm_customers::CustomerQuery::default()
    };
    assert!(
        matching(store, &by_company).await.is_empty(),
        "not listed with its company"
    );
    assert!(
        matching(store, &searching(acme.name.as_str()))
            .await
            .is_empty(),
        "not found by its company's name"
    );
    assert_eq!(
        history(store, account.id).await,
        kept_history,
        "the status history stays"
    );

    assert_refused(
        store.erase(account.id, at_minute(31)).await,
        &StoreError::NotFound,
        "a second erase",
    );
    let revived = Customer {
        version: enriched.version.next().next(),
        ..enriched.clone()
    };
    assert_refused(
        CustomerRepository::update(store, &revived, enriched.version.next(), None).await,
        &StoreError::NotFound,
        "an update of an erased customer",
    );
    assert_refused(
        store.erase(CustomerId::new(), at_minute(31)).await,
        &StoreError::NotFound,
        "erase of an unknown id",
    );

    let successor = Customer {
        email: Some(account.email.clone()),
        ..customer_named("New", "Holder")
    };
    add_customer(store, &successor).await;
    assert!(
        customer(store, successor.id).await.is_some(),
        "an erased customer's email is free again"
    );
}

/// Nothing finds the erased `account` any more, and it cannot sign in.
async fn assert_forgotten<S: CustomersStore + ?Sized>(
    store: &S,
    account: &NewCustomerAccount,
    session: &RefreshSession,
) {
    assert_eq!(customer(store, account.id).await, None, "get is None");
    assert_eq!(
        CustomerRepository::find_by_email(store, &account.email)
            .await
            .expect("find by email"),
        None,
        "not found by email"
    );
    assert_eq!(
        store.profile(account.id).await.expect("profile"),
        None,
        "no profile"
    );
    assert!(
        !store
            .exists(PrincipalId::Customer(account.id))
            .await
            .expect("exists"),
        "the credential is deleted"
    );
    assert_eq!(
        CredentialStore::find_by_email(store, &account.email)
            .await
            .expect("find credential"),
        None,
        "the email no longer signs in"
    );
    assert_eq!(
        store
            .find_by_hash(&session.token_hash)
            .await
            .expect("find session"),
        None,
        "the sessions are deleted"
    );
    let listed = all_visible(
        store,
        &crm_customers::CustomerQuery::default(),
        &Visibility::All,
    )
    .await;
    assert!(listed.iter().all(|c| c.id != account.id), "not listed");
    for text in ["forgetme", "prefers"] {
        assert!(
            matching(store, &searching(text)).await.is_empty(),
            "not found by {text:?}"
        );
    }
}
