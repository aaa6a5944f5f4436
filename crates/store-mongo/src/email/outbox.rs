//! The outbox: [`Outbox`] on `email_recipients`.
//!
//! A claim takes one recipient with one `findOneAndUpdate`: the filter
//! says "claimable now" (queued and due, or sending under a lease that ran
//! out), the update leases it to the worker. The server applies both to one
//! document atomically and re-checks the filter when a concurrent write got
//! there first, so two claims, from this instance or another one, never
//! take one recipient. A batch is up to `limit` such claims; a worker that
//! dies holding them leaves leases that run out, and the recipients are
//! claimed again. Outcomes and releases are conditional updates that match
//! only under the worker's lease.

use async_trait::async_trait;
use crm_email::ports::{Outbox, StoreError};
use crm_email::{Claimed, Recipient, RecipientStatus, WorkerId};
use crm_kernel::{RecipientId, Timestamp};
use mongodb::ClientSession;
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::ReturnDocument;

use crate::bson::convert::{Fields, date};
use crate::db::client::MongoStore;
use crate::db::error::{DbError, EmailDbError};
use crate::db::names;
use crate::db::ops::{FindSpec, aggregate_all, find_all};
use crate::email::docs::{outcome_fields, read_email, read_recipient};

/// The recipients a worker may claim at `now`.
pub(crate) fn claimable(now: Timestamp) -> Document {
    doc! { "$or": [
        { "status": RecipientStatus::Queued.as_str(), "next_attempt_at": { "$lte": date(now) } },
        { "status": RecipientStatus::Sending.as_str(), "lease_until": { "$lte": date(now) } },
    ] }
}

/// Oldest due first.
pub(crate) fn claim_order() -> Document {
    doc! { "next_attempt_at": 1, "_id": 1 }
}

/// The change a claim makes (as `Recipient::claimed` says).
pub(crate) fn claim_update(worker: WorkerId, now: Timestamp, until: Timestamp) -> Document {
    doc! {
        "$set": {
            "status": RecipientStatus::Sending.as_str(),
            "lease_worker": worker.to_string(),
            "lease_until": date(until),
            "updated_at": date(now),
        },
        "$inc": { "attempts": 1_i64 },
    }
}

/// The recipients `worker` holds (those of `only`, when given).
pub(crate) fn held_by(worker: WorkerId, only: Option<&[RecipientId]>) -> Document {
    let mut filter = doc! {
        "status": RecipientStatus::Sending.as_str(),
        "lease_worker": worker.to_string(),
    };
    if let Some(ids) = only {
        let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        filter.insert("_id", doc! { "$in": ids });
    }
    filter
}

/// The change a release makes (as `Recipient::released` says): queued, due
/// at `now`, the claim's attempt taken back, no lease.
pub(crate) fn release_update(now: Timestamp) -> Vec<Document> {
    vec![doc! { "$set": {
        "status": RecipientStatus::Queued.as_str(),
        "attempts": { "$max": [{ "$subtract": ["$attempts", 1_i64] }, 0_i64] },
        "next_attempt_at": date(now),
        "lease_worker": Bson::Null,
        "lease_until": Bson::Null,
        "updated_at": date(now),
    } }]
}

/// The earliest due time of a queued recipient and lease end of a sending
/// one, each read first through its index, as one document `{at}` (none
/// when the outbox is empty).
pub(crate) fn next_due_pipeline() -> Vec<Document> {
    let earliest = |status: RecipientStatus, field: &str| {
        vec![
            doc! { "$match": { "status": status.as_str() } },
            doc! { "$sort": { field: 1 } },
            doc! { "$limit": 1 },
            doc! { "$project": { "_id": 0, "at": format!("${field}") } },
        ]
    };
    let mut pipeline = earliest(RecipientStatus::Queued, "next_attempt_at");
    pipeline.push(doc! { "$unionWith": {
        "coll": names::EMAIL_RECIPIENTS,
        "pipeline": earliest(RecipientStatus::Sending, "lease_until"),
    } });
    pipeline.push(doc! { "$sort": { "at": 1 } });
    pipeline.push(doc! { "$limit": 1 });
    pipeline
}

#[async_trait]
impl Outbox for MongoStore {
    #[tracing::instrument(level = "debug", skip_all, fields(worker = %worker, limit))]
    async fn claim(
        &self,
        worker: WorkerId,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<Claimed>, StoreError> {
        let recipients = self.collection(names::EMAIL_RECIPIENTS);
        let mut claimed = Vec::new();
        for _ in 0..limit {
            let Some(document) = recipients
                .find_one_and_update(claimable(now), claim_update(worker, now, lease_until))
                .sort(claim_order())
                .return_document(ReturnDocument::After)
                .await
                .map_err(EmailDbError::from)?
            else {
                break;
            };
            claimed.push(read_recipient(&document).map_err(EmailDbError::from)?);
        }
        Ok(self.with_messages(claimed).await?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(recipient_id = %recipient.id, worker = %worker))]
    async fn complete(&self, recipient: &Recipient, worker: WorkerId) -> Result<(), StoreError> {
        let context = (self, recipient, worker);
        self.transaction(&context, |session, (store, recipient, worker)| {
            Box::pin(async move {
                let id = recipient.id.to_string();
                let mut filter = held_by(*worker, None);
                filter.insert("_id", &id);
                let changed = store
                    .collection(names::EMAIL_RECIPIENTS)
                    .update_one(filter, doc! { "$set": outcome_fields(recipient) })
                    .session(&mut *session)
                    .await?;
                if changed.matched_count == 0 {
                    return Err(DbError::refused(StoreError::LeaseLost));
                }
                // Sent: it counts in the reports from now on.
                store.recount_recipient(session, &id).await
            })
        })
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(worker = %worker))]
    async fn release<'a>(
        &self,
        worker: WorkerId,
        only: Option<&'a [RecipientId]>,
        now: Timestamp,
    ) -> Result<u64, StoreError> {
        if only.is_some_and(<[RecipientId]>::is_empty) {
            return Ok(0);
        }
        let released = self
            .collection(names::EMAIL_RECIPIENTS)
            .update_many(held_by(worker, only), release_update(now))
            .await
            .map_err(EmailDbError::from)?;
        Ok(released.matched_count)
    }

    /// Counted by the server on the status index.
    async fn depth(&self) -> Result<u64, StoreError> {
        let statuses =
            [RecipientStatus::Queued, RecipientStatus::Sending].map(RecipientStatus::as_str);
        Ok(self
            .collection(names::EMAIL_RECIPIENTS)
            .count_documents(doc! { "status": { "$in": statuses.to_vec() } })
            .await
            .map_err(EmailDbError::from)?)
    }

    async fn next_due(&self) -> Result<Option<Timestamp>, StoreError> {
        let found = aggregate_all(
            &self.collection(names::EMAIL_RECIPIENTS),
            next_due_pipeline(),
            None,
        )
        .await
        .map_err(EmailDbError::from)?;
        Ok(found
            .first()
            .map(|document| Fields::of(names::EMAIL_RECIPIENTS, document).opt_time("at"))
            .transpose()
            .map_err(EmailDbError::from)?
            .flatten())
    }
}

