//! Checks of the outbox: claims under a lease (also from concurrent
//! tasks), outcomes only under the lease, releases, depth and next due time.

use std::collections::HashSet;
use std::sync::Arc;

use crm_email::ports::{Outbox, StoreError};
use crm_email::{DeliveryError, RecipientStatus, SmtpReply, WorkerId};
use crm_kernel::RecipientId;
use tokio::sync::Barrier;
use tokio::task::JoinSet;

use super::EmailStore;
use super::support::{assert_refused, claim, lease_end, minutes, new_staff, queue, stored};
use crate::builders::now;

/// A claim takes the due recipients (oldest due first, up to the limit),
/// leaves them `sending` under the lease with one more attempt, and skips
/// what is not due, what is leased, and what is settled; a lease that ran
/// out can be claimed again.
pub async fn outbox_claims_due_recipients_once_under_a_lease<S: EmailStore + ?Sized>(store: &S) {
    let sender = new_staff(store).await;
    let t = now();
    let (_, early) = queue(store, sender.id, &[None, None], minutes(t, -2)).await;
    let (later_email, later) = queue(store, sender.id, &[None], minutes(t, -1)).await;
    let (_, future) = queue(store, sender.id, &[None], minutes(t, 5)).await;
    let worker = WorkerId::new();
    let first = claim(store, worker, t, 2).await;
    let ids: Vec<RecipientId> = first.iter().map(|c| c.recipient.id).collect();
    let mut expected = vec![early[0].id, early[1].id];
    expected.sort();
    let mut got = ids.clone();
    got.sort();
    assert_eq!(got, expected, "oldest due first, up to the limit");
    for c in &first {
        assert_eq!(c.recipient.status, RecipientStatus::Sending);
        assert_eq!(c.recipient.attempts, 1, "a claim counts an attempt");
        let lease = c.recipient.lease.expect("a claim leases");
        assert_eq!((lease.worker, lease.until), (worker, lease_end(t)));
        assert_eq!(
            stored(store, &c.recipient).await,
            c.recipient,
            "the claim is stored"
        );
    }
    let second = claim(store, WorkerId::new(), t, 10).await;
    assert_eq!(second.len(), 1, "leased recipients are not claimed again");
    assert_eq!(second[0].recipient.id, later[0].id);
    assert_eq!(second[0].email, later_email, "a claim carries its message");
    assert!(
        claim(store, WorkerId::new(), t, 10).await.is_empty(),
        "nothing else is due"
    );
    assert_eq!(
        stored(store, &future[0]).await.status,
        RecipientStatus::Queued
    );
    let after_lease = lease_end(t).plus(std::time::Duration::from_secs(1));
    let again = claim(store, WorkerId::new(), after_lease, 10).await;
    let mut again_ids: Vec<RecipientId> = again.iter().map(|c| c.recipient.id).collect();
    again_ids.sort();
    let mut all = vec![early[0].id, early[1].id, later[0].id, future[0].id];
    all.sort();
    assert_eq!(
        again_ids, all,
        "expired leases and newly due recipients are claimable"
    );
    assert!(
        again
            .iter()
            .filter(|c| c.recipient.id != future[0].id)
            .all(|c| c.recipient.attempts == 2)
    );
}

/// Claims racing from several tasks never hand one recipient to two workers.
pub async fn outbox_concurrent_claims_never_share_a_recipient<S>(store: &S)
where
    S: EmailStore + Clone + 'static,
{
    let sender = new_staff(store).await;
    let t = now();
    let mut queued = Vec::new();
    for _ in 0..8 {
        let (_, r) = queue(store, sender.id, &[None, None, None], minutes(t, -1)).await;
        queued.extend(r.into_iter().map(|r| r.id));
    }
    let barrier = Arc::new(Barrier::new(4));
    let mut tasks = JoinSet::new();
    for _ in 0..4 {
        let store = store.clone();
        let barrier = Arc::clone(&barrier);
        tasks.spawn(async move {
            let worker = WorkerId::new();
            barrier.wait().await;
            let mut mine = Vec::new();
            loop {
                let batch = claim(&store, worker, t, 3).await;
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(batch.into_iter().map(|c| c.recipient.id));
            }
        });
    }
    let mut seen = HashSet::new();
    let mut count = 0;
    for ids in tasks.join_all().await {
        for id in ids {
            count += 1;
            assert!(seen.insert(id), "recipient {id} was claimed twice");
        }
    }
    assert_eq!(count, queued.len(), "every due recipient was claimed once");
}

