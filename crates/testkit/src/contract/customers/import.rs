//! Checks of the import transaction (`CustomerRepository::begin_import`)
//! and of [`StaffDirectory`](crm_customers::ports::StaffDirectory).

use crm_customers::ports::{CompanyRepository, ImportWrite, StoreError};
use crm_customers::{Customer, LifecycleStatus, StatusChange};
use crm_identity::StaffUser;
use crm_identity::UserStatus;
use crm_kernel::{CompanyId, PrincipalId, UserId};

use super::CustomersStore;
use super::support::{
    add_customer, add_staff, as_read, assert_refused, company as stored_company, customer, history,
};
use crate::builders::{
    admin, at_minute, company, customer as new_record, first_status_change, person_name,
    staff_user, status_change,
};

/// The recorded creation of `customer` (made by the customer itself, so
/// that it can be told again).
fn creation(customer: &Customer) -> StatusChange {
    StatusChange {
        actor: PrincipalId::Customer(customer.id),
        ..first_status_change(customer)
    }
}

fn create(customer: &Customer) -> ImportWrite {
    ImportWrite::Create(customer.clone(), creation(customer))
}

/// Batches written in one import transaction are all stored at `commit`,
/// creations and updates (with their status changes) alike.
pub async fn import_commit_writes_every_batch<S: CustomersStore + ?Sized>(store: &S) {
    let existing = Customer {
        created_at: at_minute(1),
        updated_at: at_minute(1),
        ..new_record()
    };
    add_customer(store, &existing).await;
    let (a, b, c) = (new_record(), new_record(), new_record());
    let promoted = Customer {
        status: LifecycleStatus::Prospect,
        first_name: person_name("Imported"),
        updated_at: at_minute(9),
        version: existing.version.next(),
        ..existing.clone()
    };
    let promotion = status_change(
        existing.id,
        Some(LifecycleStatus::Lead),
        LifecycleStatus::Prospect,
        at_minute(9),
        PrincipalId::User(UserId::new()),
    );

    let mut import = store.begin_import().await.expect("begin import");
    import
        .write(&[create(&a), create(&b)])
        .await
        .expect("first batch");
    import
        .write(&[
            create(&c),
            ImportWrite::Update(promoted.clone(), existing.version, Some(promotion.clone())),
        ])
        .await
        .expect("second batch");
    import.commit().await.expect("commit");

    for created in [&a, &b, &c] {
        assert_eq!(
            customer(store, created.id).await,
            Some(as_read(created, None, false)),
            "every created customer is stored"
        );
        assert_eq!(history(store, created.id).await, vec![creation(created)]);
    }
    assert_eq!(
        customer(store, existing.id).await,
        Some(as_read(&promoted, None, false))
    );
    assert_eq!(
        history(store, existing.id).await.last(),
        Some(&promotion),
        "the update's status change is stored"
    );
}

/// An import dropped without `commit` stores nothing of any batch, and the
/// next write of the store runs at once, on its own, and is kept.
pub async fn import_dropped_without_commit_writes_nothing<S: CustomersStore + ?Sized>(store: &S) {
    let (a, b) = (new_record(), new_record());
    let mut import = store.begin_import().await.expect("begin import");
    import.write(&[create(&a)]).await.expect("first batch");
    import.write(&[create(&b)]).await.expect("second batch");
    drop(import);

    let after = new_record();
    add_customer(store, &after).await;
    let acme = company();
    CompanyRepository::insert(store, &acme)
        .await
        .expect("a later write");
    for dropped in [&a, &b] {
        assert_eq!(
            customer(store, dropped.id).await,
            None,
            "nothing of a dropped import"
        );
        assert!(history(store, dropped.id).await.is_empty());
    }
    assert!(
        customer(store, after.id).await.is_some(),
        "the later write is kept"
    );
    assert!(stored_company(store, acme.id).await.is_some());

    let next = new_record();
    let mut import = store.begin_import().await.expect("a new import begins");
    import.write(&[create(&next)]).await.expect("write");
    import.commit().await.expect("commit");
    assert!(
        customer(store, next.id).await.is_some(),
        "a later import commits"
    );
}

