//! The writes of a ticket record. Each runs inside the caller's `BEGIN
//! IMMEDIATE` transaction on the single writer and decides the port's
//! refusals there, where no concurrent write can change the answer.

use crm_kernel::{TicketId, Version};
use crm_tickets::ports::{Inserted, StoreError};
use crm_tickets::{IdempotencyKey, Ticket, TicketEvent};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

use crate::db::error::TicketDbError;
use crate::db::rows::{ensure_newer_version, stored_version};
use crate::tickets::events;
use crate::tickets::idempotency::{self, Earlier};
use crate::tickets::rows::{self, INSERT_TICKET, TICKET_ROW};

/// Stores a raised ticket, its first event and its idempotency key, unless
/// the key was used before: then nothing is stored, and the answer is the
/// first ticket ([`Inserted::Replayed`]) or, for another request,
/// [`StoreError::IdempotencyMismatch`].
pub(crate) fn insert(
    conn: &Connection,
    ticket: &Ticket,
    event: &TicketEvent,
    idempotency: Option<&IdempotencyKey>,
) -> Result<Inserted, TicketDbError> {
    if let Some(key) = idempotency
        && let Earlier::Same(first) = idempotency::earlier(conn, key)?
    {
        return Ok(Inserted::Replayed(first));
    }
    conn.prepare_cached(INSERT_TICKET)?
        .execute(params_from_iter(rows::columns(ticket)))?;
    events::append(conn, ticket.id, event)?;
    if let Some(key) = idempotency {
        idempotency::record(conn, key, ticket.id, ticket.created_at)?;
    }
    Ok(Inserted::Created)
}

/// Replaces the ticket stored at version `expected` with `ticket` and
/// appends `event`, if any.
///
/// Refuses with [`StoreError::NotFound`] or [`StoreError::VersionConflict`];
/// the caller's transaction then rolls back.
pub(crate) fn update(
    conn: &Connection,
    ticket: &Ticket,
    expected: Version,
    event: Option<&TicketEvent>,
) -> Result<(), TicketDbError> {
    ensure_newer_version("ticket", ticket.id, ticket.version, expected)?;
    let id = ticket.id.to_string();
    let Some(stored) = TICKET_ROW.stored(conn, &id)? else {
        return Err(TicketDbError::refused(StoreError::NotFound));
    };
    let expected = stored_version(expected);
    if stored.last() != Some(&Value::Integer(expected)) {
        return Err(TicketDbError::refused(StoreError::VersionConflict));
    }
    let mut values = rows::columns(ticket);
    values.remove(0);
    let changed = TICKET_ROW.apply(conn, &id, &stored, values, expected)?;
    if changed == 0 {
        // Cannot happen: the row was read at the expected version in this
        // transaction. Should it, the record did not match: a conflict.
        return Err(TicketDbError::refused(StoreError::VersionConflict));
    }
    match event {
        Some(event) => events::append(conn, ticket.id, event),
        None => Ok(()),
    }
}

/// The stored version of the ticket, if it exists.
pub(crate) fn stored_version_of(
    conn: &Connection,
    id: TicketId,
) -> Result<Option<i64>, TicketDbError> {
    Ok(conn
        .prepare_cached("SELECT version FROM tickets WHERE id = ?1")?
        .query_row([id.to_string()], |row| row.get(0))
        .optional()?)
}
