//! Inbound mail: [`InboundStore`] on `inbound_messages`, with its effects
//! (event, bounce, suppression) in the same transaction. A gateway's retry
//! of one message (same `Message-ID`, unique among the messages that have
//! one) is stored once.

use async_trait::async_trait;
use crm_email::ports::{InboundStore, StoreError};
use crm_email::{
    DeliveryReport, EmailEvent, InboundKind, InboundMail, InboundRecord, MatchedBy, MessageId,
    Recipient, RecipientStatus, ReportedRecipient, Suppression,
};
use crm_kernel::{
    CustomerId, EmailId, InboundMessageId, Page, PageRequest, RecipientId, SortDirection,
};
use mongodb::ClientSession;
use mongodb::bson::{Bson, Document, doc};

use crate::bson::convert::{Fields, date, opt_date, opt_id, opt_text};
use crate::bson::keyset::{KeyKind, Order, all_of, page_of};
use crate::db::client::MongoStore;
use crate::db::error::{CorruptData, EmailDbError, retry_on_duplicate};
use crate::db::names;
use crate::db::ops::{FindSpec, find_all, limit};

/// Newest first, ties by id.
pub(crate) const ORDER: Order = Order {
    field: "received_at",
    key: KeyKind::Date,
    direction: SortDirection::Desc,
    ties: SortDirection::Desc,
};

fn block(b: &ReportedRecipient) -> Document {
    doc! {
        "final_recipient": opt_text(b.final_recipient.as_deref()),
        "action": opt_text(b.action.as_deref()),
        "status": opt_text(b.status.as_deref()),
        "diagnostic": opt_text(b.diagnostic.as_deref()),
    }
}

fn read_block(document: &Document) -> Result<ReportedRecipient, CorruptData> {
    let fields = Fields::of(names::INBOUND_MESSAGES, document);
    let text = |field| -> Result<Option<String>, CorruptData> {
        Ok(fields.opt_text(field)?.map(str::to_owned))
    };
    Ok(ReportedRecipient {
        final_recipient: text("final_recipient")?,
        action: text("action")?,
        status: text("status")?,
        diagnostic: text("diagnostic")?,
    })
}

fn ids(ids: &[MessageId]) -> Vec<&str> {
    ids.iter().map(MessageId::as_str).collect()
}

/// The document of an inbound message.
pub(crate) fn inbound_document(record: &InboundRecord) -> Document {
    let mail = &record.mail;
    doc! {
        "_id": record.id.to_string(),
        "received_at": date(record.received_at),
        "kind": record.kind.as_str(),
        "email_id": opt_id(record.email_id),
        "recipient_id": opt_id(record.recipient_id),
        "customer_id": opt_id(record.customer_id),
        "matched_by": opt_text(record.matched_by.map(MatchedBy::as_str)),
        "response": opt_text(record.response.as_deref()),
        "bounce": record.bounce.as_ref().map_or(Bson::Null, |b| Bson::Document(block(b))),
        "message_id": opt_text(mail.message_id.as_ref().map(MessageId::as_str)),
        "in_reply_to": ids(&mail.in_reply_to),
        "reference_ids": ids(&mail.references),
        "to_addresses": &mail.to,
        "from_address": opt_text(mail.from.as_deref()),
        "subject": opt_text(mail.subject.as_deref()),
        "text_body": opt_text(mail.text.as_deref()),
        "sent_date": opt_date(mail.date),
        "report": mail.report.as_ref().map_or(Bson::Null, |r| Bson::Document(doc! {
            "original_message_id": opt_text(r.original_message_id.as_ref().map(MessageId::as_str)),
            "recipients": r.recipients.iter().map(block).collect::<Vec<_>>(),
        })),
        "raw": &mail.raw,
    }
}

fn read_ids(fields: &Fields<'_>, field: &'static str) -> Result<Vec<MessageId>, CorruptData> {
    fields
        .texts(field)?
        .into_iter()
        .map(|id| {
            MessageId::parse(id).ok_or_else(|| fields.corrupt(field, format!("`{id}` is no id")))
        })
        .collect()
}

fn read_report(document: &Document) -> Result<DeliveryReport, CorruptData> {
    let fields = Fields::of(names::INBOUND_MESSAGES, document);
    Ok(DeliveryReport {
        original_message_id: fields.opt_named("original_message_id", MessageId::parse)?,
        recipients: fields
            .documents("recipients")?
            .into_iter()
            .map(read_block)
            .collect::<Result<_, _>>()?,
    })
}

/// The inbound message of a stored document.
pub(crate) fn read_inbound(document: &Document) -> Result<InboundRecord, CorruptData> {
    let fields = Fields::of(names::INBOUND_MESSAGES, document);
    let sub_document = |field: &'static str| match document.get(field) {
        None | Some(Bson::Null) => Ok(None),
        Some(Bson::Document(inner)) => Ok(Some(inner)),
        Some(other) => Err(fields.corrupt(field, format!("is not a document: {other}"))),
    };
    let text = |field| -> Result<Option<String>, CorruptData> {
        Ok(fields.opt_text(field)?.map(str::to_owned))
    };
    let mail = InboundMail {
        message_id: fields.opt_named("message_id", MessageId::parse)?,
        in_reply_to: read_ids(&fields, "in_reply_to")?,
        references: read_ids(&fields, "reference_ids")?,
        from: text("from_address")?,
        to: fields
            .texts("to_addresses")?
            .into_iter()
            .map(str::to_owned)
            .collect(),
        subject: text("subject")?,
        text: text("text_body")?,
        date: fields.opt_time("sent_date")?,
        report: sub_document("report")?.map(read_report).transpose()?,
        raw: fields.text("raw")?.to_owned(),
    };
    Ok(InboundRecord {
        id: fields.parse("_id", InboundMessageId::parse)?,
        received_at: fields.time("received_at")?,
        kind: fields.named("kind", InboundKind::parse)?,
        email_id: fields.opt_parse("email_id", EmailId::parse)?,
        recipient_id: fields.opt_parse("recipient_id", RecipientId::parse)?,
        customer_id: fields.opt_parse("customer_id", CustomerId::parse)?,
        matched_by: fields.opt_named("matched_by", MatchedBy::parse)?,
        response: text("response")?,
        bounce: sub_document("bounce")?.map(read_block).transpose()?,
        mail,
    })
}