/// A failing write names its index in the batch and undoes the whole batch
/// (earlier batches stay pending); the transaction goes on, and the batch
/// without the failing write is accepted on retry.
pub async fn import_failing_write_names_its_index_and_undoes_its_batch<S>(store: &S)
where
    S: CustomersStore + ?Sized,
{
    let holder = new_record();
    add_customer(store, &holder).await;
    let staff = staff_user();
    add_staff(store, &staff).await;
    let first = new_record();
    let (before, after) = (new_record(), new_record());
    let duplicate = Customer {
        email: holder.email.clone(),
        ..new_record()
    };
    let staff_email = Customer {
        email: Some(staff.email.clone()),
        ..new_record()
    };
    let orphan = Customer {
        company_id: Some(CompanyId::new()),
        ..new_record()
    };
    let unowned = Customer {
        owner_id: Some(UserId::new()),
        ..new_record()
    };
    let stale = Customer {
        first_name: person_name("Stale"),
        version: holder.version.next().next(),
        ..holder.clone()
    };

    let mut import = store.begin_import().await.expect("begin import");
    import.write(&[create(&first)]).await.expect("first batch");
    let cases = [
        (
            create(&duplicate),
            StoreError::DuplicateEmail {
                existing: Some(holder.id),
            },
            "a customer's email",
        ),
        (
            create(&staff_email),
            StoreError::DuplicateEmail { existing: None },
            "a staff user's email",
        ),
        (
            create(&orphan),
            StoreError::UnknownCompany,
            "an unknown company",
        ),
        (
            create(&unowned),
            StoreError::UnknownOwner,
            "an unknown owner",
        ),
        (
            ImportWrite::Update(stale.clone(), holder.version.next(), None),
            StoreError::VersionConflict,
            "a stale version",
        ),
    ];
    for (failing, error, rule) in cases {
        let failure = import
            .write(&[create(&before), failing, create(&after)])
            .await
            .expect_err(rule);
        assert_eq!(failure.index, 1, "{rule}: the failing write's index");
        assert_refused(Err::<(), _>(failure.error), &error, rule);
    }
    // Had any write of the failed batches stayed, this retry would collide with it.
    import
        .write(&[create(&before), create(&after)])
        .await
        .expect("the batch without the failing write");
    import.commit().await.expect("commit");

    for kept in [&first, &before, &after] {
        assert_eq!(
            customer(store, kept.id).await,
            Some(as_read(kept, None, false))
        );
        assert_eq!(
            history(store, kept.id).await.len(),
            1,
            "one status change each"
        );
    }
    for refused in [&duplicate, &staff_email, &orphan, &unowned] {
        assert_eq!(
            customer(store, refused.id).await,
            None,
            "a failing write stores nothing"
        );
    }
    assert_eq!(
        customer(store, holder.id).await,
        Some(as_read(&holder, None, false)),
        "a refused update changes nothing"
    );
}

/// `staff_exists` is true for every staff user, whatever its role and
/// status, and false for any other id.
pub async fn staff_exists_knows_every_staff_user<S: CustomersStore + ?Sized>(store: &S) {
    let boss = admin();
    let disabled = StaffUser {
        status: UserStatus::Disabled,
        ..staff_user()
    };
    add_staff(store, &boss).await;
    add_staff(store, &disabled).await;
    for user in [&boss, &disabled] {
        assert!(
            store.staff_exists(user.id).await.expect("staff exists"),
            "{:?}",
            user.role
        );
    }
    assert!(
        !store
            .staff_exists(UserId::new())
            .await
            .expect("staff exists")
    );
    let customer = new_record();
    add_customer(store, &customer).await;
    let as_user = UserId::parse(&customer.id.to_string()).expect("same id format");
    assert!(
        !store.staff_exists(as_user).await.expect("staff exists"),
        "a customer is no staff user"
    );
}
