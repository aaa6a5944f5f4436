//! Email keys: one document per case-insensitive email key in use
//! (`_id` the key), naming who holds it: a staff user, or a customer (with
//! or without a sign-in account). Staff users and customers share one email
//! space, so every write that gives an account or a customer record an
//! email claims its key here first, in the same transaction: a key held by
//! someone else is the port's duplicate email, and two transactions
//! claiming one key conflict, so one of them runs again and sees the other's.

use crm_kernel::{CustomerId, UserId};
use mongodb::ClientSession;
use mongodb::bson::{Document, doc};

use crate::bson::convert::Fields;
use crate::db::client::MongoStore;
use crate::db::error::{CorruptData, DbError, retry_on_duplicate};
use crate::db::names;

/// Who holds an email key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Holder {
    /// A staff user.
    User(UserId),
    /// A customer.
    Customer(CustomerId),
}

impl Holder {
    /// The claim document of `key`.
    pub(crate) fn document(self, key: &str) -> Document {
        let (kind, id) = match self {
            Self::User(id) => ("user", id.to_string()),
            Self::Customer(id) => ("customer", id.to_string()),
        };
        doc! { "_id": key, "kind": kind, "holder_id": id }
    }

    /// The holder a claim document names.
    pub(crate) fn read(document: &Document) -> Result<Self, CorruptData> {
        let fields = Fields::of(names::EMAIL_KEYS, document);
        match fields.text("kind")? {
            "user" => Ok(Self::User(fields.parse("holder_id", UserId::parse)?)),
            "customer" => Ok(Self::Customer(
                fields.parse("holder_id", CustomerId::parse)?,
            )),
            other => Err(fields.corrupt("kind", format!("unknown holder kind `{other}`"))),
        }
    }

    /// The customer, when a customer holds the key.
    pub(crate) fn customer(self) -> Option<CustomerId> {
        match self {
            Self::Customer(id) => Some(id),
            Self::User(_) => None,
        }
    }
}

/// What claiming a key found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    /// The key was free and is now claimed.
    New,
    /// The claimant held it already.
    Own,
    /// Someone else holds it; nothing was claimed.
    Taken(Holder),
}

impl MongoStore {
    /// Who holds `key`, read in the session's transaction.
    pub(crate) async fn email_holder<R>(
        &self,
        session: &mut ClientSession,
        key: &str,
    ) -> Result<Option<Holder>, DbError<R>> {
        let claim = self
            .collection(names::EMAIL_KEYS)
            .find_one(doc! { "_id": key })
            .session(session)
            .await?;
        Ok(claim.as_ref().map(Holder::read).transpose()?)
    }

    /// Claims `key` for `holder`, unless someone else holds it (then it
    /// claims nothing). Claiming one's own key again is fine.
    pub(crate) async fn claim_email<R>(
        &self,
        session: &mut ClientSession,
        key: &str,
        holder: Holder,
    ) -> Result<Claim, DbError<R>> {
        match self.email_holder(session, key).await? {
            Some(current) if current == holder => Ok(Claim::Own),
            Some(other) => Ok(Claim::Taken(other)),
            None => {
                self.collection(names::EMAIL_KEYS)
                    .insert_one(holder.document(key))
                    .session(session)
                    .await
                    .map_err(retry_on_duplicate)?;
                Ok(Claim::New)
            }
        }
    }

    /// Frees `key` if `holder` holds it; `true` when it did.
    pub(crate) async fn release_email<R>(
        &self,
        session: &mut ClientSession,
        key: &str,
        holder: Holder,
    ) -> Result<bool, DbError<R>> {
        let deleted = self
            .collection(names::EMAIL_KEYS)
            .delete_one(holder.document(key))
            .session(session)
            .await?;
        Ok(deleted.deleted_count == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_name_their_holder() {
        let user = Holder::User(UserId::new());
        let customer = Holder::Customer(CustomerId::new());
        for holder in [user, customer] {
            let document = holder.document("ann@example.test");
            assert_eq!(document.get_str("_id").unwrap(), "ann@example.test");
            assert_eq!(Holder::read(&document).unwrap(), holder);
        }
        assert_eq!(user.customer(), None);
        assert!(customer.customer().is_some());
        assert!(Holder::read(&doc! { "_id": "k", "kind": "robot", "holder_id": "x" }).is_err());
    }
}
