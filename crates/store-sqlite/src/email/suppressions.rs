//! The suppression list: [`SuppressionList`] on `email_suppressions`, one
//! entry per address key (lower case); the first entry stays.

use async_trait::async_trait;
use crm_email::ports::{StoreError, SuppressionList};
use crm_email::{EmailEvent, Suppression, SuppressionReason};
use crm_kernel::{CustomerId, EmailAddress, Page, PageRequest, RecipientId, SortDirection};
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params_from_iter};

use crate::db::error::EmailDbError;
use crate::db::open::SqliteStore;
use crate::db::rows::{decode, decode_opt, timestamp};
use crate::email::events;
use crate::email::rows::{RowError, opt_string, opt_text};
use crate::sql::{Filter, Order, PageSelect, Start, keyed, keyed_page};

const COLUMNS: &str = "s.address, s.reason, s.customer_id, s.recipient_id, s.detail, s.created_at";
const COLUMN_COUNT: usize = 6;

#[async_trait]
impl SuppressionList for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all, fields(reason = %entry.reason))]
    async fn add<'a>(
        &self,
        entry: &Suppression,
        event: Option<&'a EmailEvent>,
    ) -> Result<bool, StoreError> {
        let entry = entry.clone();
        let event = event.cloned();
        let added = self
            .write(move |tx| {
                if !insert(tx, &entry)? {
                    return Ok(false);
                }
                if let Some(event) = &event {
                    events::append(tx, event)?;
                }
                Ok::<_, EmailDbError>(true)
            })
            .await?;
        Ok(added)
    }

    async fn find(&self, addresses: &[EmailAddress]) -> Result<Vec<Suppression>, StoreError> {
        if addresses.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = addresses.iter().map(EmailAddress::key).collect();
        let found = self
            .read(move |conn| {
                let mut filter = Filter::new();
                filter.one_of("s.address_key", keys);
                let sql = format!(
                    "SELECT {COLUMNS} FROM email_suppressions s{}",
                    filter.where_clause()
                );
                let mut statement = conn.prepare_cached(&sql)?;
                let rows =
                    statement.query_and_then(params_from_iter(filter.into_params()), read)?;
                let mut all = Vec::new();
                for row in rows {
                    all.push(row?);
                }
                Ok::<_, EmailDbError>(all)
            })
            .await?;
        Ok(found)
    }

    async fn list(&self, page: &PageRequest) -> Result<Page<Suppression>, StoreError> {
        let plan = PageSelect {
            columns: &format!("{COLUMNS}, s.created_at"),
            from: "email_suppressions s",
            order: Order {
                key: "s.created_at",
                id: "s.address_key",
                direction: SortDirection::Desc,
            },
        }
        .plan(Filter::new(), Start::keyset(page), page.limit);
        let rows = self
            .list_rows(plan, |row| {
                keyed(row, COLUMN_COUNT, |row| Ok::<_, EmailDbError>(read(row)?))
            })
            .await?;
        Ok(keyed_page(rows, page.limit, |s| s.address.key()))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn remove(&self, address: &EmailAddress) -> Result<bool, StoreError> {
        let key = address.key();
        let removed = self
            .write(move |tx| {
                let changed = tx
                    .prepare_cached("DELETE FROM email_suppressions WHERE address_key = ?1")?
                    .execute([key])?;
                Ok::<_, EmailDbError>(changed > 0)
            })
            .await?;
        Ok(removed)
    }
}

/// Adds an entry in the caller's transaction; `false` when the address is
/// on the list already (its first entry stays).
pub(crate) fn insert(conn: &Connection, entry: &Suppression) -> Result<bool, EmailDbError> {
    let values = vec![
        Value::Text(entry.address.key()),
        Value::Text(entry.address.as_str().to_owned()),
        Value::Text(entry.reason.as_str().to_owned()),
        opt_text(entry.customer_id),
        opt_text(entry.recipient_id),
        opt_string(entry.detail.as_deref()),
        Value::Text(entry.created_at.to_rfc3339()),
    ];
    let changed = conn
        .prepare_cached(
            "INSERT INTO email_suppressions \
             (address_key, address, reason, customer_id, recipient_id, detail, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (address_key) DO NOTHING",
        )?
        .execute(params_from_iter(values))?;
    Ok(changed == 1)
}

fn read(row: &Row<'_>) -> Result<Suppression, RowError> {
    let address: String = row.get(0)?;
    let reason: String = row.get(1)?;
    let customer: Option<String> = row.get(2)?;
    let recipient: Option<String> = row.get(3)?;
    let created_at: String = row.get(5)?;
    Ok(Suppression {
        address: decode("email_suppressions.address", &address, EmailAddress::parse)?,
        reason: decode("email_suppressions.reason", &reason, |r| {
            SuppressionReason::parse(r).ok_or("unknown reason")
        })?,
        customer_id: decode_opt(
            "email_suppressions.customer_id",
            customer.as_deref(),
            CustomerId::parse,
        )?,
        recipient_id: decode_opt(
            "email_suppressions.recipient_id",
            recipient.as_deref(),
            RecipientId::parse,
        )?,
        detail: row.get(4)?,
        created_at: timestamp("email_suppressions.created_at", &created_at)?,
    })
}
