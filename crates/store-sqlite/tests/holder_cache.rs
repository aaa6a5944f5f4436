//! The SQLite store answers `session_holder` from memory until a write of
//! its own changes the account or the sign-in (`identity/holder_cache.rs`):
//! the answer is kept (a change behind the store's back shows only once the
//! one-second bound passed), and no read that begins after a write returned
//! gets the account as it was before it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crm_identity::ports::{SessionStore, UserRepository};
use crm_identity::{AdminGuard, SessionHolder, StaffUser, UserStatus};
use crm_kernel::PrincipalId;
use crm_store_sqlite::SqliteStore;
use crm_testkit::builders::{at_minute, password_hash, session_for, staff_user};

async fn store_with_sign_in() -> (
    tempfile::TempDir,
    SqliteStore,
    StaffUser,
    crm_identity::RefreshSession,
) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let store = SqliteStore::open(&dir.path().join("crm.db"))
        .await
        .expect("open");
    store.migrate().await.expect("migrate");
    let user = staff_user();
    UserRepository::insert(&store, &user, &password_hash())
        .await
        .expect("insert user");
    let sign_in = session_for(PrincipalId::User(user.id));
    SessionStore::insert(&store, &sign_in)
        .await
        .expect("insert session");
    (dir, store, user, sign_in)
}

fn status_of(holder: Option<SessionHolder>) -> Option<UserStatus> {
    match holder {
        Some(SessionHolder::Staff(user)) => Some(user.status),
        _ => None,
    }
}

#[tokio::test]
async fn a_holder_is_kept_until_a_write_of_the_store_or_the_bound() {
    let (dir, store, user, sign_in) = store_with_sign_in().await;
    let staff = PrincipalId::User(user.id);
    let read = || store.session_holder(staff, sign_in.family_id);
    assert_eq!(
        status_of(read().await.expect("read")),
        Some(UserStatus::Active)
    );

    // Another process disables the account: this store does not see it
    // while it keeps its answer, and does once the bound has passed.
    let other = rusqlite::Connection::open(dir.path().join("crm.db")).expect("other process");
    other
        .execute(
            "UPDATE users SET status = 'disabled' WHERE id = ?1",
            [user.id.to_string()],
        )
        .expect("disable behind the store's back");
    let changed_at = Instant::now();
    assert_eq!(
        status_of(read().await.expect("read")),
        Some(UserStatus::Active),
        "the kept answer (a read of the store would say disabled)"
    );
    tokio::time::sleep(Duration::from_secs(1).saturating_sub(changed_at.elapsed())).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        status_of(read().await.expect("read")),
        Some(UserStatus::Disabled),
        "read again after the bound"
    );

    // A write of the store itself is seen by the next read.
    let active = StaffUser {
        status: UserStatus::Active,
        updated_at: at_minute(1),
        ..user.clone()
    };
    store
        .update(&active, None, AdminGuard::None)
        .await
        .expect("enable");
    assert_eq!(
        status_of(read().await.expect("read")),
        Some(UserStatus::Active)
    );
    store
        .revoke_family(sign_in.family_id, at_minute(2))
        .await
        .expect("sign out");
    assert_eq!(read().await.expect("read"), None, "signed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_read_that_begins_after_a_disable_returned_sees_the_account_active() {
    for round in 0..20 {
        let (_dir, store, user, sign_in) = store_with_sign_in().await;
        let staff = PrincipalId::User(user.id);
        let disabled_returned = Arc::new(AtomicBool::new(false));
        let readers: Vec<_> = (0..3)
            .map(|_| {
                let store = store.clone();
                let done = Arc::clone(&disabled_returned);
                tokio::spawn(async move {
                    let mut late_and_active = 0_u32;
                    let mut reads_after = 0_u32;
                    while reads_after < 200 {
                        let after = done.load(Ordering::Acquire);
                        let status = status_of(
                            store
                                .session_holder(staff, sign_in.family_id)
                                .await
                                .expect("read"),
                        );
                        if after {
                            reads_after += 1;
                            if status == Some(UserStatus::Active) {
                                late_and_active += 1;
                            }
                        }
                        tokio::task::yield_now().await;
                    }
                    late_and_active
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(5)).await;
        let disabled = StaffUser {
            status: UserStatus::Disabled,
            updated_at: at_minute(1),
            ..user.clone()
        };
        store
            .update(&disabled, None, AdminGuard::None)
            .await
            .expect("disable");
        disabled_returned.store(true, Ordering::Release);
        for reader in readers {
            assert_eq!(
                reader.await.expect("reader"),
                0,
                "round {round}: reads that began after the disable returned saw the account active"
            );
        }
    }
}
