//! Erasing a customer (GDPR-style): its personal data goes, its records
//! stay without their free text. Runs inside the caller's transaction.

use crm_customers::ports::StoreError;
use crm_kernel::{CustomerId, Timestamp};
use rusqlite::{Connection, params};

use crate::db::error::CustomerDbError;

/// Erases the personal data of customer `id` at `at` (kept as `erased_at`):
/// names become `Erased Customer`, email, phone, notes, source and tags go,
/// the version is raised, and the credential and refresh sessions are
/// deleted. Status, company, owner, dates and status history stay. The
/// search index drops the row (its trigger sees `erased_at` set).
///
/// Refuses with [`StoreError::NotFound`] for an unknown or erased customer.
pub(crate) fn erase(
    conn: &Connection,
    id: CustomerId,
    at: Timestamp,
) -> Result<(), CustomerDbError> {
    let id = id.to_string();
    let changed = conn
        .prepare_cached(
            "UPDATE customers SET first_name = 'Erased', last_name = 'Customer', \
             name_sort = 'customer erased', email = NULL, email_key = NULL, phone = NULL, \
             notes = NULL, source = NULL, erased_at = ?2, version = version + 1 \
             WHERE id = ?1 AND erased_at IS NULL",
        )?
        .execute(params![id, at.to_rfc3339()])?;
    if changed == 0 {
        return Err(CustomerDbError::refused(StoreError::NotFound));
    }
    conn.prepare_cached("DELETE FROM customer_tags WHERE customer_id = ?1")?
        .execute([&id])?;
    conn.prepare_cached("DELETE FROM credentials WHERE customer_id = ?1")?
        .execute([&id])?;
    conn.prepare_cached(
        "DELETE FROM refresh_sessions WHERE principal_kind = 'customer' AND principal_id = ?1",
    )?
    .execute([&id])?;
    anonymise_linked_records(conn, &id)?;
    Ok(())
}

/// Text that replaces personal free text of an erased customer.
const ERASED: &str = "(erased)";

/// The erased customer's tickets and interactions stay (reports count them)
/// but lose their free text: ticket subjects, issues and comments, interaction
/// descriptions, outcomes, places and links, and outside attendees' emails.
/// Statuses, kinds, times and metrics are kept.
fn anonymise_linked_records(conn: &Connection, id: &str) -> Result<(), rusqlite::Error> {
    let rewrites = [
        "UPDATE ticket_comments SET body = ?2 \
         WHERE ticket_id IN (SELECT id FROM tickets WHERE customer_id = ?1)",
        "UPDATE tickets SET subject = ?2, issue = ?2, search_text = lower(?2) || char(31) || lower(?2) \
         WHERE customer_id = ?1",
        "UPDATE interactions SET description = ?2, outcome = NULL, location = NULL, meeting_url = NULL \
         WHERE customer_id = ?1",
    ];
    for sql in rewrites {
        conn.prepare_cached(sql)?.execute(params![id, ERASED])?;
    }
    conn.prepare_cached(
        "DELETE FROM interaction_attendees WHERE email IS NOT NULL \
         AND interaction_id IN (SELECT id FROM interactions WHERE customer_id = ?1)",
    )?
    .execute([id])?;
    Ok(())
}
