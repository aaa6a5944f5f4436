//! What the customers context asks about staff users: [`StaffDirectory`]
//! on the staff directory ([`staff_by_ids`]).

use async_trait::async_trait;
use crm_customers::ports::{StaffDirectory, StoreError};
use crm_kernel::UserId;

use crate::db::error::CustomerDbError;
use crate::db::open::SqliteStore;
use crate::identity::directory::staff_by_ids;

#[async_trait]
impl StaffDirectory for SqliteStore {
    /// Whether the user exists, whatever its role and status.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn staff_exists(&self, id: UserId) -> Result<bool, StoreError> {
        let exists = self
            .read(move |conn| Ok::<_, CustomerDbError>(!staff_by_ids(conn, &[id])?.is_empty()))
            .await?;
        Ok(exists)
    }
}
