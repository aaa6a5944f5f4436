//! Checks of what the tickets context asks the store about customers
//! ([`CustomerDirectory`]) and staff users ([`AssigneeDirectory`]).
//!
//! [`CustomerDirectory`]: crm_tickets::ports::CustomerDirectory
//! [`AssigneeDirectory`]: crm_tickets::ports::AssigneeDirectory

use crm_customers::ports::CustomerRepository;
use crm_identity::{StaffRole, StaffUser, UserStatus};
use crm_kernel::{CustomerId, UserId};
use crm_tickets::ports::CustomerRef;

use super::TicketsStore;
use super::support::{add_company, add_customer, add_staff, new_staff};
use crate::builders::{at_minute, company, staff_user};

/// `customer_ref` gives a customer's company and owner, and `None` for an
/// unknown or erased one; `any_customer_ref` also gives an erased one's (its
/// tombstone keeps both).
pub async fn ticket_customer_ref_hides_erased_customers_but_any_customer_ref_does_not<S>(store: &S)
where
    S: TicketsStore + ?Sized,
{
    let acme = company();
    add_company(store, &acme).await;
    let owner = new_staff(store).await;
    let full = add_customer(store, Some(acme.id), Some(owner.id)).await;
    let bare = add_customer(store, None, None).await;
    let erased = add_customer(store, Some(acme.id), Some(owner.id)).await;
    CustomerRepository::erase(store, erased.id, at_minute(10))
        .await
        .expect("erase customer");
    let reference = |id: CustomerId, with: bool| CustomerRef {
        id,
        company_id: with.then_some(acme.id),
        owner_id: with.then_some(owner.id),
    };
    let cases = [
        (
            "a customer with company and owner",
            full.id,
            Some(reference(full.id, true)),
            Some(reference(full.id, true)),
        ),
        (
            "a customer without",
            bare.id,
            Some(reference(bare.id, false)),
            Some(reference(bare.id, false)),
        ),
        (
            "an erased customer",
            erased.id,
            None,
            Some(reference(erased.id, true)),
        ),
        ("an unknown customer", CustomerId::new(), None, None),
    ];
    for (rule, id, live, any) in cases {
        assert_eq!(
            store.customer_ref(id).await.expect("customer_ref"),
            live,
            "customer_ref of {rule}"
        );
        assert_eq!(
            store.any_customer_ref(id).await.expect("any_customer_ref"),
            any,
            "any_customer_ref of {rule}"
        );
    }
}

/// Active agents and admins can be assigned; disabled and unknown users
/// cannot.
pub async fn ticket_can_be_assigned_only_to_active_staff<S: TicketsStore + ?Sized>(store: &S) {
    let agent = new_staff(store).await;
    let admin = StaffUser {
        role: StaffRole::Admin,
        company_ids: Vec::new(),
        ..staff_user()
    };
    add_staff(store, &admin).await;
    let disabled = StaffUser {
        status: UserStatus::Disabled,
        ..staff_user()
    };
    add_staff(store, &disabled).await;
    let cases = [
        ("an active agent", agent.id, true),
        ("an active admin", admin.id, true),
        ("a disabled agent", disabled.id, false),
        ("an unknown user", UserId::new(), false),
    ];
    for (rule, id, expected) in cases {
        assert_eq!(
            store.can_be_assigned(id).await.expect("can_be_assigned"),
            expected,
            "{rule}"
        );
    }
}
