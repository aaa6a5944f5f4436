//! How messages and their recipients are stored and read back.
//!
//! A message keeps `customer_ids`, the customers its recipients are linked
//! to (fixed when it is written), for the list's customer filter. A
//! recipient keeps copies of what lists and histories read with it:
//! its customer's company and owner (`customer_company_id`,
//! `customer_owner_id`, rewritten with the customer, see
//! `db/references.rs`), its message's subject and due time
//! (`email_subject`, `email_send_at`; messages never change), whether it is
//! the first recipient of its message linked to its customer
//! (`first_of_customer`: the one a customer's history shows), and
//! `history_at`, when it entered the customer's history: sent, else due.

use crm_email::{
    Content, DeliveryError, Email, HtmlBody, Lease, Mailbox, MessageId, Recipient, RecipientStatus,
    SmtpReply, Subject, TextBody, WorkerId,
};
use crm_kernel::{CustomerId, EmailAddress, EmailId, EmailTemplateId, RecipientId, UserId};
use mongodb::bson::{Bson, Document, doc};

use crate::bson::convert::{Fields, date, opt_date, opt_id, opt_text};
use crate::db::error::CorruptData;
use crate::db::names;

/// The document of a message, with the customers of `recipients`.
pub(crate) fn email_document(email: &Email, recipients: &[Recipient]) -> Document {
    let mut customers: Vec<String> = Vec::new();
    for customer in recipients.iter().filter_map(|r| r.customer_id) {
        let customer = customer.to_string();
        if !customers.contains(&customer) {
            customers.push(customer);
        }
    }
    doc! {
        "_id": email.id.to_string(),
        "from_name": opt_text(email.from.name()),
        "from_address": email.from.address(),
        "sender_id": email.sender_id.to_string(),
        "subject": email.content.subject.as_str(),
        "text_body": email.content.text.as_str(),
        "html_body": email.content.html.as_str(),
        "html_generated": email.content.html_generated,
        "template_id": opt_id(email.template_id),
        "send_at": date(email.send_at),
        "created_at": date(email.created_at),
        "customer_ids": customers,
    }
}

/// The message of a stored document.
pub(crate) fn read_email(document: &Document) -> Result<Email, CorruptData> {
    let fields = Fields::of(names::EMAILS, document);
    let mut from = fields.parse("from_address", Mailbox::parse)?;
    if let Some(name) = fields.opt_text("from_name")? {
        from = from
            .with_name(name)
            .map_err(|error| fields.corrupt("from_name", error))?;
    }
    Ok(Email {
        id: fields.parse("_id", EmailId::parse)?,
        from,
        sender_id: fields.parse("sender_id", UserId::parse)?,
        content: Content {
            subject: fields.parse("subject", Subject::parse)?,
            text: fields.parse("text_body", TextBody::parse)?,
            html: fields.parse("html_body", HtmlBody::parse)?,
            html_generated: fields.flag("html_generated")?,
        },
        template_id: fields.opt_parse("template_id", EmailTemplateId::parse)?,
        send_at: fields.time("send_at")?,
        created_at: fields.time("created_at")?,
    })
}

/// A reply's fields under `prefix` (`error`, `accepted`): code, enhanced
/// status and text, all null without a reply.
fn reply_fields(document: &mut Document, prefix: &str, reply: Option<&SmtpReply>) {
    document.insert(
        format!("{prefix}_code"),
        reply.map_or(Bson::Null, |r| Bson::Int32(i32::from(r.code))),
    );
    document.insert(
        format!("{prefix}_enhanced"),
        opt_text(reply.and_then(|r| r.enhanced.as_deref())),
    );
    document.insert(
        format!("{prefix}_text"),
        opt_text(reply.map(|r| r.text.as_str())),
    );
}

/// The fields an attempt's outcome (or a claim, a release, a bounce)
/// changes: status, attempts, due time, lease, error, reply and times, and
/// `history_at` once the recipient is sent.
pub(crate) fn outcome_fields(r: &Recipient) -> Document {
    let mut document = doc! {
        "status": r.status.as_str(),
        "attempts": i64::from(r.attempts),
        "next_attempt_at": date(r.next_attempt_at),
        "lease_worker": opt_id(r.lease.map(|l| l.worker)),
        "lease_until": opt_date(r.lease.map(|l| l.until)),
        "error_detail": opt_text(r.last_error.as_ref().map(|e| e.detail.as_str())),
    };
    reply_fields(
        &mut document,
        "error",
        r.last_error.as_ref().and_then(|e| e.reply.as_ref()),
    );
    reply_fields(&mut document, "accepted", r.accepted_reply.as_ref());
    document.insert("sent_at", opt_date(r.sent_at));
    document.insert("failed_at", opt_date(r.failed_at));
    document.insert("bounced_at", opt_date(r.bounced_at));
    document.insert("updated_at", date(r.updated_at));
    if let Some(sent) = r.sent_at {
        document.insert("history_at", date(sent));
    }
    document
}

