//! The analytics figures ports (`crm_analytics::ports`) on MongoDB
//! (ADR 0015): interactions, tickets, customers created, won and churned,
//! the lead journeys' flows and email recipients' kept facts
//! (`email_facts`) from counters per UTC hour, day and month kept by the
//! writes (`counters`, whose records `sources` describes, read by
//! `buckets`' ranges). Aggregation pipelines count the rest inside the
//! database: the records of exact slices (under an hour), and the lead
//! journeys conversion needs, grouped by customer (`journeys`); the server
//! gets one count per period (and kind, status, fact or duration bucket),
//! never the records. The scope of a report is a condition on the
//! counters' or each record's copies of its customer's current company and
//! owner; the period of a record is computed by the database
//! (`query::period_index`).

mod buckets;
pub(crate) mod counters;
mod email;
pub(crate) mod email_facts;
mod interactions;
mod journeys;
mod lifecycle;
mod moves;
mod query;
pub(crate) mod sources;
mod tickets;

use async_trait::async_trait;
use crm_analytics::ports::{EmailSource, InteractionSource, LifecycleSource, TicketSource};
use crm_analytics::{
    CountRequest, EmailPeriodCounts, InteractionCount, LifecycleCounts, TicketCounts,
};
use crm_kernel::BackendError;
use mongodb::bson::{Document, doc};

use crate::db::client::MongoStore;
use crate::db::names;
use crate::db::ops::aggregate_all;

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

impl MongoStore {
    /// The documents of every aggregation of `pipelines`, each on its
    /// collection.
    async fn groups_of(
        &self,
        pipelines: Vec<(&'static str, Vec<Document>)>,
    ) -> Result<Vec<Document>, BackendError> {
        let mut groups = Vec::new();
        for (collection, pipeline) in pipelines {
            groups.extend(self.report_groups(collection, Some(pipeline)).await?);
        }
        Ok(groups)
    }

    /// How the database answers [`InteractionSource::interaction_counts`]
    /// for `request`: each aggregation's collection and the server's
    /// `explain` of it with execution statistics (plan, index, keys and
    /// documents examined). For operators checking that reports read the
    /// counters through their indexes, and for the tests that pin it.
    pub async fn explain_interaction_counts(
        &self,
        request: &CountRequest,
    ) -> Result<Vec<(String, Document)>, BackendError> {
        let mut out = Vec::new();
        for (collection, pipeline) in interactions::pipelines(request)? {
            let explained = self
                .database()
                .run_command(doc! {
                    "explain": { "aggregate": collection, "pipeline": pipeline, "cursor": {} },
                    "verbosity": "executionStats",
                })
                .await
                .map_err(BackendError::new)?;
            out.push((collection.to_owned(), explained));
        }
        Ok(out)
    }
}

#[async_trait]
impl InteractionSource for MongoStore {
    #[tracing::instrument(level = "debug", skip_all, fields(periods = request.periods.len()))]
    async fn interaction_counts(
        &self,
        request: &CountRequest,
    ) -> Result<Vec<InteractionCount>, BackendError> {
        let groups = self.groups_of(interactions::pipelines(request)?).await?;
        interactions::read(&groups, request)
    }
}

#[async_trait]
impl TicketSource for MongoStore {
    #[tracing::instrument(level = "debug", skip_all, fields(periods = request.periods.len()))]
    async fn ticket_counts(&self, request: &CountRequest) -> Result<TicketCounts, BackendError> {
        let groups = self.groups_of(tickets::pipelines(request)?).await?;
        tickets::read(&groups, request)
    }
}

#[async_trait]
impl LifecycleSource for MongoStore {
    #[tracing::instrument(level = "debug", skip_all, fields(periods = request.periods.len()))]
    async fn lifecycle_counts(
        &self,
        request: &CountRequest,
    ) -> Result<LifecycleCounts, BackendError> {
        let groups = self
            .groups_of(lifecycle::changes_pipelines(request)?)
            .await?;
        let changes = lifecycle::read_changes(&groups, request)?;
        let mut counts = changes.counts;
        let journeys = self
            .report_groups(names::STATUS_CHANGES, journeys::pipeline(request))
            .await?;
        journeys::read(
            &journeys,
            request,
            &mut counts,
            (changes.lead_in, &changes.flows),
        )?;
        Ok(counts)
    }
}

#[async_trait]
impl EmailSource for MongoStore {
    #[tracing::instrument(level = "debug", skip_all, fields(periods = request.periods.len()))]
    async fn email_counts(
        &self,
        request: &CountRequest,
    ) -> Result<Vec<EmailPeriodCounts>, BackendError> {
        let groups = self.groups_of(email::pipelines(request)?).await?;
        email::read(&groups, request)
    }
}
