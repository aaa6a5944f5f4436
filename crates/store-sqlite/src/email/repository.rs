//! Messages and recipients: [`EmailRepository`] on `emails`,
//! `email_recipients` and `email_idempotency`.

use async_trait::async_trait;
use crm_email::ports::{EmailRepository, Inserted, StoreError};
use crm_email::{Email, EmailQuery, EmailScope, IdempotencyKey, MessageId, Recipient};
use crm_kernel::{EmailId, Page, PageRequest, RecipientId};
use rusqlite::Connection;

use crate::db::error::EmailDbError;
use crate::db::open::SqliteStore;
use crate::email::rows::{
    EMAIL_COLUMN_COUNT, EMAIL_COLUMNS, read_email, read_recipient, recipient_columns,
};
use crate::email::{list, writes};
use crate::sql::{keyed, keyed_page};

#[async_trait]
impl EmailRepository for SqliteStore {
    /// One `BEGIN IMMEDIATE` transaction on the single writer: concurrent
    /// calls with one key are serialised, the first stores, the others
    /// replay it.
    #[tracing::instrument(level = "debug", skip_all, fields(email_id = %email.id))]
    async fn insert<'a>(
        &self,
        email: &Email,
        recipients: &[Recipient],
        idempotency: Option<&'a IdempotencyKey>,
    ) -> Result<Inserted, StoreError> {
        let email = email.clone();
        let recipients = recipients.to_vec();
        let idempotency = idempotency.cloned();
        let inserted = self
            .write(move |tx| writes::insert(tx, &email, &recipients, idempotency.as_ref()))
            .await?;
        Ok(inserted)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(email_id = %id))]
    async fn get(&self, id: EmailId) -> Result<Option<Email>, StoreError> {
        Ok(self.read(move |conn| email(conn, id)).await?)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn recipients(&self, ids: &[EmailId]) -> Result<Vec<Recipient>, StoreError> {
        let ids = ids.to_vec();
        let recipients = self
            .read(move |conn| {
                let sql = format!(
                    "SELECT {} FROM email_recipients r WHERE r.email_id = ?1 ORDER BY r.position",
                    recipient_columns("r")
                );
                let mut statement = conn.prepare_cached(&sql)?;
                let mut all = Vec::new();
                for id in ids {
                    let rows =
                        statement.query_and_then([id.to_string()], |row| read_recipient(row, 0))?;
                    for row in rows {
                        all.push(row?);
                    }
                }
                Ok::<_, EmailDbError>(all)
            })
            .await?;
        Ok(recipients)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(recipient_id = %id))]
    async fn recipient(&self, id: RecipientId) -> Result<Option<Recipient>, StoreError> {
        Ok(self
            .read(move |conn| recipient_where(conn, "r.id", &id.to_string()))
            .await?)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn recipient_by_message_id(
        &self,
        id: &MessageId,
    ) -> Result<Option<Recipient>, StoreError> {
        let id = id.as_str().to_owned();
        Ok(self
            .read(move |conn| recipient_where(conn, "r.message_id", &id))
            .await?)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list(
        &self,
        query: &EmailQuery,
        scope: &EmailScope,
        page: &PageRequest,
    ) -> Result<Page<Email>, StoreError> {
        let plan = list::list_plan(query, scope, page);
        let rows = self
            .list_rows(plan, |row| {
                keyed(row, EMAIL_COLUMN_COUNT, |row| {
                    Ok::<_, EmailDbError>(read_email(row, 0)?)
                })
            })
            .await?;
        Ok(keyed_page(rows, page.limit, |email| email.id.to_string()))
    }
}

/// The message, if any.
pub(crate) fn email(conn: &Connection, id: EmailId) -> Result<Option<Email>, EmailDbError> {
    let sql = format!("SELECT {EMAIL_COLUMNS} FROM emails e WHERE e.id = ?1");
    let row = conn
        .prepare_cached(&sql)?
        .query_and_then([id.to_string()], |row| read_email(row, 0))?
        .next()
        .transpose()?;
    Ok(row)
}

/// The recipient whose `column` is `value`, if any.
fn recipient_where(
    conn: &Connection,
    column: &str,
    value: &str,
) -> Result<Option<Recipient>, EmailDbError> {
    let sql = format!(
        "SELECT {} FROM email_recipients r WHERE {column} = ?1",
        recipient_columns("r")
    );
    let found = conn
        .prepare_cached(&sql)?
        .query_and_then([value], |row| read_recipient(row, 0))?
        .next()
        .transpose()?;
    Ok(found)
}
