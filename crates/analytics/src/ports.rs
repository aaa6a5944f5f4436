//! The ports of the analytics context.
//!
//! The figures ports are cross-context query ports: the stores implement
//! them over the other contexts' records. They answer with counts per
//! period ([`crate::counts`]), never with records: a store keeps counters
//! per UTC day and hour, updated in the same transaction as the writes that
//! change them, or uses an indexed aggregation that visits only the records
//! of the range; [`CountRequest`] is cut so that counters can answer it
//! exactly (ADR 0012). Every answer MUST equal the reference definition in
//! [`crate::reference`] over the same records; the contract suites check it.
//!
//! Error contract: a port fails only with a [`BackendError`] (the store is
//! unreachable or broken). An answer with the wrong number of periods is
//! treated by the service as a backend failure too.

use std::fmt::Debug;

use async_trait::async_trait;
use crm_kernel::BackendError;

use crate::chart::{ChartFormat, ChartSize, ChartSpec, RenderError, RenderedChart};
use crate::counts::{EmailPeriodCounts, InteractionCount, LifecycleCounts, TicketCounts};
use crate::plan::CountRequest;

/// Interactions counted per period, kind and status.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait InteractionSource: Send + Sync + Debug {
    /// For every period of `request`: how many interactions of customers in
    /// scope start in it, per kind and current status (zero rows may be left out).
    async fn interaction_counts(
        &self,
        request: &CountRequest,
    ) -> Result<Vec<InteractionCount>, BackendError>;
}

/// Ticket flow per period.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait TicketSource: Send + Sync + Debug {
    /// The backlog at the start of the range, and for every period of
    /// `request` the tickets opened, resolved and reopened and the response
    /// and resolution durations, for customers in scope. MUST return
    /// exactly one entry per period.
    async fn ticket_counts(&self, request: &CountRequest) -> Result<TicketCounts, BackendError>;
}

/// Lifecycle (new, won, churned, conversion, funnel) from the status history.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait LifecycleSource: Send + Sync + Debug {
    /// The lifecycle figures of the whole range and of every period of
    /// `request`, for customers in scope, from the recorded status changes
    /// (never today's statuses). MUST return exactly one entry per period.
    async fn lifecycle_counts(
        &self,
        request: &CountRequest,
    ) -> Result<LifecycleCounts, BackendError>;
}

/// Email delivery and engagement per period of sending.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EmailSource: Send + Sync + Debug {
    /// For every period of `request`: the recipients (customers in scope)
    /// sent to in it and what became of them. MUST return exactly one entry
    /// per period.
    async fn email_counts(
        &self,
        request: &CountRequest,
    ) -> Result<Vec<EmailPeriodCounts>, BackendError>;
}

/// Email figures for a deployment without the email context: nothing was
/// ever sent, so every count is zero.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoEmail;

#[async_trait]
impl EmailSource for NoEmail {
    async fn email_counts(
        &self,
        request: &CountRequest,
    ) -> Result<Vec<EmailPeriodCounts>, BackendError> {
        Ok(vec![EmailPeriodCounts::default(); request.periods.len()])
    }
}

/// Draws charts. Rendering is CPU work that can take a while (an embedded
/// JavaScript engine for SVG, a rasteriser for PNG): implementations MUST
/// NOT block the calling task for it (run it on a thread of their own).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ChartRenderer: Send + Sync + Debug {
    /// `chart` in `format` at `size`. The same arguments MUST give the same
    /// bytes, so that renderings can be cached by their arguments.
    async fn render(
        &self,
        chart: &ChartSpec,
        format: ChartFormat,
        size: ChartSize,
    ) -> Result<RenderedChart, RenderError>;
}
