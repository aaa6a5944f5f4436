//! The email entries of a customer's history, as branches of the history
//! aggregation (`interactions::history_pipeline`): every message to the
//! customer, every reply from it, and every opt-out and hard bounce of its
//! addresses. Staff only: a customer's own history has none.
//!
//! | entry | collection | `at` | id (position `email:id`) | description | status |
//! | --- | --- | --- | --- | --- | --- |
//! | message | `email_recipients` (`first_of_customer`) | `history_at`: sent, else due | the message's | its subject | the recipient's status |
//! | reply | `inbound_messages` (`reply`) | received | its own | the reply without quotes | `replied` |
//! | opt-out, bounce | `email_events` | the event's | its own | `Opted out of email` / `Bounced: <detail>` | `unsubscribed` / `bounced` |
//!
//! A message with two recipients linked to the customer is one entry (its
//! first such recipient's). The server only projects the fields; the
//! description and status are written here, as the SQLite store writes them.

use crm_email::{EventKind, InboundKind, RecipientStatus};
use crm_interactions::HistorySource;
use mongodb::bson::{Document, doc};

use crate::bson::convert::Fields;
use crate::db::error::CorruptData;
use crate::db::names;
use crate::interactions::history_pipeline::{Branch, Shape};

/// Messages to the customer.
pub(crate) const MESSAGES: Branch = Branch {
    source: HistorySource::Email,
    shape: Shape::Email("message"),
    collection: names::EMAIL_RECIPIENTS,
    at: "history_at",
    id: "email_id",
};
/// Replies from the customer.
const REPLIES: Branch = Branch {
    source: HistorySource::Email,
    shape: Shape::Email("reply"),
    collection: names::INBOUND_MESSAGES,
    at: "received_at",
    id: "_id",
};
/// Opt-outs and hard bounces.
const EVENTS: Branch = Branch {
    source: HistorySource::Email,
    shape: Shape::Email("event"),
    collection: names::EMAIL_EVENTS,
    at: "at",
    id: "_id",
};

/// The three branches and the conditions that select `customer`'s entries.
pub(crate) fn branches(customer: &str) -> Vec<(Branch, Vec<Document>)> {
    vec![
        (
            MESSAGES,
            vec![
                doc! { "customer_id": customer },
                doc! { "first_of_customer": true },
            ],
        ),
        (
            REPLIES,
            vec![
                doc! { "customer_id": customer },
                doc! { "kind": InboundKind::Reply.as_str() },
            ],
        ),
        (
            EVENTS,
            vec![
                doc! { "customer_id": customer },
                doc! { "kind": { "$in": [
                    EventKind::Unsubscribed.as_str(),
                    EventKind::Bounced.as_str(),
                ] } },
            ],
        ),
    ]
}

/// The fields every email entry projects (those a branch lacks are absent).
pub(crate) fn fields() -> Document {
    doc! {
        "subject": "$subject",
        "email_subject": "$email_subject",
        "status": "$status",
        "response": "$response",
        "kind": "$kind",
        "detail": "$detail",
    }
}

/// The description and status of a projected email entry.
pub(crate) fn describe(document: &Document) -> Result<(String, String), CorruptData> {
    let fields = Fields::of("history", document);
    match fields.text("email_entry")? {
        "message" => {
            let subject = match fields.opt_text("subject")? {
                Some(own) => own,
                None => fields.text("email_subject")?,
            };
            let status = fields.named("status", RecipientStatus::parse)?;
            Ok((subject.to_owned(), status.as_str().to_owned()))
        }
        "reply" => {
            let response = fields.opt_text("response")?.filter(|r| !r.is_empty());
            let description = response.or(fields.opt_text("subject")?).unwrap_or("Reply");
            Ok((description.to_owned(), "replied".to_owned()))
        }
        "event" => match fields.named("kind", EventKind::parse)? {
            EventKind::Unsubscribed => Ok((
                "Opted out of email".to_owned(),
                EventKind::Unsubscribed.as_str().to_owned(),
            )),
            EventKind::Bounced => Ok((
                format!(
                    "Bounced: {}",
                    fields.opt_text("detail")?.unwrap_or("undeliverable")
                ),
                EventKind::Bounced.as_str().to_owned(),
            )),
            other => Err(fields.corrupt("kind", format!("`{other}` is no history entry"))),
        },
        other => Err(fields.corrupt("email_entry", format!("unknown entry `{other}`"))),
    }
}

#[cfg(test)]
mod tests {
    use mongodb::bson::Bson;

    use super::*;

    #[test]
    fn messages_replies_and_events_are_described_as_in_sqlite() {
        let message = doc! {
            "email_entry": "message", "subject": Bson::Null,
            "email_subject": "Your offer", "status": "sent",
        };
        assert_eq!(
            describe(&message).unwrap(),
            ("Your offer".into(), "sent".into())
        );
        let own = doc! {
            "email_entry": "message", "subject": "Just for you",
            "email_subject": "Your offer", "status": "queued",
        };
        assert_eq!(describe(&own).unwrap().0, "Just for you");
        let reply = |response: Bson, subject: Bson| {
            describe(&doc! { "email_entry": "reply", "response": response, "subject": subject })
                .unwrap()
        };
        assert_eq!(
            reply("Sounds good".into(), "Re: offer".into()),
            ("Sounds good".into(), "replied".into())
        );
        assert_eq!(reply("".into(), "Re: offer".into()).0, "Re: offer");
        assert_eq!(reply(Bson::Null, Bson::Null).0, "Reply");
        let event = |kind: &str, detail: Bson| {
            describe(&doc! { "email_entry": "event", "kind": kind, "detail": detail })
        };
        assert_eq!(
            event("unsubscribed", Bson::Null).unwrap(),
            ("Opted out of email".into(), "unsubscribed".into())
        );
        assert_eq!(
            event("bounced", "5.1.1".into()).unwrap(),
            ("Bounced: 5.1.1".into(), "bounced".into())
        );
        assert_eq!(
            event("bounced", Bson::Null).unwrap().0,
            "Bounced: undeliverable"
        );
        assert!(event("opened", Bson::Null).is_err());
    }
}
