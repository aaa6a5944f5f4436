//! Refresh-token sessions: [`SessionStore`] on the `refresh_sessions`
//! collection. Only the hash of a refresh token is stored, never the token.
//! Sessions are purged 30 days after they expire (a TTL index). The check
//! of every authenticated request (`session_holder`) reads the account and
//! its sign-in in one aggregation (`holders.rs`).

use async_trait::async_trait;
use crm_identity::ports::{SessionStore, StoreError};
use crm_identity::{RefreshSession, SessionHolder, TokenHash};
use crm_kernel::{PrincipalId, SessionFamilyId, SessionId, Timestamp};
use mongodb::bson::{Bson, Document, doc};

use crate::bson::convert::{Fields, date, opt_date, principal_fields};
use crate::db::client::MongoStore;
use crate::db::error::{CorruptData, DbError, IdentityDbError};
use crate::db::names;
use crate::db::ops::aggregate_all;
use crate::identity::holders::{holder_pipeline, read_holder};

/// The document of `session`.
fn session_document(session: &RefreshSession) -> Document {
    let (kind, principal) = principal_fields(session.principal);
    doc! {
        "_id": session.id.to_string(),
        "family_id": session.family_id.to_string(),
        "principal_kind": kind,
        "principal_id": principal,
        "token_hash": session.token_hash.as_str(),
        "created_at": date(session.created_at),
        "expires_at": date(session.expires_at),
        "rotated_at": opt_date(session.rotated_at),
        "revoked_at": opt_date(session.revoked_at),
    }
}

fn read_session(document: &Document) -> Result<RefreshSession, CorruptData> {
    let fields = Fields::of(names::SESSIONS, document);
    Ok(RefreshSession {
        id: fields.parse("_id", SessionId::parse)?,
        family_id: fields.parse("family_id", SessionFamilyId::parse)?,
        principal: fields.principal("principal_kind", "principal_id")?,
        token_hash: TokenHash::new(fields.text("token_hash")?.to_owned()),
        created_at: fields.time("created_at")?,
        expires_at: fields.time("expires_at")?,
        rotated_at: fields.opt_time("rotated_at")?,
        revoked_at: fields.opt_time("revoked_at")?,
    })
}

/// The sessions a rotation may still rotate: neither rotated nor revoked.
fn rotatable(id: SessionId) -> Document {
    doc! { "_id": id.to_string(), "rotated_at": Bson::Null, "revoked_at": Bson::Null }
}

#[async_trait]
impl SessionStore for MongoStore {
    #[tracing::instrument(level = "debug", skip_all, fields(session_id = %session.id))]
    async fn insert(&self, session: &RefreshSession) -> Result<(), StoreError> {
        self.collection(names::SESSIONS)
            .insert_one(session_document(session))
            .await
            .map_err(IdentityDbError::from)?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn find_by_hash(&self, hash: &TokenHash) -> Result<Option<RefreshSession>, StoreError> {
        let found = self
            .collection(names::SESSIONS)
            .find_one(doc! { "token_hash": hash.as_str() })
            .await
            .map_err(IdentityDbError::from)?;
        Ok(found
            .as_ref()
            .map(read_session)
            .transpose()
            .map_err(IdentityDbError::from)?)
    }

    /// The conditional update is the compare-and-set: of two rotations of
    /// one session only one matches it (the other's write conflicts, runs
    /// again, and then matches nothing); the new session is stored in the
    /// same transaction.
    #[tracing::instrument(level = "debug", skip_all, fields(old = %old, new = %new.id))]
    async fn rotate(
        &self,
        old: SessionId,
        new: &RefreshSession,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let rotated = self
            .transaction(&(self, old, new, at), |session, (store, old, new, at)| {
                Box::pin(async move {
                    let marked = store
                        .collection(names::SESSIONS)
                        .update_one(
                            rotatable(*old),
                            doc! { "$set": { "rotated_at": date(*at) } },
                        )
                        .session(&mut *session)
                        .await?;
                    if marked.matched_count == 0 {
                        return Ok::<_, IdentityDbError>(false);
                    }
                    store
                        .collection(names::SESSIONS)
                        .insert_one(session_document(new))
                        .session(&mut *session)
                        .await?;
                    Ok(true)
                })
            })
            .await?;
        Ok(rotated)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(family = %family))]
    async fn revoke_family(
        &self,
        family: SessionFamilyId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.collection(names::SESSIONS)
            .update_many(
                doc! { "family_id": family.to_string(), "revoked_at": Bson::Null },
                doc! { "$set": { "revoked_at": date(at) } },
            )
            .await
            .map_err(IdentityDbError::from)?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(principal = %principal))]
    async fn revoke_principal(
        &self,
        principal: PrincipalId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let (kind, id) = principal_fields(principal);
        self.collection(names::SESSIONS)
            .update_many(
                doc! { "principal_kind": kind, "principal_id": id, "revoked_at": Bson::Null },
                doc! { "$set": { "revoked_at": date(at) } },
            )
            .await
            .map_err(DbError::<StoreError>::from)?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(principal = %principal, family = %family))]
    async fn session_holder(
        &self,
        principal: PrincipalId,
        family: SessionFamilyId,
    ) -> Result<Option<SessionHolder>, StoreError> {
        let found = aggregate_all(
            &self.collection(names::SESSIONS),
            holder_pipeline(principal, family),
            None,
        )
        .await
        .map_err(IdentityDbError::from)?;
        Ok(found
            .first()
            .map(|document| read_holder(principal, document))
            .transpose()
            .map_err(IdentityDbError::from)?)
    }
}

#[cfg(test)]
mod tests {
    use crm_kernel::{CustomerId, UserId};

    use super::*;

    #[test]
    fn sessions_round_trip() {
        let at = Timestamp::from_millis(5_000).unwrap();
        let session = RefreshSession {
            id: SessionId::new(),
            family_id: SessionFamilyId::new(),
            principal: PrincipalId::Customer(CustomerId::new()),
            token_hash: TokenHash::new("hash".into()),
            created_at: at,
            expires_at: at,
            rotated_at: Some(at),
            revoked_at: None,
        };
        assert_eq!(read_session(&session_document(&session)).unwrap(), session);
        let user = PrincipalId::User(UserId::new());
        let document = session_document(&RefreshSession {
            principal: user,
            ..session
        });
        assert_eq!(document.get_str("principal_kind").unwrap(), "user");
    }

    #[test]
    fn only_live_sessions_rotate() {
        let id = SessionId::new();
        assert_eq!(
            rotatable(id),
            doc! { "_id": id.to_string(), "rotated_at": null, "revoked_at": null }
        );
    }
}
