//! Messages and recipients: [`EmailRepository`] on `emails`,
//! `email_recipients` and `email_idempotency`.

use async_trait::async_trait;
use crm_email::ports::{EmailRepository, Inserted, StoreError};
use crm_email::{Email, EmailQuery, EmailScope, IdempotencyKey, MessageId, Recipient};
use crm_kernel::{EmailId, Page, PageRequest, RecipientId};
use mongodb::bson::{Document, doc};

use crate::bson::keyset::page_of;
use crate::db::client::MongoStore;
use crate::db::error::EmailDbError;
use crate::db::names;
use crate::db::ops::{FindSpec, aggregate_all, find_all};
use crate::email::docs::{read_email, read_recipient};
use crate::email::list::{ORDER, list_pipeline};

#[async_trait]
impl EmailRepository for MongoStore {
    /// One transaction: the key, the message and its recipients. Of
    /// concurrent calls with one key, the first stores and the others
    /// replay it.
    #[tracing::instrument(level = "debug", skip_all, fields(email_id = %email.id))]
    async fn insert<'a>(
        &self,
        email: &Email,
        recipients: &[Recipient],
        idempotency: Option<&'a IdempotencyKey>,
    ) -> Result<Inserted, StoreError> {
        let context = (self, email, recipients, idempotency);
        let inserted = self
            .transaction(&context, |session, (store, email, recipients, key)| {
                Box::pin(async move {
                    store
                        .write_new_email(session, email, recipients, *key)
                        .await
                })
            })
            .await?;
        Ok(inserted)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(email_id = %id))]
    async fn get(&self, id: EmailId) -> Result<Option<Email>, StoreError> {
        let found = self
            .collection(names::EMAILS)
            .find_one(doc! { "_id": id.to_string() })
            .await
            .map_err(EmailDbError::from)?;
        Ok(found
            .as_ref()
            .map(read_email)
            .transpose()
            .map_err(EmailDbError::from)?)
    }

    /// One query for all the messages; their recipients in the order the
    /// messages were given, each message's in the order it was written.
    #[tracing::instrument(level = "debug", skip_all, fields(emails = ids.len()))]
    async fn recipients(&self, ids: &[EmailId]) -> Result<Vec<Recipient>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let wanted: Vec<String> = ids.iter().map(ToString::to_string).collect();
        let spec = FindSpec::all(
            doc! { "email_id": { "$in": wanted } },
            doc! { "email_id": 1, "position": 1 },
        );
        let documents = find_all(&self.collection(names::EMAIL_RECIPIENTS), spec, None)
            .await
            .map_err(EmailDbError::from)?;
        let mut found: Vec<Recipient> = documents
            .iter()
            .map(read_recipient)
            .collect::<Result<_, _>>()
            .map_err(EmailDbError::from)?;
        // Stable: within a message, the stored order stays.
        found.sort_by_key(|r| ids.iter().position(|id| *id == r.email_id));
        Ok(found)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(recipient_id = %id))]
    async fn recipient(&self, id: RecipientId) -> Result<Option<Recipient>, StoreError> {
        Ok(self.recipient_where(doc! { "_id": id.to_string() }).await?)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn recipient_by_message_id(
        &self,
        id: &MessageId,
    ) -> Result<Option<Recipient>, StoreError> {
        Ok(self
            .recipient_where(doc! { "message_id": id.as_str() })
            .await?)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list(
        &self,
        query: &EmailQuery,
        scope: &EmailScope,
        page: &PageRequest,
    ) -> Result<Page<Email>, StoreError> {
        let Some(pipeline) = list_pipeline(query, scope, page)? else {
            return Ok(Page {
                items: Vec::new(),
                next: None,
            });
        };
        let documents = aggregate_all(&self.collection(names::EMAILS), pipeline, None)
            .await
            .map_err(EmailDbError::from)?;
        Ok(
            page_of(names::EMAILS, &documents, page.limit, &ORDER, read_email)
                .map_err(EmailDbError::from)?,
        )
    }
}

impl MongoStore {
    /// The recipient matching `filter`, if any.
    async fn recipient_where(&self, filter: Document) -> Result<Option<Recipient>, EmailDbError> {
        let found = self
            .collection(names::EMAIL_RECIPIENTS)
            .find_one(filter)
            .await?;
        Ok(found.as_ref().map(read_recipient).transpose()?)
    }
}
