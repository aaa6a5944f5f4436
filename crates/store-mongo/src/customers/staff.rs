//! What the customers context asks about staff users: [`StaffDirectory`]
//! on the `users` collection.

use async_trait::async_trait;
use crm_customers::ports::{StaffDirectory, StoreError};
use crm_kernel::UserId;
use mongodb::bson::doc;

use crate::db::client::MongoStore;
use crate::db::error::CustomerDbError;
use crate::db::names;

#[async_trait]
impl StaffDirectory for MongoStore {
    /// Whether the user exists, whatever its role and status.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn staff_exists(&self, id: UserId) -> Result<bool, StoreError> {
        Ok(self.user_exists(id).await.map_err(CustomerDbError::from)?)
    }
}

impl MongoStore {
    /// Whether a staff user has this id.
    pub(crate) async fn user_exists(&self, id: UserId) -> Result<bool, mongodb::error::Error> {
        let found = self
            .collection(names::USERS)
            .find_one(doc! { "_id": id.to_string() })
            .projection(doc! { "_id": 1 })
            .await?;
        Ok(found.is_some())
    }
}
