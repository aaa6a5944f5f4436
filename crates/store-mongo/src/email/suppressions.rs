//! The suppression list: [`SuppressionList`] on `email_suppressions`, one
//! document per address key (lower case, the `_id`); the first entry stays.

use async_trait::async_trait;
use crm_email::ports::{StoreError, SuppressionList};
use crm_email::{EmailEvent, Suppression, SuppressionReason};
use crm_kernel::{CustomerId, EmailAddress, Page, PageRequest, RecipientId, SortDirection};
use mongodb::ClientSession;
use mongodb::bson::{Document, doc};

use crate::bson::convert::{Fields, date, opt_id, opt_text};
use crate::bson::keyset::{KeyKind, Order, all_of, page_of};
use crate::db::client::MongoStore;
use crate::db::error::{CorruptData, EmailDbError, retry_on_duplicate};
use crate::db::names;
use crate::db::ops::{FindSpec, find_all, limit};

/// Newest first, ties by address key.
pub(crate) const ORDER: Order = Order {
    field: "created_at",
    key: KeyKind::Date,
    direction: SortDirection::Desc,
    ties: SortDirection::Desc,
};

/// The document of an entry.
pub(crate) fn suppression_document(entry: &Suppression) -> Document {
    doc! {
        "_id": entry.address.key(),
        "address": entry.address.as_str(),
        "reason": entry.reason.as_str(),
        "customer_id": opt_id(entry.customer_id),
        "recipient_id": opt_id(entry.recipient_id),
        "detail": opt_text(entry.detail.as_deref()),
        "created_at": date(entry.created_at),
    }
}

fn read_suppression(document: &Document) -> Result<Suppression, CorruptData> {
    let fields = Fields::of(names::EMAIL_SUPPRESSIONS, document);
    Ok(Suppression {
        address: fields.parse("address", EmailAddress::parse)?,
        reason: fields.named("reason", SuppressionReason::parse)?,
        customer_id: fields.opt_parse("customer_id", CustomerId::parse)?,
        recipient_id: fields.opt_parse("recipient_id", RecipientId::parse)?,
        detail: fields.opt_text("detail")?.map(str::to_owned),
        created_at: fields.time("created_at")?,
    })
}

impl MongoStore {
    /// Adds an entry in the session's transaction; `false` when the address
    /// is on the list already (its first entry stays).
    pub(crate) async fn add_suppression(
        &self,
        session: &mut ClientSession,
        entry: &Suppression,
    ) -> Result<bool, EmailDbError> {
        let suppressions = self.collection(names::EMAIL_SUPPRESSIONS);
        if suppressions
            .find_one(doc! { "_id": entry.address.key() })
            .projection(doc! { "_id": 1 })
            .session(&mut *session)
            .await?
            .is_some()
        {
            return Ok(false);
        }
        suppressions
            .insert_one(suppression_document(entry))
            .session(session)
            .await
            .map_err(retry_on_duplicate)?;
        Ok(true)
    }
}

#[async_trait]
impl SuppressionList for MongoStore {
    /// One transaction: the entry and, only if it is new, the event.
    #[tracing::instrument(level = "debug", skip_all, fields(reason = %entry.reason))]
    async fn add<'a>(
        &self,
        entry: &Suppression,
        event: Option<&'a EmailEvent>,
    ) -> Result<bool, StoreError> {
        let context = (self, entry, event);
        let added = self
            .transaction(&context, |session, (store, entry, event)| {
                Box::pin(async move {
                    if !store.add_suppression(session, entry).await? {
                        return Ok(false);
                    }
                    if let Some(event) = event {
                        store.append_email_event(session, event).await?;
                        store
                            .recount_recipient(session, &event.recipient_id.to_string())
                            .await?;
                    }
                    Ok::<_, EmailDbError>(true)
                })
            })
            .await?;
        Ok(added)
    }

    async fn find(&self, addresses: &[EmailAddress]) -> Result<Vec<Suppression>, StoreError> {
        if addresses.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = addresses.iter().map(EmailAddress::key).collect();
        let spec = FindSpec::all(doc! { "_id": { "$in": keys } }, doc! {});
        let documents = find_all(&self.collection(names::EMAIL_SUPPRESSIONS), spec, None)
            .await
            .map_err(EmailDbError::from)?;
        Ok(documents
            .iter()
            .map(read_suppression)
            .collect::<Result<_, _>>()
            .map_err(EmailDbError::from)?)
    }

    async fn list(&self, page: &PageRequest) -> Result<Page<Suppression>, StoreError> {
        let spec = FindSpec {
            filter: all_of(
                ORDER
                    .after_position(page.after.as_ref())?
                    .into_iter()
                    .collect(),
            ),
            sort: ORDER.sort(),
            limit: Some(limit(page.limit.get()) + 1),
            projection: None,
        };
        let documents = find_all(&self.collection(names::EMAIL_SUPPRESSIONS), spec, None)
            .await
            .map_err(EmailDbError::from)?;
        Ok(page_of(
            names::EMAIL_SUPPRESSIONS,
            &documents,
            page.limit,
            &ORDER,
            read_suppression,
        )
        .map_err(EmailDbError::from)?)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn remove(&self, address: &EmailAddress) -> Result<bool, StoreError> {
        let removed = self
            .collection(names::EMAIL_SUPPRESSIONS)
            .delete_one(doc! { "_id": address.key() })
            .await
            .map_err(EmailDbError::from)?;
        Ok(removed.deleted_count > 0)
    }
}

#[cfg(test)]
mod tests {
    use crm_kernel::Timestamp;

    use super::*;

    #[test]
    fn entries_are_keyed_by_their_lower_case_address() {
        let entry = Suppression {
            address: EmailAddress::parse("Ann@Example.ORG").unwrap(),
            reason: SuppressionReason::OptOut,
            customer_id: Some(CustomerId::new()),
            recipient_id: None,
            detail: Some("clicked unsubscribe".into()),
            created_at: Timestamp::from_millis(9).unwrap(),
        };
        let document = suppression_document(&entry);
        assert_eq!(document.get_str("_id").unwrap(), "ann@example.org");
        assert_eq!(read_suppression(&document).unwrap(), entry);
    }
}