/// What a recipient document copies from elsewhere: its customer's company
/// and owner, and whether it is its message's first recipient linked to
/// that customer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RecipientCopies {
    /// The customer's company (null without one, or without a customer).
    pub(crate) company: Bson,
    /// The customer's owner (null likewise).
    pub(crate) owner: Bson,
    /// The first recipient of the message linked to its customer.
    pub(crate) first_of_customer: bool,
}

/// The document of a new recipient at `position` of `email`.
pub(crate) fn recipient_document(
    email: &Email,
    r: &Recipient,
    position: usize,
    copies: RecipientCopies,
) -> Document {
    let own = r.content.as_ref();
    let mut document = doc! {
        "_id": r.id.to_string(),
        "email_id": r.email_id.to_string(),
        "position": i64::try_from(position).unwrap_or(i64::MAX),
        "address": r.address.as_str(),
        "address_key": r.address.key(),
        "customer_id": opt_id(r.customer_id),
        "customer_company_id": copies.company,
        "customer_owner_id": copies.owner,
        "first_of_customer": copies.first_of_customer,
        "message_id": r.message_id.as_str(),
        "subject": opt_text(own.map(|c| c.subject.as_str())),
        "text_body": opt_text(own.map(|c| c.text.as_str())),
        "html_body": opt_text(own.map(|c| c.html.as_str())),
        "html_generated": own.map_or(Bson::Null, |c| Bson::Boolean(c.html_generated)),
        "email_subject": email.content.subject.as_str(),
        "email_send_at": date(email.send_at),
        "history_at": date(r.sent_at.unwrap_or(email.send_at)),
    };
    document.extend(outcome_fields(r));
    document
}

fn read_reply(fields: &Fields<'_>, prefix: &str) -> Result<Option<SmtpReply>, CorruptData> {
    let (code, enhanced, text) = match prefix {
        "error" => ("error_code", "error_enhanced", "error_text"),
        _ => ("accepted_code", "accepted_enhanced", "accepted_text"),
    };
    let Some(stored) = fields.opt_int(code)? else {
        return Ok(None);
    };
    Ok(Some(SmtpReply {
        code: u16::try_from(stored)
            .map_err(|_| fields.corrupt(code, format!("`{stored}` is no reply code")))?,
        enhanced: fields.opt_text(enhanced)?.map(str::to_owned),
        text: fields.opt_text(text)?.unwrap_or_default().to_owned(),
    }))
}

/// The recipient of a stored document.
pub(crate) fn read_recipient(document: &Document) -> Result<Recipient, CorruptData> {
    let fields = Fields::of(names::EMAIL_RECIPIENTS, document);
    let content = match fields.opt_parse("subject", Subject::parse)? {
        None => None,
        Some(subject) => Some(Content {
            subject,
            text: fields.parse("text_body", TextBody::parse)?,
            html: fields.parse("html_body", HtmlBody::parse)?,
            html_generated: fields.flag("html_generated")?,
        }),
    };
    let lease = match (
        fields.opt_parse("lease_worker", uuid::Uuid::parse_str)?,
        fields.opt_time("lease_until")?,
    ) {
        (Some(worker), Some(until)) => Some(Lease {
            worker: WorkerId::from_uuid(worker),
            until,
        }),
        _ => None,
    };
    let last_error = fields
        .opt_text("error_detail")?
        .map(|detail| -> Result<DeliveryError, CorruptData> {
            Ok(DeliveryError {
                reply: read_reply(&fields, "error")?,
                detail: detail.to_owned(),
            })
        })
        .transpose()?;
    let attempts = fields.int("attempts")?;
    Ok(Recipient {
        id: fields.parse("_id", RecipientId::parse)?,
        email_id: fields.parse("email_id", EmailId::parse)?,
        address: fields.parse("address", EmailAddress::parse)?,
        customer_id: fields.opt_parse("customer_id", CustomerId::parse)?,
        message_id: fields.named("message_id", MessageId::parse)?,
        content,
        status: fields.named("status", RecipientStatus::parse)?,
        attempts: u32::try_from(attempts)
            .map_err(|_| fields.corrupt("attempts", format!("`{attempts}` attempts")))?,
        next_attempt_at: fields.time("next_attempt_at")?,
        lease,
        last_error,
        accepted_reply: read_reply(&fields, "accepted")?,
        sent_at: fields.opt_time("sent_at")?,
        failed_at: fields.opt_time("failed_at")?,
        bounced_at: fields.opt_time("bounced_at")?,
        updated_at: fields.time("updated_at")?,
    })
}

