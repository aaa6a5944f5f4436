//! What the tickets context asks about other contexts' records:
//! [`CustomerDirectory`] on the customer directory ([`customer_links`]) and
//! [`AssigneeDirectory`] on the staff directory ([`staff_by_ids`]).

use async_trait::async_trait;
use crm_kernel::{CustomerId, UserId};
use crm_tickets::ports::{AssigneeDirectory, CustomerDirectory, CustomerRef, StoreError};
use rusqlite::Connection;

use crate::customers::directory::{Erased, customer_links};
use crate::db::error::TicketDbError;
use crate::db::open::SqliteStore;
use crate::identity::directory::staff_by_ids;

#[async_trait]
impl CustomerDirectory for SqliteStore {
    /// The company and owner of a customer that is not erased.
    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %id))]
    async fn customer_ref(&self, id: CustomerId) -> Result<Option<CustomerRef>, StoreError> {
        let found = self
            .read(move |conn| customer_ref(conn, id, Erased::Excluded))
            .await?;
        Ok(found)
    }

    /// The company and owner of a customer, erased (a tombstone keeps both) or not.
    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %id))]
    async fn any_customer_ref(&self, id: CustomerId) -> Result<Option<CustomerRef>, StoreError> {
        let found = self
            .read(move |conn| customer_ref(conn, id, Erased::Included))
            .await?;
        Ok(found)
    }
}

/// Customer `id` as the tickets context sees it.
fn customer_ref(
    conn: &Connection,
    id: CustomerId,
    erased: Erased,
) -> Result<Option<CustomerRef>, TicketDbError> {
    Ok(customer_links(conn, id, erased)?.map(|links| CustomerRef {
        id,
        company_id: links.company_id,
        owner_id: links.owner_id,
    }))
}

#[async_trait]
impl AssigneeDirectory for SqliteStore {
    /// Whether an active staff user (admin or agent) has this id.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
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
