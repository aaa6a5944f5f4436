//! Secret calendar feeds of staff users: [`CalendarFeeds`] on the
//! `calendar_feeds` collection, one document per user (`_id` the user's id)
//! holding the hash of its feed token, never the token itself.

use async_trait::async_trait;
use crm_interactions::ports::{CalendarFeeds, StoreError};
use crm_kernel::{Clock, SystemClock, UserId};
use mongodb::bson::doc;

use crate::bson::convert::{Fields, date};
use crate::db::client::MongoStore;
use crate::db::error::{DbError, InteractionDbError};
use crate::db::names;

#[async_trait]
impl CalendarFeeds for MongoStore {
    /// Stores `token_hash` as the user's only feed token, replacing the old
    /// one. `created_at` records when (bookkeeping only, from the system
    /// clock). An unknown user is a backend error, as the port names no
    /// refusal (the SQLite store's foreign key says the same).
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user))]
    async fn set_feed_token(&self, user: UserId, token_hash: &str) -> Result<(), StoreError> {
        let now = SystemClock.now();
        self.transaction(
            &(self, user, token_hash, now),
            |session, (store, user, hash, now)| {
                Box::pin(async move {
                    let id = user.to_string();
                    if store.touch(session, names::USERS, &id).await?.is_none() {
                        return Err(DbError::backend(format!(
                            "a calendar feed for user {id}, who is no staff user"
                        )));
                    }
                    store
                        .collection(names::CALENDAR_FEEDS)
                        .update_one(
                            doc! { "_id": &id },
                            doc! { "$set": { "token_hash": *hash, "created_at": date(*now) } },
                        )
                        .upsert(true)
                        .session(&mut *session)
                        .await?;
                    Ok::<_, InteractionDbError>(())
                })
            },
        )
        .await?;
        Ok(())
    }

    /// The active staff user whose feed token has this hash, if any.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn feed_owner(&self, token_hash: &str) -> Result<Option<UserId>, StoreError> {
        let Some(feed) = self
            .collection(names::CALENDAR_FEEDS)
            .find_one(doc! { "token_hash": token_hash })
            .await
            .map_err(InteractionDbError::from)?
        else {
            return Ok(None);
        };
        let user = Fields::of(names::CALENDAR_FEEDS, &feed)
            .parse("_id", UserId::parse)
            .map_err(InteractionDbError::from)?;
        let active = self
            .collection(names::USERS)
            .find_one(doc! { "_id": user.to_string(), "status": "active" })
            .projection(doc! { "_id": 1 })
            .await
            .map_err(InteractionDbError::from)?;
        Ok(active.map(|_| user))
    }
}