#[cfg(test)]
mod tests {
    use crm_kernel::Timestamp;

    use super::*;

    fn at(minute: i64) -> Timestamp {
        Timestamp::from_millis(1_767_225_600_000 + minute * 60_000).unwrap()
    }

    fn message() -> Email {
        Email {
            id: EmailId::new(),
            from: Mailbox::parse("Sam <crm@example.com>").unwrap(),
            sender_id: UserId::new(),
            content: Content::new(
                Subject::parse("Hello").unwrap(),
                TextBody::parse("Hi").unwrap(),
                None,
            )
            .unwrap(),
            template_id: Some(EmailTemplateId::new()),
            send_at: at(5),
            created_at: at(1),
        }
    }

    fn copies() -> RecipientCopies {
        RecipientCopies {
            company: Bson::Null,
            owner: Bson::String("owner".into()),
            first_of_customer: true,
        }
    }

    #[test]
    fn messages_round_trip_and_keep_their_customers_once() {
        let email = message();
        let customer = CustomerId::new();
        let to = |customer| {
            Recipient::queued(
                email.id,
                EmailAddress::parse("ann@example.org").unwrap(),
                customer,
                "example.com",
                at(5),
                at(1),
            )
        };
        let document = email_document(&email, &[to(Some(customer)), to(None), to(Some(customer))]);
        assert_eq!(
            document.get_array("customer_ids").unwrap(),
            &vec![Bson::String(customer.to_string())]
        );
        assert_eq!(document.get_str("from_name").unwrap(), "Sam");
        assert_eq!(read_email(&document).unwrap(), email);
    }

    #[test]
    fn recipients_round_trip_through_every_state() {
        let email = message();
        let queued = Recipient::queued(
            email.id,
            EmailAddress::parse("Ann@Example.org").unwrap(),
            Some(CustomerId::new()),
            "example.com",
            at(5),
            at(1),
        );
        let document = recipient_document(&email, &queued, 3, copies());
        assert_eq!(document.get_str("address_key").unwrap(), "ann@example.org");
        assert_eq!(document.get_i64("position").unwrap(), 3);
        assert_eq!(document.get_datetime("history_at").unwrap(), &date(at(5)));
        assert_eq!(document.get_str("email_subject").unwrap(), "Hello");
        assert_eq!(read_recipient(&document).unwrap(), queued);

        let worker = WorkerId::new();
        let claimed = queued.claimed(worker, at(6), at(8)).unwrap();
        let mut sent = claimed
            .accepted(Some(SmtpReply::new(250, "2.0.0 Ok")), at(7))
            .unwrap();
        sent.content = Some(
            Content::new(
                Subject::parse("Own").unwrap(),
                TextBody::parse("Own text").unwrap(),
                Some(HtmlBody::parse("<p>Own</p>").unwrap()),
            )
            .unwrap(),
        );
        let document = recipient_document(&email, &sent, 0, copies());
        assert_eq!(read_recipient(&document).unwrap(), sent);
        assert_eq!(
            document.get_datetime("history_at").unwrap(),
            &date(at(7)),
            "a sent recipient enters the history when sent"
        );
        let failed = claimed
            .failed(
                DeliveryError {
                    reply: Some(SmtpReply::new(550, "5.1.1 No such user")),
                    detail: "550 5.1.1 No such user".into(),
                },
                at(7),
            )
            .unwrap();
        let outcome = outcome_fields(&failed);
        assert_eq!(outcome.get_i32("error_code").unwrap(), 550);
        assert!(
            !outcome.contains_key("history_at"),
            "unsent: the due time stays"
        );
        let mut document = recipient_document(&email, &queued, 0, copies());
        document.extend(outcome);
        assert_eq!(read_recipient(&document).unwrap(), failed);
        assert_eq!(
            outcome_fields(&claimed).get_str("lease_worker").unwrap(),
            worker.to_string()
        );
    }
}
