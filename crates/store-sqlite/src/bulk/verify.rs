//! Invariants a loader can check after loading: each is a count of the
//! records that break one, so a sound database answers zeros.

use crm_kernel::BackendError;
use rusqlite::Connection;

use crate::db::open::SqliteStore;

use super::BulkLoad;

/// How many records break each invariant the write paths keep (all zero
/// on a sound database), and how many records were checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Invariants {
    /// Customers checked.
    pub customers: u64,
    /// Customers whose status is not the `to` of their latest status change
    /// (or that have no status history at all).
    pub status_not_last_change: u64,
    /// Customers whose `last_interaction` is not what their interactions say.
    pub stale_last_interaction: u64,
    /// Customers that are not erased minus rows of the full-text index
    /// (zero when the index holds exactly one row per such customer).
    pub search_index_gap: i64,
    /// Tickets checked.
    pub tickets: u64,
    /// Tickets whose status is not the `to` of their latest event.
    pub ticket_status_not_last_event: u64,
}

impl Invariants {
    /// Whether every invariant holds.
    #[must_use]
    pub fn hold(&self) -> bool {
        self.status_not_last_change == 0
            && self.stale_last_interaction == 0
            && self.search_index_gap == 0
            && self.ticket_status_not_last_event == 0
    }
}

/// The latest status change of customer `c`.
const LAST_CHANGE: &str = "(SELECT s.to_status FROM customer_status_changes s \
     WHERE s.customer_id = c.id ORDER BY s.at DESC, s.id DESC LIMIT 1)";

/// What `customers.last_interaction` must be (see `last_interaction.rs`).
const EXPECTED_LAST: &str = "coalesce( \
     (SELECT max(i.date_time) FROM interactions i \
      WHERE i.customer_id = c.id AND i.status = 'completed'), \
     (SELECT max(i.date_time) FROM interactions i \
      WHERE i.customer_id = c.id AND i.status <> 'cancelled'))";

/// The latest event of ticket `t`.
const LAST_EVENT: &str = "(SELECT e.to_status FROM ticket_events e \
     WHERE e.ticket_id = t.id ORDER BY e.at DESC, e.id DESC LIMIT 1)";

impl BulkLoad<'_> {
    /// Counts the records that break an invariant (reads every customer and
    /// ticket once).
    pub async fn invariants(&self) -> Result<Invariants, BackendError> {
        check(self.store).await
    }
}

async fn check(store: &SqliteStore) -> Result<Invariants, BackendError> {
    store.with_reader(|conn| count(conn)).await?
}

fn count(conn: &Connection) -> Result<Invariants, BackendError> {
    let number = |sql: &str| -> Result<i64, BackendError> {
        conn.query_row(sql, [], |row| row.get::<_, i64>(0))
            .map_err(BackendError::new)
    };
    let unsigned = |sql: &str| -> Result<u64, BackendError> {
        number(sql).map(|n| u64::try_from(n).unwrap_or(0))
    };
    Ok(Invariants {
        customers: unsigned("SELECT count(*) FROM customers")?,
        status_not_last_change: unsigned(&format!(
            "SELECT count(*) FROM customers c WHERE {LAST_CHANGE} IS NOT c.status"
        ))?,
        stale_last_interaction: unsigned(&format!(
            "SELECT count(*) FROM customers c WHERE c.last_interaction IS NOT {EXPECTED_LAST}"
        ))?,
        search_index_gap: number(
            "SELECT (SELECT count(*) FROM customers WHERE erased_at IS NULL) \
                  - (SELECT count(*) FROM customers_fts)",
        )?,
        tickets: unsigned("SELECT count(*) FROM tickets")?,
        ticket_status_not_last_event: unsigned(&format!(
            "SELECT count(*) FROM tickets t WHERE {LAST_EVENT} IS NOT t.status"
        ))?,
    })
}
