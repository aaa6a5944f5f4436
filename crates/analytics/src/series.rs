//! One metric's series: a table with a row per period, for
//! `GET /api/reports/{name}` as JSON or CSV.
//!
//! The domain decides the columns and values; encoding the table (JSON, or
//! CSV with the `csv` crate) is the HTTP layer's job, as for every other
//! representation.

use std::fmt;

use crm_kernel::Timestamp;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::duration::DurationStats;
use crate::period::Period;
use crate::rate::Rate;
use crate::report::{
    ConversionFigures, CustomerFigures, EmailFigures, FunnelFigures, InteractionFigures,
    TicketFigures,
};
use crate::vocabulary::{InteractionKind, InteractionStatus};

/// The metrics that have a series of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MetricName {
    /// Interactions: total, per kind, per status.
    Interactions,
    /// Customers: new, won, churned.
    Customers,
    /// Conversion: leads, converted, rate.
    Conversion,
    /// The funnel: leads, prospects, customers and the median days of each step.
    Funnel,
    /// Tickets: opened, resolved, reopened, backlog, response and resolution times.
    Tickets,
    /// Email: delivery, engagement and their rates.
    Email,
}

impl MetricName {
    /// Every metric.
    pub const ALL: [Self; 6] = [
        Self::Interactions,
        Self::Customers,
        Self::Conversion,
        Self::Funnel,
        Self::Tickets,
        Self::Email,
    ];

    /// The name in URLs.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Interactions => "interactions",
            Self::Customers => "customers",
            Self::Conversion => "conversion",
            Self::Funnel => "funnel",
            Self::Tickets => "tickets",
            Self::Email => "email",
        }
    }

    /// Parses the name in URLs.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == text)
    }
}

impl fmt::Display for MetricName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One value of a series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    /// A count.
    Count(u64),
    /// A share (`"66.7%"`).
    Rate(Rate),
    /// A number that may be missing (median days).
    Number(Option<f64>),
}

impl fmt::Display for Cell {
    /// The text form for CSV: counts and numbers as digits, rates with `%`,
    /// missing values empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Count(n) => write!(f, "{n}"),
            Self::Rate(rate) => write!(f, "{rate}"),
            Self::Number(Some(x)) => write!(f, "{x}"),
            Self::Number(None) => Ok(()),
        }
    }
}

impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Count(n) => serializer.serialize_u64(*n),
            Self::Rate(rate) => rate.serialize(serializer),
            Self::Number(x) => x.serialize(serializer),
        }
    }
}

/// One row: a period and a value per column.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesRow {
    /// The period's label.
    pub period: String,
    /// Its start.
    pub start: Timestamp,
    /// Its end (exclusive).
    pub end: Timestamp,
    /// One value per column of the series.
    pub values: Vec<Cell>,
    columns: &'static [&'static str],
}

impl Serialize for SeriesRow {
    /// `{"period": …, "start": …, "end": …, "<column>": <value>, …}`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3 + self.values.len()))?;
        map.serialize_entry("period", &self.period)?;
        map.serialize_entry("start", &self.start)?;
        map.serialize_entry("end", &self.end)?;
        for (column, value) in self.columns.iter().zip(&self.values) {
            map.serialize_entry(column, value)?;
        }
        map.end()
    }
}

/// A metric's series: its columns and a row per period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricSeries {
    /// Which metric.
    pub metric: MetricName,
    /// The value columns, in order (after `period`, `start`, `end`).
    pub columns: &'static [&'static str],
    /// A row per period, in order.
    pub rows: Vec<SeriesRow>,
}

