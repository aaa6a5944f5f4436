//! The analytics use cases.

mod charts;
mod reports;

use std::sync::Arc;

use crm_kernel::{BackendError, Clock, Principal};

use crate::error::AnalyticsError;
use crate::plan::CountRequest;
use crate::ports::{ChartRenderer, EmailSource, InteractionSource, LifecycleSource, TicketSource};
use crate::query::{ReportParams, ReportQuery};
use crate::report::{
    EmailReport, InteractionsReport, LifecycleReport, TicketsReport, email_report,
    interactions_report,
};
use crate::scope::ReportPolicy;

/// The adapters the analytics service works through.
#[derive(Debug, Clone)]
pub struct AnalyticsPorts {
    /// Interaction counts.
    pub interactions: Arc<dyn InteractionSource>,
    /// Ticket flow.
    pub tickets: Arc<dyn TicketSource>,
    /// Lifecycle from the status history.
    pub lifecycle: Arc<dyn LifecycleSource>,
    /// Email delivery and engagement ([`crate::ports::NoEmail`] without an email context).
    pub email: Arc<dyn EmailSource>,
    /// Draws charts.
    pub charts: Arc<dyn ChartRenderer>,
    /// Time, for the default range.
    pub clock: Arc<dyn Clock>,
}

/// The analytics context's use cases.
#[derive(Debug, Clone)]
pub struct AnalyticsService {
    ports: AnalyticsPorts,
    policy: ReportPolicy,
}

impl AnalyticsService {
    /// A service over the given adapters and rules.
    #[must_use]
    pub fn new(ports: AnalyticsPorts, policy: ReportPolicy) -> Self {
        Self { ports, policy }
    }

    /// Parses report parameters; the default range ends now (from the clock).
    pub fn parse_query(&self, params: &ReportParams) -> Result<ReportQuery, AnalyticsError> {
        Ok(ReportQuery::parse(params, self.ports.clock.now())?)
    }

    /// What the stores are asked for `query` on behalf of `caller`, or
    /// [`AnalyticsError::Forbidden`] for customers.
    fn request(
        &self,
        caller: &Principal,
        query: &ReportQuery,
    ) -> Result<CountRequest, AnalyticsError> {
        let scope = self.policy.scope(caller, query)?;
        Ok(CountRequest::new(query.periods(), scope))
    }

    async fn interactions(
        &self,
        query: &ReportQuery,
        request: &CountRequest,
    ) -> Result<InteractionsReport, AnalyticsError> {
        let counts = self.ports.interactions.interaction_counts(request).await?;
        interactions_report(query.periods(), &counts)
            .map_err(|period| contract("interaction counts", &format!("unknown period {period}")))
    }

    async fn lifecycle(
        &self,
        query: &ReportQuery,
        request: &CountRequest,
    ) -> Result<LifecycleReport, AnalyticsError> {
        let counts = self.ports.lifecycle.lifecycle_counts(request).await?;
        LifecycleReport::from_counts(query.periods(), &counts)
            .ok_or_else(|| contract("lifecycle counts", "wrong number of periods"))
    }

    async fn tickets(
        &self,
        query: &ReportQuery,
        request: &CountRequest,
    ) -> Result<TicketsReport, AnalyticsError> {
        let counts = self.ports.tickets.ticket_counts(request).await?;
        TicketsReport::from_counts(query.periods(), &counts)
            .ok_or_else(|| contract("ticket counts", "wrong number of periods"))
    }

    async fn email(
        &self,
        query: &ReportQuery,
        request: &CountRequest,
    ) -> Result<EmailReport, AnalyticsError> {
        let counts = self.ports.email.email_counts(request).await?;
        email_report(query.periods(), &counts)
            .ok_or_else(|| contract("email counts", "wrong number of periods"))
    }
}

/// A store answered against its port's contract.
fn contract(port: &str, problem: &str) -> AnalyticsError {
    tracing::error!(port, problem, "a figures port broke its contract");
    AnalyticsError::Backend(BackendError::msg(format!("{port}: {problem}")))
}

#[cfg(test)]
mod tests;
