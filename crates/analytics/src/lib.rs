//! # crm-analytics
//!
//! The analytics context: reports over the other contexts' records,
//! correct over time and fast at a million rows.
//!
//! It owns
//! - report parameters ([`ReportParams`] parsed into a [`ReportQuery`]):
//!   a range, periods of a day, ISO week or month cut at local midnights of
//!   an IANA zone (DST days last 23 or 25 hours), and owner/company filters;
//! - every metric and its formula ([`report`]): interactions by kind and
//!   status; customers new, won and churned; conversion and the funnel from
//!   the recorded status history; ticket flow, backlog, response and
//!   resolution times; email delivery and engagement with people and
//!   machines apart;
//! - who may see reports ([`ReportPolicy`]: staff, over the customers they
//!   may see; customers never);
//! - chart specifications ([`chart`]) independent of the renderer.
//!
//! Its ports ([`ports`]) ask the stores for counts per period, never for
//! records: [`CountRequest`] is cut into UTC day and hour slices so that
//! maintained counters answer it exactly (ADR 0012). The reference
//! definitions of those counts over records are in [`reference`]; stores
//! are tested against them. [`AnalyticsService`] has one method per use case.

pub mod chart;
pub mod counts;
pub mod duration;
pub mod error;
pub mod journeys;
pub mod period;
pub mod plan;
pub mod ports;
pub mod query;
pub mod rate;
pub mod reference;
pub mod report;
pub mod scope;
pub mod series;
pub mod service;
pub mod vocabulary;
pub mod zone;

pub use chart::{ChartFormat, ChartName, ChartSize, ChartSpec, RenderError, RenderedChart};
pub use counts::{
    EmailPeriodCounts, InteractionCount, LifecycleCounts, LifecycleSpanCounts, TicketCounts,
    TicketPeriodCounts,
};
pub use duration::{DurationHistogram, DurationStats};
pub use error::AnalyticsError;
pub use journeys::{
    JourneyFlow, JourneyRecord, SingleQualified, add_journeys, add_leads, add_leads_from_flows,
    add_qualified, add_qualified_single, journeys_touching, touching_from_flows,
};
pub use period::{Granularity, Period};
pub use plan::{CountRequest, Grain, Slice, Span};
pub use ports::{
    ChartRenderer, EmailSource, InteractionSource, LifecycleSource, NoEmail, TicketSource,
};
pub use query::{ReportParams, ReportQuery};
pub use rate::Rate;
pub use report::Report;
pub use scope::{CustomerRef, ReportPolicy, ReportScope};
pub use series::{Cell, MetricName, MetricSeries};
pub use service::{AnalyticsPorts, AnalyticsService};
pub use vocabulary::{InteractionKind, InteractionStatus, LifecycleStatus};
pub use zone::ReportZone;
