//! Where the loader's batches go: each store's own bulk path, behind one
//! small trait, so that the generator stays one piece of code and feeds
//! both stores the same [`CustomerHistory`] and [`TicketHistory`] values.

use async_trait::async_trait;
use crm_customers::CustomerHistory;
use crm_interactions::Interaction;
use crm_kernel::BackendError;
use crm_store_mongo::MongoStore;
use crm_store_sqlite::SqliteStore;
use crm_tickets::TicketHistory;

use super::InvariantCounts;

/// A store's bulk path, as the loader uses it.
#[async_trait]
pub trait BulkTarget: Send + Sync + std::fmt::Debug {
    /// Stores customers with their status histories.
    async fn customers(&self, batch: Vec<CustomerHistory>) -> Result<(), BackendError>;
    /// Stores interactions and keeps their customers' `last_interaction`.
    async fn interactions(&self, batch: Vec<Interaction>) -> Result<(), BackendError>;
    /// Stores tickets with their events and comments.
    async fn tickets(&self, batch: Vec<TicketHistory>) -> Result<(), BackendError>;
    /// Ends the load: what the store does once after its batches.
    async fn finish(&self) -> Result<(), BackendError>;
    /// Counts the records that break an invariant the writes keep.
    async fn invariants(&self) -> Result<InvariantCounts, BackendError>;
}

#[async_trait]
impl BulkTarget for SqliteStore {
    async fn customers(&self, batch: Vec<CustomerHistory>) -> Result<(), BackendError> {
        self.bulk().customers(batch).await
    }
    async fn interactions(&self, batch: Vec<Interaction>) -> Result<(), BackendError> {
        self.bulk().interactions(batch).await
    }
    async fn tickets(&self, batch: Vec<TicketHistory>) -> Result<(), BackendError> {
        self.bulk().tickets(batch).await
    }
    async fn finish(&self) -> Result<(), BackendError> {
        // Merges the full-text index every batch added a segment to.
        self.bulk().finish().await
    }
    async fn invariants(&self) -> Result<InvariantCounts, BackendError> {
        let i = self.bulk().invariants().await?;
        Ok(InvariantCounts {
            customers: i.customers,
            status_not_last_change: i.status_not_last_change,
            stale_last_interaction: i.stale_last_interaction,
            search_index_gap: i.search_index_gap,
            tickets: i.tickets,
            ticket_status_not_last_event: i.ticket_status_not_last_event,
        })
    }
}

#[async_trait]
impl BulkTarget for MongoStore {
    async fn customers(&self, batch: Vec<CustomerHistory>) -> Result<(), BackendError> {
        self.bulk().customers(batch).await
    }
    async fn interactions(&self, batch: Vec<Interaction>) -> Result<(), BackendError> {
        self.bulk().interactions(batch).await
    }
    async fn tickets(&self, batch: Vec<TicketHistory>) -> Result<(), BackendError> {
        self.bulk().tickets(batch).await
    }
    async fn finish(&self) -> Result<(), BackendError> {
        // Its indexes are B-trees kept by each write: nothing to merge.
        Ok(())
    }
    async fn invariants(&self) -> Result<InvariantCounts, BackendError> {
        let i = self.bulk().invariants().await?;
        Ok(InvariantCounts {
            customers: i.customers,
            status_not_last_change: i.status_not_last_change,
            stale_last_interaction: i.stale_last_interaction,
            // The search index is each customer's keywords: the customers
            // whose keywords are stale are its gap.
            search_index_gap: i64::try_from(i.stale_search_keywords).unwrap_or(i64::MAX),
            tickets: i.tickets,
            ticket_status_not_last_event: i.ticket_status_not_last_event,
        })
    }
}

/// Whether every invariant holds.
#[must_use]
pub fn hold(i: &InvariantCounts) -> bool {
    i.status_not_last_change == 0
        && i.stale_last_interaction == 0
        && i.search_index_gap == 0
        && i.ticket_status_not_last_event == 0
}
