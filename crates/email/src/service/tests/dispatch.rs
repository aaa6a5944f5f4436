//! The dispatcher: claims, sends, outcomes, leases.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crm_kernel::RecipientId;

use super::*;
use crate::consent::{Suppression, SuppressionReason};
use crate::delivery::{Accepted, SendError, SmtpReply};
use crate::outbox::{Claimed, DispatchReport};
use crate::outgoing::Outgoing;
use crate::ports::StoreError;
use crate::status::RecipientStatus;

/// One recipient of a fresh message, claimed by `worker` now.
fn claimed(worker: WorkerId, addresses: &[&str]) -> Vec<Claimed> {
    let (email, recipients) = message(UserId::new(), addresses);
    recipients
        .into_iter()
        .map(|r| Claimed {
            email: email.clone(),
            recipient: r
                .claimed(worker, now(), later(Duration::from_mins(10)))
                .unwrap(),
        })
        .collect()
}

type Completed = Arc<Mutex<Vec<Recipient>>>;

fn expect_claim(mocks: &mut Mocks, worker: WorkerId, batch: Vec<Claimed>) {
    mocks
        .outbox
        .expect_claim()
        .times(1)
        .returning(move |w, at, until, limit| {
            assert_eq!(
                (w, at, until, limit),
                (worker, now(), later(Duration::from_mins(10)), 10)
            );
            Ok(batch.clone())
        });
}

fn expect_complete(mocks: &mut Mocks, worker: WorkerId, times: usize) -> Completed {
    let done: Completed = Arc::default();
    let keep = done.clone();
    mocks
        .outbox
        .expect_complete()
        .times(times)
        .returning(move |r, w| {
            assert_eq!(w, worker);
            keep.lock().unwrap().push(r.clone());
            Ok(())
        });
    done
}

fn nothing_suppressed(mocks: &mut Mocks) {
    mocks
        .suppressions
        .expect_find()
        .returning(|_| Ok(Vec::new()));
}

async fn dispatch(mocks: Mocks, worker: WorkerId) -> DispatchReport {
    mocks
        .service()
        .dispatch_due(worker, &AtomicBool::new(false))
        .await
        .unwrap()
}

#[tokio::test]
async fn sends_what_is_due_and_marks_it_sent() {
    let worker = WorkerId::new();
    let batch = claimed(worker, &["ann@example.com"]);
    let recipient = batch[0].recipient.clone();
    let mut mocks = Mocks::default();
    expect_claim(&mut mocks, worker, batch);
    nothing_suppressed(&mut mocks);
    let copies: Arc<Mutex<Vec<Outgoing>>> = Arc::default();
    let keep = copies.clone();
    mocks.mailer.expect_send().times(1).returning(move |copy| {
        keep.lock().unwrap().push(copy.clone());
        Ok(Accepted {
            reply: Some(SmtpReply::new(250, "2.0.0 Ok: queued as 4F1")),
        })
    });
    let done = expect_complete(&mut mocks, worker, 1);
    let report = dispatch(mocks, worker).await;

    assert_eq!(
        report,
        DispatchReport {
            claimed: 1,
            sent: 1,
            ..DispatchReport::default()
        }
    );
    let copy = copies.lock().unwrap()[0].clone();
    assert_eq!(
        (copy.to.as_str(), &copy.message_id),
        ("ann@example.com", &recipient.message_id)
    );
    assert!(
        copy.envelope_from.starts_with("bounce+") && copy.envelope_from.ends_with("@example.com")
    );
    let sent = done.lock().unwrap()[0].clone();
    assert_eq!(
        (sent.status, sent.sent_at, sent.lease),
        (RecipientStatus::Sent, Some(now()), None)
    );
    assert_eq!(sent.accepted_reply.unwrap().text, "Ok: queued as 4F1");
}

#[tokio::test]
async fn a_refusal_fails_at_once_with_the_reply_and_a_busy_server_is_retried() {
    let worker = WorkerId::new();
    let mut mocks = Mocks::default();
    expect_claim(
        &mut mocks,
        worker,
        claimed(worker, &["gone@example.com", "busy@example.com"]),
    );
    nothing_suppressed(&mut mocks);
    mocks.mailer.expect_send().times(2).returning(|copy| {
        Err(if copy.to.as_str().starts_with("gone") {
            SendError::from_reply(SmtpReply::new(550, "5.1.1 No such user"))
        } else {
            SendError::from_reply(SmtpReply::new(451, "4.3.0 Try again later"))
        })
    });
    let done = expect_complete(&mut mocks, worker, 2);
    let report = dispatch(mocks, worker).await;
    assert_eq!(
        report,
        DispatchReport {
            claimed: 2,
            failed: 1,
            retried: 1,
            ..DispatchReport::default()
        }
    );
    let done = done.lock().unwrap().clone();
    assert_eq!(done[0].status, RecipientStatus::Failed);
    assert_eq!(
        done[0].last_error.as_ref().unwrap().detail,
        "550 5.1.1 No such user"
    );
    assert_eq!(done[1].status, RecipientStatus::Queued);
    let wait = done[1].next_attempt_at.since(now());
    assert!(
        wait >= Duration::from_secs(15) && wait <= Duration::from_secs(30),
        "{wait:?}"
    );
}

