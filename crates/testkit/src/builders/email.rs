//! Builders of the email context's objects.

use crm_email::{
    Classification, Content, Email, EmailEvent, EmailTemplate, EventKind, HitClass, HitDetails,
    InboundKind, InboundMail, InboundRecord, Mailbox, MessageId, Recipient, Subject, Suppression,
    SuppressionReason, TemplateName, TemplateSource, TextBody,
};
use crm_kernel::{
    CustomerId, EmailAddress, EmailEventId, EmailId, EmailTemplateId, InboundMessageId, Timestamp,
    UserId, Version,
};

use super::{now, unique_email};

/// A message from `sender`, written now, due now.
#[must_use]
pub fn email_message(sender: UserId) -> Email {
    let at = now();
    Email {
        id: EmailId::new(),
        from: Mailbox::parse("Sam Sender <crm@example.com>").expect("mailbox"),
        sender_id: sender,
        content: Content::new(
            Subject::parse("Your offer").expect("subject"),
            TextBody::parse("Hello,\n\nsee https://shop.example.com/offer\n\nSam").expect("text"),
            None,
        )
        .expect("content"),
        template_id: None,
        send_at: at,
        created_at: at,
    }
}

/// A queued recipient of `email` at a new unique address, due at the
/// message's `send_at`.
#[must_use]
pub fn recipient_of(email: &Email, customer: Option<CustomerId>) -> Recipient {
    recipient_at(email, unique_email("recipient"), customer)
}

/// A queued recipient of `email` at `address`.
#[must_use]
pub fn recipient_at(
    email: &Email,
    address: EmailAddress,
    customer: Option<CustomerId>,
) -> Recipient {
    Recipient::queued(
        email.id,
        address,
        customer,
        email.from.domain(),
        email.send_at,
        email.created_at,
    )
}

/// A hit of `kind` on `recipient` at `at`, classified `class`.
#[must_use]
pub fn hit_event(
    recipient: &Recipient,
    kind: EventKind,
    at: Timestamp,
    class: HitClass,
) -> EmailEvent {
    EmailEvent {
        id: EmailEventId::new(),
        email_id: recipient.email_id,
        recipient_id: recipient.id,
        customer_id: recipient.customer_id,
        kind,
        at,
        link: (kind == EventKind::Clicked).then_some(0),
        url: (kind == EventKind::Clicked).then(|| "https://shop.example.com/offer".to_owned()),
        hit: Some(HitDetails {
            classification: if class == HitClass::Human {
                Classification::human()
            } else {
                Classification::from_findings([(crm_email::Reason::HeadRequest, class)])
            },
            seconds_since_delivery: Some(42),
            head: class != HitClass::Human,
            user_agent: Some("Mozilla/5.0".to_owned()),
        }),
        detail: None,
    }
}

/// An event without hit details (a reply, a bounce, an opt-out).
#[must_use]
pub fn plain_event(recipient: &Recipient, kind: EventKind, at: Timestamp) -> EmailEvent {
    EmailEvent {
        id: EmailEventId::new(),
        email_id: recipient.email_id,
        recipient_id: recipient.id,
        customer_id: recipient.customer_id,
        kind,
        at,
        link: None,
        url: None,
        hit: None,
        detail: Some("5.1.1 smtp; 550 No such user".to_owned()),
    }
}

/// An inbound message that matched nothing, with a unique `Message-ID`.
#[must_use]
pub fn unmatched_mail(at: Timestamp) -> InboundRecord {
    let id = InboundMessageId::new();
    InboundRecord {
        id,
        received_at: at,
        kind: InboundKind::Unmatched,
        email_id: None,
        recipient_id: None,
        customer_id: None,
        matched_by: None,
        response: None,
        bounce: None,
        mail: InboundMail {
            message_id: MessageId::parse(&format!("{}@mail.example.org", id.as_uuid().simple())),
            in_reply_to: Vec::new(),
            references: vec![MessageId::parse("older@mail.example.org").expect("id")],
            from: Some("someone@example.org".to_owned()),
            to: vec!["crm@example.com".to_owned(), "other@example.com".to_owned()],
            subject: Some("Hello".to_owned()),
            text: Some("Just saying hello.".to_owned()),
            date: Some(at),
            report: None,
            raw: "Subject: Hello\r\n\r\nJust saying hello.\r\n".to_owned(),
        },
    }
}

/// A reply from `recipient`, matched by `Message-ID`.
#[must_use]
pub fn reply_from(recipient: &Recipient, at: Timestamp, text: &str) -> InboundRecord {
    let mut record = unmatched_mail(at);
    record.kind = InboundKind::Reply;
    record.email_id = Some(recipient.email_id);
    record.recipient_id = Some(recipient.id);
    record.customer_id = recipient.customer_id;
    record.matched_by = Some(crm_email::MatchedBy::MessageId);
    record.response = Some(text.to_owned());
    record.mail.in_reply_to = vec![recipient.message_id.clone()];
    record
}

/// A suppression of `address`.
#[must_use]
pub fn suppression(address: EmailAddress, reason: SuppressionReason, at: Timestamp) -> Suppression {
    Suppression {
        address,
        reason,
        customer_id: None,
        recipient_id: None,
        detail: None,
        created_at: at,
    }
}

/// A template named `name` by `author`.
#[must_use]
pub fn email_template(name: &str, author: UserId) -> EmailTemplate {
    let at = now();
    EmailTemplate {
        id: EmailTemplateId::new(),
        name: TemplateName::parse(name).expect("name"),
        source: TemplateSource::new(
            Subject::parse("Hello {{ first_name }}").expect("subject"),
            TextBody::parse("Dear {{ first_name }},\n\nthanks.").expect("text"),
            None,
        )
        .expect("template"),
        created_by: author,
        created_at: at,
        updated_at: at,
        version: Version::FIRST,
    }
}
