//! Checks of the check every authenticated request makes:
//! [`SessionStore::session_holder`](crm_identity::ports::SessionStore::session_holder),
//! the account and its sign-in read together.

use crm_identity::{AdminGuard, SessionHolder, StaffRole, StaffUser, UserStatus};
use crm_kernel::{CompanyId, CustomerId, PrincipalId, SessionFamilyId};

use super::IdentityStore;
use super::support::{add_session, add_user, register};
use crate::builders::{at_minute, customer_account, next_session, now, session_for, staff_user};

async fn holder<S: IdentityStore + ?Sized>(
    store: &S,
    principal: PrincipalId,
    family: SessionFamilyId,
) -> Option<SessionHolder> {
    store
        .session_holder(principal, family)
        .await
        .expect("session holder")
}

/// `session_holder` answers the account as stored now (a staff user
/// whatever its status, a customer with a credential) while the sign-in has
/// a session of that principal that is not revoked, rotated or not; and
/// `None` for a family that is not the principal's, or unknown.
pub async fn session_holder_is_the_account_of_a_live_sign_in<S>(store: &S)
where
    S: IdentityStore + ?Sized,
{
    let user = staff_user();
    add_user(store, &user).await;
    let staff = PrincipalId::User(user.id);
    let sign_in = session_for(staff);
    add_session(store, &sign_in).await;
    assert_eq!(
        holder(store, staff, sign_in.family_id).await,
        Some(SessionHolder::Staff(user.clone())),
        "the stored user"
    );

    let account = customer_account();
    register(store, &account).await;
    let customer = PrincipalId::Customer(account.id);
    let customer_sign_in = session_for(customer);
    add_session(store, &customer_sign_in).await;
    assert_eq!(
        holder(store, customer, customer_sign_in.family_id).await,
        Some(SessionHolder::Customer(account.id))
    );

    // A refresh keeps the sign-in live.
    let rotated = next_session(&sign_in);
    assert!(
        store
            .rotate(sign_in.id, &rotated, now())
            .await
            .expect("rotate")
    );
    assert!(
        holder(store, staff, sign_in.family_id).await.is_some(),
        "rotated"
    );

    // A disabled user is still the holder: the service refuses it.
    let disabled = StaffUser {
        status: UserStatus::Disabled,
        updated_at: at_minute(1),
        ..user.clone()
    };
    store
        .update(&disabled, None, AdminGuard::None)
        .await
        .expect("disable");
    assert_eq!(
        holder(store, staff, sign_in.family_id).await,
        Some(SessionHolder::Staff(disabled)),
        "whatever its status"
    );

    // Another principal's sign-in, or an unknown one, has no holder.
    assert_eq!(holder(store, staff, customer_sign_in.family_id).await, None);
    assert_eq!(holder(store, customer, sign_in.family_id).await, None);
    assert_eq!(holder(store, staff, SessionFamilyId::new()).await, None);
    let twin = PrincipalId::Customer(CustomerId::from_uuid(user.id.as_uuid()));
    assert_eq!(
        holder(store, twin, sign_in.family_id).await,
        None,
        "a customer is not the user with the same id text"
    );
}

/// Once its sign-in ends (its family revoked, every session of the
/// principal revoked) or its account is gone (a deleted user, a customer
/// without a credential), a family has no holder; other sign-ins keep theirs.
pub async fn session_holder_is_none_once_the_sign_in_or_the_account_ends<S>(store: &S)
where
    S: IdentityStore + ?Sized,
{
    let user = staff_user();
    add_user(store, &user).await;
    let staff = PrincipalId::User(user.id);
    let [logged_out, phone, laptop] = [session_for(staff), session_for(staff), session_for(staff)];
    for session in [&logged_out, &phone, &laptop] {
        add_session(store, session).await;
    }
    store
        .revoke_family(logged_out.family_id, now())
        .await
        .expect("revoke family");
    assert_eq!(
        holder(store, staff, logged_out.family_id).await,
        None,
        "logged out"
    );
    assert!(
        holder(store, staff, phone.family_id).await.is_some(),
        "another sign-in"
    );

    let other = staff_user();
    add_user(store, &other).await;
    let other_sign_in = session_for(PrincipalId::User(other.id));
    add_session(store, &other_sign_in).await;
    store
        .revoke_principal(staff, now())
        .await
        .expect("revoke principal");
    for session in [&phone, &laptop] {
        assert_eq!(
            holder(store, staff, session.family_id).await,
            None,
            "every sign-in"
        );
    }
    assert!(
        holder(store, PrincipalId::User(other.id), other_sign_in.family_id)
            .await
            .is_some(),
        "another user's sign-in"
    );

    let fresh = session_for(PrincipalId::User(other.id));
    add_session(store, &fresh).await;
    store
        .delete(other.id, AdminGuard::None)
        .await
        .expect("delete");
    assert_eq!(
        holder(store, PrincipalId::User(other.id), fresh.family_id).await,
        None,
        "a deleted user"
    );

    // Sessions of a customer that has no credential (never registered).
    let stranger = PrincipalId::Customer(CustomerId::new());
    let orphan = session_for(stranger);
    add_session(store, &orphan).await;
    assert_eq!(holder(store, stranger, orphan.family_id).await, None);
}

/// Each read of a holder gives the account as its last write left it, also
/// right after a read of the same sign-in: a new role, other companies, a
/// new name, and the account enabled again.
pub async fn session_holder_follows_every_change_of_the_account<S>(store: &S)
where
    S: IdentityStore + ?Sized,
{
    let user = staff_user();
    add_user(store, &user).await;
    let staff = PrincipalId::User(user.id);
    let sign_in = session_for(staff);
    add_session(store, &sign_in).await;
    let mut current = user;
    let changes: [fn(&mut StaffUser); 4] = [
        |user| user.role = StaffRole::Admin,
        |user| user.company_ids = vec![CompanyId::new()],
        |user| user.status = UserStatus::Disabled,
        |user| user.status = UserStatus::Active,
    ];
    for (minute, change) in (1..).zip(changes) {
        assert_eq!(
            holder(store, staff, sign_in.family_id).await,
            Some(SessionHolder::Staff(current.clone())),
            "before change {minute}"
        );
        change(&mut current);
        current.updated_at = at_minute(minute);
        store
            .update(&current, None, AdminGuard::None)
            .await
            .expect("update");
        assert_eq!(
            holder(store, staff, sign_in.family_id).await,
            Some(SessionHolder::Staff(current.clone())),
            "right after change {minute}"
        );
    }
}