#[tokio::test]
async fn an_address_suppressed_after_queueing_is_not_sent_to() {
    let worker = WorkerId::new();
    let mut mocks = Mocks::default();
    expect_claim(&mut mocks, worker, claimed(worker, &["ann@example.com"]));
    mocks.suppressions.expect_find().returning(|a| {
        Ok(vec![Suppression {
            address: a[0].clone(),
            reason: SuppressionReason::HardBounce,
            customer_id: None,
            recipient_id: None,
            detail: None,
            created_at: now(),
        }])
    });
    mocks.mailer.expect_send().never();
    let done = expect_complete(&mut mocks, worker, 1);
    let report = dispatch(mocks, worker).await;
    assert_eq!(report.failed, 1);
    let failed = done.lock().unwrap()[0].clone();
    assert_eq!(failed.status, RecipientStatus::Failed);
    assert_eq!(
        failed.last_error.unwrap().detail,
        "not sent: the address is suppressed (hard_bounce)"
    );
}

#[tokio::test]
async fn stopping_or_a_short_lease_gives_recipients_back_unsent() {
    let worker = WorkerId::new();
    let batch = claimed(worker, &["ann@example.com", "bob@example.com"]);
    let ids: Vec<RecipientId> = batch.iter().map(|c| c.recipient.id).collect();
    let mut mocks = Mocks::default();
    expect_claim(&mut mocks, worker, batch);
    mocks.mailer.expect_send().never();
    mocks.outbox.expect_complete().never();
    mocks
        .outbox
        .expect_release()
        .times(1)
        .returning(move |w, only, at| {
            assert_eq!((w, only.unwrap(), at), (worker, ids.as_slice(), now()));
            Ok(2)
        });
    let report = mocks
        .service()
        .dispatch_due(worker, &AtomicBool::new(true))
        .await
        .unwrap();
    assert_eq!(
        report,
        DispatchReport {
            claimed: 2,
            released: 2,
            ..DispatchReport::default()
        }
    );

    // A claim whose lease is nearly over (the store's clock was behind).
    let mut short = claimed(worker, &["ann@example.com"]);
    short[0].recipient.lease.as_mut().unwrap().until = later(Duration::from_mins(1));
    let mut mocks = Mocks::default();
    mocks
        .outbox
        .expect_claim()
        .returning(move |_, _, _, _| Ok(short.clone()));
    mocks.mailer.expect_send().never();
    mocks
        .outbox
        .expect_release()
        .times(1)
        .returning(|_, _, _| Ok(1));
    assert_eq!(dispatch(mocks, worker).await.released, 1);
}

#[tokio::test]
async fn a_lost_lease_is_counted_and_the_rest_goes_on() {
    let worker = WorkerId::new();
    let mut mocks = Mocks::default();
    expect_claim(
        &mut mocks,
        worker,
        claimed(worker, &["ann@example.com", "bob@example.com"]),
    );
    nothing_suppressed(&mut mocks);
    mocks
        .mailer
        .expect_send()
        .times(2)
        .returning(|_| Ok(Accepted { reply: None }));
    let mut first = true;
    mocks
        .outbox
        .expect_complete()
        .times(2)
        .returning(move |_, _| {
            let lost = std::mem::replace(&mut first, false);
            if lost {
                Err(StoreError::LeaseLost)
            } else {
                Ok(())
            }
        });
    let report = dispatch(mocks, worker).await;
    assert_eq!(
        report,
        DispatchReport {
            claimed: 2,
            sent: 1,
            lost: 1,
            ..DispatchReport::default()
        }
    );
}

#[tokio::test]
async fn nothing_due_does_nothing_and_shutdown_releases_everything() {
    let worker = WorkerId::new();
    let mut mocks = Mocks::default();
    expect_claim(&mut mocks, worker, Vec::new());
    mocks
        .outbox
        .expect_release()
        .times(1)
        .returning(move |w, only, at| {
            assert_eq!((w, only, at), (worker, None, now()));
            Ok(3)
        });
    mocks.outbox.expect_depth().returning(|| Ok(7));
    let service = mocks.service();
    let report = service
        .dispatch_due(worker, &AtomicBool::new(false))
        .await
        .unwrap();
    assert_eq!(report, DispatchReport::default());
    assert_eq!(service.release_leases(worker).await.unwrap(), 3);
    assert_eq!(service.outbox_depth().await.unwrap(), 7);
}
