//! Checks of inbound mail: once per `Message-ID`, its effects in the same
//! step, the stale-status refusal, and the unmatched list.

use crm_email::ports::{EventLog, InboundStore, StoreError, SuppressionList};
use crm_email::{
    DeliveryReport, EventKind, InboundKind, MatchedBy, RecipientStatus, ReportedRecipient,
    SuppressionReason, WorkerId,
};

use super::EmailStore;
use super::support::{
    assert_refused, claim, minutes, new_customer, new_staff, page, queue, stored,
};
use crate::builders::{now, plain_event, reply_from, suppression, unmatched_mail};
use crm_email::ports::Outbox;

/// A bounce report stores the record, the event, the recipient's
/// `bounced` state and the suppression together; the same `Message-ID`
/// again stores nothing (`false`). Records read back whole.
pub async fn inbound_stores_once_per_message_id_with_its_effects<S: EmailStore + ?Sized>(
    store: &S,
) {
    let sender = new_staff(store).await;
    let ann = new_customer(store, None, None).await;
    let t = now();
    let (email, _) = queue(store, sender.id, &[Some(ann.id)], minutes(t, -1)).await;
    let worker = WorkerId::new();
    let claimed = claim(store, worker, t, 1).await;
    let sent = claimed[0].recipient.accepted(None, t).unwrap();
    Outbox::complete(store, &sent, worker).await.unwrap();

    let reply = reply_from(&sent, minutes(t, 1), "Thanks!");
    let replied = plain_event(&sent, EventKind::Replied, minutes(t, 1));
    assert!(
        InboundStore::store(store, &reply, Some(&replied), None, None)
            .await
            .unwrap()
    );
    let mut bounce = unmatched_mail(minutes(t, 2));
    bounce.kind = InboundKind::HardBounce;
    bounce.email_id = Some(email.id);
    bounce.recipient_id = Some(sent.id);
    bounce.customer_id = Some(ann.id);
    bounce.matched_by = Some(MatchedBy::BounceToken);
    let block = ReportedRecipient {
        final_recipient: Some(sent.address.as_str().to_owned()),
        action: Some("failed".into()),
        status: Some("5.1.1".into()),
        diagnostic: Some("smtp; 550 No such user".into()),
    };
    bounce.bounce = Some(block.clone());
    bounce.mail.report = Some(DeliveryReport {
        original_message_id: Some(sent.message_id.clone()),
        recipients: vec![block],
    });
    let event = plain_event(&sent, EventKind::Bounced, minutes(t, 2));
    let bounced = sent.bounced(minutes(t, 2)).unwrap();
    let entry = suppression(
        sent.address.clone(),
        SuppressionReason::HardBounce,
        minutes(t, 2),
    );
    assert!(
        InboundStore::store(
            store,
            &bounce,
            Some(&event),
            Some((&bounced, RecipientStatus::Sent)),
            Some(&entry)
        )
        .await
        .unwrap()
    );
    assert_eq!(stored(store, &sent).await, bounced, "the recipient bounced");
    assert_eq!(
        SuppressionList::find(store, std::slice::from_ref(&sent.address))
            .await
            .unwrap(),
        vec![entry],
        "the address is suppressed"
    );
    let records = InboundStore::of_email(store, email.id).await.unwrap();
    assert_eq!(
        records,
        vec![reply.clone(), bounce.clone()],
        "records read back whole, oldest first"
    );
    assert_eq!(
        EventLog::events(store, email.id).await.unwrap(),
        vec![replied, event]
    );

    let mut retry = reply_from(&sent, minutes(t, 3), "Thanks!");
    retry.mail.message_id = reply.mail.message_id.clone();
    let again = plain_event(&sent, EventKind::Replied, minutes(t, 3));
    assert!(
        !InboundStore::store(store, &retry, Some(&again), None, None)
            .await
            .unwrap(),
        "a gateway's retry is stored once"
    );
    assert_eq!(
        InboundStore::of_email(store, email.id).await.unwrap().len(),
        2
    );
    assert_eq!(EventLog::events(store, email.id).await.unwrap().len(), 2);
}

/// A recipient change from a status it no longer has is
/// `VersionConflict`, and nothing of the message is stored.
pub async fn inbound_refuses_a_stale_status_and_stores_nothing<S: EmailStore + ?Sized>(store: &S) {
    let sender = new_staff(store).await;
    let t = now();
    let (email, to) = queue(store, sender.id, &[None], t).await;
    let mut bounce = unmatched_mail(t);
    bounce.kind = InboundKind::HardBounce;
    bounce.email_id = Some(email.id);
    bounce.recipient_id = Some(to[0].id);
    let pretend_sent = crm_email::Recipient {
        status: RecipientStatus::Sent,
        ..to[0].clone()
    };
    let bounced = pretend_sent.bounced(t).unwrap();
    let event = plain_event(&to[0], EventKind::Bounced, t);
    assert_refused(
        InboundStore::store(
            store,
            &bounce,
            Some(&event),
            Some((&bounced, RecipientStatus::Sent)),
            None,
        )
        .await,
        &StoreError::VersionConflict,
        "the recipient is still queued",
    );
    assert!(
        InboundStore::of_email(store, email.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(EventLog::events(store, email.id).await.unwrap().is_empty());
    assert_eq!(stored(store, &to[0]).await, to[0]);
}

/// Unmatched mail is listed newest first, page by page; matched mail is not.
pub async fn inbound_unmatched_pages_newest_first<S: EmailStore + ?Sized>(store: &S) {
    let t = now();
    let mut kept = Vec::new();
    for minute in 0..5 {
        let record = unmatched_mail(minutes(t, minute));
        assert!(
            InboundStore::store(store, &record, None, None, None)
                .await
                .unwrap()
        );
        kept.push(record);
    }
    let sender = new_staff(store).await;
    let (_, to) = queue(store, sender.id, &[None], t).await;
    InboundStore::store(store, &reply_from(&to[0], t, "hi"), None, None, None)
        .await
        .unwrap();
    let mut request = page(2);
    let mut listed = Vec::new();
    loop {
        let page = InboundStore::unmatched(store, &request).await.unwrap();
        listed.extend(page.items);
        match page.next {
            None => break,
            Some(next) => request.after = Some(next),
        }
    }
    kept.reverse();
    assert_eq!(listed, kept, "every unmatched message, newest first, once");
}
