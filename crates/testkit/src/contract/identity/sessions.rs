//! Checks of refresh-token sessions ([`SessionStore`](crm_identity::ports::SessionStore)).

use crm_identity::RefreshSession;
use crm_kernel::{CustomerId, PrincipalId, UserId};

use super::IdentityStore;
use super::support::{add_session, stored_session};
use crate::builders::{at_minute, next_session, now, session_for, token_hash};

/// `insert` then `find_by_hash` returns the session exactly, whatever its
/// state; an unknown hash finds nothing.
pub async fn session_insert_then_find_by_hash<S: IdentityStore + ?Sized>(store: &S) {
    let staff = session_for(PrincipalId::User(UserId::new()));
    let customer = session_for(PrincipalId::Customer(CustomerId::new()));
    let used = RefreshSession {
        rotated_at: Some(at_minute(1)),
        revoked_at: Some(at_minute(2)),
        ..session_for(PrincipalId::User(UserId::new()))
    };
    for session in [&staff, &customer, &used] {
        add_session(store, session).await;
        assert_eq!(
            stored_session(store, session).await.as_ref(),
            Some(session),
            "round trip"
        );
    }
    assert_eq!(store.find_by_hash(&token_hash()).await.expect("find"), None);
}

/// `rotate` marks the old session rotated at the given time and stores the
/// new one.
pub async fn rotate_marks_the_old_session_and_stores_the_new_one<S: IdentityStore + ?Sized>(
    store: &S,
) {
    let old = session_for(PrincipalId::User(UserId::new()));
    add_session(store, &old).await;
    let new = next_session(&old);
    let at = now();
    assert!(
        store.rotate(old.id, &new, at).await.expect("rotate"),
        "the first rotation succeeds"
    );
    let marked = stored_session(store, &old).await.expect("old session kept");
    assert_eq!(
        marked,
        RefreshSession {
            rotated_at: Some(at),
            ..old.clone()
        }
    );
    assert_eq!(
        stored_session(store, &new).await,
        Some(new.clone()),
        "the new session is stored"
    );

    let newer = next_session(&new);
    assert!(
        store.rotate(new.id, &newer, now()).await.expect("rotate"),
        "the new one rotates in turn"
    );
}

/// Rotating a session that is already rotated, or revoked, answers `false`
/// and stores nothing (and does not move the first rotation's time).
pub async fn rotate_of_a_rotated_or_revoked_session_stores_nothing<S>(store: &S)
where
    S: IdentityStore + ?Sized,
{
    let old = session_for(PrincipalId::User(UserId::new()));
    add_session(store, &old).await;
    let first_at = at_minute(10);
    assert!(
        store
            .rotate(old.id, &next_session(&old), first_at)
            .await
            .expect("rotate")
    );
    let replay = next_session(&old);
    assert!(
        !store
            .rotate(old.id, &replay, at_minute(11))
            .await
            .expect("rotate"),
        "second rotation"
    );
    assert_eq!(
        stored_session(store, &replay).await,
        None,
        "the second rotation stores nothing"
    );
    assert_eq!(
        stored_session(store, &old).await.and_then(|s| s.rotated_at),
        Some(first_at)
    );

    let revoked = RefreshSession {
        revoked_at: Some(at_minute(5)),
        ..session_for(PrincipalId::Customer(CustomerId::new()))
    };
    add_session(store, &revoked).await;
    let after_revoke = next_session(&revoked);
    assert!(
        !store
            .rotate(revoked.id, &after_revoke, at_minute(6))
            .await
            .expect("rotate"),
        "revoked"
    );
    assert_eq!(
        stored_session(store, &after_revoke).await,
        None,
        "rotating a revoked session stores nothing"
    );
    assert_eq!(
        stored_session(store, &revoked).await,
        Some(revoked.clone()),
        "the revoked one is untouched"
    );
}

