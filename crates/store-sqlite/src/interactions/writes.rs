//! The writes of interactions. Each runs inside the caller's `BEGIN
//! IMMEDIATE` transaction on the single writer, decides the port's refusals
//! there, where no concurrent write can change the answer, and recomputes
//! the `last_interaction` of the customers it touched in the same
//! transaction.

use std::collections::BTreeSet;

use crm_interactions::Interaction;
use crm_interactions::ports::StoreError;
use crm_kernel::{CustomerId, InteractionId, Version};
use rusqlite::{Connection, OptionalExtension, params_from_iter};

use crate::db::error::InteractionDbError;
use crate::db::rows::{ensure_newer_version, stored_version};
use crate::interactions::last_interaction;
use crate::interactions::rows::{self, INSERT_INTERACTION, INTERACTION_ROW};

/// Stores `interactions` with their attendees and recomputes their
/// customers' `last_interaction`.
///
/// Refuses with [`StoreError::UnknownCustomer`] when a customer is unknown
/// or erased, before anything is written (the caller's transaction then
/// stores nothing).
pub(crate) fn insert(
    conn: &Connection,
    interactions: &[Interaction],
) -> Result<(), InteractionDbError> {
    let customers: BTreeSet<CustomerId> = interactions.iter().map(|i| i.customer_id).collect();
    for customer in &customers {
        ensure_customer(conn, *customer)?;
    }
    let mut statement = conn.prepare_cached(INSERT_INTERACTION)?;
    for interaction in interactions {
        statement.execute(params_from_iter(rows::columns(interaction)))?;
        rows::write_attendees(conn, interaction)?;
    }
    for customer in customers {
        last_interaction::recompute(conn, customer)?;
    }
    Ok(())
}

/// Replaces the interaction stored at version `expected` with `interaction`
/// (attendees included) and recomputes its customer's `last_interaction`
/// (both customers', should it move to another one).
///
/// Refuses with [`StoreError::NotFound`] or [`StoreError::VersionConflict`],
/// and with [`StoreError::UnknownCustomer`] when it is moved to a customer
/// that is unknown or erased; the caller's transaction then rolls back.
pub(crate) fn update(
    conn: &Connection,
    interaction: &Interaction,
    expected: Version,
) -> Result<(), InteractionDbError> {
    ensure_newer_version("interaction", interaction.id, interaction.version, expected)?;
    let previous_customer = check_version(conn, interaction.id, expected)?;
    if previous_customer != interaction.customer_id {
        ensure_customer(conn, interaction.customer_id)?;
    }
    let id = interaction.id.to_string();
    let Some(stored) = INTERACTION_ROW.stored(conn, &id)? else {
        return Err(InteractionDbError::refused(StoreError::NotFound));
    };
    let mut values = rows::columns(interaction);
    values.remove(0);
    let changed = INTERACTION_ROW.apply(conn, &id, &stored, values, stored_version(expected))?;
    if changed == 0 {
        // Cannot happen: `check_version` saw the expected version in this
        // transaction. Should it, the record did not match: a conflict.
        return Err(InteractionDbError::refused(StoreError::VersionConflict));
    }
    conn.prepare_cached("DELETE FROM interaction_attendees WHERE interaction_id = ?1")?
        .execute([&id])?;
    rows::write_attendees(conn, interaction)?;
    last_interaction::recompute(conn, interaction.customer_id)?;
    if previous_customer != interaction.customer_id {
        last_interaction::recompute(conn, previous_customer)?;
    }
    Ok(())
}

/// [`StoreError::UnknownCustomer`] unless the customer exists and is not erased.
fn ensure_customer(conn: &Connection, customer: CustomerId) -> Result<(), InteractionDbError> {
    let exists = conn
        .prepare_cached("SELECT 1 FROM customers WHERE id = ?1 AND erased_at IS NULL")?
        .exists([customer.to_string()])?;
    if exists {
        Ok(())
    } else {
        Err(InteractionDbError::refused(StoreError::UnknownCustomer))
    }
}

/// [`StoreError::NotFound`] when the interaction is unknown,
/// [`StoreError::VersionConflict`] when it is not at `expected`; otherwise
/// the customer it is stored with.
fn check_version(
    conn: &Connection,
    id: InteractionId,
    expected: Version,
) -> Result<CustomerId, InteractionDbError> {
    let stored: Option<(i64, String)> = conn
        .prepare_cached("SELECT version, customer_id FROM interactions WHERE id = ?1")?
        .query_row([id.to_string()], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    match stored {
        None => Err(InteractionDbError::refused(StoreError::NotFound)),
        Some((version, _)) if version != stored_version(expected) => {
            Err(InteractionDbError::refused(StoreError::VersionConflict))
        }
        Some((_, customer)) => Ok(crate::db::rows::decode(
            "interactions.customer_id",
            &customer,
            CustomerId::parse,
        )?),
    }
}