impl MongoStore {
    /// Inserts `record` in the session's transaction; `false` when one
    /// with its `Message-ID` exists.
    async fn insert_inbound(
        &self,
        session: &mut ClientSession,
        record: &InboundRecord,
    ) -> Result<bool, EmailDbError> {
        let inbound = self.collection(names::INBOUND_MESSAGES);
        if let Some(id) = &record.mail.message_id
            && inbound
                .find_one(doc! { "message_id": id.as_str() })
                .projection(doc! { "_id": 1 })
                .session(&mut *session)
                .await?
                .is_some()
        {
            return Ok(false);
        }
        inbound
            .insert_one(inbound_document(record))
            .session(session)
            .await
            .map_err(retry_on_duplicate)?;
        Ok(true)
    }
}

#[async_trait]
impl InboundStore for MongoStore {
    #[tracing::instrument(level = "debug", skip_all, fields(inbound_id = %record.id, kind = %record.kind))]
    async fn store<'a>(
        &self,
        record: &InboundRecord,
        event: Option<&'a EmailEvent>,
        recipient: Option<(&'a Recipient, RecipientStatus)>,
        suppression: Option<&'a Suppression>,
    ) -> Result<bool, StoreError> {
        let context = (self, record, event, recipient, suppression);
        let stored = self
            .transaction(
                &context,
                |session, (store, record, event, recipient, suppression)| {
                    Box::pin(async move {
                        if !store.insert_inbound(session, record).await? {
                            return Ok(false);
                        }
                        if let Some((next, expected)) = recipient {
                            store
                                .change_recipient_status(session, next, *expected)
                                .await?;
                            store
                                .recount_recipient(session, &next.id.to_string())
                                .await?;
                        }
                        if let Some(event) = event {
                            store.append_email_event(session, event).await?;
                            store
                                .recount_recipient(session, &event.recipient_id.to_string())
                                .await?;
                        }
                        if let Some(entry) = suppression {
                            store.add_suppression(session, entry).await?;
                        }
                        Ok::<_, EmailDbError>(true)
                    })
                },
            )
            .await?;
        Ok(stored)
    }

    async fn of_email(&self, email: EmailId) -> Result<Vec<InboundRecord>, StoreError> {
        let spec = FindSpec::all(
            doc! { "email_id": email.to_string() },
            doc! { "received_at": 1, "_id": 1 },
        );
        let documents = find_all(&self.collection(names::INBOUND_MESSAGES), spec, None)
            .await
            .map_err(EmailDbError::from)?;
        Ok(documents
            .iter()
            .map(read_inbound)
            .collect::<Result<_, _>>()
            .map_err(EmailDbError::from)?)
    }

    async fn unmatched(&self, page: &PageRequest) -> Result<Page<InboundRecord>, StoreError> {
        let mut conditions = vec![doc! { "kind": InboundKind::Unmatched.as_str() }];
        conditions.extend(ORDER.after_position(page.after.as_ref())?);
        let spec = FindSpec {
            filter: all_of(conditions),
            sort: ORDER.sort(),
            limit: Some(limit(page.limit.get()) + 1),
            projection: None,
        };
        let documents = find_all(&self.collection(names::INBOUND_MESSAGES), spec, None)
            .await
            .map_err(EmailDbError::from)?;
        Ok(page_of(
            names::INBOUND_MESSAGES,
            &documents,
            page.limit,
            &ORDER,
            read_inbound,
        )
        .map_err(EmailDbError::from)?)
    }
}

#[cfg(test)]
mod tests {
    use crm_kernel::Timestamp;

    use super::*;

    #[test]
    fn inbound_messages_round_trip_with_their_reports() {
        let at = Timestamp::from_millis(60_000).unwrap();
        let bounce = ReportedRecipient {
            final_recipient: Some("rfc822; ann@example.org".into()),
            action: Some("failed".into()),
            status: Some("5.1.1".into()),
            diagnostic: None,
        };
        let record = InboundRecord {
            id: InboundMessageId::new(),
            received_at: at,
            kind: InboundKind::HardBounce,
            email_id: Some(EmailId::new()),
            recipient_id: Some(RecipientId::new()),
            customer_id: None,
            matched_by: Some(MatchedBy::BounceToken),
            response: None,
            bounce: Some(bounce.clone()),
            mail: InboundMail {
                message_id: MessageId::parse("report-1@mx.example.org"),
                in_reply_to: MessageId::parse("a@b").into_iter().collect(),
                references: Vec::new(),
                from: Some("MAILER-DAEMON@mx.example.org".into()),
                to: vec!["bounce+tok@crm.example.com".into()],
                subject: Some("Undelivered".into()),
                text: None,
                date: Some(at),
                report: Some(DeliveryReport {
                    original_message_id: MessageId::parse("a@b"),
                    recipients: vec![bounce],
                }),
                raw: String::new(),
            },
        };
        let document = inbound_document(&record);
        assert_eq!(
            document.get_str("message_id").unwrap(),
            "report-1@mx.example.org"
        );
        assert_eq!(read_inbound(&document).unwrap(), record);
    }
}