/// Two concurrent rotations of one session: exactly one succeeds and only
/// its new session is stored.
pub async fn concurrent_rotations_of_one_session_let_exactly_one_win<S>(store: &S)
where
    S: IdentityStore + ?Sized,
{
    for round in 0..10 {
        let old = session_for(PrincipalId::User(UserId::new()));
        add_session(store, &old).await;
        let (left, right) = (next_session(&old), next_session(&old));
        let at = now();
        let (left_won, right_won) = tokio::join!(
            store.rotate(old.id, &left, at),
            store.rotate(old.id, &right, at)
        );
        let (left_won, right_won) = (left_won.expect("rotate"), right_won.expect("rotate"));
        assert!(
            left_won != right_won,
            "round {round}: exactly one rotation wins ({left_won}, {right_won})"
        );
        assert_eq!(
            stored_session(store, &left).await.is_some(),
            left_won,
            "round {round}: only the winner's session is stored"
        );
        assert_eq!(
            stored_session(store, &right).await.is_some(),
            right_won,
            "round {round}: only the winner's session is stored"
        );
    }
}

/// `revoke_family` revokes every not-yet-revoked session of the family,
/// keeps earlier revocation times, and touches no other family.
pub async fn revoke_family_revokes_only_that_family<S: IdentityStore + ?Sized>(store: &S) {
    let principal = PrincipalId::User(UserId::new());
    let first = session_for(principal);
    let second = next_session(&first);
    let earlier = RefreshSession {
        revoked_at: Some(at_minute(1)),
        ..next_session(&first)
    };
    let other_family = session_for(principal);
    for session in [&first, &second, &earlier, &other_family] {
        add_session(store, session).await;
    }
    assert!(
        store
            .rotate(first.id, &next_session(&first), at_minute(2))
            .await
            .is_ok()
    );
    let at = at_minute(3);
    store
        .revoke_family(first.family_id, at)
        .await
        .expect("revoke family");
    for session in [&first, &second] {
        let stored = stored_session(store, session).await.expect("kept");
        assert_eq!(
            stored.revoked_at,
            Some(at),
            "every live session of the family is revoked"
        );
    }
    let stored = stored_session(store, &earlier).await.expect("kept");
    assert_eq!(
        stored.revoked_at,
        Some(at_minute(1)),
        "an earlier revocation keeps its time"
    );
    assert_eq!(
        stored_session(store, &other_family).await,
        Some(other_family.clone()),
        "other families are untouched"
    );
    store
        .revoke_family(first.family_id, at_minute(4))
        .await
        .expect("revoking again is harmless");
    assert_eq!(
        stored_session(store, &second)
            .await
            .and_then(|s| s.revoked_at),
        Some(at)
    );
}

/// `revoke_principal` revokes every session of that principal, in every
/// family, and nobody else's (a customer and a user are different
/// principals even with the same id text).
pub async fn revoke_principal_revokes_only_that_principal<S: IdentityStore + ?Sized>(store: &S) {
    let user_id = UserId::new();
    let target = PrincipalId::User(user_id);
    let twin = PrincipalId::Customer(CustomerId::from_uuid(user_id.as_uuid()));
    let mine = [session_for(target), session_for(target)];
    let earlier = RefreshSession {
        revoked_at: Some(at_minute(1)),
        ..session_for(target)
    };
    let others = [
        session_for(PrincipalId::User(UserId::new())),
        session_for(twin),
    ];
    for session in mine.iter().chain([&earlier]).chain(&others) {
        add_session(store, session).await;
    }
    let at = at_minute(2);
    store
        .revoke_principal(target, at)
        .await
        .expect("revoke principal");
    for session in &mine {
        assert_eq!(
            stored_session(store, session)
                .await
                .and_then(|s| s.revoked_at),
            Some(at)
        );
    }
    assert_eq!(
        stored_session(store, &earlier)
            .await
            .and_then(|s| s.revoked_at),
        Some(at_minute(1))
    );
    for session in &others {
        assert_eq!(
            stored_session(store, session).await.as_ref(),
            Some(session),
            "others are untouched"
        );
    }
}