/// `complete` writes the outcome only under the worker's lease;
/// otherwise `LeaseLost` and nothing changes.
pub async fn outbox_complete_needs_the_lease_and_changes_nothing_without_it<S>(store: &S)
where
    S: EmailStore + ?Sized,
{
    let sender = new_staff(store).await;
    let t = now();
    let (_, to) = queue(store, sender.id, &[None, None], minutes(t, -1)).await;
    let worker = WorkerId::new();
    let claimed = claim(store, worker, t, 2).await;
    let first = &claimed[0].recipient;
    let reply = SmtpReply::new(250, "2.0.0 Ok: queued as X1");
    let sent = first.accepted(Some(reply), t).unwrap();
    assert_refused(
        Outbox::complete(store, &sent, WorkerId::new()).await,
        &StoreError::LeaseLost,
        "another worker's outcome",
    );
    assert_eq!(stored(store, first).await, *first, "nothing changed");
    Outbox::complete(store, &sent, worker)
        .await
        .expect("complete under the lease");
    assert_eq!(stored(store, first).await, sent, "the outcome is stored");
    assert_refused(
        Outbox::complete(store, &sent, worker).await,
        &StoreError::LeaseLost,
        "a settled recipient",
    );
    let second = &claimed[1].recipient;
    let failed = second
        .failed(
            DeliveryError {
                reply: Some(SmtpReply::new(550, "5.1.1 No such user")),
                detail: "550 5.1.1 No such user".into(),
            },
            t,
        )
        .unwrap();
    Outbox::complete(store, &failed, worker).await.unwrap();
    assert_eq!(
        stored(store, second).await,
        failed,
        "a failure keeps the reply"
    );
    assert_eq!(to.len(), 2);
}

/// `release` gives back the worker's recipients (only the named ones, when
/// named): `queued`, due now, the claim's attempt taken back.
pub async fn outbox_release_gives_back_unsent_and_takes_back_the_attempt<S>(store: &S)
where
    S: EmailStore + ?Sized,
{
    let sender = new_staff(store).await;
    let t = now();
    queue(store, sender.id, &[None, None, None], minutes(t, -1)).await;
    let worker = WorkerId::new();
    let claimed = claim(store, worker, t, 3).await;
    let only = [claimed[0].recipient.id];
    let later = minutes(t, 1);
    assert_eq!(
        Outbox::release(store, worker, Some(&only), later)
            .await
            .unwrap(),
        1
    );
    let released = stored(store, &claimed[0].recipient).await;
    assert_eq!(released.status, RecipientStatus::Queued);
    assert_eq!((released.attempts, released.lease), (0, None));
    assert_eq!(released.next_attempt_at, later, "due at once");
    assert_eq!(
        Outbox::release(store, WorkerId::new(), None, later)
            .await
            .unwrap(),
        0,
        "another worker releases nothing of this one's"
    );
    assert_eq!(
        Outbox::release(store, worker, None, later).await.unwrap(),
        2
    );
    for c in &claimed {
        assert_eq!(
            stored(store, &c.recipient).await.status,
            RecipientStatus::Queued
        );
    }
}

/// Depth counts `queued` and `sending`; `next_due` is the earliest due
/// time or lease end, `None` when the outbox is empty.
pub async fn outbox_depth_and_next_due_follow_the_queue<S: EmailStore + ?Sized>(store: &S) {
    assert_eq!(Outbox::depth(store).await.unwrap(), 0);
    assert_eq!(Outbox::next_due(store).await.unwrap(), None);
    let sender = new_staff(store).await;
    let t = now();
    queue(store, sender.id, &[None], minutes(t, 30)).await;
    queue(store, sender.id, &[None, None], minutes(t, -1)).await;
    assert_eq!(Outbox::depth(store).await.unwrap(), 3);
    assert_eq!(Outbox::next_due(store).await.unwrap(), Some(minutes(t, -1)));
    let worker = WorkerId::new();
    let claimed = claim(store, worker, t, 2).await;
    assert_eq!(Outbox::depth(store).await.unwrap(), 3, "sending counts");
    assert_eq!(
        Outbox::next_due(store).await.unwrap(),
        Some(lease_end(t)),
        "a lease's end is when its recipient may be claimed again"
    );
    for c in &claimed {
        let sent = c.recipient.accepted(None, t).unwrap();
        Outbox::complete(store, &sent, worker).await.unwrap();
    }
    assert_eq!(Outbox::depth(store).await.unwrap(), 1);
    assert_eq!(Outbox::next_due(store).await.unwrap(), Some(minutes(t, 30)));
}
