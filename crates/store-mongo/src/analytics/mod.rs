//! The analytics figures ports (`crm_analytics::ports`) on MongoDB
//! (ADR 0015): aggregation pipelines over the records of the range, read
//! through indexes on their instants, counted by the database; the server
//! gets one count per period (and kind, status or duration bucket), never
//! the records, except the lead journeys that touch the range (the SQLite
//! store counts the leads instead, ADR 0012 "Leads from counters"). The scope of a report is a condition on each record's
//! copies of its customer's current company and owner; the period of a
//! record is computed by the database (`query::period_index`).

mod email;
mod interactions;
mod lifecycle;
mod query;
mod tickets;

use async_trait::async_trait;
use crm_analytics::ports::{EmailSource, InteractionSource, LifecycleSource, TicketSource};
use crm_analytics::{
    CountRequest, EmailPeriodCounts, InteractionCount, LifecycleCounts, TicketCounts,
    TicketPeriodCounts, add_journeys,
};
use crm_kernel::BackendError;
use mongodb::bson::Document;

use crate::db::client::MongoStore;
use crate::db::names;
use crate::db::ops::{aggregate_all, find_all};

impl MongoStore {
    /// The documents of `pipeline` on `collection` (none without one).
    async fn report_groups(
        &self,
        collection: &str,
        pipeline: Option<Vec<Document>>,
    ) -> Result<Vec<Document>, BackendError> {
        match pipeline {
            None => Ok(Vec::new()),
            Some(pipeline) => aggregate_all(&self.collection(collection), pipeline, None)
                .await
                .map_err(BackendError::new),
        }
    }
}

#[async_trait]
impl InteractionSource for MongoStore {
    #[tracing::instrument(skip_all, fields(periods = request.periods.len()))]
    async fn interaction_counts(
        &self,
        request: &CountRequest,
    ) -> Result<Vec<InteractionCount>, BackendError> {
        let groups = self
            .report_groups(names::INTERACTIONS, interactions::pipeline(request))
            .await?;
        interactions::read(&groups, request)
    }
}

#[async_trait]
impl TicketSource for MongoStore {
    #[tracing::instrument(skip_all, fields(periods = request.periods.len()))]
    async fn ticket_counts(&self, request: &CountRequest) -> Result<TicketCounts, BackendError> {
        let Some(pipeline) = tickets::pipeline(request) else {
            return Ok(TicketCounts {
                backlog_at_start: 0,
                periods: vec![TicketPeriodCounts::default(); request.periods.len()],
            });
        };
        let groups = self.report_groups(names::TICKETS, Some(pipeline)).await?;
        tickets::read(&groups, request)
    }
}

#[async_trait]
impl LifecycleSource for MongoStore {
    #[tracing::instrument(skip_all, fields(periods = request.periods.len()))]
    async fn lifecycle_counts(
        &self,
        request: &CountRequest,
    ) -> Result<LifecycleCounts, BackendError> {
        let groups = self
            .report_groups(names::STATUS_CHANGES, lifecycle::changes_pipeline(request))
            .await?;
        let mut counts = lifecycle::read_changes(&groups, request)?;
        if let Some(spec) = lifecycle::journeys_spec(request) {
            let documents = find_all(&self.collection(names::STATUS_CHANGES), spec, None)
                .await
                .map_err(BackendError::new)?;
            let journeys = documents
                .iter()
                .map(lifecycle::read_journey)
                .collect::<Result<Vec<_>, _>>()
                .map_err(BackendError::new)?;
            add_journeys(&mut counts, &journeys, request);
        }
        Ok(counts)
    }
}

#[async_trait]
impl EmailSource for MongoStore {
    #[tracing::instrument(skip_all, fields(periods = request.periods.len()))]
    async fn email_counts(
        &self,
        request: &CountRequest,
    ) -> Result<Vec<EmailPeriodCounts>, BackendError> {
        let groups = self
            .report_groups(names::EMAIL_RECIPIENTS, email::pipeline(request))
            .await?;
        email::read(&groups, request)
    }
}
