//! Events: [`EventLog`] on `email_events`. A hit carries its `minute`
//! (milliseconds since the epoch divided by 60 000), and a unique index on
//! (recipient, kind, link, minute) over the documents that have one keeps
//! one hit per recipient, kind, link and minute; other events have no
//! `minute` and are never deduplicated.

use async_trait::async_trait;
use crm_email::ports::{EventLog, StoreError};
use crm_email::{Classification, EmailEvent, EventKind, HitClass, HitDetails, Reason};
use crm_kernel::{CustomerId, EmailEventId, EmailId, RecipientId, Timestamp};
use mongodb::ClientSession;
use mongodb::bson::{Bson, Document, doc};

use crate::bson::convert::{Fields, date, opt_id, opt_text};
use crate::db::client::MongoStore;
use crate::db::error::{CorruptData, EmailDbError, retry_on_duplicate};
use crate::db::names;
use crate::db::ops::{FindSpec, find_all};

/// The minute of a hit at `at`.
fn minute(at: Timestamp) -> i64 {
    at.as_millis().div_euclid(60_000)
}

/// The reasons of a classification, by name.
fn reasons(classification: &Classification) -> Vec<&'static str> {
    classification.reasons.iter().map(|r| r.as_str()).collect()
}

/// The document of an event; a hit's with its classification and minute.
pub(crate) fn event_document(event: &EmailEvent) -> Document {
    let mut document = doc! {
        "_id": event.id.to_string(),
        "email_id": event.email_id.to_string(),
        "recipient_id": event.recipient_id.to_string(),
        "customer_id": opt_id(event.customer_id),
        "kind": event.kind.as_str(),
        "at": date(event.at),
        "link": event.link.map_or(Bson::Null, |l| Bson::Int32(i32::from(l))),
        "url": opt_text(event.url.as_deref()),
        "detail": opt_text(event.detail.as_deref()),
    };
    if let Some(hit) = &event.hit {
        document.insert("class", hit.classification.class.as_str());
        document.insert("reasons", reasons(&hit.classification));
        document.insert(
            "seconds_since_delivery",
            hit.seconds_since_delivery.map_or(Bson::Null, |s| {
                Bson::Int64(i64::try_from(s).unwrap_or(i64::MAX))
            }),
        );
        document.insert("head", hit.head);
        document.insert("user_agent", opt_text(hit.user_agent.as_deref()));
        document.insert("minute", minute(event.at));
    }
    document
}

/// The filter of the hit that would make `event` a duplicate.
pub(crate) fn same_hit(event: &EmailEvent) -> Document {
    doc! {
        "recipient_id": event.recipient_id.to_string(),
        "kind": event.kind.as_str(),
        "link": event.link.map_or(Bson::Null, |l| Bson::Int32(i32::from(l))),
        "minute": minute(event.at),
    }
}

/// The event of a stored document.
pub(crate) fn read_event(document: &Document) -> Result<EmailEvent, CorruptData> {
    let fields = Fields::of(names::EMAIL_EVENTS, document);
    let hit = match fields.opt_named("class", HitClass::parse)? {
        None => None,
        Some(class) => Some(HitDetails {
            classification: Classification {
                class,
                reasons: fields
                    .texts("reasons")?
                    .into_iter()
                    .map(|r| {
                        Reason::parse(r)
                            .ok_or_else(|| fields.corrupt("reasons", format!("unknown `{r}`")))
                    })
                    .collect::<Result<_, _>>()?,
            },
            seconds_since_delivery: fields
                .opt_int("seconds_since_delivery")?
                .and_then(|s| u64::try_from(s).ok()),
            head: fields.flag("head")?,
            user_agent: fields.opt_text("user_agent")?.map(str::to_owned),
        }),
    };
    Ok(EmailEvent {
        id: fields.parse("_id", EmailEventId::parse)?,
        email_id: fields.parse("email_id", EmailId::parse)?,
        recipient_id: fields.parse("recipient_id", RecipientId::parse)?,
        customer_id: fields.opt_parse("customer_id", CustomerId::parse)?,
        kind: fields.named("kind", EventKind::parse)?,
        at: fields.time("at")?,
        link: fields
            .opt_int("link")?
            .map(|l| u16::try_from(l).map_err(|e| fields.corrupt("link", e)))
            .transpose()?,
        url: fields.opt_text("url")?.map(str::to_owned),
        hit,
        detail: fields.opt_text("detail")?.map(str::to_owned),
    })
}

