//! The outbox write: a message, its recipients and its idempotency key in
//! the caller's `BEGIN IMMEDIATE` transaction, before anything is sent.

use crm_email::ports::{Inserted, StoreError};
use crm_email::{Email, IdempotencyKey, Recipient};
use crm_kernel::{EmailId, Timestamp};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use crate::db::error::EmailDbError;
use crate::db::rows::{self, decode};
use crate::email::rows::{email_values, insert_recipient_sql, recipient_values};
use crate::tickets::idempotency::digest;

/// `INSERT` of a message.
const INSERT_EMAIL: &str = "INSERT INTO emails (id, from_name, from_address, sender_id, \
     subject, text_body, html_body, html_generated, template_id, send_at, created_at) \
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/// Stores the message and its recipients (`queued`) and the key, unless the
/// key was used before: then nothing is stored and the answer is the first
/// message, or [`StoreError::IdempotencyMismatch`] for another request.
pub(crate) fn insert(
    conn: &Connection,
    email: &Email,
    recipients: &[Recipient],
    idempotency: Option<&IdempotencyKey>,
) -> Result<Inserted, EmailDbError> {
    if let Some(key) = idempotency
        && let Some(first) = earlier(conn, key)?
    {
        return Ok(Inserted::Replayed(first));
    }
    conn.prepare_cached(INSERT_EMAIL)?
        .execute(params_from_iter(email_values(email)))?;
    let sql = insert_recipient_sql();
    let mut statement = conn.prepare_cached(&sql)?;
    for (position, recipient) in recipients.iter().enumerate() {
        let mut values = recipient_values(recipient);
        values.push(Value::Text(recipient.address.key()));
        values.push(Value::Integer(i64::try_from(position).unwrap_or(i64::MAX)));
        statement.execute(params_from_iter(values))?;
    }
    if let Some(key) = idempotency {
        record(conn, key, email.id, email.created_at)?;
    }
    Ok(Inserted::Created)
}

/// The message an earlier use of the key created, if the key was used for
/// the same request; [`StoreError::IdempotencyMismatch`] for another one.
fn earlier(conn: &Connection, key: &IdempotencyKey) -> Result<Option<EmailId>, EmailDbError> {
    let (kind, principal) = rows::principal_columns(key.principal);
    let stored: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT fingerprint, email_id FROM email_idempotency \
             WHERE principal_kind = ?1 AND principal_id = ?2 AND key = ?3",
        )?
        .query_row(params![kind, principal, key.key], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    match stored {
        None => Ok(None),
        Some((fingerprint, email)) if fingerprint == digest(&key.fingerprint) => Ok(Some(decode(
            "email_idempotency.email_id",
            &email,
            EmailId::parse,
        )?)),
        Some(_) => Err(EmailDbError::refused(StoreError::IdempotencyMismatch)),
    }
}

fn record(
    conn: &Connection,
    key: &IdempotencyKey,
    email: EmailId,
    at: Timestamp,
) -> Result<(), EmailDbError> {
    let (kind, principal) = rows::principal_columns(key.principal);
    conn.prepare_cached(
        "INSERT INTO email_idempotency \
         (principal_kind, principal_id, key, fingerprint, email_id, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        kind,
        principal,
        key.key,
        digest(&key.fingerprint),
        email.to_string(),
        at.to_rfc3339()
    ])?;
    Ok(())
}
