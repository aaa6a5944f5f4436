//! What the interactions context asks about other contexts' records:
//! [`CustomerDirectory`] on `customers` and [`StaffDirectory`] on `users`.

use async_trait::async_trait;
use crm_interactions::ports::{
    CustomerDirectory, CustomerRef, StaffContact, StaffDirectory, StoreError,
};
use crm_kernel::{CustomerId, EmailAddress, PersonName, UserId};
use mongodb::bson::{Document, doc};

use crate::bson::convert::Fields;
use crate::db::client::MongoStore;
use crate::db::error::{CorruptData, InteractionDbError};
use crate::db::names;

#[async_trait]
impl CustomerDirectory for MongoStore {
    /// The company and owner of a customer that is not erased.
    #[tracing::instrument(skip_all, fields(customer_id = %id))]
    async fn customer_ref(&self, id: CustomerId) -> Result<Option<CustomerRef>, StoreError> {
        Ok(self.customer_ref_of::<StoreError>(id, false).await?.map(
            |(id, company_id, owner_id)| CustomerRef {
                id,
                company_id,
                owner_id,
            },
        ))
    }
}

/// A staff user's name and email, parsed by their domain constructors.
fn read_contact(id: UserId, document: &Document) -> Result<StaffContact, CorruptData> {
    let fields = Fields::of(names::USERS, document);
    Ok(StaffContact {
        id,
        name: fields.parse("name", PersonName::parse)?.as_str().to_owned(),
        email: fields
            .parse("email", EmailAddress::parse)?
            .as_str()
            .to_owned(),
    })
}

#[async_trait]
impl StaffDirectory for MongoStore {
    /// Whether the user exists, whatever its role and status.
    #[tracing::instrument(skip_all, fields(user_id = %id))]
    async fn staff_exists(&self, id: UserId) -> Result<bool, StoreError> {
        Ok(self
            .user_exists(id)
            .await
            .map_err(InteractionDbError::from)?)
    }

    /// The user's name and email, whatever its role and status.
    #[tracing::instrument(skip_all, fields(user_id = %id))]
    async fn staff_contact(&self, id: UserId) -> Result<Option<StaffContact>, StoreError> {
        let found = self
            .collection(names::USERS)
            .find_one(doc! { "_id": id.to_string() })
            .projection(doc! { "name": 1, "email": 1 })
            .await
            .map_err(InteractionDbError::from)?;
        Ok(found
            .as_ref()
            .map(|document| read_contact(id, document))
            .transpose()
            .map_err(InteractionDbError::from)?)
    }
}
