//! The status history of customers: `customer_status_changes`, an
//! append-only table (its triggers refuse updates and deletes).

use crm_customers::{LifecycleStatus, StatusChange};
use crm_kernel::{BackendError, CustomerId};
use rusqlite::{Connection, Row, params};

use crate::customers::rows as customer_rows;
use crate::db::error::CustomerDbError;
use crate::db::rows::{self, CorruptData, decode};

/// Appends `change` to the history of `customer`; refuses a change that
/// belongs to another customer (a caller's bug that would corrupt a history).
pub(crate) fn append(
    conn: &Connection,
    customer: CustomerId,
    change: &StatusChange,
) -> Result<(), CustomerDbError> {
    if change.customer_id != customer {
        return Err(CustomerDbError::Backend(BackendError::msg(format!(
            "the status change of customer {} was given with customer {customer}",
            change.customer_id
        ))));
    }
    let (actor_kind, actor_id) = rows::principal_columns(change.actor);
    conn.prepare_cached(
        "INSERT INTO customer_status_changes \
         (customer_id, from_status, to_status, at, actor_kind, actor_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        change.customer_id.to_string(),
        change.from.map(LifecycleStatus::as_str),
        change.to.as_str(),
        change.at.to_rfc3339(),
        actor_kind,
        actor_id,
    ])?;
    Ok(())
}

/// Every change of the customer's status, oldest first (equal instants in
/// the order they were written).
pub(crate) fn read(
    conn: &Connection,
    customer: CustomerId,
) -> Result<Vec<StatusChange>, CustomerDbError> {
    let mut statement = conn.prepare_cached(
        "SELECT customer_id, from_status, to_status, at, actor_kind, actor_id \
         FROM customer_status_changes WHERE customer_id = ?1 ORDER BY at, id",
    )?;
    let changes = statement.query_and_then([customer.to_string()], |row| {
        Ok::<_, CustomerDbError>(ChangeRow::read(row)?.into_change()?)
    })?;
    changes.collect()
}

/// A status change as stored.
#[derive(Debug)]
struct ChangeRow {
    customer_id: String,
    from: Option<String>,
    to: String,
    at: String,
    actor_kind: String,
    actor_id: String,
}

impl ChangeRow {
    fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            customer_id: row.get(0)?,
            from: row.get(1)?,
            to: row.get(2)?,
            at: row.get(3)?,
            actor_kind: row.get(4)?,
            actor_id: row.get(5)?,
        })
    }

    fn into_change(self) -> Result<StatusChange, CorruptData> {
        Ok(StatusChange {
            customer_id: decode(
                "customer_status_changes.customer_id",
                &self.customer_id,
                CustomerId::parse,
            )?,
            from: self
                .from
                .as_deref()
                .map(|text| customer_rows::status("customer_status_changes.from_status", text))
                .transpose()?,
            to: customer_rows::status("customer_status_changes.to_status", &self.to)?,
            at: rows::timestamp("customer_status_changes.at", &self.at)?,
            actor: rows::principal(&self.actor_kind, &self.actor_id)?,
        })
    }
}
