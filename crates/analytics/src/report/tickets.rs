//! Ticket figures.

use serde::Serialize;

use crate::counts::TicketCounts;
use crate::duration::{DurationHistogram, DurationStats};
use crate::period::Period;

/// Ticket figures of one period or of the whole range.
///
/// - `opened` = tickets raised in the span;
/// - `resolved` = transitions to `resolved` in the span; `reopened` =
///   transitions to `reopened` in the span;
/// - `backlog` = tickets `open`, `in_progress` or `reopened` at the end of
///   the span = backlog at the start of the range + Σ over the periods up to
///   this one of (`opened` + `reopened` − `resolved`) (every resolution
///   leaves the backlog, every raising and reopening enters it; closing
///   happens only to resolved tickets);
/// - `first_response` = median and 90th percentile (nearest rank) of the
///   seconds from raising to the first staff response, over tickets first
///   answered in the span;
/// - `resolution` = the same of the seconds from raising to resolution, over
///   the resolutions in the span.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketFigures {
    /// The period's label; absent for the whole range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Raised.
    pub opened: u64,
    /// Resolutions.
    pub resolved: u64,
    /// Reopenings.
    pub reopened: u64,
    /// In the backlog at the end of the span.
    pub backlog: u64,
    /// Time to the first staff response.
    pub first_response: DurationStats,
    /// Time to resolution.
    pub resolution: DurationStats,
}

/// Tickets of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketsReport {
    /// In the backlog at the start of the range.
    pub backlog_at_start: u64,
    /// Over the whole range (its `backlog` is the backlog at the end of the range).
    pub total: TicketFigures,
    /// Per period, in order.
    pub per_period: Vec<TicketFigures>,
}

impl TicketsReport {
    /// The figures from a store's counts; `None` when the store answered for
    /// another number of periods.
    #[must_use]
    pub fn from_counts(periods: &[Period], counts: &TicketCounts) -> Option<Self> {
        if counts.periods.len() != periods.len() {
            return None;
        }
        let mut backlog = i128::from(counts.backlog_at_start);
        let mut total = TicketFigures::default();
        let mut per_period = Vec::with_capacity(periods.len());
        for (period, c) in periods.iter().zip(&counts.periods) {
            backlog += i128::from(c.opened) + i128::from(c.reopened) - i128::from(c.resolved);
            let backlog_now = u64::try_from(backlog.max(0)).unwrap_or(u64::MAX);
            total.opened += c.opened;
            total.resolved += c.resolved;
            total.reopened += c.reopened;
            total.backlog = backlog_now;
            per_period.push(TicketFigures {
                period: Some(period.label.clone()),
                opened: c.opened,
                resolved: c.resolved,
                reopened: c.reopened,
                backlog: backlog_now,
                first_response: c.first_response.stats(),
                resolution: c.resolution.stats(),
            });
        }
        total.first_response =
            DurationHistogram::sum(counts.periods.iter().map(|c| &c.first_response)).stats();
        total.resolution =
            DurationHistogram::sum(counts.periods.iter().map(|c| &c.resolution)).stats();
        Some(Self {
            backlog_at_start: counts.backlog_at_start,
            total,
            per_period,
        })
    }
}
