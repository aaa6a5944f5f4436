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

/// Sets `customers.last_interaction` of `?1` from its interactions. The
/// latest completed start is one seek of the partial index
/// `interactions_completed_by_customer` (migration 0014); only when there is
/// none (`coalesce` reads its second argument only then) is the latest start
/// that is scheduled or a no-show read, walking `interactions_by_customer`
/// back from the latest and stopping at the first one that is not
/// cancelled.
///
/// The row is written only when the value changes: a meeting scheduled
/// for a customer that has a completed one (the usual case) leaves the
/// customer's row and its two `last_interaction` indexes untouched, where
/// an unconditional `UPDATE` rewrote the row and both index entries.
const RECOMPUTE: &str = "UPDATE customers SET last_interaction = latest.at \
     FROM (SELECT coalesce( \
         (SELECT max(i.date_time) FROM interactions i \
          WHERE i.customer_id = ?1 AND i.status = 'completed'), \
         (SELECT i.date_time FROM interactions i \
          WHERE i.customer_id = ?1 AND i.status IN ('scheduled', 'no_show') \
          ORDER BY i.date_time DESC LIMIT 1)) AS at) AS latest \
     WHERE customers.id = ?1 AND customers.last_interaction IS NOT latest.at";

/// Recomputes the `last_interaction` of `customer` from its interactions.
pub(crate) fn recompute(conn: &Connection, customer: CustomerId) -> Result<(), InteractionDbError> {
    conn.prepare_cached(RECOMPUTE)?
        .execute([customer.to_string()])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use rusqlite::StatementStatus;
    use rusqlite::types::Value;

    use super::*;
    use crate::db::plans::{explain, migrated};

    #[tokio::test]
    async fn the_latest_completed_start_is_one_seek_of_the_partial_index() {
        let (_dir, store) = migrated().await;
        let plan = explain(&store, RECOMPUTE.to_owned(), vec![Value::Text("c".into())]).await;
        assert!(
            plan.contains(
                "SEARCH i USING COVERING INDEX interactions_completed_by_customer (customer_id=?)"
            ),
            "{plan}"
        );
        assert!(
            plan.contains("SEARCH i USING INDEX interactions_by_customer (customer_id=?)"),
            "{plan}"
        );
        assert!(!plan.contains("SCAN i"), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }

    /// The virtual machine's steps of one recompute for customer `id`.
    fn steps(conn: &Connection, id: &str) -> i32 {
        let mut statement = conn.prepare(RECOMPUTE).unwrap();
        statement.execute([id]).unwrap();
        statement.get_status(StatementStatus::VmStep)
    }

    /// 3,000 completed interactions of customer `a`; 3,000 cancelled ones of
    /// `b` after its one scheduled meeting. `a`'s recompute reads one index
    /// entry (the walk for a scheduled one is not taken); `b`'s walks back
    /// through the cancelled ones, which shows the count measures the walk.
    #[tokio::test]
    async fn the_walk_for_a_scheduled_start_is_taken_only_without_a_completed_one() {
        let (_dir, store) = migrated().await;
        let (a, b) = store
            .with_writer(|conn| {
                conn.execute_batch(
                    "PRAGMA foreign_keys = OFF; \
                     INSERT INTO customers (id, first_name, last_name, created_at, updated_at) \
                     VALUES ('a', 'A', 'A', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'), \
                            ('b', 'B', 'B', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'); \
                     WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 3000) \
                     INSERT INTO interactions (id, customer_id, kind, date_time, time_zone, \
                         description, status, created_at, updated_at, version) \
                     SELECT printf('a%05d', k), 'a', 'call', printf('2026-01-01T00:00:%05d', k), \
                            'UTC', '', 'completed', '', '', 1 FROM n \
                     UNION ALL \
                     SELECT printf('b%05d', k), 'b', 'call', printf('2026-01-01T00:00:%05d', k), \
                            'UTC', '', CASE k WHEN 1 THEN 'scheduled' ELSE 'cancelled' END, \
                            '', '', 1 FROM n; \
                     PRAGMA foreign_keys = ON;",
                )
                .unwrap();
                (steps(conn, "a"), steps(conn, "b"))
            })
            .await
            .unwrap();
        assert!(a < 500, "{a} steps with a completed interaction");
        assert!(b > 3000, "{b} steps through the cancelled ones");
    }
}
