//! Secret calendar feeds of staff users: [`CalendarFeeds`] on the
//! `calendar_feeds` table, which holds one token hash per user (never the
//! token itself).

use async_trait::async_trait;
use crm_interactions::ports::{CalendarFeeds, StoreError};
use crm_kernel::{Clock, SystemClock, UserId};
use rusqlite::{OptionalExtension, params};

use crate::db::error::InteractionDbError;
use crate::db::open::SqliteStore;
use crate::db::rows::decode;

#[async_trait]
impl CalendarFeeds for SqliteStore {
    /// Stores `token_hash` as the user's only feed token, replacing the old
    /// one in the same statement. `created_at` records when (a bookkeeping
    /// column only, taken from the system clock). An unknown user breaks the
    /// foreign key: a backend error, as the port names no refusal.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user))]
    async fn set_feed_token(&self, user: UserId, token_hash: &str) -> Result<(), StoreError> {
        let token_hash = token_hash.to_owned();
        let now = SystemClock.now().to_rfc3339();
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO calendar_feeds (user_id, token_hash, created_at) \
                 VALUES (?1, ?2, ?3) \
                 ON CONFLICT (user_id) DO UPDATE \
                 SET token_hash = excluded.token_hash, created_at = excluded.created_at",
            )?
            .execute(params![user.to_string(), token_hash, now])?;
            Ok::<_, InteractionDbError>(())
        })
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn feed_owner(&self, token_hash: &str) -> Result<Option<UserId>, StoreError> {
        let token_hash = token_hash.to_owned();
        let owner = self
            .read(move |conn| {
                let user: Option<String> = conn
                    .prepare_cached(
                        "SELECT f.user_id FROM calendar_feeds f JOIN users u ON u.id = f.user_id \
                         WHERE f.token_hash = ?1 AND u.status = 'active'",
                    )?
                    .query_row([token_hash], |row| row.get(0))
                    .optional()?;
                Ok::<_, InteractionDbError>(
                    user.map(|id| decode("calendar_feeds.user_id", &id, UserId::parse))
                        .transpose()?,
                )
            })
            .await?;
        Ok(owner)
    }
}
