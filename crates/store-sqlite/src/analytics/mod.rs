//! The analytics figures ports (`crm_analytics::ports`) over the report
//! counters of migrations 0007, 0009 and 0010 (ADR 0012).
//!
//! Triggers keep counters per UTC day and hour (`report_*` tables) in the
//! transaction of every write that changes them, and one row per lead
//! journey; totals over every customer (`report_*_totals`) also per UTC
//! month, which a report over every customer reads (whole months of a day
//! slice as month buckets). A request's day and hour slices sum counter
//! rows with one index range per slice ([`query::counter_rows`]); its exact
//! slices (under an hour) read the records of that time
//! ([`query::exact_rows`]): for email, the recipients sent to in them with
//! their events. Conversion's leads are journeys begun before a period's
//! end less those qualified before its start, from counters over the
//! periods and the lead-in from 1970 (`report_leads`, migration 0010),
//! corrected to distinct customers by the few journeys of customers with
//! several journeys; prospects, conversions and their durations read the
//! journeys qualified in the range. Email counters (migration 0011) count
//! each recipient at its sending and are recounted by triggers when its
//! status, customer or events change, a reclassified hit included. No
//! statement visits every interaction, ticket, status change, journey or
//! recipient, and none reads the customers who are still leads.

mod email;
mod interactions;
mod lifecycle;
mod query;
mod scope;
mod slices;
mod tickets;

use async_trait::async_trait;
use crm_analytics::ports::{EmailSource, InteractionSource, LifecycleSource, TicketSource};
use crm_analytics::{
    CountRequest, EmailPeriodCounts, InteractionCount, LifecycleCounts, TicketCounts,
};
use crm_kernel::BackendError;

use crate::db::open::SqliteStore;

#[async_trait]
impl InteractionSource for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all, fields(periods = request.periods.len()))]
    async fn interaction_counts(
        &self,
        request: &CountRequest,
    ) -> Result<Vec<InteractionCount>, BackendError> {
        let request = request.clone();
        self.with_reader(move |conn| interactions::interaction_counts(conn, &request))
            .await?
    }
}

#[async_trait]
impl TicketSource for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all, fields(periods = request.periods.len()))]
    async fn ticket_counts(&self, request: &CountRequest) -> Result<TicketCounts, BackendError> {
        let request = request.clone();
        self.with_reader(move |conn| tickets::ticket_counts(conn, &request))
            .await?
    }
}

#[async_trait]
impl LifecycleSource for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all, fields(periods = request.periods.len()))]
    async fn lifecycle_counts(
        &self,
        request: &CountRequest,
    ) -> Result<LifecycleCounts, BackendError> {
        let request = request.clone();
        self.with_reader(move |conn| lifecycle::lifecycle_counts(conn, &request))
            .await?
    }
}

#[async_trait]
impl EmailSource for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all, fields(periods = request.periods.len()))]
    async fn email_counts(
        &self,
        request: &CountRequest,
    ) -> Result<Vec<EmailPeriodCounts>, BackendError> {
        let request = request.clone();
        self.with_reader(move |conn| email::email_counts(conn, &request))
            .await?
    }
}

#[cfg(test)]
mod tests;
