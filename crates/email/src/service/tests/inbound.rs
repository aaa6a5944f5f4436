//! Replies and bounces: matched, stripped, recorded; the rest kept.

use std::sync::{Arc, Mutex};

use super::*;
use crate::consent::{Suppression, SuppressionReason};
use crate::event::{EmailEvent, EventKind};
use crate::inbound::{
    DeliveryReport, InboundKind, InboundMail, InboundRecord, MatchedBy, ReportedRecipient,
};
use crate::message_id::MessageId;
use crate::status::RecipientStatus;
use crate::token::{TokenClaim, TokenPurpose};

#[derive(Debug, Clone)]
struct Stored {
    record: InboundRecord,
    event: Option<EmailEvent>,
    change: Option<(Recipient, RecipientStatus)>,
    suppression: Option<Suppression>,
}

/// A sent recipient, findable by id and `Message-ID`; stores are captured.
fn mocks_for(recipient: &Recipient) -> (Mocks, Arc<Mutex<Vec<Stored>>>) {
    let mut mocks = Mocks::default();
    let r = recipient.clone();
    mocks
        .emails
        .expect_recipient()
        .returning(move |id| Ok((id == r.id).then(|| r.clone())));
    let r = recipient.clone();
    mocks
        .emails
        .expect_recipient_by_message_id()
        .returning(move |id| Ok((*id == r.message_id).then(|| r.clone())));
    let stored: Arc<Mutex<Vec<Stored>>> = Arc::default();
    let keep = stored.clone();
    mocks
        .inbound
        .expect_store()
        .returning(move |record, event, change, suppression| {
            keep.lock().unwrap().push(Stored {
                record: record.clone(),
                event: event.cloned(),
                change: change.map(|(r, s)| (r.clone(), s)),
                suppression: suppression.cloned(),
            });
            Ok(true)
        });
    (mocks, stored)
}

fn delivered() -> Recipient {
    let (_, recipients) = message(UserId::new(), &["ann@example.com"]);
    let at = Timestamp::from_millis(now().as_millis() - 3_600_000).unwrap();
    sent(&recipients[0], at)
}

fn token(recipient: &Recipient, purpose: TokenPurpose) -> String {
    key().sign(TokenClaim {
        recipient: recipient.id,
        purpose,
    })
}

const REPLY: &str = "Yes, Tuesday works.\n\nOn Mon, 2 Mar 2026 at 10:00, Bob <crm@example.com> wrote:\n> Does Tuesday work?";

#[tokio::test]
async fn a_reply_is_matched_by_in_reply_to_and_stripped() {
    let recipient = delivered();
    let (mocks, stored) = mocks_for(&recipient);
    let mail = InboundMail {
        message_id: MessageId::parse("<reply-1@mail.example.org>"),
        in_reply_to: vec![recipient.message_id.clone()],
        references: vec![
            MessageId::parse("<older@elsewhere>").unwrap(),
            recipient.message_id.clone(),
        ],
        from: Some("ann@example.com".into()),
        text: Some(REPLY.into()),
        ..InboundMail::default()
    };
    let received = mocks.service().receive(mail).await.unwrap();
    assert!(!received.duplicate);
    let stored = stored.lock().unwrap()[0].clone();
    let record = stored.record;
    assert_eq!(
        (record.kind, record.matched_by),
        (InboundKind::Reply, Some(MatchedBy::MessageId))
    );
    assert_eq!(
        (record.recipient_id, record.email_id),
        (Some(recipient.id), Some(recipient.email_id))
    );
    assert_eq!(record.response.as_deref(), Some("Yes, Tuesday works."));
    assert_eq!(
        record.mail.text.as_deref(),
        Some(REPLY),
        "the whole text is kept too"
    );
    let event = stored.event.unwrap();
    assert_eq!(
        (event.kind, event.recipient_id),
        (EventKind::Replied, recipient.id)
    );
    assert_eq!(event.detail, Some(record.id.to_string()));
    assert!(stored.change.is_none() && stored.suppression.is_none());
}

#[tokio::test]
async fn a_reply_without_references_is_matched_by_its_plus_address() {
    let recipient = delivered();
    let (mocks, stored) = mocks_for(&recipient);
    let mail = InboundMail {
        in_reply_to: vec![MessageId::parse("<unknown@elsewhere>").unwrap()],
        to: vec![format!(
            "REPLY+{}@example.com",
            token(&recipient, TokenPurpose::Reply).to_uppercase()
        )],
        text: Some("Thanks!".into()),
        ..InboundMail::default()
    };
    mocks.service().receive(mail).await.unwrap();
    let record = stored.lock().unwrap()[0].record.clone();
    assert_eq!(
        (record.kind, record.matched_by),
        (InboundKind::Reply, Some(MatchedBy::ReplyToken))
    );
    assert_eq!(record.response.as_deref(), Some("Thanks!"));
}

fn report(status: &str, action: &str) -> DeliveryReport {
    DeliveryReport {
        original_message_id: None,
        recipients: vec![ReportedRecipient {
            final_recipient: Some("ann@example.com".into()),
            action: Some(action.into()),
            status: Some(status.into()),
            diagnostic: Some("smtp; 550 5.1.1 User unknown".into()),
        }],
    }
}

