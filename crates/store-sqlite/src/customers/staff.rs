//! What the customers context asks about staff users: [`StaffDirectory`]
//! on the `users` table.

use async_trait::async_trait;
use crm_customers::ports::{StaffDirectory, StoreError};
use crm_kernel::UserId;

use crate::db::error::CustomerDbError;
use crate::db::open::SqliteStore;

#[async_trait]
impl StaffDirectory for SqliteStore {
    /// Whether the user exists, whatever its role and status.
    #[tracing::instrument(skip_all, fields(user_id = %id))]
    async fn staff_exists(&self, id: UserId) -> Result<bool, StoreError> {
        let exists = self
            .read(move |conn| {
                Ok::<_, CustomerDbError>(
                    conn.prepare_cached("SELECT 1 FROM users WHERE id = ?1")?
                        .exists([id.to_string()])?,
                )
            })
            .await?;
        Ok(exists)
    }
}