impl MongoStore {
    /// Appends `event` in the session's transaction; for a hit, `false`
    /// (nothing written) when the recipient has one of that kind and link
    /// in that minute already.
    pub(crate) async fn append_email_event(
        &self,
        session: &mut ClientSession,
        event: &EmailEvent,
    ) -> Result<bool, EmailDbError> {
        let events = self.collection(names::EMAIL_EVENTS);
        if event.hit.is_some()
            && events
                .find_one(same_hit(event))
                .projection(doc! { "_id": 1 })
                .session(&mut *session)
                .await?
                .is_some()
        {
            return Ok(false);
        }
        events
            .insert_one(event_document(event))
            .session(session)
            .await
            .map_err(retry_on_duplicate)?;
        Ok(true)
    }

    /// The events matching `filter`, oldest first.
    async fn events_where(&self, filter: Document) -> Result<Vec<EmailEvent>, EmailDbError> {
        let spec = FindSpec::all(filter, doc! { "at": 1, "_id": 1 });
        let documents = find_all(&self.collection(names::EMAIL_EVENTS), spec, None).await?;
        Ok(documents.iter().map(read_event).collect::<Result<_, _>>()?)
    }
}

#[async_trait]
impl EventLog for MongoStore {
    /// One transaction: the hit, the reclassifications and the recipient's
    /// report facts recounted, or nothing.
    #[tracing::instrument(level = "debug", skip_all, fields(recipient_id = %event.recipient_id, kind = %event.kind))]
    async fn record_hit(
        &self,
        event: &EmailEvent,
        reclassify: &[(EmailEventId, Classification)],
    ) -> Result<bool, StoreError> {
        let context = (self, event, reclassify);
        let recorded = self
            .transaction(&context, |session, (store, event, reclassify)| {
                Box::pin(async move {
                    if !store.append_email_event(session, event).await? {
                        return Ok(false);
                    }
                    for (id, classification) in *reclassify {
                        store
                            .collection(names::EMAIL_EVENTS)
                            .update_one(
                                doc! { "_id": id.to_string(), "class": { "$ne": Bson::Null } },
                                doc! { "$set": {
                                    "class": classification.class.as_str(),
                                    "reasons": reasons(classification),
                                } },
                            )
                            .session(&mut *session)
                            .await?;
                    }
                    store
                        .recount_recipient(session, &event.recipient_id.to_string())
                        .await?;
                    Ok::<_, EmailDbError>(true)
                })
            })
            .await?;
        Ok(recorded)
    }

    async fn recent_hits(
        &self,
        recipient: RecipientId,
        since: Timestamp,
    ) -> Result<Vec<EmailEvent>, StoreError> {
        Ok(self
            .events_where(doc! {
                "recipient_id": recipient.to_string(),
                "minute": { "$exists": true },
                "at": { "$gte": date(since) },
            })
            .await?)
    }

    async fn events(&self, email: EmailId) -> Result<Vec<EmailEvent>, StoreError> {
        Ok(self
            .events_where(doc! { "email_id": email.to_string() })
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(hit: Option<HitDetails>) -> EmailEvent {
        EmailEvent {
            id: EmailEventId::new(),
            email_id: EmailId::new(),
            recipient_id: RecipientId::new(),
            customer_id: None,
            kind: EventKind::Clicked,
            at: Timestamp::from_millis(3 * 60_000 + 59_999).unwrap(),
            link: Some(2),
            url: Some("https://example.com/".into()),
            hit,
            detail: None,
        }
    }

    #[test]
    fn hits_carry_their_minute_and_read_back() {
        let hit = event(Some(HitDetails {
            classification: Classification::from_findings([
                (Reason::HeadRequest, HitClass::Scanner),
                (Reason::NoUserAgent, HitClass::Scanner),
            ]),
            seconds_since_delivery: Some(4),
            head: true,
            user_agent: None,
        }));
        let document = event_document(&hit);
        assert_eq!(document.get_i64("minute").unwrap(), 3);
        assert_eq!(read_event(&document).unwrap(), hit);
        assert_eq!(
            same_hit(&hit),
            doc! {
                "recipient_id": hit.recipient_id.to_string(),
                "kind": "clicked",
                "link": 2,
                "minute": 3_i64,
            }
        );
    }

    #[test]
    fn other_events_have_no_minute() {
        let plain = event(None);
        let document = event_document(&plain);
        assert!(!document.contains_key("minute") && !document.contains_key("class"));
        assert_eq!(read_event(&document).unwrap(), plain);
    }
}