impl MetricSeries {
    /// The CSV header: `period`, `start`, `end`, then the columns.
    #[must_use]
    pub fn header(&self) -> Vec<&'static str> {
        ["period", "start", "end"]
            .into_iter()
            .chain(self.columns.iter().copied())
            .collect()
    }

    fn build<T>(
        metric: MetricName,
        columns: &'static [&'static str],
        periods: &[Period],
        figures: &[T],
        cells: impl Fn(&T) -> Vec<Cell>,
    ) -> Self {
        let rows = periods
            .iter()
            .zip(figures)
            .map(|(p, f)| SeriesRow {
                period: p.label.clone(),
                start: p.start,
                end: p.end,
                values: cells(f),
                columns,
            })
            .collect();
        Self {
            metric,
            columns,
            rows,
        }
    }

    /// Interactions: `total`, each kind, each status.
    #[must_use]
    pub fn interactions(periods: &[Period], figures: &[InteractionFigures]) -> Self {
        const COLUMNS: &[&str] = &[
            "total",
            "meeting",
            "call",
            "task",
            "note",
            "email",
            "scheduled",
            "completed",
            "cancelled",
            "no_show",
        ];
        Self::build(MetricName::Interactions, COLUMNS, periods, figures, |f| {
            std::iter::once(f.total)
                .chain(InteractionKind::ALL.iter().map(|k| f.by_kind.get(*k)))
                .chain(InteractionStatus::ALL.iter().map(|s| f.by_status.get(*s)))
                .map(Cell::Count)
                .collect()
        })
    }

    /// Customers: `new`, `won`, `churned`.
    #[must_use]
    pub fn customers(periods: &[Period], figures: &[CustomerFigures]) -> Self {
        Self::build(
            MetricName::Customers,
            &["new", "won", "churned"],
            periods,
            figures,
            |f| {
                vec![
                    Cell::Count(f.new),
                    Cell::Count(f.won),
                    Cell::Count(f.churned),
                ]
            },
        )
    }

    /// Conversion: `leads`, `converted`, `conversion_rate`.
    #[must_use]
    pub fn conversion(periods: &[Period], figures: &[ConversionFigures]) -> Self {
        const COLUMNS: &[&str] = &["leads", "converted", "conversion_rate"];
        Self::build(MetricName::Conversion, COLUMNS, periods, figures, |f| {
            vec![
                Cell::Count(f.leads),
                Cell::Count(f.converted),
                Cell::Rate(f.rate),
            ]
        })
    }

    /// The funnel: `leads`, `prospects`, `customers`, `lead_to_prospect_days`, `prospect_to_customer_days`.
    #[must_use]
    pub fn funnel(periods: &[Period], figures: &[FunnelFigures]) -> Self {
        const COLUMNS: &[&str] = &[
            "leads",
            "prospects",
            "customers",
            "lead_to_prospect_days",
            "prospect_to_customer_days",
        ];
        Self::build(MetricName::Funnel, COLUMNS, periods, figures, |f| {
            vec![
                Cell::Count(f.leads),
                Cell::Count(f.prospects),
                Cell::Count(f.customers),
                Cell::Number(f.lead_to_prospect_days),
                Cell::Number(f.prospect_to_customer_days),
            ]
        })
    }

    /// Tickets: flow, backlog, and median and p90 seconds of first response and resolution.
    #[must_use]
    pub fn tickets(periods: &[Period], figures: &[TicketFigures]) -> Self {
        const COLUMNS: &[&str] = &[
            "opened",
            "resolved",
            "reopened",
            "backlog",
            "first_response_median_seconds",
            "first_response_p90_seconds",
            "resolution_median_seconds",
            "resolution_p90_seconds",
        ];
        #[allow(clippy::cast_precision_loss, reason = "seconds are far below 2^52")]
        let seconds = |s: Option<u64>| Cell::Number(s.map(|s| s as f64));
        let stats = |d: &DurationStats| [seconds(d.median_seconds), seconds(d.p90_seconds)];
        Self::build(MetricName::Tickets, COLUMNS, periods, figures, |f| {
            let mut cells = vec![
                Cell::Count(f.opened),
                Cell::Count(f.resolved),
                Cell::Count(f.reopened),
                Cell::Count(f.backlog),
            ];
            cells.extend(stats(&f.first_response));
            cells.extend(stats(&f.resolution));
            cells
        })
    }

    /// Email: counts and rates.
    #[must_use]
    pub fn email(periods: &[Period], figures: &[EmailFigures]) -> Self {
        const COLUMNS: &[&str] = &[
            "sent",
            "delivered",
            "bounced",
            "opened_human",
            "opened_any",
            "clicked_human",
            "clicked_any",
            "replied",
            "machine_opens",
            "machine_clicks",
            "open_rate",
            "open_rate_all",
            "click_rate",
            "click_rate_all",
            "reply_rate",
            "bounce_rate",
        ];
        Self::build(MetricName::Email, COLUMNS, periods, figures, |f| {
            let counts = [
                f.sent,
                f.delivered,
                f.bounced,
                f.opened_human,
                f.opened_any,
                f.clicked_human,
                f.clicked_any,
                f.replied,
                f.machine_opens,
                f.machine_clicks,
            ];
            let rates = [
                f.open_rate,
                f.open_rate_all,
                f.click_rate,
                f.click_rate_all,
                f.reply_rate,
                f.bounce_rate,
            ];
            counts
                .into_iter()
                .map(Cell::Count)
                .chain(rates.into_iter().map(Cell::Rate))
                .collect()
        })
    }
}
