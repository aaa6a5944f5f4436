//! The status history of tickets: `ticket_events`, an append-only table
//! (its triggers refuse updates and deletes).

use crm_kernel::{BackendError, TicketId};
use crm_tickets::{TicketEvent, TicketStatus};
use rusqlite::{Connection, Row, params};

use crate::db::error::TicketDbError;
use crate::db::rows::{self, CorruptData, decode};
use crate::tickets::rows as ticket_rows;

/// Appends `event` to the history of `ticket`; refuses an event that
/// belongs to another ticket (a caller's bug that would corrupt a history).
pub(crate) fn append(
    conn: &Connection,
    ticket: TicketId,
    event: &TicketEvent,
) -> Result<(), TicketDbError> {
    if event.ticket_id != ticket {
        return Err(TicketDbError::Backend(BackendError::msg(format!(
            "the event of ticket {} was given with ticket {ticket}",
            event.ticket_id
        ))));
    }
    let (actor_kind, actor_id) = rows::principal_columns(event.actor);
    conn.prepare_cached(
        "INSERT INTO ticket_events (ticket_id, from_status, to_status, at, actor_kind, actor_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        event.ticket_id.to_string(),
        event.from.map(TicketStatus::as_str),
        event.to.as_str(),
        event.at.to_rfc3339(),
        actor_kind,
        actor_id,
    ])?;
    Ok(())
}

/// Every status change of the ticket, oldest first (equal instants in the
/// order they were written).
pub(crate) fn read(conn: &Connection, ticket: TicketId) -> Result<Vec<TicketEvent>, TicketDbError> {
    let mut statement = conn.prepare_cached(
        "SELECT ticket_id, from_status, to_status, at, actor_kind, actor_id \
         FROM ticket_events WHERE ticket_id = ?1 ORDER BY at, id",
    )?;
    let events = statement.query_and_then([ticket.to_string()], |row| {
        Ok::<_, TicketDbError>(EventRow::read(row)?.into_event()?)
    })?;
    events.collect()
}

/// A ticket event as stored.
#[derive(Debug)]
struct EventRow {
    ticket_id: String,
    from: Option<String>,
    to: String,
    at: String,
    actor_kind: String,
    actor_id: String,
}

impl EventRow {
    fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            ticket_id: row.get(0)?,
            from: row.get(1)?,
            to: row.get(2)?,
            at: row.get(3)?,
            actor_kind: row.get(4)?,
            actor_id: row.get(5)?,
        })
    }

    fn into_event(self) -> Result<TicketEvent, CorruptData> {
        Ok(TicketEvent {
            ticket_id: decode("ticket_events.ticket_id", &self.ticket_id, TicketId::parse)?,
            from: self
                .from
                .as_deref()
                .map(|text| ticket_rows::status("ticket_events.from_status", text))
                .transpose()?,
            to: ticket_rows::status("ticket_events.to_status", &self.to)?,
            at: rows::timestamp("ticket_events.at", &self.at)?,
            actor: rows::principal(&self.actor_kind, &self.actor_id)?,
        })
    }
}
