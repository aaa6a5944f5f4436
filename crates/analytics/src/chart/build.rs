//! The chart specifications of a report's figures.

use crm_kernel::Timestamp;

use super::{Cartesian, ChartBody, ChartName, ChartSpec, FunnelStage, Mark, Series, ValueAxis};
use crate::query::ReportQuery;
use crate::report::{EmailReport, FunnelFigures, InteractionsReport, TicketsReport};
use crate::vocabulary::InteractionKind;

#[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
fn count(n: u64) -> f64 {
    n as f64
}

/// A count as a series value (always present).
#[allow(clippy::unnecessary_wraps, reason = "series values are optional")]
fn some(n: u64) -> Option<f64> {
    Some(count(n))
}

/// Seconds as hours with one decimal.
#[allow(clippy::cast_precision_loss, reason = "durations are far below 2^52")]
fn hours(seconds: Option<u64>) -> Option<f64> {
    seconds.map(|s| (s as f64 / 360.0).round() / 10.0)
}

/// `2026-03-02 – 2026-03-31 · by day · Europe/Berlin`.
fn subtitle(query: &ReportQuery) -> String {
    let zone = query.zone();
    let last = Timestamp::from_millis(query.to().as_millis() - 1).unwrap_or(query.to());
    format!(
        "{} – {} · by {} · {}",
        zone.local_date(query.from()),
        zone.local_date(last),
        query.granularity(),
        zone.name()
    )
}

fn labels(query: &ReportQuery) -> Vec<String> {
    query.periods().iter().map(|p| p.label.clone()).collect()
}

fn cartesian(
    name: ChartName,
    title: &str,
    query: &ReportQuery,
    axes: &[&str],
    series: Vec<Series>,
) -> ChartSpec {
    ChartSpec {
        name,
        title: title.to_owned(),
        subtitle: subtitle(query),
        body: ChartBody::Cartesian(Cartesian {
            categories: labels(query),
            axes: axes
                .iter()
                .map(|a| ValueAxis {
                    name: (*a).to_owned(),
                })
                .collect(),
            series,
        }),
    }
}

fn bar(name: &str, stack: Option<&str>, axis: usize, values: Vec<Option<f64>>) -> Series {
    Series {
        name: name.to_owned(),
        mark: Mark::Bar {
            stack: stack.map(str::to_owned),
        },
        axis,
        values,
    }
}

fn line(name: &str, dashed: bool, axis: usize, values: Vec<Option<f64>>) -> Series {
    Series {
        name: name.to_owned(),
        mark: Mark::Line { dashed },
        axis,
        values,
    }
}

/// Interactions per period, one bar segment per kind, stacked.
#[must_use]
pub fn interactions_chart(query: &ReportQuery, report: &InteractionsReport) -> ChartSpec {
    let series = InteractionKind::ALL
        .iter()
        .map(|kind| {
            let values = report
                .per_period
                .iter()
                .map(|f| some(f.by_kind.get(*kind)))
                .collect();
            bar(kind.as_str(), Some("kind"), 0, values)
        })
        .collect();
    cartesian(
        ChartName::InteractionsByKind,
        "Interactions by kind",
        query,
        &["interactions"],
        series,
    )
}

/// The funnel of the whole range: leads, prospects, customers, with the
/// median days of each step in the stage names.
#[must_use]
pub fn funnel_chart(query: &ReportQuery, funnel: &FunnelFigures) -> ChartSpec {
    let median =
        |days: Option<f64>| days.map_or_else(String::new, |d| format!(", median {d} days"));
    let stages = vec![
        FunnelStage {
            name: format!("Leads: {}", funnel.leads),
            value: count(funnel.leads),
        },
        FunnelStage {
            name: format!(
                "Prospects: {}{}",
                funnel.prospects,
                median(funnel.lead_to_prospect_days)
            ),
            value: count(funnel.prospects),
        },
        FunnelStage {
            name: format!(
                "Customers: {}{}",
                funnel.customers,
                median(funnel.prospect_to_customer_days)
            ),
            value: count(funnel.customers),
        },
    ];
    ChartSpec {
        name: ChartName::ConversionFunnel,
        title: "Conversion funnel".to_owned(),
        subtitle: subtitle(query),
        body: ChartBody::Funnel { stages },
    }
}

/// Backlog at each period's end (bars, tickets) with the median and 90th
/// percentile resolution time of the period (lines, hours).
#[must_use]
pub fn tickets_chart(query: &ReportQuery, report: &TicketsReport) -> ChartSpec {
    let per = &report.per_period;
    let series = vec![
        bar(
            "backlog at period end",
            None,
            0,
            per.iter().map(|f| some(f.backlog)).collect(),
        ),
        line(
            "median resolution time",
            false,
            1,
            per.iter()
                .map(|f| hours(f.resolution.median_seconds))
                .collect(),
        ),
        line(
            "90th percentile resolution time",
            true,
            1,
            per.iter()
                .map(|f| hours(f.resolution.p90_seconds))
                .collect(),
        ),
    ];
    cartesian(
        ChartName::TicketBacklog,
        "Ticket backlog and resolution time",
        query,
        &["tickets", "hours"],
        series,
    )
}

/// Recipients per period of sending: opened by a person and opened by
/// machines only (stacked), clicked by a person and replied (lines), and
/// the human open rate (dashed, %).
#[must_use]
pub fn email_chart(query: &ReportQuery, report: &EmailReport) -> ChartSpec {
    let per = &report.per_period;
    let series = vec![
        bar(
            "opened by a person",
            Some("opens"),
            0,
            per.iter().map(|f| some(f.opened_human)).collect(),
        ),
        bar(
            "opened by machines only",
            Some("opens"),
            0,
            per.iter()
                .map(|f| some(f.opened_any.saturating_sub(f.opened_human)))
                .collect(),
        ),
        line(
            "clicked by a person",
            false,
            0,
            per.iter().map(|f| some(f.clicked_human)).collect(),
        ),
        line(
            "replied",
            false,
            0,
            per.iter().map(|f| some(f.replied)).collect(),
        ),
        line(
            "human open rate",
            true,
            1,
            per.iter().map(|f| Some(f.open_rate.percent())).collect(),
        ),
    ];
    cartesian(
        ChartName::EmailEngagement,
        "Email engagement",
        query,
        &["recipients", "%"],
        series,
    )
}
