//! Bulk loading: many records per transaction, for benchmarks and large
//! demo data sets.
//!
//! Every record goes through the same write functions the ports use
//! (`customers::writes`, `interactions::writes`, `tickets::writes`,
//! `tickets::comments`), inside one `BEGIN IMMEDIATE` transaction per batch
//! on the single writer. So the triggers (full-text index, report
//! counters), the append-only histories and the read models
//! (`customers.last_interaction`, a ticket's first response) are kept
//! exactly as single writes keep them; only the cost of a transaction and
//! of a trip to the writer is shared by the batch. A batch that fails rolls
//! back whole.
//!
//! Its batches give the writer connection a 256 MiB page cache (kept by that
//! connection afterwards: load with a store of the loader's own).
//!
//! [`BulkLoad::finish`] merges the full-text index that every batch added a
//! segment to, and [`BulkLoad::invariants`] (`verify.rs`) counts the records
//! that break an invariant the writes keep, so a loader can check its work.

mod verify;

use crm_interactions::Interaction;
use crm_kernel::{BackendError, Version};

use crate::customers::writes as customer_writes;
use crate::db::error::DbError;
use crate::db::open::SqliteStore;
use crate::interactions::writes as interaction_writes;
use crate::tickets::{comments, writes as ticket_writes};

/// The histories a batch holds: the domain crates' own types, so one
/// generator feeds every store's bulk path.
pub use crm_customers::CustomerHistory;
pub use crm_tickets::{TicketHistory, TicketStep};
pub use verify::Invariants;

/// Writes batches of records through the store's own write paths; see the
/// module documentation.
#[derive(Debug, Clone, Copy)]
pub struct BulkLoad<'a> {
    store: &'a SqliteStore,
}

impl SqliteStore {
    /// The bulk loader of this store.
    #[must_use]
    pub fn bulk(&self) -> BulkLoad<'_> {
        BulkLoad { store: self }
    }
}

/// The page cache of the writer while it loads in bulk: the indexes of a
/// million rows do not fit the default 2 MiB, and every page that misses it
/// is read again from the operating system. It stays with the writer
/// connection of the store that loads (a loader's own store, not a server's).
const BULK_CACHE: &str = "PRAGMA cache_size = -262144";

/// Turns a write function's error into a plain backend error.
fn plain<R: std::fmt::Debug>(error: DbError<R>) -> BackendError {
    match error {
        DbError::Sqlite(error) => BackendError::new(error),
        DbError::Backend(error) => error,
        DbError::Corrupt(error) => BackendError::new(error),
        DbError::Refused(refusal) => BackendError::msg(format!("refused: {refusal:?}")),
    }
}

impl BulkLoad<'_> {
    /// Stores customers with their tags and status histories, as
    /// `CustomerRepository::insert` then `update` would, one version after
    /// the other.
    pub async fn customers(&self, batch: Vec<CustomerHistory>) -> Result<(), BackendError> {
        self.store
            .write(move |tx| {
                tx.execute_batch(BULK_CACHE)?;
                for history in &batch {
                    let (customer, change) = &history.created;
                    customer_writes::insert(tx, customer, change)?;
                    let mut version = customer.version;
                    for (next, change) in &history.changes {
                        customer_writes::update(tx, next, version, change.as_ref())?;
                        version = next.version;
                    }
                }
                Ok(())
            })
            .await
            .map_err(plain)
    }

    /// Stores interactions with their attendees and recomputes the
    /// `last_interaction` of their customers, as
    /// `InteractionRepository::insert` does.
    pub async fn interactions(&self, batch: Vec<Interaction>) -> Result<(), BackendError> {
        self.store
            .write(move |tx| {
                tx.execute_batch(BULK_CACHE)?;
                interaction_writes::insert(tx, &batch)
            })
            .await
            .map_err(plain)
    }

    /// Merges the customers' full-text index into one segment, once the
    /// load is done. Each batch's transaction left a segment of its own
    /// (FTS5 merges them only a few at a time), and a search reads every
    /// segment: 23 after the bench's `default` load, which made a name search
    /// read about 34 pages instead of a handful.
    pub async fn finish(&self) -> Result<(), BackendError> {
        self.store
            .write(|tx| {
                tx.execute(
                    "INSERT INTO customers_fts (customers_fts) VALUES ('optimize')",
                    [],
                )?;
                Ok::<_, DbError>(())
            })
            .await
            .map_err(plain)
    }

    /// Stores raised tickets with their events, comments and changes, as
    /// `TicketRepository::insert`, `add_comment` and `update` would.
    pub async fn tickets(&self, batch: Vec<TicketHistory>) -> Result<(), BackendError> {
        self.store
            .write(move |tx| {
                tx.execute_batch(BULK_CACHE)?;
                for history in &batch {
                    let (ticket, event) = &history.raised;
                    ticket_writes::insert(tx, ticket, event, None)?;
                    let mut version: Version = ticket.version;
                    for step in &history.steps {
                        match step {
                            TicketStep::Comment(comment, answer) => {
                                comments::add(tx, comment, *answer)?;
                                if answer.is_some() {
                                    // The first response is a change of the ticket.
                                    version = version.next();
                                }
                            }
                            TicketStep::Change(next, event) => {
                                ticket_writes::update(tx, next, version, Some(event))?;
                                version = next.version;
                            }
                        }
                    }
                }
                Ok(())
            })
            .await
            .map_err(plain)
    }
}

#[cfg(test)]
mod tests {
    use crm_customers::ports::CustomerRepository as _;
    use crm_customers::{CustomerQuery, CustomerSort, Visibility};
    use crm_kernel::{Limit, PageRequest};
    use crm_testkit::builders::{customer_named, first_status_change};

    use super::*;

    async fn segments(store: &SqliteStore) -> i64 {
        store
            .read(|conn| {
                Ok::<_, DbError>(conn.query_row(
                    "SELECT count(DISTINCT segid) FROM customers_fts_idx",
                    [],
                    |row| row.get(0),
                )?)
            })
            .await
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn finish_merges_the_search_index_into_one_segment_that_finds_every_customer() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("crm.db")).await.unwrap();
        store.migrate().await.unwrap();
        for _ in 0..5 {
            let batch = (0..3)
                .map(|_| {
                    let customer = customer_named("Bulk", "Loaded");
                    CustomerHistory {
                        created: (customer.clone(), first_status_change(&customer)),
                        changes: Vec::new(),
                    }
                })
                .collect();
            store.bulk().customers(batch).await.unwrap();
        }
        assert!(segments(&store).await > 1, "a segment per batch");
        store.bulk().finish().await.unwrap();
        assert_eq!(segments(&store).await, 1);
        let found = store
            .list(
                &CustomerQuery {
                    text: Some("bulk lo".into()),
                    sort: CustomerSort::relevance(),
                    ..CustomerQuery::default()
                },
                &Visibility::All,
                &PageRequest {
                    limit: Limit::parse(Some(100)).unwrap(),
                    after: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(found.items.len(), 15);
    }
}
