//! Sign-in credentials of staff users and customers: [`CredentialStore`] on
//! the `credentials` table. They are written with the account they belong
//! to ([`insert_credential`], from `identity/users.rs` and
//! `identity/customer_accounts.rs`).

use async_trait::async_trait;
use crm_identity::PasswordHash;
use crm_identity::ports::{Credential, CredentialStore, StoreError};
use crm_kernel::{CustomerId, EmailAddress, PrincipalId, Timestamp, UserId};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::db::error::{DbError, email_taken};
use crate::db::open::SqliteStore;
use crate::db::rows::{CorruptData, decode};

#[async_trait]
impl CredentialStore for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all)]
    async fn find_by_email(&self, email: &EmailAddress) -> Result<Option<Credential>, StoreError> {
        let key = email.key();
        let credential = self
            .read(move |conn| {
                let row = conn
                    .prepare_cached(
                        "SELECT user_id, customer_id, email, password_hash \
                         FROM credentials WHERE email_key = ?1",
                    )?
                    .query_row([key], CredentialRow::read)
                    .optional()?;
                Ok(row.map(CredentialRow::into_credential).transpose()?)
            })
            .await?;
        Ok(credential)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(principal = %principal))]
    async fn exists(&self, principal: PrincipalId) -> Result<bool, StoreError> {
        let sql = match principal {
            PrincipalId::User(_) => "SELECT 1 FROM credentials WHERE user_id = ?1",
            PrincipalId::Customer(_) => "SELECT 1 FROM credentials WHERE customer_id = ?1",
        };
        let id = principal.to_string();
        let exists = self
            .read(move |conn| Ok(conn.prepare_cached(sql)?.exists([id])?))
            .await?;
        Ok(exists)
    }
}

/// Stores the sign-in credential of `principal` (a new staff user or
/// customer account, written in the same transaction): `email`'s key must
/// be free, else [`StoreError::DuplicateEmail`].
pub(crate) fn insert_credential(
    conn: &Connection,
    principal: PrincipalId,
    email: &EmailAddress,
    password_hash: &str,
    at: Timestamp,
) -> Result<(), DbError> {
    let sql = match principal {
        PrincipalId::User(_) => {
            "INSERT INTO credentials \
             (user_id, email, email_key, password_hash, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)"
        }
        PrincipalId::Customer(_) => {
            "INSERT INTO credentials \
             (customer_id, email, email_key, password_hash, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)"
        }
    };
    conn.prepare_cached(sql)?
        .execute(params![
            principal.to_string(),
            email.as_str(),
            email.key(),
            password_hash,
            at.to_rfc3339(),
        ])
        .map_err(email_taken)?;
    Ok(())
}

/// A credential as stored.
#[derive(Debug)]
struct CredentialRow {
    user_id: Option<String>,
    customer_id: Option<String>,
    email: String,
    password_hash: String,
}

impl CredentialRow {
    fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            user_id: row.get(0)?,
            customer_id: row.get(1)?,
            email: row.get(2)?,
            password_hash: row.get(3)?,
        })
    }

    fn into_credential(self) -> Result<Credential, CorruptData> {
        let principal = match (self.user_id.as_deref(), self.customer_id.as_deref()) {
            (Some(id), None) => {
                PrincipalId::User(decode("credentials.user_id", id, UserId::parse)?)
            }
            (None, Some(id)) => {
                PrincipalId::Customer(decode("credentials.customer_id", id, CustomerId::parse)?)
            }
            _ => {
                return Err(CorruptData::new(
                    "credentials.user_id",
                    "a credential must belong to exactly one user or customer",
                ));
            }
        };
        Ok(Credential {
            principal,
            email: decode("credentials.email", &self.email, EmailAddress::parse)?,
            password_hash: PasswordHash::from_phc(self.password_hash),
        })
    }
}
