//! Staff users: [`UserRepository`] on the `users`, `credentials` and
//! `email_keys` collections.

use async_trait::async_trait;
use crm_identity::ports::{StoreError, UserRepository};
use crm_identity::{AdminGuard, PasswordHash, StaffUser, UserQuery};
use crm_kernel::{Page, PageRequest, PrincipalId, UserId};
use mongodb::ClientSession;
use mongodb::bson::{Document, doc, oid::ObjectId};

use crate::bson::convert::{Fields, date};
use crate::bson::keyset::page_of;
use crate::db::client::MongoStore;
use crate::db::error::{DbError, IdentityDbError, retry_on_duplicate};
use crate::db::names;
use crate::db::ops::find_all;
use crate::identity::credentials::{credential_document, credential_id};
use crate::identity::email_keys::{Claim, Holder};
use crate::identity::user_docs::{read_user, user_document};
use crate::identity::user_list;

/// The lock document every guarded write of an admin takes.
const ADMIN_GUARD: &str = "admin_guard";

#[async_trait]
impl UserRepository for MongoStore {
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
    async fn insert(
        &self,
        user: &StaffUser,
        password_hash: &PasswordHash,
    ) -> Result<(), StoreError> {
        self.transaction(
            &(self, user, password_hash),
            |session, (store, user, hash)| {
                Box::pin(async move {
                    let holder = Holder::User(user.id);
                    if let Claim::Taken(_) = store
                        .claim_email(session, &user.email.key(), holder)
                        .await?
                    {
                        return Err(DbError::refused(StoreError::DuplicateEmail));
                    }
                    store
                        .collection(names::USERS)
                        .insert_one(user_document(user))
                        .session(&mut *session)
                        .await?;
                    let credential = credential_document(
                        PrincipalId::User(user.id),
                        &user.email,
                        hash,
                        user.created_at,
                    );
                    store
                        .collection(names::CREDENTIALS)
                        .insert_one(credential)
                        .session(&mut *session)
                        .await
                        .map_err(retry_on_duplicate)?;
                    Ok(())
                })
            },
        )
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn get(&self, id: UserId) -> Result<Option<StaffUser>, StoreError> {
        let found = self
            .collection(names::USERS)
            .find_one(doc! { "_id": id.to_string() })
            .await
            .map_err(IdentityDbError::from)?;
        Ok(found
            .as_ref()
            .map(read_user)
            .transpose()
            .map_err(IdentityDbError::from)?)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list(
        &self,
        query: &UserQuery,
        page: &PageRequest,
    ) -> Result<Page<StaffUser>, StoreError> {
        let spec = user_list::list_spec(query, page)?;
        let documents = find_all(&self.collection(names::USERS), spec, None)
            .await
            .map_err(IdentityDbError::from)?;
        let order = user_list::order(query);
        Ok(
            page_of(names::USERS, &documents, page.limit, &order, read_user)
                .map_err(IdentityDbError::from)?,
        )
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user.id))]
    async fn update<'a>(
        &self,
        user: &StaffUser,
        password_hash: Option<&'a PasswordHash>,
        guard: AdminGuard,
    ) -> Result<(), StoreError> {
        let context = (self, user, password_hash, guard);
        self.transaction(&context, |session, (store, user, hash, guard)| {
            Box::pin(async move {
                let id = user.id.to_string();
                let stored = store.stored_user(session, &id).await?;
                store.ensure_guard(session, &id, *guard).await?;
                let stored_key = Fields::of(names::USERS, &stored).text("email_key")?;
                let key = user.email.key();
                if key != stored_key {
                    let holder = Holder::User(user.id);
                    if let Claim::Taken(_) = store.claim_email(session, &key, holder).await? {
                        return Err(DbError::refused(StoreError::DuplicateEmail));
                    }
                    store.release_email(session, stored_key, holder).await?;
                }
                store
                    .collection(names::USERS)
                    .replace_one(doc! { "_id": &id }, user_document(user))
                    .session(&mut *session)
                    .await?;
                let mut change = doc! {
                    "email": user.email.as_str(),
                    "email_key": &key,
                    "updated_at": date(user.updated_at),
                };
                if let Some(hash) = hash {
                    change.insert("password_hash", hash.as_str());
                }
                let changed = store
                    .collection(names::CREDENTIALS)
                    .update_one(
                        doc! { "_id": credential_id(PrincipalId::User(user.id)) },
                        doc! { "$set": change },
                    )
                    .session(&mut *session)
                    .await
                    .map_err(retry_on_duplicate)?;
                if changed.matched_count == 0 {
                    return Err(DbError::backend(format!(
                        "staff user {id} has no credential"
                    )));
                }
                Ok(())
            })
        })
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %id))]
    async fn delete(&self, id: UserId, guard: AdminGuard) -> Result<(), StoreError> {
        self.transaction(&(self, id, guard), |session, (store, id, guard)| {
            Box::pin(async move {
                let user = id.to_string();
                let stored = store.stored_user(session, &user).await?;
                store.ensure_guard(session, &user, *guard).await?;
                let key = Fields::of(names::USERS, &stored).text("email_key")?;
                store.remove_user(session, *id, key).await
            })
        })
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn count_active_admins(&self) -> Result<u64, StoreError> {
        let count = self
            .collection(names::USERS)
            .count_documents(doc! { "role": "admin", "status": "active" })
            .await
            .map_err(IdentityDbError::from)?;
        Ok(count)
    }
}

impl MongoStore {
    /// The stored user `id`, read in the transaction; [`StoreError::NotFound`] when there is none.
    async fn stored_user(
        &self,
        session: &mut ClientSession,
        id: &str,
    ) -> Result<Document, IdentityDbError> {
        self.collection(names::USERS)
            .find_one(doc! { "_id": id })
            .session(session)
            .await?
            .ok_or(DbError::refused(StoreError::NotFound))
    }

    /// [`StoreError::LastActiveAdmin`] when `guard` asks for another active
    /// admin than user `id` and there is none.
    ///
    /// Every guarded write first writes one lock document, so two guarded
    /// writes (two admins demoting each other) conflict and run one after
    /// the other: the second then sees the first's change.
    async fn ensure_guard(
        &self,
        session: &mut ClientSession,
        id: &str,
        guard: AdminGuard,
    ) -> Result<(), IdentityDbError> {
        if guard == AdminGuard::None {
            return Ok(());
        }
        self.collection(names::LOCKS)
            .update_one(
                doc! { "_id": ADMIN_GUARD },
                doc! { "$set": { "at": ObjectId::new() } },
            )
            .upsert(true)
            .session(&mut *session)
            .await?;
        let another = self
            .collection(names::USERS)
            .find_one(doc! { "role": "admin", "status": "active", "_id": { "$ne": id } })
            .projection(doc! { "_id": 1 })
            .session(session)
            .await?;
        if another.is_some() {
            Ok(())
        } else {
            Err(DbError::refused(StoreError::LastActiveAdmin))
        }
    }
}
