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

/// Sets `customers.last_interaction` of `?1` from its interactions: each
/// latest start is one seek of `interactions_by_customer_status`
/// (migration 0013), whatever the customer's number of interactions. The
/// interactions not cancelled are the completed, scheduled and no-show
/// ones; when the first branch is NULL none is completed.
///
/// The row is written only when the value changes: a meeting scheduled
/// for a customer that has a completed one (the usual case) leaves the
/// customer's row and its two `last_interaction` indexes untouched, where
/// an unconditional `UPDATE` rewrote the row and both index entries.
const RECOMPUTE: &str = "UPDATE customers SET last_interaction = latest.at \
     FROM (SELECT coalesce( \
         (SELECT max(i.date_time) FROM interactions i \
          WHERE i.customer_id = ?1 AND i.status = 'completed'), \
         (SELECT max(latest) FROM ( \
              SELECT max(i.date_time) AS latest FROM interactions i \
              WHERE i.customer_id = ?1 AND i.status = 'scheduled' \
              UNION ALL \
              SELECT max(i.date_time) FROM interactions i \
              WHERE i.customer_id = ?1 AND i.status = 'no_show'))) AS at) AS latest \
     WHERE customers.id = ?1 AND customers.last_interaction IS NOT latest.at";

/// Recomputes the `last_interaction` of `customer` from its interactions.
pub(crate) fn recompute(conn: &Connection, customer: CustomerId) -> Result<(), InteractionDbError> {
    conn.prepare_cached(RECOMPUTE)?
        .execute([customer.to_string()])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::open::SqliteStore;

    #[tokio::test]
    async fn each_latest_start_is_one_seek_of_the_customer_status_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("crm.db")).await.unwrap();
        store.migrate().await.unwrap();
        let plan = store
            .with_reader(|conn| {
                let mut statement = conn.prepare(&format!("EXPLAIN QUERY PLAN {RECOMPUTE}"))?;
                let details: Vec<String> = statement
                    .query_map(["c"], |row| row.get::<_, String>(3))?
                    .collect::<Result<_, _>>()?;
                Ok::<_, rusqlite::Error>(details.join("\n"))
            })
            .await
            .unwrap()
            .unwrap();
        let seeks = plan
            .matches(
                "SEARCH i USING COVERING INDEX interactions_by_customer_status (customer_id=? AND status=?)",
            )
            .count();
        assert_eq!(seeks, 3, "{plan}");
        assert!(!plan.contains("SCAN i"), "{plan}");
    }
}
