//! Customer figures: new and churned, conversion and the funnel.

use serde::Serialize;

use crate::counts::{LifecycleCounts, LifecycleSpanCounts};
use crate::duration::days;
use crate::period::Period;
use crate::rate::Rate;
use crate::report::Section;

/// New, won and churned customers of one period or of the whole range.
///
/// - `new` = customers created in the span (any first status);
/// - `won` = changes of status to `customer` in the span (after the
///   creation: from `prospect`, or won back from `churned`);
/// - `churned` = changes of status to `churned` in the span.
///
/// Each is an event count kept in counters: a customer who churned twice in
/// one period (won back in between) counts twice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerFigures {
    /// The period's label; absent for the whole range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Created.
    pub new: u64,
    /// Became customers.
    pub won: u64,
    /// Churned.
    pub churned: u64,
}

/// Conversion of one period or of the whole range.
///
/// `rate` = `converted` / `leads`, where `leads` = the customers who were a
/// lead at any time in the span and `converted` = those of them who reached
/// `customer` within the span, both read from the recorded status history
/// (see [`LifecycleSpanCounts`]); `"0%"` when there were no leads. Dividing
/// today's customers by today's leads would be wrong: it mixes customers won
/// years ago with leads created yesterday and changes with every later
/// status change, so a past month's figure would not stay put.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversionFigures {
    /// The period's label; absent for the whole range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Customers who were a lead at some time in the span.
    pub leads: u64,
    /// Of those, customers who became `customer` within the span.
    pub converted: u64,
    /// `converted` / `leads`.
    pub rate: Rate,
}

/// The funnel lead → prospect → customer of one period or of the whole range.
///
/// - `leads` as in [`ConversionFigures`]; `prospects` = customers qualified
///   (changed to `prospect`) in the span; `customers` = `converted`;
/// - `lead_to_prospect_days` = median (nearest rank) of the days from
///   becoming a lead to being qualified, over the qualifications counted in
///   `prospects`; `prospect_to_customer_days` = median of the days from
///   qualification to becoming a customer, over the conversions; one
///   decimal, `null` when there are none.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FunnelFigures {
    /// The period's label; absent for the whole range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Leads at some time in the span.
    pub leads: u64,
    /// Qualified in the span.
    pub prospects: u64,
    /// Converted in the span.
    pub customers: u64,
    /// Median days from lead to prospect.
    pub lead_to_prospect_days: Option<f64>,
    /// Median days from prospect to customer.
    pub prospect_to_customer_days: Option<f64>,
}

/// Customer lifecycle of a report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LifecycleReport {
    /// New, won, churned over the whole range and per period.
    pub customers: Section<CustomerFigures>,
    /// Conversion over the whole range and per period.
    pub conversion: Section<ConversionFigures>,
    /// The funnel over the whole range and per period.
    pub funnel: Section<FunnelFigures>,
}

impl LifecycleReport {
    /// The figures from a store's counts; `None` when the store answered for
    /// another number of periods.
    #[must_use]
    pub fn from_counts(periods: &[Period], counts: &LifecycleCounts) -> Option<Self> {
        if counts.periods.len() != periods.len() {
            return None;
        }
        Some(Self {
            customers: section(periods, counts, customers),
            conversion: section(periods, counts, conversion),
            funnel: section(periods, counts, funnel),
        })
    }
}

fn customers(period: Option<String>, c: &LifecycleSpanCounts) -> CustomerFigures {
    CustomerFigures {
        period,
        new: c.created,
        won: c.won,
        churned: c.churned,
    }
}

fn conversion(period: Option<String>, c: &LifecycleSpanCounts) -> ConversionFigures {
    ConversionFigures {
        period,
        leads: c.leads,
        converted: c.converted,
        rate: Rate::new(c.converted, c.leads),
    }
}

fn funnel(period: Option<String>, c: &LifecycleSpanCounts) -> FunnelFigures {
    FunnelFigures {
        period,
        leads: c.leads,
        prospects: c.prospects,
        customers: c.converted,
        lead_to_prospect_days: c.lead_to_prospect.percentile(50).map(days),
        prospect_to_customer_days: c.prospect_to_customer.percentile(50).map(days),
    }
}

fn section<T>(
    periods: &[Period],
    counts: &LifecycleCounts,
    figures: impl Fn(Option<String>, &LifecycleSpanCounts) -> T,
) -> Section<T> {
    Section {
        total: figures(None, &counts.total),
        per_period: periods
            .iter()
            .zip(&counts.periods)
            .map(|(p, c)| figures(Some(p.label.clone()), c))
            .collect(),
    }
}
