//! Sign-in credentials of staff users and customers: [`CredentialStore`] on
//! the `credentials` collection, one document per principal (`_id`
//! `user:<id>` or `customer:<id>`). They are written with the account they
//! belong to (see `users.rs`, `accounts.rs` and the customer writes).

use async_trait::async_trait;
use crm_identity::PasswordHash;
use crm_identity::ports::{Credential, CredentialStore, StoreError};
use crm_kernel::{EmailAddress, PrincipalId, Timestamp};
use mongodb::bson::{Document, doc};

use crate::bson::convert::{Fields, date, principal_fields};
use crate::db::client::MongoStore;
use crate::db::error::{CorruptData, IdentityDbError};
use crate::db::names;

/// The `_id` of a principal's credential.
pub(crate) fn credential_id(principal: PrincipalId) -> String {
    let (kind, id) = principal_fields(principal);
    format!("{kind}:{id}")
}

/// A new credential document.
pub(crate) fn credential_document(
    principal: PrincipalId,
    email: &EmailAddress,
    hash: &PasswordHash,
    at: Timestamp,
) -> Document {
    let (kind, id) = principal_fields(principal);
    doc! {
        "_id": credential_id(principal),
        "kind": kind,
        "principal_id": id,
        "email": email.as_str(),
        "email_key": email.key(),
        "password_hash": hash.as_str(),
        "created_at": date(at),
        "updated_at": date(at),
    }
}

fn read_credential(document: &Document) -> Result<Credential, CorruptData> {
    let fields = Fields::of(names::CREDENTIALS, document);
    Ok(Credential {
        principal: fields.principal("kind", "principal_id")?,
        email: fields.parse("email", EmailAddress::parse)?,
        password_hash: PasswordHash::from_phc(fields.text("password_hash")?.to_owned()),
    })
}

#[async_trait]
impl CredentialStore for MongoStore {
    #[tracing::instrument(level = "debug", skip_all)]
    async fn find_by_email(&self, email: &EmailAddress) -> Result<Option<Credential>, StoreError> {
        let found = self
            .collection(names::CREDENTIALS)
            .find_one(doc! { "email_key": email.key() })
            .await
            .map_err(IdentityDbError::from)?;
        Ok(found
            .as_ref()
            .map(read_credential)
            .transpose()
            .map_err(IdentityDbError::from)?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(principal = %principal))]
    async fn exists(&self, principal: PrincipalId) -> Result<bool, StoreError> {
        let found = self
            .collection(names::CREDENTIALS)
            .find_one(doc! { "_id": credential_id(principal) })
            .projection(doc! { "_id": 1 })
            .await
            .map_err(IdentityDbError::from)?;
        Ok(found.is_some())
    }
}

#[cfg(test)]
mod tests {
    use crm_kernel::{CustomerId, UserId};

    use super::*;

    #[test]
    fn credentials_round_trip_and_are_keyed_by_principal() {
        let principal = PrincipalId::Customer(CustomerId::new());
        let email = EmailAddress::parse("Ann@Example.test").unwrap();
        let hash = PasswordHash::from_phc("$argon2id$x".into());
        let at = Timestamp::from_millis(0).unwrap();
        let document = credential_document(principal, &email, &hash, at);
        assert_eq!(document.get_str("email_key").unwrap(), email.key());
        assert_eq!(
            document.get_str("_id").unwrap(),
            format!("customer:{principal}")
        );
        let credential = read_credential(&document).unwrap();
        assert_eq!(credential.principal, principal);
        assert_eq!(credential.password_hash, hash);
        let user = PrincipalId::User(UserId::from_uuid(CustomerId::new().as_uuid()));
        assert_ne!(credential_id(user), credential_id(principal));
    }
}