impl MongoStore {
    /// Each claimed recipient with its message (one query for all), oldest
    /// due first.
    async fn with_messages(
        &self,
        recipients: Vec<Recipient>,
    ) -> Result<Vec<Claimed>, EmailDbError> {
        if recipients.is_empty() {
            return Ok(Vec::new());
        }
        let mut ids: Vec<String> = recipients.iter().map(|r| r.email_id.to_string()).collect();
        ids.sort_unstable();
        ids.dedup();
        let spec = FindSpec::all(doc! { "_id": { "$in": ids } }, doc! {});
        let emails = find_all(&self.collection(names::EMAILS), spec, None)
            .await?
            .iter()
            .map(read_email)
            .collect::<Result<Vec<_>, _>>()?;
        let mut claimed = recipients
            .into_iter()
            .map(|recipient| {
                let email = emails
                    .iter()
                    .find(|e| e.id == recipient.email_id)
                    .cloned()
                    .ok_or_else(|| {
                        DbError::backend(format!("recipient {} has no message", recipient.id))
                    })?;
                Ok(Claimed { email, recipient })
            })
            .collect::<Result<Vec<_>, EmailDbError>>()?;
        claimed.sort_by_key(|c| (c.recipient.next_attempt_at, c.recipient.id));
        Ok(claimed)
    }

    /// Moves a recipient from `expected` to `next`'s state (a bounce), in
    /// the session's transaction; [`StoreError::VersionConflict`] when its
    /// stored status is not `expected`.
    pub(crate) async fn change_recipient_status(
        &self,
        session: &mut ClientSession,
        next: &Recipient,
        expected: RecipientStatus,
    ) -> Result<(), EmailDbError> {
        let changed = self
            .collection(names::EMAIL_RECIPIENTS)
            .update_one(
                doc! { "_id": next.id.to_string(), "status": expected.as_str() },
                doc! { "$set": outcome_fields(next) },
            )
            .session(session)
            .await?;
        if changed.matched_count == 0 {
            return Err(DbError::refused(StoreError::VersionConflict));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(millis: i64) -> Timestamp {
        Timestamp::from_millis(millis).unwrap()
    }

    #[test]
    fn a_claim_is_one_atomic_conditional_lease() {
        let worker = WorkerId::new();
        assert_eq!(
            claimable(at(10)),
            doc! { "$or": [
                { "status": "queued", "next_attempt_at": { "$lte": date(at(10)) } },
                { "status": "sending", "lease_until": { "$lte": date(at(10)) } },
            ] }
        );
        assert_eq!(claim_order(), doc! { "next_attempt_at": 1, "_id": 1 });
        assert_eq!(
            claim_update(worker, at(10), at(70)),
            doc! {
                "$set": {
                    "status": "sending",
                    "lease_worker": worker.to_string(),
                    "lease_until": date(at(70)),
                    "updated_at": date(at(10)),
                },
                "$inc": { "attempts": 1_i64 },
            }
        );
    }

    #[test]
    fn only_the_lease_holder_releases_and_the_attempt_is_taken_back() {
        let worker = WorkerId::new();
        let id = RecipientId::new();
        assert_eq!(
            held_by(worker, Some(&[id])),
            doc! {
                "status": "sending",
                "lease_worker": worker.to_string(),
                "_id": { "$in": [id.to_string()] },
            }
        );
        let update = release_update(at(5));
        assert_eq!(
            update[0].get_document("$set").unwrap().get("attempts"),
            Some(&Bson::Document(
                doc! { "$max": [{ "$subtract": ["$attempts", 1_i64] }, 0_i64] }
            ))
        );
    }

    #[test]
    fn the_next_due_time_is_read_from_both_indexes() {
        let pipeline = next_due_pipeline();
        assert_eq!(pipeline[0], doc! { "$match": { "status": "queued" } });
        assert_eq!(pipeline[1], doc! { "$sort": { "next_attempt_at": 1 } });
        let union = pipeline[4].get_document("$unionWith").unwrap();
        assert_eq!(union.get_str("coll").unwrap(), "email_recipients");
        assert_eq!(
            union.get_array("pipeline").unwrap()[1],
            Bson::Document(doc! { "$sort": { "lease_until": 1 } })
        );
        assert_eq!(pipeline.last(), Some(&doc! { "$limit": 1 }));
    }
}
