//! `customers.last_interaction`: a read model of the interactions context
//! on the customer's row, which the customer list sorts by.
//!
//! It is recomputed from the customer's interactions in the transaction of
//! every interaction write, so it never disagrees with them: the start of
//! the customer's latest completed interaction, or, when none is completed,
//! of its latest interaction that is not cancelled (scheduled or no-show),
//! or NULL when there is none. The interactions context owns it: a write of
//! the customer record leaves it alone (see `customers::writes::update`), and
//! recomputing it changes neither the customer's version nor its
//! `updated_at` (it is no edit of the record, so no ETag goes stale).

use crm_kernel::CustomerId;
use rusqlite::Connection;

use crate::db::error::InteractionDbError;

/// Recomputes the `last_interaction` of `customer` from its interactions.
pub(crate) fn recompute(conn: &Connection, customer: CustomerId) -> Result<(), InteractionDbError> {
    conn.prepare_cached(
        "UPDATE customers SET last_interaction = coalesce( \
             (SELECT max(i.date_time) FROM interactions i \
              WHERE i.customer_id = ?1 AND i.status = 'completed'), \
             (SELECT max(i.date_time) FROM interactions i \
              WHERE i.customer_id = ?1 AND i.status <> 'cancelled')) \
         WHERE id = ?1",
    )?
    .execute([customer.to_string()])?;
    Ok(())
}
