//! Idempotency keys of raising a ticket: `ticket_idempotency`, one row per
//! (principal, key), written in the transaction of the ticket it names.

use std::fmt::Write as _;

use crm_kernel::{TicketId, Timestamp};
use crm_tickets::IdempotencyKey;
use crm_tickets::ports::StoreError;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::db::error::TicketDbError;
use crate::db::rows::{self, decode};

/// What an earlier use of a key tells about a new request with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Earlier {
    /// The key was not used before.
    Unused,
    /// The key was used for this very request, which raised this ticket.
    Same(TicketId),
}

/// Looks the key up for its principal: [`Earlier::Unused`], the ticket of
/// the same request, or [`StoreError::IdempotencyMismatch`] when the key was
/// used for another request.
pub(crate) fn earlier(conn: &Connection, key: &IdempotencyKey) -> Result<Earlier, TicketDbError> {
    let (kind, principal) = rows::principal_columns(key.principal);
    let stored: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT fingerprint, ticket_id FROM ticket_idempotency \
             WHERE principal_kind = ?1 AND principal_id = ?2 AND key = ?3",
        )?
        .query_row(params![kind, principal, key.key], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    match stored {
        None => Ok(Earlier::Unused),
        Some((fingerprint, ticket)) if fingerprint == digest(&key.fingerprint) => {
            Ok(Earlier::Same(decode(
                "ticket_idempotency.ticket_id",
                &ticket,
                TicketId::parse,
            )?))
        }
        Some(_) => Err(TicketDbError::refused(StoreError::IdempotencyMismatch)),
    }
}

/// Records that `key` raised `ticket` at `at`.
pub(crate) fn record(
    conn: &Connection,
    key: &IdempotencyKey,
    ticket: TicketId,
    at: Timestamp,
) -> Result<(), TicketDbError> {
    let (kind, principal) = rows::principal_columns(key.principal);
    conn.prepare_cached(
        "INSERT INTO ticket_idempotency \
         (principal_kind, principal_id, key, fingerprint, ticket_id, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        kind,
        principal,
        key.key,
        digest(&key.fingerprint),
        ticket.to_string(),
        at.to_rfc3339()
    ])?;
    Ok(())
}

/// The stored form of a request's fingerprint: its SHA-256 in lower-case
/// hex (equal for equal requests, and the text is not kept twice).
pub(crate) fn digest(fingerprint: &str) -> String {
    Sha256::digest(fingerprint.as_bytes()).iter().fold(
        String::with_capacity(64),
        |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stored_as_sha256_hex() {
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(digest("a\u{1f}b"), digest("a\u{1f}c"));
    }
}
