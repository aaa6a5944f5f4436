//! What the interactions context asks about other contexts' records:
//! [`CustomerDirectory`] on the customer directory ([`customer_links`]) and
//! [`StaffDirectory`] on the staff directory ([`staff_by_ids`]).

use async_trait::async_trait;
use crm_interactions::ports::{
    CustomerDirectory, CustomerRef, StaffContact, StaffDirectory, StoreError,
};
use crm_kernel::{CustomerId, UserId};
use rusqlite::Connection;

use crate::customers::directory::{Erased, customer_links};
use crate::db::error::InteractionDbError;
use crate::db::open::SqliteStore;
use crate::identity::directory::staff_by_ids;

#[async_trait]
impl CustomerDirectory for SqliteStore {
    /// The company and owner of a customer that is not erased.
    #[tracing::instrument(level = "debug", skip_all, fields(customer_id = %id))]
    async fn customer_ref(&self, id: CustomerId) -> Result<Option<CustomerRef>, StoreError> {
        let found = self
            .read(move |conn| {
                let links = customer_links::<StoreError>(conn, id, Erased::Excluded)?;
                Ok::<_, InteractionDbError>(links.map(|links| CustomerRef {
                    id,
                    company_id: links.company_id,
                    owner_id: links.owner_id,
                }))
            })
            .await?;
        Ok(found)
    }
}

#[async_trait]
impl StaffDirectory for SqliteStore {
    /// Whether the user exists, whatever its role and status.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn staff_exists(&self, id: UserId) -> Result<bool, StoreError> {
        let exists = self
            .read(move |conn| Ok::<_, InteractionDbError>(!staff_by_ids(conn, &[id])?.is_empty()))
            .await?;
        Ok(exists)
    }

    /// The name and email of every user among `ids` (whatever its role and
    /// status), parsed by their domain constructors: one query per batch of
    /// ids on one reader.
    #[tracing::instrument(level = "debug", skip_all, fields(ids = ids.len()))]
    async fn staff_contacts(&self, ids: &[UserId]) -> Result<Vec<StaffContact>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = ids.to_vec();
        let contacts = self.read(move |conn| staff_contacts(conn, &ids)).await?;
        Ok(contacts)
    }
}

/// The contacts of the staff users that have one of `ids` (whatever their
/// role and status), in one query: one per existing user, in no particular
/// order (the `staff_contacts` port method on a reader).
fn staff_contacts(
    conn: &Connection,
    ids: &[UserId],
) -> Result<Vec<StaffContact>, InteractionDbError> {
    staff_by_ids(conn, ids)?
        .into_iter()
        .map(|staff| {
            Ok(StaffContact {
                id: staff.id,
                name: staff.name()?.as_str().to_owned(),
                email: staff.email()?.as_str().to_owned(),
            })
        })
        .collect()
}
