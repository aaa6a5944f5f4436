//! The recipient's moves through the outbox, and the retry schedule.

use std::time::Duration;

use crm_kernel::{EmailAddress, EmailId, RecipientId, Timestamp};

use super::{Lease, RetryPolicy, WorkerId};
use crate::delivery::{DeliveryError, SendError, SmtpReply};
use crate::error::EmailError;
use crate::recipient::Recipient;
use crate::status::RecipientStatus;

fn at(secs: i64) -> Timestamp {
    Timestamp::from_millis(1_780_000_000_000 + secs * 1000).unwrap()
}

fn queued() -> Recipient {
    Recipient::queued(
        EmailId::new(),
        EmailAddress::parse("ann@example.com").unwrap(),
        None,
        "example.com",
        at(0),
        at(0),
    )
}

fn error(detail: &str) -> DeliveryError {
    DeliveryError {
        reply: None,
        detail: detail.into(),
    }
}

fn sending(worker: WorkerId) -> Recipient {
    queued().claimed(worker, at(0), at(600)).unwrap()
}

#[test]
fn a_claim_leases_and_counts_an_attempt() {
    let worker = WorkerId::new();
    let recipient = queued();
    assert!(!recipient.is_claimable(at(-1)), "not due yet");
    assert!(recipient.is_claimable(at(0)));
    let claimed = recipient.claimed(worker, at(0), at(600)).unwrap();
    assert_eq!(claimed.status, RecipientStatus::Sending);
    assert_eq!(claimed.attempts, 1);
    assert_eq!(
        claimed.lease,
        Some(Lease {
            worker,
            until: at(600)
        })
    );
    assert!(!claimed.is_claimable(at(599)), "leased");
    assert!(
        claimed.is_claimable(at(600)),
        "the lease ran out: its worker died"
    );
    let reclaimed = claimed.claimed(WorkerId::new(), at(600), at(1200)).unwrap();
    assert_eq!(reclaimed.attempts, 2);
    assert!(matches!(
        recipient.claimed(worker, at(-1), at(600)),
        Err(EmailError::InvalidTransition { .. })
    ));
}

#[test]
fn outcomes_follow_the_status_machine() {
    let worker = WorkerId::new();
    let reply = SmtpReply::new(250, "2.0.0 queued as ABC");
    let sent = sending(worker)
        .accepted(Some(reply.clone()), at(5))
        .unwrap();
    assert_eq!(sent.status, RecipientStatus::Sent);
    assert_eq!((sent.sent_at, sent.lease), (Some(at(5)), None));
    assert_eq!(sent.accepted_reply, Some(reply));
    assert!(!sent.is_claimable(at(10_000)), "sent is never sent again");

    let retried = sending(worker)
        .retried(error("busy"), at(65), at(5))
        .unwrap();
    assert_eq!(
        (retried.status, retried.next_attempt_at),
        (RecipientStatus::Queued, at(65))
    );
    assert_eq!(retried.attempts, 1, "the attempt stays counted");
    assert_eq!(retried.last_error, Some(error("busy")));

    let failed = sending(worker).failed(error("550 no"), at(5)).unwrap();
    assert_eq!(
        (failed.status, failed.failed_at),
        (RecipientStatus::Failed, Some(at(5)))
    );

    let released = sending(worker).released(at(7)).unwrap();
    assert_eq!(released.status, RecipientStatus::Queued);
    assert_eq!(
        (released.attempts, released.next_attempt_at),
        (0, at(7)),
        "no attempt was made"
    );

    let bounced = sent.bounced(at(60)).unwrap();
    assert_eq!(
        (bounced.status, bounced.bounced_at),
        (RecipientStatus::Bounced, Some(at(60)))
    );
}

#[test]
fn refused_moves_change_nothing() {
    use RecipientStatus::{Bounced, Failed, Queued, Sending, Sent};
    let refused = |result: Result<Recipient, EmailError>, from, to| match result {
        Err(EmailError::InvalidTransition { from: f, to: t }) => assert_eq!((f, t), (from, to)),
        other => panic!("{from} -> {to} was allowed: {other:?}"),
    };
    let q = queued();
    refused(q.accepted(None, at(1)), Queued, Sent);
    refused(q.failed(error("x"), at(1)), Queued, Failed);
    refused(q.bounced(at(1)), Queued, Bounced);
    refused(q.released(at(1)), Queued, Queued);
    let s = sending(WorkerId::new());
    refused(s.bounced(at(1)), Sending, Bounced);
    let sent = s.accepted(None, at(1)).unwrap();
    refused(sent.accepted(None, at(2)), Sent, Sent);
    refused(sent.failed(error("x"), at(2)), Sent, Failed);
    refused(sent.retried(error("x"), at(9), at(2)), Sent, Queued);
    let failed = sending(WorkerId::new()).failed(error("x"), at(1)).unwrap();
    refused(failed.bounced(at(2)), Failed, Bounced);
    refused(
        failed.claimed(WorkerId::new(), at(2), at(9)),
        Failed,
        Sending,
    );
    let bounced = sent.bounced(at(3)).unwrap();
    refused(bounced.bounced(at(4)), Bounced, Bounced);
}

#[test]
fn backoff_doubles_with_equal_jitter_up_to_the_cap() {
    let policy = RetryPolicy::default();
    let id = RecipientId::new();
    for attempt in 1..=12_u32 {
        let backoff = Duration::from_secs(30 * 2_u64.pow(attempt - 1)).min(Duration::from_hours(1));
        let delay = policy.delay(id, attempt);
        assert!(
            delay >= backoff / 2 && delay <= backoff,
            "attempt {attempt}: {delay:?} vs {backoff:?}"
        );
        assert_eq!(
            delay,
            policy.delay(id, attempt),
            "the same recipient and attempt, the same delay"
        );
    }
    let spread: std::collections::HashSet<Duration> = (0..50)
        .map(|_| policy.delay(RecipientId::new(), 3))
        .collect();
    assert!(
        spread.len() > 40,
        "recipients that failed together retry apart: {}",
        spread.len()
    );
}

#[test]
fn transient_failures_retry_until_the_limit_and_permanent_ones_fail_at_once() {
    let policy = RetryPolicy {
        max_attempts: 3,
        ..RetryPolicy::default()
    };
    let busy = SendError::from_reply(SmtpReply::new(451, "4.3.0 try later"));
    let worker = WorkerId::new();

    let first = sending(worker);
    let retried = policy.after_failure(&first, &busy, at(1)).unwrap();
    assert_eq!(retried.status, RecipientStatus::Queued);
    let wait = retried.next_attempt_at.since(at(1));
    assert!(
        wait >= Duration::from_secs(15) && wait <= Duration::from_secs(30),
        "{wait:?}"
    );
    assert_eq!(retried.last_error.unwrap().reply.unwrap().code, 451);

    let mut third = sending(worker);
    third.attempts = 3;
    let given_up = policy
        .after_failure(&third, &SendError::transient("connection refused"), at(1))
        .unwrap();
    assert_eq!(given_up.status, RecipientStatus::Failed);
    assert_eq!(
        given_up.last_error.unwrap().detail,
        "gave up after 3 attempts; last: connection refused"
    );

    let refused = SendError::from_reply(SmtpReply::new(550, "5.1.1 No such user"));
    let failed = policy
        .after_failure(&sending(worker), &refused, at(1))
        .unwrap();
    assert_eq!(failed.status, RecipientStatus::Failed);
    assert_eq!(failed.attempts, 1, "no retry");
    assert_eq!(failed.last_error.unwrap().detail, "550 5.1.1 No such user");
}
