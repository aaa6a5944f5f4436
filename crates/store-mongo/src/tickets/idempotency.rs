//! Idempotency keys of raising a ticket, per principal: one document per
//! (principal, key) (`_id` `kind:principal:key`) holding the SHA-256 of the
//! request's canonical fingerprint and the ticket it raised. It is written
//! in the transaction that stores the ticket, so of concurrent raises with
//! one key exactly one stores a ticket: the others' writes conflict, run
//! again, find the key and replay its ticket.

use std::fmt::Write as _;

use crm_kernel::{TicketId, Timestamp};
use crm_tickets::IdempotencyKey;
use crm_tickets::ports::StoreError;
use mongodb::ClientSession;
use mongodb::bson::{Document, doc};
use sha2::{Digest, Sha256};

use crate::bson::convert::{Fields, date, principal_fields};
use crate::db::client::MongoStore;
use crate::db::error::{DbError, TicketDbError, retry_on_duplicate};
use crate::db::names;

/// What an idempotency key says about a raise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Earlier {
    /// The key was not used: store the ticket.
    Unused,
    /// The key raised this ticket for the same request: replay it.
    Same(TicketId),
}

/// The `_id` of a key: the principal's kind and id, then the key (a key is
/// visible ASCII, the prefix has a fixed form, so ids never collide).
pub(crate) fn key_id(key: &IdempotencyKey) -> String {
    let (kind, principal) = principal_fields(key.principal);
    format!("{kind}:{principal}:{}", key.key)
}

/// The SHA-256 (hex) of a fingerprint: equal requests give equal digests,
/// and the text is not stored a second time.
pub(crate) fn digest(fingerprint: &str) -> String {
    Sha256::digest(fingerprint.as_bytes()).iter().fold(
        String::with_capacity(64),
        |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        },
    )
}

/// The document recording that `key` raised `ticket` at `at`.
pub(crate) fn key_document(key: &IdempotencyKey, ticket: TicketId, at: Timestamp) -> Document {
    let (kind, principal) = principal_fields(key.principal);
    doc! {
        "_id": key_id(key),
        "principal_kind": kind,
        "principal_id": principal,
        "key": &key.key,
        "fingerprint": digest(&key.fingerprint),
        "ticket_id": ticket.to_string(),
        "created_at": date(at),
    }
}

impl MongoStore {
    /// Whether `key` was used: [`Earlier::Same`] for the same request,
    /// [`StoreError::IdempotencyMismatch`] for another.
    pub(crate) async fn earlier_use(
        &self,
        session: &mut ClientSession,
        key: &IdempotencyKey,
    ) -> Result<Earlier, TicketDbError> {
        let Some(stored) = self
            .collection(names::TICKET_IDEMPOTENCY)
            .find_one(doc! { "_id": key_id(key) })
            .session(session)
            .await?
        else {
            return Ok(Earlier::Unused);
        };
        let fields = Fields::of(names::TICKET_IDEMPOTENCY, &stored);
        if fields.text("fingerprint")? == digest(&key.fingerprint) {
            Ok(Earlier::Same(fields.parse("ticket_id", TicketId::parse)?))
        } else {
            Err(DbError::refused(StoreError::IdempotencyMismatch))
        }
    }

    /// Records that `key` raised `ticket`.
    pub(crate) async fn record_use(
        &self,
        session: &mut ClientSession,
        key: &IdempotencyKey,
        ticket: TicketId,
        at: Timestamp,
    ) -> Result<(), TicketDbError> {
        self.collection(names::TICKET_IDEMPOTENCY)
            .insert_one(key_document(key, ticket, at))
            .session(session)
            .await
            .map_err(retry_on_duplicate)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crm_kernel::{CustomerId, PrincipalId, UserId};

    use super::*;

    #[test]
    fn fingerprints_are_stored_as_sha256_hex() {
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(digest("a\u{1f}b"), digest("a\u{1f}c"));
    }

    #[test]
    fn keys_are_per_principal() {
        let customer = CustomerId::new();
        let as_user = UserId::from_uuid(customer.as_uuid());
        let key = |principal| IdempotencyKey::parse(principal, "k:1", "f".into()).unwrap();
        let of_customer = key(PrincipalId::Customer(customer));
        let of_user = key(PrincipalId::User(as_user));
        assert_ne!(key_id(&of_customer), key_id(&of_user));
        assert_eq!(key_id(&of_customer), format!("customer:{customer}:k:1"));
        let document = key_document(
            &of_user,
            TicketId::new(),
            Timestamp::from_millis(0).unwrap(),
        );
        assert_eq!(document.get_str("fingerprint").unwrap(), digest("f"));
    }
}
