//! Refresh-token sessions: [`SessionStore`] on the `refresh_sessions` table.
//! Only the hash of a refresh token is stored, never the token. The check of
//! every authenticated request (`session_holder`) reads the account and its
//! sign-in in one statement, and answers again from memory until a write
//! changes either (`holder_cache.rs`).

use async_trait::async_trait;
use crm_identity::ports::{SessionStore, StoreError};
use crm_identity::{RefreshSession, SessionHolder, TokenHash};
use crm_kernel::{PrincipalId, SessionFamilyId, SessionId, Timestamp};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::db::error::DbError;
use crate::db::open::SqliteStore;
use crate::db::rows::{self, CorruptData, decode};
use crate::identity::user_rows::{USER_COLUMNS, UserRow};

#[async_trait]
impl SessionStore for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all, fields(session_id = %session.id))]
    async fn insert(&self, session: &RefreshSession) -> Result<(), StoreError> {
        let session = session.clone();
        self.write(move |tx| insert_session(tx, &session)).await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn find_by_hash(&self, hash: &TokenHash) -> Result<Option<RefreshSession>, StoreError> {
        let hash = hash.as_str().to_owned();
        let session = self
            .read(move |conn| {
                let row = conn
                    .prepare_cached(
                        "SELECT id, family_id, principal_kind, principal_id, token_hash, \
                         created_at, expires_at, rotated_at, revoked_at \
                         FROM refresh_sessions WHERE token_hash = ?1",
                    )?
                    .query_row([hash], SessionRow::read)
                    .optional()?;
                Ok(row.map(SessionRow::into_session).transpose()?)
            })
            .await?;
        Ok(session)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(old = %old, new = %new.id))]
    async fn rotate(
        &self,
        old: SessionId,
        new: &RefreshSession,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let new = new.clone();
        let rotated = self
            .write(move |tx| {
                // The conditional update is the compare-and-set: of two
                // rotations of one session, only the first changes a row.
                let changed = tx
                    .prepare_cached(
                        "UPDATE refresh_sessions SET rotated_at = ?2 \
                         WHERE id = ?1 AND rotated_at IS NULL AND revoked_at IS NULL",
                    )?
                    .execute(params![old.to_string(), at.to_rfc3339()])?;
                if changed == 0 {
                    return Ok(false);
                }
                insert_session(tx, &new)?;
                Ok(true)
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
        self.write(move |tx| {
            tx.prepare_cached(
                "UPDATE refresh_sessions SET revoked_at = ?2 \
                 WHERE family_id = ?1 AND revoked_at IS NULL",
            )?
            .execute(params![family.to_string(), at.to_rfc3339()])?;
            Ok(())
        })
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(principal = %principal))]
    async fn revoke_principal(
        &self,
        principal: PrincipalId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let (kind, id) = rows::principal_columns(principal);
        self.write(move |tx| {
            tx.prepare_cached(
                "UPDATE refresh_sessions SET revoked_at = ?3 \
                 WHERE principal_kind = ?1 AND principal_id = ?2 AND revoked_at IS NULL",
            )?
            .execute(params![kind, id, at.to_rfc3339()])?;
            Ok(())
        })
        .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(principal = %principal, family = %family))]
    async fn session_holder(
        &self,
        principal: PrincipalId,
        family: SessionFamilyId,
    ) -> Result<Option<SessionHolder>, StoreError> {
        if let Some(holder) = self.holders.get(principal, family) {
            return Ok(Some(holder));
        }
        // Read before the read, which then begins after it (`holder_cache.rs`).
        let epoch = self.holders.epoch();
        let holder = self
            .read_fresh(move |conn| session_holder(conn, principal, family))
            .await?;
        if let Some(holder) = &holder {
            self.holders.keep(principal, family, holder.clone(), epoch);
        }
        Ok(holder)
    }
}

/// Whether sign-in `?2` has a session of principal `?1` that is not revoked
/// (the partial index `refresh_sessions_live_by_family` answers it alone).
const LIVE_FAMILY: &str = "EXISTS (SELECT 1 FROM refresh_sessions s \
     WHERE s.family_id = ?2 AND s.principal_kind = ?3 AND s.principal_id = ?1 \
     AND s.revoked_at IS NULL)";

/// `SessionStore::session_holder`: the account and the sign-in, read in one
/// statement on one reader.
fn session_holder(
    conn: &Connection,
    principal: PrincipalId,
    family: SessionFamilyId,
) -> Result<Option<SessionHolder>, DbError> {
    let (kind, id) = rows::principal_columns(principal);
    let family = family.to_string();
    match principal {
        PrincipalId::User(_) => {
            let sql =
                format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?1 AND {LIVE_FAMILY}");
            let row = conn
                .prepare_cached(&sql)?
                .query_row(params![id, family, kind], UserRow::read)
                .optional()?;
            Ok(row
                .map(UserRow::into_user)
                .transpose()?
                .map(SessionHolder::Staff))
        }
        PrincipalId::Customer(customer) => {
            let sql = format!("SELECT 1 FROM credentials WHERE customer_id = ?1 AND {LIVE_FAMILY}");
            let live = conn
                .prepare_cached(&sql)?
                .exists(params![id, family, kind])?;
            Ok(live.then_some(SessionHolder::Customer(customer)))
        }
    }
}

fn insert_session(conn: &Connection, session: &RefreshSession) -> Result<(), DbError> {
    let (kind, principal_id) = rows::principal_columns(session.principal);
    conn.prepare_cached(
        "INSERT INTO refresh_sessions (id, family_id, principal_kind, principal_id, token_hash, \
         created_at, expires_at, rotated_at, revoked_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        session.id.to_string(),
        session.family_id.to_string(),
        kind,
        principal_id,
        session.token_hash.as_str(),
        session.created_at.to_rfc3339(),
        session.expires_at.to_rfc3339(),
        session.rotated_at.map(|at| at.to_rfc3339()),
        session.revoked_at.map(|at| at.to_rfc3339()),
    ])?;
    Ok(())
}

/// A session as stored.
#[derive(Debug)]
struct SessionRow {
    id: String,
    family_id: String,
    principal_kind: String,
    principal_id: String,
    token_hash: String,
    created_at: String,
    expires_at: String,
    rotated_at: Option<String>,
    revoked_at: Option<String>,
}

impl SessionRow {
    fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            family_id: row.get(1)?,
            principal_kind: row.get(2)?,
            principal_id: row.get(3)?,
            token_hash: row.get(4)?,
            created_at: row.get(5)?,
            expires_at: row.get(6)?,
            rotated_at: row.get(7)?,
            revoked_at: row.get(8)?,
        })
    }

    fn into_session(self) -> Result<RefreshSession, CorruptData> {
        Ok(RefreshSession {
            id: decode("refresh_sessions.id", &self.id, SessionId::parse)?,
            family_id: decode(
                "refresh_sessions.family_id",
                &self.family_id,
                SessionFamilyId::parse,
            )?,
            principal: rows::principal(&self.principal_kind, &self.principal_id)?,
            token_hash: TokenHash::new(self.token_hash),
            created_at: rows::timestamp("refresh_sessions.created_at", &self.created_at)?,
            expires_at: rows::timestamp("refresh_sessions.expires_at", &self.expires_at)?,
            rotated_at: rows::timestamp_opt(
                "refresh_sessions.rotated_at",
                self.rotated_at.as_deref(),
            )?,
            revoked_at: rows::timestamp_opt(
                "refresh_sessions.revoked_at",
                self.revoked_at.as_deref(),
            )?,
        })
    }
}
