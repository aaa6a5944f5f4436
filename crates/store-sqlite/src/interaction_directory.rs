//! What the interactions context asks about other contexts' records:
//! [`CustomerDirectory`] on `customers` and [`StaffDirectory`] on `users`.

use async_trait::async_trait;
use crm_interactions::ports::{
    CustomerDirectory, CustomerRef, StaffContact, StaffDirectory, StoreError,
};
use crm_kernel::{CompanyId, CustomerId, EmailAddress, PersonName, UserId};
use rusqlite::OptionalExtension;

use crate::error::InteractionDbError;
use crate::open::SqliteStore;
use crate::rows::{decode, decode_opt};

#[async_trait]
impl CustomerDirectory for SqliteStore {
    /// The company and owner of a customer that is not erased.
    #[tracing::instrument(skip_all, fields(customer_id = %id))]
    async fn customer_ref(&self, id: CustomerId) -> Result<Option<CustomerRef>, StoreError> {
        let found = self
            .read(move |conn| {
                let row: Option<(Option<String>, Option<String>)> = conn
                    .prepare_cached(
                        "SELECT company_id, owner_id FROM customers \
                         WHERE id = ?1 AND erased_at IS NULL",
                    )?
                    .query_row([id.to_string()], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()?;
                let Some((company_id, owner_id)) = row else {
                    return Ok::<_, InteractionDbError>(None);
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
            })
            .await?;
        Ok(found)
    }
}

#[async_trait]
impl StaffDirectory for SqliteStore {
    /// Whether the user exists, whatever its role and status.
    #[tracing::instrument(skip_all, fields(user_id = %id))]
    async fn staff_exists(&self, id: UserId) -> Result<bool, StoreError> {
        let exists = self
            .read(move |conn| {
                Ok::<_, InteractionDbError>(
                    conn.prepare_cached("SELECT 1 FROM users WHERE id = ?1")?
                        .exists([id.to_string()])?,
                )
            })
            .await?;
        Ok(exists)
    }

    /// The user's name and email (whatever its role and status), parsed by
    /// their domain constructors.
    #[tracing::instrument(skip_all, fields(user_id = %id))]
    async fn staff_contact(&self, id: UserId) -> Result<Option<StaffContact>, StoreError> {
        let contact = self
            .read(move |conn| {
                let row: Option<(String, String)> = conn
                    .prepare_cached("SELECT name, email FROM users WHERE id = ?1")?
                    .query_row([id.to_string()], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()?;
                let Some((name, email)) = row else {
                    return Ok::<_, InteractionDbError>(None);
                };
                Ok(Some(StaffContact {
                    id,
                    name: decode("users.name", &name, PersonName::parse)?
                        .as_str()
                        .to_owned(),
                    email: decode("users.email", &email, EmailAddress::parse)?
                        .as_str()
                        .to_owned(),
                }))
            })
            .await?;
        Ok(contact)
    }

    /// Every existing user among `ids`, in one query (`staff_contacts.rs`).
    async fn staff_contacts(&self, ids: &[UserId]) -> Result<Vec<StaffContact>, StoreError> {
        crate::staff_contacts::staff_contacts(self, ids).await
    }
}
