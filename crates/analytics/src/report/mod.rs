//! The figures of a report, each with its formula, computed from the counts
//! the figures ports answer.

mod email;
mod interactions;
mod lifecycle;
mod tickets;

use crm_kernel::Timestamp;
use serde::Serialize;

pub use email::{EmailFigures, EmailReport, email_report};
pub use interactions::{
    InteractionFigures, InteractionsReport, KindCounts, StatusCounts, interactions_report,
};
pub use lifecycle::{ConversionFigures, CustomerFigures, FunnelFigures, LifecycleReport};
pub use tickets::{TicketFigures, TicketsReport};

use crate::period::{Granularity, Period};

/// Figures of the whole range and of each period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Section<T> {
    /// Over the whole range.
    pub total: T,
    /// Per period, in order (the same order as [`Report::periods`]).
    pub per_period: Vec<T>,
}

/// Every figure of a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    /// Start of the range (inclusive).
    pub from: Timestamp,
    /// End of the range (exclusive).
    pub to: Timestamp,
    /// Length of the periods.
    pub granularity: Granularity,
    /// IANA zone the periods are cut in.
    pub tz: String,
    /// The periods, in order.
    pub periods: Vec<Period>,
    /// Interactions.
    pub interactions: Section<InteractionFigures>,
    /// Customers: new, won, churned; conversion; the funnel.
    pub lifecycle: LifecycleReport,
    /// Tickets.
    pub tickets: TicketsReport,
    /// Email.
    pub email: Section<EmailFigures>,
}