#[tokio::test]
async fn a_hard_bounce_marks_the_recipient_and_suppresses_the_address() {
    let recipient = delivered();
    let (mocks, stored) = mocks_for(&recipient);
    let mail = InboundMail {
        to: vec![format!(
            "bounce+{}@example.com",
            token(&recipient, TokenPurpose::Bounce)
        )],
        report: Some(report("5.1.1", "failed")),
        ..InboundMail::default()
    };
    mocks.service().receive(mail).await.unwrap();
    let stored = stored.lock().unwrap()[0].clone();
    assert_eq!(
        (stored.record.kind, stored.record.matched_by),
        (InboundKind::HardBounce, Some(MatchedBy::BounceToken))
    );
    let (bounced, expected) = stored.change.unwrap();
    assert_eq!(
        (bounced.status, bounced.bounced_at, expected),
        (RecipientStatus::Bounced, Some(now()), RecipientStatus::Sent)
    );
    let suppression = stored.suppression.unwrap();
    assert_eq!(
        (suppression.address.as_str(), suppression.reason),
        ("ann@example.com", SuppressionReason::HardBounce)
    );
    assert_eq!(
        suppression.detail.as_deref(),
        Some("5.1.1 smtp; 550 5.1.1 User unknown")
    );
    assert_eq!(stored.event.unwrap().kind, EventKind::Bounced);
}

#[tokio::test]
async fn a_soft_bounce_is_recorded_and_changes_nothing_else() {
    let recipient = delivered();
    let (mocks, stored) = mocks_for(&recipient);
    let mut delayed = report("4.4.7", "delayed");
    delayed.original_message_id = Some(recipient.message_id.clone());
    let mail = InboundMail {
        report: Some(delayed),
        ..InboundMail::default()
    };
    mocks.service().receive(mail).await.unwrap();
    let stored = stored.lock().unwrap()[0].clone();
    assert_eq!(
        (stored.record.kind, stored.record.matched_by),
        (InboundKind::SoftBounce, Some(MatchedBy::ReportedMessageId))
    );
    assert_eq!(stored.event.unwrap().kind, EventKind::SoftBounced);
    assert!(stored.change.is_none() && stored.suppression.is_none());
}

#[tokio::test]
async fn a_second_hard_bounce_changes_no_status() {
    let recipient = delivered().bounced(now()).unwrap();
    let (mocks, stored) = mocks_for(&recipient);
    let mut failed = report("5.1.1", "failed");
    failed.original_message_id = Some(recipient.message_id.clone());
    mocks
        .service()
        .receive(InboundMail {
            report: Some(failed),
            ..InboundMail::default()
        })
        .await
        .unwrap();
    let stored = stored.lock().unwrap()[0].clone();
    assert_eq!(stored.record.kind, InboundKind::HardBounce);
    assert!(stored.change.is_none(), "bounced is final");
}

#[tokio::test]
async fn what_matches_nothing_is_kept_as_unmatched() {
    let recipient = delivered();
    let (mocks, stored) = mocks_for(&recipient);
    let forged = TokenKey::new(&[1; 32]).unwrap().sign(TokenClaim {
        recipient: recipient.id,
        purpose: TokenPurpose::Reply,
    });
    let service = mocks.service();
    for mail in [
        InboundMail {
            subject: Some("Newsletter".into()),
            text: Some("Hello".into()),
            ..InboundMail::default()
        },
        InboundMail {
            to: vec![format!("reply+{forged}@example.com")],
            ..InboundMail::default()
        },
        InboundMail {
            report: Some(report("5.1.1", "failed")),
            ..InboundMail::default()
        },
    ] {
        let received = service.receive(mail).await.unwrap();
        assert_eq!(received.record.kind, InboundKind::Unmatched);
    }
    let stored = stored.lock().unwrap();
    assert_eq!(stored.len(), 3, "every one is stored");
    assert!(
        stored
            .iter()
            .all(|s| s.event.is_none() && s.record.recipient_id.is_none())
    );
}

#[tokio::test]
async fn a_gateway_retry_is_a_duplicate() {
    let mut mocks = Mocks::default();
    mocks
        .inbound
        .expect_store()
        .returning(|_, _, _, _| Ok(false));
    let received = mocks
        .service()
        .receive(InboundMail::default())
        .await
        .unwrap();
    assert!(received.duplicate);
}

#[tokio::test]
async fn only_admins_list_unmatched_mail() {
    let mut mocks = Mocks::default();
    mocks.inbound.expect_unmatched().times(1).returning(|_| {
        Ok(crm_kernel::Page {
            items: Vec::new(),
            next: None,
        })
    });
    let service = mocks.service();
    let page = crm_kernel::PageRequest::default();
    assert!(
        service
            .unmatched(&admin(), &page)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let agent = service.unmatched(&agent_of(&[]), &page).await;
    assert!(
        matches!(agent, Err(crate::error::EmailError::Forbidden)),
        "{agent:?}"
    );
}
