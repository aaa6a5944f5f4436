//! The outbox write: a message, its recipients and its idempotency key in
//! one transaction, before anything is sent.
//!
//! Idempotency keys of sending are documents of `email_idempotency`, one per
//! (principal, key) (`_id` `kind:principal:key`, as for tickets), holding the
//! SHA-256 of the request's fingerprint and the message it created, purged
//! 30 days after their use (a TTL index). Of concurrent sends with one key
//! exactly one stores a message: the others' key writes conflict, run
//! again, find the key and replay its message.

use std::collections::HashMap;

use crm_email::ports::{Inserted, StoreError};
use crm_email::{Email, IdempotencyKey, Recipient};
use crm_kernel::{CustomerId, EmailId, PrincipalId};
use mongodb::ClientSession;
use mongodb::bson::{Bson, Document, doc};

use crate::bson::convert::{Fields, date, principal_fields};
use crate::db::client::MongoStore;
use crate::db::error::{DbError, EmailDbError, retry_on_duplicate};
use crate::db::names;
use crate::email::docs::{RecipientCopies, email_document, recipient_document};
use crate::tickets::idempotency::digest;

/// The `_id` of a key: the principal's kind and id, then the key (a key is
/// visible ASCII, the prefix has a fixed form, so ids never collide).
pub(crate) fn key_id(principal: PrincipalId, key: &str) -> String {
    let (kind, principal) = principal_fields(principal);
    format!("{kind}:{principal}:{key}")
}

/// The document recording that `key` created `email`.
pub(crate) fn key_document(key: &IdempotencyKey, email: &Email) -> Document {
    let (kind, principal) = principal_fields(key.principal);
    doc! {
        "_id": key_id(key.principal, &key.key),
        "principal_kind": kind,
        "principal_id": principal,
        "key": &key.key,
        "fingerprint": digest(&key.fingerprint),
        "email_id": email.id.to_string(),
        "created_at": date(email.created_at),
    }
}

impl MongoStore {
    /// Stores the message and its recipients and the key, unless the key
    /// was used before: then nothing is stored and the answer is the first
    /// message, or [`StoreError::IdempotencyMismatch`] for another request.
    pub(crate) async fn write_new_email(
        &self,
        session: &mut ClientSession,
        email: &Email,
        recipients: &[Recipient],
        idempotency: Option<&IdempotencyKey>,
    ) -> Result<Inserted, EmailDbError> {
        if let Some(key) = idempotency {
            if let Some(first) = self.earlier_send(session, key).await? {
                return Ok(Inserted::Replayed(first));
            }
            self.collection(names::EMAIL_IDEMPOTENCY)
                .insert_one(key_document(key, email))
                .session(&mut *session)
                .await
                .map_err(retry_on_duplicate)?;
        }
        self.collection(names::EMAILS)
            .insert_one(email_document(email, recipients))
            .session(&mut *session)
            .await?;
        let mut customers: HashMap<CustomerId, (Bson, Bson)> = HashMap::new();
        let mut documents = Vec::with_capacity(recipients.len());
        for (position, recipient) in recipients.iter().enumerate() {
            if recipient.email_id != email.id {
                return Err(DbError::backend(format!(
                    "recipient {} of message {} was given with message {}",
                    recipient.id, recipient.email_id, email.id
                )));
            }
            let copies = match recipient.customer_id {
                None => RecipientCopies {
                    company: Bson::Null,
                    owner: Bson::Null,
                    first_of_customer: false,
                },
                Some(customer) => {
                    let first_of_customer = !customers.contains_key(&customer);
                    if first_of_customer {
                        let copies = self.recipient_customer(session, customer).await?;
                        customers.insert(customer, copies);
                    }
                    let (company, owner) = customers
                        .get(&customer)
                        .cloned()
                        .unwrap_or((Bson::Null, Bson::Null));
                    RecipientCopies {
                        company,
                        owner,
                        first_of_customer,
                    }
                }
            };
            documents.push(recipient_document(email, recipient, position, copies));
        }
        // Recipients written as sent already (a history brought in) count
        // in the reports at once.
        let sent: Vec<String> = documents
            .iter()
            .filter(|d| matches!(d.get("sent_at"), Some(Bson::DateTime(_))))
            .filter_map(|d| d.get_str("_id").ok().map(str::to_owned))
            .collect();
        if !documents.is_empty() {
            self.collection(names::EMAIL_RECIPIENTS)
                .insert_many(documents)
                .session(&mut *session)
                .await?;
        }
        for id in sent {
            self.recount_recipient(session, &id).await?;
        }
        Ok(Inserted::Created)
    }

    /// The message an earlier use of `key` created, for the same request;
    /// [`StoreError::IdempotencyMismatch`] for another one.
    async fn earlier_send(
        &self,
        session: &mut ClientSession,
        key: &IdempotencyKey,
    ) -> Result<Option<EmailId>, EmailDbError> {
        let Some(stored) = self
            .collection(names::EMAIL_IDEMPOTENCY)
            .find_one(doc! { "_id": key_id(key.principal, &key.key) })
            .session(session)
            .await?
        else {
            return Ok(None);
        };
        let fields = Fields::of(names::EMAIL_IDEMPOTENCY, &stored);
        if fields.text("fingerprint")? == digest(&key.fingerprint) {
            Ok(Some(fields.parse("email_id", EmailId::parse)?))
        } else {
            Err(DbError::refused(StoreError::IdempotencyMismatch))
        }
    }

    /// The company and owner of a recipient's customer, which is touched
    /// (see `db::references`); a customer that does not exist is a broken
    /// precondition, as a foreign key would report.
    async fn recipient_customer(
        &self,
        session: &mut ClientSession,
        customer: CustomerId,
    ) -> Result<(Bson, Bson), EmailDbError> {
        let found = self
            .touch(session, names::CUSTOMERS, &customer.to_string())
            .await?
            .ok_or_else(|| {
                DbError::backend(format!(
                    "a recipient names customer {customer}, which does not exist"
                ))
            })?;
        let copy = |field| found.get(field).cloned().unwrap_or(Bson::Null);
        Ok((copy("company_id"), copy("owner_id")))
    }
}

#[cfg(test)]
mod tests {
    use crm_kernel::UserId;

    use super::*;

    #[test]
    fn keys_are_per_principal_and_keep_a_digest_of_the_request() {
        let customer = CustomerId::new();
        let as_user = UserId::from_uuid(customer.as_uuid());
        assert_ne!(
            key_id(PrincipalId::Customer(customer), "k"),
            key_id(PrincipalId::User(as_user), "k")
        );
        assert_eq!(
            key_id(PrincipalId::User(as_user), "send-1"),
            format!("user:{as_user}:send-1")
        );
    }
}
