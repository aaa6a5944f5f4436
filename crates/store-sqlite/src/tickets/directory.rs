//! What the tickets context asks about other contexts' records:
//! [`CustomerDirectory`] on `customers` and [`AssigneeDirectory`] on the
//! staff directory ([`staff_by_ids`]).

use async_trait::async_trait;
use crm_kernel::{CompanyId, CustomerId, UserId};
use crm_tickets::ports::{AssigneeDirectory, CustomerDirectory, CustomerRef, StoreError};
use rusqlite::{Connection, OptionalExtension};

use crate::db::error::TicketDbError;
use crate::db::open::SqliteStore;
use crate::db::rows::decode_opt;
use crate::identity::directory::staff_by_ids;

#[async_trait]
impl CustomerDirectory for SqliteStore {
    /// The company and owner of a customer that is not erased.
    #[tracing::instrument(skip_all, fields(customer_id = %id))]
    async fn customer_ref(&self, id: CustomerId) -> Result<Option<CustomerRef>, StoreError> {
        let found = self
            .read(move |conn| {
                customer_ref(
                    conn,
                    "SELECT company_id, owner_id FROM customers \
                     WHERE id = ?1 AND erased_at IS NULL",
                    id,
                )
            })
            .await?;
        Ok(found)
    }

    /// The company and owner of a customer, erased (a tombstone keeps both) or not.
    #[tracing::instrument(skip_all, fields(customer_id = %id))]
    async fn any_customer_ref(&self, id: CustomerId) -> Result<Option<CustomerRef>, StoreError> {
        let found = self
            .read(move |conn| {
                customer_ref(
                    conn,
                    "SELECT company_id, owner_id FROM customers WHERE id = ?1",
                    id,
                )
            })
            .await?;
        Ok(found)
    }
}

/// The customer `sql` finds by id, as the tickets context sees it.
fn customer_ref(
    conn: &Connection,
    sql: &str,
    id: CustomerId,
) -> Result<Option<CustomerRef>, TicketDbError> {
    let row: Option<(Option<String>, Option<String>)> = conn
        .prepare_cached(sql)?
        .query_row([id.to_string()], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let Some((company_id, owner_id)) = row else {
        return Ok(None);
    };
    Ok(Some(CustomerRef {
        id,
        company_id: decode_opt(
            "customers.company_id",
            company_id.as_deref(),
            CompanyId::parse,
        )?,
        owner_id: decode_opt("customers.owner_id", owner_id.as_deref(), UserId::parse)?,
    }))
}

#[async_trait]
impl AssigneeDirectory for SqliteStore {
    /// Whether an active staff user (admin or agent) has this id.
    #[tracing::instrument(skip_all, fields(user_id = %id))]
    async fn can_be_assigned(&self, id: UserId) -> Result<bool, StoreError> {
        let active = self
            .read(move |conn| {
                let staff = staff_by_ids::<StoreError>(conn, &[id])?;
                Ok::<_, TicketDbError>(staff.first().is_some_and(|staff| staff.active))
            })
            .await?;
        Ok(active)
    }
}
